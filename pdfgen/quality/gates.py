"""Running the quality gates on a handout: readability, plain-language lint, translation
freshness and review dates. Each check returns Findings with file:line and a rule id.

Errors stop a handout's build; warnings are listed (errors under --strict); a warning the
handout waives (`waivers: {rule: reason}`) is shown as waived and counts as neither.

The checks themselves are imported where they run: `pdfgen render` imports this module for
`clinic_of` and, when the gate's result is cached (pdfgen/gate.py), needs none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Pos, Severity
from ..languages import profile
from ..markup import clip
from ..rules import finding

if TYPE_CHECKING:
    from . import freshness
    from .readability import HandoutScore

SMOG_MIN_SENTENCES = 30  # SMOG is defined on a 30-sentence sample
# A part (the summary, a section, the risks...) with fewer words is not judged on its own:
# one syllable moves Flesch-Kincaid by 11.8/words grades (0.4 at 30 words, 1.2 at 10) and
# Fernández-Huerta by 60/words points. It still counts in the whole text (docs/quality.md).
MIN_WORDS = 30


@dataclass(frozen=True)
class QualityResult:
    findings: list  # waivers applied (a waived warning has severity WAIVED)
    under_review: tuple[str, ...]  # languages whose translation is not confirmed


def run_gates(proc, clinic, handout: Path, today: dt.date | None = None,
              translations: bytes | freshness.NoFile | None = None) -> QualityResult:
    """Every content quality finding for one loaded handout, and which translations are
    under review (from the same reading of its confirmations file).

    `translations`: that file's bytes as already read (freshness.NO_FILE: there is none);
    None reads it now."""
    from . import freshness, lint, review, translation

    today = today or review.today()
    conf, problems = freshness.read(Path(handout), proc.path, translations)
    found = list(problems) + missing_language_findings(proc, clinic)
    clinic = clinic_of(proc, clinic)  # every check below reads the handout's languages only
    found += review.check(proc, clinic, today)
    found += readability_findings(proc, clinic)
    found += lint.check(proc, clinic)
    found += translation.check(proc, clinic)
    found += freshness.check(proc, clinic, conf)
    return QualityResult(apply_waivers(found, dict(proc.waivers)),
                         freshness.under_review(proc, clinic, conf))


def clinic_of(proc, clinic):
    """The clinic as one handout sees it: only the languages the handout is written in (a
    language it lacks is reported once, by missing_language_findings, not by every check)."""
    if not proc.missing:
        return clinic
    return replace(clinic, languages=tuple(lang for lang in clinic.languages
                                           if proc.has(lang.code)))


def missing_language_findings(proc, clinic) -> list:
    """One warning per clinic language the handout is not fully written in, at the
    handout's file: which language, which texts lack it, and that its PDFs are not made."""
    out = []
    total = sum(1 for _ in proc.texts()) + (proc.reviewer_role is not None)
    for code, fields in proc.missing:
        p = profile(code)
        name = p.english_name if p else code
        if len(fields) >= total:
            what = f"has no {name} text ({code})"
        else:
            shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5
                                             else "")
            what = (f"is missing {name} text ({code}) in {len(fields)} of {total} texts: "
                    f"{shown}")
        outputs = [o.name for o in clinic.output_matrix() if code in o.langs]
        made = (f"its output{'s' if len(outputs) > 1 else ''} {', '.join(outputs)} "
                f"{'are' if len(outputs) > 1 else 'is'} not made" if outputs
                else f"no PDF in {name} is made")
        out.append(finding(Pos(proc.path), code, f"handout '{proc.id}' {what}; {made}",
                           "language-missing"))
    return out


def check_handout(proc, clinic, handout: Path, today: dt.date | None = None) -> list:
    """Every content quality finding for one loaded handout, waivers applied."""
    return run_gates(proc, clinic, handout, today).findings


def apply_waivers(found: list, waivers: dict[str, str]) -> list:
    out = []
    for f in found:
        if f.severity is Severity.WARNING and f.rule in waivers:
            f = replace(f, severity=Severity.WAIVED,
                        message=f"{f.message} (waived: {waivers[f.rule]})")
        out.append(f)
    return out


def scores(proc, clinic) -> list[HandoutScore]:
    from .readability import score_handout

    return [s for lang in clinic.lang_codes
            if proc.has(lang) and (s := score_handout(proc, lang)) is not None]


def _fails(metric, value: float, clinic) -> tuple[bool, float]:
    bound = clinic.quality.limit(metric.key, metric.limit)
    return not metric.passes(value, bound), bound


def readability_findings(proc, clinic) -> list:
    """One reading-level finding per language for the whole text, and one per part, each
    naming every formula over its limit. A part under MIN_WORDS is not judged on its own
    (one word more or less swings its score); it still counts in the whole text."""
    out = []
    for hs in scores(proc, clinic):
        worst = next((p for p in hs.parts if p.scores), None)
        if worst is not None and hs.total.words >= MIN_WORDS:
            over = _over(hs.scores, hs.lang, clinic,
                         smog=hs.total.sentences >= SMOG_MIN_SENTENCES)
            if over:
                out.append(finding(
                    worst.unit.pos, hs.lang,
                    f"{over} for the whole {hs.lang} text; hardest part: {worst.unit.field} "
                    f"\"{worst.unit.title}\", hardest sentence: \"{worst.worst_sentence}\"",
                    "reading-level"))
        for part in hs.parts:  # every formula but SMOG, too noisy on a few sentences
            if part.counts.words < MIN_WORDS:
                continue
            over = _over(part.scores, hs.lang, clinic, smog=False)
            if over:
                out.append(finding(
                    part.unit.pos, f"{part.unit.field}.{hs.lang}",
                    f"{over}; hardest sentence: \"{part.worst_sentence}\"", "reading-level"))
    return out


