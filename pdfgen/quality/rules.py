"""Every quality rule: its id (as printed and as used in `waivers:`), severity and hint."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    severity: str  # "error" stops the handout; "warning" is listed (an error under --strict)
    hint: str


RULES = {
    # readability (per handout and language, and per section)
    "reading-level": Rule("warning", "use shorter sentences and everyday words"),
    # plain-language lint (PEMAT-P items a machine can check)
    "section-length": Rule("warning", "split the section, or move detail to another handout"),
    "summary-length": Rule("warning", "keep the summary to the purpose in a few short sentences"),
    "heading-length": Rule("warning", "a heading is a few words that say what follows"),
    "term-undefined": Rule("warning", "say what the term means where it first appears: "
                                      "'X means ...', 'called X', 'X, or ...,'"),
    "number-words": Rule("warning", "write numbers as numerals: 2, not two"),
    "percentage": Rule("warning", "add a natural frequency, e.g. 'about 1 in 100 people'"),
    "all-caps": Rule("warning", "write in sentence case; capitals are hard to read"),
    "second-person": Rule("warning", "speak to the reader: 'you' / 'usted'"),
    # translation freshness
    "translation-stale": Rule("warning", "have the translation checked, then run "
                                         "`pdfgen translations confirm ID`"),
    # review governance
    "review-overdue": Rule("error", "have a clinician review the handout and update "
                                    "`reviewed:` (and `reviewed_by:`)"),
    "review-due": Rule("warning", "plan the clinical review before the due date"),
    "review-future": Rule("error", "`reviewed:` is the date the review happened"),
    "pending-review": Rule("warning", "a clinician reviews the handout and signs it off "
                                      "in `reviewed_by:`"),
    # accessible layouts
    "body-size": Rule("error", "body text is at least 12 pt (18 pt for large print)"),
    "heading-size": Rule("error", "headings are larger than body text"),
    "contrast": Rule("error", "darken the text color or lighten its background"),
    "justified": Rule("error", "use `align: left`; justified text leaves uneven gaps"),
    "line-length": Rule("warning", "change the margins, column gap or type size"),
}


def finding(pos, field: str, message: str, rule: str, hint: str | None = None):
    """A Finding for `rule`, its hint (or a more specific one) and id at the end of the line."""
    from ..errors import Finding

    spec = RULES[rule]
    return Finding(pos, field, f"{message} [{rule}: {hint or spec.hint}]", spec.severity, rule)
