"""Stage 1, read: safe YAML into position-carrying nodes, refusing what would not print as written.

Every YAML file pdfgen reads (handouts, clinic.yaml, layouts, translations files) comes in
through `read_yaml`, so every rule here holds for all of them:

* only a regular file ending in `.yaml`, at most MAX_BYTES, is read (fsutil.read_input:
  a FIFO, a device, a folder or a symlink to one gets a finding, never a hang);
* the text is UTF-8, and every scalar and key is Unicode NFC (an accent typed as a separate
  combining mark joins its letter, so "cirugía" prints as one letter "í");
* characters that would print as nothing or garble the page are refused where they are
  written: C0 controls but tab and newline (CR too, as the "\\r" escape), DEL, C1 controls,
  bidi embeddings/overrides/isolates, lone surrogates and noncharacters;
* YAML tags other than YAML's own (`!Important take this`) are refused: YAML would drop the
  tag's text;
* lists and mappings nest at most MAX_DEPTH deep. The tree is built straight from the
  parser's events in one loop (no recursion, no composer), and the depth is checked as each
  list or mapping opens, so a megabyte of `[` or `- - -` costs a few events, not a stack;
* aliases (`*name`) and duplicate keys are refused where they are written.

libyaml parses when it is there (the common case: valid files, several times faster); when
it reports a problem the pure-Python parser reads the file again, because its messages are
the ones pdfgen documents.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .errors import FACTORY, Finding, Pos, record
from .fsutil import InputFileError, read_input

MAX_BYTES = 1024 * 1024  # a handout is a few KiB; anything this big is a mistake or an attack
MAX_DEPTH = 20  # lists and mappings inside each other; the deepest real file (a handout) has 7
MAX_CHAR_FINDINGS = 20  # refused characters listed one by one per file; the rest are counted
MAX_INT_CHARS = 30  # a longer "number" is read as text: nothing pdfgen counts needs more

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
ALIAS = "pdfgen:alias"  # placeholder for a refused alias; already reported, never reported again

CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset({STR, NULL, BOOL, INT, FLOAT, TIMESTAMP})  # tags a scalar may carry

# (U+2028/2029, pasted from the web, are line breaks to YAML but to no editor: refused too,
# so that line numbers stay the editor's)
_BMP_REFUSED = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff")
_ASTRAL_REFUSED = "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}"
                          for plane in range(1, 17))  # the noncharacters beyond U+FFFF
# Refused anywhere in a file (a raw CR is a line break, so it stays allowed there). The
# characters beyond U+FFFF are looked for only in text that has some: a short class is fast.
_REFUSED_RAW = re.compile(f"[{_BMP_REFUSED}{_ASTRAL_REFUSED}]")
_REFUSED_RAW_BMP = re.compile(f"[{_BMP_REFUSED}]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Refused in a scalar's value (one "\r" escape in double quotes gets there).
_REFUSED_VALUE = re.compile(f"[\r{_BMP_REFUSED}{_ASTRAL_REFUSED}]")
_SENTINEL = "\ufdd0"  # stands in for a refused character while parsing: refused itself
_LINE_BREAK = re.compile("\r\n|[\r\n]")  # YAML's line breaks, once NEL, LS and PS are refused

_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_START_MAP, _END_MAP = yaml.MappingStartEvent, yaml.MappingEndEvent
_START_SEQ, _END_SEQ = yaml.SequenceStartEvent, yaml.SequenceEndEvent
# First characters of a plain scalar that YAML may read as other than text (null, bool,
# int, float, timestamp, merge, value): any other plain scalar is text, without a regex.
_RESOLVED_FIRST = frozenset(ch for ch in yaml.resolver.Resolver.yaml_implicit_resolvers
                            if ch is not None)

_C0 = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN "
       "ETB CAN EM SUB ESC FS GS RS US").split()
_C1 = ("PAD HOP BPH NBH IND NEL SSA ESA HTS HTJ VTS PLD PLU RI SS2 SS3 DCS PU1 PU2 STS CCH MW "
       "SPA EPA SOS SGCI SCI CSI ST OSC PM APC").split()


def describe_character(ch: str, where: str = "") -> str:
    """Why one refused character cannot stay, and what to do, for a one-line message.

    `where`, when given, says where in the value it is ("written as a \\ escape after ...")."""
    cp = ord(ch)
    code = f"U+{cp:04X}"
    control = "is a control character: it would print as nothing or garble the page; delete it"
    if cp < 0x20:
        return f"character {code} ({_C0[cp]}){where} {control}"
    if cp == 0x7F:
        return f"character {code} (DEL){where} {control}"
    if 0x80 <= cp <= 0x9F:
        text = f"character {code} ({_C1[cp - 0x80]}){where} {control}"
        meant = bytes([cp]).decode("cp1252", "replace")
        if meant != "\ufffd":  # Windows text read the wrong way: 0x96 was an en dash
            text += f" (text copied from Word may have meant '{meant}' here: type that instead)"
        return text
    if 0xD800 <= cp <= 0xDFFF:
        return (f"character {code} (a lone surrogate){where} is half of a character: it cannot "
                "be printed; delete it")
    if cp in (0x2028, 0x2029):
        return (f"character {code} ({unicodedata.name(ch)}){where} is an invisible line break "
                "(often pasted from a web page): YAML would start a new line here that your "
                "editor does not show; delete it, or press Enter instead")
    if 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
        return (f"character {code} ({unicodedata.name(ch)}){where} is an invisible "
                "text-direction control: it would reorder the words around it in print; delete it")
    return (f"character {code} (a noncharacter){where} is not text: it would print as nothing "
            "or a box; delete it")


@record(frozen=False)
class Node:
    """One YAML value and where it was written.

    kind is "map", "seq" or "scalar". For a map, `items` maps each key's text to
    (key node, value node) in file order; for a sequence, `seq` lists the items;
    for a scalar, `text` is exactly what the author wrote (so `es: No` stays the
    Spanish word, not the boolean false), in NFC, and `tag` is YAML's reading of it.
    """

    kind: str
    pos: Pos
    tag: str = STR
    text: str = ""
    items: dict[str, tuple[Node, Node]] = field(default_factory=dict)
    seq: list[Node] = field(default_factory=list)
    comment: str = ""  # an unquoted scalar's same-line "# ..." (YAML drops it from the text)

    def __init__(self, kind, pos, tag=STR, text="", items=FACTORY, seq=FACTORY, comment="") -> None:
        self.kind = kind
        self.pos = pos
        self.tag = tag
        self.text = text
        self.items = {} if items is FACTORY else items
        self.seq = [] if seq is FACTORY else seq
        self.comment = comment

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.tag == NULL

    def typed(self) -> Any:
        """The scalar as YAML 1.1 types it (int, bool, date...); raises ValueError if it can't."""
        if self.tag == NULL:
            return None
        if self.tag == STR:
            return self.text
        node = yaml.ScalarNode(self.tag, self.text)
        try:
            return SafeConstructor().construct_object(node)
        except Exception as exc:  # 2026-02-30, !!bool maybe, !!timestamp soon: all "can't"
            raise ValueError(str(exc) or type(exc).__name__) from None

    def kind_name(self) -> str:
        if self.kind != "scalar":
            return {"map": "a mapping", "seq": "a list"}[self.kind]
        return {
            NULL: "empty",
            BOOL: "a yes/no value",
            INT: "a whole number",
            FLOAT: "a number",
            TIMESTAMP: "a date",
        }.get(self.tag, "text")


