"""The staff items of branch staff12: batch's --fail-fast exit code, hints and messages for
bad JSON, --as-of's range, a catalogue in another language, clean usage errors, and
``batch --help`` that matches docs/batch.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import MINIMAL, REPO, run_cli

MINI = ["--rules", str(MINIMAL)]
AS_OF = ["--as-of", "2026-02-01"]
RECORD = {"id": "case-7", "answers": {"location": "outside_us", "reason": "medical",
                                      "urgency": "serious", "provider": True, "funded": True,
                                      "nationality": "UA", "months": 6}}
EXAMPLES = sorted((REPO / "examples").glob("*.json"))


# -- 3. several pretty-printed JSON documents on stdin ---------------------------------------

def test_several_pretty_printed_documents_on_stdin_get_a_hint() -> None:
    """`cat examples/*.json | parole-screen batch -`: one error row that says what the input
    is and how to pass it, on one line."""
    text = "".join(path.read_text(encoding="utf-8") for path in EXAMPLES[:3])
    done = run_cli("batch", "-", "-q", *AS_OF, input=text)
    assert done.returncode == 3, done.stderr
    [line] = done.stdout.splitlines()
    row = json.loads(line)
    assert row["error"]["kind"] == "invalid_json"
    message = row["error"]["message"]
    assert "\n" not in message
    assert "Extra data; it holds several JSON documents one after another" in message
    assert "one record per line (e.g. `jq -c . *.json | parole-screen batch -`)" in message
    assert "or pass the files, or their folder, as INPUTs" in message
    # What the hint says works: the same records one per line are all scored.
    lines = "".join(json.dumps(json.loads(path.read_text(encoding="utf-8"))) + "\n"
                    for path in EXAMPLES[:3])
    scored = run_cli("batch", "-", "-q", *AS_OF, input=lines)
    assert scored.returncode == 0 and len(scored.stdout.splitlines()) == 3, scored.stderr


def test_several_documents_past_the_record_limit_get_the_hint_too() -> None:
    """Over 1 MiB of them (a big `cat`) is a too_large row, with the same hint."""
    one = json.dumps(RECORD, indent=2) + "\n"
    text = one * (1024 * 1024 // len(one) + 2)
    done = run_cli(*MINI, "batch", "-", "-q", *AS_OF, input=text)
    row = json.loads(done.stdout)
    assert row["error"]["kind"] == "too_large"
    assert "; it holds several JSON documents one after another: " in row["error"]["message"]


# -- 7. a JSON message that ended on "at" ----------------------------------------------------

@pytest.mark.parametrize(("name", "text", "expected"), [
    ("array.json", '[{"id": "a", "answers": {"x": "abc',
     "invalid JSON: Unterminated string starting at line 1, column 31; "
     "the rest of the file was not read"),
    ("one.json", '{"id": "a", "answers": {"x": "abc',
     "invalid JSON: Unterminated string starting at column 30"),
    ("lines.jsonl", '{"id": "a"}\n{"id": "b\x01"}\n',
     "invalid JSON: Invalid control character at column 10"),
])
def test_json_messages_name_the_place_after_at(tmp_path: Path, name: str, text: str,
                                               expected: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    done = run_cli(*MINI, "batch", str(path), "-q", *AS_OF)
    messages = [json.loads(line)["error"]["message"] for line in done.stdout.splitlines()
                if json.loads(line)["status"] == "error"]
    assert len(messages) == 1
    assert messages[0].endswith(expected), messages[0]


def test_score_names_the_place_after_at(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"id": "a", "answers": {"x": "abc', encoding="utf-8")
    done = run_cli(*MINI, "score", str(path), *AS_OF)
    assert done.returncode != 0
    assert done.stderr.strip().endswith(
        "invalid JSON: Unterminated string starting at line 1, column 30"), done.stderr


# -- 5. a catalogue in another language than the row's ----------------------------------------

@pytest.mark.parametrize(("row_lang", "catalog_lang", "expected"), [
    (None, "es", "the row was written in English (no lang) and the catalogue in es: make the "
                 "catalogue with the row's --lang (parole-screen rules catalog --lang en)"),
    ("ru", None, "the row was written in ru and the catalogue in English (no lang): make the "
                 "catalogue with the row's --lang (parole-screen rules catalog --lang ru)"),
    ("ru", "es", "the row was written in ru and the catalogue in es"),
])
def test_a_catalogue_in_another_language_says_so(row_lang: str | None,
                                                 catalog_lang: str | None,
                                                 expected: str) -> None:
    """Rows from `batch [--lang]`, a catalogue from `rules catalog [--lang]`: only the
    language differs, and the message says that, not "another rule pack"."""
    from parole_screen import RowError, expand_row

    def lang(value: str | None) -> list[str]:
        return ["--lang", value] if value else ["--lang", "en"]

    done = run_cli("batch", str(EXAMPLES[0]), "-q", *AS_OF, *lang(row_lang))
    row = json.loads(done.stdout)
    catalog = json.loads(run_cli("rules", "catalog", *lang(catalog_lang)).stdout)
    with pytest.raises(RowError) as caught:
        expand_row(row, catalog)
    assert expected in str(caught.value)
    assert "another rule pack" not in str(caught.value)
    # With the row's language the same row expands.
    same = json.loads(run_cli("rules", "catalog", *lang(row_lang)).stdout)
    assert expand_row(row, same)["schema"] == "parole-screen/result@1"


def test_a_catalogue_of_another_pack_is_still_another_pack(shipped_pack: object) -> None:
    from parole_screen import RowError, expand_row

    row = json.loads(run_cli("batch", str(EXAMPLES[0]), "-q", *AS_OF).stdout)
    catalog = json.loads(run_cli("rules", "catalog", "--lang", "es").stdout)
    catalog["rule_pack"] = {**catalog["rule_pack"], "hash": "0000000000000000"}
    with pytest.raises(RowError, match="another rule pack than the catalogue's"):
        expand_row(row, catalog)


# -- 4. --as-of within the years answers' dates may have --------------------------------------

AS_OF_COMMANDS = [
    ["score", str(REPO / "examples" / "danger_strong.json"), "-f", "json"],
    ["batch", str(REPO / "examples" / "danger_strong.json")],
    ["rules", "facts"],
    ["interview"],
]


@pytest.mark.parametrize("command", AS_OF_COMMANDS, ids=lambda command: command[0] + (
    " " + command[1] if command[0] == "rules" else ""))
@pytest.mark.parametrize("day", ["1800-01-01", "1899-12-31", "2201-01-01", "2300-01-01"])
def test_as_of_outside_1900_to_2200_is_a_usage_error(command: list[str], day: str) -> None:
    done = run_cli(*command, "--as-of", day, input="")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if "--as-of" in line]
    assert errors == [f"Error: Invalid value for --as-of: '{day}' is out of range: give a "
                      "date between 1900 and 2200"], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("day", ["1900-01-01", "2200-12-31"])
def test_as_of_at_either_end_of_the_range_is_accepted(day: str) -> None:
    for command in AS_OF_COMMANDS[:3]:
        done = run_cli(*command, "--as-of", day)
        assert done.returncode == 0, (command, done.stderr)


# -- 6. usage errors without pydantic's "Value error, " --------------------------------------

def _choice_options() -> list[tuple[list[str], str, list[str]]]:
    """Every option of every command whose values are an enum: (command, option, values),
    found from the app itself, so that an option added later is tested too."""
    import enum
    import inspect
    import typing

    from typer.main import get_command

    from parole_screen.cli import app

    found = []

    def enum_of(hint: object) -> type[enum.Enum] | None:
        if typing.get_origin(hint) is typing.Annotated:
            hint = typing.get_args(hint)[0]
        for arg in typing.get_args(hint) or (hint,):
            if isinstance(arg, type) and issubclass(arg, enum.Enum):
                return arg
        return None

    def walk(group: Any, path: list[str]) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*path, name])
                continue
            callback = inspect.unwrap(command.callback)
            hints = typing.get_type_hints(callback, include_extras=True)
            for param in command.params:
                kind = enum_of(hints.get(param.name or ""))
                if kind is not None and param.param_type_name == "option":
                    found.append(([*path, name], param.opts[0], [str(m.value) for m in kind]))

    walk(get_command(app), [])
    return found


CHOICE_OPTIONS = _choice_options()


def test_the_choice_options_are_found() -> None:
    """The walk above finds the enum options this branch knows of (so the test below is
    over all of them, not over none)."""
    named = {(" ".join(command), flag) for command, flag, _ in CHOICE_OPTIONS}
    assert {("batch", "--format"), ("batch", "--detail"), ("batch", "--input-format"),
            ("batch", "--lang"), ("score", "--format"), ("score", "--lang"),
            ("questions", "--format"), ("interview", "--lang"), ("interview", "--report-lang"),
            ("interview", "--format"), ("rules facts", "--format")} <= named, named


@pytest.mark.parametrize(("command", "flag", "values"), CHOICE_OPTIONS,
                         ids=[" ".join(c) + " " + f for c, f, _ in CHOICE_OPTIONS])
def test_a_wrong_choice_is_a_clean_usage_error(command: list[str], flag: str,
                                               values: list[str]) -> None:
    done = run_cli(*command, flag, "brief", input="")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Value error" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert line.endswith(f": 'brief' is not one of: {', '.join(values)}"), line
    assert flag in line


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "'abc' is not a whole number"),
    ("1.5", "'1.5' is not a whole number"),
    ("-1", "-1 is below 0: give 0 (one per core) or a number of workers"),
])
def test_a_wrong_jobs_is_a_clean_usage_error(value: str, message: str) -> None:
    done = run_cli("batch", "x.jsonl", "--jobs", value)
    assert done.returncode == 2
    [line] = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert line == f"Error: Invalid value for '--jobs' / '-j': {message}", line


def test_choice_options_still_take_every_value(tmp_path: Path) -> None:
    example = str(EXAMPLES[0])
    for detail in ("compact", "full"):
        assert run_cli("batch", example, "--detail", detail, "-q", *AS_OF).returncode == 0
    for fmt in ("jsonl", "csv", "json"):
        assert run_cli("batch", example, "-f", fmt, "-q", *AS_OF).returncode == 0
    assert run_cli("batch", example, "--input-format", "json", "--lang", "ru", "-q", *AS_OF,
                   "--jobs", "2").returncode == 0
    assert run_cli("score", example, "-f", "md", "--lang", "es", *AS_OF).returncode == 0
    assert run_cli("questions", "-f", "json").returncode == 0


# -- 2. --fail-fast stopping early is a failure (exit 1) --------------------------------------

FAIL_FAST_LINE = ("error: the batch ended early at the first rejected record (--fail-fast), "
                  "whose error row is the last row written: {source}: line 2 (id bad): "
                  "field 'no_such_question': unknown question id")


def _mixed(tmp_path: Path) -> Path:
    bad = {"id": "bad", "answers": {"no_such_question": 1}}
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in
                            [RECORD, bad, {**RECORD, "id": "after"}]), encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_fail_fast_stopped_early_exits_1_with_its_line(tmp_path: Path, jobs: str,
                                                       quiet: list[str]) -> None:
    source = _mixed(tmp_path)
    done = run_cli(*MINI, "batch", str(source), "--fail-fast", "--jobs", jobs, *quiet, *AS_OF)
    assert done.returncode == 1, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["case-7", "bad"] and rows[-1]["status"] == "error"
    # The line names the record that stopped it (a staff member's trial, session 12).
    line = FAIL_FAST_LINE.format(source=source)
    assert done.stderr.splitlines()[-1] == line
    assert rows[-1]["error"]["message"] == line.rsplit("written: ", 1)[1]
    if quiet:
        assert done.stderr.splitlines() == [line]  # the error, and nothing else


def test_fail_fast_with_o_keeps_the_rows_and_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    source = _mixed(tmp_path)
    done = run_cli(*MINI, "batch", str(source), "--fail-fast", "-q", "-o", str(out), *AS_OF)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [FAIL_FAST_LINE.format(source=source)]
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == ["id", "case-7",
                                                                            "bad"]


def test_without_fail_fast_rejected_records_still_exit_3(tmp_path: Path) -> None:
    done = run_cli(*MINI, "batch", str(_mixed(tmp_path)), "-q", *AS_OF)
    assert done.returncode == 3 and done.stderr == ""
    assert len(done.stdout.splitlines()) == 3


def test_fail_fast_with_nothing_rejected_exits_0() -> None:
    text = json.dumps(RECORD) + "\n"
    done = run_cli(*MINI, "batch", "-", "--fail-fast", "-q", *AS_OF, input=text)
    assert done.returncode == 0 and done.stderr == ""


# -- 8. batch --help matches docs/batch.md ----------------------------------------------------

def _doc_table(heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading`` in docs/batch.md."""
    text = (REPO / "docs" / "batch.md").read_text(encoding="utf-8")
    after = text[text.index(heading):]
    rows = []
    for line in after.splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # without the header and its rule


