"""--jobs N on a regular JSONL file: workers read their own ranges of lines.

Whatever the ranges and read sizes, the items, the bytes written, the summary and the exit
code must be those of one in-process job.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from conftest import MINIMAL, run_cli
from parole_screen.batch import BatchOptions, BatchStats, readers, run_batch, runner
from parole_screen.batch.readers import LineRange, iter_items, line_ranges, range_items
from parole_screen.batch.records import Item
from parole_screen.batch.sources import InputSource, resolve_inputs, splittable
from parole_screen.errors import ParoleScreenError
from parole_screen.pack import RulePack

forked = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")

BOM = b"\xef\xbb\xbf"


def messy_jsonl(seed: int, count: int = 60, long_line: int = 60) -> bytes:
    """Records mixed with blank lines, CRLF, multi-byte text, invalid JSON and long lines."""
    rng = random.Random(seed)  # noqa: S311 - test data
    pieces = []
    for number in range(count):
        roll = rng.random()
        if roll < 0.5:
            piece = b'{"id": "r%d", "answers": {}}' % number
        elif roll < 0.6:
            piece = rng.choice([b"", b"  ", b"\r", b"\t"])
        elif roll < 0.7:
            piece = f'{{"id": "é😀ж{number}", "answers": {{}}}}'.encode()
        elif roll < 0.8:
            piece = rng.choice([b'{"id": ', b"[1, 2]", b'"text"', b'{"id": "\xff"}',
                                b'{"id": "x", "answers": {"zzz": 1}}'])
        else:
            piece = b'{"id": "' + "ü".encode() * rng.randint(1, long_line) + b'"}'
        pieces.append(piece + (b"\r" if rng.random() < 0.3 else b""))
    data = (BOM if seed % 2 else b"") + b"\n".join(pieces)
    return data + b"\n" if seed % 3 == 0 else data  # with and without a final newline


def ranges_of(path: Path, lines: int) -> list[LineRange]:
    source = resolve_inputs([str(path)])[0]
    assert splittable(source)
    return list(line_ranges(source, lines))


@pytest.mark.parametrize("lines", [1, 2, 3, 7, 100])
@pytest.mark.parametrize("blocks", [(1, 1), (3, 5), (64, 4096)])
@pytest.mark.parametrize("seed", range(6))
def test_ranges_give_the_items_of_the_whole_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, lines: int,
                                                 blocks: tuple[int, int], seed: int) -> None:
    """Ranges tile the file at line ends, and their items (numbers, payloads, over-long
    lines, the BOM) are the file's, with reads cut inside multi-byte characters."""
    read, scan = blocks
    monkeypatch.setattr(readers, "_READ_BLOCK", read)
    monkeypatch.setattr(readers, "_SCAN_BLOCK", scan)
    data = messy_jsonl(seed)
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    whole = list(iter_items(resolve_inputs([str(path)]), max_record_bytes=90))
    ranges = ranges_of(path, lines)
    assert [r.start for r in ranges] == [0, *(r.end for r in ranges[:-1])]
    assert ranges[-1].end == len(data)
    assert all(data[r.end - 1:r.end] == b"\n" for r in ranges[:-1])
    assert all(data[r.start:r.end].count(b"\n") <= lines for r in ranges)
    pieces: list[Item] = []
    for task in ranges:
        pieces += range_items(task, max_record_bytes=90)
    assert pieces == whole


def test_an_empty_file_has_no_ranges(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert ranges_of(path, 5) == []


def test_only_regular_jsonl_files_are_read_by_ranges(tmp_path: Path) -> None:
    lines = tmp_path / "a.jsonl"
    lines.write_text('{"id": 1}\n')
    unknown = tmp_path / "a.txt"
    unknown.write_text('{"id": 1}\n')
    array = tmp_path / "b.txt"
    array.write_text('[{"id": 1}]\n')
    json_file = tmp_path / "c.json"
    json_file.write_text('{"id": 1}\n')
    fifo = tmp_path / "d.jsonl"
    os.mkfifo(fifo)
    expected = {lines: True, unknown: True, array: False, json_file: False, fifo: False}
    for path, splits in expected.items():
        source = InputSource(str(path), str(path), "auto" if path.suffix == ".txt"
                             else path.suffix[1:], None)
        assert splittable(source) is splits, path
    assert not splittable(InputSource("-", "<stdin>", "jsonl", None))
    assert not splittable(InputSource(str(tmp_path), str(tmp_path), "folder", 0))


def test_a_replaced_file_is_an_error_not_wrong_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}\n')
    task = ranges_of(path, 1)[1]
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": 1}\n{"id": 2}\n')
    other.replace(path)  # same name and bytes, another file
    with pytest.raises(ParoleScreenError, match="moved, replaced or cut short while the batch"):
        list(range_items(task))


@pytest.mark.parametrize("change", ["delete", "shorten"])
def test_a_moved_or_shortened_file_is_an_error_not_wrong_rows(tmp_path: Path,
                                                              change: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}\n')
    task = ranges_of(path, 1)[1]
    if change == "delete":
        path.unlink()
    else:
        with path.open("r+b") as handle:  # same file (same inode), fewer bytes
            handle.truncate(5)
    with pytest.raises(ParoleScreenError, match="moved, replaced or cut short while the batch"):
        list(range_items(task))


