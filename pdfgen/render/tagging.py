"""Tagged PDF (PDF/UA-1): the structure tree in reading order, marked content, artifacts.

The story is walked once before layout (`outline`): that gives every content
element in the content's own order, per language. While ReportLab draws, the
canvas asks a `Tagger` (one per canvas, so per build pass) for marked-content
ids; at save time the Tagger writes the StructTreeRoot, the ParentTree, the
catalog entries and the XMP packet with ReportLab's own PDF objects.

The tree: Document > Sect per language (/Lang) > H1, H2, H3, P, Figure, L > LI > Lbl +
LBody, with Link elements (OBJR to their annotation) inside the paragraph that
holds the link; a checklist box is a Lbl with /Alt ("Unchecked box"); a Figure
(a picture, the QR code) has /Alt, /Lang and a /BBox; the footer's link
annotations join the body's Link for the same target; the signature form is a
Div (inside its language's Sect, or after the Sects when it is bilingual). Page
furniture is /Artifact.

The ReportLab internals this relies on are in rl.py (each with a test of its own).
"""

from __future__ import annotations

from contextlib import contextmanager

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream

from ..i18n import labels_for
from . import rl

ARTIFACT_LAYOUT = "/Artifact <</Type /Layout>> BDC"
ARTIFACT_FOOTER = "/Artifact <</Type /Pagination /Subtype /Footer>> BDC"
MCID_SPAN = 1 << 20  # marked content kid = page * MCID_SPAN + mcid


class Elem:
    """One structure element; kids are Elems, marked content or annotations.

    Marked content is an int, page * MCID_SPAN + mcid, and an annotation a
    (page, name) tuple: no small containers per MCID, so fewer GC passes.
    """

    __slots__ = ("role", "lang", "kids", "parent", "owner", "alt", "name", "bbox")

    def __init__(self, role: str, parent: Elem | None = None, lang: str = "", alt: str = ""):
        self.role, self.lang, self.alt = role, lang, alt
        self.bbox: tuple[float, float, float, float] | None = None  # a Figure's, on its page
        self.kids: list = []
        self.parent = parent
        self.owner: Elem | None = None
        self.name = ""
        if parent is not None:
            parent.kids.append(self)

    def walk(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Elem):
                yield from kid.walk()


# -- the story's logical order -------------------------------------------------------------

def outline(story) -> list[tuple]:
    """Content pieces in story order: (elem, lang, role) per Para, (id, locales) per form.

    Walks containers (Columns' columns, a Box's items) so the order is the
    content's, whatever the page's paint order will be. Keeps no flowable
    alive: ReportLab frees each one once drawn.
    """
    found: list[tuple] = []

    def visit(item) -> None:
        if hasattr(item, "columns"):
            for col in item.columns:
                for sub in col:
                    visit(sub)
        elif hasattr(item, "items"):
            for sub in item.items:
                visit(sub)
        elif getattr(item, "elem", 0) and hasattr(item, "role"):
            found.append((item.elem, item.lang, item.role))
        elif getattr(item, "tag_id", 0):
            found.append((item.tag_id, tuple(lab.locale for lab in item.labels)))

    for flowable in story:
        visit(flowable)
    return found


class _Shown(str):
    """A text-showing operator in a text object's code (as opposed to state operators)."""


class MarkedText(rl.TextObject):
    """A text object whose text is marked content (all sequences inside its BT ... ET).

    A link inside a paragraph switches to its Link element and back. Sequences
    are opened only where text is shown, and MCIDs handed out when the object
    is drawn, so no sequence is empty and MCIDs follow the page's order.
    """

    def __init__(self, canvas, x, y, direction, tagger: Tagger, elem: Elem):
        super().__init__(canvas, x, y, direction=direction)
        self.tagger = tagger
        self.opens = [elem]  # an int i in the code: text from here on belongs to opens[i]
        self.ops.append(0)
        self.elem = elem
        self.mark = len(self.ops)  # where the last text-showing operator starts

    def shown(self, start: int) -> None:
        self.mark = start
        ops = self.ops
        ops[-1] = _Shown(ops[-1])

    def link_record(self, link, what: str) -> None:
        # 'start' comes after the link's first fragment was written, 'end' before the
        # next fragment: switch to the Link before that first fragment.
        if what == "start":
            self.opens.append(self.tagger.link_elem(self.elem, link))
            self.ops.insert(self.mark, len(self.opens) - 1)
        else:
            self.ops.append(0)

    def finish(self, ops: list) -> list:
        out: list[str] = []
        want = current = None
        for item in ops:
            if item.__class__ is int:
                want = self.opens[item]
                continue
            if isinstance(item, _Shown) and want is not current:
                if current is not None:
                    out.append("EMC")
                out.append(self.tagger.bdc(want))
                current = want
            out.append(item)
        if current is not None:
            out.append("EMC")
        return out