def test_batch_help_lists_every_documented_exit_code() -> None:
    documented = [row[0] for row in _doc_table("## Exit codes")]
    assert sorted(documented, key=int) == ["0", "1", "2", "3", "130"]
    shown = " ".join(run_cli("batch", "--help").stdout.split())
    for code in documented:
        assert f" {code}: " in shown, (code, shown)
    assert "--fail-fast ended it at the first rejected record" in shown


def test_batch_help_lists_every_documented_csv_column() -> None:
    import re

    columns = [name for row in _doc_table("- **csv**")
               if not row[1].startswith("the band of each category")
               for name in re.findall(r"`(\w+)`", row[0])]
    assert {"source", "line", "missing", "error_kind"} <= set(columns), columns
    shown = " ".join(run_cli("batch", "--help").stdout.split())
    listed = shown[shown.index("csv: "):shown.index("json: an array")]
    assert re.findall(r"\w+", listed.replace("the band of each category", "")) == [
        "csv", *columns], listed
    assert "the band of each category" in listed


# -- 1. which rows say where their record is --------------------------------------------------

def _batch_doc() -> str:
    return " ".join((REPO / "docs" / "batch.md").read_text(encoding="utf-8").split())


def test_docs_do_not_promise_source_and_line_on_every_row() -> None:
    text = _batch_doc()
    assert "every row carries" not in text
    assert ("error rows and change rows carry `source`, `line` and `index`, and CSV rows "
            "`source` and `line`; a scored JSONL or JSON row (compact or full) carries "
            "neither") in text
    assert "so the n-th row is the n-th record" in text


