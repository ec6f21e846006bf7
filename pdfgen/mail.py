"""Stage 6, email: a rendered handout into a MIME message, sent once over SMTP or written as .eml.

Privacy: the patient's address and name go into the message and nowhere else. Nothing here
logs, writes temporary files or retries; an error names at most the address the user typed.
"""

from __future__ import annotations

import base64
import html
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, localtime, make_msgid

from . import markup
from .address import address_problem, shown
from .errors import PdfgenError, UsageError
from .i18n import labels_for
from .model import Clinic, MailSettings, Procedure

UNCONFIRMED = ("the server did not confirm it, so treat it as not sent, and check with the "
               "mail server's staff before sending again")
USER_ENV = "PDFGEN_SMTP_USER"
PASSWORD_ENV = "PDFGEN_SMTP_PASSWORD"

UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


# ---------------------------------------------------------------------------
# errors: one class per fault, each with its own exit status (docs/email.md)


class AddressError(PdfgenError):
    """A recipient or patient name refused before anything is sent."""

    exit_code = 3


class MailConfigError(PdfgenError):
    """Email is not set up: no `email:` section, or half the credentials."""

    exit_code = 4


class MailError(PdfgenError):
    """Sending failed; the message was not accepted by the server."""

    exit_code = 10

    def __init__(self, message: str, smtp_code: int | None = None):
        super().__init__(message)
        self.smtp_code = smtp_code


class ServerUnreachable(MailError):
    exit_code = 5


class TLSFailure(MailError):
    exit_code = 6


class AuthFailure(MailError):
    exit_code = 7


class RecipientRefused(MailError):
    exit_code = 8


class MessageTooLarge(MailError):
    exit_code = 9


# ---------------------------------------------------------------------------
# checking what the user typed


def check_address(addr: str) -> str:
    """The address, or AddressError naming it (escaped) and what is wrong."""
    problem = address_problem(addr)
    if problem:
        raise AddressError(f"invalid email address '{shown(addr)}': {problem}")
    return addr


def check_patient_name(name: str | None) -> str:
    # a name pasted from a records system may carry no-break or narrow spaces: plain spaces
    name = (name or "").translate({0xA0: " ", 0x2007: " ", 0x202F: " "}).strip()
    if any(not ch.isprintable() for ch in name):
        raise AddressError("the patient name must be one line without control characters")
    if len(name) > 100:
        raise AddressError("the patient name is longer than 100 characters")
    return name


# ---------------------------------------------------------------------------
# composing


def attachment_name(title: str) -> str:
    """A readable file name from the handout's title: 'Hemilaminectomía.pdf'."""
    name = UNSAFE_NAME.sub(" ", markup.plain(title))
    name = " ".join(name.split()).strip(" .")[:80].strip(" .")
    return f"{name or 'handout'}.pdf"


def compose_message(proc: Procedure, clinic: Clinic, pdf: bytes, to: str, lang: str,
                    patient_name: str | None = None, *, now=None) -> EmailMessage:
    """The email carrying one handout: text and HTML in `lang`, the PDF attached."""
    settings = require_settings(clinic)
    to = check_address(to)
    name = check_patient_name(patient_name)
    locale = clinic.language(lang).locale
    lab = labels_for(locale)
    title = " ".join(markup.plain(proc.title[lang]).split())  # a title's line breaks: spaces
    paragraphs = [
        lab.format("email_greeting_name", name=name) if name else lab["email_greeting"],
        lab.format("email_intro", title=title),
        lab["email_read"],
        lab.format("email_questions", phone=clinic.phone),
        lab["email_emergency"],
    ]
    contact = [(lab["phone"], clinic.phone), (lab["fax"], clinic.fax), (lab["web"], clinic.web)]

    for what, value in (("the clinic name (clinic.yaml name)", clinic.name),
                        (f"the handout title ({lang})", title)):
        if not value.isprintable():
            raise AddressError(f"{what} '{shown(value)}' has a line break or control character, "
                               f"which an email header cannot carry; fix it in the content")
    msg = EmailMessage()
    msg["Subject"] = lab.format("email_subject", title=title, clinic=clinic.name)
    msg["From"] = Address(clinic.name, addr_spec=settings.sender)
    msg["To"] = Address(addr_spec=to)
    if settings.reply_to:
        msg["Reply-To"] = Address(clinic.name, addr_spec=settings.reply_to)
    msg["Date"] = format_datetime(now or localtime())
    msg["Message-ID"] = make_msgid(domain=settings.sender.split("@")[1])
    msg.set_content(_text_body(paragraphs, lab["email_closing"], clinic.name, contact),
                    cte="quoted-printable")
    msg.add_alternative(_html_body(paragraphs, lab["email_closing"], clinic.name, contact, locale),
                        subtype="html", cte="quoted-printable")
    filename = attachment_name(proc.title[lang])
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename,
                       params={"name": filename})
    msg["Content-Language"] = locale  # after the parts: they would take Content-* headers along
    return msg


