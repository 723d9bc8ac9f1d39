"""--jobs N with forked workers writing their chunks straight to the output's descriptor.

Whatever the format and the output (a file, a pipe, stdout, ``-o``), the bytes must be
those of one in-process job: chunks whole and in input order, nothing after the row that
stops a --fail-fast batch, and only whole chunks when the batch fails. Anything that is not
plainly a file (a BytesIO, a gzip wrapper) or workers that are not forked take the spool
files instead, with the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import gzip
import io
import itertools
import json
import multiprocessing
import multiprocessing.pool
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import yaml

from conftest import MINIMAL, REPO, cli_command, record_generator, run_cli
from parole_screen import batch, load_pack
from parole_screen.batch import BatchOptions, BatchStats, Scorer, run_batch
from parole_screen.batch_input import Item, resolve_inputs
from parole_screen.errors import ParoleScreenError
from parole_screen.pack import RulePack

pytestmark = pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                                reason="workers share the output only when forked")

AS_OF = dt.date(2026, 2, 1)
FORMATS = ["jsonl", "csv", "json"]
BAD = '{"id": "bad%d", "answers": {"zzz": 1}}'  # an unknown question: an error row

RecordGenerator = record_generator()


def lines_of(pack: RulePack, count: int, bad: tuple[int, ...] = (), seed: int = 5) -> list[str]:
    """``count`` JSONL records from the pack's catalogue; those at ``bad`` are rejected."""
    lines = [json.dumps(record) for record in RecordGenerator(pack, seed=seed).records(count)]
    for place in bad:
        lines[place] = BAD % place
    return lines


