"""``parole-screen interview`` end to end in a subprocess: piped answers, prefill,
--no-input, sessions (resume, damaged files, permissions) and language fallback."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PACK = Path(__file__).parent / "data" / "interview_pack"
AS_OF = "2026-02-01"
RULES = ["--rules", str(PACK)]

# One line per question for a medical case in the fixture pack, with two invalid lines,
# a help request and a `back` on the way, then Enter at the review step.
MEDICAL_LINES = ["2", "the fifth of January", "2026-01-05", "?", "1", "1", "back", "", "y", "n",
                 "ukraine", "6", "", "1,2", "", ""]
MEDICAL_ANSWERS = {"location": "inside_us", "arrival_date": "2026-01-05", "reason": "medical",
                   "urgency": "life_threatening", "provider": True, "funded": False,
                   "nationality": "UA", "stay_months": 6,
                   "documents": ["doctor_letter", "provider_letter"]}


def cli() -> list[str]:
    script = shutil.which("parole-screen", path=str(Path(sys.executable).parent)) \
        or shutil.which("parole-screen")
    return [script] if script else [sys.executable, "-m", "parole_screen"]


def run(tmp_path: Path, *args: str, lines: list[str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("PAROLE_SCREEN_RULES", None)
    text = stdin if stdin is not None else "".join(f"{line}\n" for line in lines or [])
    return subprocess.run([*cli(), *args], input=text, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60, check=False)


def score(tmp_path: Path, answers: dict[str, Any], rules: list[str] = RULES) -> Any:
    path = tmp_path / "expected-answers.json"
    path.write_text(json.dumps({"answers": answers}))
    done = run(tmp_path, *rules, "score", str(path), "--format", "json", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def default_session(tmp_path: Path) -> Path:
    return tmp_path / "xdg" / "parole-screen" / "session.json"


def test_piped_lines_finish_an_interview(tmp_path: Path) -> None:
    done = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, "--format", "json",
               lines=MEDICAL_LINES)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # stdout holds only the report
    assert report == score(tmp_path, MEDICAL_ANSWERS)
    assert report["status"] == "complete"
    assert report["categories"]["medical"]["band"] == "weak"  # capped: no funding
    err = done.stderr
    assert "At any question you can type: ? for help, back" in err
    assert "Please type the date as YYYY-MM-DD" in err
    assert "There is no extra help for this question." in err  # `?` at the reason question
    assert "question 4 of about 11" in err
    assert "Press Enter to keep: 1. Life-threatening" in err
    assert "Review your answers" in err
    assert "\x1b[" not in err and "─" not in err  # NO_COLOR: no colour, no box drawing
    assert not default_session(tmp_path).exists()  # a finished session is removed


def test_end_of_input_saves_and_fails_then_resume_completes(tmp_path: Path) -> None:
    first = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, lines=MEDICAL_LINES[:5])
    assert first.returncode == 1
    last = first.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the input ended before the interview was finished "
                           "(next question: urgency)")
    assert "parole-screen --rules" in last and "interview --resume" in last
    session = json.loads(default_session(tmp_path).read_text())
    assert session["answers"] == {"location": "inside_us", "arrival_date": "2026-01-05",
                                  "reason": "medical"}
    assert session["as_of"] == AS_OF
    done = run(tmp_path, *RULES, "interview", "--resume", "--format", "json",
               lines=MEDICAL_LINES[5:])
    assert done.returncode == 0, done.stderr
    assert "Continuing your saved interview: 3 answers so far." in done.stderr
    assert json.loads(done.stdout) == score(tmp_path, MEDICAL_ANSWERS)


def test_session_file_is_private(tmp_path: Path) -> None:
    run(tmp_path, *RULES, "interview", lines=["1"])
    path = default_session(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_answers_prefill_asks_only_what_is_missing(tmp_path: Path) -> None:
    prefill = {"location": "outside_us", "reason": "medical", "urgency": "serious",
               "provider": True, "funded": True, "nationality": "HT"}
    path = tmp_path / "prefill.json"
    path.write_text(json.dumps(prefill))
    done = run(tmp_path, *RULES, "interview", "--answers", str(path), "--as-of", AS_OF,
               "-f", "json", lines=["12", "", "3", "", ""])
    assert done.returncode == 0, done.stderr
    asked = [line for line in done.stderr.splitlines() if line.startswith("question ")]
    assert asked == ["question 7 of about 10", "question 8 of about 10",
                     "question 9 of about 10", "question 10 of about 10"]
    expected = {**prefill, "stay_months": 12, "documents": ["none"]}
    assert json.loads(done.stdout) == score(tmp_path, expected)


def test_answers_with_no_input_gives_the_report(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"id": "c-1", "answers": MEDICAL_ANSWERS}))
    done = run(tmp_path, *RULES, "interview", "--answers", str(path), "--no-input",
               "--as-of", AS_OF, "--out", "report.json")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report == score(tmp_path, MEDICAL_ANSWERS)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o600
    assert not default_session(tmp_path).exists()  # --no-input never writes a session


def test_no_input_with_missing_answers_names_them_in_order(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"location": "inside_us", "reason": "medical",
                                "provider": True}))
    done = run(tmp_path, *RULES, "interview", "--answers", str(path), "--no-input")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("error: not every needed answer is known; missing, in order: "
                           "arrival_date, urgency, funded, nationality, stay_months, "
                           "documents\n")
    bare = run(tmp_path, *RULES, "interview", "--no-input")
    assert bare.returncode == 1
    assert bare.stderr.endswith("missing, in order: location, reason, nationality, "
                                "stay_months, documents\n")


def test_no_input_never_reads_stdin(tmp_path: Path) -> None:
    done = run(tmp_path, *RULES, "interview", "--no-input", lines=["1", "1"])
    assert done.returncode == 1
    assert "question 1" not in done.stderr


def test_bad_answers_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"location": "mars"}))
    done = run(tmp_path, *RULES, "interview", "--answers", str(path), "--no-input")
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {path}: field 'location': expected one of:")
    assert len(done.stderr.splitlines()) == 1
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"reasn": "medical"}))
    done = run(tmp_path, *RULES, "interview", "--answers", str(typo))
    assert done.returncode == 1
    assert "field 'reasn': unknown question id (did you mean 'reason'?)" in done.stderr


@pytest.mark.parametrize("content", [
    b'{"schema": "parole-screen/session@1", "answers": {"location": "insi',  # truncated
    b"",  # empty
    b"\x00\x01garbage\xff",
    b'{"schema": "something-else", "answers": {}}',
    b'{"schema": "parole-screen/session@1", "answers": ["location"]}',
    b'{"schema": "parole-screen/session@1", "answers": {}, "position": {"question": 3}}',
])
def test_damaged_session_is_a_clear_error_and_left_untouched(tmp_path: Path,
                                                             content: bytes) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    done = run(tmp_path, *RULES, "interview", "--resume", "--session", str(path),
               lines=["1", "1"])
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {path}: ")
    assert "left untouched" in lines[0]
    assert path.read_bytes() == content
    # Starting a new interview on top of it is refused too, unless --new says so.
    again = run(tmp_path, *RULES, "interview", "--session", str(path), lines=["1"])
    assert again.returncode == 1
    assert "a saved interview already exists" in again.stderr
    assert path.read_bytes() == content


def test_missing_session_on_resume(tmp_path: Path) -> None:
    done = run(tmp_path, *RULES, "interview", "--resume")
    assert done.returncode == 1
    assert done.stderr == (f"error: {default_session(tmp_path)}: no saved interview here; "
                           "start one without --resume\n")


def test_new_replaces_a_saved_interview(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    run(tmp_path, *RULES, "interview", "--session", str(path), lines=["1", "1"])
    assert json.loads(path.read_text())["answers"]["reason"] == "medical"
    done = run(tmp_path, *RULES, "interview", "--session", str(path), "--new", lines=["2"])
    assert done.returncode == 1  # input ended
    assert json.loads(path.read_text())["answers"] == {"location": "inside_us"}


def test_quit_saves_and_prints_the_resume_command(tmp_path: Path) -> None:
    path = tmp_path / "client 7.json"
    done = run(tmp_path, *RULES, "interview", "--session", str(path), "--as-of", AS_OF,
               lines=["1", "3", "quit"])
    assert done.returncode == 0
    assert "Interview stopped. Your answers are saved in" in done.stderr
    command = (f"parole-screen --rules {PACK} interview --resume "
               f"--session '{path}'")
    assert command in done.stderr
    assert json.loads(path.read_text())["answers"] == {"location": "outside_us",
                                                       "reason": "other"}


def test_save_command_saves_and_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    done = run(tmp_path, *RULES, "interview", "--session", str(path), lines=["1", "save"])
    assert "Saved. Your answers are saved in" in done.stderr
    assert done.stderr.count("What is the main reason?") == 1  # not asked twice
    assert json.loads(path.read_text())["position"]["question"] == "reason"


def test_review_edit_with_piped_input(tmp_path: Path) -> None:
    lines = [*MEDICAL_LINES[:-1], "3", "2", "2", "done"]  # reason -> family, relative child
    done = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, "-f", "json", lines=lines)
    assert done.returncode == 0, done.stderr
    expected = {key: value for key, value in MEDICAL_ANSWERS.items()
                if key not in ("urgency", "provider", "funded")}
    expected.update(reason="family", relative="child")
    assert json.loads(done.stdout) == score(tmp_path, expected)


def test_save_answers_feeds_score(tmp_path: Path) -> None:
    done = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, "-f", "json",
               "--save-answers", "case.json", lines=MEDICAL_LINES)
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "case.json").read_text())
    assert saved == {"answers": MEDICAL_ANSWERS}
    assert json.loads(done.stdout) == score(tmp_path, saved["answers"])


def test_existing_out_is_refused_before_any_question(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("keep me")
    done = run(tmp_path, *RULES, "interview", "--out", "r.md", lines=MEDICAL_LINES)
    assert done.returncode == 1
    assert done.stderr == "error: r.md: already exists; use --force to replace it\n"
    assert (tmp_path / "r.md").read_text() == "keep me"


def test_out_format_from_extension(tmp_path: Path) -> None:
    done = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, "--out", "r.md",
               lines=MEDICAL_LINES)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.md").read_text().startswith("# ")


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_untranslated_language_falls_back_to_english(tmp_path: Path, lang: str) -> None:
    done = run(tmp_path, *RULES, "interview", "--lang", lang, "--report-lang", lang,
               "--as-of", AS_OF, "-f", "json", lines=MEDICAL_LINES)
    assert done.returncode == 0, done.stderr
    # A pack with no translation into the language (this one has no locales/): every text
    # in English, said once (issue 19: the fallback is per message, noticed once).
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert notes == ["note: some texts are not translated into this language yet; they are "
                     "shown in English."]
    assert "What is the main reason?" in done.stderr


def test_resume_and_answers_together_is_a_usage_error(tmp_path: Path) -> None:
    done = run(tmp_path, *RULES, "interview", "--resume", "--answers", "x.json")
    assert done.returncode == 2


def test_shipped_pack_no_input_matches_score(tmp_path: Path) -> None:
    """Against the shipped pack, whatever its content: the same answers, the same report."""
    answers = {"beneficiary_location": "outside_us", "reason_type": "medical"}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(answers))
    missing = run(tmp_path, "interview", "--answers", str(path), "--no-input")
    assert missing.returncode == 1
    assert "missing, in order: " in missing.stderr
    ids = missing.stderr.strip().split("missing, in order: ")[1].split(", ")
    assert "beneficiary_location" not in ids and "reason_type" not in ids
    assert "medical_patient" in ids


def test_keep_session_then_resume_reprints_the_same_report(tmp_path: Path) -> None:
    first = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, "-f", "json",
                "--keep-session", lines=MEDICAL_LINES)
    assert first.returncode == 0, first.stderr
    assert default_session(tmp_path).exists()
    again = run(tmp_path, *RULES, "interview", "--resume", "-f", "json", lines=[])
    assert again.returncode == 0, again.stderr  # EOF at the review step accepts it
    assert "Review your answers" in again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)


def test_bad_bytes_and_closed_stdin_never_crash_or_hang(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    done = subprocess.run([*cli(), *RULES, "interview"], input=b"\xff\xfe\n1\n",
                          capture_output=True, env=env, timeout=60, check=False)
    assert done.returncode == 1
    err = done.stderr.decode("utf-8", "replace")
    assert "Please type a number from 1 to 2." in err
    assert "(next question: reason)" in err
    closed = subprocess.run([*cli(), *RULES, "interview", "--new"], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert closed.returncode == 1
    assert "(next question: location)" in closed.stderr


def test_resume_takes_the_session_file_as_its_value(tmp_path: Path) -> None:
    path = tmp_path / "client-7.json"
    first = run(tmp_path, *RULES, "interview", "--session", str(path), "--as-of", AS_OF,
                lines=MEDICAL_LINES[:5])
    assert first.returncode == 1 and path.exists()
    done = run(tmp_path, *RULES, "interview", "--resume", str(path), "--format", "json",
               lines=MEDICAL_LINES[5:])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == score(tmp_path, MEDICAL_ANSWERS)
    stray = run(tmp_path, *RULES, "interview", str(path))
    assert stray.returncode == 2 and "only accepted with --resume" in stray.stderr


def test_piped_dont_know_finishes_with_the_gaps_listed(tmp_path: Path) -> None:
    """A required question answered "don't know" (or idk) is left unanswered: the interview
    goes on, the review accepts, and the report lists it as missing."""
    lines = ["2", "don't know", "1", "1", "idk", "n", "ukraine", "IDK", "", "1,2", "", ""]
    done = run(tmp_path, *RULES, "interview", "--as-of", AS_OF, "--format", "json",
               lines=lines)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    expected = {key: value for key, value in MEDICAL_ANSWERS.items()
                if key not in ("arrival_date", "provider", "stay_months")}
    assert report == score(tmp_path, expected)
    assert report["status"] == "incomplete"
    assert report["missing"] == ["arrival_date", "provider", "stay_months"]
    assert done.stderr.count("Left unanswered: the report will list it") == 3
    assert "(don't know)" in done.stderr  # in the review list


SHIPPED_AS_OF = "2026-12-01"


def test_piped_settled_outcome_is_told_and_a_report_line_takes_it(tmp_path: Path) -> None:
    """Piped input is never asked about the early report (the next line stays an answer):
    it is told, and a `report` line gives the report at once."""
    done = run(tmp_path, "interview", "--as-of", SHIPPED_AS_OF, "--format", "json",
               lines=["3", "4", "2025-01-02", "report"])
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert err.count("Your answers so far already decide the main result") == 1
    assert "type report at the next question" in err
    assert "question 3 of about" in err  # the questions went on
    report = json.loads(done.stdout)
    assert report["status"] == "incomplete"
    assert report["flags"][0]["id"] == "inside_us_initial_parole"
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"beneficiary_location": "inside_us",
                                   "in_us_status": "no_status",
                                   "last_arrival_date": "2025-01-02"}))
    scored = run(tmp_path, "score", str(answers), "-f", "json", "--as-of", SHIPPED_AS_OF)
    assert report == json.loads(scored.stdout)


def test_piped_report_line_before_the_outcome_is_settled_is_refused(tmp_path: Path) -> None:
    done = run(tmp_path, "interview", "--as-of", SHIPPED_AS_OF, lines=["1", "report"])
    assert done.returncode == 1
    assert "The report comes after the questions" in done.stderr


@pytest.mark.parametrize(("first", "expected"), [
    ("continue", "question 3 of about"),
    ("review", "Your answers so far"),
    ("new", "question 1 of about"),
    ("Start Over", "question 1 of about"),
])
def test_piped_first_line_chooses_what_to_do_with_a_saved_interview(
        tmp_path: Path, first: str, expected: str) -> None:
    run(tmp_path, *RULES, "interview", "--as-of", AS_OF, lines=["2", "2026-01-05"])
    done = run(tmp_path, *RULES, "interview", lines=[first, "quit"])
    assert done.returncode == 0, done.stderr
    assert "A saved interview was found (2 answers, saved " in done.stderr
    assert expected in done.stderr
    answers = json.loads(default_session(tmp_path).read_text())["answers"]
    assert len(answers) == (0 if first.lower() in ("new", "start over") else 2)


def test_piped_answer_as_first_line_keeps_the_saved_interview(tmp_path: Path) -> None:
    """A script that sends answers (not continue, review or new) is refused as before: its
    first line is never taken for a choice, and the saved answers stay."""
    run(tmp_path, *RULES, "interview", "--as-of", AS_OF, lines=["2", "2026-01-05"])
    saved = default_session(tmp_path).read_bytes()
    done = run(tmp_path, *RULES, "interview", lines=["1", "1"])
    assert done.returncode == 1
    assert "a saved interview already exists" in done.stderr
    assert "interview --resume" in done.stderr
    assert default_session(tmp_path).read_bytes() == saved


def test_preamble_is_at_most_four_lines_and_names_no_file(tmp_path: Path) -> None:
    done = run(tmp_path, "interview", "--as-of", AS_OF, lines=["quit"])
    assert done.returncode == 0
    preamble = done.stderr.split("question 1 of about")[0].rstrip("\n").split("\n")
    assert len(preamble) <= 4, preamble
    assert preamble[0].startswith("Parole screening (us-parole ")
    assert "not legal advice" in preamble[0]
    assert not any(str(tmp_path) in line or "session.json" in line for line in preamble)
    assert all(len(line) <= 100 for line in preamble)


def test_no_input_still_lists_what_is_missing_with_a_saved_interview_there(
        tmp_path: Path) -> None:
    """--no-input reads no line and asks nothing, whatever is saved: the missing ids."""
    run(tmp_path, *RULES, "interview", "--as-of", AS_OF, lines=["2", "2026-01-05"])
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"location": "outside_us", "reason": "other"}))
    done = run(tmp_path, *RULES, "interview", "--answers", str(answers), "--no-input",
               stdin="continue\n")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "error: not every needed answer is known; missing, in order: nationality, stay_months,"
        " documents")
