"""Issue 17: no bad input ends a batch, and every failure is one printable, named line.

Each test is named after the row of the issue's table (or the smaller gap) it holds; the
adversarial case is rerun as the issue wrote it. SECURITY.md maps each promise to these.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, MINIMAL, run_cli
from parole_screen import (
    AnswerError,
    PackError,
    RulePack,
    load_pack,
    load_session,
    screen_record,
    split_record,
)
from parole_screen.errors import SessionError

DAY = AS_OF.isoformat()
RULES = ["--rules", str(MINIMAL)]
HUGE = "7" * 5000  # more digits than Python converts to text (4,300)
GOOD = {"id": "good", "answers": {"location": "outside_us", "reason": "other"}}


def one_error_line(stderr: str) -> str:
    """The one line of stderr, which must be an ``error:`` line with nothing raw in it."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "internal error" not in lines[0], stderr
    assert lines[0].isprintable(), stderr
    return lines[0]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def huge_records() -> list[str]:
    """The issue's row 1: a 5,000-digit integer as an id and as an answer, among good records."""
    return [json.dumps(GOOD),
            '{"id": %s, "answers": {"location": "outside_us"}}'.replace("%s", HUGE),
            '{"id": "big-answer", "answers": {"location": "outside_us", "months": %s}}'
            .replace("%s", HUGE),
            '{"id": "negative", "answers": {"months": -%s}}'.replace("%s", HUGE),
            json.dumps(GOOD)]


# -- row 1: integers of 4,301+ digits ------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("layout", ["jsonl", "json"])
def test_row1_a_huge_integer_rejects_its_record_not_the_batch(tmp_path: Path, jobs: str,
                                                              layout: str) -> None:
    records = huge_records()
    text = ("\n".join(records) + "\n" if layout == "jsonl"
            else "[\n" + ",\n".join(records) + "\n]\n")
    source = write(tmp_path / f"in.{layout}", text)
    done = run_cli(*RULES, "batch", str(source), "--as-of", DAY, "--jobs", jobs, "--quiet")
    assert done.returncode == 3, done.stderr
    assert done.stderr == ""
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["status"] == "error" for row in rows] == [False, True, True, True, False]
    errors = [row["error"] for row in rows[1:4]]
    assert [error["field"] for error in errors] == ["id", "months", "months"]
    assert "whole number of at most 4,300 digits" in errors[0]["message"]
    assert "a number of at most 4,300 digits" in errors[1]["message"]
    assert all(error["message"].startswith(str(source)) for error in errors)
    assert "(id big-answer)" in errors[1]["message"]


def test_row1_csv_rows_too(tmp_path: Path) -> None:
    source = write(tmp_path / "in.jsonl", "\n".join(huge_records()) + "\n")
    done = run_cli(*RULES, "batch", str(source), "--as-of", DAY, "-f", "csv", "--quiet")
    assert done.returncode == 3, done.stderr
    assert len(done.stdout.splitlines()) == 6


@pytest.mark.parametrize(("record", "field"), [
    ('{"id": %s, "answers": {}}'.replace("%s", HUGE), "id"),
    ('{"id": "r1", "answers": {"months": %s}}'.replace("%s", HUGE), "months"),
])
def test_row1_score_names_the_file_and_the_field(tmp_path: Path, record: str,
                                                 field: str) -> None:
    source = write(tmp_path / "answers.json", record)
    done = run_cli(*RULES, "score", str(source), "--as-of", DAY)
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert line.startswith(f"error: {source}: ") and f"field '{field}'" in line


def test_row1_interview_answers_names_the_file_and_the_field(tmp_path: Path) -> None:
    source = write(tmp_path / "answers.json", '{"answers": {"months": %s}}'.replace("%s", HUGE))
    done = run_cli(*RULES, "interview", "--answers", str(source), "--no-input",
                   "--session", str(tmp_path / "s.json"))
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert str(source) in line and "field 'months'" in line


def test_row1_a_resumed_session_drops_the_answer_and_asks_again(tmp_path: Path) -> None:
    session = write(tmp_path / "session.json", '{"schema": "parole-screen/session@1", '
                    '"answers": {"location": "outside_us", "months": %s}}'.replace("%s", HUGE))
    saved = load_session(session)
    interview, dropped = saved.restore(load_pack(MINIMAL), AS_OF)
    assert dropped == ["months"] and interview.answers == {"location": "outside_us"}
    done = run_cli(*RULES, "interview", "--resume", str(session), "--as-of", DAY,
                   input="quit\n")
    assert done.returncode == 0, done.stderr
    assert "no longer fit the rules and will be asked again: months" in done.stderr