class Tagger:
    """Marked-content bookkeeping for one canvas (one build pass) and the tree it fills."""

    def __init__(self, pieces: list, locales: dict[str, str]):
        self.page = 0
        self.parents: list[list[Elem]] = [[]]  # per page: parent element of each MCID
        self.next_key = 0  # /StructParent(s) keys, pages and annotations alike
        self.parent_keys: dict[int, object] = {}  # key -> page index or Link elem
        self.page_keys: list[int] = []
        self.queue: list[Elem] = []  # elements for the next text objects
        self.links: dict = {}  # current paragraph piece: link -> Link elem
        self.urls: dict[str, Elem] = {}  # current piece: url -> Link elem
        self.artifact = 0
        self.root = Elem("Document")
        self.content: dict = {}  # tag key -> element that receives the text
        self.labels: dict[int, Elem] = {}  # list item -> its Lbl
        self.piece_lang = ""  # language of the paragraph piece being drawn
        self.targets: dict[tuple[str, str], Elem] = {}  # (url, lang) -> its first body Link
        self.footer_div: Elem | None = None  # footer links no body Link takes
        self.footer_links: dict[str, Elem] = {}
        self._build(pieces, locales)

    def _build(self, pieces: list, locales: dict[str, str]) -> None:
        by_locale = {loc: code for code, loc in locales.items()}
        self.langs = list(locales.values())
        # a checklist's drawn box says what it is (its Lbl holds a path, no text)
        box_alt = {code: labels_for(loc)["unchecked_box"] for code, loc in locales.items()}
        sects = {code: Elem("Sect", self.root, lang=loc) for code, loc in locales.items()}
        lists: dict[str, tuple[str, Elem]] = {}
        late: list = []
        for piece in pieces:
            if len(piece) == 2:  # the signature form
                tag_id, form_locales = piece
                codes = [by_locale[loc] for loc in form_locales]
                if len(codes) == 1:
                    lists.pop(codes[0], None)
                    self.content[("sig", tag_id)] = Elem("Div", sects[codes[0]])
                else:
                    late.append(tag_id)
                continue
            elem_id, lang, role = piece
            sect = sects[lang]
            if role in ("LI", "CHECK"):
                kind, lst = lists.get(lang, ("", None))
                if kind != role:
                    lst = Elem("L", sect)
                    lists[lang] = (role, lst)
                item = Elem("LI", lst)
                self.labels[elem_id] = Elem("Lbl", item,
                                            alt=box_alt[lang] if role == "CHECK" else "")
                self.content[elem_id] = Elem("LBody", item)
            elif role == "Figure":  # its /Alt and /BBox are set when it is drawn
                lists.pop(lang, None)
                self.content[elem_id] = Elem(role, sect, lang=locales[lang])
            else:
                lists.pop(lang, None)
                self.content[elem_id] = Elem(role, sect)
        for tag_id in late:
            self.content[("sig", tag_id)] = Elem("Div", self.root)

    # -- marked content ----------------------------------------------------------------
    def bdc(self, elem: Elem) -> str:
        if elem.parent is None and elem.owner is not None:  # a Link: joins its paragraph
            elem.parent = elem.owner                           # where its text first shows
            elem.owner.kids.append(elem)
        parents = self.parents[self.page]
        mcid = len(parents)
        parents.append(elem)
        elem.kids.append(self.page * MCID_SPAN + mcid)
        return f"/{elem.role} <</MCID {mcid}>> BDC"

    def new_page(self) -> None:
        self.page += 1
        self.parents.append([])

    def text_object(self, canvas, x, y, direction):
        """The canvas's beginText: marked when a content element is waiting for text."""
        if self.artifact or not self.queue:
            return None
        elem = self.queue.pop(0) if len(self.queue) > 1 else self.queue[0]
        return MarkedText(canvas, x, y, direction, self, elem)

    def begin_piece(self, flowable) -> None:
        """A paragraph piece starts drawing: its bullet (first) and text go to its elements."""
        self.queue, self.links, self.urls = [], {}, {}
        self.piece_lang = flowable.lang
        body = self.content.get(flowable.elem)
        if body is None:
            return
        label = self.labels.get(flowable.elem)
        link = rl.whole_link(flowable)
        if link is not None:
            # the whole paragraph is one link (one style throughout): a Link inside it
            body = self.link_elem(body, link)
        bullet = flowable.bulletText or (flowable.first and getattr(flowable, "rtl_bullet", None))
        self.queue = [label, body] if label is not None and bullet else [body]

    def end_piece(self) -> None:
        self.queue, self.links, self.urls = [], {}, {}

    @contextmanager
    def part(self, owner, key) -> None:
        """A piece of the signature form: one P per label, a Span per language if bilingual."""
        div = self.content.get(("sig", owner.tag_id))
        if div is None:
            yield
            return
        n, locale = key
        para = self.content.get(("sig", owner.tag_id, n))
        if para is None:
            para = self.content[("sig", owner.tag_id, n)] = Elem("P", div)
        elem = para if len(owner.labels) == 1 else Elem("Span", para, lang=locale)
        self.queue = [elem]
        try:
            yield
        finally:
            self.queue = []

    def figure_bdc(self, flowable, bbox: tuple[float, float, float, float]) -> str:
        """BDC for a figure's drawing (render/figure.py): its Figure element gets the
        flowable's alt text and the box it is drawn in; "" when untagged."""
        elem = self.content.get(flowable.elem)
        if elem is None or self.artifact:
            return ""
        elem.alt = flowable.alt
        if elem.bbox is None:
            elem.bbox = bbox
        return self.bdc(elem)

    def label_bdc(self, flowable) -> str:
        """BDC for a list item's drawn label (the checklist box), or "" when untagged."""
        label = self.labels.get(flowable.elem)
        return "" if label is None or self.artifact else self.bdc(label)

    def link_elem(self, owner: Elem, link) -> Elem:
        elem = self.links.get(link)
        if elem is None:
            elem = self.links[link] = Elem("Link")
            elem.owner = owner
            url = link[1] if isinstance(link, tuple) else str(link)
            self.urls[url] = elem
            self.targets.setdefault((url, self.piece_lang), elem)
        return elem

    def annotation(self, url: str, name: str, describe, langs=()) -> tuple[int, str]:
        """Key and /Contents for a link annotation being made on the current page.

        A link in body text belongs to its Link element. A footer link (artifact
        text, repeated on every page; `langs` are the page's languages) joins the
        body's Link for the same target in the page's language, so the tree has one
        Link per place the body prints a target and none for the footer's repeats
        (PDF/UA-1 wants every visible annotation in a Link, 7.18.5; a Link may hold
        several, ISO 32000-1 14.8.4.4.2). Without such a body Link, all the footer
        annotations of one target share one Link, in a Div after the Sects.
        """
        elem = self.urls.get(url) or self.footer_link(url, langs, describe)
        key = self.next_key
        self.next_key += 1
        self.parent_keys[key] = elem
        elem.kids.append((self.page, name))
        return key, describe(url)

    def footer_link(self, url: str, langs, describe) -> Elem:
        for lang in langs:
            elem = self.targets.get((url, lang))
            if elem is not None and elem.parent is not None:  # its text is in the tree
                return elem
        elem = self.footer_links.get(url)
        if elem is None:
            if self.footer_div is None:
                self.footer_div = Elem("Div", self.root)
            elem = self.footer_links[url] = Elem("Link", self.footer_div, alt=describe(url))
        return elem

    def page_key(self) -> int:
        key = self.next_key
        self.next_key += 1
        self.page_keys.append(key)
        self.parent_keys[key] = len(self.page_keys) - 1
        return key

    # -- writing ---------------------------------------------------------------------
    def write(self, doc, title: str) -> None:
        """Add StructTreeRoot, ParentTree, MarkInfo and XMP to the document catalog.

        The tree's hundreds of small dictionaries are written as pre-formatted
        PDF (`rl.RawObject`): ReportLab's generic PDFDictionary formatting of them
        cost more than the rest of the tagging together.
        """
        _prune(self.root)
        elems = list(self.root.walk())
        for i, elem in enumerate(elems):
            elem.name = f"StructElem{i}"
        root_name = "StructTreeRoot"
        shared: dict = {}  # what every element's formatting looks up, made once (_Refs)
        for elem in elems:
            rl.reference(doc, rl.RawObject(_elem_pdf, elem, root_name, shared), elem.name)
        tree = rl.RawObject(_tree_pdf, self)
        meta = PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                         xmp(title, self.langs), filters=[])
        rl.set_catalog(doc, StructTreeRoot=rl.reference(doc, tree, root_name),
                       MarkInfo=PDFDictionary({"Marked": b"true"}),
                       Metadata=rl.reference(doc, meta, "XMPMetadata"))