def read_yaml(path: Path, display: str | None = None) -> tuple[Node | None, list[Finding]]:
    """Parse one YAML file into a Node tree, or return the reasons it can't be read."""
    path = Path(path)
    name = display or str(path)
    if path.suffix.lower() in (".yaml", ".yml") and path.suffix != ".yaml":
        return None, [Finding(Pos(name), "", f"pdfgen reads only .yaml files: rename "
                                             f"{path.name} to {path.stem}.yaml")]
    try:
        raw = read_input(path, MAX_BYTES)
    except InputFileError as exc:
        return None, [Finding(Pos(name), "", str(exc))]
    return parse_yaml(raw, name)


def parse_yaml(raw: bytes, name: str) -> tuple[Node | None, list[Finding]]:
    """Parse YAML bytes (must be UTF-8) into a Node tree, collecting every problem.

    Never raises for any bytes: every problem is a Finding."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        msg = f"file is not UTF-8 text (byte 0x{byte}); save it as UTF-8"
        return None, [Finding(Pos(name, line, col), "", msg)]
    refused: list[tuple[int, int, str]] = []
    count = 0
    if _REFUSED_RAW_BMP.search(text) or (_ASTRAL.search(text) and _REFUSED_RAW.search(text)):
        # rare: find each, and parse with a stand-in for each
        refused, count = _refused_raw(text)
        text = _REFUSED_RAW.sub(_SENTINEL, text)
    lines = text.splitlines()
    loader_cls = getattr(yaml, "CSafeLoader", None)
    if loader_cls is not None:  # libyaml: nearly every file is valid, and this is the fast way
        try:
            return _Builder(loader_cls, text, name, lines, list(refused), count).run()
        except Exception:  # whatever libyaml refuses or trips on, the careful path decides
            pass  # the Python parser reads it again and says what is wrong, in its words
    builder = _Builder(yaml.SafeLoader, text, name, lines, refused, count)
    try:
        return builder.run()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}, {problem}"
        error = Finding(Pos(name, line, col), "", f"YAML syntax error: {problem}")
    except yaml.YAMLError as exc:  # not expected once refused characters are stood in for
        error = Finding(Pos(name, 1, 1), "", f"YAML error: {_clip(str(exc), 200)}")
    return None, builder.char_findings() + [error]


def _refused_raw(text: str) -> tuple[list[tuple[int, int, str]], int]:
    """(line, column, character) of the first refused characters (0-based), and their count."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(_REFUSED_RAW.sub(_SENTINEL, text))]
    found, count = [], 0
    for m in _REFUSED_RAW.finditer(text):
        count += 1
        if len(found) < MAX_CHAR_FINDINGS:
            line = bisect.bisect_right(starts, m.start()) - 1
            found.append((line, m.start() - starts[line], m.group()))
    return found, count


