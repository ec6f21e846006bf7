"""Every quality rule: its id (as printed and as used in `waivers:`), severity and hint.

Ground floor: the loader reads `waivers:` and `quality.readability:` against these names,
and the quality gates report by them, so neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Finding, Severity

# The readability formulas a clinic may set limits for (clinic.yaml `quality.readability`);
# pdfgen/quality/readability.py implements them (a test keeps the two lists equal).
READABILITY_KEYS = ("fk_grade", "smog", "fernandez_huerta", "inflesz")


@dataclass(frozen=True)
class Rule:
    severity: Severity  # an error stops the handout; a warning is listed (--strict: an error)
    hint: str


RULES = {
    # readability (per handout and language, and per section)
    "reading-level": Rule(Severity.WARNING, "use shorter sentences and everyday words"),
    # plain-language lint (PEMAT-P items a machine can check)
    "section-length": Rule(Severity.WARNING,
                           "split the section, or move detail to another handout"),
    "summary-length": Rule(Severity.WARNING,
                           "keep the summary to the purpose in a few short sentences"),
    "heading-length": Rule(Severity.WARNING, "a heading is a few words that say what follows"),
    "term-undefined": Rule(Severity.WARNING, "say what the term means where it first appears: "
                                      "'X means ...', 'called X', 'X, or ...,', "
                                      "'plain words (X)'"),
    "number-words": Rule(Severity.WARNING, "write numbers as numerals: 2, not two"),
    "percentage": Rule(Severity.WARNING, "add a natural frequency, e.g. 'about 1 in 100 people'"),
    "pasted-bullet": Rule(Severity.WARNING, "delete the mark: pdfgen draws the list's bullets "
                                            "and check boxes"),
    "all-caps": Rule(Severity.WARNING, "write in sentence case; capitals are hard to read"),
    "second-person": Rule(Severity.WARNING, "speak to the reader: 'you' / 'usted', or an "
                                            "instruction: 'Call us' / 'Llame'"),
    "vague-instruction": Rule(Severity.WARNING,
                              "say what to do: the action, how much and how often ('1 tablet "
                              "every 6 hours'), or whom to call and when (PEMAT-P items 20-22)"),
    # translation sanity (pdfgen/quality/translation.py): does a translation look like one?
    "translation-identical": Rule(Severity.WARNING, "translate the text; a name, number, "
                                                    "phone or address may stay as it is"),
    "mixed-language": Rule(Severity.WARNING, "translate the words left in the other language, "
                                             "or put a name in capitals or in quotes"),
    "translation-structure": Rule(Severity.WARNING,
                                  "give both texts the same lines and bold words, or check "
                                  "that nothing was left out or added"),
    "translation-numbers": Rule(Severity.WARNING,
                                "give both texts the same numbers (a unit converted, say "
                                "pounds to kilograms, is fine: write the unit after it)"),
    "translation-length": Rule(Severity.WARNING,
                               "check that nothing was left out or added to the translation"),
    # translation freshness
    "translation-stale": Rule(Severity.WARNING, "have the translation checked, then run "
                                         "`pdfgen translations confirm ID`"),
    # a clinic language the handout is not (fully) written in: its PDFs in it are not made
    "language-missing": Rule(Severity.WARNING, "translate the missing texts, or leave the "
                                               "language out of this handout on purpose; "
                                               "`required: true` in clinic.yaml makes it an "
                                               "error"),
    # review governance
    "review-overdue": Rule(Severity.ERROR, "have a clinician review the handout and update "
                                           "`reviewed:` (date, by, role)"),
    "review-due": Rule(Severity.WARNING, "plan the clinical review before the due date"),
    "review-future": Rule(Severity.ERROR, "`reviewed:` is the date the review happened"),
    "pending-review": Rule(Severity.WARNING, "a clinician reviews the handout and signs it off "
                                             "under `reviewed:` (date, by, role)"),
    # honest dates (issue 14): last edited (`updated:`) apart from clinically reviewed
    "first-review-overdue": Rule(Severity.ERROR, "have a clinician review the handout and sign "
                                                 "it off under `reviewed:` (date, by, role)"),
    "edited-after-review": Rule(Severity.WARNING, "have the reviewer check the change, then "
                                                  "set `reviewed.date` to the day they did"),
    "old-review-fields": Rule(Severity.WARNING, "see 'Updated and reviewed' in docs/content.md"),
    # accessible layouts
    "body-size": Rule(Severity.ERROR, "body text is at least 12 pt (18 pt for large print)"),
    "heading-size": Rule(Severity.ERROR, "headings are larger than body text"),
    "large-print-text": Rule(Severity.ERROR, "every text of a large-print layout is at least "
                                             "16 pt: raise sizes.footer"),
    "contrast": Rule(Severity.ERROR, "darken the text color or lighten its background"),
    "panel-grey": Rule(Severity.ERROR, "darken the panel's fill to a 12% grey or more, or its "
                                       "bar to 3:1 against the page"),
    "panels-alike": Rule(Severity.ERROR, "darken one panel's fill: the risks and contact panels "
                                         "must differ in greyscale"),
    "justified": Rule(Severity.ERROR, "use `align: left`; justified text leaves uneven gaps"),
    "line-length": Rule(Severity.WARNING, "change the margins, column gap or type size"),
    # render-readiness (pdfgen/render/readiness.py): what the renderer needs
    "missing-glyph": Rule(Severity.ERROR, "every character must be in the font it is set in"),
    "font-missing": Rule(Severity.ERROR, "a language's fonts must be installed: `pdfgen fonts "
                                         "install LANG` (docs/languages.md#fonts)"),
    "page-geometry": Rule(Severity.ERROR, "the margins, footer and type sizes must leave room "
                                          "for the text"),
    "too-long": Rule(Severity.ERROR, "a handout is a few pages: split it"),
}


# the overdue rules `render` and `email --allow-overdue` let through, stamped "Review overdue"
OVERDUE_RULES = ("review-overdue", "first-review-overdue")


def finding(pos, field: str, message: str, rule: str, hint: str | None = None) -> Finding:
    """A Finding for `rule`, its hint (or a more specific one) and id at the end of the line."""
    spec = RULES[rule]
    return Finding(pos, field, f"{message} [{rule}: {hint or spec.hint}]", spec.severity, rule)