class _Refs:
    """At format time, for every structure element of one document: object references by
    name and page references by index, each made once. (Not strings: an encrypted PDF
    encrypts each string with its own object's key.)"""

    def __init__(self, document):
        self.document = document
        self.ref = rl.object_refs(document)
        self.pages: dict[int, str] = {}

    def page(self, index: int) -> str:
        found = self.pages.get(index)
        if found is None:
            found = self.pages[index] = self.ref(rl.page_name(index))
        return found


def _elem_pdf(document, elem: Elem, root_name: str, shared: dict) -> str:
    refs = shared.get("refs")
    if refs is None or refs.document is not document:
        refs = shared["refs"] = _Refs(document)
    ref, page_ref = refs.ref, refs.page
    page = _first_page(elem)
    parts = [f"<< /Type /StructElem /S /{elem.role} /P "
             f"{ref(elem.parent.name if elem.parent else root_name)}"]
    if page is not None:
        parts.append(f" /Pg {page_ref(page)}")
    if elem.lang:
        parts.append(f" /Lang {rl.pdf_string(document, elem.lang)}")
    if elem.alt:
        parts.append(f" /Alt {rl.pdf_string(document, elem.alt)}")
    if elem.bbox is not None:  # PDF/UA: a Figure says where it is drawn
        box = " ".join(f"{v:.2f}" for v in elem.bbox)
        parts.append(f" /A << /O /Layout /Placement /Block /BBox [{box}] >>")
    kids = []
    for kid in elem.kids:
        if isinstance(kid, Elem):
            kids.append(ref(kid.name))
        elif isinstance(kid, tuple):
            kids.append(f"<< /Type /OBJR /Obj {ref(kid[1])} /Pg {page_ref(kid[0])} >>")
        elif kid // MCID_SPAN == page:
            kids.append(str(kid % MCID_SPAN))
        else:
            kids.append(f"<< /Type /MCR /Pg {page_ref(kid // MCID_SPAN)} "
                        f"/MCID {kid % MCID_SPAN} >>")
    parts.append(f" /K {kids[0]}" if len(kids) == 1 else f" /K [{' '.join(kids)}]")
    parts.append(" >>")
    return "".join(parts)


