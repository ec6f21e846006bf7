"""Inline markup: the one place content text becomes ReportLab paragraph XML.

Content may use exactly two pieces of markup:

* ``**words**`` prints *words* in bold;
* a line break inside the text (a YAML ``|`` block, or ``\\n`` in a quoted
  string) starts a new line within the same paragraph.

Every other character prints literally: ``<``, ``>``, ``&``, quotes and
anything that looks like ReportLab or HTML markup are escaped here, so content
can never reach ReportLab's paragraph parser as markup (CVE-2023-33733).
"""

from __future__ import annotations

import unicodedata

BOLD = "**"


def segments(text: str) -> list[tuple[str, bool]]:
    """Split text into (literal text, is_bold) runs. Unbalanced ``**`` is literal."""
    parts = text.split(BOLD)
    if len(parts) % 2 == 0:  # odd number of markers: treat them all as literal text
        return [(text, False)] if text else []
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def problems(text: str) -> list[str]:
    """What is wrong with the markup of one text (empty when fine)."""
    found = []
    count = text.count(BOLD)
    if count % 2:
        found.append("'**' bold marker is not closed: write **words** or remove the '**'")
    elif any(bold and not run.strip() for run, bold in _all_runs(text)):
        found.append("'****' marks nothing bold: remove it")
    return found


def _all_runs(text: str) -> list[tuple[str, bool]]:
    parts = text.split(BOLD)
    return [(part, i % 2 == 1) for i, part in enumerate(parts)]


def plain(text: str) -> str:
    """The text a reader sees: markup removed, nothing else changed."""
    return "".join(run for run, _ in segments(clean(text)))


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, for quoting it in a message."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def escape_controls(text: str, keep: str = "") -> str:
    """`text` safe to print to a terminal: control characters, bidi overrides and other
    invisible formatting characters as visible escapes (\\x1b, \\u202e), so a file name or
    title cannot move the cursor, recolour the screen or reorder what is shown. Characters
    in `keep` (say "\\n\\t" for a multi-line message) and spaces stay as they are."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep or unicodedata.category(ch) == "Zs"
                   else ch.encode("unicode_escape").decode("ascii") for ch in text)


def clean(text: str) -> str:
    """Trim the surrounding whitespace YAML block scalars leave behind."""
    return text.strip()


def escape(text: str) -> str:
    """Escape a literal string for ReportLab paragraph XML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_para_xml(text: str) -> str:
    """Content text as safe ReportLab paragraph XML: only <b> and <br/> are ever produced."""
    out = []
    for run, bold in segments(clean(text)):
        xml = "<br/>".join(escape(line) for line in run.split("\n"))
        out.append(f"<b>{xml}</b>" if bold else xml)
    return "".join(out)
