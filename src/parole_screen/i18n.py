"""Languages: the English messages a person reads, their translations, and their checks.

Every text a person reads has a *message id*. The interview's own strings and the
report's headings are :data:`UI` (English, in code); the pack's texts (questions, choices,
flags, items, fees, deadlines, the disclaimer) get ids from where they sit in the pack
(:func:`english_messages`). A translation lives in the pack, ``locales/<lang>.yaml``::

    lang: es
    name: Español (América Latina)
    required: [ui., report.]      # id prefixes that must be complete (see below)
    messages:
      ui.progress:
        en: 3f2a91c0              # text_hash() of the English it was made from
        text: pregunta {number} de unas {total}

``locales/glossary.yaml`` holds the legal terms (English -> es, ru) the translations use.

A message with no translation is shown in English (per message: a half-translated pack
still works), and a front end says so once (:attr:`Texts.complete`). Staging: while the
translations are being written, only the ids under ``required`` must all be there;
:func:`check_locales` *counts* the others as untranslated instead of failing, so the pack can
ship the interview and the report headings before every flag and item is done. A missing
required id, an id that is not an English message, and a ``{placeholder}`` added or lost are
errors; a translation whose English has changed since (its ``en`` hash differs) is a
warning: *stale*, to be translated again.

Stored answers, JSON keys and ids never change with the language: only texts do.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Question
    from .pack import RulePack

#: The languages the tool speaks; English is the source of every text.
LANGUAGES = ("en", "es", "ru")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "ru": "Russian"}
LANG_ENV = "PAROLE_SCREEN_LANG"
LOCALE_DIR = "locales"
GLOSSARY_FILE = "glossary.yaml"
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_LOCALE_KEYS = frozenset({"lang", "name", "required", "messages"})

#: The interview's own strings and the report's fixed texts, in English. ``{name}`` marks
#: a value filled in when shown; a translation keeps exactly the same placeholders.
UI: dict[str, str] = {
    # -- the interview
    "ui.banner.title": "Parole screening ({pack} {version}). A screening, not legal advice.",
    "ui.banner.what": "Immigration parole lets someone be in the U.S. for a time, for an "
                      "urgent reason.",
    "ui.banner.person": '"The person" and "they" mean whoever needs parole: you or someone '
                        "you help.",
    "ui.banner.continuing_one": "Continuing your saved interview: {count} answer so far.",
    "ui.banner.continuing": "Continuing your saved interview: {count} answers so far.",
    "ui.banner.commands": 'Type ? for help, "don\'t know" if unsure, back, review or quit. '
                          "Answers are saved as you go.",
    "ui.commands": "At any question you can type: ? for help, back for the previous "
                   "question, review to see and change your answers, \"don't know\" if you "
                   "do not know, save to save now, quit to save and stop.",
    "ui.progress": "question {number} of about {total}",
    "ui.keep": "Press Enter to keep: {shown}",
    "ui.help.none": "There is no extra help for this question.",
    "ui.help.dont_know": "If you do not know, type \"don't know\": the question is left "
                         "unanswered, and the report lists it as something to find out.",
    "ui.help.review": "Type the number of an answer to change it. Press Enter when "
                      "everything is right.",
    "ui.hint.yes_no": "Type y for yes or n for no",
    "ui.hint.choice": "Type a number from 1 to {count}",
    "ui.hint.multi": "Type the numbers of all that apply, separated by commas (for example "
                     "1,3)",
    "ui.hint.date": "Type a date, for example 2027-03-31, 03/31/2027 or 31 March 2027",
    "ui.hint.country": "Type a country name or its two-letter code (for example UA)",
    "ui.hint.money": "Type an amount in U.S. dollars (for example 2500)",
    "ui.hint.number": "Type a number",
    "ui.hint.number_range": "Type a number from {low} to {high}",
    "ui.hint.number_min": "Type a number of at least {low}",
    "ui.hint.number_max": "Type a number of at most {high}",
    "ui.hint.text": "Type your answer",
    "ui.hint.or_dont_know": ', or "don\'t know".',
    "ui.hint.end": ".",
    "ui.hint.skip": " Press Enter to skip.",
    "ui.yes": "Yes",
    "ui.no": "No",
    "ui.invalid.yes_no": "Please type y for yes or n for no.",
    "ui.invalid.required": "Please answer this question (type ? for help).",
    "ui.at_start": "This is the first question.",
    "ui.date.read_as": "Read as {date}.",
    "ui.date.confirm": "Did you mean {date}? Type y if so, or type the date again (for "
                       "example 2027-01-15).",
    "ui.date.again": "Type the date again, for example 2027-01-15.",
    "ui.unknown_left": "Left unanswered: the report will list it as something to find out.",
    "ui.review.title_final": "Review your answers",
    "ui.review.title": "Your answers so far",
    "ui.review.question": "question",
    "ui.review.answer": "answer",
    "ui.review.none": "(no answers yet)",
    "ui.review.dont_know": "(don't know)",
    "ui.review.skipped": "(skipped)",
    "ui.review.more": "Answers {first}-{last} of {count}: type m for more.",
    "ui.review.footer_report": "Type a number to change that answer, or press Enter to see "
                               "the report.",
    "ui.review.footer_questions": "Type a number to change that answer, or press Enter to "
                                  "go back to the questions.",
    "ui.review.invalid": "Type the number of an answer to change it, or press Enter to "
                         "continue.",
    "ui.settled.head": "Your answers so far already decide the main result of this "
                       "screening:",
    "ui.settled.goes_on": "The questions go on, since they fill in the rest of the report; "
                          "to see the report now instead, type report at the next question.",
    "ui.offer.body": "The questions left cannot change this, but they fill in the rest of "
                     "the report (fees, documents, other routes).",
    "ui.offer.now": "  1. See the report now",
    "ui.offer.remaining": "  2. Answer the remaining questions",
    "ui.offer.remaining_count": "  2. Answer the remaining questions (about {count} more)",
    "ui.offer.type": "Type 1 or 2 (Enter: 2).",
    "ui.offer.invalid": "Type 1 to see the report now, or 2 (or press Enter) to answer the "
                        "remaining questions.",
    "ui.report_after": "The report comes after the questions (type review to see your "
                       "answers, or quit to stop and continue later).",
    "ui.saved": "Saved.",
    "ui.stopped": "Interview stopped.",
    "ui.paused": "Interview paused.",
    "ui.saved_in": "{what} Your answers are saved in {path}.",
    "ui.continue_later": "To continue later, run:",
    "ui.fallback": "note: some texts are not translated into this language yet; they are "
                   "shown in English.",
    # -- the report
    "report.title": "Immigration parole screening report",
    "report.header": "Report",
    "report.summary": "What this means",
    "report.do_first": "Do this first",
    "report.cost": "Expected cost on {date}",
    "report.bands": "How each kind of parole fits",
    "report.timeline": "Dates that matter",
    "report.help": "A screening, not legal advice",
    "report.what_would_change": "What would change the result",
    "report.to_find_out": "What to find out",
    "report.flags": "Warnings and referrals",
    "report.next_steps": "Next steps",
    "report.deadlines": "Deadlines",
    "report.milestones": "Dates to know (not dates to act by)",
    "report.why": "Why",
    "report.weakens": "What weakens it",
    "report.not_enough": "Points in favour, but not enough",
    "report.evidence": "Evidence checklist",
    "report.forms": "Forms",
    "report.fees": "Fees in force on {date}",
    "report.alternatives": "Other routes to consider",
    "report.after_approval": "After approval",
    "report.if_denied": "If it is denied",
    "report.always": "Keep in mind",
    "report.sources": "Sources",
    "report.other_sources": "Other sources consulted",
    "report.about": "About this screening",
    "report.explain": "How each band was reached",
    "report.trace": "Rule trace",
    "report.none_fits": "None of the four kinds of parole fits these answers.",
    "report.some_missing": "Some answers are missing, so no kind of parole can be named yet.",
    "report.find_help": "To find an accredited representative: the Justice Department's "
                        "list of recognized organizations and accredited representatives "
                        "({eoir}). To find an immigration lawyer: the American Immigration "
                        "Lawyers Association's lawyer search ({aila}).",
}


def text_hash(english: str) -> str:
    """The short hash a translation carries of the English it was made from."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:8]


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def fill(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each ``{name}`` replaced; other braces are left as they are."""
    if not values:
        return text
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def english_messages(pack: RulePack | None) -> dict[str, str]:
    """Every English message id and text: :data:`UI`, then the pack's texts."""
    messages = dict(UI)
    if pack is None:
        return messages
    messages["pack.disclaimer"] = " ".join(pack.meta.disclaimer.split())
    for number, text in enumerate(pack.meta.always, 1):
        messages[f"pack.always.{number}"] = text
    for entry in pack.questions:
        messages.update(_question_messages(entry.question))
    for flag in pack.flags:
        messages[f"flag.{flag.flag.id}"] = flag.flag.text
    for item in pack.items:
        messages[f"item.{item.item.id}"] = item.item.text
    for fee in pack.fees:
        messages[f"fee.{fee.fee.id}.label"] = fee.fee.label
        if fee.fee.note:
            messages[f"fee.{fee.fee.id}.note"] = fee.fee.note
    for deadline in pack.deadlines:
        messages[f"deadline.{deadline.deadline.id}.label"] = deadline.deadline.label
    messages.update(_rule_messages(pack))
    return messages


def _rule_messages(pack: RulePack) -> dict[str, str]:
    """The categories' and bases' labels, each rule's note (``note.<catalogue id>``, the ids
    compact rows use) and each piece of evidence; the fee exceptions' texts."""
    from .engine.compiled import RULE_GROUPS, note_ids

    notes = note_ids(pack)
    messages: dict[str, str] = {}
    for compiled in pack.categories:
        messages[f"category.{compiled.category.id}"] = compiled.category.label
        for entry in compiled.bases:
            messages[f"basis.{entry.rule_id}"] = entry.basis.label
            for group in RULE_GROUPS:
                for rule in getattr(entry, group):
                    messages[f"note.{notes[rule.rule_id, group, False]}"] = rule.factor.text
                    if group == "requires" and rule.factor.fail_text:
                        messages[f"note.{notes[rule.rule_id, group, True]}"] = \
                            rule.factor.fail_text
            for evidence in entry.evidence:
                messages[f"evidence.{entry.rule_id}.{evidence.evidence.id}"] = \
                    evidence.evidence.text
    for fee in pack.fees:
        if fee.fee.exception_text:
            messages[f"fee.{fee.fee.id}.exception"] = fee.fee.exception_text
    return messages


def _question_messages(question: Question) -> dict[str, str]:
    messages = {f"question.{question.id}.text": question.text}
    if question.help:
        messages[f"question.{question.id}.help"] = question.help
    for choice in question.choices:
        messages[f"question.{question.id}.choice.{choice.value}"] = choice.label
        if choice.help:
            messages[f"question.{question.id}.choice.{choice.value}.help"] = choice.help
    return messages


@dataclass(frozen=True)
class Texts:
    """The messages of one language; any message not translated is shown in English."""

    lang: str = "en"
    translated: Mapping[str, str] = field(default_factory=dict)
    #: False when some message of the pack has no translation (a front end says so once).
    complete: bool = True

    def __call__(self, message_id: str, /, **values: Any) -> str:
        """The :data:`UI` message ``message_id`` in this language, placeholders filled."""
        return fill(self.translated.get(message_id) or UI[message_id], values)

    def pack_text(self, message_id: str, english: str) -> str:
        """A pack text by its id (see :func:`english_messages`), else ``english``."""
        return self.translated.get(message_id) or english


ENGLISH = Texts()


def localized_question(question: Question, texts: Texts) -> Question:
    """``question`` with its text, help and choice labels in the language of ``texts``;
    its id, type and choice values (what answers store) are kept."""
    if texts.lang == "en":
        return question
    prefix = f"question.{question.id}"
    choices = tuple(choice.model_copy(update={
        "label": texts.pack_text(f"{prefix}.choice.{choice.value}", choice.label),
        "help": texts.pack_text(f"{prefix}.choice.{choice.value}.help", choice.help)})
        for choice in question.choices)
    return question.model_copy(update={
        "text": texts.pack_text(f"{prefix}.text", question.text),
        "help": texts.pack_text(f"{prefix}.help", question.help) if question.help else "",
        "choices": choices})


def resolve_lang(given: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use: ``given``, else ``$PAROLE_SCREEN_LANG``, else the locale's
    (``$LANG``, e.g. ``es_MX.UTF-8`` is ``es``), else English. An unknown one is English."""
    env = os.environ if environ is None else environ
    for candidate in (given, env.get(LANG_ENV), env.get("LANG")):
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
            if isinstance(text, str) and text.strip() and mid in english:
                translated[mid] = text
    return Texts(lang, translated, complete=set(english) <= set(translated))


@dataclass
class LocaleReport:
    """What :func:`check_locales` found: errors fail ``rules check``; warnings and the
    untranslated counts are reported."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    untranslated: dict[str, int] = field(default_factory=dict)


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
    required: list[str] = []
    last = ""
    for path in sorted(folder.glob("*.yaml")):
        last = str(path)
        required += _check_locale_file(path, lang, english, seen, translated, report)
    missing = [mid for mid in english if mid not in seen]
    for mid in missing:
        if any(mid.startswith(prefix) for prefix in required):
            report.errors.append(f"{last or folder}: {mid}: missing key (required in this "
                                 "language)")
    report.untranslated[lang] = len(missing)
    return translated


def _check_locale_file(path: Path, lang: str, english: Mapping[str, str],
                       seen: dict[str, str], translated: dict[str, tuple[str, str]],
                       report: LocaleReport) -> list[str]:
    """Check one file of a language (ids already ``seen`` in another file are errors);
    return its ``required`` prefixes."""
    from .safeyaml import YamlRefused, line_of

    shown = str(path)
    try:
        raw = _read_locale(path)
    except YamlRefused as error:
        report.errors.append(f"{shown}:{error.line}: {error.message}")
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), dict):
        report.errors.append(f"{shown}:1: a locale file is a mapping with 'messages'")
        return []
    if raw.get("lang") != lang:
        report.errors.append(f"{shown}:{line_of(raw, ['lang'])}: 'lang' must be "
                             f"'{lang}', the folder's name")
        return []
    for key in sorted(set(raw) - _LOCALE_KEYS):
        report.errors.append(f"{shown}:{line_of(raw, [key])}: unknown key '{key}'")
    for mid, entry in raw["messages"].items():
        where = f"{shown}:{line_of(raw, ['messages', mid])}"
        if mid in seen:
            report.errors.append(f"{where}: {mid}: also translated in {seen[mid]}")
            continue
        seen[mid] = shown
        if _check_message(where, mid, entry, english.get(mid), report):
            translated[mid] = (where, entry["text"])
    required = raw.get("required") or []
    if not isinstance(required, list) or not all(isinstance(p, str) for p in required):
        report.errors.append(f"{shown}:{line_of(raw, ['required'])}: 'required' is a list "
                             "of message id prefixes")
        return []
    return required


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
            if term.used_in(english[mid]) and not any(
                    word in lowered for word in term.expected[lang]):
                warnings.append(f"{where}: {mid}: glossary: '{term.english}' is "
                                f"'{term.translations[lang]}' in {lang}; this text has none "
                                f"of: {', '.join(term.expected[lang])}")
    return warnings


def translation_todo(pack: RulePack, lang: str, prefixes: tuple[str, ...] = ()) -> str:
    """A locale file's ``messages:`` block for what ``lang`` lacks or has stale: each entry
    with the English text's hash, the English as a comment, and ``text`` to write.

    ``text`` is left empty (``rules check`` refuses an empty one), unless the same English
    is already translated under another id: then that translation is offered. ``prefixes``
    limits it to message ids starting with one of them."""
    import json

    english = english_messages(pack)
    texts = load_texts(pack, lang)
    hashes = _translated_hashes(pack, lang)
    memory = {english[mid]: text for mid, text in texts.translated.items()
              if hashes.get(mid) == text_hash(english[mid])}
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
