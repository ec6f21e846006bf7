"""Stage 1, read: safe YAML into position-carrying nodes; duplicate keys are errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .errors import Finding, Pos

MAX_BYTES = 1024 * 1024  # a handout is a few KiB; anything this big is a mistake or an attack

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
ALIAS = "pdfgen:alias"  # placeholder for a refused alias; already reported, never reported again


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses aliases where they are written (a billion-laughs guard too)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            self.alias_marks.append(event.start_mark)
            return yaml.ScalarNode(ALIAS, "", event.start_mark, event.end_mark)
        return super().compose_node(parent, index)


@dataclass
class Node:
    """One YAML value and where it was written.

    kind is "map", "seq" or "scalar". For a map, `items` maps each key's text to
    (key node, value node) in file order; for a sequence, `seq` lists the items;
    for a scalar, `text` is exactly what the author wrote (so `es: No` stays the
    Spanish word, not the boolean false) and `tag` is YAML's reading of it.
    """

    kind: str
    pos: Pos
    tag: str = STR
    text: str = ""
    items: dict[str, tuple[Node, Node]] = field(default_factory=dict)
    seq: list[Node] = field(default_factory=list)
    comment: str = ""  # an unquoted scalar's same-line "# ..." (YAML drops it from the text)

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
        except (ValueError, TypeError, yaml.YAMLError) as exc:  # e.g. 2026-02-30
            raise ValueError(str(exc)) from None

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
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            msg = f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit; refusing to parse it"
            return None, [Finding(Pos(name, 1, 1), "", msg)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Finding(Pos(name), "", f"cannot read file: {exc.strerror or exc}")]
    return parse_yaml(raw, name)


def parse_yaml(raw: bytes, name: str) -> tuple[Node | None, list[Finding]]:
    """Parse YAML bytes (must be UTF-8) into a Node tree, collecting every problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        msg = f"file is not UTF-8 text (byte 0x{byte}); save it as UTF-8"
        return None, [Finding(Pos(name, line, col), "", msg)]
    lines = text.splitlines()
    fast = _compose_fast(text)
    if fast is not None:  # the common case: valid YAML without aliases, composed by libyaml
        found: list[Finding] = []
        return _convert(fast, name, found, "", lines), found
    loader = _Loader(text)
    loader.alias_marks = []
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}, {problem}"
        return None, [Finding(Pos(name, line, col), "", f"YAML syntax error: {problem}")]
    except yaml.YAMLError as exc:
        return None, [Finding(Pos(name, 1, 1), "", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    if root is None:
        return None, [Finding(Pos(name, 1, 1), "", "file is empty")]
    findings = [Finding(Pos(name, m.line + 1, m.column + 1), "",
                        "YAML anchors and aliases (& and *) are not supported")
                for m in loader.alias_marks]
    return _convert(root, name, findings, "", lines), findings


def _compose_fast(text: str) -> yaml.Node | None:
    """Compose with libyaml when available; None when the careful Python path must decide.

    The Python composer is the reference: it reports syntax errors with PyYAML's
    messages and aliases where they are written. libyaml is several times faster,
    so it takes every file that is valid and alias-free, which is nearly all of them.
    """
    loader_cls = getattr(yaml, "CSafeLoader", None)
    if loader_cls is None:
        return None
    loader = loader_cls(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if root is None or _has_alias(root):
        return None
    return root


def _has_alias(root: yaml.Node) -> bool:
    """An alias composes to a node already seen elsewhere in the tree."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return False


def _pos(node: yaml.Node, name: str) -> Pos:
    return Pos(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _trailing_comment(node: yaml.ScalarNode, lines: list[str]) -> str:
    """The '# ...' after an unquoted scalar on its last line: text YAML silently drops."""
    if node.style:  # quoted or block: a "#" there is text, or the quote ends it (plain: None or "")
        return ""
    end = node.end_mark
    if end.line >= len(lines):
        return ""
    rest = lines[end.line][end.column:]
    stripped = rest.lstrip()
    return stripped if stripped.startswith("#") and rest != stripped else ""


def _convert(node: yaml.Node, name: str, findings: list[Finding], path: str,
             lines: list[str]) -> Node:
    pos = _pos(node, name)
    if isinstance(node, yaml.ScalarNode):
        return Node("scalar", pos, tag=node.tag, text=node.value,
                    comment=_trailing_comment(node, lines))
    if isinstance(node, yaml.SequenceNode):
        return Node("seq", pos, seq=[_convert(n, name, findings, f"{path}[{i}]", lines)
                                     for i, n in enumerate(node.value, 1)])
    out = Node("map", pos)
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            findings.append(Finding(_pos(key_node, name), "", "a key must be plain text"))
            continue
        key = key_node.value
        key_pos = _pos(key_node, name)
        if key in out.items:
            first = out.items[key][0].pos.line
            msg = (f"duplicate key '{key}' (first given on line {first}); "
                   "YAML would silently keep only the last one")
            findings.append(Finding(key_pos, f"{path}.{key}" if path else key, msg))
            continue
        out.items[key] = (Node("scalar", key_pos, text=key),
                          _convert(value_node, name, findings,
                                   f"{path}.{key}" if path else key, lines))
    return out


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
