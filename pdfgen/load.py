"""Stage 2, load: YAML nodes into Clinic and Procedure objects, reporting every problem at once."""

from __future__ import annotations

import math
import os
import re
from dataclasses import replace
from pathlib import Path

from . import markup
from .errors import ContentError, Finding, Pos, Severity, record
from .i18n import SOURCE_LANGUAGE, catalog_languages
from .languages import registry
from .model import (
    Alternatives,
    Bullets,
    Clinic,
    Figure,
    Image,
    Language,
    Library,
    MailSettings,
    Output,
    Paragraph,
    Procedure,
    Risks,
    Section,
    Source,
    Specialty,
    Taglines,
    Text,
)
from .yamlio import ALIAS, BOOL, FLOAT, INT, MAX_BYTES, STR, Node, is_date, parse_yaml, read_yaml

_set = object.__setattr__  # how a frozen record's __init__ sets its fields (errors.record)


def _close_matches(word: str, possibilities, n: int = 1) -> list[str]:
    """difflib.get_close_matches, imported only for a misspelling to name (issue #16)."""
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LOCALE = re.compile(r"^([a-z]{2,3}(?:-[A-Z][a-z]{3})?)-([A-Z]{2})$")  # en-US, zh-Hans-CN
CODE = re.compile(r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?")  # en, zh-Hans: language, script
PHONE = re.compile(r"^(?:\+|\()?[0-9][0-9 ().-]{5,}[0-9]$")
WEB = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:/[A-Za-z0-9._~/%-]*)?$")
CLINIC_FILE = "clinic.yaml"
MAX_ID = 80  # a handout id names files (<id>/<id>.<output>.pdf and temporary files beside it)
MAX_OUTPUT = 40  # so <id>.<output>.pdf and its temporary twin stay well under 255 bytes
FIRST_YEAR, LAST_YEAR = 1900, 2199  # dates outside are typing mistakes, and date sums overflow
REVIEW_MONTHS_MAX = 120  # ten years; clinic.yaml review_months


class Reader:
    """Reads typed values out of a node tree, collecting findings instead of stopping."""

    def __init__(self, langs: tuple[Language, ...] = ()):
        self.langs = langs
        self.findings: list[Finding] = []
        # a handout's reader: a language the clinic does not mark `required` may be missing
        # from a text; lang -> the fields that lack it (the handout is not built in it)
        self.optional_missing = False
        self.missing: dict[str, list[str]] = {}
        self.figure_source = None  # name -> bytes of a figure file (load_procedure sets it)
        self.figure_count = 0

    # -- reporting ---------------------------------------------------------------
    def error(self, where: Node | Pos, field: str, message: str) -> None:
        if isinstance(where, Node) and where.tag == ALIAS:
            return  # the refused alias was reported where it was read
        pos = where.pos if isinstance(where, Node) else where
        self.findings.append(Finding(pos, field, message))

    def wrong_type(self, node: Node, field: str, wanted: str) -> None:
        self.error(node, field, f"expected {wanted}, found {node.kind_name()}")

    # -- containers --------------------------------------------------------------
    def mapping(self, node: Node | None, field: str, required: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> dict[str, Node] | None:
        """Check a mapping's keys (unknown keys get a did-you-mean); return key -> value node."""
        if node is None:
            return None
        if node.kind != "map":
            self.wrong_type(node, field, "a mapping of keys and values")
            return None
        known = required + optional
        out: dict[str, Node] = {}
        for key, (key_node, value) in node.items.items():
            if key in known:
                out[key] = value
                continue
            close = _close_matches(key, known, n=1)
            hint = (f"; did you mean '{close[0]}'?" if close
                    else f"; expected one of: {', '.join(known)}")
            self.error(key_node, _join(field, key), f"unknown key '{key}'{hint}")
        for key in required:
            if key not in out:
                self.error(node, _join(field, key), f"missing required key '{key}'")
        return out

    def sequence(self, node: Node | None, field: str, minimum: int = 1) -> list[Node]:
        if node is None:
            return []
        if node.is_null:
            node_items: list[Node] = []
        elif node.kind != "seq":
            self.wrong_type(node, field, "a list (lines starting with '- ')")
            return []
        else:
            node_items = node.seq
        if len(node_items) < minimum:
            self.error(node, field, f"needs at least {minimum} item{'s' if minimum > 1 else ''}")
        return node_items

    # -- scalars -----------------------------------------------------------------
    def string(self, node: Node | None, field: str, required: bool = True) -> str:
        if node is None:
            return ""
        if node.is_null:
            value = ""
        elif node.kind != "scalar":
            self.wrong_type(node, field, "text")
            return ""
        else:
            value = node.text.strip()
        if required and not value:
            self.error(node, field, "must not be empty")
        return value

    def integer(self, node: Node | None, field: str, minimum: int = 1,
                maximum: int | None = None) -> int:
        """A whole number within [minimum, maximum]; 0 (with a finding) when there is none."""
        if node is None:
            return 0
        if node.kind == "scalar" and node.tag == STR and re.fullmatch(r"[-+]?[0-9][0-9_]*",
                                                                      node.text.strip()):
            # digits that yamlio reads as text: too long to be a number anyone means
            self.error(node, field, f"must be between {minimum} and {maximum:,}"
                       if maximum is not None else f"'{markup.clip(node.text, 40)}' is too long "
                       "to be a number: check it")
            return 0
        if node.kind != "scalar" or node.tag != INT:
            self.wrong_type(node, field, "a whole number")
            return 0
        try:
            value = int(node.typed())
        except ValueError:
            self.error(node, field, f"'{markup.clip(node.text, 40)}' is not a whole number "
                                    "pdfgen can read")
            return 0
        if value < minimum or (maximum is not None and value > maximum):
            if maximum is None:
                self.error(node, field, f"must be at least {minimum}")
            else:
                self.error(node, field, f"must be between {minimum} and {maximum:,}")
        return value

    def boolean(self, node: Node | None, field: str) -> bool:
        if node is None:
            return False
        if node.kind != "scalar" or node.tag != BOOL:
            self.wrong_type(node, field, "true or false")
            return False
        return bool(node.typed())

    def date(self, node: Node | None, field: str):
        if node is None:
            return None
        if node.kind == "scalar" and node.tag != STR:
            try:
                value = node.typed()
            except ValueError:
                self.error(node, field, f"'{node.text}' is not a real date; write it as YYYY-MM-DD")
                return None
            if is_date(value) and not FIRST_YEAR <= value.year <= LAST_YEAR:
                self.error(node, field, f"'{node.text}' is outside the years {FIRST_YEAR} to "
                                        f"{LAST_YEAR}: check the year")
                return None
            if is_date(value):
                return value
        shown = f"'{node.text}'" if node.kind == "scalar" and node.text else node.kind_name()
        if node.kind == "scalar" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.text.strip()):
            self.error(node, field, f"{shown} is quoted, so it reads as text: remove the quotes")
            return None
        self.error(node, field, f"{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01")
        return None

    def text(self, node: Node | None, field: str) -> Text | None:
        """A human-readable text given in every clinic language: {en: ..., es: ...}."""
        if node is None:
            return None
        if node.kind == "scalar" and not node.is_null:
            codes = ", ".join(f"{lang.code}: ..." for lang in self.langs)
            self.error(node, field, f"give this text in every language, as {{{codes}}}")
            return None
        if node.kind != "map":
            self.wrong_type(node, field, "a text per language")
            return None
        codes = tuple(lang.code for lang in self.langs)
        values, where = [], []
        for code, (key_node, value) in node.items.items():
            if code not in codes:
                self.error(key_node, _join(field, code),
                           f"unknown language code '{code}'; the clinic's languages are "
                           f"{', '.join(codes)} (clinic.yaml)")
                continue
            text = self.string(value, _join(field, code), required=False)
            if value.kind == "scalar" and value.comment:
                self.error(value, _join(field, code),
                           f"'{markup.clip(value.comment, 40)}' after this text is a YAML comment, "
                           f"so it would not be printed: if it belongs to the text, put the whole "
                           f"text in double quotes; if it is a note, put it on a line of its own")
            if not text:
                self.error(value, _join(field, code),
                           f"{_lang_label(self.langs, code)} text is empty")
            for problem in markup.problems(text):
                self.error(value, _join(field, code), problem)
            values.append((code, text))
            where.append((code, value.pos))
        for lang in self.langs:
            if lang.code not in node.items:
                if self.optional_missing and not lang.required:
                    self.missing.setdefault(lang.code, []).append(field)
                    continue
                self.error(node, field, f"missing {_lang_label(self.langs, lang.code)} text "
                                        f"({lang.code})")
        ordered = sorted(values, key=lambda kv: codes.index(kv[0]))
        return Text(tuple(ordered), node.pos, tuple(where))

    def texts(self, node: Node | None, field: str, minimum: int = 1) -> tuple[Text, ...]:
        out = []
        for i, item in enumerate(self.sequence(node, field, minimum), 1):
            text = self.text(item, f"{field}[{i}]")
            if text is not None:
                out.append(text)
        return tuple(out)


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _lang_label(langs: tuple[Language, ...], code: str) -> str:
    """The language's English name for messages to editors: "Spanish" for es."""
    from babel import Locale

    try:
        return Locale.parse(code.replace("-", "_")).get_language_name("en") or code
    except (ValueError, LookupError):
        return code


