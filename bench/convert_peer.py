"""Turn the peers' handout.yaml into a pdfgen library folder with the same words.

usage: python bench/convert_peer.py [PEER_HANDOUT.yaml] [OUT_DIR]

Defaults: /work/shared/bench/peers/handout.yaml (or $PEERS_DIR/handout.yaml)
and bench/peer_handout/. Writes OUT_DIR/clinic.yaml (a copy of the sample
clinic profile, handouts/clinic.yaml) and OUT_DIR/peer-hemilaminectomy.yaml.

The peers' file has one block per language; pdfgen has one text per field
with every language side by side. The mapping:

- each section with a heading           -> sections (paragraphs, bullets, "after"
                                           paragraphs, in that order: the peers'
                                           print order)
- the Risks section                     -> risks: intro = its paragraph,
                                           items = its bullets
- the Risks section's "after" paragraph -> call_when (it is the peers' "call us
                                           right away if ..." text)
- the checklist section                 -> prompts
- the note ("general information ...")  -> summary
- title                                 -> title; the subtitle "Patient information"
                                           is pdfgen's own title-block label
- contact line                          -> not copied: pdfgen prints the clinic's
                                           phone and fax from clinic.yaml

pdfgen also requires benefits and alternatives (options + doing_nothing),
which the peers' handout does not have. They are filled with the fewest words
possible, each copied from the peers' text (so they are repeated words, not
new ones); EXTRA below says where each comes from. The script prints the word
counts of both files so the difference is on record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS_DIR = Path(os.environ.get("PEERS_DIR", "/work/shared/bench/peers"))
DEFAULT_IN = PEERS_DIR / "handout.yaml"
DEFAULT_OUT = HERE / "peer_handout"
HANDOUT_ID = "peer-hemilaminectomy"
LANG_CODES = {"en": "en", "es-MX": "es"}  # peer language -> clinic language code

# Where the texts pdfgen needs but the peers lack are copied from.
EXTRA = {
    "benefits": "first sentence of the 'Why it is done' paragraph",
    "alternatives.options":
        "the words 'other treatments' from the 'Why it is done' closing paragraph",
    "alternatives.doing_nothing":
        "the last checklist question ('What happens if I decide not to have surgery?')",
}


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text.strip(), re.S)
    if not m:
        raise SystemExit(f"no sentence in {text!r}")
    return m.group(1)


def other_treatments(text: str) -> str:
    m = re.search(r"\b(other treatments|otros tratamientos)\b", text)
    if not m:
        raise SystemExit(f"'other treatments' not found in {text!r}")
    words = m.group(1)
    return words[0].upper() + words[1:]


def per_lang(fn):
    """{code: fn(lang_block, code)} over the peer languages."""
    return lambda data: {LANG_CODES[lang["lang"]]: fn(lang) for lang in data["languages"]}


def convert(data: dict) -> dict:
    langs = data["languages"]
    codes = [LANG_CODES[lang["lang"]] for lang in langs]
    n_sections = {len(lang["sections"]) for lang in langs}
    if len(n_sections) != 1:
        raise SystemExit("the languages have different numbers of sections")

    def texts(get) -> dict:
        return {LANG_CODES[lang["lang"]]: get(lang) for lang in langs}

    def items(get) -> list[dict]:
        per = [get(lang) for lang in langs]
        if len({len(p) for p in per}) != 1:
            raise SystemExit("a list has different lengths per language")
        return [dict(zip(codes, group, strict=True)) for group in zip(*per, strict=True)]

    en = langs[0]
    assert en["lang"] == "en", "the first peer language must be English"
    risks_i = next(i for i, s in enumerate(en["sections"])
                   if s["heading"].strip().lower() == "risks")
    check_i = next(i for i, s in enumerate(en["sections"]) if s.get("checklist"))
    why_i = next(i for i, s in enumerate(en["sections"]) if s["heading"].lower().startswith("why"))

    sections = []
    for i in range(len(en["sections"])):
        if i in (risks_i, check_i):
            continue
        sec = lambda lang, i=i: lang["sections"][i]  # noqa: E731
        body: list = []
        for j in range(len(en["sections"][i].get("paragraphs", []))):
            body.append(texts(lambda lang, sec=sec, j=j: sec(lang)["paragraphs"][j]))
        if en["sections"][i].get("bullets"):
            body.append({"bullets": items(lambda lang, sec=sec: sec(lang)["bullets"])})
        for j in range(len(en["sections"][i].get("after", []))):
            body.append(texts(lambda lang, sec=sec, j=j: sec(lang)["after"][j]))
        sections.append({"heading": texts(lambda lang, sec=sec: sec(lang)["heading"]),
                         "body": body})

    risk = lambda lang: lang["sections"][risks_i]  # noqa: E731
    if len(en["sections"][risks_i].get("paragraphs", [])) != 1:
        raise SystemExit("expected one intro paragraph in the Risks section")
    why = lambda lang: lang["sections"][why_i]  # noqa: E731
    check = lambda lang: lang["sections"][check_i]["checklist"]  # noqa: E731

    return {
        "id": HANDOUT_ID,
        "version": "1.0",
        "specialty": "spine",
        "updated": "2026-11-01",  # written unquoted below: a date; no `reviewed:` (pending)
        "title": texts(lambda lang: lang["title"]),
        "summary": texts(lambda lang: lang["note"]),
        "sections": sections,
        "benefits": [texts(lambda lang: first_sentence(why(lang)["paragraphs"][0]))],
        "risks": {
            "intro": texts(lambda lang: risk(lang)["paragraphs"][0]),
            "items": items(lambda lang: risk(lang)["bullets"]),
        },
        "alternatives": {
            "options": [texts(lambda lang: other_treatments(" ".join(why(lang)["after"])))],
            "doing_nothing": texts(lambda lang: check(lang)[-1]),
        },
        "prompts": items(check),
        "call_when": items(lambda lang: risk(lang)["after"]),
    }


# --- a small emitter: every text as a double-quoted YAML string (JSON string syntax is
# valid YAML), so no text can be misread as another type, a comment or markup.
def q(s: str) -> str:
    return json.dumps(" ".join(s.split()), ensure_ascii=False)


def emit_text(t: dict, indent: int, first_prefix: str = "") -> list[str]:
    pad = " " * indent
    lines = []
    for k, (code, value) in enumerate(t.items()):
        lead = first_prefix if k == 0 else " " * len(first_prefix)
        lines.append(f"{pad}{lead}{code}: {q(value)}")
    return lines


def emit(doc: dict, source: str) -> str:
    out = [
        f"# GENERATED by bench/convert_peer.py from {source}: do not edit, re-run the script.",
        "# The peers' benchmark handout (same words) as a pdfgen handout. Benchmark content only,",
        "# not reviewed clinical content.",
        "# Texts pdfgen requires that the peers' handout lacks, copied from the peers' own words:",
        *[f"#   {k}: {v}" for k, v in EXTRA.items()],
        f"id: {doc['id']}",
        f"version: {q(doc['version'])}",
        f"specialty: {doc['specialty']}",
        f"updated: {doc['updated']}",
        "",
        "title:", *emit_text(doc["title"], 2),
        "",
        "summary:", *emit_text(doc["summary"], 2),
        "",
        "sections:",
    ]
    for sec in doc["sections"]:
        out += ["  - heading:", *emit_text(sec["heading"], 6), "    body:"]
        for block in sec["body"]:
            if "bullets" in block:
                out.append("      - bullets:")
                for item in block["bullets"]:
                    out += emit_text(item, 10, "- ")
            else:
                out += emit_text(block, 6, "- ")
    out += ["", "benefits:"]
    for item in doc["benefits"]:
        out += emit_text(item, 2, "- ")
    out += ["", "risks:", "  intro:", *emit_text(doc["risks"]["intro"], 4), "  items:"]
    for item in doc["risks"]["items"]:
        out += emit_text(item, 4, "- ")
    out += ["", "alternatives:", "  options:"]
    for item in doc["alternatives"]["options"]:
        out += emit_text(item, 4, "- ")
    out += ["  doing_nothing:", *emit_text(doc["alternatives"]["doing_nothing"], 4)]
    for key in ("prompts", "call_when"):
        out += ["", f"{key}:"]
        for item in doc[key]:
            out += emit_text(item, 2, "- ")
    return "\n".join(out) + "\n"


# --- word counts, for the record ------------------------------------------------------
def _words(value) -> int:
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_words(v) for v in value.values())
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    return 0


def peer_words(data: dict) -> dict[str, int]:
    """Words the peers print per language (title, subtitle, contact, sections, note; no footer)."""
    out = {}
    for lang in data["languages"]:
        contact = lang["contact"].format(phone=data["doc"]["phone"], fax=data["doc"]["fax"])
        out[LANG_CODES[lang["lang"]]] = _words([lang["title"], lang["subtitle"], contact,
                                                lang["sections"], lang["note"]])
    return out


def content_words(doc: dict) -> dict[str, int]:
    """Words of the pdfgen handout's content per language (labels, contact, footer not counted)."""
    per: dict[str, int] = {}

    def walk(value):
        if isinstance(value, dict):
            is_text = set(value) <= set(LANG_CODES.values())
            if is_text and all(isinstance(v, str) for v in value.values()):
                for code, text in value.items():
                    per[code] = per.get(code, 0) + len(text.split())
            else:
                for v in value.values():
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk({k: v for k, v in doc.items() if k not in ("id", "version", "specialty", "updated")})
    return per


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_IN
    out_dir = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    with open(src, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    doc = convert(data)
    text = emit(doc, "the peers' handout.yaml")
    # round trip: the emitted YAML must read back as exactly the converted content
    back = yaml.safe_load(text)
    back["updated"] = str(back["updated"])
    expect = json.loads(json.dumps(doc))
    _normalise(expect)
    if back != expect:
        raise SystemExit("emitted YAML does not read back as the converted content")
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "handouts" / "clinic.yaml", out_dir / "clinic.yaml")
    (out_dir / f"{HANDOUT_ID}.yaml").write_text(text, encoding="utf-8")
    pw, cw = peer_words(data), content_words(doc)
    print(f"wrote {out_dir / (HANDOUT_ID + '.yaml')} and {out_dir / 'clinic.yaml'}")
    print("words per language, peers (title, subtitle, contact, sections, note): "
          + ", ".join(f"{k} {v}" for k, v in pw.items()))
    print("words per language, pdfgen content (incl. repeated benefits/alternatives texts): "
          + ", ".join(f"{k} {v}" for k, v in cw.items()))
    return 0


def _normalise(value):
    """Collapse whitespace in every string the way q() does (folded YAML has none to collapse)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str):
                value[k] = " ".join(v.split())
            else:
                value[k] = _normalise(v)
        return value
    if isinstance(value, list):
        return [(" ".join(v.split()) if isinstance(v, str) else _normalise(v)) for v in value]
    return value


if __name__ == "__main__":
    sys.exit(main(sys.argv))
