"""The installed command line, end to end, in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO, cli_command, run_cli

MEDICAL = {"location": "outside_us", "reason": "medical", "urgency": "life_threatening",
           "provider": True, "funded": True, "nationality": "UA", "months": 6}
MINI = ["--rules", str(MINIMAL)]


@pytest.fixture
def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"id": "case-1", "answers": MEDICAL}))
    return path


def test_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("parole-screen ")


def test_python_dash_m_runs_the_same_app() -> None:
    done = subprocess.run([sys.executable, "-m", "parole_screen", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and "score" in done.stdout and "rules" in done.stdout


def test_usage_error_exits_2() -> None:
    assert run_cli("score").returncode == 2
    assert run_cli("no-such-command").returncode == 2
    done = run_cli(*MINI, "score", "x.json", "--as-of", "tomorrow")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr


def test_score_json_contract(answers_file: Path) -> None:
    done = run_cli(*MINI, "score", str(answers_file), "--format", "json", "--as-of", "2026-02-01")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["schema"] == "parole-screen/result@1" and result["id"] == "case-1"
    assert result["top_category"] == "medical" and result["as_of"] == "2026-02-01"
    assert list(result) == sorted(result)  # sorted keys
    again = run_cli(*MINI, "score", str(answers_file), "--format", "json", "--as-of",
                    "2026-02-01")
    assert again.stdout == done.stdout  # deterministic


def test_score_from_stdin() -> None:
    done = run_cli(*MINI, "score", "-", "-f", "json", "--as-of", "2026-02-01",
                   input=json.dumps(MEDICAL))
    assert done.returncode == 0 and json.loads(done.stdout)["top_category"] == "medical"


@pytest.mark.parametrize("fmt, marker", [
    ("text", "Medical: strong (Urgent treatment)"),
    ("markdown", "# Immigration parole screening report\n\nReference: case-1."),
    ("md", "# Immigration parole screening report\n\nReference: case-1."),  # short for markdown
    ("html", "<!DOCTYPE html>"),
])
def test_score_formats(answers_file: Path, fmt: str, marker: str) -> None:
    done = run_cli(*MINI, "score", str(answers_file), "--format", fmt, "--as-of", "2026-02-01")
    assert done.returncode == 0 and marker in done.stdout
    assert "A screening, not legal advice." in done.stdout
    assert "version 1.0.0" in done.stdout


def test_explain_prints_the_rule_trace(answers_file: Path) -> None:
    done = run_cli(*MINI, "score", str(answers_file), "--explain", "--as-of", "2026-02-01")
    assert "Rule trace" in done.stdout
    assert "medical.treatment.urgent: true [urgency in" in done.stdout


def test_text_report_has_no_colour_or_boxes_when_piped(answers_file: Path) -> None:
    done = run_cli(*MINI, "score", str(answers_file), env={"NO_COLOR": "1"})
    assert "\x1b[" not in done.stdout
    assert not any(ch in done.stdout for ch in "─│┌┐└┘━")


def test_out_writes_a_private_file_and_never_overwrites(answers_file: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    done = run_cli(*MINI, "score", str(answers_file), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("# Immigration parole screening report")  # from extension
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.write_text("keep me")
    again = run_cli(*MINI, "score", str(answers_file), "--out", str(out))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert out.read_text() == "keep me"
    forced = run_cli(*MINI, "score", str(answers_file), "--out", str(out), "--force")
    assert forced.returncode == 0 and out.read_text().startswith("# Immigration parole")


@pytest.mark.parametrize("content, words", [
    ('{"answers": {"months": 6,}}', "invalid JSON at line 1, column 26"),
    ('{"answers": {"provider": "yes"}}', "field 'provider': expected true or false"),
    ('{"answers": {"reasn": "medical"}}', "field 'reasn': unknown question id (did you mean"),
    ('{"answers": {"expires_on": "2026-13-01"}}', "field 'expires_on': expected a real calendar"),
    ('[1, 2]', "a record must be a JSON object"),
    ('{"answers": [1]}', "field 'answers': must be a JSON object"),
    ("[" * 100000, "nested too deeply"),
    ('\xff', ""),
])
def test_malformed_answers_give_one_line_and_exit_1(
        write_file: Callable[[str, str], Path], content: str, words: str) -> None:
    path = write_file("bad.json", "")
    path.write_bytes(content.encode("latin-1") if content == "\xff" else content.encode())
    done = run_cli(*MINI, "score", str(path))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {path}")
    assert words in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_missing_and_huge_answers_files(tmp_path: Path) -> None:
    done = run_cli(*MINI, "score", str(tmp_path / "nope.json"))
    missing = tmp_path / "nope.json"
    assert done.returncode == 1 and done.stderr == f"error: {missing}: file not found\n"
    huge = tmp_path / "huge.json"
    huge.write_text('{"answers": {"note": "' + "x" * (2 * 1024 * 1024) + '"}}')
    done = run_cli(*MINI, "score", str(huge))
    assert done.returncode == 1 and "larger than the 1024 KiB limit" in done.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    done = run_cli(*MINI, "--debug", "score", str(bad))
    assert done.returncode == 1 and "Traceback" in done.stderr


def test_questions_table_and_json() -> None:
    table = run_cli(*MINI, "questions")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split("\t") == ["#", "id", "type", "choices", "asked when", "question"]
    assert lines[5].split("\t") == [
        "5", "urgency", "choice", "life_threatening | serious | not_urgent",
        '{"q": "reason", "is": "medical"}', "How urgent?"]
    rows = json.loads(run_cli(*MINI, "questions", "--format", "json").stdout)
    assert [row["id"] for row in rows][:3] == ["location", "paroled", "expires_on"]
    assert rows[1]["asked_when"] == {"q": "location", "is": "inside_us"}


def test_schema_describes_the_answers_contract() -> None:
    done = run_cli(*MINI, "schema")
    schema = json.loads(done.stdout)
    answers = schema["$defs"]["answers"]
    assert answers["additionalProperties"] is False
    assert answers["properties"]["reason"]["enum"] == ["medical", "family", "other", None]
    assert answers["properties"]["provider"]["type"] == ["boolean", "null"]
    assert answers["properties"]["expires_on"]["format"] == "date"
    assert answers["properties"]["months"]["maximum"] == 120


def test_rules_env_var_selects_the_pack(answers_file: Path) -> None:
    done = run_cli("questions", "--format", "json", env={"PAROLE_SCREEN_RULES": str(MINIMAL)})
    assert json.loads(done.stdout)[0]["id"] == "location"


def test_rules_check_ok_and_broken(tmp_path: Path) -> None:
    ok = run_cli("rules", "check", str(MINIMAL))
    assert ok.returncode == 0 and ok.stdout.startswith("ok: minimal 1.0.0")
    broken = tmp_path / "pack"
    shutil.copytree(MINIMAL, broken)
    (broken / "evil.yaml").write_text("flags: !!python/object/apply:os.system ['echo pwned']\n")
    done = run_cli("rules", "check", str(broken))
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        f"{broken / 'evil.yaml'}:1: YAML tags "
        "(tag:yaml.org,2002:python/object/apply:os.system) are not allowed in rule files")
    assert "pwned" not in done.stdout
    score = run_cli("--rules", str(broken), "score", "-", input="{}")
    assert score.returncode == 1 and "Traceback" not in score.stderr


def test_rules_test_passes_and_fails(pack_dir: Path) -> None:
    ok = run_cli("rules", "test", str(MINIMAL), "-v")
    assert ok.returncode == 0 and "PASS medical_strong" in ok.stdout and "2 passed, 0 failed" in \
        ok.stdout
    pack = pack_dir
    case = pack / "tests" / "cases.yaml"
    case.write_text(case.read_text().replace("medical: strong", "medical: weak"))
    done = run_cli("rules", "test", str(pack))
    assert done.returncode == 1
    assert "FAIL medical_strong" in done.stdout
    assert "band of medical: expected 'weak', got 'strong'" in done.stdout


def test_rules_test_coverage_lists_what_no_scenario_exercises() -> None:
    done = run_cli("rules", "test", str(MINIMAL), "--coverage")
    assert done.returncode == 1  # the minimal pack is not fully covered
    assert "coverage flags: 0.0% (not exercised: inside_initial, haiti_list, expiring)" in \
        done.stdout
    assert "medical.treatment.unfunded" in done.stdout


def test_rules_facts_lists_values_in_force_and_unverified() -> None:
    rows = json.loads(run_cli(*MINI, "rules", "facts", "--as-of", "2026-01-01", "-f",
                              "json").stdout)
    fee = next(row for row in rows if row["id"] == "parole_fee")
    assert (fee["value"], fee["confidence"], fee["effective_from"]) == (1020, "secondary",
                                                                       "2026-01-01")
    unverified = json.loads(run_cli(*MINI, "rules", "facts", "--unverified", "-f",
                                    "json").stdout)
    # The unverified fact value, then the unverified texts (the minimal pack's one_year
    # deadline is marked unverified).
    assert [(row["id"], row["kind"], row["value"]) for row in unverified] == [
        ("parole_fee", "fee", 1050), ("one_year", "deadline", None)]
    table = run_cli(*MINI, "rules", "facts", "--as-of", "2025-10-15")
    assert "(not yet in force)" in table.stdout


def test_installed_package_carries_the_default_pack(tmp_path: Path) -> None:
    # From a folder with no rules/ in sight, the default pack still loads.
    done = run_cli("rules", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: us-parole")


def test_no_network_or_eval_in_the_source() -> None:
    source = "\n".join(p.read_text() for p in (REPO / "src" / "parole_screen").glob("*.py"))
    for banned in ("eval(", "exec(", "yaml.load(", "unsafe_load", "import socket",
                   "urllib.request", "http.client"):
        assert banned not in source, banned


def test_out_with_an_unknown_extension_is_a_usage_error(answers_file: Path,
                                                       tmp_path: Path) -> None:
    done = run_cli(*MINI, "score", str(answers_file), "--out", str(tmp_path / "report.pdf"))
    assert done.returncode == 2 and "cannot tell the format" in done.stderr
    assert not (tmp_path / "report.pdf").exists()
    explicit = run_cli(*MINI, "score", str(answers_file), "--out", str(tmp_path / "r.pdf"),
                       "--format", "text")
    assert explicit.returncode == 0


def test_out_into_a_missing_folder_is_refused(answers_file: Path, tmp_path: Path) -> None:
    done = run_cli(*MINI, "score", str(answers_file), "--out", str(tmp_path / "no" / "r.md"))
    assert done.returncode == 1 and "does not exist" in done.stderr
    assert not (tmp_path / "no").exists()


def test_impossible_as_of_date_says_so(answers_file: Path) -> None:
    done = run_cli(*MINI, "score", str(answers_file), "--as-of", "2026-02-30")
    assert done.returncode == 2 and "not a real calendar date" in done.stderr


def test_markdown_and_html_reports_link_their_sources(answers_file: Path) -> None:
    md = run_cli(*MINI, "score", str(answers_file), "-f", "markdown").stdout
    assert "<https://example.invalid/ina>" in md
    html = run_cli(*MINI, "score", str(answers_file), "-f", "html").stdout
    assert '<a href="https://example.invalid/ina">' in html


def test_report_text_has_no_doubled_full_stops(answers_file: Path) -> None:
    text = run_cli(*MINI, "score", str(answers_file), "--as-of", "2026-02-01").stdout
    assert ".." not in text


def test_scenario_file_typos_are_named_with_a_suggestion(pack_dir: Path) -> None:
    pack = pack_dir
    case = pack / "tests" / "cases.yaml"
    case.write_text(case.read_text().replace("top_category: medical", "top_categry: medical"))
    done = run_cli("rules", "test", str(pack))
    assert done.returncode == 1
    assert f"{case}:6: cases.0.expect.top_categry: unknown key (did you mean 'top_category'?)" \
        in done.stderr


def test_text_report_speaks_in_the_questions_words(answers_file: Path) -> None:
    text = run_cli(*MINI, "score", str(answers_file), "--as-of", "2026-02-01").stdout
    assert "The need is urgent. (based on: How urgent? Life-threatening)" in text
    partial = run_cli(*MINI, "score", "-", "--as-of", "2026-02-01",
                      input=json.dumps({"location": "outside_us", "reason": "medical"})).stdout
    assert "Some answers are missing, so no kind of parole can be named yet." in partial
    assert "What to find out" in partial
    assert "* How urgent?\n* Has a U.S. doctor accepted?\n" in partial


def test_out_never_replaces_a_fifo_or_symlink_even_with_force(answers_file: Path,
                                                              tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    done = run_cli(*MINI, "score", str(answers_file), "--out", str(fifo), "--force")
    assert done.returncode == 1 and "not a regular file" in done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    target = tmp_path / "target.json"
    target.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    done = run_cli(*MINI, "score", str(answers_file), "--out", str(link), "--force")
    assert done.returncode == 1 and link.is_symlink() and target.read_text() == "keep"


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    import subprocess as sp

    with sp.Popen([*cli_command(), "questions"], stdout=sp.PIPE, stderr=sp.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert "internal error" not in err and "Traceback" not in err


def test_pack_urls_must_be_web_addresses(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(MINIMAL, pack)
    sources = pack / "sources.yaml"
    sources.write_text(sources.read_text().replace("https://example.invalid/ina",
                                                   "javascript:alert(1)"))
    done = run_cli("rules", "check", str(pack))
    assert done.returncode == 1 and "sources.0.url" in done.stderr


@pytest.mark.parametrize(("depth", "record_id", "kind"), [
    (990, "deep", "wrong_type"),  # read: "note" wants text
    (200_000, None, "invalid_json"),  # refused as nested too deeply: its id is unread
])
def test_batch_survives_deeply_nested_records(tmp_path: Path, depth: int, record_id: str | None,
                                              kind: str) -> None:
    """200,000 levels (400 KB, well under the size cap) crashed orjson before 3.9.15 with a
    segmentation fault: the whole batch died, exit 139, nothing written."""
    lines = tmp_path / "cases.jsonl"
    deep = "[" * depth + "]" * depth
    lines.write_text(json.dumps({"id": "ok", "answers": MEDICAL}) + "\n"
                     + '{"id": "deep", "answers": {"note": ' + deep + "}}\n"
                     + json.dumps({"id": "after", "answers": MEDICAL}) + "\n")
    for jobs in ("1", "2"):
        done = run_cli(*MINI, "batch", str(lines), "--as-of", "2026-02-01", "-q", "-j", jobs)
        assert done.returncode == 3, (jobs, done.returncode, done.stderr)
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        assert [row["id"] for row in rows] == ["ok", record_id, "after"], jobs
        assert rows[0]["top_category"] == rows[2]["top_category"] == "medical", jobs
        assert rows[1]["line"] == 2 and rows[1]["error"]["kind"] == kind, rows[1]


def test_compare_rules_names_a_question_one_pack_lacks_as_unknown(tmp_path: Path) -> None:
    """Either way round: the kind was "wrong_type" when only the old pack lacked it."""
    newer = tmp_path / "newer"
    shutil.copytree(MINIMAL, newer)
    with (newer / "questions.yaml").open("a") as questions:
        questions.write("  - id: extra_q\n    type: yes_no\n    text: Only the newer pack asks?\n")
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "r1", "answers": {"extra_q": true}}\n')
    for current, old, said in ((newer, MINIMAL, "under the old rules: unknown question id"),
                               (MINIMAL, newer, "field 'extra_q': unknown question id")):
        done = run_cli("--rules", str(current), "batch", str(cases), "--compare-rules", str(old))
        assert done.returncode == 3, done.stderr
        error = json.loads(done.stdout)["error"]
        assert error["kind"] == "unknown_question" and error["field"] == "extra_q", error
        assert said in error["message"]
        assert "1 rejected" in done.stderr and "unknown_question" in done.stderr


def test_batch_error_rows_survive_unencodable_ids(tmp_path: Path) -> None:
    lines = tmp_path / "cases.jsonl"
    lines.write_text('{"id": "\\ud800", "answers": {}}\n')
    for fmt in ("csv", "jsonl", "json"):
        done = run_cli(*MINI, "batch", str(lines), "-f", fmt, "-q")
        assert done.returncode == 3, (fmt, done.stderr)
        assert "valid Unicode" in done.stdout


def test_batch_out_never_replaces_an_input_even_with_force(tmp_path: Path) -> None:
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps(MEDICAL) + "\n")
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(MEDICAL))
    an_input = "is an input of this batch"
    in_folder = f"is in {folder}, an input folder of this batch, where it would be read"
    for inputs, out, said in (([str(lines)], lines, an_input),
                              ([str(folder)], folder / "a.json", in_folder),
                              ([str(lines), str(folder)], folder / "a.json", in_folder),
                              ([str(folder)], folder / "new.json", in_folder)):
        done = run_cli(*MINI, "batch", *inputs, "-o", str(out), "--force", "-f", "jsonl")
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(f"error: {out}: {said}"), done.stderr
    with lines.open("rb") as stdin:  # stdin redirected from the file named by -o
        done = subprocess.run([*cli_command(), *MINI, "batch", "-", "-o", str(lines),
                               "--force"], stdin=stdin, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1 and f"{an_input} (<stdin>)" in done.stderr, done.stderr
    assert lines.read_text() == (folder / "a.json").read_text() + "\n"  # both untouched
    assert not (folder / "new.json").exists()
    beside = run_cli(*MINI, "batch", str(folder), "-o", str(folder / "rows.jsonl"), "--force")
    assert beside.returncode == 0 and "1 record as of" in beside.stderr  # one record: singular


def test_batch_out_to_a_folder_says_why_force_would_not_help(tmp_path: Path) -> None:
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps(MEDICAL) + "\n")
    done = run_cli(*MINI, "batch", str(lines), "-o", str(tmp_path))
    assert done.returncode == 1 and "not a regular file" in done.stderr, done.stderr
    assert "--force" not in done.stderr


def test_batch_out_never_replaces_a_symlink(tmp_path: Path) -> None:
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps(MEDICAL) + "\n")
    target = tmp_path / "target.csv"
    target.write_text("keep")
    link = tmp_path / "rows.csv"
    link.symlink_to(target)
    done = run_cli(*MINI, "batch", str(lines), "-o", str(link), "--force", "-q")
    assert done.returncode == 1 and "not a regular file" in done.stderr
    assert link.is_symlink() and target.read_text() == "keep"


# -- leaving without the interpreter's teardown (cli.exit_now) -------------------------------

# Announces the quick exit on stderr before taking it.
ANNOUNCE = """
import os, sys
_exit = os._exit
def _announced(code):
    sys.stderr.write(f"quick exit {code}\\n")
    sys.stderr.flush()
    _exit(code)