# ---------------------------------------------------------------------------
# clinic.yaml

CLINIC_KEYS = ("name", "phone", "fax", "web", "telemedicine", "languages", "primary",
               "review_months", "specialties")
CLINIC_OPTIONAL = ("address", "outputs", "email", "quality", "handout_url", "taglines")
MAX_HANDOUT_URL = 120  # characters of the pattern; the QR code grows with the address


def read_or_parse(path: Path, name: str, raw: bytes | None = None
                  ) -> tuple[Node | None, list[Finding]]:
    """read_yaml(path, name), or, given `raw`, the same for those bytes as the file's
    content, without opening the file: a build's plan reads each file once, hashes it, and
    its jobs parse what it read (docs/build.md, "jobs are pure"). A name read_yaml refuses
    (x.yml) and a size over its limit are refused the same way."""
    if raw is None:
        return read_yaml(path, name)
    suffix = Path(path).suffix
    if suffix.lower() in (".yaml", ".yml") and suffix != ".yaml":
        return read_yaml(path, name)  # refused by its name: the file is not opened
    if len(raw) > MAX_BYTES:  # as fsutil.read_input says it
        return None, [Finding(Pos(name), "", f"file is over the {MAX_BYTES:,}-byte limit; "
                                             "refusing to read it")]
    return parse_yaml(raw, name)


