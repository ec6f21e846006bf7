"""Translation sanity: does each translated text look like a translation of its source?

Freshness (freshness.py) says whether a translator confirmed a text; these checks say
whether what was confirmed looks translated at all. All are warnings, and waivable:

  translation-identical  the translation is the source text, copied
  mixed-language         words of the other language inside a text, either way round
  translation-structure  the two texts have different lines or bold parts
  translation-numbers    the two texts have different numbers
  translation-length     the translation's length is far outside the usual ratio

One problem, one finding: a copied text is reported as identical only; a text whose lines
or bold parts differ is not also reported for its length.

Words of the other language are found by word lists, not by a statistical detector (see
docs/quality.md#translation-sanity for what lingua-language-detector cost and how often it
was wrong on the sample): the closed-class words of each language that are not words of
the other (English "the", "with", "your"; Spanish "el", "para", "usted"), and spellings one
language has and the other does not (English th, sh, w, -ing, -tion, -ly; Spanish á, ñ,
-ción, -mente). Names are left alone: a capitalized word inside a sentence, a word in
capitals, a quoted phrase, a web or email address. Only English and Spanish have lists.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from .. import markup
from ..rules import finding

# -- words of one language that are not words of the other ------------------------------------

# Closed-class words: about half of running text in either language, so any phrase of a few
# words left untranslated almost always has one. Words both languages have ("a", "no", "me",
# "he", "son", "sin", "con", "has", "as", "in", "en", "de", "mi") are left out.
FUNCTION_WORDS = {
    "en": set(
        "the and of to with your you yours yourself for is are was were be been being this that "
        "these those it its they them their there what when where which who whom whose how why "
        "will would should could must might shall have had having does did from into onto about "
        "after before during until while because if or not but than then also only very more "
        "most some any each every other such our ours my his her him she we us out off over "
        "under up down just too all both either neither please can't don't won't isn't aren't "
        "doesn't didn't you're you'll it's".split()),
    "es": set(
        "el la los las del al y que para por una unos unas uno su sus usted ustedes es está "
        "están estar pero como cuando donde este esta estos estas esto ese esa esos esas eso lo "
        "le les se tu tus muy más también porque puede pueden debe deben después antes durante "
        "sobre entre hasta desde cada otro otra otros otras todo toda todos todas ya si ni qué "
        "cómo cuál cuáles quién dónde cuándo cuánto cuánta cuántos él".split()),
}
# Spellings: English letters and endings Spanish words do not have, and Spanish marks and
# endings English words do not have. Checked on lower-case words; see the word-list test.
SPELLING = {
    "en": re.compile(r"(?<!de)sh|th|w|ck|ph|ght|(?:ing|ings|tion|tions|ness|ful|ous|ly|"
                     r"[^aeiouy\W]y)$"),  # not the sh of des-hacer, des-hidratación
    # é only inside a word and not after a first d: French loans English keeps (café,
    # cliché, débridement, élan) have it at either end
    "es": re.compile(r"[áíóúñü]|\B(?<!\bd)é(?!e?s?$)|^ll|(?:ción|ciones|mente|idad|idades|"
                     r"iendo)$"),
}
# Words with those spellings that are fine in the other language: loanwords a Spanish text
# uses as they are, French loans English writes with é, and drug, brand and place names
# that may be written in lower case. Lower case; a handout can waive the rule for others.
ALLOWED = set(
    # in Spanish text
    "shock spray show stent bypass software web wifi email online sándwich whisky hobby "
    "jersey rugby hockey ferry marketing flash kétchup sexy "
    # in English text
    "jalapeño jalapeños piñata piñatas piraña señor señora señorita llama llamas llano "
    "mañana adiós córdoba vicuña "
    # drug, brand and place names written in lower case
    "tylenol advil motrin aleve narcan aspirin whatsapp mychart medicaid medicare".split())
PUNCT_SPLIT = re.compile(r"[,;:()\[\]—–.!?¿¡\"“”«»]")
TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SKIPPED = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\"[^\"]*\"|“[^”]*”|«[^»]*»")
ABBREVIATION = re.compile(r"\b(?:dr|dra|sr|sra|srta|mr|mrs|ms|st|no|núm)$", re.IGNORECASE)
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@functools.lru_cache(maxsize=65536)
def _marked(low: str, other: str) -> bool:
    """Whether a lower-case word is `other`'s: one of its closed-class words, or spelled as
    only it spells words (cached: a handout repeats its words, a build its handouts')."""
    return low in FUNCTION_WORDS[other] or bool(SPELLING[other].search(low))


def foreign_words(text: str, other: str) -> list[str]:
    """The words of language `other` in `text` (a text in the other one of English/Spanish):
    closed-class words of `other`, and words spelled as only `other` spells them."""
    return _foreign(_flat(text), other) if other in FUNCTION_WORDS else []


def _flat(text: str) -> str:
    """A text as the reader sees it, on one line."""
    return " ".join(markup.plain(text).split())


def _foreign(flat: str, other: str) -> list[str]:
    if not any(_marked(w, other) for w in TOKEN.findall(flat.lower().replace("’", "'"))):
        return []  # nearly every text: no word that could be the other language's
    flat = SKIPPED.sub(" ", flat)
    found = []
    tokens = list(TOKEN.finditer(flat))
    for i, tok in enumerate(tokens):
        word = tok.group(0)
        low = word.lower().replace("’", "'")
        if (len(word) < 2 and low != "y") or low in ALLOWED or (word.isupper() and len(word) > 1):
            continue
        if word[0].isupper():
            if not _starts_clause(flat[:tok.start()]):
                continue  # a name inside a sentence: "Llame a Spine Center"
            nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
            if nxt[:1].isupper() and flat[tok.end():tokens[i + 1].start()].strip() == "":
                continue  # a name at the start: "El Paso", "The Spine Center"
        if _marked(low, other):
            found.append(word)
    return found


def _starts_clause(before: str) -> bool:
    """Whether a word after `before` starts a sentence or clause (so may be capitalized
    without being a name): the start, or after . ! ? : ; ( a dash or an opening quote, but
    not after "Dr." and the like."""
    before = before.rstrip()
    if not before or before[-1] in "!?¿¡:;(—–\"“«":
        return True
    return before[-1] == "." and not ABBREVIATION.search(before[:-1])


def _phrases(flat: str, words: list[str]) -> list[str]:
    """The clauses (between punctuation) that hold the words, as the reader sees them."""
    flat = SKIPPED.sub(" ", flat)
    wanted = {w.lower() for w in words}
    out = []
    for clause in PUNCT_SPLIT.split(flat):
        clause = clause.strip()
        if clause and wanted & {t.lower() for t in TOKEN.findall(clause)}:
            out.append(markup.clip(clause, 60))
    return out


# -- copied texts --------------------------------------------------------------------------------

NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\+?\(?\d[\d\s().-]*\d|\d")


def _worth_translating(flat: str, lang: str) -> bool:
    """Whether a text copied unchanged into a translation is a problem: not when it is a
    number, phone or address once those are set aside, nor a name (two words or more, every
    one capitalized, none but the first a closed-class word: "Mayo Clinic", "The Spine
    Center", not "What Is Back Pain?"); a single word only when it is spelled as only `lang`
    spells it (Infection, Bleeding: yes; Tumor, Anemia, Diabetes: the same word in both)."""
    words = TOKEN.findall(NOT_WORDS.sub(" ", flat))
    words = [w for w in words if w.lower() not in ALLOWED]
    if not words or (len(words) > 1 and all(w[0].isupper() for w in words)
                     and not any(w.lower() in FUNCTION_WORDS.get(lang, ()) for w in words[1:])):
        return False  # a name; but "What Is Back Pain?" is a heading in title case
    if len(words) == 1:
        spelling = SPELLING.get(lang)
        return bool(spelling and spelling.search(words[0].lower()))
    return True


# -- structure, numbers, length ---------------------------------------------------------------

# Numbers followed by a unit may be converted (10 pounds, 4.5 kilos; 101 °F, 38.3 °C).
UNIT = (r"\s?(?:°|º|lbs?\b|pounds?\b|libras?\b|kg\b|kilos?\b|kilo(?:gram|gramo)s?\b|oz\b|"
        r"ounces?\b|onzas?\b|g\b|grams?\b|gramos?\b|mg\b|ml\b|cc\b|in\b|inch(?:es)?\b|"
        r"pulgadas?\b|cm\b|mm\b|ft\b|feet\b|foot\b|pies?\b|miles?\b|millas?\b|km\b|"
        r"kil[oó]met(?:er|ro)s?\b|met(?:er|ro)s?\b|yards?\b|yardas?\b|cups?\b|tazas?\b|"
        r"degrees?\b|grados?\b|F\b|C\b)")
DIGIT = re.compile(r"\d")
NUMBER = re.compile(r"(?<![\d.,:])\d+(?:[.,:]\d+)*")
UNIT_AFTER = re.compile(UNIT)


def numbers(flat: str) -> Counter:
    """The numbers of a text as digits only (2.5 and 2,5 are one number; 8:00 is 8), those
    with a unit after them left out."""
    out = Counter()
    for m in NUMBER.finditer(flat):
        if UNIT_AFTER.match(flat, m.end()):
            continue
        value = re.sub(r":00$", "", m.group(0))  # 8:00 is 8 o'clock
        out[re.sub(r"\D", "", value)] += 1
    return out


def shape(text: str) -> tuple[int, int]:
    """(lines, bold parts) of a text as written."""
    clean = markup.clean(text)
    lines = clean.count("\n") + 1 if "\n" in clean else 1
    if lines > 1:
        lines = len([ln for ln in clean.split("\n") if ln.strip()])
    bold = sum(1 for _, b in markup.segments(clean) if b) if markup.BOLD in clean else 0
    return lines, bold


# characters of the translation per character of the source, for texts whose source has at
# least MIN_CHARS characters; measured in docs/quality.md#translation-sanity
MIN_CHARS = 40
BANDS = {("en", "es"): (0.6, 2.0), ("es", "en"): (0.5, 1 / 0.6),
         # a Chinese character carries about what 3 to 4 English letters do: the sample in
         # examples/other-scripts runs 0.17 to 0.40
         ("en", "zh-Hans"): (0.12, 0.8)}
DEFAULT_BAND = (0.5, 2.5)  # a pair not measured: only the grossest gaps


def band(src: str, lang: str) -> tuple[float, float]:
    return BANDS.get((src, lang), DEFAULT_BAND)


# -- the check -------------------------------------------------------------------------------------


def check(proc, clinic) -> list:
    out = []
    src = clinic.primary
    others = [code for code in clinic.lang_codes if code != src]
    from ..languages import registry

    profiles = registry()
    name = {lang.code: LANGUAGE_NAMES.get(lang.code) or (
        profiles[lang.code].english_name if lang.code in profiles else lang.name)
        for lang in clinic.languages}
    for field, text in proc.texts():
        flat = {code: _flat(text[code]) for code in (src, *others)}
        copied = {lang for lang in others if _copied(flat[src], flat[lang], src)}
        for lang in others:
            where = (text.pos_of(lang), f"{field}.{lang}")
            if lang in copied:
                out.append(finding(*where, f"the {name[lang]} is the {name[src]} text, not "
                                           f"translated: \"{markup.clip(flat[src], 60)}\"",
                                   "translation-identical"))
                continue
            out += _pair(where, text[src], text[lang], flat[src], flat[lang], src, lang, name)
        if others and others[0] not in copied and src in FUNCTION_WORDS:
            stray = _foreign(flat[src], others[0]) if others[0] in FUNCTION_WORDS else []
            if stray:  # words of the translation's language left in the source text
                out.append(_mixed((text.pos_of(src), f"{field}.{src}"), flat[src], stray,
                                  name[others[0]], name[src]))
    return out


def _copied(source: str, translation: str, src: str) -> bool:
    return source.casefold() == translation.casefold() and _worth_translating(source, src)


def _pair(where, source: str, translation: str, src_flat: str, tr_flat: str, src: str,
          lang: str, name: dict[str, str]) -> list:
    src_name, lang_name = name[src], name[lang]
    out = []
    if lang in FUNCTION_WORDS and src in FUNCTION_WORDS:
        stray = _foreign(tr_flat, src)
        if stray:
            out.append(_mixed(where, tr_flat, stray, src_name, lang_name))
    (src_lines, src_bold), (tr_lines, tr_bold) = shape(source), shape(translation)
    differ = []
    if src_lines != tr_lines:
        differ.append(f"the {src_name} has {_n(src_lines, 'line')} and the {lang_name} "
                      f"{_n(tr_lines, 'line')}")
    if src_bold != tr_bold:
        differ.append(f"the {src_name} has {_n(src_bold, 'bold part')} and the {lang_name} "
                      f"{_n(tr_bold, 'bold part')}")
    if differ:
        out.append(finding(*where, "the translation is not built like its source: "
                           + "; ".join(differ), "translation-structure"))
    if DIGIT.search(src_flat) or DIGIT.search(tr_flat):
        src_nums, tr_nums = numbers(src_flat), numbers(tr_flat)
        if src_nums != tr_nums:
            missing = sorted((src_nums - tr_nums).elements())
            extra = sorted((tr_nums - src_nums).elements())
            what = "; ".join(part for part in (
                f"{', '.join(missing)} only in the {src_name}" if missing else "",
                f"{', '.join(extra)} only in the {lang_name}" if extra else "") if part)
            out.append(finding(*where, f"the numbers differ: {what}", "translation-numbers"))
    low, high = band(src, lang)
    ratio = len(tr_flat) / len(src_flat) if src_flat else 1.0
    if not differ and len(src_flat) >= MIN_CHARS and not low <= ratio <= high:
        out.append(finding(*where, f"the {lang_name} is {ratio:.2f} times as long as the "
                                   f"{src_name} ({len(tr_flat)} and {len(src_flat)} characters; "
                                   f"expected {low:g} to {high:.2g})", "translation-length"))
    return out


def _mixed(where, flat: str, stray: list[str], stray_name: str, text_name: str):
    quoted = "; ".join(f"\"{p}\"" for p in _phrases(flat, stray)[:2])
    return finding(*where, f"{stray_name} words in the {text_name} text: {quoted} "
                           f"({', '.join(dict.fromkeys(stray))})", "mixed-language")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
