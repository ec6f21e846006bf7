"""Plain-language lint: the PEMAT-P items a machine can check, per language.

The schema already enforces a summary, a heading on every section and at least one
"when to call us" item (missing ones are load errors); these rules look at the words.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from .. import markup
from ..languages import lints
from ..model import Bullets, Figure
from ..rules import finding
from .readability import sentences, words

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")
LETTERS = re.compile(r"[^\W\d_]+")

NUMBER_WORDS = {
    "en": ("two three four five six seven eight nine ten eleven twelve thirteen fourteen "
           "fifteen twenty thirty forty fifty sixty hundred thousand"),
    "es": ("dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
           "veinte treinta cuarenta cincuenta sesenta cien ciento mil"),
}
# "one"/"uno" are left alone: "on one side", "no one", "un lado" are not counts to rewrite.
SECOND_PERSON = {
    "en": r"\b(you|your|yours|yourself)\b",
    "es": r"\b(usted|ustedes|su|sus|le|les|tú|tu|tus|ti|te|contigo)\b",
}
# Spanish speaks to the reader in the imperative too, often without a pronoun ("Lávese las
# manos.", "Llame al 911."). Two signs of one, in the Spanish text only:
# 1. a verb with an enclitic pronoun, stressed before it, so written with an accent, the
#    verb ending in -a or -e (usted: lávese, tómelo, pregúntele, dígame, llámenos; tú:
#    lávate, tómalo). Nouns of that shape end -ulo(s)/-ula(s) (músculos, cápsulas): the u
#    keeps them out; -les and -a + nos are left out (ángeles, órganos, plátanos).
# 2. a common imperative (usted, tú, and tú after "no") at the start of a clause: the start
#    of a sentence, after , ; : ( or a dash, or after "no", "y", "o", "pero", "luego",
#    "también", "siempre", "nunca" ("Si tiene fiebre, llame..."). A tú form is also the
#    third person ("Toma 2 horas."): this rule only decides whether the handout ever
#    speaks to the reader, so such a slip can only keep one warning quiet.
ES_ENCLITIC = re.compile(
    r"\b[a-zñü]*[áéíóú][a-zñü]*(?:[ae](?:se|le|lo|los|la|las|me|te)|e(?:nos))\b"
    r"|\b(?:dele|deme|denos|dime|dile|dale|hazlo|ponlo|dilo|tenlo|vete|ponte|hazte|dímelo)\b",
    re.IGNORECASE)
ES_IMPERATIVES = (
    # usted
    "llame llamen tome tomen pregunte pregunten camine caminen evite eviten use usen lave "
    "vaya vayan haga hagan tenga tengan siga sigan beba beban coma coman pida pidan diga "
    "venga mantenga mantengan lleve lleven busque revise hable descanse espere deje guarde "
    "ponga traiga quite cambie cuide duerma limpie seque cubra levante cargue maneje informe "
    "avise anote lea escriba acuda regrese vuelva consulte aplique respire tosa mueva doble "
    "estire empiece comience termine apague prepare compre muestre sea esté vea observe mire "
    "recuerde olvide intente trate procure coloque retire toque presione marque salga suba "
    "baje fume tire pese mida cuente conduzca duche bañe "
    # tú (also the third person: see above)
    "llama toma pregunta camina evita usa lava ve haz ten sigue bebe come pide di ven mantén "
    "lleva busca revisa habla descansa espera deja guarda pon cuida duerme limpia seca cubre "
    "levanta maneja avisa anota lee escribe acude regresa vuelve consulta aplica respira "
    "mueve sal recuerda olvida intenta "
    # tú after "no"
    "tomes llames levantes manejes comas bebas fumes uses olvides dejes esperes hagas vayas "
    "tengas cargues"
).split()
ES_IMPERATIVE = re.compile(
    r"(?:^|[.!?¡¿,;:(—–]|\s-)\s*(?:(?:no|y|o|pero|luego|también|siempre|nunca)\s+)?"
    r"(?:" + "|".join(ES_IMPERATIVES) + r")\b", re.IGNORECASE)


def addresses_reader(text: str, lang: str) -> bool:
    """Whether a text speaks to the reader: you/your, usted/su/tú, or (es) an imperative."""
    if re.search(SECOND_PERSON.get(lang, r"(?!)"), text, re.IGNORECASE):
        return True
    return lang == "es" and bool(ES_ENCLITIC.search(text) or ES_IMPERATIVE.search(text))


# Instructions that send the reader elsewhere instead of saying what to do (PEMAT-P items
# 20-22: one clear action, addressed to the reader, in explicit steps): "as directed",
# "the way your care team tells you", "según le indiquen", "como le diga su médico".
_WHO_EN = (r"(?:your|the|a)\s+(?:[\w'’-]+\s+){0,2}?(?:team|doctor|surgeon|nurse|provider|"
           r"clinician|physician|pharmacist|therapist|clinic|staff)s?")
_TELLS_EN = (r"(?:tells?|told|says?|said|directs?|directed|instructs?|instructed|advises?|"
             r"advised|recommends?|recommended|prescribes?|prescribed|shows?|showed|wants?)")
# Spanish: the subjunctive or past ("como le diga", "según le indicaron"), or the present
# after le/les ("como le dice su médico"); "como dice la etiqueta" names where to look.
_TELLS_ES = (r"(?:indique|indiquen|indicó|indicaron|diga|digan|dijo|dijeron|recete|receten|"
             r"recetó|ordene|ordenen|ordenó|recomiende|recomienden|recomendó|explique|"
             r"expliquen|explicó|enseñe|enseñen|enseñó|pida|pidan)")
_TELLS_ES_NOW = r"(?:indica|indican|dice|dicen|explica|explican|pide|piden)"
VAGUE = {
    "en": re.compile(
        r"\b(?:as|when|if)\s+(?:directed|instructed|prescribed|told|advised)\b"
        rf"|\b(?:as|the\s+way|how|like)\s+{_WHO_EN}\s+{_TELLS_EN}(?:\s+(?:you|to))?\b"
        r"|\b(?:according\s+to|per)\s+(?:your\s+|the\s+)?(?:[\w'’-]+\s+)?"
        r"(?:instructions|directions|orders)\b", re.IGNORECASE),
    "es": re.compile(
        rf"\b(?:según|como|tal\s+como)\s+(?:se\s+)?(?:lo\s+|la\s+|le\s+|les\s+)?{_TELLS_ES}\b"
        rf"|\b(?:según|como|tal\s+como)\s+(?:se\s+)?(?:le|les)\s+(?:lo\s+)?{_TELLS_ES_NOW}\b"
        r"|\bsegún\s+(?:lo\s+)?(?:indicado|recetado|prescrito|ordenado|recomendado)\b"
        r"|\bcomo\s+(?:está|esté|fue|se\s+lo\s+han|le\s+han)\s+"
        r"(?:indicado|recetado|prescrito|ordenado|recomendado)\b"
        r"|\b(?:según|de\s+acuerdo\s+con)\s+(?:las\s+|sus\s+)?"
        r"(?:indicaciones|instrucciones|órdenes)\b", re.IGNORECASE),
}


PERCENT = re.compile(r"\d\s*%|\bper\s?cent\b|\bpor\s+ciento\b", re.IGNORECASE)
FREQUENCY = re.compile(r"\b\d+\s+(in|out of|of every|de cada|en)\s+\d+", re.IGNORECASE)
ALL_CAPS = re.compile(r"\b[A-ZÁÉÍÓÚÑÜ]{2,}(?:\W+[A-ZÁÉÍÓÚÑÜ]{2,}){2,}\b")
# A definition at a term's first use: "called X" before it in its sentence; "X means",
# "X, or Y,", "X (...)" right after it; or a next sentence that points back at it ("This
# means...", "Discs are...") with the defining verb among its first words.
CUES_BEFORE = {
    "en": r"\b(called|named|known as)\b",
    "es": r"\b(se llama|se llaman|llamad[oa]s?|conocid[oa]s? como)\b",
}
VERBS = {
    "en": r"(means?|is an?|is the|are|refers to)",
    "es": r"(quiere decir|quieren decir|significa|significan|es una?|es el|es la|son|o sea)",
}
# Words that may stand between a Spanish term and its cue: adjectives, which follow the
# noun ("Anestesia regional: ...", "hernia de disco lumbar (...)"), known by their endings.
ES_MODIFIER = (r"(?:de\s+)?[^\W\d_]*(?:al|ar|ales|ares|ic[oa]s?|ív[oa]s?|iv[oa]s?|ad[oa]s?|"
               r"id[oa]s?|os[oa]s?|ari[oa]s?|ente|entes|ante|antes|e[oa]s?|il|iles|or|ora|"
               r"oras|ores|disco|discos)")
MODIFIERS = {"en": "", "es": rf"(?:\s+{ES_MODIFIER}){{0,2}}"}
# Right after the term (and its Spanish adjectives): a defining verb; ", or Y,"; "(", ":",
# a dash; a relative clause that defines (", which is", ", que es", ", es decir,").
RELATIVE = {
    "en": r",\s*(?:which|that)\s+(?:is|are|means?)\b|,\s*(?:that\s+is|i\.\s?e\.),",
    "es": r",\s*(?:que|la\s+cual|el\s+cual)\s+(?:es|son|significa|quiere\s+decir)\b"
          r"|,\s*(?:es\s+decir|o\s+sea),",
}
CUE_RIGHT_AFTER = {lang: rf"^{MODIFIERS[lang]}\W{{0,2}}(?:{verb}\b|,\s*(?:or|o)\s[^,]+,|\(|:|"
                         rf"\s[—–-]\s|{RELATIVE[lang]})"
                   for lang, verb in VERBS.items()}
# Right before the term: the plain words came first and the term follows in brackets or
# after "or": "a cut in the skin (an incision)", "un corte, o incisión,".
CUE_RIGHT_BEFORE = {
    "en": r"(?:\(|,\s*or|\bor\s+an?|\bor\s+the)\s*(?:an?\s+|the\s+)?$",
    "es": r"(?:\(|,\s*o|\bo\s+sea)\s*(?:una?\s+|el\s+|la\s+|los\s+|las\s+)?$",
}
# A text that opens with the term as its label, then says more: a glossary-style item
# ("**Sciatica**. Pain that runs down the leg.", "Anestesia regional: ...").
LABEL = {lang: rf"^\W*(?:(?:a|an|the|un|una|el|la|los|las)\s+)?(?:{{term}}){MODIFIERS[lang]}"
               rf"\W*[.:—–-]\W*\s+(?:\S+\s+){{2}}\S"
         for lang in VERBS}
POINTERS = {
    "en": r"(this|these|that|those|it|they|the)",
    "es": r"(esto|este|esta|estos|estas|eso|ese|esa|el|la|los|las|quiere|significa|es|son)",
}


@functools.cache
def _bundled_glossary() -> dict[str, tuple[tuple[str, ...], ...]]:
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return {lang: tuple(tuple(forms) for forms in terms) for lang, terms in data.items()}


def glossary(clinic, lang: str) -> tuple[tuple[str, ...], ...]:
    extra = tuple(forms for code, forms in clinic.quality.glossary if code == lang)
    return _bundled_glossary().get(lang, ()) + extra


def _body_texts(proc):
    """(field, Text) of everything a patient reads as sentences: not the title or headings."""
    for name, text in proc.texts():
        if name != "title" and not name.endswith(".heading"):
            yield name, text


# A list item that starts with a bullet pasted from a web page or Word ("• Tablets...").
PASTED_BULLET = re.compile(r"^\s*([•◦▪▫‣⁃∙·●○■□➢➤►–—*-])\s")
LIST_FIELDS = ("benefits[", "risks.items[", "alternatives.options[", "prompts[",
               "call_when[", "emergency[")


def _is_list_item(field: str) -> bool:
    return field.startswith(LIST_FIELDS) or ".bullets[" in field


def check(proc, clinic) -> list:
    out = []
    q = clinic.quality
    for lang in clinic.lang_codes:
        out += _lengths(proc, lang, q)
        out += _terms(proc, clinic, lang)
        addressed = False
        for name, text in _body_texts(proc):
            value, pos = markup.plain(text[lang]), text.pos_of(lang)
            field = f"{name}.{lang}"
            addressed = addressed or addresses_reader(value, lang)
            vague = VAGUE[lang].search(value) if lints(lang, "vague-instruction") else None
            if vague:
                out.append(finding(pos, field, f"vague instruction: '{vague.group(0)}' does not "
                                               f"say what to do", "vague-instruction"))
            if lints(lang, "number-words"):
                pattern = r"\b(" + "|".join(NUMBER_WORDS[lang].split()) + r")\b"
                found = re.search(pattern, value, re.IGNORECASE)
                if found:
                    out.append(finding(pos, field, f"number written as a word: "
                                                   f"'{found.group(0)}'", "number-words"))
            if PERCENT.search(value) and not FREQUENCY.search(value):
                out.append(finding(pos, field, "a percentage without a natural frequency",
                                   "percentage"))
            caps = ALL_CAPS.search(value)
            if caps:
                out.append(finding(pos, field, f"words in capitals: '{caps.group(0)}'",
                                   "all-caps"))
            mark = PASTED_BULLET.match(value)
            if mark and _is_list_item(name):
                out.append(finding(pos, field, f"starts with '{mark.group(1)}': the list "
                                               f"draws its own mark, so it would print twice",
                                   "pasted-bullet"))
        if lints(lang, "second-person") and not addressed:
            out.append(finding(proc.summary.pos_of(lang), f"summary.{lang}",
                               "the handout never speaks to the reader directly (no "
                               + ("you or your" if lang == "en" else
                                  "usted, su, tú or imperative such as 'Llame'") + ")",
                               "second-person"))
    return out


def _lengths(proc, lang: str, q) -> list:
    out = []
    count = len(words(markup.plain(proc.summary[lang])))
    if count > q.summary_words:
        out.append(finding(proc.summary.pos_of(lang), f"summary.{lang}",
                           f"summary is {count} words (limit {q.summary_words})", "summary-length"))
    for i, sec in enumerate(proc.sections, 1):
        head = len(words(markup.plain(sec.heading[lang])))
        if head > q.heading_words:
            out.append(finding(sec.heading.pos_of(lang), f"sections[{i}].heading.{lang}",
                               f"heading is {head} words (limit {q.heading_words})",
                               "heading-length"))
        texts = [t for b in sec.body if not isinstance(b, Figure)  # a caption is no prose
                 for t in (b.items if isinstance(b, Bullets) else (b.text,))]
        total = sum(len(words(markup.plain(t[lang]))) for t in texts)
        if total > q.section_words:
            out.append(finding(sec.pos, f"sections[{i}]", f"section '{sec.heading[lang]}' is "
                               f"{total} words in {lang} (limit {q.section_words})",
                               "section-length"))
    return out


def inflections(word: str, lang: str) -> set[str]:
    """A glossary word and its usual plural (and, in English, Latin plural) forms: incision,
    incisions; vertebra, vertebrae; stenosis, stenoses; incisión, incisiones; espolón,
    espolones; lámina, láminas; nariz, narices. Irregular forms go in the glossary."""
    w = word.lower()
    out = {w}
    if lang == "en":
        if w.endswith("is"):
            out.add(w[:-2] + "es")  # stenosis, stenoses
        elif re.search(r"[^aeiou]y$", w):
            out.add(w[:-1] + "ies")
        elif re.search(r"(?:s|x|z|ch|sh)$", w):
            out.add(w + "es")
        else:
            out.add(w + "s")
        if w.endswith("a"):
            out.add(w + "e")  # vertebrae, laminae
    elif lang == "es":
        last_stressed = re.search(r"[áéíóú][^aeiouáéíóú]*$", w)  # incisión, espolón, autobús
        if re.search(r"[aeiouáéó]$", w):
            out.add(w + "s")
        elif w.endswith(("í", "ú")):
            out.update((w + "s", w + "es"))
        elif w.endswith("z"):
            out.add(w[:-1] + "ces")
        elif last_stressed:
            out.add(w.translate(_UNACCENT) + "es")
        elif w.endswith(("s", "x")) and len(re.findall(r"[aeiouáéíóú]+", w)) > 1:
            pass  # estenosis, virus, tórax: the plural is the same word
        else:
            out.add(w + "es")
    return out


_UNACCENT = str.maketrans("áéíóú", "aeiou")


@functools.lru_cache(maxsize=1024)
def _term_pattern(forms: tuple[str, ...], lang: str = "") -> re.Pattern:
    """Any of the term's forms, each word in its inflections: 'incision' finds 'incisions',
    'hernia de disco' finds 'hernias de disco'. Longest first, so the longest form wins."""
    return re.compile(r"\b(" + _forms_regex(forms, lang) + r")\b", re.IGNORECASE)


def _forms_regex(forms: tuple[str, ...], lang: str) -> str:
    alternatives = []
    for form in sorted(forms, key=len, reverse=True):
        parts = []
        for w in form.split():
            options = sorted(inflections(w, lang), key=len, reverse=True)
            parts.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
        alternatives.append(r"\s+".join(parts))
    return "|".join(alternatives)


def _terms(proc, clinic, lang: str) -> list:
    terms = glossary(clinic, lang)
    if not terms or not lints(lang, "term-undefined"):
        return []
    seen: set[int] = set()
    out = []
    before = re.compile(CUES_BEFORE[lang], re.IGNORECASE)
    right_before = re.compile(CUE_RIGHT_BEFORE[lang], re.IGNORECASE)
    right_after = re.compile(CUE_RIGHT_AFTER[lang], re.IGNORECASE)
    early_verb = re.compile(rf"^\W*(?:[\w'’-]+\W+){{0,5}}?{VERBS[lang]}\b", re.IGNORECASE)
    pointer = re.compile(rf"^\W*{POINTERS[lang]}\b", re.IGNORECASE)
    firsts = [_first_words(forms, lang) for forms in terms]
    for name, text in _body_texts(proc):
        if len(seen) == len(terms):
            break
        whole = " ".join(markup.plain(text[lang]).split())
        present = set(LETTERS.findall(whole.lower()))  # "lamina's", "bone-spur" split
        candidates = [i for i, first in enumerate(firsts) if i not in seen and first & present]
        if not candidates:  # no term starts here: the text is not read sentence by sentence
            continue
        sents = sentences(text[lang], lang)
        for k, sent in enumerate(sents):
            for index in candidates:
                forms = terms[index]
                if index in seen:
                    continue
                hit = _term_pattern(forms, lang).search(sent)
                if not hit:
                    continue
                seen.add(index)
                following = sents[k + 1] if k + 1 < len(sents) else ""
                points_back = bool(pointer.search(following)
                                   or _head_pattern(forms, lang).search(following))
                defined = (before.search(sent[:hit.start()])
                           or right_before.search(sent[:hit.start()])
                           or right_after.search(sent[hit.end():])
                           or (points_back and early_verb.search(following))
                           or (k == 0 and _label_pattern(forms, lang).search(whole)))
                if not defined:
                    out.append(finding(text.pos_of(lang), f"{name}.{lang}",
                                       f"'{hit.group(0)}' is a medical term, first used here "
                                       f"without saying what it means", "term-undefined"))
    return out


@functools.lru_cache(maxsize=1024)
def _first_words(forms: tuple[str, ...], lang: str) -> frozenset[str]:
    """The first word of each form of a term, in its inflections: a text without one of
    them cannot hold the term."""
    return frozenset(o for f in forms for o in inflections(f.split()[0], lang))


@functools.lru_cache(maxsize=1024)
def _label_pattern(forms: tuple[str, ...], lang: str) -> re.Pattern:
    return re.compile(LABEL[lang].replace("{term}", _forms_regex(forms, lang)), re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _head_pattern(forms: tuple[str, ...], lang: str = "") -> re.Pattern:
    """The term's head word in its inflections: 'herniated disc' -> disc, discs; Spanish puts
    the noun first, so 'hernia de disco' -> hernia, hernias (and disco, discos)."""
    heads = {f.split()[-1] for f in forms} | ({f.split()[0] for f in forms} if lang == "es"
                                              else set())
    options = sorted({o for h in heads for o in inflections(h, lang) | {h + "s", h + "es"}},
                     key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(o) for o in options) + r")\b",
                      re.IGNORECASE)