def test_row1_rules_check_names_the_line(pack_dir: Path) -> None:
    meta = pack_dir / "pack.yaml"
    meta.write_text(meta.read_text() + f"extra_number: {HUGE}\n")
    done = run_cli("rules", "check", str(pack_dir))
    assert done.returncode == 1
    problem, count = done.stderr.splitlines()
    assert problem == f"{meta}:9: a number of more than 4,300 digits"
    assert count == "1 problem found"


def test_row1_a_hexadecimal_one_too(pack_dir: Path) -> None:
    meta = pack_dir / "pack.yaml"
    meta.write_text(meta.read_text() + "extra_number: 0x" + "f" * 4000 + "\n")
    with pytest.raises(PackError) as caught:
        load_pack(pack_dir)
    assert caught.value.problems == [f"{meta}:9: a number of more than 4,300 digits"]


def test_row1_python_callers_get_an_answer_error(minimal_pack: RulePack) -> None:
    with pytest.raises(AnswerError) as caught:
        split_record({"id": 10 ** 5000, "answers": {}})
    assert caught.value.field == "id" and caught.value.kind == "bad_record"
    with pytest.raises(AnswerError) as caught:
        screen_record(minimal_pack, {"answers": {"months": -(10 ** 5000)}}, AS_OF)
    assert caught.value.field == "months" and caught.value.kind == "wrong_type"
    # An id of 4,300 digits is still a whole number, kept exactly.
    assert split_record({"id": int("9" * 4300), "answers": {}})[0] == "9" * 4300


# -- rows 5 and 6: ESC sequences and newlines in names echoed in errors ---------------------


FORGED = "a\nerror: forged\x1b]0;title\x07\x1b[31m\u202e"


def test_row5_row6_an_id_and_a_key_are_escaped_in_errors(tmp_path: Path) -> None:
    record = {"id": FORGED, "answers": {FORGED: 1}}
    source = write(tmp_path / "in.json", json.dumps(record))
    done = run_cli(*RULES, "score", str(source))
    line = one_error_line(done.stderr)
    assert "\\x1b]0;title\\x07" in line and "\\u202e" in line
    batch = run_cli(*RULES, "batch", str(source), "--as-of", DAY)
    assert batch.returncode == 3
    assert "\x1b" not in batch.stderr and "\u202e" not in batch.stderr
    assert not any(line.startswith("error: forged") for line in batch.stderr.splitlines())
    row = json.loads(batch.stdout)
    assert row["id"] == FORGED and row["error"]["field"] == FORGED  # data kept for programs
    assert row["error"]["message"].isprintable()


def test_row6_a_file_name_in_a_saved_message_is_one_line(tmp_path: Path) -> None:
    source = write(tmp_path / "in.json", json.dumps(GOOD))
    out = tmp_path / "report\nerror: forged.txt"
    done = run_cli(*RULES, "score", str(source), "--as-of", DAY, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"report saved to {tmp_path}/report\\nerror: forged.txt"]
    assert out.is_file()


def test_row6_a_session_path_in_the_resume_command_is_one_line(tmp_path: Path) -> None:
    session = tmp_path / "s\nerror: forged.json"
    done = run_cli(*RULES, "interview", "--session", str(session), input="1\nquit\n")
    assert done.returncode == 0, done.stderr
    assert not any(line.startswith("error: forged") for line in done.stderr.splitlines())
    command = next(line.strip() for line in done.stderr.splitlines()
                   if "--resume" in line)
    assert "$'" in command and "s\\nerror: forged.json'" in command
    assert session.is_file()


def test_row6_long_ids_and_keys_are_cut_short_in_messages(tmp_path: Path) -> None:
    """Smaller gap: a 900 KB id was echoed in full in an error."""
    long_id = "x" * 800_000
    source = write(tmp_path / "in.jsonl", json.dumps(
        {"id": long_id, "answers": {"y" * 150_000: 1}}) + "\n")
    done = run_cli(*RULES, "batch", str(source), "--as-of", DAY, "--quiet")
    assert done.returncode == 3
    row = json.loads(done.stdout)
    assert row["id"] == long_id
    message = row["error"]["message"]
    assert len(message) < 500
    assert "(800,000 characters)" in message and "(150,000 characters)" in message


# -- row 8: raw control characters in a pack file ---------------------------------------------


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b"])
def test_row8_a_raw_control_character_in_a_pack_file_is_one_line_at_its_line(
        pack_dir: Path, char: str) -> None:
    meta = pack_dir / "pack.yaml"
    meta.write_text(meta.read_text().replace("title: A tiny", f"title: A {char}tiny"))
    done = run_cli("rules", "check", str(pack_dir))
    assert done.returncode == 1
    problem, count = done.stderr.splitlines()
    assert problem == (f"{meta}:2: column 10: the control character U+{ord(char):04X} is not "
                       "allowed in a rule file; remove it")
    assert count == "1 problem found"


