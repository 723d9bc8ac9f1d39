"""The batch readers and helpers in-process: streaming, positions, caps, JSON semantics, GC."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib
import io
import json
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import MINIMAL
from parole_screen.batch import BatchOptions, json_arrays, readers, records, run_batch
from parole_screen.batch.readers import iter_items
from parole_screen.batch.records import Item, Rejected, as_input, parse_record
from parole_screen.batch.rows import cell
from parole_screen.batch.sources import resolve_inputs
from parole_screen.cli import app
from parole_screen.engine import score_chunk
from parole_screen.errors import AnswerError, ParoleScreenError
from parole_screen.jsonbytes import usable_orjson
from parole_screen.pack import RulePack

# The module, not the command function of the same name that parole_screen.cli exports.
cli_batch = importlib.import_module("parole_screen.cli.batch")


def items_of(path: Path, cap: int = records.MAX_RECORD_BYTES, **kwargs: Any) -> list[Item]:
    return list(iter_items(resolve_inputs([str(path)], **kwargs), max_record_bytes=cap))


@pytest.fixture
def small_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read 7 bytes at a time, so records straddle reads everywhere."""
    monkeypatch.setattr(readers, "_READ_BLOCK", 7)
    monkeypatch.setattr(json_arrays, "_READ_BLOCK", 7)


def test_array_elements_stream_with_their_index_and_line(tmp_path: Path,
                                                         small_reads: None) -> None:
    path = tmp_path / "a.json"
    path.write_text('\ufeff[\n  {"id": 1},\n  {"id": "two",\n   "answers": {}},'
                    '{"id": 3}, 12345678901234567890\n]\n')
    got = items_of(path)
    assert [(item.element, item.line) for item in got] == [(0, 2), (1, 3), (2, 4), (3, 4)]
    assert [parse_record(item.payload) for item in got  # type: ignore[arg-type]
            ] == [{"id": 1}, {"id": "two", "answers": {}}, {"id": 3}, 12345678901234567890]


def test_array_reader_keeps_memory_flat_on_one_long_line(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_arrays, "_READ_BLOCK", 1024)
    many = [{"id": n, "answers": {"note": "x" * 50}} for n in range(3000)]
    path = tmp_path / "minified.json"
    path.write_text(json.dumps(many))  # one line of ~200 KB
    largest = 0
    count = 0
    with path.open("rb") as handle:
        reader = json_arrays._ArrayReader("m", handle, records.Progress(),
                                          records.MAX_RECORD_BYTES)
        for item in reader.items():
            largest = max(largest, len(reader.buf))
            count += 1
            assert item.line == 1
    assert count == 3000 and largest < 4 * 1024


@pytest.mark.parametrize("text, message, element, line", [
    ('[{"id": 1},\n {"id": 2,,}]', "invalid JSON at line 2, column 11", 1, 2),
    ('[{"id": 1} {"id": 2}]', "line 1, column 12: expected ',' or ']' after a record", 1, 1),
    ('[{"id": 1},\n', "the array is not closed", 1, 2),
    ('[{"id": 1}] trailing', "line 1, column 13: unexpected data after the array", 1, 1),
    ('"just text"', "expected a JSON array of records", 0, 1),
])
def test_broken_arrays_give_one_error_item_and_stop(tmp_path: Path, small_reads: None,
                                                    text: str, message: str, element: int,
                                                    line: int) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    got = items_of(path)
    last = got[-1]
    assert isinstance(last.payload, Rejected) and last.payload.kind == "invalid_json"
    assert message in last.payload.reason and (last.element, last.line) == (element, line)
    assert "the rest of the file was not read" in last.payload.reason


@pytest.mark.parametrize("big", [
    '{"id": "' + "x" * 200 + '"}',
    '{"a": ["' + "\\\"]}" * 60 + '", {"b": [1, 2]}]}',  # brackets and escapes inside strings
    "1" * 200,
])
def test_an_over_long_array_element_is_skipped(tmp_path: Path, small_reads: None,
                                               big: str) -> None:
    path = tmp_path / "big.json"
    path.write_text('[{"id": 1},\n' + big + ' ,\n{"id": 3}]')
    got = items_of(path, cap=100)
    assert isinstance(got[1].payload, Rejected) and got[1].payload.kind == "too_large"
    assert (got[1].element, got[1].line) == (1, 2)
    assert parse_record(got[2].payload) == {"id": 3}  # type: ignore[arg-type]
    assert (got[2].element, got[2].line) == (2, 3)


def test_array_encoding(tmp_path: Path, small_reads: None) -> None:
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'[{"id": 1}, {"id": "\xff"}]')
    last = items_of(latin)[-1]
    assert isinstance(last.payload, Rejected) and last.payload.kind == "not_utf8"
    assert "byte 20" in last.payload.reason  # 0-based, as `score` counts