def load_clinic(path: Path, display: str | None = None, raw: bytes | None = None
                ) -> tuple[Clinic | None, list[Finding]]:
    """Read the clinic profile; returns (clinic or None, findings).

    `raw`: clinic.yaml's bytes as already read (parsed instead of reading `path`; its
    email.ca_file is still looked for beside `path`)."""
    name = display or str(path)
    root, findings = read_or_parse(path, name, raw)
    if root is None:
        return None, findings
    r = Reader()
    r.findings = findings
    m = r.mapping(root, "", CLINIC_KEYS, CLINIC_OPTIONAL)
    if m is None:
        return None, r.findings
    langs = _languages(r, m.get("languages"))
    r.langs = langs
    codes = tuple(lang.code for lang in langs)
    primary = r.string(m.get("primary"), "primary")
    if primary and codes and primary not in codes:
        r.error(m["primary"], "primary",
                f"'{primary}' is not one of the languages ({', '.join(codes)})")
    # the primary language is what translations are made from: every handout has it
    langs = tuple(replace(lang, required=True) if lang.code == primary else lang
                  for lang in langs)
    r.langs = langs
    phone = _phone(r, m.get("phone"), "phone")
    fax = _phone(r, m.get("fax"), "fax")
    web = r.string(m.get("web"), "web")
    if web and not WEB.match(web):
        r.error(m["web"], "web", f"'{web}' is not a web address like https://www.example.org")
    specialties = []
    spec_map = m.get("specialties")
    if spec_map is not None and spec_map.kind != "map":
        r.wrong_type(spec_map, "specialties", "a mapping of specialty id to its name")
    elif spec_map is not None:
        for sid, (key_node, value) in spec_map.items.items():
            field = f"specialties.{sid}"
            if not SLUG.match(sid):
                r.error(key_node, field, "a specialty id is lower-case letters, digits and '-'")
            sm = r.mapping(value, field, ("name",))
            if sm:
                text = r.text(sm.get("name"), f"{field}.name")
                if text:
                    specialties.append(Specialty(sid, text))
        if not spec_map.items:
            r.error(spec_map, "specialties", "needs at least 1 specialty")
    outputs = _outputs(r, m.get("outputs"), codes)
    address = r.string(m.get("address"), "address", required=False)
    email = _email(r, m.get("email"), Path(path).parent)
    handout_url = _handout_url(r, m.get("handout_url"))
    taglines = _taglines(r, m.get("taglines"), phone)
    clinic_name = r.string(m.get("name"), "name")
    if clinic_name and not clinic_name.isprintable():
        r.error(m["name"], "name", "the clinic name must be one line, without control characters")
    clinic = Clinic(
        name=clinic_name,
        phone=phone,
        fax=fax,
        web=web,
        telemedicine=r.boolean(m.get("telemedicine"), "telemedicine"),
        specialties=tuple(specialties),
        languages=langs,
        primary=primary,
        review_months=r.integer(m.get("review_months"), "review_months",
                                maximum=REVIEW_MONTHS_MAX),
        address=address or None,
        outputs=outputs,
        path=name,
        quality=_quality(r, m.get("quality")),
        email=email,
        handout_url=handout_url,
        taglines=taglines,
    )
    if any(f.severity is Severity.ERROR for f in r.findings):
        return None, r.findings
    return clinic, r.findings


def _taglines(r: Reader, node: Node | None, clinic_phone: str) -> Taglines | None:
    """`taglines:`, the languages of the language-assistance notice (in print order) and
    the number to call (default: the clinic's phone), with an optional TTY number. Each
    language needs a profile and a tagline text in pdfgen/taglines.yaml."""
    from .taglines import texts

    m = r.mapping(node, "taglines", ("languages",), ("phone", "tty"))
    if m is None:
        return None
    phone = _phone(r, m["phone"], "taglines.phone") if "phone" in m else clinic_phone
    tty = ""
    if "tty" in m:  # 711, the relay service, or a number of the clinic's own
        tty = r.string(m["tty"], "taglines.tty") if m["tty"].kind == "scalar" and \
            re.fullmatch(r"\s*[0-9]{3}\s*", m["tty"].text) else _phone(r, m["tty"],
                                                                     "taglines.tty")
    known, written = registry(), texts().taglines
    codes: list[str] = []
    positions: list[Pos] = []
    for i, item in enumerate(r.sequence(m.get("languages"), "taglines.languages"), 1):
        field = f"taglines.languages[{i}]"
        code = r.string(item, field)
        if not code:
            continue
        if code in codes:
            r.error(item, field, f"'{code}' is listed twice (first as "
                                 f"taglines.languages[{codes.index(code) + 1}])")
        elif code not in known:
            close = _close_matches(code, list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            r.error(item, field, f"unknown language '{code}'{hint} (pdfgen/languages.yaml "
                                 f"profiles {', '.join(sorted(known))})")
        elif code not in written:
            r.error(item, field, f"pdfgen has no tagline text for {known[code].english_name} "
                                 f"('{code}'): pdfgen/taglines.yaml has "
                                 f"{', '.join(written)}")
        codes.append(code)
        positions.append(item.pos)
    if any(f.field.startswith("taglines") and f.severity is Severity.ERROR
           for f in r.findings):
        return None
    return Taglines(tuple(codes), phone, tty, node.pos, tuple(positions))


URL_PLACEHOLDERS = ("id", "lang")


def _handout_url(r: Reader, node: Node | None) -> str:
    """`handout_url:`, each handout's web address with {id} and {lang} in it, printed as a
    QR code (docs/content.md). https only; the host written out; no other placeholder."""
    import string

    value = r.string(node, "handout_url", required=False)
    if not value:
        return ""
    field = "handout_url"
    example = "https://www.example.org/{lang}/procedures/{id}"
    if len(value) > MAX_HANDOUT_URL:
        r.error(node, field, f"is {len(value)} characters long (at most {MAX_HANDOUT_URL}): "
                             f"a long address makes a dense QR code that phones read badly")
        return ""
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError:
        r.error(node, field, f"a '{{' or '}}' is not closed: write the placeholders as {{id}} "
                             f"and {{lang}}, e.g. {example}")
        return ""
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in URL_PLACEHOLDERS or spec or conv:
            close = _close_matches(name, URL_PLACEHOLDERS, n=1)
            hint = f"; did you mean {{{close[0]}}}?" if close else ""
            r.error(node, field, f"unknown placeholder {{{markup.clip(name, 30)}"
                                 f"{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
                                 f"{hint} (only {{id}} and {{lang}})")
            return ""
    if "{id}" not in value:
        r.error(node, field, f"has no {{id}}: every handout would get the same address "
                             f"(e.g. {example})")
        return ""
    sample = value.replace("{id}", "x").replace("{lang}", "en")
    if not sample.startswith("https://"):
        r.error(node, field, f"must start with https:// (e.g. {example})")
        return ""
    host = sample[len("https://"):].split("/", 1)[0]
    if "{" in value[len("https://"):].split("/", 1)[0]:
        r.error(node, field, "the host name must be written out, not a placeholder")
        return ""
    if not HOST.match(host) or "." not in host:
        r.error(node, field, f"'{markup.clip(host, 40)}' is not a host name like "
                             f"www.example.org")
        return ""
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/%?=&+:@!$,;*-]*)?", sample):
        r.error(node, field, "has a character a web address cannot hold as printed (a space, "
                             "quote or '#'): use letters, digits and - . _ ~ / % ? = &")
        return ""
    return value


