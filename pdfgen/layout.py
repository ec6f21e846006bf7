"""Stage 2, load layouts: layouts/<name>.yaml with `extends:` into a validated, frozen Layout
(the Layout itself is in model.py, with the rest of the model)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import ContentError, Finding, Pos, Severity, UsageError
from .load import Reader
from .model import Layout
from .paths import bundled, display, layout_dirs
from .yamlio import FLOAT, INT, Node, read_yaml

UNITS = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}
UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(pt|in|cm|mm)\s*$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
PAGE_SIZES = {"letter": (612.0, 792.0), "a4": (595.2756, 841.8898)}
ARRANGEMENTS = ("columns", "stacked", "single")
ALIGNS = ("left", "justify")
BLOCKS = ("title", "summary", "contact", "sections", "benefits", "risks", "alternatives",
          "prompts", "notes", "call_when", "sources", "signature")
# What every handout's content must give, so every layout prints it: the title (the PDF's
# H1 and the status line a screen reader reads), the risks, the choices, the questions for
# the surgeon and when to call (contact, notes, sources and signature are the layout's call).
REQUIRED_BLOCKS = ("title", "summary", "sections", "benefits", "risks", "alternatives",
                   "prompts", "call_when")
ROLES = ("body", "heading", "title")
SIZES = ("title", "heading", "body", "footer")
COLORS = ("text", "heading", "muted", "rule", "background", "risk_fill", "risk_border",
          "callout_fill", "callout_border")
KEYS = ("name", "description", "page", "arrangement", "languages", "column_gap", "large_print",
        "fonts", "sizes", "leading", "paragraph_space", "section_space", "colors",
        "notes_lines", "blocks")
OPTIONAL_KEYS = ("align", "figure_width", "qr", "footer", "taglines")
# taglines: page appends the language-assistance taglines page (clinic.yaml `taglines:`)
# to every handout; none (the default) does not
TAGLINES = ("none", "page")
FIGURE_WIDTH = (0.25, 1.0)  # a figure's width as a fraction of its column


def find_layout(name: str, dirs: list[Path] | None = None) -> Path:
    """The file of layout `name`: ./layouts first, then the bundled layouts."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name):
        raise UsageError(f"'{name}' is not a layout name (lower-case letters, digits and '-')")
    for folder in dirs if dirs is not None else layout_dirs():
        path = folder / f"{name}.yaml"
        if os.path.lexists(path):  # a FIFO or a broken link too: read_yaml says what it is
            return path
    raise UsageError(f"no layout named '{name}'; available: {', '.join(available_layouts(dirs))}")


def available_layouts(dirs: list[Path] | None = None) -> list[str]:
    names: set[str] = set()
    for folder in dirs if dirs is not None else layout_dirs():
        names.update(p.stem for p in folder.glob("*.yaml"))
    return sorted(names)


def load_layout(name: str, dirs: list[Path] | None = None) -> Layout:
    """Load and validate a layout and everything it extends; raises ContentError with all
    findings."""
    merged, files, findings = _resolve(name, dirs, [])
    if merged is None:
        raise ContentError(findings)
    layout = _build(merged, tuple(files), findings, name)
    if layout is None or findings:
        raise ContentError(findings)
    return layout


def _resolve(name: str, dirs, chain: list[str], seen: tuple[Path, ...] = ()
             ) -> tuple[Node | None, list[str], list[Finding]]:
    dirs = list(dirs) if dirs is not None else layout_dirs()
    path = find_layout(name, dirs)
    shown = display(path)
    root, findings = read_yaml(path, shown)
    if root is None:
        return None, [shown], findings
    if root.kind != "map":
        return None, [shown], findings + [Finding(root.pos, "", "a layout is a mapping of keys")]
    if "extends" not in root.items:
        return root, [shown], findings
    key_node, parent_node = root.items["extends"]
    parent = parent_node.text.strip() if parent_node.kind == "scalar" else ""
    # ./layouts/single.yaml may extend the bundled `single`: a layout of its own name is
    # looked for in the folders after its own
    later = dirs[dirs.index(path.parent) + 1:] if parent == name and path.parent in dirs \
        else dirs
    me = Path(os.path.abspath(path))
    try:
        there = Path(os.path.abspath(find_layout(parent, later))) if parent else None
    except UsageError:
        there = None
    if there is not None and there in (*seen, me):
        cycle = " -> ".join(chain + [name, parent])
        return None, [shown], findings + [Finding(parent_node.pos, "extends",
                                                  f"layouts extend each other in a loop: {cycle}")]
    try:
        base, files, found = _resolve(parent, later, chain + [name], (*seen, me))
    except UsageError as exc:
        return None, [shown], findings + [Finding(parent_node.pos, "extends", str(exc))]
    findings += found
    if base is None:
        return None, [shown] + files, findings
    own = Node("map", root.pos, items={k: v for k, v in root.items.items() if k != "extends"})
    return _merge(base, own), [shown] + files, findings