def test_a_json_file_may_hold_one_record(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{\n  "id": "solo",\n  "answers": {}\n}\n')
    [item] = items_of(path)
    assert parse_record(item.payload) == {"id": "solo", "answers": {}}  # type: ignore[arg-type]


def test_jsonl_lines_blank_crlf_and_cap(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"  # unknown suffix: sniffed as JSONL
    path.write_bytes(b'\xef\xbb\xbf{"id": 1}\r\n\r\n  \n' + b'{"id": "' + b"z" * 300
                     + b'"}\r\n{"id": 5}')
    got = items_of(path, cap=100)
    assert [item.line for item in got] == [1, 4, 5]
    assert got[0].payload == b'{"id": 1}' and got[2].payload == b'{"id": 5}'
    assert isinstance(got[1].payload, Rejected) and got[1].payload.kind == "too_large"


def test_input_format_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text('{"id": 1}\n{"id": 2}\n')
    assert len(items_of(path, input_format="jsonl")) == 2
    with pytest.raises(ParoleScreenError, match="unknown input format"):
        resolve_inputs([str(path)], "yaml")


def test_parse_record_keeps_json_semantics() -> None:
    assert parse_record(b'{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890}  # exact, as json reads it
    assert parse_record('{"s": "\\ud800"}') == {"s": "\ud800"}
    with pytest.raises(AnswerError, match=r"invalid JSON at column 7: Expecting"):
        parse_record(b'{"a": }')
    with pytest.raises(AnswerError, match="not UTF-8 text"):
        parse_record(b'{"a": "\xff"}')
    with pytest.raises(AnswerError, match="nested too deeply"):
        parse_record(b"[" * 100_000)


def test_csv_cells_are_not_formulas() -> None:
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cell("+1") == "'+1" and cell("R-1") == "R-1"
    assert cell("  =1+1") == "'  =1+1"  # an import that trims spaces would run it


def test_library_run_batch_streams_into_any_binary_file(minimal_pack: RulePack,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "answers": {}}\n{"id": "b", "answers": {"zzz": 1}}\n')
    out = io.BytesIO()
    stats = run_batch(minimal_pack, resolve_inputs([str(path)]), out,
                      BatchOptions(as_of=dt.date(2026, 2, 1), output_format="json"))
    rows = json.loads(out.getvalue())
    assert [row["id"] for row in rows] == ["a", "b"]
    assert (stats.records, stats.rejected, stats.scored) == (2, 1, 1)
    assert stats.group("error") == {"unknown_question": 1}


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_workers_write_the_same_bytes_into_any_file(minimal_pack: RulePack, tmp_path: Path,
                                                    fmt: str) -> None:
    """Into an in-memory stream, worker rows come back through spool files (a real file
    gets them straight from the workers: tests/test_batch_direct.py); either way the bytes
    are those of one in-process job."""
    path = tmp_path / "in.jsonl"
    path.write_text("".join(f'{{"id": "r{n}", "answers": {{}}}}\n' for n in range(600))
                    + '{"id": "bad", "answers": {"zzz": 1}}\n')
    options = BatchOptions(as_of=dt.date(2026, 2, 1), output_format=fmt, chunk_records=50)
    one = io.BytesIO()
    run_batch(minimal_pack, resolve_inputs([str(path)]), one, options)
    copied = io.BytesIO()
    stats = run_batch(minimal_pack, resolve_inputs([str(path)]), copied, options, jobs=2)
    assert copied.getvalue() == one.getvalue() and stats.records == 601
    with (tmp_path / "out").open("wb") as handle:
        run_batch(minimal_pack, resolve_inputs([str(path)]), handle, options, jobs=2)
    assert (tmp_path / "out").read_bytes() == one.getvalue()


def test_run_batch_leaves_the_callers_garbage_collector_alone(minimal_pack: RulePack,
                                                             tmp_path: Path) -> None:
    """A library call neither retunes the host's collector nor unfreezes what it froze."""
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "answers": {}}\n')
    gc.collect()
    gc.freeze()  # as a host process might, after its own start-up
    try:
        threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
        during: list[tuple[int, int, int]] = []
        run_batch(minimal_pack, resolve_inputs([str(path)]), io.BytesIO(),
                  BatchOptions(as_of=dt.date(2026, 2, 1)),
                  on_chunk=lambda stats: during.append(gc.get_threshold()))
        assert during == [threshold]
        assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
    finally:
        gc.unfreeze()


def test_the_cli_tunes_its_collector_for_the_run_and_puts_it_back() -> None:
    threshold = gc.get_threshold()
    with cli_batch._tuned_gc():
        assert gc.get_threshold() == (cli_batch._GC_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_cli_tunes_the_collector_of_its_process(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    jobs: str) -> None:
    """The CLI's process is the batch's own, so it keeps the speed the tuning buys (the
    library leaves the collector alone; workers tune their own)."""
    entered: list[bool] = []

    @contextlib.contextmanager
    def recording() -> Iterator[None]:
        entered.append(True)
        yield

    monkeypatch.setattr(cli_batch, "_tuned_gc", recording)
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "answers": {}}\n')
    done = CliRunner().invoke(app, ["--rules", str(MINIMAL), "batch", str(path), "--as-of",
                                    "2026-02-01", "--jobs", jobs, "--quiet",
                                    "-o", str(tmp_path / "out.jsonl")])
    assert done.exit_code == 0, done.output
    assert entered == [True]


def _reference_lines(data: bytes, cap: int) -> list[tuple[int, bytes | str]]:
    """What the JSONL reader must give: (line number, payload or "too_large")."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    found: list[tuple[int, bytes | str]] = []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if len(line) > cap:
            found.append((number, "too_large"))
        elif line.strip(b" \t\r\n"):
            found.append((number, line.strip(b" \t\r\n")))
    return found


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
@pytest.mark.parametrize("seed", range(6))
def test_jsonl_blocks_split_lines_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          block: int, seed: int) -> None:
    """Lines cut at any block boundary, long lines spanning blocks, CRLF, blanks, a BOM."""
    import random

    rng = random.Random(seed)  # noqa: S311 - test data
    pieces = [b'{"id": %d}' % n if rng.random() < 0.6 else
              rng.choice([b"", b"  ", b"\r", b'{"id": "' + b"w" * rng.randint(10, 60) + b'"}'])
              for n in range(40)]
    data = (b"\xef\xbb\xbf" if seed % 2 else b"") + b"\n".join(
        piece + (b"\r" if rng.random() < 0.3 else b"") for piece in pieces)
    if seed % 3 == 0:
        data += b"\n"
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    monkeypatch.setattr(readers, "_READ_BLOCK", block)
    got = [(item.line, item.payload.kind if isinstance(item.payload, Rejected) else item.payload)
           for item in items_of(path, cap=40)]
    assert got == _reference_lines(data, 40)


def test_parse_many_reads_a_chunk_as_parse_record_would() -> None:
    plain = [b'{"id": 1, "answers": {"a": 1.5}}', b'{"id": "x"}', b"[1, 2]"]
    assert records.parse_many(plain) == [parse_record(payload) for payload in plain]
    big = [b'{"n": 123456789012345678901234567890}', b'{"id": 2}']
    assert records.parse_many(big)[0] == {"n": 123456789012345678901234567890}
    bad = [b'{"id": 1}', b'{"id": ', Rejected("too_large", "long")]
    parsed = records.parse_many(bad)
    assert parsed[0] == {"id": 1}
    assert isinstance(parsed[1], Rejected) and parsed[1].kind == "invalid_json"
    assert parsed[2] == Rejected("too_large", "long")
    assert records.parse_many([b'{"s": "\\ud800"}']) == [{"s": "\ud800"}]


def test_deep_nesting_is_one_error_row_not_a_crash(minimal_pack: RulePack) -> None:
    """Nesting past orjson's limit: older orjson raise RecursionError, newer ones
    JSONDecodeError, and json then reads the record or finds it nested too deeply. Either
    way that record is rejected (the answers contract is flat), and the rest are scored."""
    deep = b'{"answers": {"x": ' + b"[" * 1100 + b"]" * 1100 + b"}}"
    parsed = records.parse_many([b"{}", deep])
    assert parsed[0] == {}
    if isinstance(parsed[1], Rejected):
        assert parsed[1].kind == "invalid_json" and "nested too deeply" in parsed[1].reason
    else:
        assert isinstance(parsed[1], dict) and isinstance(parse_record(deep), dict)
    outcome = score_chunk(minimal_pack, [as_input(record) for record in parsed],
                          dt.date(2026, 2, 1))
    assert outcome.places == [0] and list(outcome.errors) == [1]


@pytest.mark.parametrize(("version", "usable"), [
    ("3.8.3", False), ("3.9.14", False), ("3.9.15", True), ("3.10.0", True),
    ("3.13.0", True), ("4.0.0rc1", True), ("", False), (None, False),
])
def test_an_orjson_that_crashes_on_deep_nesting_is_not_used(version: str | None,
                                                           usable: bool) -> None:
    fake = types.SimpleNamespace() if version is None else types.SimpleNamespace(
        __version__=version)
    assert (usable_orjson(fake) is fake) is usable
    assert usable_orjson(None) is None
