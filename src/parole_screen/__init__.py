"""parole-screen: screen answers against U.S. immigration parole law (INA 212(d)(5)(A)).

A screening, not legal advice. The public API::

    from parole_screen import load_pack, screen
    pack = load_pack()                        # the bundled rule pack, or a directory
    result = screen(pack, {"reason_type": "medical", ...}, as_of=date(2026, 1, 1))

Everything the command line uses is here too: the command line imports nothing else from
the package, so it can do only what the library can. Names are imported on first use, so
``parole-screen --version`` stays as fast as a bare ``import typer``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers only; __getattr__ below loads names lazily
    from .answers import MAX_YEAR, MIN_YEAR, coerce_answers, split_record
    from .batch import (
        BatchOptions,
        BatchStats,
        InputSource,
        output_file,
        output_format_for,
        resolve_inputs,
        run_batch,
    )
    from .engine import (
        RESULT_SCHEMA,
        ROW_SCHEMA,
        Result,
        RowError,
        effective_answers,
        expand_row,
        screen,
        screen_many,
        screen_record,
        text_catalog,
    )
    from .errors import (
        AnswerError,
        OutputExistsError,
        PackError,
        ParoleScreenError,
        SessionError,
        printable,
    )
    from .facts import fact_rows
    from .files import check_output_path, read_json_record, write_private
    from .i18n import (
        LANGUAGE_NAMES,
        LANGUAGES,
        check_locales,
        load_texts,
        localized_question,
        resolve_lang,
        translation_todo,
    )
    from .interview import (
        COMMANDS_HELP,
        TRANSLATED,
        Interview,
        Step,
        answer_hint,
        choice_number,
    )
    from .loader import default_pack_path, load_pack
    from .localize import localized_pack, pack_in
    from .models import Question
    from .pack import RulePack
    from .report import glossary, print_rich, render
    from .scenarios import TESTS_DIR as SCENARIO_DIR
    from .scenarios import Coverage, ScenarioOutcome, load_scenarios, run_scenarios
    from .scenarios import coverage as scenario_coverage
    from .schema import answers_schema
    from .session import (
        InterviewStart,
        Session,
        SessionExistsError,
        SessionLockedError,
        begin_interview,
        default_session_path,
        load_session,
        save_answers_file,
        save_session,
        session_lock,
    )
    from .texts import Texts
    from .what_if_text import change_sentences

# public name -> "module" (same name there) or "module:name"
_EXPORTS = {
    "MAX_YEAR": "answers",
    "MIN_YEAR": "answers",
    "coerce_answers": "answers",
    "split_record": "answers",
    "BatchOptions": "batch",
    "BatchStats": "batch",
    "InputSource": "batch",
    "output_file": "batch",
    "output_format_for": "batch",
    "resolve_inputs": "batch",
    "run_batch": "batch",
    "RESULT_SCHEMA": "engine",
    "Result": "engine",
    "effective_answers": "engine",
    "screen": "engine",
    "screen_many": "engine",
    "screen_record": "engine",
    "ROW_SCHEMA": "engine",
    "RowError": "engine",
    "expand_row": "engine",
    "text_catalog": "engine",
    "AnswerError": "errors",
    "OutputExistsError": "errors",
    "PackError": "errors",
    "ParoleScreenError": "errors",
    "SessionError": "errors",
    "printable": "errors",
    "fact_rows": "facts",
    "check_output_path": "files",
    "read_json_record": "files",
    "write_private": "files",
    "COMMANDS_HELP": "interview",
    "TRANSLATED": "interview",
    "Interview": "interview",
    "Step": "interview",
    "answer_hint": "interview",
    "choice_number": "interview",
    "LANGUAGE_NAMES": "i18n",
    "Texts": "texts",
    "check_locales": "i18n",
    "load_texts": "i18n",
    "localized_pack": "localize",
    "pack_in": "localize",
    "translation_todo": "i18n",
    "LANGUAGES": "i18n",
    "resolve_lang": "i18n",
    "localized_question": "i18n",
    "default_pack_path": "loader",
    "load_pack": "loader",
    "Question": "models",
    "RulePack": "pack",
    "glossary": "report",
    "print_rich": "report",
    "render": "report",
    "SCENARIO_DIR": "scenarios:TESTS_DIR",
    "Coverage": "scenarios",
    "ScenarioOutcome": "scenarios",
    "load_scenarios": "scenarios",
    "run_scenarios": "scenarios",
    "scenario_coverage": "scenarios:coverage",
    "answers_schema": "schema",
    "InterviewStart": "session",
    "Session": "session",
    "SessionExistsError": "session",
    "SessionLockedError": "session",
    "begin_interview": "session",
    "default_session_path": "session",
    "load_session": "session",
    "save_answers_file": "session",
    "save_session": "session",
    "session_lock": "session",
    "change_sentences": "what_if_text",
}

__all__ = [
    "COMMANDS_HELP",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "MAX_YEAR",
    "MIN_YEAR",
    "RESULT_SCHEMA",
    "ROW_SCHEMA",
    "SCENARIO_DIR",
    "TRANSLATED",
    "AnswerError",
    "BatchOptions",
    "BatchStats",
    "Coverage",
    "InputSource",
    "Interview",
    "InterviewStart",
    "OutputExistsError",
    "PackError",
    "ParoleScreenError",
    "Question",
    "Result",
    "RowError",
    "RulePack",
    "ScenarioOutcome",
    "Session",
    "SessionError",
    "SessionExistsError",
    "SessionLockedError",
    "Step",
    "Texts",
    "__version__",
    "answer_hint",
    "answers_schema",
    "begin_interview",
    "change_sentences",
    "check_locales",
    "check_output_path",
    "choice_number",
    "coerce_answers",
    "default_pack_path",
    "default_session_path",
    "effective_answers",
    "expand_row",
    "fact_rows",
    "glossary",
    "load_pack",
    "load_scenarios",
    "load_session",
    "load_texts",
    "localized_pack",
    "localized_question",
    "output_file",
    "output_format_for",
    "pack_in",
    "print_rich",
    "printable",
    "read_json_record",
    "render",
    "resolve_inputs",
    "resolve_lang",
    "run_batch",
    "run_scenarios",
    "save_answers_file",
    "save_session",
    "scenario_coverage",
    "screen",
    "screen_many",
    "screen_record",
    "session_lock",
    "split_record",
    "text_catalog",
    "translation_todo",
    "write_private",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("parole-screen")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0.0.0"
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'parole_screen' has no attribute '{name}'")
    module, _, attribute = where.partition(":")
    return getattr(import_module(f".{module}", __name__), attribute or name)


def __dir__() -> list[str]:
    return __all__