def _text_body(paragraphs, closing: str, clinic_name: str, contact) -> str:
    lines = "\n\n".join(paragraphs)
    details = "\n".join(f"{label}: {value}" for label, value in contact)
    return f"{lines}\n\n{closing}\n{clinic_name}\n{details}\n"


def _html_body(paragraphs, closing: str, clinic_name: str, contact, locale: str) -> str:
    from .render.page import tel_uri, web_label

    e = html.escape
    (phone_label, phone), (fax_label, fax), (web_label_text, web) = contact
    call = f'<a href="{e(tel_uri(phone))}" style="white-space: nowrap">{e(phone)}</a>'
    links = [f"{e(phone_label)}: {call}",
             f"{e(fax_label)}: {e(fax)}",
             f'{e(web_label_text)}: <a href="{e(web)}">{e(web_label(web))}</a>']
    body = "\n".join(f"<p>{e(p).replace(e(phone), call)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="{e(locale)}">\n<head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
            f'<body style="font-family: Arial, Helvetica, sans-serif; font-size: 18px; '
            f'line-height: 1.5; color: #1a1a1a; max-width: 36em; margin: 0 auto; '
            f'padding: 12px;">\n{body}\n'
            f"<p>{e(closing)}<br>\n<strong>{e(clinic_name)}</strong><br>\n"
            + "<br>\n".join(links) + "</p>\n</body>\n</html>\n")


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent on the wire and written to .eml files: CRLF line ends, 7-bit."""
    return msg.as_bytes(policy=SMTP)


# ---------------------------------------------------------------------------
# settings and credentials


@dataclass(frozen=True)
class Credentials:
    """SMTP login, from the environment only; never printed (repr hides both)."""

    user: str = field(repr=False)
    password: str = field(repr=False)


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """PDFGEN_SMTP_USER and PDFGEN_SMTP_PASSWORD, both or neither."""
    env = os.environ if environ is None else environ
    user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        have, lack = (USER_ENV, PASSWORD_ENV) if user else (PASSWORD_ENV, USER_ENV)
        raise MailConfigError(f"{have} is set but {lack} is not: set both, or neither to "
                              "send without logging in")
    return Credentials(user, password) if user else None


def require_settings(clinic: Clinic) -> MailSettings:
    if clinic.email is None:
        raise MailConfigError(f"{clinic.path or 'clinic.yaml'} has no email: section; "
                              "see docs/email.md to set up the clinic's mail server")
    return clinic.email


def security_warnings(settings: MailSettings) -> list[str]:
    """What the settings give up, said plainly; the CLI prints these before every send."""
    out = []
    if settings.security == "none":
        out.append(f"email.security is none: the handout and any password cross the network "
                   f"to {settings.host} unencrypted (allow_plain: true)")
    if settings.allow_unverified:
        out.append(f"email.allow_unverified is true: the certificate of {settings.host} is "
                   "not checked, so an impostor server could receive the message")
    return out


def describe_server(settings: MailSettings) -> str:
    return f"{settings.host}:{settings.port} ({settings.security})"


# ---------------------------------------------------------------------------
# sending


@dataclass(frozen=True)
class SendResult:
    message_id: str
    server: str
    size: int


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """Certificates verified against the system's CAs (plus ca_file), unless allowed not to."""
    ctx = ssl.create_default_context()
    if settings.ca_file:
        ctx.load_verify_locations(cafile=settings.ca_file)
    if settings.allow_unverified:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def send_message(msg: EmailMessage, settings: MailSettings,
                 credentials: Credentials | None = None) -> SendResult:
    """Send `msg` once. Returns only when the server accepted it; raises a MailError otherwise."""
    recipients = [a.addr_spec for a in msg["To"].addresses] if msg["To"] else []
    if len(recipients) != 1 or msg["Cc"] or msg["Bcc"]:
        raise AddressError("a handout goes to exactly one recipient (To), with no Cc or Bcc")
    check_address(recipients[0])
    data = message_bytes(msg)
    server = describe_server(settings)
    smtp = _connect(settings)
    try:
        _login(smtp, settings, credentials)
        _transmit(smtp, settings.sender, recipients, data)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the message was accepted (or the error raised already): just hang up
    return SendResult(str(msg["Message-ID"]), server, len(data))


