"""Exact counts for the reading-level formulas (docs/quality.md, "Readability"): English
syllables from CMUdict and its cache, the rule-based fallback against CMUdict, numerals,
initialisms and abbreviations as read aloud, sentence boundaries per language, and six
public-domain passages counted by hand (tests/data/readability_passages.yaml)."""

from __future__ import annotations

import os
import re
import zlib

import pytest

from pdfgen.quality import cmudict_counts, spoken
from pdfgen.quality.readability import sentences, syllables, words
from pdfgen.quality.spoken import syllables_en, syllables_en_rules

from . import readability_hand as hand

# -- English syllables: CMUdict ---------------------------------------------------------------


@pytest.mark.parametrize("word,expected", [
    # syllapy had these too low (issue 14), so English text scored too easy
    ("getting", 2), ("having", 2), ("using", 2), ("smaller", 2), ("longer", 2),
    ("suddenly", 3), ("biopsy", 3),
    # and these too high
    ("bones", 1), ("nerves", 1), ("removes", 2), ("squeezed", 1),
    # several pronunciations: the highest count (ev-er-y, not ev-ry; fam-i-ly, not fam-ly)
    ("every", 3), ("family", 3), ("different", 3), ("several", 3), ("comfortable", 4),
    ("Surgeon's", 2), ("follow-up", 3), ("don’t", 1), ("hemilaminectomy", 7),
])
def test_english_syllables(word, expected):
    assert syllables_en(word) == expected


def test_the_highest_count_of_a_words_pronunciations_is_kept():
    text = ("every EH1 V ER0 IY0\nevery(2) EH1 V R IY0\nhiv EY1 CH AY1 V IY1 # abbrev\n"
            "fire(2) F AY1 R\nfire F AY1 ER0\n")
    assert cmudict_counts.parse(text) == {"every": 3, "hiv": 3, "fire": 2}


def test_the_cache_holds_exactly_what_the_data_file_says():
    path = cmudict_counts.data_file()
    counts = cmudict_counts.parse(path.read_text(encoding="utf-8"))
    lex = cmudict_counts.lexicon()
    assert len(counts) > 120_000
    assert all(lex.get(w) == n for w, n in counts.items())
    assert lex.get("notaword-xyz") is None


@pytest.fixture
def small_dict(tmp_path):
    data = tmp_path / "cmudict.dict"
    data.write_text("every EH1 V ER0 IY0\nevery(2) EH1 V R IY0\ncat K AE1 T\n", encoding="utf-8")
    return data


def test_the_cache_is_built_once_then_read(small_dict, tmp_path, monkeypatch):
    cache = tmp_path / "cache" / "counts.bin"
    lex = cmudict_counts.load(small_dict, cache)
    assert cache.is_file() and lex.get("every") == 3 and lex.get("cat") == 1
    built = cache.read_bytes()
    monkeypatch.setattr(cmudict_counts, "parse", lambda text: pytest.fail("parsed again"))
    assert cmudict_counts.load(small_dict, cache).get("every") == 3
    assert cache.read_bytes() == built


def test_a_changed_data_file_or_a_damaged_cache_rebuilds_it(small_dict, tmp_path):
    cache = tmp_path / "counts.bin"
    cmudict_counts.load(small_dict, cache)
    small_dict.write_text("cat K AE1 T\ndog D AO1 G\nzebra Z IY1 B R AH0\n", encoding="utf-8")
    os.utime(small_dict, ns=(1, 1))  # a new release: another size and time
    lex = cmudict_counts.load(small_dict, cache)
    assert lex.get("zebra") == 2 and lex.get("every") is None
    blob = bytearray(cache.read_bytes())
    blob[-3] ^= 0xFF  # one damaged byte in the body
    cache.write_bytes(bytes(blob))
    assert cmudict_counts.load(small_dict, cache).get("zebra") == 2
    cache.write_bytes(b"rubbish")
    assert cmudict_counts.load(small_dict, cache).get("dog") == 1


