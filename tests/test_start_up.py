"""What keeps ``score FILE`` quick to start: no pydantic unless a pack is checked.

Speed itself is measured by benchmarks/batch.py (``score FILE`` against the floor of
``python -c "import typer, rich, pydantic, yaml"``), never by a timed test; these tests pin
what that speed rests on.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from conftest import REPO
from parole_screen import load_pack
from parole_screen.cli import params

EXAMPLE = REPO / "examples" / "reparole_u4u.json"

# Runs the CLI in a fresh interpreter and lists the pydantic modules it loaded.
SCORE_AND_LIST_PYDANTIC = """
import sys
from parole_screen.cli import app
try:
    app(sys.argv[1:])
except SystemExit as leaving:
    assert leaving.code in (0, None), leaving.code
loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core'))
print('PYDANTIC:', ' '.join(loaded), file=sys.stderr)
"""


def _score(cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAROLE_SCREEN_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", SCORE_AND_LIST_PYDANTIC, "score", str(EXAMPLE),
         "--as-of", "2026-12-01", "--format", "json"],
        capture_output=True, text=True, env=env, check=True)


def _pydantic_modules(done: subprocess.CompletedProcess[str]) -> list[str]:
    line = next(line for line in done.stderr.splitlines() if line.startswith("PYDANTIC:"))
    return line.split()[1:]


def test_score_from_the_cache_imports_no_pydantic(tmp_path: Path) -> None:
    first = _score(tmp_path / "cache")  # checks the pack: pydantic does that
    assert "pydantic.type_adapter" in _pydantic_modules(first)
    again = _score(tmp_path / "cache")
    assert _pydantic_modules(again) == []
    assert again.stdout == first.stdout  # the same report, from the checked or cached pack


def test_checking_a_pack_still_refuses_what_pydantic_refuses(tmp_path: Path) -> None:
    """The models are plain dataclasses now; pydantic still checks each pack file."""
    pack = tmp_path / "rules"
    (pack).mkdir()
    (pack / "pack.yaml").write_text(
        "id: tiny\ntitle: T\nversion: v1\nas_of: 2026-01-01\njurisdiction: US\n"
        "disclaimer: D\nbands: {strong: 40, possible: 45}\nflavour: x\n")
    from parole_screen.errors import PackError

    with pytest.raises(PackError) as refused:
        load_pack(pack)
    text = "\n".join(refused.value.problems)
    assert "version: String should match pattern" in text
    assert "bands: Value error, need 0 <= possible < strong <= 100" in text
    assert "flavour: unknown key" in text


def test_pack_models_are_frozen_and_dump_as_json() -> None:
    pack = load_pack(REPO / "rules")
    question = pack.questions[0].question
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.text = "changed"  # type: ignore[misc]
    changed = question.replace(text="changed")
    assert (changed.text, question.text != "changed") == ("changed", True)
    dumped = question.as_json()
    assert dumped["id"] == question.id
    assert all(value is not None for value in dumped.values())
    assert isinstance(dumped.get("choices", []), list)


# -- converting command-line values without pydantic --------------------------------------

SMALL_APP = """
import sys
from pathlib import Path
from typing import Annotated

import typer

if sys.argv.pop(1) == "plain":
    from parole_screen.cli import params
    params.install()


def length(value: str | int) -> int:
    if isinstance(value, int):  # the default: Typer hands it to the parser too
        return value
    if value == "bad":
        raise typer.BadParameter("not a length")
    if value == "worse":
        raise ValueError("not a length either: \x1b[31m")
    return len(value)


def upper(value: str) -> str:
    return value.upper()


app = typer.Typer()


@app.command()
def show(
    name: Annotated[str, typer.Argument()],
    path: Annotated[Path | None, typer.Option("--path")] = None,
    many: Annotated[list[str] | None, typer.Option("--many")] = None,
    parsed: Annotated[int, typer.Option("--parsed", parser=length)] = 0,
    count: Annotated[int | None, typer.Option("--count")] = None,
    flag: Annotated[bool, typer.Option("--flag")] = False,
    langs: Annotated[list[str] | None, typer.Option("--lang", parser=upper)] = None,
) -> None:
    values = {"name": name, "path": path, "many": many, "parsed": parsed, "count": count,
              "flag": flag, "langs": langs}
    print(repr(sorted(values.items())))
    print(sorted(m for m in sys.modules if m.startswith("pydantic.")), file=sys.stderr)


@app.command()
def other() -> None:
    pass


app()
"""


def _small_app(tmp_path: Path, way: str, *argv: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "small_app.py"
    script.write_text(SMALL_APP)
    return subprocess.run([sys.executable, str(script), way, "show", *argv],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("argv", [
    ["ann"],
    ["ann", "--path", "x/y", "--many", "a", "--many", "b", "--parsed", "four", "--flag"],
    ["ann", "--lang", "es", "--lang", "ru"],
    ["ann", "--parsed", "bad"],
    ["ann", "--count", "7"],
    ["ann", "--count", "seven"],
])
def test_values_convert_as_typer_would(tmp_path: Path, argv: list[str]) -> None:
    """The same values, exit codes and errors as Typer's own conversion, without pydantic
    (unless a value that only Typer converts arrives: ``--count``, an int)."""
    typers = _small_app(tmp_path, "typer", *argv)
    plain = _small_app(tmp_path, "plain", *argv)
    assert (plain.returncode, plain.stdout) == (typers.returncode, typers.stdout)
    if typers.returncode != 0:
        assert plain.stderr == typers.stderr
    elif "--count" not in argv and typer.__version__.startswith("0.29."):
        assert "pydantic.type_adapter" in typers.stderr  # what the hook spares
        assert plain.stderr.strip() == "[]"


def test_a_parsers_value_error_is_said_plainly_and_escaped(tmp_path: Path) -> None:
    done = _small_app(tmp_path, "plain", "ann", "--parsed", "worse")
    assert done.returncode == 2
    assert "not a length either: \\x1b[31m" in done.stderr  # no raw ESC reaches the terminal
    assert "\x1b" not in done.stderr and "Value error" not in done.stderr


def test_the_conversion_hook_is_installed() -> None:
    """Written against Typer 0.29; another Typer converts its own way (slower to start)."""
    if not typer.__version__.startswith("0.29."):
        pytest.skip(f"Typer {typer.__version__}: the hook may not fit it")
    assert params.install() is True  # already in place (the CLI installs it): a no-op


@pytest.mark.parametrize(("annotation", "expected"), [
    (str, str), (Path, Path), (list[str], params._strings), (int, None), (bool, None),
])
def test_which_types_are_converted_here(annotation: Any, expected: Any) -> None:
    info = typer.models.OptionInfo()
    assert params.converter_for(annotation, info) is expected


@pytest.mark.parametrize("check", [{"exists": True}, {"resolve_path": True},
                                   {"file_okay": False}, {"dir_okay": False}])
def test_a_path_typer_would_check_is_left_to_typer(check: dict[str, bool]) -> None:
    assert params.converter_for(Path, typer.models.OptionInfo(**check)) is None
