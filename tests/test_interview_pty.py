"""The interview on a real pseudo-terminal (pexpect): a full medical case with `back` and a
review edit, Ctrl-C and SIGKILL mid-way, then resuming without losing an answer."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from parole_screen.loader import load_pack
from parole_screen.models import Question
from parole_screen.pack import RulePack

REPO = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "data" / "interview_pack"
AS_OF = "2026-12-01"
QUESTION = re.compile(r"question (\d+) of about (\d+)\r\n([^\r\n]+)\r\n")
PROMPT = "\r\n> "
REVIEW = re.compile(r"Review your answers\r\n(.*?)Type a number to change that answer",
                    re.DOTALL)

# A medical case for the shipped pack. Questions the pack gains later get a default answer.
MEDICAL_PLAN: dict[str, Any] = {
    "beneficiary_location": "outside_us", "reason_type": "medical", "medical_patient": "self",
    "medical_urgency": "life_threatening", "treatment_available_nearby": "no",
    "us_provider_accepted": True, "treatment_funded": True, "fit_to_travel": True,
    "nationality": "UA", "country_of_birth": "UA", "has_fixed_date": True,
    "date_needed_by": "2027-01-15",
    "stay_months": 6, "visa_route": "refused", "in_removal_proceedings": False,
    "prior_removal": False, "criminal_history": False, "immigration_violations": False,
    "financial_support": "supporter", "has_passport": True,
    "documents_in_hand": ["doctor_letter_abroad", "us_provider_letter", "payment_proof"],
}


def cli() -> list[str]:
    script = shutil.which("parole-screen", path=str(Path(sys.executable).parent)) \
        or shutil.which("parole-screen")
    return [script] if script else [sys.executable, "-m", "parole_screen"]


def environment(tmp_path: Path, *, colour: bool = False) -> dict[str, str]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "TERM": "xterm"}
    env.pop("PAROLE_SCREEN_RULES", None)
    if colour:
        env.pop("NO_COLOR", None)
    else:
        env["NO_COLOR"] = "1"
    return env


def spawn(tmp_path: Path, *args: str, colour: bool = False) -> pexpect.spawn:
    command = cli()
    child = pexpect.spawn(command[0], [*command[1:], *args], env=environment(tmp_path,
                          colour=colour), cwd=str(tmp_path), encoding="utf-8", timeout=30,
                          dimensions=(40, 100))
    return child


def run(tmp_path: Path, args: list[str], lines: list[str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    text = "".join(f"{line}\n" for line in lines or [])
    return subprocess.run([*cli(), *args], input=text, capture_output=True, text=True,
                          env=environment(tmp_path), cwd=tmp_path, timeout=60, check=False)


def score(tmp_path: Path, answers: dict[str, Any], rules: list[str]) -> Any:
    path = tmp_path / "equivalent-answers.json"
    path.write_text(json.dumps({"answers": answers}))
    done = run(tmp_path, [*rules, "score", str(path), "--format", "json", "--as-of", AS_OF])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Driver:
    """Reads questions off the terminal by their text and answers them."""

    def __init__(self, child: pexpect.spawn, pack: RulePack, plan: dict[str, Any]) -> None:
        self.child = child
        self.pack = pack
        self.plan = plan
        self.by_text = {entry.question.text: entry.question for entry in pack.questions}
        self.sent: dict[str, Any] = {}
        self.seen: list[str] = []

    def next_question(self) -> tuple[Question, str]:
        self.child.expect(QUESTION)
        question = self.by_text[self.child.match.group(3)]
        self.child.expect_exact(PROMPT)
        return question, self.child.before

    def wait(self) -> tuple[Question | None, str]:
        """The next question (and the lines under it), or None at the review list."""
        index = self.child.expect([QUESTION, REVIEW])
        if index == 1:
            listing = self.child.match.group(1)
            self.child.expect_exact(PROMPT)
            return None, listing
        question = self.by_text[self.child.match.group(3)]
        self.child.expect_exact(PROMPT)
        return question, self.child.before

    def reply(self, question: Question, value: Any = None) -> None:
        """Type an answer the way a person would: numbers, y/n, a country's name."""
        if value is None:
            value = self.plan.get(question.id, default_answer(question))
        self.child.sendline(typed(self.pack, question, value))
        self.sent[question.id] = value


