"""Language profiles: what pdfgen knows of each language, as data (pdfgen/languages.yaml).

One entry per language: its code, its name in its own language, script, direction, line
breaking, the readability formulas and plain-language lint rules that apply to it, and
its sentence-splitting abbreviations. The quality gates read them here instead of
branching on language codes; a language with no formula is reported as "not judged".
Read and checked once per process (docs/languages.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from .errors import record

_set = object.__setattr__  # how a frozen record's __init__ sets its fields (errors.record)

REGISTRY_FILE = Path(__file__).with_name("languages.yaml")

# What this version of pdfgen can do with a profile. A profile that asks for more is
# refused when the registry is read, not half-honoured at render time.
# ISO 15924 scripts pdfgen can set: Latin in the bundled Atkinson Hyperlegible Next (with
# the profile's `fonts` for letters it lacks), the others in the profile's `fonts`
SCRIPTS = ("Latn", "Cyrl", "Grek", "Hans", "Hant", "Jpan", "Kore", "Arab", "Deva", "Gujr",
           "Laoo")
DIRECTIONS = ("ltr", "rtl")
# spaces: lines break at spaces and hyphens; cjk: between any two characters too, but not
# before closing or after opening punctuation (Chinese, Japanese); phrases: only at the
# spaces the text writes between phrases, and a phrase wider than the line is never split
# (Lao, which writes no spaces between words: a break inside a phrase could fall inside a
# syllable)
LINE_BREAKING = ("spaces", "cjk", "phrases")
CODE = re.compile(r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?")  # en, zh-Hans
# readability formulas, by the key clinic.yaml's quality.readability uses (pdfgen/rules.py)
FORMULAS = ("fk_grade", "smog", "fernandez_huerta", "inflesz")
# lint rules that need a word list of the language (pdfgen/quality/lint.py has them)
# languages whose syllables pdfgen/quality/spoken.py counts (every formula needs them)
SYLLABLES = ("en", "es")
WORD_LIST_RULES = ("second-person", "number-words", "vague-instruction", "term-undefined")
ABBREVIATION_KINDS = ("titles", "numbered", "after", "country")
KEYS = ("name", "english_name", "script", "direction", "line_breaking", "readability",
        "lint", "long_word_syllables", "abbreviations", "openers", "fonts")
REQUIRED = ("name", "english_name", "script", "direction", "line_breaking", "readability",
            "lint")


class RegistryError(ValueError):
    """languages.yaml does not say what pdfgen expects: a bug in the package, not content."""


@record
class Profile:
    """One language's entry of the registry (languages.yaml), checked."""

    code: str  # "es"
    name: str  # "Español": the language's name in that language
    english_name: str  # "Spanish": as messages to editors name it
    script: str  # ISO 15924: "Latn"
    direction: str  # "ltr"
    line_breaking: str  # "spaces": lines break at spaces and hyphens
    readability: tuple[str, ...]  # formula keys, first is the one parts are ranked by
    lint: tuple[str, ...]  # word-list lint rules that apply
    long_word_syllables: int = 3  # syllables that make a word long (hardest sentence)
    abbreviations: tuple[tuple[str, frozenset[str]], ...] = ()  # kind -> entries
    openers: frozenset[str] = frozenset()
    # font families (fonts/families.yaml) the language's text needs besides the layout's
    # Latin faces: a non-Latin script's family, or one with the Latin letters they lack
    fonts: tuple[str, ...] = ()

    def __init__(self, code, name, english_name, script, direction, line_breaking, readability,
                 lint, long_word_syllables=3, abbreviations=(), openers=frozenset(),
                 fonts=()) -> None:
        _set(self, "code", code)
        _set(self, "name", name)
        _set(self, "english_name", english_name)
        _set(self, "script", script)
        _set(self, "direction", direction)
        _set(self, "line_breaking", line_breaking)
        _set(self, "readability", readability)
        _set(self, "lint", lint)
        _set(self, "long_word_syllables", long_word_syllables)
        _set(self, "abbreviations", abbreviations)
        _set(self, "openers", openers)
        _set(self, "fonts", fonts)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def abbreviation_table(self, kind: str) -> frozenset[str]:
        return dict(self.abbreviations).get(kind, frozenset())

    @property
    def judged(self) -> bool:
        """Whether pdfgen can judge the reading level of text in this language."""
        return bool(self.readability)

    def not_judged_reason(self) -> str:
        return (f"pdfgen has no readability formula for {self.english_name} "
                f"(pdfgen/languages.yaml lists none; docs/languages.md)")

    def lints(self, rule: str) -> bool:
        """Whether a word-list lint rule applies to this language."""
        return rule in self.lint


