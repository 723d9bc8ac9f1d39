"""The README stays true: its set-up lines, commands and exit codes match the tool."""

from __future__ import annotations

import re

from conftest import REPO, run_cli

README = (REPO / "README.md").read_text()
TEST_LINE = "python -m pip install -e '.[test]' && python -m pytest"


def test_readme_opens_with_the_two_set_up_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert blocks[0].endswith("&& parole-screen interview")
    assert blocks[1] == TEST_LINE
    assert TEST_LINE in (REPO / ".ci" / "run").read_text().splitlines()


def test_every_command_is_documented() -> None:
    listed = run_cli("--help").stdout + run_cli("rules", "--help").stdout
    commands = {"interview", "score", "batch", "questions", "schema", "rules"}
    for command in commands:
        assert command in listed
        assert f"`parole-screen {command}" in README
    for sub in ("check", "test", "facts"):
        assert f"`parole-screen rules {sub}" in README


def test_every_exit_code_is_documented() -> None:
    table = README[README.index("## Exit codes"):README.index("## Answers")]
    for code in ("0", "1", "2", "3", "130"):
        assert f"| {code} |" in table


def test_readme_example_files_exist() -> None:
    for name in re.findall(r"examples/([\w-]+\.json)", README):
        assert (REPO / "examples" / name).is_file(), name