def default_answer(question: Question) -> Any:
    if question.type == "yes_no":
        return False
    if question.type == "choice":
        return question.choices[0].value
    if question.type == "multi_choice":
        return [question.choices[-1].value]
    if question.type == "date":
        return "2027-01-15"
    if question.type in ("number", "money"):
        return int(question.min) if question.min is not None else 1
    if question.type == "country":
        return "UA"
    return "none"


def typed(pack: RulePack, question: Question, value: Any) -> str:
    values = [choice.value for choice in question.choices]
    if question.type == "yes_no":
        return "y" if value else "n"
    if question.type == "choice":
        return str(values.index(value) + 1)
    if question.type == "multi_choice":
        return ",".join(str(values.index(v) + 1) for v in value)
    if question.type == "country":
        return pack.countries[value]  # by name
    return str(value)


def test_full_medical_case_with_back_and_review_edit_matches_score(tmp_path: Path) -> None:
    pack = load_pack(REPO / "rules")
    session = tmp_path / "session.json"
    child = spawn(tmp_path, "interview", "--session", str(session), "--as-of", AS_OF,
                  "--out", "report.json")
    driver = Driver(child, pack, MEDICAL_PLAN)
    child.expect_exact('Type ? for help, "don\'t know" if unsure, back, review or quit.')
    went_back = asked_help = tried_bad_date = edited = False
    while True:
        question, block = driver.wait()
        if question is None:  # the review list, page by page on a 40-row terminal
            items = dict(re.findall(r"(?m)^(\d+)\. ([^\r\n]+)\r$", block))
            while (more := re.search(r"Answers \d+-(\d+) of (\d+): type m for more",
                                     block)) and more.group(1) != more.group(2):
                assert block.count("\n") <= 40 - 3  # a page fits the screen with the prompt
                child.sendline("m")
                again, block = driver.wait()
                assert again is None
                items.update(re.findall(r"(?m)^(\d+)\. ([^\r\n]+)\r$", block))
            assert len(items) == len(set(driver.seen))
            if not edited:
                edited = True
                urgency = pack.question_index["medical_urgency"]
                number = next(n for n, text in items.items() if text == urgency.text)
                child.sendline(number)
                shown, block = driver.next_question()
                assert shown.id == "medical_urgency"
                assert "Press Enter to keep: 1. Life-threatening" in block
                child.sendline("serious")  # by value this time
                driver.sent["medical_urgency"] = "serious"
                continue
            child.sendline("")  # accept
            break
        if question.id not in driver.seen:
            driver.seen.append(question.id)
        if question.help and not asked_help:
            asked_help = True
            child.sendline("?")
            child.expect_exact(question.help[:40])
            child.expect_exact(PROMPT)
        if question.type == "date" and not tried_bad_date:
            tried_bad_date = True
            child.sendline("15/01/2027")  # not month first: asked back, read day first
            child.expect_exact("Did you mean Friday, 15 January 2027? Type y if so")
            child.expect_exact(PROMPT)
        if len(driver.seen) == 6 and not went_back:
            went_back = True
            sixth, fifth, fourth = driver.seen[-1], driver.seen[-2], driver.seen[-3]
            child.sendline("back")
            shown, block = driver.next_question()
            assert shown.id == fifth and "Press Enter to keep:" in block
            child.sendline("back")
            shown, block = driver.next_question()
            assert shown.id == fourth and "Press Enter to keep:" in block
            child.sendline("")  # Enter keeps the answer
            shown, block = driver.next_question()
            assert shown.id == fifth and "Press Enter to keep:" in block
            child.sendline("")
            shown, block = driver.next_question()
            assert shown.id == sixth and "Press Enter to keep:" not in block
        driver.reply(question)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert went_back and asked_help and tried_bad_date and edited
    assert driver.sent["reason_type"] == "medical"
    report = json.loads((tmp_path / "report.json").read_text())
    assert report == score(tmp_path, driver.sent, [])
    assert report["categories"]["medical"]["band"] != "not_indicated"
    assert not session.exists()


