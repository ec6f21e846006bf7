"""Right-to-left text: the Unicode bidi algorithm (python-bidi) applied per line, by word.

ReportLab 5.1 shapes Arabic (uharfbuzz: each word's glyphs come out joined and in visual
order) but orders a line's words left to right unless `rlbidi` is installed, which no
package registry carries. pdfgen breaks lines in logical order, as ReportLab does, and then
orders each line's words for display here: the levels of the line's logical text are
resolved by python-bidi (rules W1-I2, base direction right-to-left) and the words reversed
by rule L2. Inside a word nothing moves: a shaped Arabic word is already in visual order,
and a number (817-697-4038) or a Latin word (www.example.org) reads left to right.
Mirrored brackets are left to the font (shaping mirrors them in Arabic runs).
"""

from __future__ import annotations

from bidi import algorithm as _bidi

_STRONG_OR_NUMBER = {"L", "R", "AL", "EN", "AN"}


def has_rtl(text: str) -> bool:
    """Whether `text` has a right-to-left letter (Arabic, Hebrew...)."""
    return any(_bidi.bidirectional(ch) in ("R", "AL") for ch in text)


# Characters the bidi algorithm takes out before resolving levels (rule X9: a zero-width
# joiner or non-joiner, the explicit embeddings) and the isolates, which python-bidi's
# algorithm does not handle (it fails on them): each counts as a neutral instead, so every
# character of the text gets a level.
_SET_ASIDE = {"BN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
_NEUTRAL = "!"  # bidi class ON


def char_levels(text: str, rtl: bool = True) -> list[int]:
    """The resolved embedding level of each character of `text` (a paragraph, or one line
    of it), with the base direction right-to-left (`rtl`) or left-to-right: one level per
    character (a Persian zero-width non-joiner too, whose neighbours' levels it takes)."""
    storage = _bidi.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    text = "".join(_NEUTRAL if _bidi.bidirectional(ch) in _SET_ASIDE else ch for ch in text)
    _bidi.get_embedding_levels(text, storage)
    _bidi.explicit_embed_and_overrides(storage)
    _bidi.resolve_weak_types(storage)
    _bidi.resolve_neutral_types(storage, False)
    _bidi.resolve_implicit_levels(storage, False)
    levels = [ch["level"] for ch in storage["chars"]]
    return _numbers_whole(text, levels)


_SEPARATORS = {"ES", "CS"}  # - + / . , : between digits: a phone number, a date, 1.5


def _numbers_whole(text: str, levels: list[int]) -> list[int]:
    """A separator between two digits of the same (even) level takes their level, so a
    number reads as one: after an Arabic letter the bidi algorithm makes digits Arabic
    numbers (rule W2), and joins an Arabic number's parts only across a comma-like
    separator (W4), so "817-697-4038" would show as "4038-697-817". A phone number in a
    handout is one number; this keeps it so (as an isolate around it would)."""
    for i in range(1, len(text) - 1):
        if _bidi.bidirectional(text[i]) in _SEPARATORS and text[i - 1].isdigit() \
                and text[i + 1].isdigit() and levels[i - 1] == levels[i + 1] \
                and levels[i - 1] % 2 == 0:
            levels[i] = levels[i - 1]
    return levels


def word_level(word: str, levels: list[int], rtl: bool = True) -> int:
    """The level of a word whose characters have `levels`: its first strong letter's or
    digit's, else its lowest (punctuation takes its surroundings')."""
    strong = [lv for ch, lv in zip(word, levels, strict=False)
              if _bidi.bidirectional(ch) in _STRONG_OR_NUMBER]
    return strong[0] if strong else min(levels, default=int(rtl))


def word_levels(words: list[str], rtl: bool = True) -> list[int]:
    """One level per word of a line (the words joined by single spaces): the level of the
    word's first strong letter or digit, else its lowest (punctuation takes its
    surroundings')."""
    text = " ".join(words)
    levels = char_levels(text, rtl)
    out, pos = [], 0
    for word in words:
        out.append(word_level(word, levels[pos:pos + len(word)], rtl))
        pos += len(word) + 1
    return out


def visual_order(levels: list[int]) -> list[int]:
    """Rule L2: the indices of the items (words) in display order, left to right."""
    order = list(range(len(levels)))
    if not levels:
        return order
    top = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=top + 1)
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def display_words(words: list[str], rtl: bool = True) -> list[int]:
    """The display order (indices, left to right) of a line's words."""
    return visual_order(word_levels(words, rtl))