def _merge(base: Node, own: Node) -> Node:
    """Deep-merge two mapping nodes; the child's values win and keep their own positions."""
    items = dict(base.items)
    for key, (key_node, value) in own.items.items():
        if key in items and value.kind == "map" and items[key][1].kind == "map":
            items[key] = (key_node, _merge(items[key][1], value))
        else:
            items[key] = (key_node, value)
    return Node("map", own.pos, items=items)


# Sane bounds for every length, in points: a type size of 0 pt prints invisible text and
# one of 10,000 pt cannot be set on a page at all. Whether the lengths fit together on the
# page is render-readiness (render/readiness.py); whether they are accessible, the quality
# gate (quality/layouts.py).
BOUNDS = {"sizes": (6.0, 72.0), "page.margins": (0.0, 216.0), "column_gap": (0.0, 144.0),
          "paragraph_space": (0.0, 72.0), "section_space": (0.0, 144.0),
          "footer.height": (0.0, 360.0)}
MAX_NOTES_LINES = 30


def _length(r: Reader, node: Node | None, field: str, positions: dict) -> float:
    if node is None:
        return 0.0
    positions[field] = node.pos
    text = node.text if node.kind == "scalar" else ""
    m = UNIT.match(text)
    if not m:
        r.error(node, field, f"'{text}' is not a length like 12pt, 0.75in, 2cm or 15mm")
        return 0.0
    value = float(m[1]) * UNITS[m[2]]
    low, high = next(b for k, b in BOUNDS.items() if field == k or field.startswith(k + "."))
    if not low <= value <= high:
        r.error(node, field, f"{text.strip()} is outside {low:g}-{high:g} pt"
                             f"{' (' + format(high / 72, 'g') + ' in)' if high >= 144 else ''}")
        return min(max(value, low), high)
    return value


def _number(r: Reader, node: Node | None, field: str, low: float, high: float) -> float:
    if node is None:
        return 0.0
    if node.kind != "scalar" or node.tag not in (INT, FLOAT):
        r.wrong_type(node, field, "a number")
        return 0.0
    value = float(node.typed())
    if not low <= value <= high:
        r.error(node, field, f"{value:g} is outside {low:g}..{high:g}")
    return value


def _families() -> tuple[str, ...]:
    """The font families a layout may name: fonts/families.yaml (bundled)."""
    import yaml

    from .diskcache import cached_data  # parsed once per edit of the file

    return tuple(cached_data("families", bundled("fonts") / "families.yaml", yaml.safe_load))