def test_an_unwritable_cache_folder_gives_the_same_counts(small_dict, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    lex = cmudict_counts.load(small_dict, blocker / "sub" / "counts.bin")
    assert lex.get("every") == 3


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "c"))
    assert cmudict_counts.cache_file().parent == tmp_path / "c"
    monkeypatch.delenv("PDFGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cmudict_counts.cache_file().parent == tmp_path / "x" / "pdfgen"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert cmudict_counts.cache_file() is None  # a home that does not exist is not made
    (tmp_path / "h").mkdir()
    assert cmudict_counts.cache_file().parent == tmp_path / "h" / ".cache" / "pdfgen"
    monkeypatch.delenv("HOME")
    monkeypatch.setattr(os.path, "expanduser", lambda p: p)  # no home at all: in memory
    assert cmudict_counts.cache_file() is None


def test_with_no_cache_file_the_counts_are_built_in_memory(small_dict, monkeypatch):
    monkeypatch.setattr(cmudict_counts, "cache_file", lambda: None)
    assert cmudict_counts.load(small_dict).get("every") == 3


# -- English syllables: the rules for words CMUdict lacks -------------------------------------


def test_the_fallback_rules_agree_with_cmudict_on_held_back_words():
    """The rules were tuned on 9 in 10 CMUdict words; these are the 10th, never looked at
    (crc32(word) % 10 == 0): 11,747 words, mostly names. Measured: 91.3% exact, 99.7%
    within one syllable; 5.1% one too few, 3.5% one too many."""
    counts = cmudict_counts.parse(cmudict_counts.data_file().read_text(encoding="utf-8"))
    held = [w for w, n in counts.items()
            if n and re.fullmatch(r"[a-z]+", w) and zlib.crc32(w.encode()) % 10 == 0]
    assert len(held) > 11_000
    diff = [syllables_en_rules(w) - counts[w] for w in held]
    exact = sum(d == 0 for d in diff) / len(held)
    within_one = sum(abs(d) <= 1 for d in diff) / len(held)
    assert exact >= 0.91 and within_one >= 0.995, (exact, within_one)


@pytest.mark.parametrize("word,expected", [
    ("laminotomy", 5), ("foraminotomy", 6), ("gabapentin", 4), ("tables", 2), ("boxes", 2),
    ("makes", 1), ("wanted", 2), ("jumped", 1), ("radio", 3), ("trying", 2), ("safely", 2),
])
def test_the_fallback_rules_on_words_a_handout_may_use(word, expected):
    assert syllables_en_rules(word) == expected


# -- numerals, initialisms, abbreviations ------------------------------------------------------


@pytest.mark.parametrize("text,lang,expected", [
    ("IV", "en", [2]), ("MRI", "en", [3]), ("MRIs", "en", [3]), ("CT", "en", [2]),
    ("ICU", "en", [3]), ("HIV", "en", [3]), ("COVID", "en", [2]), ("AIDS", "en", [1]),
    ("IV", "es", [2]), ("VIH", "es", [4]), ("SIDA", "es", [2]), ("TEPT", "es", [4]),
    ("15", "en", [2]), ("15", "es", [2]),  # fif-teen, quin-ce
    ("2026", "en", [5]), ("2026", "es", [5]),  # twen-ty twen-ty-six; dos mil vein-ti-séis
    ("1999", "en", [5]), ("2005", "en", [4]), ("1,000", "en", [3]), ("100", "es", [1]),
    ("2.5", "en", [3]), ("2,5", "es", [5]), ("10%", "en", [3]), ("10%", "es", [4]),
    ("3rd", "en", [1]), ("2nd", "en", [2]), ("20th", "en", [3]), ("8:30", "en", [3]),
    ("911", "en", [1, 1, 1]), ("911", "es", [2, 2, 2]),  # a word per digit said
    ("817-697-4038", "en", [1, 1, 2, 1, 1, 2, 1, 2, 1, 1]),
    ("U.S.", "en", [2]), ("a.m.", "en", [2]), ("EE. UU.", "es", [3, 3]),
    ("p. ej.", "es", [1, 3]), ("a. m.", "es", [1, 2]), ("pág. 5", "es", [3, 2]),
    ("Dr. Lee", "en", [2, 1]), ("Ud.", "es", [2]), ("No. 5", "en", [2, 1]),
    ("5 mg", "en", [1, 3]), ("500 mg", "es", [3, 4]),
    ("LLAME DE INMEDIATO", "es", [2, 1, 4]),  # shouted text is read as words
])
def test_numbers_initialisms_and_abbreviations_are_counted_as_read_aloud(text, lang, expected):
    assert syllables(text, lang) == expected


def test_numerals_are_words():
    assert words("Take 2 tablets at 8 a.m. in the U.S.") == [
        "Take", "2", "tablets", "at", "8", "a.m.", "in", "the", "U.S."]


# -- sentences -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text,lang,expected", [
    ("We moved to the U.S. in May. Then we left.", "en",
     ["We moved to the U.S. in May.", "Then we left."]),
    ("The U.S. Food and Drug Administration says so. Ask.", "en",
     ["The U.S. Food and Drug Administration says so.", "Ask."]),
    ("I live in the U.S. We like it.", "en", ["I live in the U.S.", "We like it."]),
    ("See No. 5 on the list. It helps.", "en", ["See No. 5 on the list.", "It helps."]),
    ("The answer is no. Call us.", "en", ["The answer is no.", "Call us."]),
    ("Go to St. Jude. Ask for Dr. A. Ruiz there.", "en",
     ["Go to St. Jude.", "Ask for Dr. A. Ruiz there."]),
    ("Bob Smith Jr. came. He sat.", "en", ["Bob Smith Jr. came.", "He sat."]),
    ("Acme Inc. Makes it.", "en", ["Acme Inc.", "Makes it."]),
    ("Take 1 at 8 a. m. and 1 at 8 p. m. each day. Eat.", "en",
     ["Take 1 at 8 a. m. and 1 at 8 p. m. each day.", "Eat."]),
    ("Come at 8 a.m. Bring your list.", "en", ["Come at 8 a.m.", "Bring your list."]),
    ('He said "Stop." Then he left.', "en", ['He said "Stop."', "Then he left."]),
    ("Take vitamin C. Eat well.", "en", ["Take vitamin C.", "Eat well."]),
    ("Vive en EE. UU. desde mayo. Luego se fue.", "es",
     ["Vive en EE. UU. desde mayo.", "Luego se fue."]),
    ("Vive en EE. UU. Los médicos lo ven.", "es", ["Vive en EE. UU.", "Los médicos lo ven."]),
    ("Coma fruta, p. ej. manzanas. Camine.", "es", ["Coma fruta, p. ej. manzanas.", "Camine."]),
    ("Vea la pág. 5 del folleto. Léala.", "es", ["Vea la pág. 5 del folleto.", "Léala."]),
    ("Ud. debe descansar. Llame.", "es", ["Ud. debe descansar.", "Llame."]),
    ("Lo verá la Dra. Ruiz. Llame.", "es", ["Lo verá la Dra. Ruiz.", "Llame."]),
    ("Tome 1 a las 8 a. m. cada día. Coma.", "es", ["Tome 1 a las 8 a. m. cada día.", "Coma."]),
    ("Dijo «Pare.» Luego se fue.", "es", ["Dijo «Pare.»", "Luego se fue."]),
    ("¿Le duele? Llame al 911.", "es", ["¿Le duele?", "Llame al 911."]),
    ("Evite cargar la piedra. Camine.", "es", ["Evite cargar la piedra.", "Camine."]),
])
def test_sentence_boundaries_per_language(text, lang, expected):
    assert sentences(text, lang) == expected