def write_input(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def run_into(pack: RulePack, path: Path, out: IO[bytes], jobs: int,
             baseline: RulePack | None = None, **options: Any) -> BatchStats:
    return run_batch(pack, resolve_inputs([str(path)]), out,
                     BatchOptions(as_of=AS_OF, **options), jobs=jobs, baseline=baseline)


def in_memory(pack: RulePack, path: Path, jobs: int, **options: Any) -> tuple[bytes, BatchStats]:
    out = io.BytesIO()
    stats = run_into(pack, path, out, jobs, **options)
    return out.getvalue(), stats


def in_file(pack: RulePack, path: Path, jobs: int, **options: Any) -> tuple[bytes, BatchStats]:
    target = path.with_name(f"out-{jobs}.{options.get('output_format', 'jsonl')}")
    with target.open("wb") as out:
        stats = run_into(pack, path, out, jobs, **options)
    return target.read_bytes(), stats


def same(one: BatchStats, other: BatchStats) -> bool:
    return (one.records, one.rejected, one.rows, one.counts, one.stopped_early) == (
        other.records, other.rejected, other.rows, other.counts, other.stopped_early)


@pytest.fixture
def no_spool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The direct path must be the one taken: any spool folder or copy fails the test."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a spool file was used")

    monkeypatch.setattr(batch.tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(batch._Writer, "write_file", refuse)


# -- byte for byte, in-process ------------------------------------------------------------------


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("fmt", FORMATS)
def test_workers_write_what_one_job_writes(minimal_pack: RulePack, tmp_path: Path, fmt: str,
                                           jobs: int) -> None:
    """Error rows (bad JSON, unknown questions) at chunk edges and inside chunks."""
    lines = lines_of(minimal_pack, 90, bad=(0, 6, 7, 40))
    lines[13] = '{"id": '
    lines[50] = ""  # a blank line keeps its number
    path = write_input(tmp_path, lines)
    one, one_stats = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=7)
    assert one_stats.rejected == 5
    direct, stats = in_file(minimal_pack, path, jobs, output_format=fmt, chunk_records=7)
    assert direct == one and same(stats, one_stats)


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("fmt", FORMATS)
def test_chunks_finished_out_of_turn_are_written_in_order(minimal_pack: RulePack,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          fmt: str) -> None:
    """The first chunk is the slowest, so the chunks after it are handed to the workers'
    writing threads: the bytes are still those of one job, and every hand-over waited."""
    lines = lines_of(minimal_pack, 40, bad=(3, 30))
    path = write_input(tmp_path, lines)
    one, one_stats = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=6)
    scored = Scorer.chunk

    def first_is_slow(self: Scorer, items: list[Item]) -> Any:
        if items[0].line == 1:
            time.sleep(0.5)
        return scored(self, items)

    in_thread = batch._DirectOutput._write_in_thread

    def counted(self: Any, number: int, data: Any, stop: bool) -> None:
        os.write(write_end, b"%d," % number)  # from a forked worker: a pipe, not a list
        in_thread(self, number, data, stop)

    read_end, write_end = os.pipe()
    try:
        monkeypatch.setattr(Scorer, "chunk", first_is_slow)
        monkeypatch.setattr(batch._DirectOutput, "_write_in_thread", counted)
        direct, stats = in_file(minimal_pack, path, 2, output_format=fmt, chunk_records=6)
        waited = drain(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert direct == one and same(stats, one_stats)
    assert b"1," in waited  # the chunk after the slow one waited for its turn in a thread


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("bad", [0, 3, 4, 9, 20, 39])
def test_fail_fast_writes_nothing_after_the_first_rejected_row(minimal_pack: RulePack,
                                                               tmp_path: Path, fmt: str,
                                                               bad: int) -> None:
    """Chunks of 4: the first record, the last of a chunk, the first of the second and of a
    later chunk, the last record; later chunks (another bad one among them) are scored by
    the other workers meanwhile, and must not be written."""
    path = write_input(tmp_path, lines_of(minimal_pack, 40, bad=(bad, min(bad + 6, 39))))
    one, one_stats = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=4,
                               fail_fast=True)
    assert one_stats.stopped_early and one_stats.records == bad + 1
    for jobs in (2, 3):
        direct, stats = in_file(minimal_pack, path, jobs, output_format=fmt, chunk_records=4,
                                fail_fast=True)
        assert direct == one and same(stats, one_stats), f"--jobs {jobs}"


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", ["", "\n\n\n", "\n" * 9 + '{"id": "only"}\n'])
def test_empty_and_blank_inputs(minimal_pack: RulePack, tmp_path: Path, fmt: str,
                                text: str) -> None:
    """No rows at all ("[]" for JSON, the header for CSV), and chunks of blank lines only."""
    path = tmp_path / "in.jsonl"
    path.write_text(text)
    one, _ = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=3)
    direct, _ = in_file(minimal_pack, path, 2, output_format=fmt, chunk_records=3)
    assert direct == one
    if not text.strip():
        nothing = {"jsonl": b"", "json": b"[]\n", "csv": one.split(b"\n")[0] + b"\n"}
        assert one == nothing[fmt] and (fmt != "csv" or one.startswith(b"id,source,"))


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("fmt", FORMATS)
def test_compare_mode_through_the_direct_path(shipped_pack: RulePack, tmp_path: Path,
                                              fmt: str) -> None:
    """--changed-since: most chunks have no change rows, and still pass the turn on."""
    old = tmp_path / "old-rules"
    shutil.copytree(REPO / "rules", old, ignore=shutil.ignore_patterns("tests", "locales"))
    meta = yaml.safe_load((old / "pack.yaml").read_text())
    meta["bands"] = {"strong": 99, "possible": 90}  # stricter: some decisions change
    (old / "pack.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    baseline = load_pack(old)
    path = write_input(tmp_path, lines_of(shipped_pack, 120, bad=(30,)))
    options = {"output_format": fmt, "chunk_records": 6}
    one = io.BytesIO()
    one_stats = run_into(shipped_pack, path, one, 1, baseline=baseline, **options)
    assert 0 < one_stats.counts["compare:changed"] < 60
    target = tmp_path / "out"
    with target.open("wb") as out:
        stats = run_into(shipped_pack, path, out, 2, baseline=baseline, **options)
    assert target.read_bytes() == one.getvalue() and same(stats, one_stats)


# -- pipes and partial writes ------------------------------------------------------------------


@contextlib.contextmanager
def roomy_pipe(size: int = 1024 * 1024) -> Iterator[tuple[int, IO[bytes]]]:
    """A pipe that holds the whole output, so no reader thread is needed."""
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, size)
    try:
        with open(write, "wb", closefd=True) as out:  # noqa: PTH123 - a descriptor
            yield read, out
    finally:
        os.close(read)


def drain(fd: int) -> bytes:
    os.set_blocking(fd, False)
    pieces = []
    with contextlib.suppress(BlockingIOError):
        while piece := os.read(fd, 65536):
            pieces.append(piece)
    return b"".join(pieces)


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("fmt", FORMATS)
def test_short_writes_to_a_pipe_are_completed(minimal_pack: RulePack, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              fmt: str) -> None:
    """os.write may write less than asked (a pipe, a signal): every byte still goes out, once."""
    path = write_input(tmp_path, lines_of(minimal_pack, 60, bad=(11,)))
    one, _ = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=5)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:999])))
    with roomy_pipe() as (read, out):
        run_into(minimal_pack, path, out, 2, output_format=fmt, chunk_records=5)
        assert drain(read) == one


@pytest.mark.usefixtures("no_spool")
def test_a_closed_pipe_ends_the_batch_with_broken_pipe(minimal_pack: RulePack,
                                                       tmp_path: Path) -> None:
    """A worker's failed write comes back as the error, not a hang (the CLI then exits 1)."""
    path = write_input(tmp_path, lines_of(minimal_pack, 60))
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as out, pytest.raises(BrokenPipeError):  # noqa: PTH123
        run_into(minimal_pack, path, out, 2, chunk_records=5)


@pytest.mark.usefixtures("no_spool")
def test_a_failed_write_of_the_only_chunk_is_still_the_error(minimal_pack: RulePack,
                                                            tmp_path: Path) -> None:
    """The worker hands its only chunk over and returns its counts before the write fails:
    no later chunk of that worker raises it, so the main process's last wait must."""
    path = write_input(tmp_path, lines_of(minimal_pack, 2))  # one chunk (the first is 5 // 2)
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as out, pytest.raises(BrokenPipeError):  # noqa: PTH123
        run_into(minimal_pack, path, out, 2, chunk_records=5)


