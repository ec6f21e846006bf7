"""Words as a reader says them: their tokens and syllables, in English and Spanish.

A word is what is written between spaces, counted once: a run of letters (with inner
apostrophes and hyphens: don't, follow-up), a numeral (15, 2.5, 1,000, 8:30, 3rd, 10%), a
phone number (817-697-4038), or an abbreviation written with inner full stops (U.S.,
a.m., EE.UU.). Its syllables are those of what is read aloud:

- English words from CMUdict (the highest count of a word's pronunciations), words it
  lacks by rule (`syllables_en_rules`); Spanish words by rule (`syllables_es`);
- numerals as words in the text's language (one word each, as Fry counts "1945"): 15 =
  fif-teen (2) / quin-ce (2), 2026 =
  twen-ty twen-ty-six (5) / dos mil vein-ti-séis (5), 2.5 = two point five, 10% = ten
  per-cent; a phone number and 911 digit by digit, a word per digit;
- initialisms letter by letter, in the language's letter names: IV = I-V (2), MRI = 3,
  VIH = ve-i-ha-che (4); the few acronyms said as words (COVID, SIDA) as words; a run of
  three or more words in capitals is shouted text, read as words;
- abbreviations as their words: Dr. = doctor, pág. = página, EE. UU. = Estados Unidos,
  mg after a number = milligrams.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from . import cmudict_counts

# -- Spanish ----------------------------------------------------------------------------------

_ES_VOWELS = set("aeiouáéíóúü")
_ES_STRONG = set("aeoáéó")


def syllables_es(word: str) -> int:
    """Spanish syllables by rule: one per vowel nucleus.

    A diphthong or triphthong is one nucleus (ciu-dad, buey); two strong vowels side by
    side are two (le-er, a-é-re-o); an accented í or ú always makes its own (dí-a,
    cons-tru-í-a). A silent u (que, qui, gue, gui) and a final y after a vowel (hoy, muy)
    make none of their own. An h between vowels does not split them (prohi-bir, ahu-ma-do),
    but "hu" + vowel starts a syllable (ca-ca-hue-te, Coa-hui-la)."""
    w = word.lower()
    kinds = []  # per letter: "s" strong, "a" accented í/ú, "w" weak, "h" transparent h, "c"
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        after = w[i + 2] if i + 2 < len(w) else ""
        if ch == "u" and (prev == "q" or (prev == "g" and nxt in ("e", "i", "é", "í"))):
            kinds.append("c")  # silent u
        elif ch in "íú":
            kinds.append("a")
        elif ch in _ES_STRONG:
            kinds.append("s")
        elif ch in _ES_VOWELS:
            kinds.append("w")
        elif ch == "y" and (len(w) == 1 or (i == len(w) - 1 and prev in _ES_VOWELS)):
            kinds.append("w")
        elif (ch == "h" and prev in _ES_VOWELS and nxt in _ES_VOWELS
              and not (nxt in "uü" and after in _ES_VOWELS)):
            kinds.append("h")
        else:
            kinds.append("c")
    count, in_run, strong = 0, False, False  # strong: the current nucleus has a strong vowel
    for kind in kinds:
        if kind == "h":
            continue
        if kind == "c":
            in_run = False
            continue
        if not in_run or kind == "a" or (kind == "s" and strong):
            count += 1
            strong = kind in ("s", "a")
        elif kind == "s":
            strong = True
        in_run = True
    return max(1, count)


# -- English ----------------------------------------------------------------------------------

_EN_GROUP = re.compile(r"[aeiouy]+")
# a vowel group read as two syllables (bac-te-ri-a, ra-di-o, ac-tu-al, vi-de-o, go-ing)
_EN_SPLIT = re.compile(
    r"(?<![cgst])i[ao]|i[u]m|(?<![gcq])eo|(?<![qg])u[ao]|[aeou]ing|[aeiou]y[aeiou]"
    r"|(?<=[^aeiou])yi|(?<=[^aeiou])ier|(?<=[^aeiou])iest|ea$|(?<=[bcdfgklmnprstvz])ua|iet"
    r"|(?<![ct])ien(?=ce|t)|(?<=c)ien(?=ce)|^coo[pr]|ao|oe(?!s?$)")
_EN_SUFFIX_E = re.compile(r"(?<=[^aeiouy])e(?=ly$|ful|ment|ness|less|s?$)")


def syllables_en_rules(word: str) -> int:
    """English syllables by rule, for words CMUdict lacks (a new drug name, a rare
    surname): vowel groups, less a silent e, plus groups read as two. Tested against
    CMUdict on words held back from the rules' tuning (tests/test_readability.py)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1
    core = w[1:] if w[0] == "y" else w  # y starting a word is a consonant (yes, you)
    count = len(_EN_GROUP.findall(core))
    count += len(_EN_SPLIT.findall(w))
    # a silent e: at the end (make), before -s (makes) or a suffix (safely, movement), but
    # not -le after a consonant (ta-ble, ta-bles) nor a lone vowel (the, be)
    if count > 1:
        for m in _EN_SUFFIX_E.finditer(w):
            before = w[:m.start()]
            rest = w[m.start() + 1:]
            if rest.startswith("s") and re.search(r"(s|z|x|ch|sh|c|g)$", before):
                continue  # -es after a hiss is its own syllable: boxes, uses, pages
            if before.endswith("l") and re.search(r"[^aeiouy]l$", before) and rest in (
                    "", "s", "d"):
                continue  # ta-ble, ta-bles
            if _EN_GROUP.search(before):
                count -= 1
    # -ed is its own syllable only after t or d (want-ed, need-ed; jumped, moved)
    if count > 1 and re.search(r"[^aeiouytd]ed$", w) and not re.search(r"[^aeiouy]led$", w):
        count -= 1
    if re.search(r"[^aeiou]ism$|[^aeiou]sm$", w):
        count += 1  # spasm, criticism
    return max(1, count)


