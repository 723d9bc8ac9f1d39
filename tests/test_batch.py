"""`parole-screen batch` end to end, in a subprocess, against the shipped pack.

Records come from the pack's own question catalogue (benchmarks/records.py), and the few
hand-written bad records take their question ids from the catalogue too, so these tests
stay valid as the pack grows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, cli_command, record_generator, run_cli
from parole_screen import ROW_SCHEMA, RulePack, expand_row, screen_record
from parole_screen.models import BANDS

AS_OF = "2026-12-01"
PRIVATE = "PRIVATE-free-text-7f3a"  # must never appear in an error message


RecordGenerator = record_generator()


def make_records(pack: RulePack, count: int, seed: int = 4) -> list[dict[str, Any]]:
    return list(RecordGenerator(pack, seed=seed).records(count))


def jsonl(records: list[Any]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def expected(pack: RulePack, record: Any) -> dict[str, Any]:
    """What the library says for one record, through a JSON round trip."""
    day = __import__("datetime").date.fromisoformat(AS_OF)
    return json.loads(json.dumps(screen_record(pack, record, day)))


def rows_of(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def batch(*args: str, input: str | None = None) -> Any:
    return run_cli("batch", "--as-of", AS_OF, *args, input=input)


def catalogue(pack: RulePack) -> dict[str, Any]:
    """Question ids to build bad records with, taken from whatever the pack holds."""
    first = pack.questions[0].question
    choice = next(e.question for e in pack.questions if e.question.type == "choice")
    return {"first": first.id, "choice": choice.id,
            "value": choice.choices[0].value}


@pytest.fixture(scope="module")
def records(shipped_pack: RulePack) -> list[dict[str, Any]]:
    return make_records(shipped_pack, 40)


@pytest.fixture
def jsonl_file(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(records))
    return path


# -- inputs and outputs ------------------------------------------------------------------------


def test_full_rows_are_the_library_results_in_order(shipped_pack: RulePack, jsonl_file: Path,
                                                    records: list[dict[str, Any]]) -> None:
    done = batch(str(jsonl_file), "--detail", "full")
    assert done.returncode == 0, done.stderr
    rows = rows_of(done.stdout)
    assert [row["id"] for row in rows] == [record["id"] for record in records]
    assert rows == [expected(shipped_pack, record) for record in records]
    first = done.stdout.splitlines()[0]
    assert list(json.loads(first)) == sorted(json.loads(first))  # sorted keys, one line


def test_rows_are_compact_by_default_and_expand_to_the_library_results(
        shipped_pack: RulePack, jsonl_file: Path, records: list[dict[str, Any]]) -> None:
    done = batch(str(jsonl_file))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert {row["schema"] for row in rows} == {ROW_SCHEMA}
    assert [row["id"] for row in rows] == [record["id"] for record in records]
    shown = run_cli("rules", "catalog")
    assert shown.returncode == 0, shown.stderr
    catalog = json.loads(shown.stdout)
    assert [expand_row(row, catalog) for row in rows] == [
        expected(shipped_pack, record) for record in records]
    full = batch(str(jsonl_file), "--detail", "full").stdout
    assert len(done.stdout) * 3 < len(full)  # the point of compact rows
    assert all(list(row) == sorted(row) for row in rows)


def test_every_input_format_gives_the_same_rows(tmp_path: Path, jsonl_file: Path,
                                                records: list[dict[str, Any]]) -> None:
    reference = batch(str(jsonl_file)).stdout
    array = tmp_path / "cases.json"
    array.write_text(json.dumps(records, indent=2))  # pretty-printed, many lines per record
    crlf_bom = tmp_path / "crlf.ndjson"
    crlf_bom.write_bytes(b"\xef\xbb\xbf" + jsonl(records).replace("\n", "\r\n").encode())
    folder = tmp_path / "folder"
    folder.mkdir()
    for record in reversed(records):  # written out of order: read back sorted by name
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    (folder / "notes.txt").write_text("not a record")
    runs = {
        "array": batch(str(array)),
        "crlf+bom": batch(str(crlf_bom)),
        "folder": batch(str(folder)),
        "stdin jsonl": batch("-", input=jsonl(records)),
        "stdin array": batch("-", input=json.dumps(records)),
        "forced format": batch("--input-format", "jsonl", "-", input=jsonl(records)),
    }
    for name, done in runs.items():
        assert done.returncode == 0, (name, done.stderr)
        assert done.stdout == reference, name


def test_a_folder_entry_that_cannot_be_read_is_an_error_row(tmp_path: Path,
                                                           records: list[dict[str, Any]]
                                                           ) -> None:
    """A broken link or a FIFO named *.json used to vanish from the caseload without a word
    (and a FIFO must not be opened for reading: that waits for a writer for good)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(records[0]))
    (folder / "b.json").symlink_to(tmp_path / "gone.json")
    os.mkfifo(folder / "c.json")
    (folder / "d.json").mkdir()  # a subfolder, skipped as before
    (folder / "e.json").symlink_to(folder / "a.json")  # a link to a record is read
    for jobs in ("1", "2"):
        done = batch(str(folder), "-f", "csv", "-j", jobs)
        assert done.returncode == 3, done.stderr
        table = list(csv.DictReader(io.StringIO(done.stdout)))
        assert [Path(row["source"]).name for row in table] == ["a.json", "b.json", "c.json",
                                                               "e.json"]
        assert [row["error_kind"] for row in table] == ["", "unreadable", "unreadable", ""]
        assert "No such file or directory" in table[1]["error"]
        assert "not a regular file" in table[2]["error"]
        assert "2 rejected" in done.stderr