def _connect(settings: MailSettings) -> smtplib.SMTP:
    where = describe_server(settings)
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=tls_context(settings))
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except ssl.SSLCertVerificationError as exc:
        raise TLSFailure(_cert_message(where, exc)) from None
    except ssl.SSLError as exc:
        raise TLSFailure(f"TLS with {where} failed: {exc.reason or exc}") from None
    except smtplib.SMTPConnectError as exc:
        raise ServerUnreachable(f"{where} refused the connection: {_reply(exc)}",
                                exc.smtp_code) from None
    except socket.gaierror:
        raise ServerUnreachable(f"cannot reach {where}: unknown host name") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ServerUnreachable(f"cannot reach {where}: {_os_reason(exc)}") from None
    if settings.security == "starttls":
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise TLSFailure(f"{where} does not offer STARTTLS; nothing was sent")
            smtp.starttls(context=tls_context(settings))
            smtp.ehlo()
        except ssl.SSLCertVerificationError as exc:
            smtp.close()
            raise TLSFailure(_cert_message(where, exc)) from None
        except ssl.SSLError as exc:
            smtp.close()
            raise TLSFailure(f"TLS with {where} failed: {exc.reason or exc}") from None
        except TLSFailure:
            smtp.close()
            raise
        except smtplib.SMTPResponseException as exc:  # e.g. 454 TLS not available
            smtp.close()
            raise TLSFailure(f"{where} refused STARTTLS: {_reply(exc)}; nothing was sent") from None
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise ServerUnreachable(f"{where} closed the connection before TLS was set up: "
                                    f"{_os_reason(exc)}") from None
    return smtp


def _login(smtp: smtplib.SMTP, settings: MailSettings, credentials: Credentials | None) -> None:
    if credentials is None:
        return
    where = describe_server(settings)
    try:
        if (credentials.user + credentials.password).isascii():
            smtp.login(credentials.user, credentials.password)
        else:
            _login_utf8(smtp, credentials)
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthFailure(f"{where} refused the login from {USER_ENV}/{PASSWORD_ENV}: "
                          f"{_reply(exc)}; nothing was sent", exc.smtp_code) from None
    except smtplib.SMTPNotSupportedError:
        raise AuthFailure(f"{where} does not offer login (AUTH) on this connection; "
                          f"unset {USER_ENV} and {PASSWORD_ENV}, or use starttls or ssl") from None
    except smtplib.SMTPServerDisconnected as exc:  # smtplib's word for a timeout, too
        if "timed out" in str(exc):
            raise MailError(f"{where} did not answer the login within {settings.timeout} s "
                            f"(email.timeout); nothing was sent") from None
        raise MailError(f"connection to {where} lost during login: {shown(str(exc))}; "
                        f"nothing was sent") from None
    except smtplib.SMTPException as exc:
        raise AuthFailure(f"login to {where} failed: {_reply(exc)}") from None
    except OSError as exc:
        raise MailError(f"connection to {where} lost during login: {_os_reason(exc)}") from None


def _login_utf8(smtp: smtplib.SMTP, credentials: Credentials) -> None:
    """AUTH PLAIN with UTF-8 (RFC 4616): smtplib encodes logins as ASCII only."""
    smtp.ehlo_or_helo_if_needed()
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN not offered")
    token = b"\0" + credentials.user.encode() + b"\0" + credentials.password.encode()
    code, resp = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(token).decode("ascii"))
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, resp)


