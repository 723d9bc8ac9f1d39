"""Error messages are one printable line whatever the input names hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import AS_OF, run_cli
from parole_screen import AnswerError, ParoleScreenError, RulePack, render, screen_record
from parole_screen.errors import printable


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain_id", "plain_id"),
    ("Україна", "Україна"),
    ("two\nlines", "two\\nlines"),
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
    ("line\u2028sep\r", "line\\u2028sep\\r"),
    ("nul\x00", "nul\\x00"),
])
def test_printable_escapes_what_a_terminal_acts_on(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_a_newline_in_a_key_cannot_forge_a_second_error_line(minimal_pack: RulePack) -> None:
    record = {"id": "r\n1", "answers": {"x\nerror: forged": True}}
    with pytest.raises(AnswerError) as caught:
        screen_record(minimal_pack, record, AS_OF)
    message = str(caught.value)
    assert "\n" not in message
    assert "field 'x\\nerror: forged'" in message and "record r\\n1" in message
    # the key itself is kept as it was for programs (error rows are JSON)
    assert caught.value.field == "x\nerror: forged"
    assert json.loads(json.dumps(caught.value.field)) == "x\nerror: forged"


@pytest.mark.parametrize("command", [["batch"], ["score"]])
def test_a_file_name_cannot_forge_lines_or_reach_the_terminal_raw(command: list[str],
                                                                  tmp_path: Path) -> None:
    name = str(tmp_path / "a\nerror: forged\x1b]0;title\x07.jsonl")
    done = run_cli(*command, name)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert "\x1b" not in done.stderr and "\\nerror: forged\\x1b]0;title\\x07" in done.stderr


def test_a_pack_problem_is_one_printable_line_each(pack_dir: Path) -> None:
    odd = pack_dir.with_name("pack\nerror: forged")
    pack_dir.rename(odd)
    meta = odd / "pack.yaml"
    meta.write_text(meta.read_text().replace("version: 1.0.0", "version: nope"))
    done = run_cli("rules", "check", str(odd))
    assert done.returncode == 1
    problem, count = done.stderr.splitlines()
    assert problem.startswith(f"{printable(str(odd))}/pack.yaml:") and "version" in problem
    assert count == "1 problem found"


def test_an_unknown_report_format_is_a_usage_error(minimal_pack: RulePack) -> None:
    result = screen_record(minimal_pack, {"answers": {}}, AS_OF)
    with pytest.raises(ParoleScreenError, match="unknown report format 'pdf'") as caught:
        render(result, "pdf")
    assert caught.value.kind == "usage"
