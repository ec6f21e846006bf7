"""Tagged PDF (PDF/UA-1): read back by poppler, pikepdf, qpdf and the PyPI `pdfua` checker.

Every shipped layout: our structure checker reports nothing; `pdfinfo -struct-text`
shows the tree in content order (English Sect, then Spanish) with every risk,
prompt and "when to call" item as a list item; `pdfua` and `qpdf --check` pass.
Broken copies of a good PDF are the checker's negative controls.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from pdfgen import markup
from pdfgen.cli import cli
from pdfgen.i18n import labels_for
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.model import Paragraph, Section, Text
from pdfgen.pdfcheck import check_pdf
from pdfgen.render import render_handout

from .conftest import SAMPLE, needs

LAYOUTS = ["bilingual", "a4-bilingual", "stacked", "single", "large-print"]
PHONE = "817-697-4038"
CASES = [(name, None) for name in LAYOUTS if name not in ("single", "large-print")] + \
    [(name, (lang,)) for name in ("single", "large-print") for lang in ("en", "es")]


@pytest.fixture(scope="module")
def sample():
    lib = require(load_library(SAMPLE))
    return lib.clinic, lib.procedure("hemilaminectomy")


@pytest.fixture(scope="module")
def pdfs(sample, tmp_path_factory):
    """Each case rendered once, written to a file (the external tools read files)."""
    clinic, proc = sample
    folder = tmp_path_factory.mktemp("tagged")
    out = {}
    for name, langs in CASES:
        data = render_handout(proc, clinic, load_layout(name), langs)
        path = folder / f"{name}{'.' + langs[0] if langs else ''}.pdf"
        path.write_bytes(data)
        out[(name, langs)] = path
    return out


def _id(case):
    name, langs = case
    return f"{name}-{langs[0]}" if langs else name


# -- pdfinfo -struct-text: poppler's independent reading of the tree ---------------------

@dataclasses.dataclass
class Node:
    role: str
    kids: list
    own: list  # text lines directly under this node, in order

    def text(self) -> str:
        parts = []
        for item in self.kids:
            parts.append(item if isinstance(item, str) else item.text())
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def find(self, role: str) -> list[Node]:
        found = [self] if self.role == role else []
        for kid in self.kids:
            if isinstance(kid, Node):
                found += kid.find(role)
        return found

    def elements(self) -> list[Node]:
        return [k for k in self.kids if isinstance(k, Node)]


def struct_tree(path: Path) -> Node:
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    root = Node("(root)", [], [])
    stack = [(-1, root)]
    for line in out.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if body.startswith('"') and body.endswith('"'):
            parent.kids.append(body[1:-1])
        elif re.fullmatch(r"Object \d+ \d+", body):
            parent.kids.append(Node("OBJR", [], []))
        else:
            node = Node(body.split(" ")[0], [], [])
            parent.kids.append(node)
            stack.append((indent, node))
    return root


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", markup.plain(text)).strip()


def _langs(langs):
    return langs or ("en", "es")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_our_checker_reports_nothing(pdfs, case):
    assert check_pdf(pdfs[case]) == []


@needs("pdfinfo")
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_struct_text_reads_in_content_order_one_sect_per_language(pdfs, sample, case):
    clinic, proc = sample
    langs = _langs(case[1])
    tree = struct_tree(pdfs[case])
    (doc,) = tree.elements()
    assert doc.role == "Document"
    sects = [n for n in doc.elements() if n.role == "Sect"]
    assert len(sects) == len(langs)
    for sect, lang in zip(sects, langs, strict=True):  # English first, then Spanish
        lab = labels_for(clinic.language(lang).locale)
        other = [x for x in ("en", "es") if x != lang][0]
        kids = sect.elements()
        assert kids[0].role == "H1" and kids[0].text() == plain(proc.title[lang])
        headings = [n.text() for n in kids if n.role == "H2"]
        expected = [plain(s.heading[lang]) for s in proc.sections]
        expected += [lab[k] for k in ("benefits", "risks", "alternatives", "prompts", "notes",
                                      "call_when", "signature_heading")]
        assert headings == expected
        # each list follows its heading: risks, prompts (a checklist), when to call
        for key, items in (("risks", proc.risks.items), ("prompts", proc.prompts),
                           ("call_when", proc.call_when), ("benefits", proc.benefits)):
            at = next(i for i, n in enumerate(kids) if n.role == "H2" and n.text() == lab[key])
            lst = next(n for n in kids[at:] if n.role == "L")
            bodies = [li.find("LBody")[0].text() for li in lst.elements()]
            assert [li.role for li in lst.elements()] == ["LI"] * len(items)
            assert bodies == [plain(t[lang]) for t in items], key
            assert all(li.find("Lbl") for li in lst.elements()), key
        text = sect.text()
        # every paragraph's words apart at soft line breaks: whole sentences read back
        assert plain(proc.summary[lang]) in text
        for sec in proc.sections:
            for block in sec.body:
                if isinstance(block, Paragraph):
                    assert plain(block.text[lang]) in text
        # the phone is tagged body text (inside a Link), not only in the artifact footer
        links = [n for n in sect.find("Link") if n.text() == PHONE]
        assert links and all(n.find("OBJR") for n in links)
        # the other language is not interleaved, the footer is not content
        if len(langs) == 2:
            assert plain(proc.title[other]) not in text
            assert plain(proc.risks.items[0][other]) not in text
        assert "Page 1" not in text and "Página 1" not in text
        # who wrote it and how current it is: read once, under the title, not with every
        # page's footer; the sample is pending review, so a screen reader hears that too
        assert text.count(clinic.name) == 1
        status = kids[2]
        assert status.role == "P" and status.text().startswith(clinic.name)
        assert lab["pending_review"] in status.text()
        # never reviewed: when it was last edited, never "Reviewed"
        updated = {"en": "Updated November 2026", "es": "Actualizado: noviembre de 2026"}[lang]
        assert f"{updated} · {lab['pending_review']}" in plain(status.text())
        assert "Reviewed" not in status.text() and "Revisado" not in status.text()
        assert lab.format("version", version=proc.version) in status.text()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_catalog_pages_and_sect_languages(pdfs, sample, case):
    clinic, _ = sample
    langs = _langs(case[1])
    with pikepdf.open(pdfs[case]) as pdf:
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == clinic.language(langs[0]).locale
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        xmp = root.Metadata.read_bytes().decode()
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
        assert str(pdf.docinfo.Title) in xmp
        doc = root.StructTreeRoot.K[0]
        sects = [k for k in _kids(doc) if k.S == pikepdf.Name.Sect]
        assert [str(s.Lang) for s in sects] == [clinic.language(x).locale for x in langs]
        for page in pdf.pages:
            assert page.Tabs == pikepdf.Name.S and isinstance(page.StructParents, int)


# -- what a screen reader hears: checklist boxes, links, sub-headings ----------------------

def _elements(elem, role: str | None = None) -> list:
    """Structure elements under elem (itself included), in tree order; of one role if given."""
    out = []
    if isinstance(elem, pikepdf.Dictionary) and "/S" in elem:
        if role is None or elem.S == pikepdf.Name(f"/{role}"):
            out.append(elem)
        for kid in _kids(elem):
            out += _elements(kid, role)
    return out


def _sects(pdf) -> list:
    return [k for k in _kids(pdf.Root.StructTreeRoot.K[0]) if k.S == pikepdf.Name.Sect]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_checklist_boxes_are_spoken_in_the_items_language(pdfs, sample, case):
    """A drawn checklist box is the Lbl of its item, with /Alt "Unchecked box" in the
    item's language; bullets (text) have none; our checker's alt-text rule agrees."""
    clinic, proc = sample
    langs = _langs(case[1])
    with pikepdf.open(pdfs[case]) as pdf:
        for sect, lang in zip(_sects(pdf), langs, strict=True):
            assert str(sect.Lang) == clinic.language(lang).locale
            box = labels_for(clinic.language(lang).locale)["unchecked_box"]
            labels = _elements(sect, "Lbl")
            spoken = [lbl for lbl in labels if "/Alt" in lbl]
            assert [str(lbl.Alt) for lbl in spoken] == [box] * len(proc.prompts)
            for lbl in spoken:  # a label of a list item, in this language's Sect
                assert lbl.P.S == pikepdf.Name.LI and lbl.P.P.S == pikepdf.Name.L
                assert "/Lang" not in lbl  # inherits its Sect's
            assert len(labels) > len(spoken)  # the bullet lists' labels are text
    assert {"en": "Unchecked box", "es": "Casilla sin marcar"}[langs[-1]] == box


def _link_uris(pdf) -> dict:
    """Link element objgen -> the URIs of the annotations it holds (through OBJRs)."""
    out = {}
    for link in _elements(pdf.Root.StructTreeRoot.K[0], "Link"):
        out[link.objgen] = [str(k.Obj.A.URI) for k in _kids(link)
                            if isinstance(k, pikepdf.Dictionary)
                            and k.get("/Type") == pikepdf.Name.OBJR]
    return out


def _holds_text(elem) -> bool:
    return any(isinstance(k, int) or (isinstance(k, pikepdf.Dictionary)
                                      and k.get("/Type") == pikepdf.Name.MCR)
               for k in _kids(elem))


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_footer_links_do_not_pile_up(pdfs, sample, case):
    """One Link element per place the body prints a target (the contact block and the
    "when to call" panel), in each language's Sect; the footer's clickable repeats on
    every page join the body's Link of their page's language instead of adding one Link
    per page (10-22 of them used to close the tree)."""
    clinic, _ = sample
    name, langs = case
    langs = _langs(langs)
    layout = load_layout(name)
    places = ("contact" in layout.blocks) + ("call_when" in layout.blocks)
    targets = {"tel:+18176974038", clinic.web}
    with pikepdf.open(pdfs[case]) as pdf:
        uris = _link_uris(pdf)
        links = _elements(pdf.Root.StructTreeRoot.K[0], "Link")
        in_sects = {e.objgen for sect in _sects(pdf) for e in _elements(sect, "Link")}
        assert {e.objgen for e in links} == in_sects  # none after the Sects
        assert all(_holds_text(e) for e in links)  # no Link of an annotation alone
        qr = bool(layout.qr and clinic.handout_url and "contact" in layout.blocks)
        for sect, lang in zip(_sects(pdf), langs, strict=True):
            per_target = {}
            for link in _elements(sect, "Link"):
                (uri,) = set(uris[link.objgen])  # one target per Link
                per_target[uri] = per_target.get(uri, 0) + 1
            # and the handout's own address, under its QR code in the first contact panel
            handout = {clinic.url_for("hemilaminectomy", lang): 1} if qr else {}
            assert per_target == {t: places for t in targets} | handout
        # every page's footer link is still clickable and held by a Link
        held = sum(len(v) for v in uris.values())
        annots = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert held == len(annots) >= len(pdf.pages) * len(targets)
        assert len(links) == (places * len(targets) + qr) * len(langs)  # not one per page
        # a page's footer links join a Link of a language printed on that page (in the
        # stacked layout the Spanish pages' links are the Spanish Sect's)
        shown = {sect.objgen: _pages_with_content(sect) for sect in _sects(pdf)}
        for sect in _sects(pdf):
            others = set().union(*(v for k, v in shown.items() if k != sect.objgen))
            for link in _elements(sect, "Link"):
                for k in _kids(link):
                    if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.OBJR:
                        on = k.Pg.objgen
                        assert on in shown[sect.objgen] or on not in others
        if name == "stacked":
            assert all(shown.values()) and not set.intersection(*shown.values())


def _pages_with_content(sect) -> set:
    """The pages (objgen) a structure element and its kids have marked content on."""
    pages = set()
    for e in _elements(sect):
        kids = _kids(e)
        if any(isinstance(k, int) for k in kids):
            pages.add(e.Pg.objgen)
        pages |= {k.Pg.objgen for k in kids if isinstance(k, pikepdf.Dictionary)
                  and k.get("/Type") == pikepdf.Name.MCR}
    return pages


def test_footer_links_without_a_body_link_share_one_link_per_target(sample, tmp_path):
    """A layout that prints no contact panel: the footer's annotations of one target are
    held by one Link (with /Alt), in a Div after the Sects, whatever the page count."""
    clinic, proc = sample
    layout = load_layout("stacked")
    layout = dataclasses.replace(layout, blocks=tuple(
        b for b in layout.blocks if b not in ("contact", "call_when")))
    path = tmp_path / "no-contact.pdf"
    path.write_bytes(render_handout(proc, clinic, layout))
    assert check_pdf(path) == []
    with pikepdf.open(path) as pdf:
        uris = _link_uris(pdf)
        assert sorted(tuple(sorted(set(v))) for v in uris.values()) == [
            (clinic.web,), ("tel:+18176974038",)]
        assert all(len(v) == len(pdf.pages) for v in uris.values())  # one per page each
        (div,) = [k for k in _kids(pdf.Root.StructTreeRoot.K[0]) if k.S == pikepdf.Name.Div]
        assert {str(link.Alt) for link in _elements(div, "Link")} == {
            clinic.phone, clinic.web.removeprefix("https://").rstrip("/")}


@needs("pdfinfo")
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sub_headings_are_h3_under_their_h2(pdfs, sample, case):
    """"If you choose not to have treatment" is an H3 in the alternatives section, over
    its paragraph; "Call us right away if:" introduces its list and stays a P."""
    clinic, proc = sample
    langs = _langs(case[1])
    tree = struct_tree(pdfs[case])
    for sect, lang in zip(tree.find("Sect"), langs, strict=True):
        lab = labels_for(clinic.language(lang).locale)
        kids = sect.elements()
        roles = [k.role for k in kids]
        assert roles.count("H3") == 1
        at = roles.index("H3")
        owner = max(i for i in range(at) if roles[i] == "H2")
        assert kids[owner].text() == lab["alternatives"]
        assert kids[at].text() == lab["doing_nothing"]
        assert roles[owner + 1:at] == ["L"]  # the options, then the sub-heading
        assert roles[at + 1] == "P" and kids[at + 1].text() == plain(
            proc.alternatives.doing_nothing[lang])
        call = next(i for i, k in enumerate(kids) if k.role == "H2"
                    and k.text() == lab["call_when"])
        assert roles[call + 1:call + 3] == ["P", "L"]
        assert kids[call + 1].text() == lab["call_when_intro"]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_pypi_pdfua_checker_passes(pdfs, case):
    from pdfua import validate

    report = validate(str(pdfs[case]))
    findings = [f"{f.rule_id} {f.message}" for o in report.outcomes for f in o.findings]
    skipped = [f"{o.rule_id}: {o.skipped_reason}" for o in report.outcomes if o.skipped_reason]
    assert findings == [] and skipped == []
    assert len(report.outcomes) >= 10  # its rules ran


def test_pypi_pdfua_checker_catches_an_untagged_render(sample, tmp_path):
    from pdfua import validate

    clinic, proc = sample
    path = tmp_path / "untagged.pdf"
    path.write_bytes(render_handout(proc, clinic, load_layout("bilingual"), tagged=False))
    rules = {f.rule_id for o in validate(str(path)).outcomes for f in o.findings}
    assert {"UA-01-005", "UA-01-002"} <= rules


@needs("qpdf")
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_qpdf_check_is_clean(pdfs, case):
    res = subprocess.run(["qpdf", "--check", str(pdfs[case])], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "No syntax or stream encoding errors found" in res.stdout
    assert "WARNING" not in res.stdout + res.stderr


@needs("pdftoppm")
@pytest.mark.parametrize("name", LAYOUTS)
def test_tagging_does_not_change_what_is_printed(sample, tmp_path, name):
    """Tagged and untagged pages rasterize to the same pixels."""
    clinic, proc = sample
    layout = load_layout(name)
    langs = ("es",) if layout.arrangement == "single" else None
    images = {}
    for tagged in (True, False):
        path = tmp_path / f"{tagged}.pdf"
        path.write_bytes(render_handout(proc, clinic, layout, langs, tagged=tagged))
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / str(tagged))],
                       check=True)
        images[tagged] = sorted(tmp_path.glob(f"{tagged}-*.pgm"))
    assert len(images[True]) == len(images[False]) >= 2
    for a, b in zip(images[True], images[False], strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_tagged_output_is_byte_identical_across_runs(sample):
    clinic, proc = sample
    for name in ("bilingual", "stacked"):
        layout = load_layout(name)
        first = render_handout(proc, clinic, layout)
        with pikepdf.open(io.BytesIO(first)) as pdf:
            assert "/StructTreeRoot" in pdf.Root
        assert render_handout(proc, clinic, layout) == first


def _text(en: str, es: str) -> Text:
    return Text((("en", en), ("es", es)))


@needs("pdfinfo")
@pytest.mark.parametrize("name", ["bilingual", "stacked"])
def test_a_paragraph_split_across_pages_stays_one_element(sample, tmp_path, name):
    clinic, proc = sample
    long_en = "Long paragraph. " + " ".join(f"Walk a little every day {i}." for i in range(150))
    long_es = "Párrafo largo. " + " ".join(f"Camine un poco cada día {i}." for i in range(150))
    section = Section(_text("A long section", "Una sección larga"),
                      (Paragraph(_text(long_en, long_es)),))
    proc = dataclasses.replace(proc, sections=(section,) + proc.sections)
    path = tmp_path / "long.pdf"
    path.write_bytes(render_handout(proc, clinic, load_layout(name)))
    assert check_pdf(path) == []
    tree = struct_tree(path)
    for sect, text in zip(tree.find("Sect"), (long_en, long_es), strict=True):
        paras = [p for p in sect.find("P") if p.text().startswith(text[:14])]
        assert len(paras) == 1 and paras[0].text() == text  # one element, spaces kept
    with pikepdf.open(path) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
        kids = list(pdf.Root.StructTreeRoot.K[0].K[0].K)  # English Sect
        first_h2 = next(i for i, e in enumerate(kids) if e.S == pikepdf.Name.H2)
        long_p = kids[first_h2 + 1]  # "A long section" is the first section
        assert long_p.S == pikepdf.Name.P
        on = {pages[k.Pg.objgen] for k in long_p.K if isinstance(k, pikepdf.Dictionary)}
        on.add(pages[long_p.Pg.objgen])
        assert len(on) >= 2  # marked content on two pages, one StructElem


# -- negative controls: broken copies of a good PDF ---------------------------------------

def _broken(good: Path, tmp_path: Path, breaker) -> Path:
    with pikepdf.open(good) as pdf:
        breaker(pdf)
        out = tmp_path / "broken.pdf"
        pdf.save(out, fix_metadata_version=False)  # keep a broken XMP as broken
    return out


def _first(pdf, role: str):
    def walk(e):
        if isinstance(e, pikepdf.Dictionary) and "/S" in e:
            if e.S == pikepdf.Name(f"/{role}"):
                return e
            kids = e.get("/K")
            for k in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                found = walk(k)
                if found is not None:
                    return found
        return None
    return walk(pdf.Root.StructTreeRoot.K[0])


def _append_to_page(pdf, code: bytes) -> None:
    page = pdf.pages[0]
    page.contents_add(pikepdf.Stream(pdf, code), prepend=False)


def _swap_parent_tree_entries(pdf):
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    key = int(pdf.pages[0].StructParents)
    arr = next(nums[i + 1] for i in range(0, len(nums), 2) if int(nums[i]) == key)
    first, second = arr[0], next(x for x in arr if x.objgen != arr[0].objgen)
    i = list(x.objgen for x in arr).index(second.objgen)
    arr[0], arr[i] = second, first


def _drop_an_mcid_from_the_tree(pdf):
    h1 = _first(pdf, "H1")
    h1.K = pikepdf.Array([])


def _first_font(pdf):
    return next(iter(pdf.pages[0].Resources.Font.values()))


BREAKERS = {
    "markinfo": lambda pdf: pdf.Root.__delattr__("MarkInfo"),
    "lang": lambda pdf: pdf.Root.__delattr__("Lang"),
    "display-doc-title": lambda pdf: pdf.Root.ViewerPreferences.__setattr__(
        "DisplayDocTitle", False),
    "pdfuaid": lambda pdf: pdf.Root.__delattr__("Metadata"),
    "tabs": lambda pdf: pdf.pages[1].obj.__delattr__("Tabs"),
    "struct-parents": lambda pdf: pdf.pages[0].obj.__delattr__("StructParents"),
    "untagged-content": lambda pdf: _append_to_page(pdf, b"q 0 0 m 100 100 l S Q"),
    "mcid-in-tree": _drop_an_mcid_from_the_tree,
    "parent-tree": _swap_parent_tree_entries,
    "standard-types": lambda pdf: _first(pdf, "P").__setattr__("S", pikepdf.Name("/Blurb")),
    "heading-levels": lambda pdf: _first(pdf, "H2").__setattr__("S", pikepdf.Name("/H4")),
    "sect-lang": lambda pdf: _first(pdf, "Sect").__delattr__("Lang"),
    "annot-contents": lambda pdf: pdf.pages[0].Annots[0].__delattr__("Contents"),
    "annot-tagged": lambda pdf: _first(pdf, "Link").__setattr__("K", pikepdf.Array([])),
    "font-tounicode": lambda pdf: _first_font(pdf).__delattr__("ToUnicode"),
    "font-embedded": lambda pdf: _first_font(pdf).FontDescriptor.__delattr__("FontFile2"),
    "mcid-in-artifact": lambda pdf: _append_to_page(
        pdf, b"/Artifact BMC /P <</MCID 999>> BDC EMC EMC"),
    "alt-text": lambda pdf: next(e for e in _elements(pdf.Root.StructTreeRoot.K[0], "Lbl")
                                 if "/Alt" in e).__delattr__("Alt"),
}


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_checker_catches_each_broken_copy(pdfs, tmp_path, rule):
    broken = _broken(pdfs[("bilingual", None)], tmp_path, BREAKERS[rule])
    rules = {f.rule for f in check_pdf(broken)}
    assert rule in rules, rules


def _kids(elem) -> list:
    k = elem.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _objr(pdf):
    return next(k for k in _kids(_first(pdf, "Link"))
                if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.OBJR)


def _xmp(pdf, edit) -> None:
    text = pdf.Root.Metadata.read_bytes().decode()
    pdf.Root.Metadata = pikepdf.Stream(pdf, edit(text).encode())


# Broken copies for the rules above without one, named by case: (rule, how to break it).
MORE_BREAKERS = {
    "dc-title": ("dc-title", lambda pdf: _xmp(pdf, lambda t: re.sub(
        r"<dc:title>.*?</dc:title>", "", t, flags=re.S))),
    "xmp-not-xml": ("xmp", lambda pdf: _xmp(pdf, lambda t: t.replace("</rdf:RDF>", ""))),
    "stray-emc": ("mc-nesting", lambda pdf: _append_to_page(pdf, b"EMC")),
    "mcid-twice": ("mcid-unique", lambda pdf: _append_to_page(pdf, b"/P <</MCID 0>> BDC EMC")),
    "mcid-not-on-page": ("mcid-on-page", lambda pdf: _first(pdf, "P").__setattr__(
        "K", pikepdf.Array([9999]))),
    "no-pg": ("mcid-page", lambda pdf: _first(pdf, "P").__delattr__("Pg")),
    "wrong-parent": ("struct-parent", lambda pdf: _first(pdf, "P").__setattr__(
        "P", pdf.Root.StructTreeRoot)),
    "annot-no-struct-parent": ("annot-struct-parent",
                               lambda pdf: pdf.pages[0].Annots[0].__delattr__("StructParent")),
    "artifact-in-p": ("artifact-in-content", lambda pdf: _append_to_page(
        pdf, b"/P <</MCID 998>> BDC /Artifact BMC EMC EMC")),
    "link-as-span": ("annot-owner", lambda pdf: _first(pdf, "Link").__setattr__(
        "S", pikepdf.Name("/Span"))),
    "annot-in-two-elements": ("annot-twice", lambda pdf: _first(pdf, "Link").__setattr__(
        "K", pikepdf.Array([*_kids(_first(pdf, "Link")), _objr(pdf)]))),
    "bogus-sect-lang": ("lang", lambda pdf: _first(pdf, "Sect").__setattr__(
        "Lang", pikepdf.String("??"))),
    "bogus-catalog-lang": ("lang", lambda pdf: pdf.Root.__setattr__(
        "Lang", pikepdf.String("english please"))),
}


@pytest.mark.parametrize("case", sorted(MORE_BREAKERS))
def test_checker_catches_more_broken_copies(pdfs, tmp_path, case):
    rule, breaker = MORE_BREAKERS[case]
    broken = _broken(pdfs[("bilingual", None)], tmp_path, breaker)
    rules = {f.rule for f in check_pdf(broken)}
    assert rule in rules, rules


def test_untagged_render_fails_the_checker(sample):
    clinic, proc = sample
    data = render_handout(proc, clinic, load_layout("bilingual"), tagged=False)
    rules = {f.rule for f in check_pdf(data)}
    assert {"struct-tree", "markinfo", "untagged-content", "tabs"} <= rules


def test_check_pdf_command(pdfs, tmp_path):
    runner = CliRunner()
    good = pdfs[("stacked", None)]
    res = runner.invoke(cli, ["check", "--pdf", str(good)])
    assert res.exit_code == 0 and "checked 1 PDF: 0 errors" in res.output
    broken = _broken(good, tmp_path, BREAKERS["markinfo"])
    res = runner.invoke(cli, ["check", "--pdf", str(good), "--pdf", str(broken)])
    assert res.exit_code == 1
    assert f"{broken}: MarkInfo:" in res.output and "checked 2 PDFs: 1 error" in res.output
    res = runner.invoke(cli, ["check", "--pdf", str(tmp_path / "missing.pdf")])
    assert res.exit_code == 2
    not_pdf = tmp_path / "not.pdf"
    not_pdf.write_bytes(b"hello")
    res = runner.invoke(cli, ["check", "--pdf", str(not_pdf)])
    assert res.exit_code == 1 and "cannot be read as a PDF" in res.output


def test_check_pdf_command_json_and_usage(pdfs, tmp_path):
    runner = CliRunner()
    good = pdfs[("bilingual", None)]
    broken = _broken(good, tmp_path, BREAKERS["sect-lang"])
    res = runner.invoke(cli, ["check", "--format", "json", "--pdf", str(broken)])
    assert res.exit_code == 1
    report = json.loads(res.output)
    assert report["pdfs"] == 1 and report["errors"] == len(report["findings"]) >= 1
    assert {f["rule"] for f in report["findings"]} == {"sect-lang"}
    assert report["findings"][0]["file"] == str(broken)
    res = runner.invoke(cli, ["check", str(SAMPLE), "--pdf", str(good)])
    assert res.exit_code == 2 and "is a folder; with --pdf, give PDF files" in res.output
    res = runner.invoke(cli, ["check", "--pdf", str(good), str(good)])  # one --pdf, many files
    assert res.exit_code == 0 and "checked 2 PDFs: 0 errors" in res.output


def test_check_pdf_reads_bytes_too(pdfs):
    assert check_pdf(pdfs[("single", ("es",))].read_bytes()) == []
    assert check_pdf(io.BytesIO(b"").getvalue()) != []


def test_each_canvas_starts_its_own_bookkeeping():
    """A second build pass (a new canvas) must not inherit the first one's MCIDs and tree."""
    from pdfgen.render.page import HandoutCanvas

    class Canvas(HandoutCanvas):
        tag_pieces = [(1, "en", "P")]
        tag_locales = {"en": "en-US"}

    first = Canvas(io.BytesIO())
    first.tagger.bdc(first.tagger.content[1])
    first.showPage()
    second = Canvas(io.BytesIO())
    assert second.tagger is not first.tagger
    assert (second.tagger.page, second.tagger.parents) == (0, [[]])
    assert second.tagger.content[1].kids == [] and first.tagger.content[1].kids == [0]