def test_row8_a_date_that_does_not_exist_is_a_problem_not_a_crash(pack_dir: Path) -> None:
    meta = pack_dir / "pack.yaml"
    meta.write_text(meta.read_text().replace("as_of: 2026-01-01", "as_of: 2026-02-30"))
    done = run_cli("rules", "check", str(pack_dir))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{meta}:4: cannot read the value: day is out of range for month", "1 problem found"]


# -- row 12: a full disk ----------------------------------------------------------------------


FULL = Path("/dev/full")


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [
    ["score", "{source}", "--as-of", DAY],
    ["score", "{source}", "--as-of", DAY, "-f", "json"],
    ["batch", "{source}", "--as-of", DAY],
    ["batch", "{source}", "--as-of", DAY, "--jobs", "2"],
    ["questions"],
    ["rules", "catalog"],
])
def test_row12_output_to_a_full_disk_is_a_named_line(tmp_path: Path,
                                                     command: list[str]) -> None:
    import subprocess

    from conftest import cli_command

    source = write(tmp_path / "in.json", json.dumps(GOOD))
    args = [part.replace("{source}", str(source)) for part in command]
    env = {**os.environ, "NO_COLOR": "1"}
    with FULL.open("w") as full:
        done = subprocess.run([*cli_command(), *RULES, *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=60,
                              check=False)
    assert done.returncode == 1
    assert one_error_line(done.stderr) == ("error: <stdout>: cannot write the output: No space "
                                           "left on device")


# -- row 13: nesting 100,000 deep -------------------------------------------------------------


DEEP = "[" * 100_000 + "]" * 100_000


def test_row13_a_deeply_nested_session_is_named(tmp_path: Path) -> None:
    session = write(tmp_path / "session.json",
                    '{"schema": "parole-screen/session@1", "answers": %s}'.replace("%s", DEEP))
    with pytest.raises(SessionError, match="nested too deeply"):
        load_session(session)
    done = run_cli(*RULES, "interview", "--resume", str(session))
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert line.startswith(f"error: {session}: the saved interview is damaged")
    assert "nested too deeply" in line


@pytest.mark.parametrize("command", [["score"], ["batch", "--quiet"]])
def test_row13_deeply_nested_answers_are_named(tmp_path: Path, command: list[str]) -> None:
    source = write(tmp_path / "in.json", '{"answers": {"note": %s}}'.replace("%s", DEEP))
    done = run_cli(*RULES, *command, str(source), "--as-of", DAY)
    if command[0] == "score":
        assert done.returncode == 1
        assert one_error_line(done.stderr) == f"error: {source}: JSON is nested too deeply"
    else:
        assert done.returncode == 3 and done.stderr == ""
        assert json.loads(done.stdout)["error"]["kind"] == "invalid_json"


# -- row 2: a report in every locale ----------------------------------------------------------


EXAMPLE = Path(__file__).parent.parent / "examples" / "fee_exception_9_cuban_reparolee.json"


@pytest.mark.parametrize("encoding", ["iso-8859-1", "koi8-r", "ascii"])
def test_row2_a_report_in_a_non_utf8_locale(encoding: str) -> None:
    """The fee's text holds "•": printing it raised UnicodeEncodeError and no report came."""
    done = run_cli("score", str(EXAMPLE), "--as-of", "2026-06-15",
                   env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "* They have a medical emergency" in done.stdout  # "•" in ASCII
    assert "About this screening" in done.stdout
    utf8 = run_cli("score", str(EXAMPLE), "--as-of", "2026-06-15")
    assert len(done.stdout.splitlines()) == len(utf8.stdout.splitlines())


@pytest.mark.parametrize("encoding", ["iso-8859-1", "koi8-r"])
def test_row2_the_interview_ends_with_its_report_in_a_non_utf8_locale(encoding: str,
                                                                      tmp_path: Path) -> None:
    done = run_cli("interview", "--answers", str(EXAMPLE), "--as-of", "2026-06-15",
                   "--session", str(tmp_path / "s.json"), input="\n",
                   env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert "Review your answers" in done.stderr
    assert "They have a medical emergency" in done.stdout


def test_row2_a_character_the_encoding_lacks_is_shown_not_fatal() -> None:
    from parole_screen.cli.common import FALLBACK_ERRORS, tolerant_streams

    tolerant_streams()  # registers the handler
    text = "• “Über” — 1…2 → ≥ § 212.5 \u2603"
    assert text.encode("ascii", FALLBACK_ERRORS) == (
        b'* "Uber" - 1...2 -> >= sec. 212.5 \\u2603')
    assert text.encode("koi8-r", FALLBACK_ERRORS).decode("koi8-r").startswith('* "Uber"')


# -- row 3: ESC sequences in pack text --------------------------------------------------------


@pytest.mark.parametrize(("written", "named"), [
    ('"Inside\\e[31m the U.S."', "U+001B (ESC)"),
    ('"Inside\\e]0;pwned\\a the U.S."', "U+001B (ESC)"),
    ('"Inside\\x9b31m the U.S."', "U+009B (CSI)"),
    ('"Inside \\u202eS.U eht"', "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ('"Inside\\rthe U.S."', "U+000D (carriage return)"),
])
def test_row3_rules_check_refuses_control_characters_in_pack_text(
        pack_dir: Path, written: str, named: str) -> None:
    extras = pack_dir / "extras.yaml"
    extras.write_text(extras.read_text().replace("text: Inside the U.S.,", f"text: {written},"))
    done = run_cli("rules", "check", str(pack_dir))
    assert done.returncode == 1
    problem, count = done.stderr.splitlines()
    assert problem.startswith(f"{extras}:2: flags.0.text: the control character {named} in "
                              "the text;")
    assert "\x1b" not in done.stderr and count == "1 problem found"
    # every other command refuses the pack too: the text never reaches a prompt or a report
    score = run_cli("--rules", str(pack_dir), "questions")
    assert score.returncode == 1 and "\x1b" not in score.stdout + score.stderr


def test_row3_a_key_and_a_question_text_too(pack_dir: Path) -> None:
    questions = pack_dir / "questions.yaml"
    questions.write_text(questions.read_text().replace(
        "text: Where are they?", 'text: "Where\\e[2J are they?"'))
    with pytest.raises(PackError) as caught:
        load_pack(pack_dir)
    assert caught.value.problems[0].startswith(
        f"{questions}:2: questions.0.text: the control character U+001B (ESC)")


def test_row3_line_breaks_stay_allowed_in_pack_text(pack_dir: Path) -> None:
    extras = pack_dir / "extras.yaml"
    extras.write_text(extras.read_text().replace("text: Inside the U.S.,",
                                                 'text: "Inside\\nthe U.S.",'))
    assert load_pack(pack_dir).flags[0].flag.text == "Inside\nthe U.S."


def test_row3_interview_prompts_show_control_characters_escaped() -> None:
    """Defence in depth: whatever reaches the interview's screen (a pack loaded some other
    way, a typed or saved answer) goes through the one sanitizer."""
    import io

    from rich.console import Console

    from parole_screen.cli.interview import _Ui

    stream = io.StringIO()
    ui = _Ui(Console(file=stream, force_terminal=True, width=80), plain=False)
    ui.say("Where\x1b[2J are\x1b]0;pwned\x07 they?\u202e\nnext line", "bold")
    shown = stream.getvalue()
    assert "\\x1b[2J" in shown and "\\x1b]0;pwned\\x07" in shown and "\\u202e" in shown
    assert "\x1b[2J" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "next line" in shown.splitlines()[1]


# -- rows 4 and 7: ESC sequences and newlines in a free-text answer ---------------------------


def pack_reading_the_note(pack_dir: Path) -> Path:
    """The minimal pack with a rule that reads the free-text answer, so reports quote it."""
    categories = pack_dir / "categories.yaml"
    text = categories.read_text()
    anchor = "          - {id: provider, text: A provider accepted."
    categories.write_text(text.replace(anchor, "          - {id: noted, text: A note was given."
                                               ", when: {q: note, answered: true}, weight: 5, "
                                               "cite: [INA]}\n" + anchor))
    return pack_dir


NOTE = "hi\x1b[31mRED\x1b]0;title\x07\u202e\nerror: forged\n* STOP: forged bullet\n## forged\n1. x"
NOTE_RECORD = {"id": "n\x1b[31m\nforged title", "answers": {
    "location": "outside_us", "reason": "medical", "urgency": "serious", "note": NOTE}}


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_row4_row7_a_free_text_answer_reaches_no_report_raw(pack_dir: Path, tmp_path: Path,
                                                            fmt: str) -> None:
    rules = ["--rules", str(pack_reading_the_note(pack_dir))]
    source = write(tmp_path / "in.json", json.dumps(NOTE_RECORD))
    printed = run_cli(*rules, "score", str(source), "--as-of", DAY, "-f", fmt)
    assert printed.returncode == 0, printed.stderr
    suffix = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}[fmt]
    out = tmp_path / f"report.{suffix}"
    saved = run_cli(*rules, "score", str(source), "--as-of", DAY, "--out", str(out))
    assert saved.returncode == 0, saved.stderr
    for report in (printed.stdout, out.read_text()):
        assert "\x1b" not in report and "\x07" not in report
        if fmt == "json":  # the JSON encoder escapes C0; the result's bytes do not change
            assert json.loads(report)["categories"]["medical"]["reasons"][1]["answers"] == {
                "note": NOTE}
            continue
        assert "\u202e" not in report
        assert "hi\\x1b[31mRED\\x1b]0;title\\x07\\u202e" in report.replace("\\[", "[").replace(
            "\\]", "]").replace("\\\\", "\\")
        lines = report.splitlines()
        # row 7: the answer's lines stay inside their item, the title on one line
        assert not any(line.startswith(("error: forged", "* STOP: forged", "## forged",
                                        "- STOP", "forged title", "1. x"))
                       for line in lines), report
    if fmt == "text":
        assert ("\n  error: forged\n  * STOP: forged bullet\n  ## forged\n"
                "  1. x) [8 U.S.C. 1182(d)(5)(A)]") in printed.stdout
        # the record's id names it on one line, under the title, as a reference
        assert printed.stdout.startswith("Immigration parole screening report\n")
        assert "\nReference: n\\x1b[31m\\nforged title. Screened" in printed.stdout
    if fmt == "markdown":
        assert ("\\\n  error: forged\\\n  \\* STOP: forged bullet\\\n  \\#\\# forged\\\n  1\\. x)"
                in printed.stdout)


def test_row4_a_terminal_report_escapes_an_answer(pack_dir: Path) -> None:
    """The styled report (a terminal) goes through the same sanitizer."""
    import io

    from rich.console import Console

    from parole_screen import glossary, print_rich

    pack = load_pack(pack_reading_the_note(pack_dir))
    result = screen_record(pack, NOTE_RECORD, AS_OF)
    stream = io.StringIO()
    print_rich(result, Console(file=stream, force_terminal=True, width=200), glossary(pack))
    shown = stream.getvalue()
    assert "\\x1b]0;title\\x07" in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\n    error: forged\n" in shown.replace("\x1b[32m", "").replace("\x1b[0m", "")


# -- row 14: a 20-column terminal -------------------------------------------------------------


INTERVIEW_PACK = Path(__file__).parent / "data" / "interview_pack"


def narrow_terminal(tmp_path: Path, *args: str, colour: bool = False) -> Any:
    import pexpect

    from conftest import cli_command

    command = cli_command()
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm", "XDG_DATA_HOME": str(tmp_path)}
    env.pop("PAROLE_SCREEN_RULES", None)
    if colour:  # styled: the review is a table where there is room for one
        env.pop("NO_COLOR")
    return pexpect.spawn(command[0], [*command[1:], "--rules", str(INTERVIEW_PACK), *args],
                         env=env, cwd=str(tmp_path), encoding="utf-8", timeout=30,
                         dimensions=(40, 20))


def test_row14_questions_in_a_narrow_terminal_are_blocks_not_letters(tmp_path: Path) -> None:
    import pexpect

    child = narrow_terminal(tmp_path, "questions")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    lines = child.before.splitlines()
    # one character a line was what a folded six-column table gave
    assert sum(len(line.strip()) <= 2 for line in lines) < 3, child.before
    words = " ".join(line.strip() for line in lines)
    assert "1. Where is the person now?" in words and "id: location (choice)" in words


def test_row14_the_review_in_a_narrow_terminal_shows_whole_answers(tmp_path: Path) -> None:
    import re

    import pexpect

    child = narrow_terminal(tmp_path, "interview", "--session", str(tmp_path / "s.json"),
                            colour=True)
    for line in ["1", "3", "review"]:
        child.expect_exact("> ")
        child.sendline(line)
    child.expect_exact("Type a number")
    review = child.before
    child.expect_exact("> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    review = re.sub(r"\x1b\[[0-9;]*m", "", review)  # the styling, not the text
    words = " ".join(line.strip() for line in review.splitlines())
    assert "Outside the United States" in words and "Something else" in words
    assert "..." not in review and "…" not in review


# -- row 9: a JSON array padded with white space -----------------------------------------------


def test_row9_padding_is_skipped_without_being_kept() -> None:
    """White space between elements is dropped as it is read (it was all kept: 625 MB for
    300 MB of it); line numbers after it stay right. How fast: benchmarks/padded_array.py."""
    import io

    from parole_screen.batch.json_arrays import _READ_BLOCK, _ArrayReader
    from parole_screen.batch.records import Progress

    padding = (" " * 1023 + "\n") * 8 * 1024  # 8 MiB, 8,192 lines
    data = ("[\n" + json.dumps(GOOD) + "," + padding + json.dumps(GOOD) + padding + "]"
            + padding).encode()
    reader = _ArrayReader("in.json", io.BytesIO(data), Progress(), 1024 * 1024)
    largest = 0
    items = []
    for item in reader.items():
        items.append(item)
        largest = max(largest, len(reader.buf))
    largest = max(largest, len(reader.buf))
    assert [(item.line, item.element) for item in items] == [(2, 0), (8194, 1)]
    assert largest <= 2 * _READ_BLOCK
    bad = io.BytesIO(("[" + padding + "x]").encode())
    (rejected,) = list(_ArrayReader("in.json", bad, Progress(), 1024 * 1024).items())
    assert rejected.payload.reason.startswith("invalid JSON at line 8193, column 1")


# -- row 10: one interview at a time on a session ---------------------------------------------


def test_row10_a_second_interview_on_a_session_stops_and_loses_nothing(tmp_path: Path) -> None:
    import subprocess

    from conftest import cli_command

    session = tmp_path / "s.json"
    first = subprocess.Popen([*cli_command(), *RULES, "interview", "--session", str(session),
                              "--as-of", DAY], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "NO_COLOR": "1"})
    assert first.stdin is not None
    first.stdin.write("1\n")  # location: outside_us, saved
    first.stdin.flush()
    for _ in range(600):  # the first answer is saved: the first interview holds the lock
        if session.exists() and "outside_us" in session.read_text():
            break
        __import__("time").sleep(0.05)
    saved = session.read_bytes()
    second = run_cli(*RULES, "interview", "--resume", str(session), input="2\nquit\n")
    assert second.returncode == 1
    line = one_error_line(second.stderr)
    assert line.startswith(f"error: {session}: another interview is using this saved interview "
                           f"(process {first.pid} on ")
    assert session.read_bytes() == saved  # the second wrote nothing
    _, errors = first.communicate("2\nquit\n", timeout=60)  # the first goes on, and saves
    assert first.returncode == 0, errors
    assert json.loads(session.read_text())["answers"]["reason"] == "family"
    after = run_cli(*RULES, "interview", "--resume", str(session), input="quit\n")
    assert after.returncode == 0, after.stderr  # the lock ended with the first interview


def test_row10_the_lock_in_python(tmp_path: Path) -> None:
    from parole_screen import SessionLockedError, session_lock

    session = tmp_path / "deep" / "s.json"
    with session_lock(session):
        lock = session.parent / ".s.json.lock"
        assert f"process {os.getpid()} on " in lock.read_text()
        with pytest.raises(SessionLockedError) as caught, session_lock(session):
            pass  # pragma: no cover - never reached
        assert caught.value.kind == "session_locked" and caught.value.exit_code == 1
    assert not lock.exists()
    with session_lock(session):  # free again
        pass


# -- row 11: umask 000 ------------------------------------------------------------------------


def test_row11_folders_made_under_umask_000_are_private(tmp_path: Path) -> None:
    import stat
    import subprocess

    from conftest import cli_command

    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "NO_COLOR": "1", "HOME": str(home)}
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "PAROLE_SCREEN_CACHE",
                 "PAROLE_SCREEN_RULES"):
        env.pop(name, None)
    done = subprocess.run([*cli_command(), *RULES, "interview", "--as-of", DAY, "--keep-session"],
                          input="1\nquit\n", capture_output=True, text=True, env=env,
                          timeout=60, check=False, preexec_fn=lambda: os.umask(0))
    assert done.returncode == 0, done.stderr
    made = [home / ".local", home / ".local" / "share", home / ".local" / "share" / "parole-screen",
            home / ".cache", home / ".cache" / "parole-screen"]
    assert {str(path): oct(stat.S_IMODE(path.stat().st_mode)) for path in made} == {
        str(path): "0o700" for path in made}
    session = home / ".local" / "share" / "parole-screen" / "session.json"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600


def test_smaller_gap_an_empty_home_is_not_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HOME=''`` wrote under ``/.local``: the account's own home is used instead, and
    without one, a saved interview needs --session."""
    import pwd

    from parole_screen import default_session_path
    from parole_screen.pack_cache import cache_folder

    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "PAROLE_SCREEN_CACHE"):
        monkeypatch.delenv(name, raising=False)
    account = Path(pwd.getpwuid(os.getuid()).pw_dir)
    for home in ("", "relative/home"):
        monkeypatch.setenv("HOME", home)
        assert default_session_path() == account / ".local/share/parole-screen/session.json"
        assert cache_folder() == account / ".cache" / "parole-screen"

    def no_account(uid: int) -> Any:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_account)
    monkeypatch.setenv("HOME", "")
    with pytest.raises(SessionError, match=r"no home folder .* give --session FILE"):
        default_session_path()
    assert cache_folder() is None  # no cache rather than one in /.cache


# -- smaller gaps -----------------------------------------------------------------------------


def test_smaller_gap_score_never_writes_its_report_over_its_answers(tmp_path: Path) -> None:
    source = write(tmp_path / "in.json", json.dumps(GOOD))
    linked = tmp_path / "linked.json"
    os.link(source, linked)
    for out in (source, linked):
        done = run_cli(*RULES, "score", str(source), "--out", str(out), "--force")
        assert done.returncode == 1
        assert one_error_line(done.stderr) == (
            f"error: {out}: is the answers file this report is made from; write it elsewhere")
    assert json.loads(source.read_text()) == GOOD


def test_smaller_gap_an_interview_never_writes_over_what_it_reads(tmp_path: Path) -> None:
    answers = write(tmp_path / "answers.json", json.dumps(GOOD))
    done = run_cli(*RULES, "interview", "--answers", str(answers), "--no-input",
                   "--out", str(answers), "--force")
    assert done.returncode == 1
    assert "is the answers file the interview starts from" in one_error_line(done.stderr)
    session = tmp_path / "s.json"
    started = run_cli(*RULES, "interview", "--session", str(session), input="1\nsave\nquit\n")
    assert started.returncode == 0, started.stderr
    before = session.read_bytes()
    done = run_cli(*RULES, "interview", "--resume", str(session), "--save-answers",
                   str(session), "--force", input="quit\n")
    assert done.returncode == 1
    assert "is the saved interview; write it elsewhere" in one_error_line(done.stderr)
    assert session.read_bytes() == before
    same = run_cli(*RULES, "interview", "--answers", str(answers), "--no-input",
                   "--out", str(tmp_path / "x.txt"), "--save-answers", str(tmp_path / "x.txt"))
    assert same.returncode == 2 and "name the same file" in same.stderr


@pytest.mark.parametrize(("file", "old", "new", "problem"), [
    ("questions.yaml", "    min: 0\n    max: 120", "    min: .nan\n    max: 120",
     "question 'months': min must be a finite number"),
    ("questions.yaml", "    min: 0\n    max: 120", "    min: 0\n    max: .inf",
     "question 'months': max must be a finite number"),
    ("questions.yaml", "    min: 0\n    max: 120", "    min: 5\n    max: 1",
     "question 'months': min is greater than max"),
    ("extras.yaml", "offset_days: -180", "offset_days: -999999999999",
     "deadline 'window_opens': offset_days must be at most 36,525 days either way"),
    ("extras.yaml", "offset_years: 1", "offset_years: 100000",
     "deadline 'one_year': offset_years must be at most 100 years either way"),
    ("extras.yaml", "warn_within_days: 30", "warn_within_days: 99999999",
     "deadline 'window_opens': warn_within_days must be at most 36,525 days either way"),
    ("categories.yaml", "when: {q: months, gt: 24}", "when: {q: months, gt: .inf}",
     "rule 'medical.treatment.long_stay' when.gt: 'months' is a number; compare it with a "
     "finite number"),
    ("extras.yaml", "days_until: {gte: 0, lte: 180}", "days_until: {gte: 0, lte: 99999999999}",
     "flag 'expiring' when.days_until: 'days_until' takes at most 36,525 days (100 years) "
     "either way"),
])
def test_smaller_gap_rules_check_refuses_numbers_the_engine_cannot_use(
        pack_dir: Path, file: str, old: str, new: str, problem: str) -> None:
    path = pack_dir / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(PackError) as caught:
        load_pack(pack_dir)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{path}:")
    assert problem in caught.value.problems[0]


def test_smaller_gap_a_key_given_twice_keeps_its_last_value_everywhere(tmp_path: Path) -> None:
    """Said in docs/contracts.md: the last value of a key given twice is the one read, by
    score, batch and the interview alike (as JSON parsers do); one code path, one verdict."""
    text = ('{"id": "twice", "answers": {"location": "inside_us", "reason": "other", '
            '"location": "outside_us"}}')
    source = write(tmp_path / "in.json", text)
    scored = run_cli(*RULES, "score", str(source), "--as-of", DAY, "-f", "json")
    assert scored.returncode == 0, scored.stderr
    rows = run_cli(*RULES, "batch", str(source), "--as-of", DAY, "--detail", "full",
                   "--quiet")
    assert json.loads(rows.stdout) == json.loads(scored.stdout)
    assert not json.loads(scored.stdout)["flags"]  # inside_initial needs inside_us


def test_smaller_gap_a_killed_batch_leaves_no_temporary_file_after_the_next_run(
        tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    from conftest import cli_command

    fifo = tmp_path / "records.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "rows.jsonl"
    batch = subprocess.Popen([*cli_command(), *RULES, "batch", str(fifo), "-o", str(out),
                              "--as-of", DAY], stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    writer = fifo.open("w")  # the batch waits for records: its -o is a temporary file now
    writer.write(json.dumps(GOOD) + "\n")
    writer.flush()
    for _ in range(600):
        left = list(tmp_path.glob(".rows.jsonl.*.tmp"))
        if left:
            break
        time.sleep(0.05)
    batch.send_signal(signal.SIGKILL)  # nothing of ours runs: the file stays
    batch.wait(timeout=60)
    writer.close()
    assert [path.name for path in tmp_path.glob(".rows.jsonl.*.tmp")] == [left[0].name]
    old = time.time() - 60
    os.utime(left[0], (old, old))
    # Not ours to remove: another name, and a file still being written (locked).
    other = write(tmp_path / ".rows.jsonl.notours.tmp", "x")
    os.utime(other, (old, old))
    source = write(tmp_path / "in.jsonl", json.dumps(GOOD) + "\n")
    done = run_cli(*RULES, "batch", str(source), "-o", str(out), "--as-of", DAY)
    assert done.returncode == 0, done.stderr
    assert not left[0].exists() and other.exists()
    assert len(out.read_text().splitlines()) == 1


def test_smaller_gap_a_temporary_file_being_written_is_not_removed(tmp_path: Path) -> None:
    import fcntl
    import time

    from parole_screen.files import remove_stale_temps

    out = tmp_path / "rows.jsonl"
    busy = write(tmp_path / ".rows.jsonl.abcd1234.tmp", "rows")
    stale = write(tmp_path / ".rows.jsonl.efgh5678.tmp", "rows")
    old = time.time() - 60
    for path in (busy, stale):
        os.utime(path, (old, old))
    with busy.open() as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert remove_stale_temps(out) == 1
    assert busy.exists() and not stale.exists()


def test_the_schema_accepts_the_dates_the_answers_contract_accepts(minimal_pack: RulePack
                                                                   ) -> None:
    """A property of issue 17 is "answers the schema accepts score": so its date pattern
    holds the years answers may hold (1900-2200), no more."""
    import re

    from parole_screen import answers_schema

    pattern = answers_schema(minimal_pack)["$defs"]["answers"]["properties"]["expires_on"][
        "pattern"]
    for day in ("1899-12-31", "1900-01-01", "2026-02-01", "2200-12-31", "2201-01-01"):
        answers = {"location": "inside_us", "paroled": True, "expires_on": day}
        try:
            screen_record(minimal_pack, {"answers": answers}, AS_OF)
        except AnswerError:
            accepted = False
        else:
            accepted = True
        assert (re.fullmatch(pattern, day) is not None) == accepted, day


def test_an_unknown_key_suggests_a_key_of_its_own_entry(pack_dir: Path) -> None:
    """``kind: x`` on a flag said "unknown key (did you mean 'kind'?)": the very key."""
    extras = pack_dir / "extras.yaml"
    original = extras.read_text()
    for written, hint in [
        ("kind: x", "flags.0.kind: unknown key (a key elsewhere in the format, not here; "
                    "here: cite, confidence, id, severity, text, unless, when)"),
        ("sevrity: x", "flags.0.sevrity: unknown key (did you mean 'severity'?)"),
    ]:
        extras.write_text(original.replace("{id: inside_initial, severity: stop,",
                                           f"{{id: inside_initial, {written}, severity: stop,"))
        with pytest.raises(PackError) as caught:
            load_pack(pack_dir)
        assert caught.value.problems == [f"{extras}:2: {hint}"]


# -- SECURITY.md ------------------------------------------------------------------------------


def test_security_promises_name_real_tests() -> None:
    """Every promise in SECURITY.md names a test, and every test it names exists."""
    import re

    repo = Path(__file__).parent.parent
    text = (repo / "SECURITY.md").read_text(encoding="utf-8")
    promises = [line for line in text.splitlines()
                if line.startswith("| ") and not line.startswith(("| promise", "| what"))
                and "|---" not in line and line.count("|") == 3]
    assert len(promises) >= 20
    for promise in promises:
        assert re.search(r"`tests/\w+\.py::\w+`", promise), promise
    named = set(re.findall(r"`(tests/\w+\.py)::(\w+)`", text))
    for file, name in sorted(named):
        source = (repo / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{file}::{name}"
