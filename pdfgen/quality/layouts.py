"""Accessible layouts: type sizes, contrast (WCAG 2.1, 1.4.3), panels that keep their meaning in
greyscale, alignment and line length."""

from __future__ import annotations

from ..errors import Pos
from ..rules import finding

BODY_MIN, LARGE_BODY_MIN = 12.0, 18.0
# every text of a large-print layout, the footer and the status line under the title included
LARGE_TEXT_MIN = 16.0
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


# Panels in greyscale (a laser printer, a photocopy, a fax). A panel's tint is how much darker
# than the page its fill prints: 1 - grey(fill) / grey(background), where grey is the level a
# greyscale printer makes of the color (Rec. 601 luma: what printer drivers, copiers and PIL's
# "L" conversion use). Office lasers drop tints of a few percent, so a fill counts only from a
# 12% grey; a panel whose fill is lighter keeps its edge by its bar, which needs the WCAG 1.4.11
# non-text contrast (3:1) against the page. The risks and contact panels must not look alike:
# their fills differ by at least 8% grey with the darker one a 12% grey or more, or one panel
# has a bar and the other none (its bar the grey of its fill).
PANEL_TINT = 0.12
PANEL_STEP = 0.08
BAR_CONTRAST = 3.0
NO_BAR = 0.02  # a bar within 2% grey of its fill prints as part of the fill: no bar
PANELS = (("risk", "risks panel"), ("callout", "contact panel"))


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


def grey(color: str) -> float:
    """The grey level a greyscale printer or copier makes of #rrggbb: Rec. 601 luma,
    0 black to 1 white."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def tint(color: str, background: str) -> float:
    """How much darker than the background `color` prints in greyscale: 0.12 is a 12% grey
    on white paper."""
    paper = grey(background)
    return 1 - grey(color) / paper if paper else 0.0


def _panel_findings(colors: dict[str, str], at, own) -> list:
    """Panels that vanish in greyscale, and risks and contact panels that look alike in it.
    `at(key)` is where a key was set; `own(keys)` the first of `keys` this layout's own file
    sets."""
    out = []
    paper = colors["background"]
    shade = {kind: tint(colors[f"{kind}_fill"], paper) for kind, _ in PANELS}
    bar = {kind: contrast(colors[f"{kind}_border"], paper) for kind, _ in PANELS}
    no_bar = {kind: abs(grey(colors[f"{kind}_border"]) - grey(colors[f"{kind}_fill"])) <= NO_BAR
              for kind, _ in PANELS}
    for kind, name in PANELS:
        if shade[kind] < PANEL_TINT and bar[kind] < BAR_CONTRAST:
            fill, border = f"{kind}_fill", f"{kind}_border"
            key = own((f"colors.{fill}", f"colors.{border}")) or f"colors.{fill}"
            out.append(finding(at(key), key,
                               f"the {name} vanishes in greyscale: {fill} {colors[fill]} prints "
                               f"as a {shade[kind]:.1%} grey (a laser drops tints under "
                               f"{PANEL_TINT:.0%}) and its bar, {border} {colors[border]}, has "
                               f"contrast {bar[kind]:.2f}:1 with the page (needs "
                               f"{BAR_CONTRAST:g}:1)", "panel-grey"))
    darker = max(shade.values())
    step = abs(shade["risk"] - shade["callout"])
    by_fill = step >= PANEL_STEP and darker >= PANEL_TINT
    by_bar = any(no_bar[a] and not no_bar[b] and bar[b] >= BAR_CONTRAST
                 for a, b in (("risk", "callout"), ("callout", "risk")))
    if not (by_fill or by_bar):
        key = own(("colors.risk_fill", "colors.callout_fill")) or "colors.risk_fill"
        why = (f"they differ by {step:.1%} grey" if step < PANEL_STEP
               else f"the darker is a {darker:.1%} grey, which a laser may drop")
        out.append(finding(at(key), key,
                           f"the risks panel (risk_fill {colors['risk_fill']}, a "
                           f"{shade['risk']:.1%} grey) and the contact panel (callout_fill "
                           f"{colors['callout_fill']}, a {shade['callout']:.1%} grey) look alike "
                           f"in greyscale: {why}; make the fills differ by at least "
                           f"{PANEL_STEP:.0%} grey, the darker a {PANEL_TINT:.0%} grey or more",
                           "panels-alike"))
    return out


def check(layout, chars: float) -> list:
    """The accessible-layout findings of one layout; `chars` is how many characters of body
    text fit a line, measured with the body font by the renderer (render/readiness.py)."""
    out = []
    where = layout.positions
    first = Pos(layout.files[0]) if layout.files else Pos(layout.name)

    def at(key: str) -> Pos:
        return where.get(key, first)

    def own(keys) -> str | None:
        """The first of `keys` this layout's own file sets (not a layout it extends)."""
        return next((k for k in keys if k in where and where[k].file == first.file), None)

    body = layout.sizes["body"]
    least = LARGE_BODY_MIN if layout.large_print else BODY_MIN
    if body < least:
        kind = "a large-print layout" if layout.large_print else "body text"
        out.append(finding(at("sizes.body"), "sizes.body",
                           f"body text is {body:g} pt; {kind} needs at least {least:g} pt",
                           "body-size"))
    footer = layout.sizes["footer"]
    if layout.large_print and footer < LARGE_TEXT_MIN:
        out.append(finding(at("sizes.footer"), "sizes.footer",
                           f"the footer and the status line under the title are {footer:g} pt; "
                           f"every text of a large-print layout needs at least "
                           f"{LARGE_TEXT_MIN:g} pt", "large-print-text"))
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
    out += _panel_findings(layout.colors, at, own)
    if layout.align == "justify":
        out.append(finding(at("align"), "align", "body text is justified", "justified"))
    if not LINE_MIN <= chars <= LINE_MAX:
        side = "short" if chars < LINE_MIN else "long"
        # point at what this layout's own file set: margins, column gap or type size
        key = own(("page.margins.left", "page.margins.right", "column_gap", "sizes.body")) \
            or "sizes.body"
        out.append(finding(at(key), key,
                           f"body lines hold about {chars:.0f} characters: too {side} to read "
                           f"easily (aim for {LINE_MIN}-{LINE_MAX})", "line-length"))
    return out