def _over(values: dict[str, float], lang: str, clinic, smog: bool) -> str:
    """'Fernández-Huerta 52.3 (limit at least 60), Szigriszt-Pazos (INFLESZ) 48.0 (...)':
    every formula of the language over its limit, or '' when none is."""
    from .readability import metrics

    over = []
    for metric in metrics(lang):
        value = values.get(metric.key)
        if value is None or (metric.key == "smog" and not smog):
            continue
        bad, bound = _fails(metric, value, clinic)
        if bad:
            over.append(f"{metric.name} {value:.1f} ({_limit_words(metric, bound)})")
    return ", ".join(over)


def _limit_words(metric, bound: float) -> str:
    return f"limit {'at least' if metric.higher_is_easier else 'at most'} {bound:g}"


def not_judged_reason(lang: str) -> str:
    """Why the reading level of text in `lang` is not judged."""
    p = profile(lang)
    return p.not_judged_reason() if p else (f"pdfgen has no profile for language '{lang}' "
                                            f"(pdfgen/languages.yaml)")


def readability_report(proc, clinic) -> list[dict]:
    """Per language: the whole text and each part, worst first (for --readability). A
    language no formula judges gets a row saying so ("judged": false and the reason)."""
    from .readability import metrics

    out = []
    by_lang = {hs.lang: hs for hs in scores(proc, clinic)}
    for lang in clinic.lang_codes:
        if lang in by_lang or not proc.has(lang):
            continue
        out.append({"handout": proc.id, "lang": lang, "metrics": {}, "judged": False,
                    "reason": not_judged_reason(lang)})
    for hs in scores(proc, clinic):
        limits = {m.key: {"limit": clinic.quality.limit(m.key, m.limit), "aim": m.aim,
                          "name": m.name, "short": m.short,
                          "higher_is_easier": m.higher_is_easier}
                  for m in metrics(hs.lang)}
        out.append({
            "handout": proc.id, "lang": hs.lang, "metrics": limits, "judged": True,
            "total": {"words": hs.total.words, "sentences": hs.total.sentences,
                      "judged": hs.total.words >= MIN_WORDS,
                      **{k: round(v, 1) for k, v in hs.scores.items()}},
            "parts": [{"field": p.unit.field, "title": p.unit.title, "line": p.unit.pos.line,
                       "words": p.counts.words, "sentences": p.counts.sentences,
                       "judged": p.counts.words >= MIN_WORDS,
                       **{k: round(v, 1) for k, v in p.scores.items() if k != "smog"},
                       "hardest_sentence": p.worst_sentence} for p in hs.parts],
        })
    out.sort(key=lambda rep: clinic.lang_codes.index(rep["lang"]))  # the clinic's order
    return out


CELL = 21  # a score column: the value, then its mark


def format_report(rows: list[dict]) -> list[str]:
    """The --readability table, one block per handout and language, worst part first."""
    lines = []
    for rep in rows:
        if not rep.get("judged", True):
            lines.append(f"{rep['handout']} ({rep['lang']}): not judged: {rep['reason']}")
            lines.append("")
            continue
        keys = list(rep["metrics"])
        heads = "".join(f"{rep['metrics'][k]['short']:>9}{'':<{CELL - 9}}" for k in keys)
        lines.append(f"{rep['handout']} ({rep['lang']})")
        lines.append(f"  {'part':<40} {'words':>5} {'sent.':>5} {heads}".rstrip())
        lines.append(_row("whole text", rep["total"], keys, rep["metrics"]))
        for part in rep["parts"]:
            lines.append(_row(f"{part['field']} {part['title']}", part, keys, rep["metrics"]))
            if part["hardest_sentence"]:
                lines.append(f"      hardest: \"{clip(part['hardest_sentence'], 90)}\"")
        limits = "; ".join(f"{m['name']} {_bounds(m)}" for m in rep["metrics"].values())
        lines.append(f"  Limits: {limits}.")
        if "smog" in keys:
            lines.append(f"  SMOG is judged on the whole text only, and only from "
                         f"{SMOG_MIN_SENTENCES} sentences.")
        lines.append(f"  A part under {MIN_WORDS} words is not judged on its own (it counts in "
                     f"the whole text).")
        lines.append("")
    return lines


def _bounds(m: dict) -> str:
    op = ">=" if m["higher_is_easier"] else "<="
    return f"{op} {m['limit']:g} (aim {op} {m['aim']:g})"


def _row(label: str, data: dict, keys: list[str], metrics: dict) -> str:
    cells = []
    for k in keys:
        v = data.get(k)
        if v is None:
            cells.append(f"{'-':>9}{'':<{CELL - 9}}")
            continue
        m = metrics[k]
        ok = v >= m["limit"] if m["higher_is_easier"] else v <= m["limit"]
        aim = v >= m["aim"] if m["higher_is_easier"] else v <= m["aim"]
        if not data.get("judged", True) or (k == "smog"
                                             and data["sentences"] < SMOG_MIN_SENTENCES):
            mark = "not judged"  # under MIN_WORDS words, or SMOG under 30 sentences
        elif not ok:
            mark = "UNDER LIMIT" if m["higher_is_easier"] else "OVER LIMIT"
        elif not aim:
            mark = "below aim" if m["higher_is_easier"] else "above aim"
        else:
            mark = ""
        cells.append(f"{v:>9.1f} {mark:<{CELL - 10}}")
    row = f"  {clip(label, 40):<40} {data['words']:>5} {data['sentences']:>5} " + "".join(cells)
    return row.rstrip()