FIXTURE_LINES = ["2", "2026-01-05", "1", "1", "y", "n", "Ukraine", "6", "", "1,2", ""]
FIXTURE_ANSWERS = {"location": "inside_us", "arrival_date": "2026-01-05", "reason": "medical",
                   "urgency": "life_threatening", "provider": True, "funded": False,
                   "nationality": "UA", "stay_months": 6,
                   "documents": ["doctor_letter", "provider_letter"]}
FIXTURE_IDS = list(FIXTURE_ANSWERS)


def answer_some(child: pexpect.spawn, count: int) -> None:
    for line in FIXTURE_LINES[:count]:
        child.expect(QUESTION)
        child.expect_exact(PROMPT)
        child.sendline(line)
    child.expect(f"question {count + 1} of about")
    child.expect_exact(PROMPT)


def test_ctrl_c_saves_prints_the_resume_command_and_resume_completes(tmp_path: Path) -> None:
    session = tmp_path / "my session.json"
    rules = ["--rules", str(FIXTURE)]
    child = spawn(tmp_path, *rules, "interview", "--session", str(session), "--as-of", AS_OF,
                  "--format", "json")
    answer_some(child, 4)
    child.sendintr()
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 130
    assert "Interview paused. Your answers are saved in" in output
    command_line = output.split("To continue later, run:\r\n")[1].splitlines()[0].strip()
    # The program by name when that name on PATH is this program, else by its full path.
    on_path = shutil.which("parole-screen")
    program = ("parole-screen" if on_path and Path(on_path).resolve()
               == Path(cli()[0]).resolve() else cli()[0])
    assert command_line == shlex.join([program, "--rules", str(FIXTURE), "interview",
                                       "--resume", "--session", str(session), "--format",
                                       "json"])
    saved = json.loads(session.read_text())
    assert saved["answers"] == {qid: FIXTURE_ANSWERS[qid] for qid in FIXTURE_IDS[:4]}
    assert saved["position"]["question"] == "provider"
    # Run exactly the printed command, feeding the rest of the answers.
    command = shlex.split(command_line)
    done = run(tmp_path, command[1:], [*FIXTURE_LINES[4:], ""])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == score(tmp_path, FIXTURE_ANSWERS, rules)


@pytest.mark.parametrize("count", [1, 5])
def test_sigkill_loses_no_answered_question(tmp_path: Path, count: int) -> None:
    session = tmp_path / "s.json"
    rules = ["--rules", str(FIXTURE)]
    child = spawn(tmp_path, *rules, "interview", "--session", str(session), "--as-of", AS_OF)
    answer_some(child, count)
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    saved = json.loads(session.read_text())
    assert saved["answers"] == {qid: FIXTURE_ANSWERS[qid] for qid in FIXTURE_IDS[:count]}
    assert not list(tmp_path.glob(".s.json.*.tmp"))  # no temporary file left behind
    done = run(tmp_path, [*rules, "interview", "--resume", "--session", str(session),
                          "--format", "json"], [*FIXTURE_LINES[count:], ""])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == score(tmp_path, FIXTURE_ANSWERS, rules)