@pytest.mark.parametrize("detail", ["compact", "full"])
def test_rows_match_records_by_position_and_only_some_say_where(tmp_path: Path,
                                                                detail: str) -> None:
    """What the docs now say, checked: no id, so the n-th row is the n-th record, for every
    --jobs; scored rows carry no source or line, error rows and CSV rows do."""
    answers = RECORD["answers"]
    records = [answers if n % 5 else {"no_such_question": n} for n in range(40)]
    path = tmp_path / "no-ids.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    outputs = [run_cli(*MINI, "batch", str(path), "-q", "--detail", detail, "--jobs", jobs,
                       *AS_OF).stdout for jobs in ("1", "2")]
    assert outputs[0] == outputs[1]
    rows = [json.loads(line) for line in outputs[0].splitlines()]
    assert len(rows) == len(records)
    for number, row in enumerate(rows):
        if number % 5:
            assert row["status"] != "error"
            assert not {"source", "line", "index"} & set(row)
        else:
            assert row["status"] == "error" and row["line"] == number + 1
            assert row["source"] == str(path) and row["index"] is None
    table = run_cli(*MINI, "batch", str(path), "-q", "-f", "csv", *AS_OF).stdout.splitlines()
    header = table[0].split(",")
    assert [line.split(",")[header.index("line")] for line in table[1:]] == [
        str(n + 1) for n in range(40)]