@needs("pdftotext")
@pytest.mark.parametrize("name", ["bilingual", "single", "large-print"])
def test_long_words_and_sources_stay_on_the_page_in_our_fonts(sample, name):
    """A source's long web address and a word wider than the column: broken across lines,
    in the bundled font (the sources' bullets were ReportLab's unembedded Helvetica), and
    the tagged text still checks out."""
    from pdfgen.model import Source, Text

    from .pdfread import read_pdf

    clinic, proc = sample
    url = ("https://www.example.org/services/spine/minimally-invasive-hemilaminectomy-and-"
           "decompression-surgery-information")
    word = "supercalifragilisticexpialidocious-and-then-some-more-letters-without-a-break"
    benefits = (Text((("en", f"{proc.benefits[0]['en']} {word}"),
                      ("es", f"{proc.benefits[0]['es']} {word}"))), *proc.benefits[1:])
    proc = dataclasses.replace(proc, sources=(Source("Clinic page", url),), benefits=benefits)
    data = render_handout(proc, clinic, load_layout(name), None if name == "bilingual" else ("en",))
    assert check_pdf(data) == []
    pdf = read_pdf(data)
    assert all("Atkinson" in font for font in pdf.fonts()), sorted(pdf.fonts())
    # poppler reads only what lies on the page: every letter is there, none ran off it
    shown = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                           check=True).stdout.decode()
    flat = "".join(shown.split()).replace("-", "")
    assert url.replace("-", "") in flat and word.replace("-", "") in flat