def test_styled_terminal_review_and_quit(tmp_path: Path) -> None:
    """Without NO_COLOR the prompts are styled and the review is a table; quit exits 0."""
    session = tmp_path / "s.json"
    child = spawn(tmp_path, "--rules", str(FIXTURE), "interview", "--session", str(session),
                  colour=True)
    for line in ["1", "3", "review"]:
        child.expect_exact("> ")
        child.sendline(line)
    child.expect("Your answers so far")
    child.expect("Something else")
    child.expect_exact("> ")
    child.sendline("")  # back to the pending question
    child.expect("What is their nationality")
    child.expect_exact("> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 0
    assert "\x1b[" in output
    assert "interview --resume --session" in output
    assert json.loads(session.read_text())["answers"] == {"location": "outside_us",
                                                          "reason": "other"}


def test_plain_flag_has_no_styling_on_a_terminal(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--plain", "--rules", str(FIXTURE), "interview", "--session",
                  str(tmp_path / "s.json"), colour=True)
    for line in ["1", "review"]:
        child.expect_exact("> ")
        child.sendline(line)
    child.expect_exact("Type a number to change that answer")
    child.expect_exact("> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 0
    assert "\x1b[" not in output and "─" not in output
    assert "parole-screen --rules" in output and "--plain interview --resume" in output


def test_dont_know_on_a_terminal_is_left_unanswered_and_reported(tmp_path: Path) -> None:
    """On a real terminal, "don't know" moves on, the review shows it, and the report lists
    the question as missing."""
    rules = ["--rules", str(FIXTURE)]
    child = spawn(tmp_path, *rules, "interview", "--session", str(tmp_path / "s.json"),
                  "--as-of", AS_OF, "--format", "json")
    lines = ["2", "don't know", "1", "1", "y", "n", "Ukraine", "idk", "", "1,2", ""]
    for line in lines:
        child.expect(QUESTION)
        child.expect_exact(PROMPT)
        assert ', or "don\'t know".' in child.before  # every hint offers it
        child.sendline(line)
    child.expect(REVIEW)
    listing = child.match.group(1)
    assert listing.count("(don't know)") == 2
    child.expect_exact(PROMPT)
    child.sendline("")
    report = json_report_at_exit(child)
    assert report["status"] == "incomplete"
    assert report["missing"] == ["arrival_date", "stay_months"]


def json_report_at_exit(child: pexpect.spawn) -> Any:
    """The JSON report an interview prints as it ends, once it has exited with status 0."""
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 0
    return json.loads(output[output.index("{"):output.rindex("}") + 1])


def test_settled_outcome_offers_the_report_at_once(tmp_path: Path) -> None:
    """Inside the U.S. and never paroled settles the outcome at question 2: the terminal says
    so and offers the report now or the remaining questions; 1 gives the report."""
    child = spawn(tmp_path, "interview", "--session", str(tmp_path / "s.json"), "--as-of",
                  AS_OF, "--format", "json")
    for line in ["3", "4"]:
        child.expect(QUESTION)
        child.expect_exact(PROMPT)
        child.sendline(line)
    child.expect_exact("Your answers so far already decide the main result")
    child.expect_exact("They are inside the United States and have not been paroled.")
    child.expect_exact("1. See the report now")
    child.expect(r"2\. Answer the remaining questions \(about \d+ more\)")
    child.expect_exact(PROMPT)
    child.sendline("?")
    child.expect_exact("Type 1 to see the report now")
    child.expect_exact(PROMPT)
    child.sendline("1")
    report = json_report_at_exit(child)
    assert report["flags"][0]["id"] == "inside_us_initial_parole"
    assert report["status"] == "incomplete"


def test_declined_offer_goes_on_with_the_questions(tmp_path: Path) -> None:
    child = spawn(tmp_path, "interview", "--session", str(tmp_path / "s.json"), "--as-of",
                  AS_OF)
    for line in ["3", "4"]:
        child.expect(QUESTION)
        child.expect_exact(PROMPT)
        child.sendline(line)
    child.expect_exact("1. See the report now")
    child.expect_exact(PROMPT)
    child.sendline("")  # Enter: the remaining questions
    child.expect(QUESTION)
    assert child.match.group(3) == "On what date did they last arrive in the United States?"
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["position"]["announced"] == ["inside_us_initial_parole"]


def test_the_resume_command_works_in_a_new_terminal_without_the_program_on_path(
        tmp_path: Path) -> None:
    """A new terminal has no active virtual environment: the pause message names the
    program by its full path, and that exact command continues the interview."""
    if len(cli()) > 1:
        pytest.skip("needs the installed parole-screen script")
    env = {**environment(tmp_path), "PATH": "/usr/bin:/bin"}
    session = tmp_path / "s.json"
    child = pexpect.spawn(cli()[0], ["--rules", str(FIXTURE), "interview", "--session",
                                     str(session), "--as-of", AS_OF, "--format", "json"],
                          env=env, cwd=str(tmp_path), encoding="utf-8", timeout=30,
                          dimensions=(40, 100))
    answer_some(child, 4)
    child.sendintr()
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    command = shlex.split(output.split("To continue later, run:\r\n")[1].splitlines()[0])
    assert Path(command[0]).is_absolute() and Path(command[0]).resolve() == \
        Path(cli()[0]).resolve()
    done = subprocess.run(command, input="".join(f"{line}\n" for line in
                                                 [*FIXTURE_LINES[4:], ""]),
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == score(tmp_path, FIXTURE_ANSWERS, ["--rules", str(FIXTURE)])


def saved_interview(tmp_path: Path, lines: list[str]) -> Path:
    session = tmp_path / "s.json"
    done = run(tmp_path, ["--rules", str(FIXTURE), "interview", "--session", str(session),
                          "--as-of", AS_OF], [*lines, "quit"])
    assert done.returncode == 0, done.stderr
    return session


@pytest.mark.parametrize(("typed", "then"), [
    ("1", "question 4 of about"),  # continue: the next unanswered question
    ("2", "Your answers so far"),  # review first
    ("3", "question 1 of about"),  # start over
])
def test_a_saved_interview_offers_continue_review_or_start_over(tmp_path: Path, typed: str,
                                                                then: str) -> None:
    session = saved_interview(tmp_path, FIXTURE_LINES[:3])
    child = spawn(tmp_path, "--rules", str(FIXTURE), "interview", "--session", str(session),
                  "--as-of", AS_OF)
    child.expect_exact("A saved interview was found (3 answers, saved ")
    child.expect_exact("1. Continue where it stopped")
    child.expect_exact("3. Start over (the saved answers will be replaced)")
    child.expect_exact(PROMPT)
    child.sendline("9")
    child.expect_exact("Type 1 to continue, 2 to review the answers, or 3 to start over.")
    child.expect_exact(PROMPT)
    child.sendline(typed)
    child.expect_exact(then)
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = json.loads(session.read_text())["answers"]
    assert answers == ({} if typed == "3" else {qid: FIXTURE_ANSWERS[qid]
                                                 for qid in FIXTURE_IDS[:3]})


def test_prompts_wrap_at_word_boundaries_with_hanging_indents(tmp_path: Path) -> None:
    """On a 44-column terminal, no word is broken at the edge, and a choice's second line is
    indented under its text."""
    command = cli()
    child = pexpect.spawn(command[0], [*command[1:], "interview", "--session",
                                       str(tmp_path / "s.json"), "--as-of", AS_OF],
                          env=environment(tmp_path), cwd=str(tmp_path), encoding="utf-8",
                          timeout=30, dimensions=(40, 44))
    child.expect_exact(PROMPT)
    screen = child.before
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    lines = screen.split("\r\n")
    assert all(len(line) <= 44 for line in lines), lines
    start = lines.index(next(line for line in lines if line.startswith("  2. At a U.S.")))
    assert lines[start + 1].startswith("     ") and lines[start + 1].strip()
    for word in ("crossing", "airport", "(port", "entry)"):
        assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", screen), word  # never split


def test_the_review_at_80_columns_is_numbered_and_not_cut(tmp_path: Path) -> None:
    """At 80 columns the review is a numbered list with whole answers: a table there cut
    answers to about a dozen letters and lost its numbers (an applicant's trial)."""
    command = cli()
    child = pexpect.spawn(command[0], [*command[1:], "interview", "--session",
                                       str(tmp_path / "s.json"), "--as-of", AS_OF],
                          env=environment(tmp_path, colour=True), cwd=str(tmp_path),
                          encoding="utf-8", timeout=30, dimensions=(24, 80))
    for line in ["2", "review"]:
        child.expect_exact(PROMPT)
        child.sendline(line)
    child.expect_exact("Type a number to change that answer")
    screen = child.before
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    plain = re.sub(r"\x1b\[[0-9;]*m", "", screen)
    assert re.search(r"^1\. Where is the person who needs parole", plain, re.M), plain
    assert "At a U.S. border crossing or airport (port of entry)" in plain  # whole, not cut
    assert "…" not in plain