LETTERS_EN = {ch: 1 for ch in "abcdefghijklmnopqrstuvxyz"} | {"w": 3}  # dou-ble-u
LETTERS_ES = {ch: 1 for ch in "abcdegikopqtuvy"} | {
    "f": 2, "h": 2, "j": 2, "l": 2, "m": 2, "n": 2, "ñ": 2, "r": 2, "s": 2, "w": 3, "x": 2,
    "z": 2}  # e-fe, ha-che, jo-ta, e-le, e-me, e-ne, e-ñe, e-rre, e-se, do-ble u, e-quis, ze-ta
LETTERS = {"en": LETTERS_EN, "es": LETTERS_ES}

# acronyms said as words, not letter by letter (others in capitals are spelt out)
SAID_AS_WORDS = {
    "en": {"covid": 2, "hipaa": 2, "nsaid": 2, "nsaids": 2, "lasik": 2, "sids": 1,
           "mers": 1, "wic": 1, "fema": 2, "osha": 2, "cpap": 2, "bipap": 2},
    "es": {"covid": 2, "sida": 2, "otan": 2, "onu": 2, "unam": 2, "uci": 2, "tac": 1,
           "issste": 2, "imss": 1, "insabi": 3, "dif": 1, "epoc": 2},
}


def syllables_en(word: str) -> int:
    """One English word: CMUdict's count, else its parts' (follow-up, nurse's), else rules."""
    lex = cmudict_counts.lexicon()
    w = word.replace("’", "'").lower()
    n = lex.get(w)
    if n is not None:
        return max(1, n)
    if "-" in w:
        return sum(syllables_en(part) for part in w.split("-") if part)
    if w.endswith("'s"):  # a possessive: nurse's = nurse + s (a syllable after a hiss)
        base = w[:-2]
        extra = 1 if re.search(r"(s|z|x|ch|sh|ce|ge|se|ze)$", base) else 0
        return syllables_en(base) + extra
    if w.endswith(("s'", "'")):
        return syllables_en(w.rstrip("'"))
    return syllables_en_rules(w)


@functools.lru_cache(maxsize=8192)
def syllables_word(word: str, lang: str) -> int:
    return syllables_en(word) if lang == "en" else syllables_es(word)


# -- numbers ----------------------------------------------------------------------------------

_EN_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
             "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ES_UNITS = ("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece "
             "catorce quince dieciséis diecisiete dieciocho diecinueve veinte veintiuno "
             "veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete "
             "veintiocho veintinueve").split()