def test_a_lower_case_word_after_a_full_stop_continues_the_sentence():
    assert sentences("Take approx. two a day.", "en") == ["Take approx. two a day."]
    assert len(sentences("Wait... then call.", "en")) == 1


# -- six passages counted by hand --------------------------------------------------------------

PASSAGES = hand.passages()
AIMS = {"fk_grade": 0.3, "smog": 0.3, "fernandez_huerta": 0.5, "inflesz": 0.5}


def test_the_passages_are_of_the_agreed_size_and_marks_cover_their_text():
    assert sorted(p["lang"] for p in PASSAGES) == ["en"] * 3 + ["es"] * 3
    for p in PASSAGES:
        text = " ".join(" ".join(t.split()) for t in p["texts"])
        assert " ".join(hand.unmarked(line) for line in p["hand"]) == text, p["id"]
        assert 100 <= hand.hand_counts(p).words <= 300, p["id"]
        assert p["source"] and p["read_at"].startswith("http")


@pytest.mark.parametrize("passage", PASSAGES, ids=[p["id"] for p in PASSAGES])
def test_pdfgen_is_within_the_aims_of_hand_counts(passage):
    rows = {r.passage["id"]: r for r in hand.compare(with_textstat=False)}
    row = rows[passage["id"]]
    for formula, (by_hand, ours, _) in row.scores.items():
        assert abs(ours - by_hand) <= AIMS[formula], (formula, by_hand, ours)