def _strings(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RegistryError(f"{where}: expected a list of words")
    return value


def _families() -> frozenset[str]:
    from .diskcache import cached_data
    from .paths import bundled

    return frozenset(cached_data("families", bundled("fonts") / "families.yaml",
                                 yaml.safe_load))


def parse(data, families: frozenset[str] | None = None) -> dict[str, Profile]:
    """Check a registry's data (as yaml.safe_load gives it) and return code -> Profile;
    `families`: the font families it may name (default: fonts/families.yaml's)."""
    families = _families() if families is None else families
    if not isinstance(data, dict) or data.get("version") != 1 \
            or not isinstance(data.get("languages"), dict):
        raise RegistryError("expected `version: 1` and a `languages:` mapping")
    out = {}
    for code, entry in data["languages"].items():
        where = f"languages.{code}"
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise RegistryError(f"{where}: a language code is 2 or 3 lower-case letters, "
                                f"with a script after a hyphen where it matters (zh-Hans)")
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: expected a mapping")
        unknown = set(entry) - set(KEYS)
        missing = [k for k in REQUIRED if k not in entry]
        if unknown or missing:
            raise RegistryError(f"{where}: unknown keys {sorted(unknown)}, missing {missing}")
        for key, allowed in (("script", SCRIPTS), ("direction", DIRECTIONS),
                             ("line_breaking", LINE_BREAKING)):
            if entry[key] not in allowed:
                raise RegistryError(f"{where}.{key}: '{entry[key]}' is not supported yet "
                                    f"(pdfgen can print {', '.join(allowed)})")
        for key in ("name", "english_name"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise RegistryError(f"{where}.{key}: must not be empty")
        formulas = entry["readability"] or []
        for f in _strings(formulas, f"{where}.readability") if formulas else []:
            if f not in FORMULAS:
                raise RegistryError(f"{where}.readability: unknown formula '{f}' "
                                    f"(known: {', '.join(FORMULAS)})")
        if formulas and code not in SYLLABLES:
            raise RegistryError(f"{where}.readability: the formulas count syllables, and "
                                f"pdfgen counts them for {', '.join(SYLLABLES)} only")
        rules = entry["lint"] or []
        for rule in _strings(rules, f"{where}.lint") if rules else []:
            if rule not in WORD_LIST_RULES:
                raise RegistryError(f"{where}.lint: '{rule}' is not a rule that needs a word "
                                    f"list (known: {', '.join(WORD_LIST_RULES)})")
        long_word = entry.get("long_word_syllables", 3)
        if not isinstance(long_word, int) or isinstance(long_word, bool) or long_word < 2:
            raise RegistryError(f"{where}.long_word_syllables: a whole number from 2")
        abbr = entry.get("abbreviations") or {}
        if not isinstance(abbr, dict) or set(abbr) - set(ABBREVIATION_KINDS):
            raise RegistryError(f"{where}.abbreviations: the kinds are "
                                f"{', '.join(ABBREVIATION_KINDS)}")
        tables = tuple((kind, frozenset(w.lower() for w in _strings(abbr[kind],
                                                                     f"{where}.{kind}")))
                       for kind in ABBREVIATION_KINDS if kind in abbr)
        openers = entry.get("openers") or []
        fonts = entry.get("fonts") or []
        for name in _strings(fonts, f"{where}.fonts") if fonts else []:
            if name not in families:
                raise RegistryError(f"{where}.fonts: no font family '{name}' in "
                                    f"fonts/families.yaml")
        if entry["script"] != "Latn" and not fonts:
            raise RegistryError(f"{where}.fonts: the {entry['script']} script needs a font "
                                f"family that has it (the bundled faces are Latin only)")
        out[code] = Profile(code, entry["name"].strip(), entry["english_name"].strip(),
                            entry["script"], entry["direction"], entry["line_breaking"],
                            tuple(formulas), tuple(rules), long_word, tables,
                            frozenset(w.lower() for w in _strings(openers, f"{where}.openers"))
                            if openers else frozenset(), tuple(fonts))
    return out


@cache
def registry() -> dict[str, Profile]:
    """Every language profile, read and checked once per process (the YAML parsed once per
    edit of the file: pdfgen/diskcache.py)."""
    from .diskcache import cached_data

    return parse(cached_data("languages", REGISTRY_FILE, yaml.safe_load))


def profile(code: str) -> Profile | None:
    """The language's profile, or None when pdfgen has none."""
    return registry().get(code)


def formulas(code: str) -> tuple[str, ...]:
    p = profile(code)
    return p.readability if p else ()


def lints(code: str, rule: str) -> bool:
    p = profile(code)
    return p is not None and p.lints(rule)
