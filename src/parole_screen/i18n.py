"""Languages: the English messages a person reads, their translations, and their checks.

Every text a person reads has a *message id*. The tool's own strings are :data:`UI`
(English, in :mod:`parole_screen.messages`); the pack's texts (questions, choices, rules,
evidence, flags, items, fees, deadlines, the disclaimer) get ids from where they sit in the
pack (:func:`english_messages`). A language's translations live in the pack, in the files of
``locales/<lang>/``::

    lang: es
    messages:
      ui.progress:
        en: 3f2a91c0              # text_hash() of the English it was made from
        text: pregunta {number} de unas {total}

``locales/glossary.yaml`` holds the legal terms (English -> es, ru) the translations use.

:func:`check_locales` (``rules check``) fails on a message a language lacks, an id that is
no English message, an id translated twice, and a ``{placeholder}`` added or lost; a
translation whose English has changed since (its ``en`` hash differs) is a warning, *stale*,
to be translated again, and so is a glossary term translated another way. A pack that lacks
a translation still works: that message is shown in English, and a front end says so once
(:attr:`Texts.complete`).

Stored answers, JSON keys and ids never change with the language: only texts do.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .messages import UI
from .pack_texts import pack_messages, question_rewritten
from .texts import ENGLISH, Texts, placeholders

if TYPE_CHECKING:
    from .models import Question
    from .pack import RulePack

#: The languages the tool speaks; English is the source of every text.
LANGUAGES = ("en", "es", "ru")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "ru": "Russian"}
LANG_ENV = "PAROLE_SCREEN_LANG"
LOCALE_DIR = "locales"
GLOSSARY_FILE = "glossary.yaml"
_LOCALE_KEYS = frozenset({"lang", "messages"})
#: A language missing more messages than this has them listed this far, then counted.
_MISSING_SHOWN = 20

def text_hash(english: str) -> str:
    """The short hash a translation carries of the English it was made from."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:8]


def english_messages(pack: RulePack | None) -> dict[str, str]:
    """Every English message id and text: :data:`UI`, then the pack's texts (of the English
    pack, also for a translated one; see :mod:`parole_screen.pack_texts`)."""
    messages = dict(UI)
    if pack is not None:
        messages.update(pack_messages(pack))
    return messages


def localized_question(question: Question, texts: Texts) -> Question:
    """``question`` with its text, help and choice labels in the language of ``texts``;
    its id, type and choice values (what answers store) are kept."""
    if texts.lang == "en":
        return question
    return question_rewritten(question, texts.pack_text)


def resolve_lang(given: str | None = None, environ: Mapping[str, str] | None = None, *,
                 locale: bool = True) -> str:
    """The language to use: the first of ``given``, ``$PAROLE_SCREEN_LANG`` and (with
    ``locale``) the locale's (``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG``: ``es_MX.UTF-8`` is
    ``es``) that is a language the tool speaks; else English.

    Machine output (JSON, batch rows, the catalogue) passes ``locale=False``: a script's
    rows must not change with the locale of the machine it runs on."""
    env = os.environ if environ is None else environ
    found = [given, env.get(LANG_ENV)]
    if locale:
        found += [env.get("LC_ALL"), env.get("LC_MESSAGES"), env.get("LANG")]
    for candidate in found:
        if candidate:
            code = candidate.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return "en"


def _read_locale(path: Path) -> Any:
    from .safeyaml import read_yaml

    return read_yaml(path)


def _file_messages(path: Path) -> dict[Any, Any]:
    """A locale file's ``messages``; empty when the file cannot be read or is misshapen
    (its texts stay English, and ``rules check`` names the problem)."""
    try:
        raw = _read_locale(path)
    except Exception:
        return {}
    messages = raw.get("messages") if isinstance(raw, dict) else None
    return messages if isinstance(messages, dict) else {}