os._exit = _announced
"""


def _run_main(prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``cli.main()`` with ``args`` in a fresh interpreter, after running ``prelude``; its
    standard streams buffered, as they are by default, and its quick exit announced."""
    script = (f"{ANNOUNCE}\n{prelude}\nimport sys\nsys.argv = ['parole-screen', *{list(args)!r}]\n"
              "from parole_screen.cli import main\nmain()\n")
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=buffered, timeout=120, check=False)


def test_exit_handlers_run_and_their_output_is_flushed() -> None:
    # A handler printing after the command's own output: both reach the pipe, in order.
    done = _run_main("import atexit\natexit.register(print, 'handler ran')",
                     "questions", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("quick exit 0\n")
    body, _, last = done.stdout.rstrip("\n").rpartition("\n")
    assert last == "handler ran"
    assert len(json.loads(body)) > 10  # the whole JSON, nothing cut short


def test_exit_codes_survive_the_quick_exit(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "answers": {"location": "nowhere"}}\n')
    for args, code in [(["--version"], 0), ([*MINI, "batch", str(bad), "--quiet"], 3),
                       ([*MINI, "score", str(tmp_path / "missing.json")], 1),
                       (["no-such-command"], 2)]:
        done = _run_main("", *args)
        assert done.returncode == code, args
        assert done.stderr.endswith(f"quick exit {code}\n"), args


def test_a_thread_still_running_is_waited_for() -> None:
    # The ordinary exit joins threads that are not daemons; a quick exit would kill it.
    prelude = ("import threading, time\n"
               "threading.Thread(target=lambda: (time.sleep(0.5), print('thread done'))).start()")
    done = _run_main(prelude, "--version")
    assert done.returncode == 0 and "quick exit" not in done.stderr
    version, *rest = done.stdout.splitlines()
    assert version.startswith("parole-screen ") and rest == ["thread done"]


def test_a_profiler_gets_its_ordinary_exit(tmp_path: Path) -> None:
    stats = tmp_path / "profile.out"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), "-m",
                           "parole_screen", "--version"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert stats.stat().st_size > 0  # written at exit, by the profiler


