"""Issue 18, the staff items: ``batch -`` reads one pretty-printed record as ``score -``
does, the batch summary counts repeated ids, ``rules facts`` is tab-separated when piped,
``-o /dev/null`` is allowed, and help shows plain metavars with help for every option."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import typer

from conftest import MINIMAL, run_cli

MINI = ["--rules", str(MINIMAL)]
AS_OF = ["--as-of", "2026-02-01"]
RECORD = {"id": "case-7", "answers": {"location": "outside_us", "reason": "medical",
                                      "urgency": "serious", "provider": True, "funded": True,
                                      "nationality": "UA", "months": 6}}


def test_batch_stdin_reads_one_pretty_printed_record_as_score_does() -> None:
    text = json.dumps(RECORD, indent=2)
    done = run_cli(*MINI, "batch", "-", "--detail", "full", "-q", *AS_OF, input=text)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert len(rows) == 1
    scored = run_cli(*MINI, "score", "-", "-f", "json", *AS_OF, input=text)
    assert json.loads(rows[0]) == json.loads(scored.stdout)


def test_batch_stdin_still_reads_json_lines_and_arrays() -> None:
    lines = "\n".join(json.dumps(RECORD) for _ in range(3)) + "\n"
    assert len(run_cli(*MINI, "batch", "-", "-q", *AS_OF, input=lines).stdout.splitlines()) == 3
    array = json.dumps([RECORD, RECORD], indent=2)
    assert len(run_cli(*MINI, "batch", "-", "-q", *AS_OF, input=array).stdout.splitlines()) == 2


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_summary_counts_repeated_ids(jobs: str) -> None:
    records = [{**RECORD, "id": name} for name in ("a", "b", "a", "c", "a")]
    records.append({"answers": RECORD["answers"]})  # no id
    text = "".join(json.dumps(record) + "\n" for record in records)
    done = run_cli(*MINI, "batch", "-", "-j", jobs, *AS_OF, input=text)
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip().startswith("ids:")]
    assert line.split(":", 1)[1].strip() == "distinct 3, repeated 2, no id 1"


def test_rules_facts_is_tab_separated_when_piped() -> None:
    done = run_cli("rules", "facts", *AS_OF)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "id\tvalue\tfrom\tsource\tconfidence"
    assert len(lines) > 10
    assert all(line.count("\t") == 4 for line in lines)


@pytest.mark.parametrize("command", [
    ["batch", "-", "-q"], ["score", "-"], ["score", "-", "-f", "html"],
])
def test_out_dev_null_is_allowed(command: list[str]) -> None:
    done = run_cli(*MINI, *command, *AS_OF, "-o", os.devnull, input=json.dumps(RECORD))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)  # still the device


def test_interview_out_dev_null_is_allowed(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(RECORD))
    done = run_cli(*MINI, "interview", "--answers", str(answers), "--no-input", *AS_OF,
                   "-o", os.devnull, "--save-answers", os.devnull)
    assert done.returncode == 0, done.stderr


def _commands(group: Any, ctx: Any) -> list[tuple[str, Any]]:
    """Every command under ``group`` (Typer's click objects), by its full name."""
    found: list[tuple[str, Any]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append((name, command))
        if hasattr(command, "list_commands"):
            found += [(f"{name} {sub}", cmd) for sub, cmd in _commands(command, ctx)]
    return found


def test_every_option_and_argument_has_help_and_a_plain_metavar() -> None:
    from parole_screen.cli import app

    root = typer.main.get_command(app)
    ctx = root.make_context("parole-screen", [], resilient_parsing=True)
    for name, command in [("", root), *_commands(root, ctx)]:
        for param in command.params:
            if param.name in ("help", "install_completion", "show_completion"):
                continue
            assert getattr(param, "help", None), f"{name}: {param.name} has no help text"
        done = run_cli(*name.split(), "--help", env={"COLUMNS": "200"})
        assert done.returncode == 0
        assert "<" not in done.stdout, f"{name}: {done.stdout}"  # no <str>, <int range>