def _build(root: Node, files: tuple[str, ...], findings: list[Finding],
           expected: str = "") -> Layout | None:
    r = Reader()
    r.findings = findings
    m = r.mapping(root, "", KEYS, OPTIONAL_KEYS)
    if m is None:
        return None
    pos: dict[str, Pos] = {}
    align = r.string(m.get("align"), "align") or "left"
    if align not in ALIGNS:
        r.error(m["align"], "align", f"unknown alignment '{align}'; use {' or '.join(ALIGNS)}")
    if "align" in m:
        pos["align"] = m["align"].pos
    page = r.mapping(m.get("page"), "page", ("size", "margins")) or {}
    size_name = r.string(page.get("size"), "page.size").lower()
    if size_name and size_name not in PAGE_SIZES:
        r.error(page["size"], "page.size", f"unknown page size '{size_name}'; use letter or a4")
    margins_map = r.mapping(page.get("margins"), "page.margins",
                            ("top", "right", "bottom", "left")) or {}
    margins = tuple(_length(r, margins_map.get(side), f"page.margins.{side}", pos)
                    for side in ("top", "right", "bottom", "left"))
    arrangement = r.string(m.get("arrangement"), "arrangement")
    if arrangement and arrangement not in ARRANGEMENTS:
        r.error(m["arrangement"], "arrangement",
                f"unknown arrangement '{arrangement}'; use {', '.join(ARRANGEMENTS)}")
    languages = r.integer(m.get("languages"), "languages")
    if "languages" in m:  # a missing one is reported as missing
        if arrangement == "single" and languages != 1:
            r.error(m["languages"], "languages", "a single-language layout has languages: 1")
        if arrangement == "columns" and languages != 2:
            r.error(m["languages"], "languages", "side-by-side columns need languages: 2")
    fonts_map = r.mapping(m.get("fonts"), "fonts", ROLES) or {}
    fonts = {role: r.string(fonts_map.get(role), f"fonts.{role}") for role in ROLES}
    known = _families()
    for role, fam in fonts.items():
        if fam and fam not in known:
            r.error(fonts_map[role], f"fonts.{role}", f"unknown font family '{fam}'; the "
                    f"bundled families are: {', '.join(known)} (fonts/families.yaml)")
    sizes_map = r.mapping(m.get("sizes"), "sizes", SIZES) or {}
    sizes = {k: _length(r, sizes_map.get(k), f"sizes.{k}", pos) for k in SIZES}
    colors_map = r.mapping(m.get("colors"), "colors", COLORS) or {}
    colors = {}
    for key in COLORS:
        value = r.string(colors_map.get(key), f"colors.{key}")
        if key in colors_map:
            pos[f"colors.{key}"] = colors_map[key].pos
        if value and not COLOR.match(value):
            r.error(colors_map[key], f"colors.{key}", f"'{value}' is not a color like \"#1a2b3c\"")
        colors[key] = value.lower()
    footer = r.mapping(m.get("footer"), "footer", ("height",)) or {}
    blocks = []
    for i, node in enumerate(r.sequence(m.get("blocks"), "blocks"), 1):
        block = r.string(node, f"blocks[{i}]")
        if block and block not in BLOCKS:
            r.error(node, f"blocks[{i}]",
                    f"unknown block '{block}'; blocks are {', '.join(BLOCKS)}")
        elif block in blocks:
            r.error(node, f"blocks[{i}]", f"block '{block}' is listed twice")
        else:
            blocks.append(block)
    left_out = [b for b in REQUIRED_BLOCKS if b not in blocks]
    if "blocks" in m and m["blocks"].kind == "seq" and left_out:
        r.error(m["blocks"], "blocks", f"every handout prints {', '.join(REQUIRED_BLOCKS)} "
                                       f"(what the content itself must give): add "
                                       f"{', '.join(left_out)}")
    figure_width = 0.8
    if "figure_width" in m:
        figure_width = _number(r, m["figure_width"], "figure_width", *FIGURE_WIDTH)
        pos["figure_width"] = m["figure_width"].pos
    qr = r.boolean(m["qr"], "qr") if "qr" in m else True
    taglines = r.string(m.get("taglines"), "taglines") if "taglines" in m else "none"
    if taglines and taglines not in TAGLINES:
        r.error(m["taglines"], "taglines", f"'{taglines}' is not a taglines setting; use "
                                           f"{' or '.join(TAGLINES)}")
    if "taglines" in m:
        pos["taglines"] = m["taglines"].pos
    for key in ("leading", "large_print", "fonts", "sizes"):
        if key in m:
            pos[key] = m[key].pos
    layout_name = r.string(m.get("name"), "name")
    if expected and layout_name and layout_name != expected:
        own = "name" in root.items and root.items["name"][1].pos.file == files[0]
        r.error(m["name"], "name", f"'{layout_name}' is not this layout's file name "
                f"({expected}.yaml): " + ("write name: " + expected if own else
                                          f"a layout that extends another gives its own "
                                          f"name: add name: {expected}"))
    layout = Layout(
        name=layout_name,
        description=r.string(m.get("description"), "description"),
        files=files,
        page_size=PAGE_SIZES.get(size_name, PAGE_SIZES["letter"]),
        margins=margins,
        arrangement=arrangement,
        languages=languages,
        column_gap=_length(r, m.get("column_gap"), "column_gap", pos),
        large_print=r.boolean(m.get("large_print"), "large_print"),
        fonts=fonts,
        sizes=sizes,
        leading=_number(r, m.get("leading"), "leading", 1.0, 2.5),
        paragraph_space=_length(r, m.get("paragraph_space"), "paragraph_space", pos),
        section_space=_length(r, m.get("section_space"), "section_space", pos),
        colors=colors,
        footer_height=_length(r, footer.get("height"), "footer.height", pos),
        notes_lines=r.integer(m.get("notes_lines"), "notes_lines", minimum=0,
                              maximum=MAX_NOTES_LINES),
        blocks=tuple(blocks),
        positions=pos,
        align=align,
        figure_width=figure_width,
        qr=qr,
        taglines=taglines or "none",
    )
    if any(f.severity is Severity.ERROR for f in r.findings):
        return None
    return layout