@needs("pdfinfo")
@pytest.mark.parametrize("case", [c for c in CASES if c[0] == "bilingual"], ids=_id)
def test_the_web_address_pdfgen_breaks_reads_as_one_word(pdfs, sample, case):
    # the address beside the QR code is broken after a "/" to fit; what a screen reader
    # hears is the address, not two words
    clinic, proc = sample
    text = subprocess.run(["pdfinfo", "-struct-text", str(pdfs[case])], capture_output=True,
                          text=True, check=True).stdout
    url = clinic.url_for(proc.id, "en").split("://", 1)[-1]
    assert url in text
    assert url.replace("procedures/", "procedures/ ") not in text


def test_structure_strings_are_right_in_an_encrypted_pdf():
    # a review found /Lang formatted once and shared: an encrypted PDF encrypts each string
    # with its own object's key, so every element but the first read garbage
    import io

    import pikepdf
    from reportlab.pdfbase.pdfdoc import PDFDictionary
    from reportlab.pdfgen.canvas import Canvas

    from pdfgen.render import rl, tagging

    buf = io.BytesIO()
    canv = Canvas(buf, encrypt="secret")
    canv.drawString(72, 720, "x")
    canv.showPage()
    doc = canv._doc
    rl.reference(doc, PDFDictionary({}), "StructTreeRoot")
    shared, names = {}, []
    for i in range(3):
        elem = tagging.Elem("P", lang="es-US", alt="Ilustración")
        elem.kids.append(i)
        elem.name = f"StructElem{i}"
        rl.reference(doc, rl.RawObject(tagging._elem_pdf, elem, "StructTreeRoot", shared),
                     elem.name)
        names.append(elem.name)
    canv.save()
    with pikepdf.open(io.BytesIO(buf.getvalue()), password="secret") as pdf:
        objs = [pdf.get_object(*doc.idToObjectNumberAndVersion[n]) for n in names]
        assert [str(o.Lang) for o in objs] == ["es-US"] * 3
        assert [str(o.Alt) for o in objs] == ["Ilustración"] * 3