class _Frame:
    """A list or mapping being built: the node, its field path, and a mapping's pending key."""

    __slots__ = ("node", "path", "is_map", "key", "skip")

    def __init__(self, node: Node, path: str):
        self.node = node
        self.path = path
        self.is_map = node.kind == "map"
        self.key: Node | None = None  # a mapping's key, while its value is being read
        self.skip = False  # that value is dropped (its key was refused)


class _Builder:
    """Nodes from a loader's events, with every check of the read stage, in one loop."""

    def __init__(self, loader_cls, text: str, name: str, lines: list[str],
                 refused: list[tuple[int, int, str]], refused_count: int):
        self.loader_cls = loader_cls
        self.text = text
        self.loader = None
        self.name = name
        self.lines = lines
        self.refused = refused  # raw refused characters not yet placed in a scalar
        self.refused_count = refused_count
        self.findings: list[Finding] = []
        self.chars: list[Finding] = []  # refused characters: at most MAX_CHAR_FINDINGS listed
        self.chars_more = max(0, refused_count - len(refused))

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> tuple[Node | None, list[Finding]]:
        loader = self.loader = self.loader_cls(self.text)
        try:
            loader.get_event()  # stream start
            if loader.check_event(yaml.StreamEndEvent):
                return None, self.char_findings() + [
                    Finding(Pos(self.name, 1, 1), "", "file is empty")]
            loader.get_event()  # document start
            root = self._document()
            if root is None:  # nested too deep: the one finding says so
                return None, self.char_findings() + self.findings
            loader.get_event()  # document end
            if loader.check_event(yaml.DocumentStartEvent):
                second = loader.peek_event().start_mark
                return None, self.char_findings() + [Finding(
                    Pos(self.name, second.line + 1, second.column + 1), "",
                    "YAML syntax error: expected a single document in the stream, "
                    "but found another document")]
            loader.get_event()  # stream end
        finally:
            loader.dispose()
        return root, self.char_findings() + self.findings

    def _document(self) -> Node | None:
        """The document's root node, built event by event; None when nested too deep."""
        get, name, scalar = self.loader.get_event, self.name, self._scalar
        stack: list[_Frame] = []
        top: _Frame | None = None
        root = None
        while True:
            event = get()
            cls = event.__class__
            if cls is _END_MAP or cls is _END_SEQ:
                stack.pop()
                if not stack:
                    return root
                top = stack[-1]
                continue
            is_key = False
            if top is None:
                path = ""
            elif not top.is_map:
                path = f"{top.path}[{len(top.node.seq) + 1}]"
            elif top.key is None:
                path, is_key = top.path, True  # a key: its own text completes its path
            else:
                key = top.key.text
                path = f"{top.path}.{key}" if top.path else key
            if cls is _SCALAR:
                node = scalar(event, path, is_key)
            elif cls is _ALIAS:
                mark = event.start_mark
                node = Node("scalar", Pos(name, mark.line + 1, mark.column + 1), tag=ALIAS)
                self.findings.append(Finding(node.pos, "", "YAML anchors and aliases (& and *) "
                                                           "are not supported"))
            elif cls is _START_MAP or cls is _START_SEQ:
                mark = event.start_mark
                pos = Pos(name, mark.line + 1, mark.column + 1)
                if len(stack) >= MAX_DEPTH:
                    self.findings = [Finding(pos, "", (
                        f"lists and mappings are nested more than {MAX_DEPTH} levels deep here "
                        "(a handout needs 7 at most); look for stray '[', '{' or '- ' "
                        "(the file was not read further)"))]
                    return None
                node = Node("map" if cls is _START_MAP else "seq", pos)
                if event.tag is not None:
                    self._collection_tag(event, node, path)
            else:  # the parser yields nothing else inside a document
                raise yaml.YAMLError(f"unexpected {cls.__name__}")
            if top is None:
                root = node
            elif not top.is_map:
                top.node.seq.append(node)
            elif is_key:
                self._key(top, node)
            else:
                if not top.skip:
                    key = top.key
                    top.node.items[key.text] = (key, node)
                top.key = None
            if node.kind != "scalar":
                top = _Frame(node, top.path if is_key else path)
                stack.append(top)
            elif not stack:
                return root

    def _key(self, top: _Frame, node: Node) -> None:
        top.key, top.skip = node, False
        if node.kind != "scalar":
            self.findings.append(Finding(node.pos, "", "a key must be plain text"))
            top.skip = True
            return
        node.tag, node.comment = STR, ""  # a key is text, whatever it looks like
        items = top.node.items
        if node.text in items:
            first = items[node.text][0].pos.line
            where = f"{top.path}.{node.text}" if top.path else node.text
            self.findings.append(Finding(node.pos, where, (
                f"duplicate key '{node.text}' (first given on line {first}); "
                "YAML would silently keep only the last one")))
            top.skip = True

    # -- scalars ----------------------------------------------------------------------------
    def _scalar(self, event, path: str, is_key: bool) -> Node:
        value = event.value
        style = event.style
        if self.refused_count and _SENTINEL in value:
            value = value.replace(_SENTINEL, "")  # each is reported where it was written
        escaped = None
        if style == '"' and _REFUSED_VALUE.search(value):  # "\0", "\e", "\x96", "\u202e"...
            escaped = _escaped(value)
            value = _REFUSED_VALUE.sub("", value)  # reported: nothing downstream sees them
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
        if is_key:
            path = f"{path}.{value}" if path else value
        start = event.start_mark
        pos = Pos(self.name, start.line + 1, start.column + 1)
        if self.refused:
            end = event.end_mark
            self._place_refused((start.line, start.column), (end.line, end.column), path)
        if escaped:
            for ch, where in escaped:
                if ch:
                    self._char(pos, path, describe_character(ch, where))
                else:
                    self.chars_more += 1
        tag = event.tag
        if tag is None:
            if event.implicit[0] and (not value or value[0] in _RESOLVED_FIRST):
                tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
                if tag == INT and len(value) > MAX_INT_CHARS:
                    tag = STR  # 10**400 would overflow float(): text, refused where a number is due
            else:
                tag = STR
            comment = "" if style or is_key else _trailing_comment(event, self.lines)
            return Node("scalar", pos, tag, value, comment=comment)
        node = Node("scalar", pos, STR, value,
                    comment="" if style or is_key else _trailing_comment(event, self.lines))
        if tag not in SCALAR_TAGS:
            self._refuse_tag(event, path, value)
        elif tag != STR:  # `!!int abc`: said here, so nothing downstream trips on it
            node.tag = tag
            try:
                if tag == INT and len(value) > MAX_INT_CHARS:
                    raise ValueError("too long")
                node.typed()
            except ValueError:
                shown = "!!" + tag[len(CORE):]
                self.findings.append(Finding(pos, path, (
                    f"'{_clip(value, 40)}' cannot be read as {shown}: remove the '{shown}' tag "
                    "(pdfgen reads numbers, dates and true/false without it)")))
                node.tag = STR
        return node

    def _collection_tag(self, event, node: Node, path: str) -> None:
        tag = event.tag
        if tag is not None and tag != (MAP if node.kind == "map" else SEQ):
            self._refuse_tag(event, path, None)

    def _refuse_tag(self, event, path: str, value: str | None) -> None:
        start, end = event.start_mark, event.end_mark
        shown = _tag_as_written(event.tag, self.lines, start)
        pos = Pos(self.name, start.line + 1, start.column + 1)
        if value is None:
            msg = (f"'{shown}' is a YAML tag, which pdfgen does not read: delete it "
                   "(YAML would drop it without a word)")
        else:
            written = ""
            if start.line == end.line and start.line < len(self.lines):
                written = self.lines[start.line][start.column:end.column].strip()
            quoted = (f': "{_clip(written, 60)}"' if written and '"' not in written
                      and "\\" not in written else "")
            msg = (f"'{shown}' is read as a YAML tag, so YAML would drop it and keep only "
                   f"\"{_clip(value, 40)}\": put the whole text in double quotes{quoted}")
        self.findings.append(Finding(pos, path, msg))

    # -- refused characters -----------------------------------------------------------------
    def _place_refused(self, start: tuple[int, int], end: tuple[int, int], path: str) -> None:
        """Report the raw refused characters before `end`: with `path` if inside this scalar."""
        while self.refused and self.refused[0][:2] < end:
            line, col, ch = self.refused.pop(0)
            inside = (line, col) >= start
            self._char(Pos(self.name, line + 1, col + 1), path if inside else "",
                       describe_character(ch), counted=True)

    def _char(self, pos: Pos, path: str, message: str, counted: bool = False) -> None:
        if counted or len(self.chars) < MAX_CHAR_FINDINGS:
            self.chars.append(Finding(pos, path, message))
        else:
            self.chars_more += 1

    def char_findings(self) -> list[Finding]:
        """The refused characters: each one listed, those outside any scalar too, and a count."""
        while self.refused:  # in comments, or after the last scalar read
            line, col, ch = self.refused.pop(0)
            self.chars.append(Finding(Pos(self.name, line + 1, col + 1), "",
                                      describe_character(ch)))
        out = list(self.chars)
        if self.chars_more:
            out.append(Finding(Pos(self.name, 1, 1), "", (
                f"{self.chars_more:,} more characters that cannot be printed, not listed here "
                "(the file may not be text, or was saved in the wrong format)")))
        self.chars, self.chars_more = [], 0
        return out