# -- 9. the size of a full row ----------------------------------------------------------------

def test_the_documented_size_of_a_full_row_is_what_the_examples_measure() -> None:
    """docs say a full row is "about 24 KB" and a compact one "about 3 KB": measured as the
    docs say, `batch examples/*.json --detail full | wc -c` over the number of rows."""
    import re

    sizes = {}
    for detail in ("full", "compact"):
        done = run_cli("batch", *map(str, EXAMPLES), "--detail", detail, "-q", *AS_OF)
        sizes[detail] = len(done.stdout.encode()) / len(done.stdout.splitlines()) / 1000
    docs = " ".join((REPO / "docs" / name).read_text(encoding="utf-8")
                    for name in ("batch.md", "contracts.md", "development.md"))
    docs = " ".join(docs.split())
    full_claims = {int(n) for n in re.findall(r"instead of about (\d+) KB", docs)}
    full_claims |= {int(n) for n in re.findall(r"full result of about (\d+) KB", docs)}
    full_claims |= {int(n) for n in re.findall(r"prints, about (\d+) KB", docs)}
    assert full_claims == {24}, full_claims
    assert 0.8 * 24 <= sizes["full"] <= 1.25 * 24, sizes
    assert 0.8 * 3 <= sizes["compact"] <= 1.35 * 3, sizes
    assert "at a seventh of the size" in docs
    assert 6 <= sizes["full"] / sizes["compact"] <= 8.5, sizes