def test_json_lines_in_a_json_file_get_a_hint(tmp_path: Path,
                                              records: list[dict[str, Any]]) -> None:
    lines = tmp_path / "export.json"
    lines.write_text(jsonl(records[:3]).replace("\n", "\r\n"))
    large = tmp_path / "large.json"  # over the 1 MiB cap for one record
    large.write_text(jsonl(records) * (2 * 1024 * 1024 // len(jsonl(records)) + 1))
    folder = tmp_path / "saved"
    folder.mkdir()
    shutil.copy(lines, folder / "a.json")
    typo = tmp_path / "typo.json"  # a comma missing between objects: no hint, the real error
    typo.write_text('{\n "id": "t",\n "answers": {\n  "x": [\n   {"a": 1}\n   {"b": 2}\n  ]\n }\n}')
    done = batch(str(lines), str(large), str(folder), str(typo), "-f", "csv")
    assert done.returncode == 3
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["error_kind"] for row in table] == ["invalid_json", "too_large",
                                                    "invalid_json", "invalid_json"]
    hint = "it looks like one record per line (JSON lines): name the file .jsonl, or pass"
    assert "at line 2, column 1: Extra data; " + hint in table[0]["error"]
    assert "KiB limit for one record; " + hint in table[1]["error"]
    assert "Extra data; " + hint in table[2]["error"]
    assert table[3]["error"].endswith("invalid JSON at line 6, column 4: Expecting ',' delimiter")
    assert batch(str(lines), "--input-format", "jsonl").stdout == batch(
        "-", input=jsonl(records[:3])).stdout
    pretty = tmp_path / "one.json"  # objects on later lines, parted by commas: read as ever
    pretty.write_text(json.dumps({"id": "p", "answers": records[0]["answers"]}, indent=2))
    assert batch(str(pretty)).returncode == 0
    twice = tmp_path / "two.json"  # two pretty-printed records: not JSON lines, another hint
    twice.write_text(pretty.read_text() + "\n" + pretty.read_text())
    (row,) = csv.DictReader(io.StringIO(batch(str(twice), "-f", "csv").stdout))
    assert "Extra data; it holds several JSON documents one after another: " in row["error"]
    assert "JSON lines" not in row["error"], row["error"]


def test_an_empty_json_file_holds_no_records(tmp_path: Path) -> None:
    empty, blank = tmp_path / "empty.json", tmp_path / "blank.json"
    empty.write_text("")
    blank.write_text(" \r\n\n")
    done = batch(str(empty), str(blank))
    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert done.stderr.startswith("0 records as of")


def test_a_change_row_parts_its_changes_with_semicolons(shipped_pack: RulePack,
                                                        records: list[dict[str, Any]]) -> None:
    from parole_screen.batch.compare import change_row, compare_results
    from parole_screen.batch.records import Item
    from parole_screen.batch.rows import RowFormat

    day = __import__("datetime").date.fromisoformat(AS_OF)
    results = [screen_record(shipped_pack, record, day) for record in records]
    before, after = next((one, other) for one in results for other in results
                         if len(compare_results(one, other)) >= 3)
    change = compare_results(before, after)
    rows = RowFormat("csv", [entry.category.id for entry in shipped_pack.categories],
                     compare=True)
    row = change_row(rows, Item("cases.jsonl", 1, None, b""), before, after, change)
    assert row[3] == ";".join(change) and row[3].count(";") == len(change) - 1 >= 2


def test_several_inputs_are_read_in_order(tmp_path: Path, records: list[dict[str, Any]]
                                          ) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.json"
    first.write_text(jsonl(records[:5]))
    second.write_text(json.dumps(records[5:9]))
    done = batch(str(second), str(first))
    assert [row["id"] for row in rows_of(done.stdout)] == [
        r["id"] for r in records[5:9] + records[:5]]


def test_csv_output_parses_back(shipped_pack: RulePack, jsonl_file: Path,
                                records: list[dict[str, Any]]) -> None:
    done = batch(str(jsonl_file), "--format", "csv")
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    categories = [entry.category.id for entry in shipped_pack.categories]
    assert list(table[0]) == ["id", "source", "line", "status", "top_category", *categories,
                              "flags", "missing", "error_kind", "error"]
    assert len(table) == len(records)
    for number, (row, record) in enumerate(zip(table, records, strict=True), 1):
        result = expected(shipped_pack, record)
        assert row["id"] == record["id"] and row["line"] == str(number)
        assert row["source"] == str(jsonl_file)
        assert row["status"] == result["status"]
        assert row["top_category"] == (result["top_category"] or "")
        for cid in categories:
            assert row[cid] == result["categories"][cid]["band"]
        assert row["flags"] == ";".join(flag["id"] for flag in result["flags"])
        assert row["missing"] == ";".join(result["missing"])
        assert row["error"] == "" and row["error_kind"] == ""


def test_json_array_output(jsonl_file: Path, tmp_path: Path) -> None:
    rows = rows_of(batch(str(jsonl_file)).stdout)
    done = batch(str(jsonl_file), "--format", "json")
    assert json.loads(done.stdout) == rows
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    nothing = batch(str(empty), "--format", "json")
    assert nothing.returncode == 0 and json.loads(nothing.stdout) == []


def test_as_of_rescreens_everyone_on_that_date(jsonl_file: Path) -> None:
    done = run_cli("batch", str(jsonl_file), "--as-of", "2027-03-01")
    assert {row["as_of"] for row in rows_of(done.stdout)} == {"2027-03-01"}


# -- bad records -------------------------------------------------------------------------------


def bad_input(pack: RulePack, good: list[dict[str, Any]]) -> tuple[bytes, list[tuple[Any, ...]]]:
    """A JSONL file mixing good records with one of each kind of bad one.

    Returns the bytes and, per expected row, (line, id, kind or None, field or None).
    """
    ids = catalogue(pack)
    lines: list[bytes] = []
    rows: list[tuple[Any, ...]] = []

    def add(raw: bytes, record_id: str | None, kind: str | None, field: str | None = None
            ) -> None:
        lines.append(raw)
        if raw.strip():
            rows.append((len(lines), record_id, kind, field))

    add(json.dumps(good[0]).encode(), good[0]["id"], None)
    add(b'{"id": "broken", "answers": {', None, "invalid_json")
    add(json.dumps({"id": "typed", "answers": {ids["choice"]: PRIVATE}}).encode(), "typed",
        "wrong_type", ids["choice"])
    add(json.dumps({"id": "n5", "answers": {ids["choice"]: 5}}).encode(), "n5", "wrong_type",
        ids["choice"])
    add(b"", None, None)  # a blank line is skipped, but still counted
    add(json.dumps({"id": "ghost", "answers": {"no_such_question_zz": True}}).encode(), "ghost",
        "unknown_question", "no_such_question_zz")
    add(b"[1, 2]", None, "not_an_object")
    add(json.dumps({"id": "flat", "answers": [1]}).encode(), "flat", "bad_record", "answers")
    add(b'{"id": "latin", "answers": {"x": "\xff"}}', None, "not_utf8")
    add(b'{"id": "huge", "answers": {"x": "' + b"y" * (1024 * 1024 + 10) + b'"}}', None,
        "too_large")
    add(json.dumps(good[1]).encode(), good[1]["id"], None)
    return b"\n".join(lines) + b"\n", rows


def test_each_bad_record_becomes_an_error_row(shipped_pack: RulePack, tmp_path: Path,
                                              records: list[dict[str, Any]]) -> None:
    data, plan = bad_input(shipped_pack, records)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    done = batch(str(path))
    assert done.returncode == 3, done.stderr
    rows = rows_of(done.stdout)
    assert len(rows) == len(plan)
    for row, (line, record_id, kind, field) in zip(rows, plan, strict=True):
        if kind is None:
            assert row["schema"] == ROW_SCHEMA and row["id"] == record_id
            continue
        assert row["schema"] == "parole-screen/error@1" and row["status"] == "error"
        assert (row["source"], row["line"], row["id"]) == (str(path), line, record_id)
        assert row["error"]["kind"] == kind and row["error"]["field"] == field
        message = row["error"]["message"]
        assert message.startswith(f"{path}: line {line}")
        if record_id:
            assert f"(id {record_id})" in message
        if field:
            assert f"field '{field}'" in message
    assert PRIVATE not in done.stdout and PRIVATE not in done.stderr
    assert "yyyy" not in done.stderr
    kinds = Counter(kind for _, _, kind, _ in plan if kind)
    errors_line = next(line for line in done.stderr.splitlines() if "errors:" in line)
    for kind, count in kinds.items():
        assert f"{kind} {count}" in errors_line


def test_error_rows_in_csv(shipped_pack: RulePack, tmp_path: Path,
                           records: list[dict[str, Any]]) -> None:
    data, plan = bad_input(shipped_pack, records)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    done = batch(str(path), "-f", "csv")
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(int(row["line"]), row["error_kind"] or None) for row in table] == [
        (line, kind) for line, _, kind, _ in plan]
    assert all(row["status"] == "error" for row in table if row["error_kind"])
    assert PRIVATE not in done.stdout