def _quality(r: Reader, node: Node | None):
    """clinic.yaml `quality:`: readability limits, length limits, extra glossary terms."""
    from .model import Quality

    if node is None:
        return Quality()
    from .rules import READABILITY_KEYS

    m = r.mapping(node, "quality", (), ("readability", "section_words", "summary_words",
                                         "heading_words", "glossary"))
    if m is None:
        return Quality()
    limits = []
    rm = r.mapping(m.get("readability"), "quality.readability", (), READABILITY_KEYS) or {}
    for key, value in rm.items():
        field = f"quality.readability.{key}"
        if value.kind != "scalar" or value.tag not in (INT, FLOAT):
            r.wrong_type(value, field, "a number")
        elif not math.isfinite(float(value.typed())):
            r.error(value, field, f"'{value.text}' is not a usable limit: write a number")
        else:
            limits.append((key, float(value.typed())))
    words = {k: r.integer(m[k], f"quality.{k}", maximum=10_000)
             for k in ("section_words", "summary_words", "heading_words") if k in m}
    glossary = []
    gm = m.get("glossary")
    if gm is not None and gm.kind != "map":
        r.wrong_type(gm, "quality.glossary", "a mapping of language code to a list of terms")
    elif gm is not None:
        codes = tuple(lang.code for lang in r.langs)
        for code, (key_node, terms) in gm.items.items():
            field = f"quality.glossary.{code}"
            if code not in codes:
                r.error(key_node, field, f"unknown language code '{code}'; the clinic's "
                                         f"languages are {', '.join(codes)}")
                continue
            for i, term in enumerate(r.sequence(terms, field), 1):
                tfield = f"{field}[{i}]"
                forms = ([r.string(f, tfield) for f in r.sequence(term, tfield)]
                         if term.kind == "seq" else [r.string(term, tfield)])
                if all(forms):
                    glossary.append((code, tuple(forms)))
    return Quality(readability=tuple(limits), glossary=tuple(glossary), pos=node.pos, **words)


def _phone(r: Reader, node: Node | None, field: str) -> str:
    if node is not None and node.kind == "scalar" and node.tag == INT:
        r.error(node, field, "write the number with dashes or in quotes, e.g. 817-555-0100")
        return ""
    value = r.string(node, field)
    if value and not PHONE.match(value):
        r.error(node, field,
                f"'{value}' does not look like a phone number (digits, spaces, - ( ) +)")
    return value


def _known_locale(locale: str) -> bool:
    """Whether Babel knows the locale (en_US): `babel.Locale.parse`'s answer, kept in the
    on-disk cache (pdfgen/diskcache.py) by locale and Babel's version (i18n.babel_key), so
    that loading a clinic.yaml already seen imports none of Babel (about 4 ms)."""
    from .diskcache import cached_bytes
    from .i18n import babel_key

    known = cached_bytes("locale", f"{locale}\0{babel_key()}".encode(),
                         lambda _: _parses(locale))
    return known if type(known) is bool else _parses(locale)  # an entry of another shape