@pytest.fixture
def no_exit(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """In-process tests of ``exit_now``: exit handlers recorded, not pytest's own run; no
    other thread seen (pytest may run some); and an ``os._exit`` that fails the test
    instead of ending pytest."""
    import atexit
    import threading

    ran: list[str] = []
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: ran.append("exit handlers"))
    monkeypatch.setattr(threading, "active_count", lambda: 1)

    def refuse(code: int) -> None:
        raise AssertionError(f"os._exit({code}) was called")

    monkeypatch.setattr(os, "_exit", refuse)
    return ran


@pytest.mark.parametrize("code", ["a message", ("a", "tuple"), 256, -1])
def test_an_exit_code_out_of_the_ordinary_takes_the_ordinary_way(code: object,
                                                                 no_exit: list[str]) -> None:
    from parole_screen.cli import exit_now

    leaving = SystemExit(code)
    with pytest.raises(SystemExit) as raised:
        exit_now(leaving)
    assert raised.value is leaving and no_exit == []


def test_an_unflushable_stream_takes_the_ordinary_way(monkeypatch: pytest.MonkeyPatch,
                                                      no_exit: list[str]) -> None:
    import io

    from parole_screen.cli import exit_now

    class ClosedPipe(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    leaving = SystemExit(0)
    with pytest.raises(SystemExit) as raised:
        exit_now(leaving)
    assert raised.value is leaving and no_exit == ["exit handlers"]


def test_the_quick_exit_ends_the_process_with_the_code(monkeypatch: pytest.MonkeyPatch,
                                                       no_exit: list[str]) -> None:
    from parole_screen.cli import exit_now

    monkeypatch.setattr(sys, "gettrace", lambda: None)  # a coverage tool may trace pytest
    monkeypatch.setattr(sys, "getprofile", lambda: None)
    with pytest.raises(AssertionError, match=r"os\._exit\(3\)"):
        exit_now(SystemExit(3))
    assert no_exit == ["exit handlers"]
