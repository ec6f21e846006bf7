"""Translation freshness: which translations were confirmed against today's source text.

`pdfgen translations confirm ID` writes `<id>.translations.yaml` beside the handout: one
line per text, with a short fingerprint of the source-language text and of the
translation as they were when a translator confirmed them. A translation whose pair no
longer matches is reported as possibly out of date, and its PDFs say so in the footer.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .. import markup
from ..errors import Finding, Pos
from ..fsutil import write_atomic
from ..rules import finding
from .confirmations import NO_FILE, SUFFIX, NoFile, confirmations_path  # noqa: F401

FINGERPRINT = 10  # hex digits: enough to tell edits apart, short enough to read in a diff


def fingerprint(text: str) -> str:
    """Of the text as a reader sees it: re-wrapping a YAML paragraph changes nothing."""
    norm = " ".join(markup.clean(text).split())
    return hashlib.sha256(norm.encode()).hexdigest()[:FINGERPRINT]


@dataclass(frozen=True)
class Confirmations:
    """lang -> field -> (source fingerprint, translation fingerprint); exists: file found."""

    by_lang: dict[str, dict[str, tuple[str, str]]]
    exists: bool
    path: str


def read(handout: Path, shown: str | None = None, raw: bytes | NoFile | None = None
         ) -> tuple[Confirmations, list[Finding]]:
    """The confirmations file beside `handout`, read now; or, given `raw`, those bytes as its
    content (NO_FILE: there is none), the file not looked at (a build job, docs/build.md)."""
    from ..load import read_or_parse

    path = confirmations_path(handout)
    name = str(Path(shown).with_name(path.name)) if shown else str(path)
    if raw is NO_FILE or (raw is None and not os.path.lexists(path)):
        return Confirmations({}, False, name), []  # (there but not a file: read_yaml says so)
    root, findings = read_or_parse(path, name, raw)
    by_lang: dict[str, dict[str, tuple[str, str]]] = {}
    if root is None:
        return Confirmations({}, True, name), _repairable(findings)
    if root.kind != "map":
        return Confirmations({}, True, name), [Finding(root.pos, "", "expected a mapping of "
                                                       "language code to confirmed texts")]
    for lang, (_, fields) in root.items.items():
        entries = by_lang.setdefault(lang, {})
        if fields.kind != "map":
            findings.append(Finding(fields.pos, lang, "expected one line per text: "
                                                      "'field: SOURCE TRANSLATION'"))
            continue
        for field, (_, value) in fields.items.items():
            parts = value.text.split() if value.kind == "scalar" else []
            if len(parts) != 2:
                findings.append(Finding(value.pos, f"{lang}.{field}",
                                        "expected two fingerprints: 'SOURCE TRANSLATION'"))
                continue
            entries[field] = (parts[0], parts[1])
    if findings:  # an unreadable file confirms nothing: every translation is under review
        return Confirmations({}, True, name), _repairable(findings)
    return Confirmations(by_lang, True, name), findings


def _repairable(findings: list[Finding]) -> list[Finding]:
    from dataclasses import replace

    hint = (" (this file is written by `pdfgen translations confirm`: after checking the "
            "translations, run it again to rewrite the file)")
    return [replace(f, message=f.message + hint) for f in findings]


@dataclass(frozen=True)
class Stale:
    field: str
    lang: str
    why: str  # "source-changed", "translation-changed" or "unconfirmed"
    pos: Pos
    source: str
    translation: str


def stale(proc, clinic, conf: Confirmations) -> list[Stale]:
    """Every translated text whose (source, translation) pair was not confirmed."""
    out = []
    src = clinic.primary
    texts = list(proc.texts())
    fields = [field for field, _ in texts]
    for lang in clinic.lang_codes:
        if lang == src or not proc.has(lang):  # not written in it: language-missing says so
            continue
        now = [(fingerprint(text[src]), fingerprint(text[lang])) for _, text in texts]
        for j, why in sorted(_unconfirmed(conf.by_lang.get(lang, {}), fields, now).items()):
            field, text = texts[j]
            out.append(Stale(field, lang, why, text.pos_of(lang), text[src], text[lang]))
    return out


def _unconfirmed(entries: dict[str, tuple[str, str]], fields: list[str],
                 now: list[tuple[str, str]]) -> dict[int, str]:
    """Index of each current text whose pair was not confirmed -> why.

    A pair confirmed anywhere counts (an item moved down by one inserted above it). The
    rest are lined up with the confirmed texts in order (difflib), so a text that takes a
    confirmed one's place is told apart from a text added between two confirmed ones: the
    first is an edit of what it replaced ("source-changed" when its translation is the
    one confirmed, "translation-changed" when its source is, else "both-changed"); the
    second was never confirmed ("unconfirmed"), whatever was confirmed under its field
    name before the texts after it moved down."""
    confirmed = set(entries.values())
    old = list(entries.values())
    still = set(now)
    out: dict[int, str] = {}
    import difflib  # here: `pdfgen render` with a cached gate reads this module only

    matcher = difflib.SequenceMatcher(None, old, now, autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        todo = [j for j in range(j1, j2)
                if now[j] != entries.get(fields[j]) and now[j] not in confirmed]
        left = [pair for pair in old[i1:i2] if pair not in still]  # replaced, not moved
        for j in list(todo):  # one side as confirmed: an edit of the other side
            for k, pair in enumerate(left):
                if pair[1] == now[j][1] or pair[0] == now[j][0]:
                    out[j] = "source-changed" if pair[1] == now[j][1] else "translation-changed"
                    del left[k]
                    todo.remove(j)
                    break
        for j in todo:  # in order: what took a replaced text's place, then what is new
            out[j] = "both-changed" if left else "unconfirmed"
            left = left[1:]
    return out


def under_review(proc, clinic, conf: Confirmations) -> tuple[str, ...]:
    """Languages whose PDFs carry the 'translation under review' note."""
    return tuple(sorted({s.lang for s in stale(proc, clinic, conf)},
                        key=clinic.lang_codes.index))


def _short(text: str, limit: int = 90) -> str:
    return markup.clip(" ".join(markup.plain(text).split()), limit)


def check(proc, clinic, conf: Confirmations) -> list[Finding]:
    from ..load import _lang_label

    found = stale(proc, clinic, conf)
    src_name = _lang_label(clinic.languages, clinic.primary)
    out = []

    def hint(lang: str) -> str:
        return (f"have the translation checked, then run "
                f"`pdfgen translations confirm {proc.id} --lang {lang}`")

    if not conf.exists or not conf.by_lang:
        for lang in sorted({s.lang for s in found}, key=clinic.lang_codes.index):
            name = _lang_label(clinic.languages, lang)
            what = (f"no {Path(conf.path).name}" if not conf.exists
                    else f"{Path(conf.path).name} confirms nothing")
            out.append(finding(Pos(conf.path), lang, f"the {name} translation has never been "
                                                     f"confirmed ({what})",
                               "translation-stale", hint(lang)))
        return out
    for s in found:
        name = _lang_label(clinic.languages, s.lang)
        why = {"source-changed": f"may be out of date: the {src_name} text changed since the "
                                 f"{name} was confirmed",
               "translation-changed": f"may be out of date: the {name} text changed since it "
                                      f"was confirmed",
               "both-changed": "may be out of date: both texts changed since they were "
                               "confirmed",
               "unconfirmed": (f"never confirmed: a text added since the {name} was last "
                               "confirmed" if conf.by_lang.get(s.lang) else
                               "never confirmed")}[s.why]
        out.append(finding(s.pos, f"{s.field}.{s.lang}",
                           f"{name} {why}. {src_name}: "
                           f"\"{_short(s.source)}\" {name}: \"{_short(s.translation)}\"",
                           "translation-stale", hint(s.lang)))
    return out


def confirm(proc, clinic, handout: Path, langs: tuple[str, ...] | None = None
            ) -> dict[str, list[str]]:
    """Record every current translation of `langs` (default: all but the source) as confirmed.

    Returns lang -> the fields that were not confirmed before. Other translations' lines are
    kept (those of languages the clinic no longer has, or of its source language, are
    dropped). An unreadable file is replaced: it confirmed nothing.
    """
    conf, _ = read(handout)
    src = clinic.primary
    translations = tuple(code for code in clinic.lang_codes if code != src)
    chosen = langs or tuple(code for code in translations if proc.has(code))
    before = {s.field for s in stale(proc, clinic, conf)}
    changed = {}
    by_lang = {lang: dict(fields) for lang, fields in conf.by_lang.items()
               if lang in translations}
    for lang in chosen:
        by_lang[lang] = {field: (fingerprint(text[src]), fingerprint(text[lang]))
                         for field, text in proc.texts()}
        changed[lang] = [s.field for s in stale(proc, clinic, conf) if s.lang == lang
                         and s.field in before]
    if not conf.by_lang and conf.exists:
        changed = {lang: [field for field, _ in proc.texts()] for lang in chosen}
    write_atomic(confirmations_path(handout), _render(proc.id, src, by_lang, clinic))
    return changed


def _render(pid: str, src: str, by_lang: dict, clinic) -> bytes:
    lines = [f"# Translations of {pid} confirmed against the '{src}' text, written by",
             f"# `pdfgen translations confirm {pid}`. Each line: field: fingerprint of the",
             "# source text, then of the translation, when a translator confirmed them.",
             "# Edit the handout, not this file; see docs/quality.md."]
    order = list(clinic.lang_codes)
    for lang in sorted(by_lang, key=lambda c: (order.index(c) if c in order else 99, c)):
        lines.append(f"{lang}:")
        for field, (s, t) in by_lang[lang].items():
            lines.append(f"  {field}: {s} {t}")
    return ("\n".join(lines) + "\n").encode()