def locale_files(pack: RulePack, lang: str) -> list[Path]:
    """The files of ``lang``'s translation: ``locales/<lang>/*.yaml``, in name order."""
    return sorted((pack.path / LOCALE_DIR / lang).glob("*.yaml"))


def load_texts(pack: RulePack, lang: str) -> Texts:
    """The texts of ``lang`` from the pack's ``locales/<lang>/`` (English where none).

    A locale file that cannot be read is skipped (its texts stay English); ``rules check``
    says what is wrong with it."""
    if lang == "en":
        return ENGLISH
    english = english_messages(pack)
    translated: dict[str, str] = {}
    for path in locale_files(pack, lang):
        for mid, entry in _file_messages(path).items():
            text = entry.get("text") if isinstance(entry, dict) else None
            if (isinstance(text, str) and text.strip()
                    and _english_of(mid, english) is not None):
                translated[mid] = text
    return Texts(lang, translated, complete=set(english) <= set(translated))


@dataclass
class LocaleReport:
    """What :func:`check_locales` found: errors fail ``rules check``; warnings are shown;
    ``translated`` counts each language's message ids (as its files give them)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    translated: dict[str, int] = field(default_factory=dict)


def check_locales(pack: RulePack) -> LocaleReport:
    """Check every language folder under ``locales/`` against the pack's English, and
    each translation against the glossary (a term translated another way is a warning)."""
    report = LocaleReport()
    folder = pack.path / LOCALE_DIR
    if not folder.is_dir():
        return report
    english = english_messages(pack)
    terms: list[GlossaryTerm] = []
    if (folder / GLOSSARY_FILE).is_file():
        terms = _read_glossary(folder / GLOSSARY_FILE, report)
    for path in sorted(folder.iterdir()):
        if path.name == GLOSSARY_FILE:
            continue
        if path.is_dir():
            translated = _check_language(path, english, report)
            report.warnings += _glossary_warnings(path.name, terms, english, translated)
        else:
            report.errors.append(f"{path}:1: a translation is a folder locales/<lang>/ "
                                 "holding .yaml files")
    return report


def _check_language(folder: Path, english: Mapping[str, str],
                    report: LocaleReport) -> dict[str, tuple[str, str]]:
    """Check one language's files; return each translation as id -> (where, text)."""
    lang = folder.name
    if lang not in LANGUAGES or lang == "en":
        report.errors.append(f"{folder}: unknown language folder (one of "
                             f"{', '.join(LANGUAGES[1:])})")
        return {}
    seen: dict[str, str] = {}
    translated: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        _check_locale_file(path, lang, english, seen, translated, report)
    missing = [mid for mid in english if mid not in seen]
    missing += [f"{base}.{form}" for base in _plural_bases(english)
                for form in _plural_forms_used(lang) if f"{base}.{form}" not in seen]
    for mid in missing[:_MISSING_SHOWN]:
        report.errors.append(f"{folder}: {mid}: missing key (`parole-screen rules translate "
                             f"{lang}` lists what to translate)")
    if len(missing) > _MISSING_SHOWN:
        report.errors.append(f"{folder}: and {len(missing) - _MISSING_SHOWN} more missing "
                             "keys")
    report.translated[lang] = len(seen)
    return translated


def _check_locale_file(path: Path, lang: str, english: Mapping[str, str],
                       seen: dict[str, str], translated: dict[str, tuple[str, str]],
                       report: LocaleReport) -> None:
    """Check one file of a language (ids already ``seen`` in another file are errors)."""
    from .safeyaml import YamlRefused, line_of

    shown = str(path)
    try:
        raw = _read_locale(path)
    except YamlRefused as error:
        report.errors.append(f"{shown}:{error.line}: {error.message}")
        return
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), dict):
        report.errors.append(f"{shown}:1: a locale file is a mapping with 'messages'")
        return
    if raw.get("lang") != lang:
        report.errors.append(f"{shown}:{line_of(raw, ['lang'])}: 'lang' must be "
                             f"'{lang}', the folder's name")
        return
    for key in sorted(set(raw) - _LOCALE_KEYS):
        report.errors.append(f"{shown}:{line_of(raw, [key])}: unknown key '{key}'")
    for mid, entry in raw["messages"].items():
        where = f"{shown}:{line_of(raw, ['messages', mid])}"
        if mid in seen:
            report.errors.append(f"{where}: {mid}: also translated in {seen[mid]}")
            continue
        seen[mid] = shown
        if _check_message(where, mid, entry, _english_of(mid, english), report):
            translated[mid] = (where, entry["text"])