def _tree_pdf(document, tagger: Tagger) -> str:
    ref = rl.object_refs(document)
    nums = []
    for key in sorted(tagger.parent_keys):
        target = tagger.parent_keys[key]
        if isinstance(target, Elem):
            nums.append(f"{key} {ref(target.name)}")
        else:
            parents = " ".join(ref(e.name) for e in tagger.parents[target])
            nums.append(f"{key} [{parents}]")
    nums_text = "\n".join(nums)
    return (f"<< /Type /StructTreeRoot /K [{ref(tagger.root.name)}]\n"
            f"/ParentTree << /Nums [\n{nums_text}\n] >> /ParentTreeNextKey {tagger.next_key} >>")


def _first_page(elem: Elem) -> int | None:
    for kid in elem.kids:
        if isinstance(kid, int):
            return kid // MCID_SPAN
        if isinstance(kid, tuple):
            return kid[0]
    return None


def _prune(elem: Elem) -> bool:
    """Drop elements that received no content (so the tree holds no empty elements)."""
    elem.kids = [k for k in elem.kids if not isinstance(k, Elem) or _prune(k)]
    return bool(elem.kids)


def escape(text: str) -> str:
    """XML character data (xml.sax.saxutils would pull in urllib and ssl at import: 17 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xmp(title: str, langs: list[str]) -> bytes:
    """The XMP packet: dc:title and the PDF/UA-1 identification; no dates (reproducible)."""
    bag = "".join(f"<rdf:li>{escape(lang)}</rdf:li>" for lang in langs)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""\n'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
        '<pdfuaid:part>1</pdfuaid:part>\n'
        '<dc:title><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
        '</rdf:Alt></dc:title>\n'
        f'<dc:language><rdf:Bag>{bag}</rdf:Bag></dc:language>\n'
        '</rdf:Description>\n'
        '</rdf:RDF>\n'
        '</x:xmpmeta>\n'
        '<?xpacket end="w"?>'
    ).encode()
