"""Accessible layouts: type sizes, contrast (WCAG 2.1, 1.4.3), alignment and line length."""

from __future__ import annotations

from ..errors import Pos
from ..rules import finding

BODY_MIN, LARGE_BODY_MIN = 12.0, 18.0
# characters per line of body text: below this, lines break every few words; above it,
# the eye loses its place going back to the next line
LINE_MIN, LINE_MAX = 30, 75
# Which color is printed as text on which fill, as the renderer uses them.
TEXT_ON = (
    ("text", "background", "body"), ("heading", "background", "heading"),
    ("muted", "background", "body"), ("risk_border", "background", "footer"),
    ("text", "risk_fill", "body"), ("heading", "risk_fill", "heading"),
    ("text", "callout_fill", "body"), ("heading", "callout_fill", "heading"),
)


def luminance(color: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def check(layout, chars: float) -> list:
    """The accessible-layout findings of one layout; `chars` is how many characters of body
    text fit a line, measured with the body font by the renderer (render/readiness.py)."""
    out = []
    where = layout.positions
    first = Pos(layout.files[0]) if layout.files else Pos(layout.name)

    def at(key: str) -> Pos:
        return where.get(key, first)

    body = layout.sizes["body"]
    least = LARGE_BODY_MIN if layout.large_print else BODY_MIN
    if body < least:
        kind = "a large-print layout" if layout.large_print else "body text"
        out.append(finding(at("sizes.body"), "sizes.body",
                           f"body text is {body:g} pt; {kind} needs at least {least:g} pt",
                           "body-size"))
    for role in ("heading", "title"):
        if layout.sizes[role] <= body:
            out.append(finding(at(f"sizes.{role}"), f"sizes.{role}",
                               f"{role} size {layout.sizes[role]:g} pt is not larger than the "
                               f"body text ({body:g} pt)", "heading-size"))
    for fg, bg, role in TEXT_ON:
        size = layout.sizes[role]
        large = size >= 18 or (role == "heading" and size >= 14) or layout.large_print
        need = 3.0 if large else 4.5
        ratio = contrast(layout.colors[fg], layout.colors[bg])
        if ratio < need:
            out.append(finding(at(f"colors.{fg}"), f"colors.{fg}",
                               f"{fg} {layout.colors[fg]} on {bg} {layout.colors[bg]} has "
                               f"contrast {ratio:.2f}:1; {role} text needs {need:g}:1",
                               "contrast"))
    if layout.align == "justify":
        out.append(finding(at("align"), "align", "body text is justified", "justified"))
    if not LINE_MIN <= chars <= LINE_MAX:
        side = "short" if chars < LINE_MIN else "long"
        # point at what this layout's own file set: margins, column gap or type size
        own = [k for k in ("page.margins.left", "page.margins.right", "column_gap", "sizes.body")
               if k in where and where[k].file == first.file]
        key = own[0] if own else "sizes.body"
        out.append(finding(at(key), key,
                           f"body lines hold about {chars:.0f} characters: too {side} to read "
                           f"easily (aim for {LINE_MIN}-{LINE_MAX})", "line-length"))
    return out