def test_array_errors_name_the_index_and_line(shipped_pack: RulePack, tmp_path: Path,
                                              records: list[dict[str, Any]]) -> None:
    ids = catalogue(shipped_pack)
    items = [records[0], {"id": "bad", "answers": {ids["choice"]: 7}}, records[1]]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(items, indent=1))
    done = batch(str(path))
    assert done.returncode == 3
    bad = rows_of(done.stdout)[1]
    line = json.dumps(items, indent=1).splitlines().index(" {", 2) + 1
    assert (bad["index"], bad["line"]) == (1, line)
    assert bad["error"]["message"].startswith(f"{path}: index 1, line {line} (id bad): field")


def test_a_broken_array_keeps_the_records_before_the_break(tmp_path: Path,
                                                          records: list[dict[str, Any]]) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[\n" + json.dumps(records[0]) + ",\n" + json.dumps(records[1])[:-5]
                    + "\n")
    done = batch(str(path))
    assert done.returncode == 3
    rows = rows_of(done.stdout)
    assert rows[0]["id"] == records[0]["id"]
    assert rows[1]["error"]["kind"] == "invalid_json" and rows[1]["index"] == 1
    assert "the rest of the file was not read" in rows[1]["error"]["message"]


def test_fail_fast_stops_at_the_first_rejected_record(shipped_pack: RulePack, tmp_path: Path,
                                                      records: list[dict[str, Any]]) -> None:
    data, plan = bad_input(shipped_pack, records)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    done = batch(str(path), "--fail-fast")
    assert done.returncode == 1  # ended early: rows are missing (3 says every row is there)
    rows = rows_of(done.stdout)
    assert len(rows) == 2 and rows[1]["error"]["kind"] == plan[1][2]
    assert "--fail-fast" in done.stderr
    parallel = batch(str(path), "--fail-fast", "--jobs", "2")
    assert parallel.stdout == done.stdout and parallel.returncode == 1