# -- 10. a numeric id comes back as text ------------------------------------------------------

def test_a_numeric_id_comes_back_as_text_and_the_docs_say_so() -> None:
    record = json.dumps({**RECORD, "id": 12345})
    row = json.loads(run_cli(*MINI, "batch", "-", "-q", *AS_OF, input=record + "\n").stdout)
    assert row["id"] == "12345"
    bad = json.dumps({"id": 12345, "answers": {"no_such_question": 1}})
    error = json.loads(run_cli(*MINI, "batch", "-", "-q", *AS_OF, input=bad + "\n").stdout)
    assert error["id"] == "12345" and error["status"] == "error"
    scored = json.loads(run_cli(*MINI, "score", "-", "-f", "json", *AS_OF, input=record).stdout)
    assert scored["id"] == "12345"
    assert '`{"id": 12345, ...}` gives `"id": "12345"`' in _batch_doc()
    contracts = " ".join((REPO / "docs" / "contracts.md").read_text(encoding="utf-8").split())
    assert "| `id` | the record's id as text (a whole-number id, `12345`, comes back as the " \
           'string `"12345"`), or null |' in contracts


# -- 11. an input file cut short while it is read --------------------------------------------

def _big_input(tmp_path: Path, name: str, array: bool = False) -> Path:
    """Some 1.3 MB of records: more than a reader's first block (256 KiB) and more than the
    workers' scan reads at a time (1 MiB), so a file cut short after the first chunk is cut
    short while it is being read."""
    padded = {**RECORD["answers"], "nationality": "UA"}
    lines = [json.dumps({"id": f"R{n:06d}" + "x" * 200, "answers": padded})
             for n in range(4000)]
    path = tmp_path / name
    text = ("[\n" + ",\n".join(lines) + "\n]\n") if array else "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "jobs", "cut"), [
    ("cases.jsonl", 1, 400_000),  # cut past what the one job has read
    ("cases.jsonl", 1, 100_000),  # cut before it
    ("cases.jsonl", 2, 400_000),
    ("cases.jsonl", 2, 100_000),
    ("cases.json", 1, 400_000),  # a JSON array, read by the main process for every --jobs
    ("cases.json", 2, 400_000),
])
def test_an_input_cut_short_while_read_stops_the_batch_for_every_jobs(
        tmp_path: Path, minimal_pack: object, name: str, jobs: int, cut: int) -> None:
    """Truncated after the first chunk is written (no timing: the batch's own callback cuts
    it): an error, input_changed, for one job as for two, never an invalid_json row where a
    record was cut in half, nor the rows after it silently missing."""
    import datetime as dt
    import io

    from parole_screen import BatchOptions, ParoleScreenError, resolve_inputs, run_batch

    path = _big_input(tmp_path, name, array=name.endswith(".json"))
    out = io.BytesIO()

    def cut_short(stats: object) -> None:
        if path.stat().st_size > cut:
            with path.open("r+b") as handle:
                handle.truncate(cut)

    with pytest.raises(ParoleScreenError) as caught:
        run_batch(minimal_pack, resolve_inputs([str(path)]), out,  # type: ignore[arg-type]
                  BatchOptions(as_of=dt.date(2026, 2, 1), chunk_records=16), jobs=jobs,
                  on_chunk=cut_short)
    assert caught.value.kind == "input_changed"
    assert "the file was moved, replaced or cut short while the batch was reading it" in str(
        caught.value)
    rows = [json.loads(line) for line in out.getvalue().splitlines() if line.strip(b"[],")]
    assert rows and all(row["status"] != "error" for row in rows)