@pytest.mark.parametrize("passage", PASSAGES, ids=[p["id"] for p in PASSAGES])
def test_pdfgen_counts_each_sentence_and_word_as_the_hand_count_does(passage):
    lang = passage["lang"]
    ours = [s for text in passage["texts"] for s in sentences(text, lang)]
    assert [hand.unmarked(line) for line in passage["hand"]] == ours
    for sentence, line in zip(ours, passage["hand"], strict=True):
        assert syllables(sentence, lang) == hand.hand_word_syllables(line), line


def test_no_systematic_bias():
    """Across the six passages pdfgen's errors do not lean one way: the mean signed
    difference from the hand counts is within a tenth of each aim."""
    rows = hand.compare(with_textstat=False)
    for formula, aim in AIMS.items():
        diffs = [r.scores[formula][1] - r.scores[formula][0] for r in rows
                 if formula in r.scores]
        assert len(diffs) == 3 and abs(sum(diffs) / 3) <= aim / 10, (formula, diffs)


def test_the_hand_marks_are_read_as_documented():
    assert hand.hand_word_syllables("Ev·er·y year, 15{fif·teen} fol·low-up - (IV{I·V}).") == [
        3, 1, 2, 3, 2]


def test_spoken_module_documents_its_digit_rule():
    assert spoken.DIGIT_BY_DIGIT.fullmatch("911") and not spoken.DIGIT_BY_DIGIT.fullmatch("150")


def test_two_installations_keep_their_own_cache_file(small_dict, tmp_path, monkeypatch):
    """Two virtual environments (each its own cmudict, another modification time) sharing
    one cache folder: each reads its own file instead of rebuilding the other's every run."""
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "c"))
    other = tmp_path / "other" / "cmudict.dict"
    other.parent.mkdir()
    other.write_bytes(small_dict.read_bytes())
    os.utime(other, ns=(1, 1))
    assert cmudict_counts.load(small_dict).get("every") == 3
    assert cmudict_counts.load(other).get("every") == 3
    assert len(list((tmp_path / "c").glob("cmudict-counts-v*-*.bin"))) == 2
    monkeypatch.setattr(cmudict_counts, "parse", lambda text: pytest.fail("parsed again"))
    assert cmudict_counts.load(small_dict).get("cat") == 1
    assert cmudict_counts.load(other).get("cat") == 1


def test_the_cache_turned_off_is_in_memory(monkeypatch):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", "off")
    assert cmudict_counts.cache_file() is None