_PLURAL_FORMS = ("zero", "one", "two", "few", "many")


def _plural_bases(english: Mapping[str, str]) -> list[str]:
    """The plural messages: ids whose English has ``.one`` and ``.other`` forms."""
    return [mid[:-len(".other")] for mid in english
            if mid.endswith(".other") and mid[:-len(".other")] + ".one" in english]


@functools.lru_cache(maxsize=4)
def _plural_forms_used(lang: str) -> tuple[str, ...]:
    """The plural forms a count from 0 to 1,000 takes in ``lang`` besides ``other`` (Russian:
    one, few, many): a plural message is translated in each."""
    from .texts import plural_form

    return tuple(sorted({plural_form(lang, count) for count in range(1001)} - {"other"}))


def _english_of(mid: str, english: Mapping[str, str]) -> str | None:
    """The English a translation ``mid`` is made from: its own, or for a plural form the
    English has not (Russian ``few``, ``many``), the English ``other`` form."""
    if mid in english:
        return english[mid]
    base, _, form = mid.rpartition(".")
    return english.get(f"{base}.other") if form in _PLURAL_FORMS else None


def _check_message(where: str, mid: str, entry: Any, source: str | None,
                   report: LocaleReport) -> bool:
    """One translation: an English message's id, its hash and text, the same placeholders.
    True when it is well formed (a stale one too)."""
    if source is None:
        report.errors.append(f"{where}: {mid}: extra key (no English message has this id)")
        return False
    if (not isinstance(entry, dict) or set(entry) != {"en", "text"}
            or not isinstance(entry["text"], str) or not entry["text"].strip()
            or not isinstance(entry["en"], str)):
        report.errors.append(f"{where}: {mid}: a translation is 'en' (the English text's "
                             "hash) and a non-empty 'text'")
        return False
    lost = sorted(placeholders(source) - placeholders(entry["text"]))
    added = sorted(placeholders(entry["text"]) - placeholders(source))
    parts = ([f"missing {', '.join('{' + p + '}' for p in lost)}"] if lost else []) + (
        [f"added {', '.join('{' + p + '}' for p in added)}"] if added else [])
    if parts:
        report.errors.append(f"{where}: {mid}: placeholder {'; '.join(parts)}")
    if entry["en"] != text_hash(source):
        report.warnings.append(f"{where}: {mid}: stale: the English text changed since it "
                               f"was translated (now {text_hash(source)})")
    return not parts


@dataclass(frozen=True)
class GlossaryTerm:
    """A legal term: its English, its translation per language, and the words (lower case)
    of which a translated text using the term must hold at least one."""

    english: str
    translations: Mapping[str, str]
    expected: Mapping[str, tuple[str, ...]]

    def used_in(self, english_text: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(self.english)}(?![\w-])", english_text,
                         re.IGNORECASE) is not None