def _parses(locale: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _languages(r: Reader, node: Node | None) -> tuple[Language, ...]:
    langs = []
    for i, item in enumerate(r.sequence(node, "languages"), 1):
        field = f"languages[{i}]"
        m = r.mapping(item, field, ("code", "locale", "name"), ("required",))
        if not m:
            continue
        code = r.string(m.get("code"), f"{field}.code")
        required = r.boolean(m.get("required"), f"{field}.required")
        locale = r.string(m.get("locale"), f"{field}.locale")
        lname = r.string(m.get("name"), f"{field}.name")
        match = LOCALE.match(locale)
        if locale and not match:
            r.error(m["locale"], f"{field}.locale",
                    f"'{locale}' is not a locale like en-US, es-MX or zh-Hans-CN")
        elif match:
            if not _known_locale(locale.replace("-", "_")):
                r.error(m["locale"], f"{field}.locale", f"unknown locale '{locale}'")
            if code and match.group(1) != code:
                r.error(m["locale"], f"{field}.locale",
                        f"locale '{locale}' does not belong to language '{code}'")
        if code and not CODE.fullmatch(code):
            r.error(m["code"], f"{field}.code",
                    f"'{code}' is not a language code like en, es or zh-Hans")
        elif code in [lang.code for lang in langs]:
            r.error(m["code"], f"{field}.code", f"language '{code}' is listed twice")
        elif code and locale and lname:
            if code != SOURCE_LANGUAGE and code.replace("-", "_") not in catalog_languages():
                r.error(m["code"], f"{field}.code",
                        f"pdfgen's own labels ('What are the risks?', 'Page 1 of 2'...) have "
                        f"no {lname} translation: its PDFs would print them in English. Add "
                        f"the catalog pdfgen/locales/{code.replace('-', '_')} first "
                        f"(docs/translations.md)")
            elif code not in registry():
                r.error(m["code"], f"{field}.code",
                        f"pdfgen has no profile for '{code}' (its script, direction, "
                        f"readability formulas...): add one to pdfgen/languages.yaml first "
                        f"(docs/languages.md)")
            langs.append(Language(code, locale, lname, required))
    return tuple(langs)


def _outputs(r: Reader, node: Node | None, codes: tuple[str, ...]) -> tuple[Output, ...]:
    outputs = []
    for i, item in enumerate(r.sequence(node, "outputs", minimum=0), 1):
        field = f"outputs[{i}]"
        m = r.mapping(item, field, ("name", "layout", "languages"))
        if not m:
            continue
        oname = r.string(m.get("name"), f"{field}.name")
        if oname and not SLUG.match(oname):
            r.error(m["name"], f"{field}.name", "an output name is lower-case letters, digits, '-'")
        elif len(oname) > MAX_OUTPUT:
            r.error(m["name"], f"{field}.name", f"an output name is at most {MAX_OUTPUT} "
                                                f"characters (it is part of each PDF's name)")
        if oname and oname in [o.name for o in outputs]:
            r.error(m["name"], f"{field}.name", f"output '{oname}' is listed twice")
        out_langs = []
        for j, lang_node in enumerate(r.sequence(m.get("languages"), f"{field}.languages"), 1):
            code = r.string(lang_node, f"{field}.languages[{j}]")
            if code and code not in codes:
                r.error(lang_node, f"{field}.languages[{j}]",
                        f"unknown language code '{code}'; the clinic's languages are "
                        f"{', '.join(codes)}")
            out_langs.append(code)
        outputs.append(Output(oname, r.string(m.get("layout"), f"{field}.layout"),
                              tuple(out_langs), item.pos))
    return tuple(outputs)


EMAIL_KEYS = ("host", "from")
EMAIL_OPTIONAL = ("port", "security", "reply_to", "ca_file", "allow_unverified", "allow_plain",
                  "timeout")
CREDENTIAL_KEYS = ("user", "username", "password")
SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
HOST = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                  r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _email(r: Reader, node: Node | None, folder: Path) -> MailSettings | None:
    """The `email:` section: the clinic's mail server (docs/email.md). Never credentials."""
    m = r.mapping(node, "email", EMAIL_KEYS, EMAIL_OPTIONAL + CREDENTIAL_KEYS)
    if m is None:
        return None
    from .address import address_problem

    for key in CREDENTIAL_KEYS:
        if key in m:
            r.error(node.items[key][0], f"email.{key}", "never write credentials here: pdfgen "
                    "reads them only from PDFGEN_SMTP_USER and PDFGEN_SMTP_PASSWORD")
    host = r.string(m.get("host"), "email.host")
    if host and not HOST.match(host):
        r.error(m["host"], "email.host", f"'{host}' is not a host name like smtp.example.org")
    security = r.string(m.get("security"), "email.security", required=False) or "starttls"
    if security not in SECURITY_PORTS:
        r.error(m["security"], "email.security", f"'{security}' is not one of: starttls, ssl, none")
    port = SECURITY_PORTS.get(security, 587)
    if "port" in m:
        port = r.integer(m["port"], "email.port")
        if port > 65535:
            r.error(m["port"], "email.port", f"{port} is not a port number (1 to 65535)")
    addresses = {}
    for key in ("from", "reply_to"):
        value = r.string(m.get(key), f"email.{key}", required=key == "from")
        problem = address_problem(value) if value else None
        if problem:
            r.error(m[key], f"email.{key}", problem)
        addresses[key] = value
    ca_file = r.string(m.get("ca_file"), "email.ca_file", required=False)
    if ca_file and not (folder / ca_file).is_file():
        r.error(m["ca_file"], "email.ca_file", f"no file '{ca_file}' (a path relative to "
                                               "clinic.yaml's folder, or absolute)")
    unverified = r.boolean(m.get("allow_unverified"), "email.allow_unverified")
    plain = r.boolean(m.get("allow_plain"), "email.allow_plain")
    if security == "none" and not plain:
        r.error(m["security"], "email.security", "'none' sends the handout and any password "
                "unencrypted; add allow_plain: true to accept that")
    if plain and security != "none":
        r.error(m["allow_plain"], "email.allow_plain", "applies only with security: none")
    if unverified and security == "none":
        r.error(m["allow_unverified"], "email.allow_unverified",
                "applies only with security: starttls or ssl")
    if unverified and ca_file:
        r.error(m["allow_unverified"], "email.allow_unverified",
                "ca_file and allow_unverified contradict each other: keep one")
    timeout = r.integer(m["timeout"], "email.timeout", maximum=600) if "timeout" in m else 30
    return MailSettings(host=host, port=port, security=security, sender=addresses["from"],
                        reply_to=addresses["reply_to"],
                        ca_file=str((folder / ca_file).resolve()) if ca_file else "",
                        allow_unverified=unverified, allow_plain=plain, timeout=timeout)


# ---------------------------------------------------------------------------
# handouts/<id>.yaml

PROC_KEYS = ("id", "version", "specialty", "title", "summary",
             "sections", "benefits", "risks", "alternatives", "prompts", "call_when")
# `updated` is required, but read by _review_dates, which also accepts the old shape
# (`reviewed: DATE` with `reviewed_by:`) in its place
PROC_OPTIONAL = ("updated", "reviewed", "sources", "waivers", "reviewed_by", "emergency")
REVIEWED_KEYS = ("date", "by", "role")


def load_procedure(path: Path, clinic: Clinic, display: str | None = None,
                   raw: bytes | None = None, figures: dict[str, bytes | str] | None = None
                   ) -> tuple[Procedure | None, list[Finding]]:
    """Read one procedure handout against the clinic's languages and specialties.

    `raw`: the file's bytes as already read, parsed instead of reading `path` (whose name
    must still match the id). `figures`: its figure files as already read (name as
    written -> bytes, or the one-line reason it could not be read): with both, nothing is
    read from disk (a build job). Without `figures`, figure files are read from the
    handout's folder."""
    name = display or str(path)
    root, findings = read_or_parse(path, name, raw)
    if root is None:
        return None, findings
    r = Reader(clinic.languages)
    r.optional_missing = True
    r.findings = findings
    r.figure_source = _figure_source(Path(path).parent, figures)
    m = r.mapping(root, "", PROC_KEYS, PROC_OPTIONAL)
    if m is None:
        return None, r.findings
    pid = r.string(m.get("id"), "id")
    stem = Path(path).stem
    if pid and not SLUG.match(pid):
        r.error(m["id"], "id", f"'{pid}' is not a safe id: use lower-case letters, digits and '-' "
                               "(no spaces, '/', '\\' or '..')")
    elif len(pid) > MAX_ID:
        r.error(m["id"], "id", f"an id is at most {MAX_ID} characters (it names the handout's "
                               f"files and folder); this one has {len(pid)}")
    elif pid and pid != stem:
        r.error(m["id"], "id", f"id '{pid}' does not match the file name '{Path(path).name}'; "
                               f"rename one so they agree")
    version = _version(r, m.get("version"))
    specialty = r.string(m.get("specialty"), "specialty")
    known = [s.id for s in clinic.specialties]
    if specialty and specialty not in known:
        close = _close_matches(specialty, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        r.error(m["specialty"], "specialty", f"unknown specialty '{specialty}': clinic.yaml lists "
                                             f"{', '.join(known)}{hint}")
    dates = _review_dates(r, root, m)
    proc = Procedure(
        id=pid,
        version=version,
        specialty=specialty,
        updated=dates.updated,
        reviewed=dates.reviewed,
        reviewed_by=dates.by,
        reviewer_role=dates.role,
        old_review_fields=dates.old,
        title=r.text(m.get("title"), "title"),
        summary=r.text(m.get("summary"), "summary"),
        sections=_sections(r, m.get("sections")),
        benefits=r.texts(m.get("benefits"), "benefits"),
        risks=_risks(r, m.get("risks")),
        alternatives=_alternatives(r, m.get("alternatives")),
        prompts=r.texts(m.get("prompts"), "prompts", minimum=3),
        call_when=r.texts(m.get("call_when"), "call_when"),
        emergency=r.texts(m["emergency"], "emergency") if "emergency" in m else (),
        sources=_sources(r, m.get("sources")),
        path=name,
        waivers=_waivers(r, m.get("waivers")),
        positions=tuple((key, node.pos) for key, node in m.items()) + dates.positions,
        missing=tuple((code, tuple(r.missing[code])) for code in clinic.lang_codes
                      if code in r.missing),
    )
    if any(f.severity is Severity.ERROR for f in r.findings):
        return None, r.findings
    # which translations are under review is the gate's to say (pdfgen/gate.py): it reads the
    # confirmations file with the other quality checks
    return proc, r.findings


def _figure_source(folder: Path, given: dict[str, bytes | str] | None):
    """name -> bytes of a figure file: from `given` (a build job's), else read from `folder`."""
    def read(name: str) -> bytes:
        from . import figures as figfiles  # only a handout with a figure needs it

        return figfiles.read(folder, name)

    if given is None:
        return read

    def lookup(name: str) -> bytes:
        from . import figures as figfiles

        found = given.get(name)
        if found is None:
            raise figfiles.FigureError("was not read when the build was planned: build again")
        if isinstance(found, str):
            raise figfiles.FigureError(found)
        return found
    return lookup


@record
class _Dates:
    """The dates and sign-off of `updated:` and `reviewed:`, as read."""

    updated: object = None  # dt.date, or None after an error
    reviewed: object = None  # dt.date, or None: pending clinical review
    by: str = ""
    role: Text | None = None
    old: bool = False  # the old shape: `reviewed: DATE` and `reviewed_by:`
    positions: tuple = ()  # ("reviewed.date", pos)... for the review findings

    def __init__(self, updated=None, reviewed=None, by="", role=None, old=False,
                 positions=()) -> None:
        _set(self, "updated", updated)
        _set(self, "reviewed", reviewed)
        _set(self, "by", by)
        _set(self, "role", role)
        _set(self, "old", old)
        _set(self, "positions", positions)


def _review_dates(r: Reader, root: Node, m: dict[str, Node]) -> _Dates:
    """When the text was last edited (`updated:`) and who signed it off clinically, when
    (`reviewed: {date, by, role}`, left out while pending).

    The old shape, `reviewed: DATE` with `reviewed_by: NAME` (or `""`: pending), still
    loads, meaning what it meant: an empty `reviewed_by` made DATE the day the text was
    written, so it is read as `updated: DATE` and no review; a name, as a review on DATE
    (by no role the PDF can print). The quality gates warn about it (old-review-fields)."""
    node, by_node = m.get("reviewed"), m.get("reviewed_by")
    if "updated" not in m and node is not None and by_node is not None \
            and node.kind == "scalar" and not node.is_null:
        day = r.date(node, "reviewed")
        name = r.string(by_node, "reviewed_by", required=False)
        at = (("reviewed.date", node.pos), ("reviewed.by", by_node.pos))
        return _Dates(updated=day, reviewed=day if name else None, by=name, old=True,
                      positions=at)
    if "updated" not in m:
        hint = (": `reviewed: DATE` alone is no longer enough; write `updated: DATE` for when "
                "the text was last edited (docs/content.md)"
                if node is not None and node.kind == "scalar" and not node.is_null else
                ": the date the text was last edited, e.g. updated: 2026-11-01")
        r.error(root, "updated", f"missing required key 'updated'{hint}")
    updated = r.date(m.get("updated"), "updated")
    if by_node is not None:
        r.error(by_node, "reviewed_by", "with `updated:`, the reviewer's name is `by:` under "
                                        "`reviewed:` (date, by, role); remove `reviewed_by:`")
    if node is None or node.is_null:  # not reviewed yet
        return _Dates(updated=updated)
    if node.kind != "map":
        shown = f"'{node.text}'" if node.kind == "scalar" else node.kind_name()
        r.error(node, "reviewed", f"{shown}: `reviewed:` is the clinical sign-off, written as "
                                  "date, by and role on lines of their own (docs/content.md); "
                                  "the date the text was last edited is `updated:`")
        return _Dates(updated=updated)
    rm = r.mapping(node, "reviewed", REVIEWED_KEYS) or {}
    day = r.date(rm.get("date"), "reviewed.date")
    name = r.string(rm.get("by"), "reviewed.by")
    if name and not name.isprintable():
        r.error(rm["by"], "reviewed.by", "the reviewer's name must be one line")
    role = r.text(rm.get("role"), "reviewed.role")
    for code, value in role.values if role is not None else ():
        if "\n" in value or "**" in value:
            r.error(role.pos_of(code), f"reviewed.role.{code}",
                    "the role is printed on one line after 'Reviewed <month year> by': one "
                    "line, no bold")
    at = tuple((f"reviewed.{key}", value.pos) for key, value in rm.items())
    return _Dates(updated=updated, reviewed=day, by=name, role=role, positions=at)


def _version(r: Reader, node: Node | None) -> str:
    if node is not None and node.kind == "scalar" and not node.is_null:
        value = node.text.strip()  # as written: 1.10 stays "1.10", not the float 1.1
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+-]*", value):
            r.error(node, "version", f"'{value}' is not a version like 1.0 or 2026.1")
        return value
    return r.string(node, "version")


def _sections(r: Reader, node: Node | None) -> tuple[Section, ...]:
    out = []
    for i, item in enumerate(r.sequence(node, "sections"), 1):
        field = f"sections[{i}]"
        m = r.mapping(item, field, ("heading", "body"))
        if not m:
            continue
        heading = r.text(m.get("heading"), f"{field}.heading")
        body = []
        for j, block in enumerate(r.sequence(m.get("body"), f"{field}.body"), 1):
            bfield = f"{field}.body[{j}]"
            if block.kind == "map" and "bullets" in block.items:
                bm = r.mapping(block, bfield, ("bullets",))
                items = r.texts(bm.get("bullets") if bm else None, f"{bfield}.bullets")
                body.append(Bullets(items, block.pos))
            elif block.kind == "map" and "figure" in block.items:
                figure = _figure(r, block, bfield)
                if figure is not None:
                    body.append(figure)
            else:
                text = r.text(block, bfield)
                if text is not None:
                    body.append(Paragraph(text))
        if heading is not None:
            out.append(Section(heading, tuple(body), item.pos))
    return tuple(out)


FIGURE_KEYS = ("file", "alt", "caption")
MAX_FIGURE_TEXT = 500  # characters of a caption or alt text, per language


def _figure(r: Reader, block: Node, field: str) -> Figure | None:
    """`- figure: {file, alt, caption}`: a picture file beside the handout, its alt text
    (read aloud instead of the picture) and caption (printed under it), both in every
    language (docs/content.md, "Figures")."""
    bm = r.mapping(block, field, ("figure",))
    if bm is None or "figure" not in bm:
        return None
    field = f"{field}.figure"
    node = bm["figure"]
    fm = r.mapping(node, field, ("file", "caption"), ("alt",))
    if fm is None:
        return None
    if "alt" not in fm:
        r.error(node, f"{field}.alt", "missing required key 'alt': say in words what the "
                                      "picture shows, for readers who cannot see it (in "
                                      "every language)")
    alt = r.text(fm.get("alt"), f"{field}.alt")
    caption = r.text(fm.get("caption"), f"{field}.caption")
    for key, text in (("alt", alt), ("caption", caption)):
        for code, value in text.values if text is not None else ():
            if len(value) > MAX_FIGURE_TEXT:
                advice = ("say what matters in the picture" if key == "alt" else
                          "keep the caption short; explain in the text")
                r.error(text.pos_of(code), f"{field}.{key}.{code}",
                        f"is {len(value):,} characters long (at most {MAX_FIGURE_TEXT}): "
                        f"{advice}")
            if key == "alt" and ("**" in value or "\n" in value.strip()):
                r.error(text.pos_of(code), f"{field}.alt.{code}",
                        "alt text is read aloud, never printed: one paragraph, no bold")
    image = _image(r, fm.get("file"), f"{field}.file")
    if image is None or alt is None or caption is None:
        return None
    return Figure(image, alt, caption, block.pos)


def _image(r: Reader, node: Node | None, field: str) -> Image | None:
    from . import figures as figfiles  # only a handout with a figure needs it

    name = r.string(node, field)
    if not name or node is None:
        return None
    source = r.figure_source
    try:
        data = source(name) if source is not None else b""
        if source is None:
            raise figfiles.FigureError("cannot be read here")
        checked = figfiles.check(name, data)
    except figfiles.FigureError as exc:
        r.error(node, field, f"'{markup.clip(name, 60)}' {exc}")
        return None
    r.figure_count += 1
    if r.figure_count == figfiles.MAX_FIGURES + 1:
        r.error(node, field, f"more than {figfiles.MAX_FIGURES} figures in one handout")
    return Image(name, checked.kind, data, checked.width, checked.height, checked.texts)


def figure_files(raw: bytes, name: str = "") -> list[str]:
    """The figure files a handout's YAML names (sections[].body[].figure.file), as written,
    for a build's plan to read and hash with the handout; [] when it does not parse."""
    root, _ = parse_yaml(raw, name or "handout")
    out: list[str] = []
    if root is None or root.kind != "map" or "sections" not in root.items:
        return out
    sections = root.items["sections"][1]
    for sec in sections.seq if sections.kind == "seq" else ():
        body = sec.items.get("body") if sec.kind == "map" else None
        blocks = body[1].seq if body is not None and body[1].kind == "seq" else ()
        for block in blocks:
            fig = block.items.get("figure") if block.kind == "map" else None
            if fig is None or fig[1].kind != "map" or "file" not in fig[1].items:
                continue
            file_node = fig[1].items["file"][1]
            if file_node.kind == "scalar" and file_node.text.strip() not in out:
                out.append(file_node.text.strip())
    return out


def _risks(r: Reader, node: Node | None) -> Risks | None:
    m = r.mapping(node, "risks", ("intro", "items"))
    if not m:
        return None
    return Risks(r.text(m.get("intro"), "risks.intro"), r.texts(m.get("items"), "risks.items"))


def _alternatives(r: Reader, node: Node | None) -> Alternatives | None:
    m = r.mapping(node, "alternatives", ("options", "doing_nothing"))
    if not m:
        return None
    return Alternatives(r.texts(m.get("options"), "alternatives.options"),
                        r.text(m.get("doing_nothing"), "alternatives.doing_nothing"))


def _waivers(r: Reader, node: Node | None) -> tuple[tuple[str, str], ...]:
    """`waivers: {rule: reason}`: warnings the clinic has knowingly accepted for this handout."""
    from .rules import RULES

    if node is None:
        return ()
    if node.kind != "map":
        r.wrong_type(node, "waivers", "a mapping of quality rule to the reason it is waived")
        return ()
    out = []
    for rule, (key_node, value) in node.items.items():
        field = f"waivers.{rule}"
        if rule not in RULES:
            close = _close_matches(rule, list(RULES), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            r.error(key_node, field, f"unknown quality rule '{rule}'{hint} (docs/quality.md)")
            continue
        if RULES[rule].severity is Severity.ERROR:
            r.error(key_node, field, f"'{rule}' is an error and cannot be waived")
            continue
        reason = r.string(value, field, required=False)
        if not reason:
            r.error(value, field, "say why this rule is waived, in a few words")
            continue
        out.append((rule, reason))
    return tuple(out)


def _sources(r: Reader, node: Node | None) -> tuple[Source, ...]:
    out = []
    for i, item in enumerate(r.sequence(node, "sources", minimum=0), 1):
        field = f"sources[{i}]"
        m = r.mapping(item, field, ("title",), ("url",))
        if not m:
            continue
        url = r.string(m.get("url"), f"{field}.url", required=False)
        if url and not url.startswith("https://"):
            r.error(m["url"], f"{field}.url", "a source address must start with https://")
        out.append(Source(r.string(m.get("title"), f"{field}.title"), url))
    return tuple(out)


# ---------------------------------------------------------------------------
# a whole library folder


@record
class LoadResult:
    """A library folder as loaded: the good procedures, and every finding."""

    library: Library | None
    findings: tuple[Finding, ...]
    failed: tuple[str, ...]  # display names of handout files that did not load

    def __init__(self, library, findings, failed) -> None:
        _set(self, "library", library)
        _set(self, "findings", findings)
        _set(self, "failed", failed)

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)


def _named_like_yaml(root: Path) -> tuple[list[Path], list[Path]]:
    """(handouts, clinic profiles): every entry of the folder named like a YAML file (.yaml or
    .yml, in any case), whatever kind of file it is, sorted by name. Translations files
    (exactly `<id>.translations.yaml`) are neither: freshness reads them beside their handout."""
    try:
        entries = sorted(root.iterdir())
    except OSError:  # not a folder, or not readable: no handouts (the clinic.yaml check says why)
        return [], []
    handouts, clinics = [], []
    for path in entries:
        name = path.name.lower()
        if not name.endswith((".yaml", ".yml")) or path.name.endswith(".translations.yaml"):
            continue
        (clinics if name in (CLINIC_FILE, "clinic.yml") else handouts).append(path)
    return handouts, clinics


def handout_files(root: Path) -> list[Path]:
    """Every procedure file in a library folder that can be read, sorted by name.

    Regular files only (a symlink to one is fine): a FIFO, a device or a folder named x.yaml
    is left out, never opened (`unreadable_handouts` reports it). A handout named x.yml or
    x.YAML is included, so that whoever loads it gets read_yaml's "rename it to x.yaml"
    finding rather than the file being skipped without a word."""
    return [path for path in _named_like_yaml(Path(root))[0] if path.is_file()]


def unreadable_handouts(root: Path, display_root: str | None = None,
                        only: list[str] | None = None) -> list[Finding]:
    """A finding for each file named like a handout that `handout_files` leaves out: a FIFO,
    a device, a folder, a broken symlink ("x.yaml: is a named pipe (FIFO), not a regular
    file; ..."). Never blocks: read_yaml opens such a file without reading it."""
    root = Path(root)
    shown = display_root if display_root is not None else str(root)
    out = []
    for path in _named_like_yaml(root)[0]:
        if not path.is_file() and not (only and path.stem not in only):
            out.extend(read_yaml(path, str(Path(shown) / path.name) if shown else path.name)[1])
    return out


def missing_clinic(root: Path, display_root: str | None = None) -> Finding | None:
    """The finding for a library folder without clinic.yaml (naming a misnamed Clinic.YAML
    to rename), or None when it is there (one that is not a file: read_yaml says so)."""
    root = Path(root)
    clinic_path = root / CLINIC_FILE
    if os.path.lexists(clinic_path):
        return None
    shown = display_root if display_root is not None else str(root)
    message = "no clinic.yaml in the library folder"
    clinics = _named_like_yaml(root)[1] if root.is_dir() else []
    if clinics:
        case = " (all lower case)" if clinics[0].name.lower() == CLINIC_FILE else ""
        message += f": rename {clinics[0].name} to {CLINIC_FILE}{case}"
    return Finding(Pos(str(Path(shown) / CLINIC_FILE) if shown else CLINIC_FILE), "", message)


def load_library(root: Path, only: list[str] | None = None, display_root: str | None = None
                 ) -> LoadResult:
    """Load clinic.yaml and every handout beside it; one bad handout does not hide the others.

    Every file named like a handout gets loaded or a finding: x.yml and x.YAML ("rename it"),
    and a FIFO, device or folder named x.yaml ("is a named pipe, not a regular file")."""
    root = Path(root)
    shown = display_root if display_root is not None else str(root)

    def disp(p: Path) -> str:
        return str(Path(shown) / p.name) if shown else p.name

    candidates, clinics = _named_like_yaml(root)
    clinic_path = root / CLINIC_FILE
    missing = missing_clinic(root, shown)
    if missing:
        return LoadResult(None, (missing,), ())
    clinic, findings = load_clinic(clinic_path, disp(clinic_path))
    for other in clinics:
        if other.name != CLINIC_FILE and not _same_file(other, clinic_path):
            findings.append(Finding(Pos(disp(other)), "", f"pdfgen reads only {CLINIC_FILE}, so "
                                    f"this file is not read: move what it says into "
                                    f"{CLINIC_FILE}, then delete it"))
    if clinic is None:
        return LoadResult(None, tuple(findings), ())
    procs, failed = [], []
    for path in handout_files(root):
        if only and path.stem not in only:
            continue
        proc, found = load_procedure(path, clinic, disp(path))  # x.yml: read_yaml says rename
        findings.extend(found)
        if proc is None:
            failed.append(disp(path))
        else:
            procs.append(proc)
    findings.extend(unreadable_handouts(root, shown, only))
    if only:
        missing = sorted(set(only) - {p.stem for p in candidates})
        for pid in missing:
            findings.append(Finding(Pos(shown or "."), "", f"no handout '{pid}' in the library"))
    procs.sort(key=lambda p: p.id)
    return LoadResult(Library(str(root), clinic, tuple(procs)), tuple(findings), tuple(failed))


def _same_file(a: Path, b: Path) -> bool:
    """Whether two names are one file (Clinic.YAML and clinic.yaml on a case-blind disk)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def require(result: LoadResult) -> Library:
    """The library, or a ContentError carrying every finding."""
    if not result.ok or result.library is None:
        raise ContentError([f for f in result.findings if f.severity is Severity.ERROR])
    return result.library
