"""Email addresses as pdfgen accepts them, and typed values made safe to print.

Ground floor: the loader checks clinic.yaml's `email.from` with it without importing the
mail module (smtplib, ssl), and the mail module checks a recipient with the same rules.
"""

from __future__ import annotations

import re

from .markup import escape_controls

# ASCII addresses only: local@domain, dot-atom local part, a domain with a dot.
LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def shown(value: str) -> str:
    """A typed value made safe to print on one line: control characters as escapes."""
    return escape_controls(value)


def address_problem(addr: str) -> str | None:
    """Why `addr` is not a single plain email address we can send to, or None."""
    if any(ch in addr for ch in "\r\n"):
        return "an address must not contain a line break"
    if any(not ch.isprintable() or ch.isspace() for ch in addr):
        return "an address must not contain spaces or control characters"
    if not addr.isascii():
        return "only plain ASCII addresses are supported"
    if len(addr) > 254 or addr.count("@") != 1:
        return "write one address like name@example.org"
    local, domain = addr.split("@")
    if not local or len(local) > 64 or not LOCAL.match(local):
        return "the part before '@' is not valid"
    labels = domain.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels) \
            or not labels[-1].isalpha():
        return "the part after '@' is not a domain like example.org"
    return None