def _read_glossary(path: Path, report: LocaleReport) -> list[GlossaryTerm]:
    """The glossary's terms; a badly shaped term is an error (and is skipped).

    Each term gives ``en`` and each language; ``check`` may list, per language, the words
    (stems, for Russian endings) a text using the term must hold; by default the
    translation up to its first parenthesis."""
    from .safeyaml import YamlRefused, line_of

    shown = str(path)
    try:
        raw = _read_locale(path)
    except YamlRefused as error:
        report.errors.append(f"{shown}:{error.line}: {error.message}")
        return []
    entries = raw.get("terms") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        report.errors.append(f"{shown}:1: a glossary is a mapping with 'terms', a list")
        return []
    terms = []
    for number, term in enumerate(entries):
        check = term.get("check", {}) if isinstance(term, dict) else None
        if (not isinstance(term, dict) or set(term) - {"check"} != set(LANGUAGES)
                or not all(isinstance(term[lang], str) and term[lang] for lang in LANGUAGES)
                or not isinstance(check, dict) or not set(check) <= set(LANGUAGES[1:])
                or not all(isinstance(words, list) and words
                           and all(isinstance(w, str) and w for w in words)
                           for words in check.values())):
            report.errors.append(f"{shown}:{line_of(raw, ['terms', number])}: each term "
                                 f"gives {', '.join(LANGUAGES)} (and may give 'check': "
                                 "words per language)")
            continue
        terms.append(GlossaryTerm(
            english=term["en"],
            translations={lang: term[lang] for lang in LANGUAGES[1:]},
            expected={lang: tuple(w.lower() for w in check.get(
                lang, [term[lang].split(" (")[0]])) for lang in LANGUAGES[1:]}))
    return terms


def _glossary_warnings(lang: str, terms: list[GlossaryTerm], english: Mapping[str, str],
                       translated: Mapping[str, tuple[str, str]]) -> list[str]:
    """A warning per translation whose English uses a glossary term and whose text holds
    none of the term's expected words: the term is translated another way."""
    warnings = []
    for mid, (where, text) in translated.items():
        lowered = text.lower()
        for term in terms:
            if term.used_in(_english_of(mid, english) or "") and not any(
                    word in lowered for word in term.expected[lang]):
                warnings.append(f"{where}: {mid}: glossary: '{term.english}' is "
                                f"'{term.translations[lang]}' in {lang}; this text has none "
                                f"of: {', '.join(term.expected[lang])}")
    return warnings


def translation_todo(pack: RulePack, lang: str, prefixes: tuple[str, ...] = ()) -> str:
    """A locale file (``lang:`` and ``messages:``) of what ``lang`` lacks or has stale: each
    entry with the English text's hash, the English as a comment, and ``text`` to write;
    a plural message also in each form the language has (Russian ``few``, ``many``).

    ``text`` is left empty (``rules check`` refuses an empty one), unless the same English
    is already translated under another id: then that translation is offered. ``prefixes``
    limits it to message ids starting with one of them."""
    import json

    english = dict(english_messages(pack))
    for base in _plural_bases(english):
        english.update({f"{base}.{form}": english[f"{base}.other"]
                        for form in _plural_forms_used(lang) if f"{base}.{form}" not in english})
    texts = load_texts(pack, lang)
    hashes = _translated_hashes(pack, lang)
    memory = {english[mid]: text for mid, text in texts.translated.items()
              if mid in english and hashes.get(mid) == text_hash(english[mid])}
    lines = [f"lang: {lang}", "messages:"]
    for mid, source in english.items():
        if prefixes and not mid.startswith(prefixes):
            continue
        if mid in texts.translated and hashes.get(mid) == text_hash(source):
            continue
        lines += [f"  {mid}:", f"    # en: {' '.join(source.split())}",
                  f'    en: "{text_hash(source)}"',
                  f"    text: {json.dumps(memory.get(source, ''), ensure_ascii=False)}"]
    return "\n".join(lines) + "\n"


def _translated_hashes(pack: RulePack, lang: str) -> dict[str, str]:
    """Each translated id's ``en`` hash, as the files give it."""
    hashes: dict[str, str] = {}
    for path in locale_files(pack, lang):
        for mid, entry in _file_messages(path).items():
            if isinstance(entry, dict) and isinstance(entry.get("en"), str):
                hashes[mid] = entry["en"]
    return hashes