# -- through run_batch --------------------------------------------------------------------------


def run(pack: RulePack, path: Path, jobs: int, **options: Any) -> tuple[bytes, BatchStats]:
    out = io.BytesIO()
    stats = run_batch(pack, resolve_inputs([str(path)]), out,
                      BatchOptions(as_of=dt.date(2026, 2, 1), **options), jobs=jobs)
    return out.getvalue(), stats


def same(one: BatchStats, other: BatchStats) -> bool:
    return (one.records, one.rejected, one.rows, one.counts, one.stopped_early) == (
        other.records, other.rejected, other.rows, other.counts, other.stopped_early)


@forked
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
@pytest.mark.parametrize("seed", [0, 1, 3])
def test_workers_reading_ranges_write_what_one_job_writes(minimal_pack: RulePack,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          fmt: str, seed: int) -> None:
    """Multi-byte characters cut by 5-byte reads, ranges of 7 lines."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(messy_jsonl(seed, count=80))
    one, one_stats = run(minimal_pack, path, 1, output_format=fmt, chunk_records=7)
    assert one_stats.rejected
    monkeypatch.setattr(readers, "_READ_BLOCK", 5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "iter_items", _refuse)
        two, two_stats = run(minimal_pack, path, 2, output_format=fmt, chunk_records=7)
    assert two == one and same(two_stats, one_stats)


@forked
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_over_long_line_in_a_range(minimal_pack: RulePack, tmp_path: Path,
                                      fmt: str) -> None:
    """A line over the 1 MiB cap for a record, in a range of its own and in one with others."""
    path = tmp_path / "in.jsonl"
    long_line = b'{"id": "' + b"x" * (1024 * 1024) + b'"}'
    path.write_bytes(messy_jsonl(3, count=20) + long_line + b"\n" + long_line + b"\n{}")
    one, one_stats = run(minimal_pack, path, 1, output_format=fmt, chunk_records=3)
    assert one_stats.counts["error:too_large"] == 2
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "iter_items", _refuse)
        two, two_stats = run(minimal_pack, path, 2, output_format=fmt, chunk_records=3)
    assert two == one and same(two_stats, one_stats)


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the main process read the records of a regular JSONL file")


@forked
def test_fail_fast_with_workers_reading_ranges(minimal_pack: RulePack, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [f'{{"id": "r{n}", "answers": {{}}}}' for n in range(40)]
    lines[17] = '{"id": "bad", "answers": {"zzz": 1}}'
    lines[30] = '{"id": '
    path.write_text("\n".join(lines) + "\n")
    one, one_stats = run(minimal_pack, path, 1, fail_fast=True, chunk_records=4)
    two, two_stats = run(minimal_pack, path, 2, fail_fast=True, chunk_records=4)
    assert two == one and same(two_stats, one_stats)
    assert one_stats.stopped_early and one_stats.records == 18


def test_a_range_of_blank_lines_is_no_chunk(minimal_pack: RulePack, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "answers": {}}\n' + "\n" * 10 + '{"id": "b", "answers": {}}\n')
    one, one_stats = run(minimal_pack, path, 1, chunk_records=3)
    two, two_stats = run(minimal_pack, path, 2, chunk_records=3)
    assert two == one and same(two_stats, one_stats) and two_stats.records == 2


def test_stdin_and_mixed_inputs_with_jobs(tmp_path: Path) -> None:
    """Stdin is read by the main process as before; files around it by ranges."""
    lines = "".join(f'{{"id": "r{n}", "answers": {{}}}}\n' for n in range(30))
    path = tmp_path / "in.jsonl"
    path.write_text(lines)
    array = tmp_path / "in.json"
    array.write_text(json.dumps([{"id": "x", "answers": {}}]))
    args = ("--rules", str(MINIMAL), "batch", "--as-of", "2026-02-01")
    one = run_cli(*args, str(path), "-", str(array), "--jobs", "1", input=lines)
    two = run_cli(*args, str(path), "-", str(array), "--jobs", "2", input=lines)
    assert one.returncode == two.returncode == 0, one.stderr
    assert two.stdout == one.stdout and len(one.stdout.splitlines()) == 61


@pytest.mark.parametrize(("size", "jobs", "first"), [
    (2048, 2, [1024, 2048, 2048]), (9, 3, [3, 6, 9, 9]), (10, 1, [10, 10]),
    (1, 4, [1, 1, 1, 1, 1])])
def test_the_first_chunks_for_workers_are_staggered(size: int, jobs: int,
                                                  first: list[int]) -> None:
    sizes = runner.staggered(size, jobs)
    assert [next(sizes) for _ in first] == first


@pytest.mark.parametrize("seed", range(3))
def test_ranges_of_varying_sizes_tile_the_file(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(messy_jsonl(seed))
    source = resolve_inputs([str(path)])[0]
    ranges = list(line_ranges(source, runner.staggered(7, 3)))
    assert [r.lines_before for r in ranges[:4]] == [0, 2, 6, 13]
    assert [r.start for r in ranges[1:]] == [r.end for r in ranges[:-1]]
    items = [item for task in ranges for item in range_items(task)]
    assert items == list(iter_items([source]))