def test_the_one_job_reader_stops_at_a_file_cut_short(tmp_path: Path) -> None:
    """The reader --jobs 1 uses: a file that ends before the size it had when opened is an
    error as soon as its end is reached, before its cut last line becomes an item; a whole
    file reads as ever."""
    from parole_screen import ParoleScreenError
    from parole_screen.batch.readers import iter_items
    from parole_screen.batch.sources import resolve_inputs as sources_of

    path = _big_input(tmp_path, "cases.jsonl")
    items = iter_items(sources_of([str(path)]))
    assert next(items).line == 1
    with path.open("r+b") as handle:
        handle.truncate(50_000)
    seen = []
    with pytest.raises(ParoleScreenError, match="cut short") as caught:
        for item in items:
            seen.append(item)
    assert caught.value.kind == "input_changed"
    assert all(isinstance(item.payload, bytes) and item.payload.endswith(b"}}")
               for item in seen)
    whole = _big_input(tmp_path, "whole.jsonl")
    assert len(list(iter_items(sources_of([str(whole)])))) == 4000
    done = run_cli(*MINI, "batch", str(whole), "-q", *AS_OF, "-o", str(tmp_path / "o.jsonl"))
    assert done.returncode == 0 and len((tmp_path / "o.jsonl").read_text().splitlines()) == 4000


# -- A compressed file or archive given as an INPUT --------------------------------------------

@pytest.mark.parametrize("suffix, compress, what, command", [
    (".jsonl.gz", "gzip", "gzip-compressed", "gunzip -c"),
    (".jsonl", "gzip", "gzip-compressed", "gunzip -c"),  # whatever its name says
    (".json.bz2", "bz2", "bzip2-compressed", "bunzip2 -c"),
    (".zip", "zip", "a zip archive", "unzip -p")])
def test_a_compressed_input_is_refused_with_how_to_pass_it(
        tmp_path: Path, suffix: str, compress: str, what: str, command: str) -> None:
    """A gzip file was read as text: a run of not_utf8 error rows and exit 3, which a script
    takes for "done, some records bad". Now one line, exit 1, nothing written."""
    import bz2
    import gzip
    import zipfile

    data = (json.dumps(RECORD) + "\n").encode()
    path = tmp_path / f"cases{suffix}"
    if compress == "gzip":
        path.write_bytes(gzip.compress(data))
    elif compress == "bz2":
        path.write_bytes(bz2.compress(data))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("cases.jsonl", data)
    out = tmp_path / "rows.jsonl"
    done = run_cli(*MINI, "batch", str(path), *AS_OF, "-o", str(out))
    assert done.returncode == 1, done.stderr
    assert done.stderr == (f"error: {path}: the file is {what}, not JSON or JSONL text; pass "
                           f"what it holds, e.g. `{command} {path} | parole-screen batch -`\n")
    assert not out.exists()
