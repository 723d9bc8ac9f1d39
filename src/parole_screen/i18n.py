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


def load_texts(pack: RulePack, lang: str) -> Texts:
    """The texts of ``lang`` from the pack's ``locales/<lang>.yaml`` (English where none).

    A locale file that cannot be read leaves the language in English; ``rules check`` says
    what is wrong with it."""
    if lang == "en":
        return ENGLISH
    path = pack.path / LOCALE_DIR / f"{lang}.yaml"
    english = english_messages(pack)
    try:
        raw = _read_locale(path) if path.is_file() else None
    except Exception:  # a damaged file: English, and `rules check` names the problem
        raw = None
    messages = raw.get("messages") if isinstance(raw, dict) else None
    translated: dict[str, str] = {}
    if isinstance(messages, dict):
        for mid, entry in messages.items():
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
    """Check every ``locales/*.yaml`` of ``pack`` against its English messages."""
    report = LocaleReport()
    folder = pack.path / LOCALE_DIR
    if not folder.is_dir():
        return report
    english = english_messages(pack)
    for path in sorted(folder.glob("*.yaml")):
        if path.name == GLOSSARY_FILE:
            report.errors += _check_glossary(path)
        else:
            _check_locale(path, english, report)
    return report


def _check_locale(path: Path, english: Mapping[str, str], report: LocaleReport) -> None:
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
    lang = raw.get("lang")
    if lang != path.stem or lang not in LANGUAGES or lang == "en":
        report.errors.append(f"{shown}:1: 'lang' must be '{path.stem}', one of "
                             f"{', '.join(LANGUAGES[1:])}")
        return
    for key in sorted(set(raw) - _LOCALE_KEYS):
        report.errors.append(f"{shown}:{line_of(raw, [key])}: unknown key '{key}'")
    required = raw.get("required") or []
    if not isinstance(required, list) or not all(isinstance(p, str) for p in required):
        report.errors.append(f"{shown}:{line_of(raw, ['required'])}: 'required' is a list "
                             "of message id prefixes")
        required = []
    messages = raw["messages"]
    for mid, entry in messages.items():
        _check_message(f"{shown}:{line_of(raw, ['messages', mid])}", mid, entry,
                       english.get(mid), report)
    missing = [mid for mid in english if mid not in messages]
    for mid in missing:
        if any(mid.startswith(prefix) for prefix in required):
            report.errors.append(f"{shown}:{line_of(raw, ['messages'])}: {mid}: missing key "
                                 "(required in this language)")
    report.untranslated[lang] = len(missing)


def _check_message(where: str, mid: str, entry: Any, source: str | None,
                   report: LocaleReport) -> None:
    """One translation: an English message's id, its hash and text, the same placeholders."""
    if source is None:
        report.errors.append(f"{where}: {mid}: extra key (no English message has this id)")
        return
    if (not isinstance(entry, dict) or set(entry) != {"en", "text"}
            or not isinstance(entry["text"], str) or not entry["text"].strip()
            or not isinstance(entry["en"], str)):
        report.errors.append(f"{where}: {mid}: a translation is 'en' (the English text's "
                             "hash) and a non-empty 'text'")
        return
    lost = sorted(placeholders(source) - placeholders(entry["text"]))
    added = sorted(placeholders(entry["text"]) - placeholders(source))
    parts = ([f"missing {', '.join('{' + p + '}' for p in lost)}"] if lost else []) + (
        [f"added {', '.join('{' + p + '}' for p in added)}"] if added else [])
    if parts:
        report.errors.append(f"{where}: {mid}: placeholder {'; '.join(parts)}")
    if entry["en"] != text_hash(source):
        report.warnings.append(f"{where}: {mid}: stale: the English text changed since it "
                               f"was translated (now {text_hash(source)})")


def _check_glossary(path: Path) -> list[str]:
    from .safeyaml import YamlRefused, line_of

    shown = str(path)
    try:
        raw = _read_locale(path)
    except YamlRefused as error:
        return [f"{shown}:{error.line}: {error.message}"]
    terms = raw.get("terms") if isinstance(raw, dict) else None
    if not isinstance(terms, list):
        return [f"{shown}:1: a glossary is a mapping with 'terms', a list"]
    problems = []
    for number, term in enumerate(terms):
        if (not isinstance(term, dict) or set(term) != set(LANGUAGES)
                or not all(isinstance(term[lang], str) and term[lang] for lang in LANGUAGES)):
            problems.append(f"{shown}:{line_of(raw, ['terms', number])}: each term gives "
                            f"{', '.join(LANGUAGES)}")
    return problems