def _escaped(value: str) -> list[tuple[str, str]]:
    """Each refused character in a double-quoted value, with where it is, for its message
    (the first MAX_CHAR_FINDINGS with their place; any more as ("", "")) to be counted)."""
    out = []
    for m in _REFUSED_VALUE.finditer(value):
        if len(out) >= MAX_CHAR_FINDINGS:
            out.append(("", ""))
            continue
        before = _REFUSED_VALUE.sub("", value[max(0, m.start() - 24):m.start()])
        before = before.split("\n")[-1].lstrip()
        out.append((m.group(), f', written as a \\ escape after "{before}",' if before
                    else ", written as a \\ escape at the start of the text,"))
    return out


def _tag_as_written(tag: str, lines: list[str], mark) -> str:
    """The tag as the author typed it (`!Important`), else as YAML spells it."""
    if mark.line < len(lines):
        m = re.search(r"!\S*", lines[mark.line][mark.column:])
        if m:
            return _clip(m.group(), 40)
    return "!!" + tag[len(CORE):] if tag.startswith(CORE) else _clip(tag, 40)


def _clip(text: str, limit: int) -> str:
    """One line of text for a message, without a character that would garble the terminal."""
    text = " ".join(_REFUSED_RAW.sub("", text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _trailing_comment(event, lines: list[str]) -> str:
    """The '# ...' after an unquoted scalar on its last line: text YAML silently drops.

    (Messages quote it: a refused character in it is left out, as from any text.)"""
    if event.style:  # quoted or block: "#" is text, or the quote ends it (plain: None or "")
        return ""
    end = event.end_mark
    if end.line >= len(lines):
        return ""
    rest = lines[end.line][end.column:]
    stripped = rest.lstrip()
    if not stripped.startswith("#") or rest == stripped:
        return ""
    return _REFUSED_RAW.sub("", stripped) if _REFUSED_RAW.search(stripped) else stripped


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)