# -- exit codes, files, jobs, summary ------------------------------------------------------------


def test_exit_codes(tmp_path: Path, jsonl_file: Path) -> None:
    assert batch(str(jsonl_file)).returncode == 0
    missing = batch(str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and missing.stderr.startswith("error: ")
    assert "file not found" in missing.stderr and missing.stdout == ""
    not_a_pack = run_cli("--rules", str(tmp_path), "batch", str(jsonl_file))
    assert not_a_pack.returncode == 1 and "not a rule pack" in not_a_pack.stderr
    assert batch(str(jsonl_file), "--format", "xml").returncode == 2
    assert run_cli("batch", str(jsonl_file), "--as-of", "soon").returncode == 2
    twice = batch("-", "-", input="")
    assert twice.returncode == 2 and "only once" in twice.stderr  # a usage error


def test_output_file_is_private_and_never_overwritten(jsonl_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    done = batch(str(jsonl_file), "-o", str(out))
    assert done.returncode == 0 and done.stdout == ""
    assert out.read_text().startswith("id,source,line,status,")  # format from the extension
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert f"rows written to {out}" in done.stderr
    out.write_text("keep me")
    again = batch(str(jsonl_file), "-o", str(out))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert out.read_text() == "keep me"
    forced = batch(str(jsonl_file), "-o", str(out), "--force")
    assert forced.returncode == 0 and out.read_text().startswith("id,")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_fatal_error_leaves_no_partial_output(tmp_path: Path, jsonl_file: Path) -> None:
    out = tmp_path / "out.jsonl"
    done = batch(str(jsonl_file), str(tmp_path / "missing.jsonl"), "-o", str(out))
    assert done.returncode == 1 and not out.exists()
    assert list(tmp_path.glob(".out.jsonl.*")) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_jobs_give_byte_identical_output(shipped_pack: RulePack, tmp_path: Path,
                                         fmt: str) -> None:
    many = make_records(shipped_pack, 700, seed=11)
    lines = jsonl(many).splitlines()
    lines[3] = '{"id": "bad"'  # error rows land in the same places too
    lines[650] = json.dumps({"id": "odd", "answers": {"no_such_question_zz": 1}})
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    one = batch(str(path), "-f", fmt, "--jobs", "1")
    assert one.returncode == 3
    for jobs in ("2", "0"):
        other = batch(str(path), "-f", fmt, "--jobs", jobs)
        assert other.returncode == 3
        assert other.stdout.encode() == one.stdout.encode(), f"--jobs {jobs}"
    assert summary_lines(one.stderr) == summary_lines(other.stderr)


def summary_lines(stderr: str) -> list[str]:
    """The summary without its timing."""
    lines = stderr.splitlines()
    return [lines[0].split(" in ")[0], *lines[1:]]


def test_summary_counts_match_the_rows(shipped_pack: RulePack, jsonl_file: Path) -> None:
    done = batch(str(jsonl_file))
    rows = rows_of(done.stdout)
    assert "\x1b[" not in done.stderr  # no progress bar or colour when stderr is not a terminal
    summary = {label.strip(): text.strip() for label, text in
               (line.split(": ", 1) for line in done.stderr.splitlines()[1:] if ": " in line)}
    head = done.stderr.splitlines()[0]
    assert head.startswith(f"{len(rows)} records as of {AS_OF} with {shipped_pack.meta.id} ")
    assert f"{len(rows)} scored, 0 rejected" in head

    def parse(text: str) -> dict[str, int]:
        if text == "none":
            return {}
        return {name: int(count.replace(",", "")) for name, count in
                (part.rsplit(" ", 1) for part in text.split(", "))}

    assert parse(summary["top category"]) == Counter(row["top_category"] or "none"
                                                     for row in rows)
    for entry in shipped_pack.categories:
        cid = entry.category.id
        bands = parse(summary[cid])
        assert bands == Counter(row["categories"][cid]["band"] for row in rows)
        assert list(bands) == [band for band in BANDS if band in bands]
    assert parse(summary["flags"]) == Counter(flag["id"] for row in rows for flag in row["flags"])
    assert parse(summary["status"]) == Counter(row["status"] for row in rows)
    assert summary["errors"] == "none"
    quiet = batch(str(jsonl_file), "--quiet")
    assert quiet.stderr == "" and quiet.stdout == done.stdout


def test_fail_fast_summary_counts_only_the_rows_written(tmp_path: Path, jsonl_file: Path,
                                                       records: list[dict[str, Any]]) -> None:
    """The chunk is scored whole; what the summary counts stops where the output does."""
    lines = [json.dumps(record) for record in records]
    lines[20] = '{"id": "bad", "answers": {"no_such_question": 1}}'
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    done = run_cli("batch", "--as-of", AS_OF, str(path), "--fail-fast",
                   env={"COLUMNS": "5000"})  # the flags on one line
    assert done.returncode == 1  # ended early at the rejected record
    rows = rows_of(done.stdout)
    assert len(rows) == 21 and rows[-1]["status"] == "error"
    flags = next(line.split(": ", 1)[1].strip() for line in done.stderr.splitlines()
                 if line.strip().startswith("flags:"))
    counted = {name: int(count.replace(",", "")) for name, count in
               (part.rsplit(" ", 1) for part in flags.split(", "))}
    assert counted == Counter(flag["id"] for row in rows[:20] for flag in row["flags"])
    everything = Counter(flag["id"] for row in rows_of(batch(str(jsonl_file)).stdout)
                         for flag in row["flags"])
    assert counted != everything  # the records after the error would have changed them


def test_progress_bar_only_on_a_terminal(jsonl_file: Path, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    out = tmp_path / "out.jsonl"
    command = cli_command()
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(command[0], [*command[1:], "batch", str(jsonl_file), "--as-of", AS_OF,
                                       "-o", str(out)], env=env, timeout=60, encoding="utf-8")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "scoring" in (child.before or "")  # the bar was drawn on the terminal
    assert len(out.read_text().splitlines()) == 40


# -- comparing rule packs ------------------------------------------------------------------------


def _older_pack(tmp_path: Path) -> Path:
    """The shipped pack with stricter bands: a stand-in for the previous rules."""
    old = tmp_path / "old-rules"
    shutil.copytree(REPO / "rules", old, ignore=shutil.ignore_patterns("tests", "locales"))
    meta = yaml.safe_load((old / "pack.yaml").read_text())
    meta["version"] = "0.0.1"
    meta["bands"] = {"strong": 99, "possible": 90}
    (old / "pack.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return old


def test_compare_rules_lists_only_records_that_change(shipped_pack: RulePack, tmp_path: Path,
                                                      jsonl_file: Path,
                                                      records: list[dict[str, Any]]) -> None:
    from parole_screen import load_pack

    old_dir = _older_pack(tmp_path)
    old_pack = load_pack(old_dir)
    day = __import__("datetime").date.fromisoformat(AS_OF)
    changing = {}
    for record in records:
        before = screen_record(old_pack, record, day)
        after = screen_record(shipped_pack, record, day)
        bands = [cid for cid in after["categories"]
                 if before["categories"][cid]["band"] != after["categories"][cid]["band"]]
        if bands or before["top_category"] != after["top_category"]:
            changing[record["id"]] = (before, after, bands)
    assert changing, "the stricter bands should change some of the generated records"

    done = batch(str(jsonl_file), "--compare-rules", str(old_dir))
    assert done.returncode == 0, done.stderr
    rows = rows_of(done.stdout)
    assert [row["id"] for row in rows] == list(changing)
    for row in rows:
        before, after, bands = changing[row["id"]]
        assert row["schema"] == "parole-screen/change@1"
        assert row["old"]["rule_pack"]["version"] == "0.0.1"
        assert row["new"]["top_category"] == after["top_category"]
        assert row["old"]["top_category"] == before["top_category"]
        assert [c for c in row["changes"] if c.startswith("bands.")] == [
            f"bands.{cid}" for cid in sorted(bands)]
        assert row["old"]["bands"] == {c: v["band"] for c, v in before["categories"].items()}
    assert f"{len(rows)} would change" in done.stderr.splitlines()[0]

    alias = batch(str(jsonl_file), "--changed-since", str(old_dir), "-f", "csv", "-j", "2")
    table = list(csv.DictReader(io.StringIO(alias.stdout)))
    assert [row["id"] for row in table] == list(changing)
    first = table[0]
    before, after, _ = changing[first["id"]]
    assert first["top_category_old"] == (before["top_category"] or "")
    assert first["top_category_new"] == (after["top_category"] or "")


def test_compare_with_the_same_pack_changes_nothing(jsonl_file: Path) -> None:
    done = batch(str(jsonl_file), "--compare-rules", str(REPO / "rules"))
    assert done.returncode == 0 and done.stdout == ""
    assert "0 would change (the two packs are identical)" in done.stderr


def test_dash_means_stdout_and_devices_are_refused(jsonl_file: Path, tmp_path: Path) -> None:
    to_stdout = batch(str(jsonl_file), "-o", "-")
    assert to_stdout.returncode == 0 and len(to_stdout.stdout.splitlines()) == 40
    fifo = tmp_path / "rows.jsonl"  # a FIFO, not /dev/null: a regression must not hit a device
    os.mkfifo(fifo)
    device = batch(str(jsonl_file), "-o", str(fifo), "--force")
    assert device.returncode == 1 and "not a regular file" in device.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