def _transmit(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> None:
    not_sent = "; the message was not sent"
    try:
        smtp.sendmail(sender, recipients, data)
    except smtplib.SMTPRecipientsRefused as exc:
        addr, (code, text) = next(iter(exc.recipients.items()))
        reply = _reply_text(code, text)
        if code == 552 or (code == 452 and b"size" in text.lower()):
            raise MessageTooLarge(f"the message ({len(data):,} bytes) is larger than the server "
                                  f"accepts: {reply}{not_sent}", code) from None
        if code == 421:
            raise MailError(f"the server is closing the connection: {reply}{not_sent}",
                            code) from None
        raise RecipientRefused(f"the server refused the recipient {shown(addr)}: {reply}"
                               f"{not_sent}", code) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        code = exc.smtp_code
        if code == 552 or (code == 452 and b"size" in exc.smtp_error.lower()):
            raise MessageTooLarge(f"the message ({len(data):,} bytes) is larger than the server "
                                  f"accepts: {_reply(exc)}{not_sent}", code) from None
        if code in (530, 535):
            raise AuthFailure(f"the server requires a login: set {USER_ENV} and {PASSWORD_ENV} "
                              f"({_reply(exc)}){not_sent}", code) from None
        what = f"the sender {sender}" if isinstance(exc, smtplib.SMTPSenderRefused) \
            else "the message"
        raise MailError(f"the server refused {what}: {_reply(exc)}{not_sent}", code) from None
    except smtplib.SMTPServerDisconnected:
        raise MailError(f"the server closed the connection before confirming the message; "
                        f"{UNCONFIRMED}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"sending failed ({_os_reason(exc)}); {UNCONFIRMED}") from None


def _reply_text(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    one_line = " ".join(shown(str(text)).split())
    return f"{code} {one_line[:200]}".strip()


def _reply(exc) -> str:
    return _reply_text(getattr(exc, "smtp_code", ""), getattr(exc, "smtp_error", "") or "")


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the host and port right, and the server running?)"
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    return shown(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)


def _cert_message(where: str, exc: ssl.SSLCertVerificationError) -> str:
    reason = exc.verify_message or exc.reason or "verification failed"
    return (f"the certificate of {where} is not trusted ({reason}); nothing was sent. "
            "Fix the server's certificate, or name its CA in email.ca_file")


# ---------------------------------------------------------------------------
# the whole job


def handout_langs(clinic: Clinic, layout, lang: str) -> tuple[str, ...]:
    """The PDF's languages: the patient's first, then others if the layout prints more."""
    if lang not in clinic.lang_codes:
        raise UsageError(f"unknown language '{lang}'; the clinic's languages are "
                         f"{', '.join(clinic.lang_codes)}")
    others = tuple(code for code in clinic.lang_codes if code != lang)
    return ((lang,) + others)[: max(1, layout.languages)]


def prepare_handout(proc: Procedure, clinic: Clinic, layout, to: str, lang: str,
                    patient_name: str | None = None) -> tuple[EmailMessage, bytes]:
    """Check the recipient, render the PDF in memory, compose: (message, PDF bytes)."""
    from .render import render_handout

    require_settings(clinic)
    check_address(to)
    check_patient_name(patient_name)
    pdf = render_handout(proc, clinic, layout, handout_langs(clinic, layout, lang))
    return compose_message(proc, clinic, pdf, to, lang, patient_name), pdf


def send_handout(proc: Procedure, clinic: Clinic, layout, to: str, lang: str,
                 patient_name: str | None = None,
                 credentials: Credentials | None = None) -> SendResult:
    """Render, compose and send one handout to one patient (see credentials_from_env)."""
    msg, _ = prepare_handout(proc, clinic, layout, to, lang, patient_name)
    return send_message(msg, require_settings(clinic), credentials)


def dry_run_report(msg: EmailMessage, settings: MailSettings,
                   credentials: Credentials | None) -> str:
    """What `pdfgen email --dry-run` prints: the headers, the attachment and the text part."""
    login = f"yes, as {USER_ENV} (not shown)" if credentials else "no"
    lines = [f"would send via {describe_server(settings)}, login: {login}"]
    for name in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID"):
        if msg[name] is not None:
            lines.append(f"{name}: {msg[name]}")
    for part in msg.iter_attachments():
        size = len(part.get_content())
        lines.append(f"Attachment: {part.get_filename()} ({part.get_content_type()}, "
                     f"{size:,} bytes)")
    body = msg.get_body(("plain",))
    lines += ["", body.get_content().rstrip("\n") if body is not None else ""]
    lines.append(f"\n(nothing was sent; the message is {len(message_bytes(msg)):,} bytes)")
    return "\n".join(lines)