# -- failures leave whole chunks in order ------------------------------------------------------


@pytest.mark.usefixtures("no_spool")
@pytest.mark.parametrize("slow", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_failing_chunk_leaves_only_the_chunks_before_it(minimal_pack: RulePack,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          fmt: str, slow: bool) -> None:
    """Chunk 5 of 10 raises in its worker: the output holds chunks 0-4, whole, as with one
    job, and nothing of the chunks after it that other workers scored meanwhile. With
    chunk 3 slow, chunk 4 is handed to a thread (slow to start) that has not written it
    when chunk 5 fails: it is still written before the batch ends."""
    size, failing = 6, 5
    # Where chunk 5 starts: the first chunk of two workers is half a chunk (staggered).
    start = sum(itertools.islice(batch.staggered(size, 2), failing))
    assert start == 27
    lines = lines_of(minimal_pack, 60)
    path = write_input(tmp_path, lines[:start])  # the same name: CSV rows carry it
    prefix, _ = in_memory(minimal_pack, path, 1, output_format=fmt)
    write_input(tmp_path, lines)
    scored = Scorer.chunk

    def failing_chunk(self: Scorer, items: list[Item]) -> Any:
        if items[0].line == start + 1:
            raise ParoleScreenError("boom")
        if slow and items[0].line == 16:  # chunk 3
            time.sleep(0.3)
        return scored(self, items)

    monkeypatch.setattr(Scorer, "chunk", failing_chunk)  # forked workers inherit it
    in_thread = batch._DirectOutput._write_in_thread

    def late(self: Any, number: int, data: Any, stop: bool) -> None:
        time.sleep(1.0)
        in_thread(self, number, data, stop)

    if slow:
        monkeypatch.setattr(batch._DirectOutput, "_write_in_thread", late)
    target = tmp_path / "out"
    with target.open("wb") as out, pytest.raises(ParoleScreenError, match="boom"):
        run_into(minimal_pack, path, out, 2, output_format=fmt, chunk_records=size)
    assert target.read_bytes() == prefix


def test_turns_write_whole_chunks_in_order_and_nothing_after_the_end(tmp_path: Path) -> None:
    """The turn-taking on its own, with threads finishing their chunks in reverse order."""
    ctx = multiprocessing.get_context("fork")
    target = tmp_path / "out"
    with target.open("wb") as out:
        turns = batch._DirectOutput(ctx, out.fileno(), "json")
        threads = [threading.Thread(target=turns.write, args=(n, b"%d" % n))
                   for n in reversed(range(5))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        turns.write(5, b"")  # a chunk with no rows passes the turn on
        turns.write(6, b"six", stop=True)
        turns.write(7, b"seven")  # after the end: dropped, and no waiting for good
        assert turns.closed
    assert target.read_bytes() == b"[\n0,\n1,\n2,\n3,\n4,\nsix"
    assert turns.wrote_rows


def test_a_failed_write_or_the_end_of_the_batch_ends_the_turns() -> None:
    """After half a chunk nothing more may be written, nor once the main process closed
    the turns (when the batch ends early); a chunk waiting for its turn then is dropped."""
    ctx = multiprocessing.get_context("fork")
    read, write = os.pipe()
    try:
        failing = batch._DirectOutput(ctx, write, "jsonl")
        os.close(read)
        with pytest.raises(BrokenPipeError):
            failing.write(0, b"rows\n")
        failing.write(1, b"more\n")  # dropped: nothing written, nothing raised
        read, other = os.pipe()
        closed = batch._DirectOutput(ctx, other, "jsonl")
        waiting = threading.Thread(target=closed.write, args=(1, b"one\n"))
        waiting.start()
        closed.close(time.monotonic() + 5)
        waiting.join(5)
        assert not waiting.is_alive()  # woken by the close, and gone without writing
        closed.write(0, b"rows\n")
        os.close(other)
        assert os.read(read, 100) == b"" and not closed.wrote_rows
    finally:
        os.close(write)
        os.close(read)


def test_a_closed_batch_scores_no_more_chunks(minimal_pack: RulePack,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks still queued when the batch ends are not scored: the workers only empty
    the queue, so the main process can collect them quickly."""
    ctx = multiprocessing.get_context("fork")
    read, write = os.pipe()
    try:
        turns = batch._DirectOutput(ctx, write, "jsonl")
        turns.close(time.monotonic() + 5)

        def refuse(self: Scorer, items: Any) -> Any:
            raise AssertionError("scored after the end")

        monkeypatch.setattr(Scorer, "chunk", refuse)
        monkeypatch.setattr(batch, "_WORKER", Scorer(minimal_pack, BatchOptions(as_of=AS_OF)))
        monkeypatch.setattr(batch, "_DIRECT", turns)
        item = Item("in.jsonl", 1, None, b'{"answers": {}}')
        result = batch._worker_chunk(4, [item])
        assert result.written and result.records == 0 and not result.data
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.usefixtures("no_spool")
def test_an_early_end_collects_the_chunks_in_flight_before_the_pool_stops(
        minimal_pack: RulePack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool stops its workers with SIGTERM: one stopped while it hands a result back
    keeps the pool's queue lock, and the pool's exit hangs on it. So when --fail-fast ends
    the batch while later chunks are still being scored, their results are in before the
    pool is stopped (the pool's cache of awaited results is empty)."""
    lines = lines_of(minimal_pack, 60, bad=(16,))
    path = write_input(tmp_path, lines)
    one, _ = in_memory(minimal_pack, path, 1, fail_fast=True, chunk_records=3)
    scored = Scorer.chunk

    def later_is_slow(self: Scorer, items: list[Item]) -> Any:
        if items[0].line > 17:
            time.sleep(0.3)  # still being scored when the stop comes
        return scored(self, items)

    awaited: list[int] = []
    real_terminate = multiprocessing.pool.Pool.terminate

    def terminate(pool: Any) -> None:
        awaited.append(len(pool._cache))
        real_terminate(pool)

    monkeypatch.setattr(Scorer, "chunk", later_is_slow)
    monkeypatch.setattr(multiprocessing.pool.Pool, "terminate", terminate)
    direct, stats = in_file(minimal_pack, path, 2, fail_fast=True, chunk_records=3)
    assert direct == one and stats.stopped_early
    assert awaited == [0]


def test_a_worker_hands_its_chunk_over_and_goes_on(tmp_path: Path) -> None:
    """A worker whose chunk's turn has not come does not wait for it: a thread of its own
    writes the chunk later. A second hand-over waits for the first (at most one waits), and
    a chunk whose turn has come is written at once."""
    ctx = multiprocessing.get_context("fork")
    target = tmp_path / "out"
    with target.open("wb") as out:
        turns = batch._DirectOutput(ctx, out.fileno(), "jsonl")
        turns.hand_over(1, b"one\n")  # returns, though chunk 0 is not written yet
        assert target.read_bytes() == b""
        second = threading.Thread(target=turns.hand_over, args=(3, b"three\n"))
        second.start()
        second.join(0.3)
        assert second.is_alive()  # waiting for chunk 1, which waits for chunk 0
        turns.write(0, b"zero\n")  # another worker's chunk
        second.join(5)
        assert not second.is_alive()
        turns.write(2, b"two\n")
        turns.settle()
        assert target.read_bytes() == b"zero\none\ntwo\nthree\n"
        turns.hand_over(4, b"four\n")
        assert target.read_bytes().endswith(b"three\nfour\n")  # before any settle
        assert turns._writing is None


def test_a_failed_hand_over_reaches_the_worker_and_the_main_process() -> None:
    """A write that fails in the worker's thread, after the worker went on, is raised by
    its next hand-over; the main process, which may never hear from that worker again,
    raises it too (BrokenPipeError for a closed pipe, as a write of its own would)."""
    ctx = multiprocessing.get_context("fork")
    read, write = os.pipe()
    os.close(read)
    try:
        turns = batch._DirectOutput(ctx, write, "jsonl")
        turns.hand_over(1, b"rows\n")  # its thread waits for chunk 0
        turns.write(0, b"")  # a chunk without rows passes the turn on, writing nothing
        with pytest.raises(BrokenPipeError):
            turns.settle()
        with pytest.raises(BrokenPipeError):
            turns.check_failure()
        with pytest.raises(BrokenPipeError):
            turns.wait_written(5, lambda: None)  # the turns are closed: no waiting
        # Written at once (its turn had come), the failure is the worker's own error.
        at_once = batch._DirectOutput(ctx, write, "jsonl")
        with pytest.raises(BrokenPipeError):
            at_once.hand_over(0, b"rows\n")
        with pytest.raises(BrokenPipeError):
            at_once.check_failure()
    finally:
        os.close(write)


def test_a_failure_that_is_not_an_os_error_is_an_internal_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(fd: int, data: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(batch, "write_rows", broken)
    ctx = multiprocessing.get_context("fork")
    with (tmp_path / "out").open("wb") as out:
        turns = batch._DirectOutput(ctx, out.fileno(), "jsonl")
        turns.hand_over(1, b"rows\n")
        turns.write(0, b"")
        with pytest.raises(RuntimeError, match="a bug"):
            turns.settle()
        with pytest.raises(ParoleScreenError, match="internal error"):
            turns.check_failure()


def test_the_main_process_waits_until_the_last_chunk_is_written(tmp_path: Path) -> None:
    """Workers return before their chunks are written: the batch ends (and the pool stops
    them) only once every chunk is out."""
    ctx = multiprocessing.get_context("fork")
    target = tmp_path / "out"
    with target.open("wb") as out:
        turns = batch._DirectOutput(ctx, out.fileno(), "jsonl")
        turns.hand_over(1, b"one\n")
        later = threading.Timer(0.3, turns.write, args=(0, b"zero\n"))
        later.start()
        checks: list[bool] = []
        turns.wait_written(1, lambda: checks.append(True))
        assert target.read_bytes() == b"zero\none\n"
        later.join()
        turns.settle()
    # Stopped early (fail_fast's chunk closes the turns): the wait ends there too.
    with target.open("wb") as out:
        turns = batch._DirectOutput(ctx, out.fileno(), "jsonl")
        turns.hand_over(0, b"stop\n", stop=True)
        turns.wait_written(0, lambda: None)
        assert target.read_bytes() == b"stop\n"


def test_the_last_wait_gives_up_on_a_worker_that_holds_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed while it writes never gives the lock back: the main process must
    still look at its workers between waits, not wait for the lock for good."""
    monkeypatch.setattr(batch, "_LIVENESS_POLL", 0.01)
    ctx = multiprocessing.get_context("fork")
    with (tmp_path / "out").open("wb") as out:
        turns = batch._DirectOutput(ctx, out.fileno(), "jsonl")
        assert turns._turn.acquire()  # "the killed worker"
        looks: list[bool] = []

        def check() -> None:
            looks.append(True)
            if len(looks) >= 3:
                raise ParoleScreenError("a worker process stopped unexpectedly")

        with pytest.raises(ParoleScreenError, match="stopped unexpectedly"):
            turns.wait_written(0, check)
        assert len(looks) == 3
        # With a deadline (the batch is failing anyway), the wait ends there, quietly.
        started = time.monotonic()
        turns.wait_written(0, lambda: None, started + 0.1)
        assert 0.1 <= time.monotonic() - started < 5


# -- the fallback: spool files -----------------------------------------------------------------


@pytest.fixture
def spools(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The spool folders made, to show the fallback was taken."""
    made: list[str] = []
    real = batch.tempfile.mkdtemp

    def spy(*args: Any, **kwargs: Any) -> str:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(batch.tempfile, "mkdtemp", spy)
    return made


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bytesio_takes_the_spool_files(minimal_pack: RulePack, tmp_path: Path,
                                         spools: list[str], fmt: str) -> None:
    path = write_input(tmp_path, lines_of(minimal_pack, 50, bad=(10,)))
    one, one_stats = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=7)
    assert spools == []
    two, stats = in_memory(minimal_pack, path, 2, output_format=fmt, chunk_records=7)
    assert two == one and same(stats, one_stats)
    assert len(spools) == 1 and not Path(spools[0]).exists()


def test_a_wrapper_with_a_descriptor_beneath_is_written_through(minimal_pack: RulePack,
                                                                tmp_path: Path,
                                                                spools: list[str]) -> None:
    """gzip.GzipFile answers fileno() with the file beneath it: writing there would skip
    the compression, so its rows go through the wrapper."""
    path = write_input(tmp_path, lines_of(minimal_pack, 50))
    one, _ = in_memory(minimal_pack, path, 1, chunk_records=7)
    target = tmp_path / "out.jsonl.gz"
    with gzip.open(target, "wb") as out:
        run_into(minimal_pack, path, out, 2, chunk_records=7)
    assert gzip.decompress(target.read_bytes()) == one and len(spools) == 1


class _NotForking:
    """The fork context, claiming another start method."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def get_start_method(self) -> str:
        return "spawn"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ctx, name)


def test_workers_that_are_not_forked_take_the_spool_files(minimal_pack: RulePack,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          spools: list[str]) -> None:
    """Only a forked worker has the descriptor: any other start method takes the spool."""
    path = write_input(tmp_path, lines_of(minimal_pack, 50))
    one, _ = in_memory(minimal_pack, path, 1, chunk_records=7)
    not_forking = _NotForking(multiprocessing.get_context("fork"))
    monkeypatch.setattr(multiprocessing, "get_context", lambda *args: not_forking)
    assert in_file(minimal_pack, path, 2, chunk_records=7)[0] == one
    assert len(spools) == 1


# -- the CLI: stdout, -o, stdin, mixed inputs --------------------------------------------------


def cli(*args: str, input: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return run_cli("--rules", str(MINIMAL), "batch", "--as-of", AS_OF.isoformat(), *args,
                   input=input, env=env)


@pytest.fixture
def mixed(minimal_pack: RulePack, tmp_path: Path) -> tuple[list[str], str]:
    """A file of 1,300 records (several 512-record chunks, errors at their edges), stdin,
    a JSON array and a folder."""
    path = write_input(tmp_path, lines_of(minimal_pack, 1300, bad=(0, 511, 512, 1299)))
    array = tmp_path / "array.json"
    array.write_text(json.dumps([{"id": "a1", "answers": {}}, 5, {"id": "a3"}]))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "b.json").write_text('{"id": "f1", "answers": {}}')
    (folder / "a.json").write_text("{not json")
    stdin = "".join(line + "\n" for line in lines_of(minimal_pack, 700, bad=(3,), seed=9))
    return [str(path), "-", str(array), str(folder)], stdin


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_stdout_and_out_file_match_one_job(mixed: tuple[list[str], str], tmp_path: Path,
                                               fmt: str) -> None:
    inputs, stdin = mixed
    one = cli(*inputs, "-f", fmt, "--jobs", "1", input=stdin)
    assert one.returncode == 3, one.stderr
    for jobs in ("2", "3"):
        out = tmp_path / f"out-{jobs}.{fmt}"
        to_stdout = cli(*inputs, "-f", fmt, "--jobs", jobs, input=stdin)
        to_file = cli(*inputs, "-f", fmt, "--jobs", jobs, "-o", str(out), input=stdin)
        assert to_stdout.returncode == to_file.returncode == 3, to_stdout.stderr
        assert to_stdout.stdout == one.stdout, f"--jobs {jobs} to stdout"
        assert out.read_text() == one.stdout, f"--jobs {jobs} -o"
        assert summary(to_stdout.stderr) == summary(one.stderr)


def summary(stderr: str) -> list[str]:
    """The summary without its timing."""
    lines = stderr.splitlines()
    return [lines[0].split(" in ")[0], *lines[1:]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_fail_fast_on_the_first_row_of_a_later_chunk(minimal_pack: RulePack,
                                                         tmp_path: Path, fmt: str) -> None:
    path = write_input(tmp_path, lines_of(minimal_pack, 1800, bad=(1024, 1100)))
    one = cli(str(path), "-f", fmt, "--fail-fast")
    assert one.returncode == 3 and "--fail-fast" in one.stderr
    out = tmp_path / f"out.{fmt}"
    two = cli(str(path), "-f", fmt, "--fail-fast", "--jobs", "2")
    three = cli(str(path), "-f", fmt, "--fail-fast", "--jobs", "3", "-o", str(out))
    assert two.returncode == three.returncode == 3
    assert two.stdout == one.stdout and out.read_text() == one.stdout
    assert "bad1024" in one.stdout and "bad1100" not in one.stdout


def test_cli_workers_leave_no_spool_files(minimal_pack: RulePack, tmp_path: Path) -> None:
    """Looked at mid-run, while the workers wait on a full pipe: $TMPDIR holds nothing of
    the batch's (a spool folder would be there from the start to the end)."""
    path = write_input(tmp_path, lines_of(minimal_pack, 3000, bad=(700,)))
    temp = tmp_path / "temp"
    temp.mkdir()
    one = cli(str(path))
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(temp)}
    env.pop("PAROLE_SCREEN_RULES", None)
    command = [*cli_command(), "--rules", str(MINIMAL), "batch", "--as-of",
               AS_OF.isoformat(), str(path), "--jobs", "2"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env) as child:
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()  # the batch has started, and is now blocked
        during = [entry.name for entry in temp.iterdir()]
        rest = child.stdout.read()
        child.stderr.read()
    assert child.returncode == 3
    assert not [name for name in during if name.startswith("parole-screen-batch-")], during
    assert (first + rest).decode() == one.stdout and len(one.stdout) > 1024 * 1024


def test_cli_reader_going_away_ends_the_batch_quietly(minimal_pack: RulePack,
                                                      tmp_path: Path) -> None:
    """`| head -1`: a worker's write fails, and the batch stops with exit 1, no traceback."""
    path = write_input(tmp_path, lines_of(minimal_pack, 3000))
    env = {**os.environ, "NO_COLOR": "1"}
    command = [*cli_command(), "--rules", str(MINIMAL), "batch", "--as-of",
               AS_OF.isoformat(), str(path), "--jobs", "2"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.readline()
        child.stdout.close()
        errors = child.stderr.read().decode()
    assert child.returncode == 1 and "Traceback" not in errors


def long_jobs_2_batch(pack: RulePack, tmp_path: Path) -> tuple[Path, list[str], dict[str, str]]:
    """60,000 records: the file one job writes for them, and the CLI command (and its
    environment) that scores them with two workers, to be stopped mid-run."""
    path = write_input(tmp_path, lines_of(pack, 500) * 120)
    whole = tmp_path / "whole.jsonl"
    assert cli(str(path), "-o", str(whole)).returncode == 0
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PAROLE_SCREEN_RULES", None)
    command = [*cli_command(), "--rules", str(MINIMAL), "batch", "--as-of",
               AS_OF.isoformat(), str(path), "--jobs", "2"]
    return whole, command, env


def test_cli_ctrl_c_leaves_whole_chunks_in_order(minimal_pack: RulePack, tmp_path: Path) -> None:
    """Interrupted mid-run with stdout on a file: exit 130, and the file holds the first
    chunks of what one job writes, each whole (the main process waits for a write under
    way before the workers are stopped)."""
    whole, command, env = long_jobs_2_batch(minimal_pack, tmp_path)
    target = tmp_path / "out.jsonl"
    with target.open("wb") as out, subprocess.Popen(command, stdout=out,
                                                    stderr=subprocess.PIPE, env=env) as child:
        while not target.stat().st_size and child.poll() is None:
            time.sleep(0.01)  # until the first chunk is out
        child.send_signal(signal.SIGINT)
        child.communicate(timeout=60)
    assert child.returncode == 130
    rows = target.read_bytes()
    assert whole.read_bytes().startswith(rows)
    assert 0 < rows.count(b"\n") < 60_000 and rows.count(b"\n") % 512 == 0


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("stop", ["SIGTERM to the batch", "SIGHUP to its process group"])
def test_cli_sigterm_and_sighup_stop_like_ctrl_c(minimal_pack: RulePack, tmp_path: Path,
                                                 jobs: str, stop: str) -> None:
    """`timeout`, `kill` or a closed terminal: exit 130 with one line, and with -o no file
    is left behind (the default action left a hidden temporary file of rows beside it, and
    with two jobs, worker tracebacks)."""
    _, command, env = long_jobs_2_batch(minimal_pack, tmp_path)
    folder = tmp_path / "rows"
    folder.mkdir()
    command = [*command[:-1], jobs, "-o", str(folder / "out.jsonl")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          start_new_session=True) as child:
        try:
            while child.poll() is None and not any(
                    part.stat().st_size for part in folder.glob(".out.jsonl.*.tmp")):
                time.sleep(0.01)  # until rows are being written
            if stop.startswith("SIGTERM"):
                child.send_signal(signal.SIGTERM)
            else:
                os.killpg(child.pid, signal.SIGHUP)
            out, errors = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            pytest.fail("the batch did not stop")
    assert child.returncode == 130, errors
    assert errors.decode() == "interrupted\n" and out == b""
    assert list(folder.iterdir()) == []


def test_cli_a_killed_worker_ends_the_batch_with_an_error(minimal_pack: RulePack,
                                                        tmp_path: Path) -> None:
    """A worker killed mid-run (the OOM killer, say): exit 1 with one line, no traceback,
    and the output so far is whole chunks of what one job writes."""
    whole, command, env = long_jobs_2_batch(minimal_pack, tmp_path)
    target = tmp_path / "out.jsonl"
    with target.open("wb") as out, subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE,
                                                    env=env, start_new_session=True) as child:
        try:
            while not target.stat().st_size and child.poll() is None:
                time.sleep(0.01)  # until the first chunk is out
            workers = Path(f"/proc/{child.pid}/task/{child.pid}/children").read_text().split()
            os.kill(int(workers[0]), signal.SIGKILL)
            _, errors = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            pytest.fail("the batch hung after a worker was killed")
    message = errors.decode()
    assert child.returncode == 1, message
    assert "worker process stopped unexpectedly" in message and "Traceback" not in message
    assert len(message.strip().splitlines()) == 1
    assert whole.read_bytes().startswith(target.read_bytes())


def test_a_lost_worker_stops_the_wait_for_its_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (the OOM killer, say) takes its chunk with it: the wait for
    that chunk must end with an error, not go on for good."""
    class Never:
        waits = 0

        def ready(self) -> bool:
            return False

        def wait(self, timeout: float) -> None:
            Never.waits += 1
            if Never.waits > 100:  # the test fails rather than hangs
                raise AssertionError("still waiting for the lost chunk")
            time.sleep(timeout)

    class Pool:
        def apply_async(self, function: Any, args: Any) -> Never:
            return Never()

    monkeypatch.setattr(batch, "_LIVENESS_POLL", 0.01)
    looks: list[bool] = []

    def check() -> None:
        looks.append(True)
        if len(looks) >= 3:  # gone by the third look
            raise ParoleScreenError("a worker process stopped unexpectedly")

    flight = batch._InFlight()
    with pytest.raises(ParoleScreenError, match="worker process stopped unexpectedly"):
        batch._feed(Pool(), iter([[], []]), lambda result: True, 1, check, flight)
    assert len(looks) == 3
    assert len(flight.tasks) == 1 and flight.taken == -1  # still in flight, for _collect


@pytest.mark.usefixtures("no_spool")
def test_a_batch_whose_worker_is_gone_stops_with_an_error(
        minimal_pack: RulePack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real check, through run_batch: the workers are made to look gone (killing one
    could leave the pool's queue lock taken, see bpo-22393) while a chunk is awaited."""
    monkeypatch.setattr(batch, "_LIVENESS_POLL", 0.05)
    real_children = batch._children
    looks: list[bool] = []

    def children() -> set[int | None]:
        looks.append(True)
        return real_children() if len(looks) <= 2 else set()  # before and after the start

    scored = Scorer.chunk

    def slow_chunk(self: Scorer, items: list[Item]) -> Any:
        time.sleep(0.5)  # long enough to be looked at while awaited
        return scored(self, items)

    monkeypatch.setattr(batch, "_children", children)
    monkeypatch.setattr(Scorer, "chunk", slow_chunk)
    path = write_input(tmp_path, lines_of(minimal_pack, 20))
    with (tmp_path / "out").open("wb") as out, pytest.raises(
            ParoleScreenError, match="worker process stopped unexpectedly"):
        run_into(minimal_pack, path, out, 2, chunk_records=5)
    assert len(looks) > 2


def test_collecting_the_chunks_in_flight_gives_up_on_a_stuck_or_lost_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A write stuck on a stalled pipe, or a killed worker's chunk, never finishes: the
    collection ends at its deadline, or at once when a worker is gone."""
    class Stuck:
        def ready(self) -> bool:
            return False

        def wait(self, timeout: float) -> None:
            time.sleep(timeout)

    class Done:
        def ready(self) -> bool:
            return True

    monkeypatch.setattr(batch, "_LIVENESS_POLL", 0.01)
    started = time.monotonic()
    batch._collect(deque([Done(), Stuck()]), lambda: False, started + 0.3)
    assert 0.3 <= time.monotonic() - started < 5
    started = time.monotonic()
    batch._collect(deque([Stuck()]), lambda: True, started + 30)
    assert time.monotonic() - started < 5


#: A batch whose first worker to hand back a second result is stuck there, holding the
#: pool's result queue lock, until the test kills it (as the OOM killer might).
KILLED_HOLDING_THE_LOCK = """
import datetime as dt, multiprocessing.queues, os, sys, time
from parole_screen import batch, load_pack
from parole_screen.batch import BatchOptions, run_batch
from parole_screen.batch_input import resolve_inputs
from parole_screen.errors import ParoleScreenError

main, mark = os.getpid(), sys.argv[4]
batch._STOP_WAIT = 1.0
sent = []

def put(self, obj):
    obj = multiprocessing.queues._ForkingPickler.dumps(obj)
    with self._wlock:
        sent.append(1)
        if os.getpid() != main and len(sent) == 2:
            with open(mark, "w") as handle:
                handle.write(str(os.getpid()))
            time.sleep(60)
        self._writer.send_bytes(obj)

multiprocessing.queues.SimpleQueue.put = put
pack, path, target = load_pack(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(target, "wb") as out:
    try:
        run_batch(pack, resolve_inputs([path]), out,
                  BatchOptions(as_of=dt.date(2026, 2, 1), chunk_records=5), jobs=2)
    except ParoleScreenError as error:
        print(error)
"""


def test_a_worker_killed_holding_a_pool_lock_does_not_hang_the_batch(
        minimal_pack: RulePack, tmp_path: Path) -> None:
    """Pool.terminate waits for good on a queue lock a killed worker held: the batch stops
    the workers itself instead, and ends with the lost-worker error."""
    path = write_input(tmp_path, lines_of(minimal_pack, 200))
    mark = tmp_path / "stuck"
    command = [sys.executable, "-c", KILLED_HOLDING_THE_LOCK, str(MINIMAL), str(path),
               str(tmp_path / "out.jsonl"), str(mark)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as child:
        try:
            deadline = time.monotonic() + 30
            while not mark.exists() or not mark.read_text():
                assert time.monotonic() < deadline and child.poll() is None
                time.sleep(0.05)
            os.kill(int(mark.read_text()), signal.SIGKILL)
            out, errors = child.communicate(timeout=30)
        except (subprocess.TimeoutExpired, AssertionError):
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            pytest.fail("the batch hung, or never got stuck as planned")
    assert child.returncode == 0, errors.decode()
    assert b"worker process stopped unexpectedly" in out


@pytest.mark.usefixtures("no_spool")
def test_a_failed_write_in_a_thread_stops_the_batch_soon(minimal_pack: RulePack,
                                                         tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunk 1 waits for its turn in a thread, whose write then fails (a reader gone) while
    its worker is idle, the input being slow: the batch stops within a few chunks, rather
    than send every chunk left to be skipped (with stdin that never ends, for good)."""
    path = write_input(tmp_path, lines_of(minimal_pack, 50) * 40)  # 2,000 records
    scored = Scorer.chunk
    real_write_rows = batch.write_rows
    real_tasks = batch._tasks
    sent: list[Any] = []

    def first_is_slow(self: Scorer, items: list[Item]) -> Any:
        if items[0].line == 1:
            time.sleep(0.3)
        return scored(self, items)

    def gone_in_threads(fd: int, data: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        real_write_rows(fd, data)

    def counted(*args: Any) -> Any:
        for task in real_tasks(*args):
            if len(sent) == 2:
                time.sleep(0.6)  # input slow to come: the workers idle while chunk 1 fails
            sent.append(task)
            yield task

    monkeypatch.setattr(Scorer, "chunk", first_is_slow)
    monkeypatch.setattr(batch, "write_rows", gone_in_threads)
    monkeypatch.setattr(batch, "_tasks", counted)
    with (tmp_path / "out").open("wb") as out, pytest.raises(BrokenPipeError):
        run_into(minimal_pack, path, out, 2, chunk_records=5)
    assert 2 <= len(sent) < 50  # of 401 chunks