_ES_TENS = "_ _ _ treinta cuarenta cincuenta sesenta setenta ochenta noventa".split()
_ES_HUNDREDS = ("_ ciento doscientos trescientos cuatrocientos quinientos seiscientos "
                "setecientos ochocientos novecientos").split()


def number_en(n: int) -> list[str]:
    """A whole number in English words: 1,250 = one thousand two hundred fifty."""
    if n < 20:
        return [_EN_UNITS[n]]
    if n < 100:
        return [_EN_TENS[n // 10]] + (number_en(n % 10) if n % 10 else [])
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"),
                       (100, "hundred")):
        if n >= size:
            rest = n % size
            return number_en(n // size) + [name] + (number_en(rest) if rest else [])
    raise AssertionError(n)


def year_en(n: int) -> list[str]:
    """1100-2099 read as a year: nineteen ninety-nine, two thousand six, twenty twenty-six."""
    if 2000 <= n <= 2009 or n % 1000 == 0:
        return number_en(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return number_en(hi) + ["hundred"]
    return number_en(hi) + (["oh"] + number_en(lo) if lo < 10 else number_en(lo))


def number_es(n: int) -> list[str]:
    """A whole number in Spanish words: 1,250 = mil doscientos cincuenta."""
    if n < 30:
        return [_ES_UNITS[n]]
    if n < 100:
        return [_ES_TENS[n // 10]] + (["y"] + number_es(n % 10) if n % 10 else [])
    if n == 100:
        return ["cien"]
    if n < 1000:
        return [_ES_HUNDREDS[n // 100]] + (number_es(n % 100) if n % 100 else [])
    if n < 10**6:
        hi, rest = divmod(n, 1000)
        head = ["mil"] if hi == 1 else number_es(hi) + ["mil"]
        return head + (number_es(rest) if rest else [])
    hi, rest = divmod(n, 10**6)
    head = ["un", "millón"] if hi == 1 else number_es(hi) + ["millones"]
    return head + (number_es(rest) if rest else [])


_DIGITS = {"en": _EN_UNITS[:10], "es": _ES_UNITS[:10]}
_ORDINAL_EXTRA_EN = {2: 1}  # second has one more syllable than two; third = three...
_ORDINALS_ES = {1: 3, 2: 3, 3: 3, 4: 2, 5: 2, 6: 2, 7: 3, 8: 3, 9: 3, 10: 3}  # pri-me-ro...
# read digit by digit, a word per digit: a phone number, 911 and the other N11 numbers, 07
DIGIT_BY_DIGIT = re.compile(r"(?:1-)?\d{3}-\d{3}-\d{4}|[2-9]11|0\d+")
PERCENT = {"en": ["percent"], "es": ["por", "ciento"]}
POINT = {"en": "point", "es": "punto"}
COMMA = {"en": "point", "es": "coma"}


def _whole(n: int, lang: str, as_year: bool) -> list[str]:
    if lang == "en":
        return year_en(n) if as_year else number_en(n)
    return number_es(n)


def numeral_words(text: str, lang: str) -> list[str]:
    """A numeral (as the tokenizer found it) in words, as read aloud."""
    digits = _DIGITS[lang]
    if DIGIT_BY_DIGIT.fullmatch(text):
        return [digits[int(d)] for d in text if d.isdigit()]  # 817-697-4038, 911, 07
    m = re.fullmatch(r"(\d+(?:[.,:]\d+)*)(%|st|nd|rd|th|er|o|a|\.?º|\.?ª)?", text)
    if not m:
        return [digits[int(d)] for d in text if d.isdigit()] or [text]
    body, suffix = m.groups()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", body):  # 1,000: a thousands separator (en, es-MX)
        out = _whole(int(body.replace(",", "")), lang, as_year=False)
    elif ":" in body:  # 8:30 = eight thirty; 8:00 = eight (o'clock)
        parts = [int(p) for p in body.split(":")]
        out = _whole(parts[0], lang, False)
        for p in parts[1:]:
            if p:
                out += (["oh"] if lang == "en" and p < 10 else []) + _whole(p, lang, False)
    elif "." in body or "," in body:  # 2.5 = two point five, 2,5 = dos coma cinco
        sep = "." if "." in body else ","
        whole, _, frac = body.partition(sep)
        out = _whole(int(whole or 0), lang, False)
        out += [POINT[lang] if sep == "." else COMMA[lang]]
        out += [digits[int(d)] for d in frac if d.isdigit()]
    else:
        n = int(body)
        out = _whole(n, lang, as_year=lang == "en" and 1100 <= n <= 2099 and not suffix)
    if suffix == "%":
        out += PERCENT[lang]
    elif suffix:  # an ordinal: 2nd = second, 1.º = primero
        n = int(re.sub(r"\D", "", body) or 0)
        if lang == "es":
            return [f"#{_ORDINALS_ES.get(n, sum(syllables_es(w) for w in out))}"]
        extra = _ORDINAL_EXTRA_EN.get(n % 10, 0) if n % 100 not in range(11, 20) else 0
        if n % 10 == 0 and n % 100 and n % 100 >= 20:
            extra = 1  # twen-ti-eth
        out = out + [f"#{extra}"] if extra else out
    return out


# -- abbreviations ----------------------------------------------------------------------------

# written with a full stop, read as these words
ABBREVIATIONS = {
    "en": {"dr": "doctor", "drs": "doctors", "mr": "mister", "mrs": "missus", "ms": "miz",
           "st": "saint", "jr": "junior", "sr": "senior", "inc": "ink", "prof": "professor",
           "no": "number", "nos": "numbers", "vs": "versus", "etc": "etcetera",
           "approx": "approximately", "fig": "figure", "dept": "department",
           "e.g": "for example", "i.e": "that is", "min": "minutes", "hr": "hour",
           "hrs": "hours", "wk": "week", "wks": "weeks", "tel": "telephone"},
    "es": {"dr": "doctor", "dra": "doctora", "drs": "doctores", "dres": "doctores",
           "sr": "señor", "sra": "señora", "srta": "señorita", "sres": "señores",
           "ud": "usted", "uds": "ustedes", "vd": "usted", "vds": "ustedes",
           "pág": "página", "págs": "páginas", "núm": "número", "ej": "ejemplo",
           "etc": "etcétera", "aprox": "aproximadamente", "tel": "teléfono",
           "lic": "licenciado", "ing": "ingeniero", "prof": "profesor", "av": "avenida",
           "min": "minutos", "mín": "mínimo", "máx": "máximo", "hrs": "horas",
           "ee": "estados", "uu": "unidos", "ee.uu": "estados unidos", "vs": "versus",
           "fig": "figura", "art": "artículo", "cap": "capítulo"},
}
# after a number, with or without a full stop: 5 mg = five milligrams
UNITS = {
    "en": {"mg": "milligrams", "mcg": "micrograms", "g": "grams", "kg": "kilograms",
           "ml": "milliliters", "l": "liters", "cm": "centimeters", "mm": "millimeters",
           "km": "kilometers", "m": "meters", "lb": "pounds", "lbs": "pounds",
           "oz": "ounces", "ft": "feet", "h": "hours", "hr": "hours",
           "hrs": "hours", "min": "minutes", "mph": "miles per hour", "f": "fahrenheit",
           "c": "celsius", "cc": "c c", "iu": "i u"},
    "es": {"mg": "miligramos", "mcg": "microgramos", "g": "gramos", "kg": "kilos",
           "ml": "mililitros", "l": "litros", "cm": "centímetros", "mm": "milímetros",
           "km": "kilómetros", "m": "metros", "h": "horas", "hr": "horas", "hrs": "horas",
           "min": "minutos", "c": "grados", "cc": "ce ce", "lb": "libras",
           "lbs": "libras"},
}
ONE_LETTER_WORDS = {"en": {"a", "i"}, "es": {"a", "e", "o", "u", "y"}}


# -- tokens -----------------------------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<num>(?:1-)?\d{3}-\d{3}-\d{4}(?!\d)
       | \d+(?:[.,:]\d+)*(?:%|st\b|nd\b|rd\b|th\b|er\b|\.?º|\.?ª)?)
  | (?P<abbr>(?:[^\W\d_]{1,2}\.){2,})          # U.S. a.m. e.g. EE.UU.
  | (?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*)
""", re.VERBOSE)


class Token(NamedTuple):
    text: str  # as written (an abbreviation without its last full stop: "Dr", "U.S.")
    kind: str  # "num", "abbr", "word"
    stop: bool  # a full stop follows it at once ("Dr.", "pág.")


def tokens(sentence: str) -> list[Token]:
    return [Token(m.group(m.lastgroup), m.lastgroup, sentence[m.end():m.end() + 1] == ".")
            for m in TOKEN.finditer(sentence)]


def _caps(tok: Token) -> bool:
    """Written in capitals (a plural or possessive s aside: MRIs, HIV's)."""
    text = tok.text
    if not text.isupper():
        text = text.replace("’", "'")
        text = text[:-2] if text.endswith("'s") else text[:-1] if text.endswith("s") else ""
        if not text.isupper():
            return False
    return sum(ch.isalpha() for ch in text) >= 2


def _read(words: str, lang: str) -> int:
    return sum(syllables_word(w, lang) for w in words.split())


def syllables_of(toks: list[Token], lang: str) -> list[int]:
    """The syllables of each word said when the tokens (of one sentence, in order) are read
    aloud in `lang`: one word per token, but one per digit for a number said digit by digit
    (a phone number is ten words, 911 three)."""
    abbrev, units, letters = ABBREVIATIONS[lang], UNITS[lang], LETTERS[lang]
    caps = [tok.kind == "word" and _caps(tok) for tok in toks]
    shouted = set()  # three or more words in capitals in a row: shouted text, not initialisms
    run: list[int] = []
    for i, is_caps in enumerate([*caps, False]):
        if is_caps:
            run.append(i)
            continue
        if len(run) >= 3:
            shouted.update(run)
        run = []
    out = []
    for i, tok in enumerate(toks):
        low = tok.text.lower().replace("’", "'")
        prev = toks[i - 1] if i else None
        if tok.kind == "num":
            spoken = numeral_words(tok.text, lang)
            per = [int(w[1:]) if w.startswith("#") else syllables_word(w, lang)
                   for w in spoken]
            if DIGIT_BY_DIGIT.fullmatch(tok.text):
                out.extend(per)  # a word per digit said: nine one one
            else:
                out.append(sum(per))  # one word, as Fry counts 1945: nine-teen for-ty-five
        elif tok.kind == "abbr":
            key = low.rstrip(".")
            if key in abbrev:
                out.append(_read(abbrev[key], lang))
            else:  # U.S., a.m.: each part spelt or read (EE.UU. in Spanish)
                parts = [p for p in key.split(".") if p]
                out.append(sum(_read(abbrev[p], lang) if p in abbrev else
                               sum(letters.get(ch, 1) for ch in p) for p in parts))
        elif prev is not None and prev.kind == "num" and low in units:
            out.append(_read(units[low], lang))  # 5 mg, 100 ml, 98.6 F
        elif tok.stop and low in abbrev and (low != "no" or _next_is_num(toks, i)):
            out.append(_read(abbrev[low], lang))  # Dr., pág., EE. UU.
        elif i in shouted:
            out.append(syllables_word(low, lang))
        elif caps[i]:
            out.append(_initialism(tok.text, lang))
        elif len(low) == 1:
            out.append(1 if low in ONE_LETTER_WORDS[lang] else letters.get(low, 1))
        else:
            out.append(syllables_word(tok.text, lang))
    return out


def _next_is_num(toks: list[Token], i: int) -> bool:
    return i + 1 < len(toks) and toks[i + 1].kind == "num"


def _initialism(text: str, lang: str) -> int:
    """A word in capitals: IV = I-V, MRI = 3, VIH = 4; MRIs as MRI; a few said as words."""
    core = re.sub(r"(?<=[A-Z])s$", "", text.replace("’", "'").split("'")[0])
    low = core.lower()
    said = SAID_AS_WORDS[lang]
    if low in said:
        return said[low]
    if text.lower() in said:
        return said[text.lower()]
    if lang == "en" and len(low) >= 3:
        n = cmudict_counts.lexicon().get(low)  # CALL, AIDS, NASA, and spelt ones: HIV, CDC
        if n:
            return n
    letters = LETTERS[lang]
    return sum(letters.get(ch, 1) for ch in low if ch.isalpha())
