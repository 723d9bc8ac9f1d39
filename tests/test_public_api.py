"""The public API is the command line's API: pinned names, and a CLI that uses nothing else."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import parole_screen
from conftest import REPO

CLI = REPO / "src" / "parole_screen" / "cli"

PUBLIC = [
    "COMMANDS_HELP", "RESULT_SCHEMA", "SCENARIO_DIR", "TRANSLATED",
    "AnswerError", "Coverage", "Interview", "InterviewStart", "OutputExistsError", "PackError",
    "ParoleScreenError", "Question", "Result", "RulePack", "ScenarioOutcome", "Session",
    "SessionError", "SessionExistsError", "Step", "__version__", "answer_hint",
    "answers_schema", "begin_interview", "check_output_path", "choice_number",
    "coerce_answers", "default_pack_path", "default_session_path", "effective_answers",
    "fact_rows", "glossary", "load_pack", "load_scenarios", "load_session", "print_rich",
    "read_json_record", "render", "run_scenarios", "save_answers_file", "save_session",
    "scenario_coverage", "screen", "screen_many", "screen_record", "split_record",
    "write_private", "ROW_SCHEMA", "RowError", "expand_row", "text_catalog",
    "BatchOptions", "BatchStats", "InputSource", "output_file", "output_format_for",
    "resolve_inputs", "run_batch", "printable", "SessionLockedError", "session_lock",
    "change_sentences",
    "LANGUAGE_NAMES", "LANGUAGES", "Texts", "check_locales", "load_texts",
    "localized_question", "translation_todo", "localized_pack", "pack_in",
    "resolve_lang", "MIN_YEAR", "MAX_YEAR",
]


def test_all_is_pinned() -> None:
    """Adding or removing a public name is a decision: change this list and CHANGELOG.md."""
    assert sorted(parole_screen.__all__) == sorted(PUBLIC)
    assert len(set(parole_screen.__all__)) == len(parole_screen.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(parole_screen, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'engine_internals'"):
        parole_screen.engine_internals  # noqa: B018


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, relative imports resolved against parole_screen.cli."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ["parole_screen", "cli"][: max(0, 3 - node.level)] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, module))
    return found


def test_the_cli_imports_only_the_public_package() -> None:
    own = {f"parole_screen.cli.{path.stem}" for path in CLI.glob("*.py")} | {"parole_screen.cli"}
    offending = [f"{path.name}:{line}: {module}"
                 for path in sorted(CLI.glob("*.py"))
                 for line, module in _imported_modules(path)
                 if module.startswith("parole_screen.") and module not in own]
    assert offending == []


def test_the_import_check_sees_a_private_import(tmp_path: Path) -> None:
    """The check above can fail: a relative and an absolute private import are both seen."""
    sample = tmp_path / "sample.py"
    sample.write_text("from ..engine import screen\nimport parole_screen.loader\n"
                      "from parole_screen import screen\nfrom .common import fail\n")
    assert _imported_modules(sample) == [(1, "parole_screen.engine"),
                                         (2, "parole_screen.loader"),
                                         (3, "parole_screen"),
                                         (4, "parole_screen.cli.common")]


def test_importing_the_package_loads_no_library_module() -> None:
    """``import parole_screen`` stays as cheap as the CLI's --version needs."""
    code = ("import sys, parole_screen; "
            "print(sorted(m for m in sys.modules if m.startswith('parole_screen.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
