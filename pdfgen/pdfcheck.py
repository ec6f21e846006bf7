"""Check a written PDF's tagging: the machine-checkable PDF/UA-1 rules pdfgen relies on (pikepdf).

What it checks (docs/accessibility.md): the catalog (MarkInfo, Lang,
DisplayDocTitle, well-formed XMP with dc:title and pdfuaid:part 1,
StructTreeRoot); every page (/StructParents, /Tabs /S, no painting operator
outside marked content, no tagged content inside an artifact and no artifact
inside tagged content); the structure tree against the pages both ways (each
MCID in exactly one element, which names its page, the ParentTree pointing back
at the same element, each annotation held through an OBJR by exactly one
Link/Annot/Form element and in the ParentTree under its /StructParent, with
/Contents); an element whose marked content draws no text (a drawn checkbox, a
figure) has /Alt or /ActualText, its own or an ancestor's; only standard
structure types; heading levels that start at H1 and do not skip; /Lang on each
Sect, and every /Lang a language tag; every Figure with alternate text (/Alt) and
a /BBox; fonts embedded with a ToUnicode map.

It is not veraPDF: it proves the structure is consistent, not that a reader
will understand it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Finding, Pos, UsageError

# ISO 32000-1 14.8.4 standard structure types (PDF/UA-1 allows these, or role-mapped to them).
STANDARD = frozenset("""
Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private
P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot
Span Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP
Figure Formula Form
""".split())

# Operators that put marks on the page (text showing, path painting, shadings, XObjects, images).
PAINTING = frozenset(["Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*",
                      "sh", "Do", "INLINE IMAGE"])
TEXT_SHOWING = frozenset(["Tj", "TJ", "'", '"'])
# A language tag as BCP 47 writes it: en, en-US, es-419, zh-Hant-TW.
LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
ANNOT_OWNERS = frozenset(["Link", "Annot", "Form"])


@dataclass
class _State:
    path: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, where: str, message: str, rule: str) -> None:
        self.findings.append(Finding(Pos(self.path), where, message, rule=rule))


def check_pdf(source: Path | str | bytes, name: str | None = None) -> list[Finding]:
    """Every tagging problem of one PDF (a path or the bytes), as findings naming the file."""
    try:
        import pikepdf
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise UsageError("checking PDFs needs pikepdf: pip install 'pdfgen[pdfcheck]'") from exc
    if isinstance(source, bytes):
        label, opener = name or "<pdf>", io.BytesIO(source)
    else:
        label, opener = name or str(source), source
    state = _State(label)
    try:
        pdf = pikepdf.open(opener)
    except pikepdf.PasswordError:
        state.add("", "is protected by a password: it cannot be checked (and a screen reader "
                      "may not open it either)", "readable")
        return state.findings
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        state.add("", f"cannot be read as a PDF: {exc}", "readable")
        return state.findings
    with pdf:
        try:
            _check(pdf, state, pikepdf)
        except RecursionError:
            state.add("StructTreeRoot", "the structure tree is nested too deeply to read",
                      "struct-elem")
        except Exception as exc:  # a structure of the wrong kind somewhere: named, not a crash
            text = str(exc).strip().splitlines()
            state.add("", f"its structure cannot be read: {type(exc).__name__}"
                          f"{': ' + text[0][:200] if text else ''}", "struct-elem")
    return state.findings


def _check(pdf, st: _State, pikepdf) -> None:
    root = pdf.Root
    _catalog(root, st, pikepdf)
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    content: dict[tuple[int, int], int] = {}  # (page, mcid) -> how often it is marked
    texts: set[tuple[int, int]] = set()  # (page, mcid) of sequences that show text
    for i, page in enumerate(pdf.pages):
        _page(page, i, st, content, pikepdf, texts)
        _fonts(page, i, st, pikepdf)
    tree = root.get("/StructTreeRoot")
    if tree is None:
        return
    walk = _Tree(pages, st, pikepdf, tree.get("/RoleMap"), texts)
    for kid in _as_list(tree.get("/K")):
        walk.elem(kid, tree, None)
    for key, count in content.items():
        if count > 1:
            st.add(f"page {key[0] + 1}", f"MCID {key[1]} is used {count} times", "mcid-unique")
        if key not in walk.mcids:
            st.add(f"page {key[0] + 1}", f"MCID {key[1]} is in no structure element",
                   "mcid-in-tree")
    for key in walk.mcids:
        if key not in content:
            st.add(f"page {key[0] + 1}", f"a structure element claims MCID {key[1]}, "
                   "which the page does not have", "mcid-on-page")
    _parent_tree(pdf, tree, walk, content, st, pikepdf)


def _catalog(root, st: _State, pikepdf) -> None:
    mark = root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        st.add("MarkInfo", "the catalog does not say the PDF is tagged (/MarkInfo /Marked true)",
               "markinfo")
    lang = root.get("/Lang")
    if lang is None or not str(lang).strip():
        st.add("Lang", "the catalog has no /Lang (the document's language)", "lang")
    elif not LANG_TAG.fullmatch(str(lang)):
        st.add("Lang", f"the catalog's /Lang '{lang}' is not a language tag like en-US", "lang")
    prefs = root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        st.add("ViewerPreferences", "DisplayDocTitle is not true (viewers would show the file "
               "name)", "display-doc-title")
    meta = root.get("/Metadata")
    xmp = meta.read_bytes().decode("utf-8", "replace") if meta is not None else ""
    if xmp:
        import xml.etree.ElementTree as ET

        try:
            ET.fromstring(xmp.strip().encode())
        except ET.ParseError as exc:
            st.add("Metadata", f"the XMP metadata is not well-formed XML ({exc})", "xmp")
    if not re.search(r"<pdfuaid:part>\s*1\s*</pdfuaid:part>|pdfuaid:part=\"1\"", xmp):
        st.add("Metadata", "no XMP metadata with pdfuaid:part 1", "pdfuaid")
    title = re.search(r"<dc:title>.*?<rdf:li[^>]*>([^<]+)</rdf:li>", xmp, re.S)
    if not title or not title.group(1).strip():
        st.add("Metadata", "the XMP metadata has no dc:title", "dc-title")
    if root.get("/StructTreeRoot") is None:
        st.add("StructTreeRoot", "the PDF has no structure tree (untagged)", "struct-tree")


def _page(page, index: int, st: _State, content: dict, pikepdf, texts: set) -> None:
    where = f"page {index + 1}"
    if not isinstance(page.obj.get("/StructParents"), int):
        st.add(where, "no /StructParents (its content cannot be found from the tree)",
               "struct-parents")
    if page.obj.get("/Tabs") != pikepdf.Name.S:
        st.add(where, "/Tabs is not /S (tab order must follow the structure)", "tabs")
    stack: list[tuple[int | None, bool]] = []  # open sequences: (mcid, is artifact)
    loose: dict[str, int] = {}
    for inst in pikepdf.parse_content_stream(page):
        op = str(inst.operator)
        if op in ("BDC", "BMC"):
            tag = str(inst.operands[0])
            props = inst.operands[1] if op == "BDC" else None
            if isinstance(props, pikepdf.Name):
                props = page.Resources.get("/Properties", {}).get(props)
            mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
            artifact = tag == "/Artifact"
            inside_artifact = any(a for _, a in stack)
            if artifact and any(m is not None for m, _ in stack):
                st.add(where, "an artifact inside tagged content (MCID "
                       f"{next(m for m, _ in reversed(stack) if m is not None)})",
                       "artifact-in-content")
            if mcid is not None:
                if inside_artifact:
                    st.add(where, f"MCID {int(mcid)} is inside an artifact", "mcid-in-artifact")
                key = (index, int(mcid))
                content[key] = content.get(key, 0) + 1
            stack.append((int(mcid) if mcid is not None else None, artifact))
        elif op == "EMC":
            if not stack:
                st.add(where, "EMC without a matching BDC/BMC", "mc-nesting")
            else:
                stack.pop()
        elif op in PAINTING and not any(m is not None or a for m, a in stack):
            loose[op] = loose.get(op, 0) + 1
        if op in TEXT_SHOWING:
            mcid = next((m for m, _ in reversed(stack) if m is not None), None)
            if mcid is not None:
                texts.add((index, mcid))
    if stack:
        st.add(where, f"{len(stack)} marked-content sequence(s) not closed", "mc-nesting")
    for op, n in sorted(loose.items()):
        st.add(where, f"{n} '{op}' operator(s) outside marked content "
               "(neither tagged nor an artifact)", "untagged-content")


def _fonts(page, index: int, st: _State, pikepdf) -> None:
    fonts = page.obj.get("/Resources", {}).get("/Font", {})
    for name, font in fonts.items():
        where = f"page {index + 1} font {name[1:]}"
        sub = font.get("/Subtype")
        desc_font = font.DescendantFonts[0] if sub == pikepdf.Name.Type0 else font
        desc = desc_font.get("/FontDescriptor")
        if sub == pikepdf.Name.Type3:
            pass  # glyphs are content streams: nothing to embed
        elif desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            st.add(where, "font is not embedded", "font-embedded")
        if "/ToUnicode" not in font:
            st.add(where, "font has no ToUnicode map (its text cannot be read back)",
                   "font-tounicode")


def _as_list(obj) -> list:
    import pikepdf

    if obj is None:
        return []
    return list(obj) if isinstance(obj, pikepdf.Array) else [obj]


class _Tree:
    """Walks the structure tree, collecting which element claims which MCID and annotation."""

    def __init__(self, pages: dict, st: _State, pikepdf, role_map, texts: set):
        self.pages, self.st, self.pikepdf, self.texts = pages, st, pikepdf, texts
        self.role_map = {str(k)[1:]: str(v)[1:] for k, v in (role_map or {}).items()}
        self.mcids: dict[tuple[int, int], tuple] = {}  # (page, mcid) -> element objgen
        self.annots: dict[tuple, tuple] = {}  # annotation objgen -> element objgen
        self.seen: set = set()
        self.last_level = 0
        self.first_heading = True

    def _page_of(self, obj, inherited):
        pg = obj.get("/Pg") if isinstance(obj, self.pikepdf.Dictionary) else None
        if pg is None:
            return inherited
        return self.pages.get(pg.objgen)

    def elem(self, obj, parent, page, described: bool = False) -> None:
        pk = self.pikepdf
        if not isinstance(obj, pk.Dictionary) or "/S" not in obj:
            self.st.add("StructTreeRoot", "a kid of the tree root is not a structure element",
                        "struct-elem")
            return
        key = obj.objgen
        if key in self.seen and key != (0, 0):
            self.st.add("StructTreeRoot", f"element {key[0]} is reached twice", "struct-cycle")
            return
        self.seen.add(key)
        role = str(obj.S)[1:]
        mapped = self.role_map.get(role, role)
        where = f"structure element {key[0]} ({role})"
        if mapped not in STANDARD:
            self.st.add(where, f"'{role}' is not a standard structure type", "standard-types")
        if obj.get("/P") is None or obj.P.objgen != parent.objgen:
            self.st.add(where, "its /P does not point at its parent", "struct-parent")
        if mapped == "Sect" and not str(obj.get("/Lang", "")).strip():
            self.st.add(where, "a Sect without /Lang", "sect-lang")
        if "/Lang" in obj and not LANG_TAG.fullmatch(str(obj.Lang)):
            self.st.add(where, f"/Lang '{obj.Lang}' is not a language tag like es-MX", "lang")
        self._heading(mapped, where)
        if mapped == "Figure":
            self._figure(obj, where)
        page = self._page_of(obj, page)
        own_page = self._page_of(obj, None)  # an MCID kid needs its element's own /Pg
        # /Alt or /ActualText replace the element's content (and its kids') for a reader
        described = described or any(str(obj.get(k, "")).strip() for k in ("/Alt",
                                                                              "/ActualText"))
        marked: list[tuple] = []  # (page, mcid) this element holds directly
        for kid in _as_list(obj.get("/K")):
            if isinstance(kid, int):
                self._claim(own_page, int(kid), key, where)
                marked.append((own_page, int(kid)))
            elif isinstance(kid, pk.Dictionary):
                kind = kid.get("/Type")
                if kind == pk.Name.MCR:
                    if "/Stm" in kid:
                        self.st.add(where, "MCR into a form XObject is not checked", "mcr-stm")
                    mcr_page = self._page_of(kid, own_page)
                    self._claim(mcr_page, int(kid.MCID), key, where)
                    marked.append((mcr_page, int(kid.MCID)))
                elif kind == pk.Name.OBJR:
                    target = kid.Obj.objgen
                    if mapped not in ANNOT_OWNERS:
                        self.st.add(where, f"holds annotation {target[0]}, but only Link, Annot "
                                    "or Form elements may", "annot-owner")
                    if target in self.annots:
                        self.st.add(where, f"annotation {target[0]} is held by two elements",
                                    "annot-twice")
                    self.annots.setdefault(target, key)
                else:
                    self.elem(kid, obj, page, described)
        if marked and not described and not any(m in self.texts for m in marked):
            self.st.add(where, "its content is drawing only (no text) and it has no /Alt or "
                        "/ActualText: a screen reader says nothing for it", "alt-text")

    def _figure(self, obj, where: str) -> None:
        """PDF/UA-1 7.3: a Figure has alternate text (a screen reader reads it instead of
        the picture), and a bounding box (/BBox in a Layout attribute)."""
        alt = obj.get("/Alt")
        if alt is None or not str(alt).strip():
            if not str(obj.get("/ActualText", "")).strip():
                self.st.add(where, "a Figure without alternate text (/Alt)", "figure-alt")
        attrs = obj.get("/A")
        found = False
        for attr in _as_list(attrs):
            if isinstance(attr, self.pikepdf.Dictionary) and "/BBox" in attr:
                found = len(attr.BBox) == 4
        if not found:
            self.st.add(where, "a Figure without a bounding box (/A << /O /Layout /BBox >>)",
                        "figure-bbox")

    def _claim(self, page, mcid: int, owner, where: str) -> None:
        if page is None:
            self.st.add(where, f"MCID {mcid} has no page (/Pg)", "mcid-page")
            return
        if (page, mcid) in self.mcids:
            self.st.add(where, f"MCID {mcid} on page {page + 1} is claimed twice", "mcid-unique")
        self.mcids[(page, mcid)] = owner

    def _heading(self, role: str, where: str) -> None:
        m = re.fullmatch(r"H([1-6])", role)
        if not m:
            return
        level = int(m.group(1))
        if self.first_heading and level != 1:
            self.st.add(where, f"the first heading is H{level}, not H1", "heading-levels")
        elif level > self.last_level + 1 and not self.first_heading:
            self.st.add(where, f"H{level} follows H{self.last_level}: a heading level is "
                        "skipped", "heading-levels")
        self.first_heading = False
        self.last_level = level


def _number_tree(node, out: dict, depth: int = 0) -> None:
    if node is None or depth > 32:
        return
    nums = node.get("/Nums")
    if nums is not None:
        items = list(nums)
        for i in range(0, len(items) - 1, 2):
            out[int(items[i])] = items[i + 1]
    for kid in node.get("/Kids", []):
        _number_tree(kid, out, depth + 1)


def _parent_tree(pdf, tree, walk: _Tree, content: dict, st: _State, pikepdf) -> None:
    entries: dict[int, object] = {}
    _number_tree(tree.get("/ParentTree"), entries)
    if tree.get("/ParentTree") is None:
        st.add("StructTreeRoot", "no /ParentTree", "parent-tree")
    next_key = tree.get("/ParentTreeNextKey")
    if entries and (next_key is None or int(next_key) <= max(entries)):
        st.add("StructTreeRoot", "/ParentTreeNextKey is missing or not above every key",
               "parent-tree")
    for i, page in enumerate(pdf.pages):
        key = page.obj.get("/StructParents")
        if not isinstance(key, int):
            continue
        where = f"page {i + 1}"
        arr = entries.get(int(key))
        mcids = sorted(m for p, m in content if p == i)
        if arr is None or not isinstance(arr, pikepdf.Array):
            if mcids:
                st.add(where, f"the ParentTree has no array for /StructParents {int(key)}",
                       "parent-tree")
            continue
        for mcid in mcids:
            owner = walk.mcids.get((i, mcid))
            got = arr[mcid] if mcid < len(arr) else None
            got_key = got.objgen if isinstance(got, pikepdf.Dictionary) else None
            if owner is not None and got_key != owner:
                st.add(where, f"the ParentTree's entry for MCID {mcid} is not the element "
                       "that holds it", "parent-tree")
        for mcid, got in enumerate(arr):
            if isinstance(got, pikepdf.Dictionary) and (i, mcid) not in content:
                st.add(where, f"the ParentTree lists MCID {mcid}, which the page does not have",
                       "parent-tree")
        for annot in page.obj.get("/Annots", []):
            _annotation(annot, i, entries, walk, st, pikepdf)


def _annotation(annot, page: int, entries: dict, walk: _Tree, st: _State, pikepdf) -> None:
    sub = str(annot.get("/Subtype", "/?"))[1:]
    where = f"page {page + 1} {sub} annotation {annot.objgen[0]}"
    if sub == "Popup":
        return
    if not str(annot.get("/Contents", "")).strip():
        st.add(where, "no /Contents (what the annotation is, in words)", "annot-contents")
    owner = walk.annots.get(annot.objgen)
    if owner is None:
        st.add(where, "no structure element holds it (no OBJR)", "annot-tagged")
    key = annot.get("/StructParent")
    if not isinstance(key, int):
        st.add(where, "no /StructParent", "annot-struct-parent")
        return
    got = entries.get(int(key))
    if owner is not None and (not isinstance(got, pikepdf.Dictionary) or got.objgen != owner):
        st.add(where, f"the ParentTree's entry {int(key)} is not the element that holds it",
               "parent-tree")


def check_pdfs(paths: list[Path]) -> list[Finding]:
    """check_pdf over several files, in the order given."""
    import os
    import stat

    from .fsutil import file_kind

    findings: list[Finding] = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            raise UsageError(f"{path}: no such file") from None
        if not stat.S_ISREG(mode):  # a FIFO would be waited on for ever
            findings.append(Finding(Pos(str(path)), "", f"is {file_kind(mode)}, not a PDF "
                                                        "file", rule="readable"))
            continue
        findings.extend(check_pdf(path))
    return findings
