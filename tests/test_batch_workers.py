"""--jobs N: forked workers given chunks round-robin, writing them to the output in turn.

Whatever the format and the output (a file, a pipe, stdout, ``-o``), the bytes must be
those of one in-process job: chunks whole and in input order, nothing after the row that
stops a --fail-fast batch, and only whole chunks when the batch fails or is stopped. An
output that is not plainly a file (a BytesIO, a gzip wrapper) gets the rows back through
the workers' reports instead, with the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import gzip
import io
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import pytest
import yaml

from conftest import MINIMAL, REPO, cli_command, record_generator, run_cli
from parole_screen import load_pack
from parole_screen.batch import BatchOptions, BatchStats, run_batch, runner, workers
from parole_screen.batch.chunks import ChunkScorer
from parole_screen.batch.records import Item
from parole_screen.batch.rows import ChunkRows
from parole_screen.batch.sources import resolve_inputs
from parole_screen.batch.workers import Workers
from parole_screen.errors import ParoleScreenError
from parole_screen.pack import RulePack

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")

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


def children() -> list[str]:
    """This process's child processes (Linux /proc): none once a batch has ended."""
    me = os.getpid()
    return Path(f"/proc/{me}/task/{me}/children").read_text().split()


@pytest.fixture
def straight_out(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Rows must go from the workers straight to the output: none may come back here.
    And no worker may outlive its batch."""
    taken = Workers.take

    def checked(self: Workers) -> ChunkRows:
        result = taken(self)
        assert self.out_fd is not None and result.data == b"", "rows came back"
        return result

    monkeypatch.setattr(Workers, "take", checked)
    yield
    assert children() == []


# -- byte for byte, in-process ------------------------------------------------------------------


@pytest.mark.usefixtures("straight_out")
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


@pytest.mark.usefixtures("straight_out")
@pytest.mark.parametrize("fmt", FORMATS)
def test_chunks_finished_out_of_turn_are_written_in_order(minimal_pack: RulePack,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          fmt: str) -> None:
    """The first chunk is the slowest, so the second is scored before the first is written:
    its worker scores its next chunk meanwhile, and writes both in their turn; the bytes
    are still those of one job."""
    lines = lines_of(minimal_pack, 40, bad=(3, 30))
    path = write_input(tmp_path, lines)
    one, one_stats = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=6)
    scored = ChunkScorer.score
    written = workers._write_whole

    def first_is_slow(self: ChunkScorer, items: list[Item]) -> Any:
        if items[0].line == 1:
            # Held until the other worker has scored its next chunk (not a sleep: a loaded
            # machine may take any time to get there); a 30 s bound keeps a failure finite.
            select.select([gate_read], [], [], 30)
        result = scored(self, items)
        os.write(write_end, b"scored %d," % items[0].line)  # from a worker: a pipe
        if items[0].line == 16:
            os.write(gate_write, b"go")
        return result

    def write(*args: Any) -> None:
        os.write(write_end, b"written,")
        written(*args)

    read_end, write_end = os.pipe()
    gate_read, gate_write = os.pipe()
    try:
        monkeypatch.setattr(ChunkScorer, "score", first_is_slow)
        monkeypatch.setattr(workers, "_write_whole", write)
        direct, stats = in_file(minimal_pack, path, 2, output_format=fmt, chunk_records=6)
        events = drain(read_end).split(b",")
    finally:
        for end in (read_end, write_end, gate_read, gate_write):
            os.close(end)
    assert direct == one and same(stats, one_stats)
    # Chunks of 3 (staggered), 6, 6...: the second worker scored the second chunk (from
    # line 4), then its next (from line 16), all before the first chunk was written.
    assert events.index(b"scored 4") < events.index(b"scored 16") < events.index(b"written")
    assert events.index(b"scored 1") < events.index(b"written")


@pytest.mark.usefixtures("straight_out")
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


@pytest.mark.usefixtures("straight_out")
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


@pytest.mark.usefixtures("straight_out")
@pytest.mark.parametrize("fmt", FORMATS)
def test_compare_mode_through_the_direct_path(shipped_pack: RulePack, tmp_path: Path,
                                              fmt: str) -> None:
    """--changed-since: most chunks have no change rows, and still pass the token on."""
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


@pytest.mark.usefixtures("straight_out")
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


@pytest.mark.usefixtures("straight_out")
def test_a_closed_pipe_ends_the_batch_with_broken_pipe(minimal_pack: RulePack,
                                                       tmp_path: Path) -> None:
    """A worker's failed write comes back as the error, not a hang (the CLI then exits 1)."""
    path = write_input(tmp_path, lines_of(minimal_pack, 60))
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as out, pytest.raises(BrokenPipeError):  # noqa: PTH123
        run_into(minimal_pack, path, out, 2, chunk_records=5)


@pytest.mark.usefixtures("straight_out")
def test_a_failed_write_of_the_only_chunk_is_still_the_error(minimal_pack: RulePack,
                                                            tmp_path: Path) -> None:
    """The write of the last chunk fails: its report says so, and the batch raises it."""
    path = write_input(tmp_path, lines_of(minimal_pack, 2))  # one chunk (the first is 5 // 2)
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as out, pytest.raises(BrokenPipeError):  # noqa: PTH123
        run_into(minimal_pack, path, out, 2, chunk_records=5)


# -- failures leave whole chunks in order ------------------------------------------------------


@pytest.mark.usefixtures("straight_out")
@pytest.mark.parametrize("slow", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_failing_chunk_leaves_only_the_chunks_before_it(minimal_pack: RulePack,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          fmt: str, slow: bool) -> None:
    """Chunk 5 of 10 raises in its worker: the output holds chunks 0-4, whole, as with one
    job, and nothing of the chunks after it that other workers scored meanwhile. With
    chunk 3 slow, chunk 4 waits for its turn while chunk 5 fails: it is still written
    before the batch ends."""
    size, failing = 6, 5
    # Where chunk 5 starts: the first chunk of two workers is half a chunk (staggered).
    start = sum(itertools.islice(runner.staggered(size, 2), failing))
    assert start == 27
    lines = lines_of(minimal_pack, 60)
    path = write_input(tmp_path, lines[:start])  # the same name: CSV rows carry it
    prefix, _ = in_memory(minimal_pack, path, 1, output_format=fmt)
    write_input(tmp_path, lines)
    scored = ChunkScorer.score

    def failing_chunk(self: ChunkScorer, items: list[Item]) -> Any:
        if items[0].line == start + 1:
            raise ParoleScreenError("boom")
        if slow and items[0].line == 16:  # chunk 3
            time.sleep(0.3)
        return scored(self, items)

    monkeypatch.setattr(ChunkScorer, "score", failing_chunk)  # forked workers inherit it
    target = tmp_path / "out"
    with target.open("wb") as out, pytest.raises(ParoleScreenError, match="boom"):
        run_into(minimal_pack, path, out, 2, output_format=fmt, chunk_records=size)
    assert target.read_bytes() == prefix


def test_a_failure_that_is_not_an_os_error_is_an_internal_error(
        minimal_pack: RulePack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(fd: int, data: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(workers, "write_rows", broken)
    path = write_input(tmp_path, lines_of(minimal_pack, 20))
    with (tmp_path / "out").open("wb") as out, pytest.raises(
            ParoleScreenError, match=r"internal error in a worker process \(RuntimeError: a bug"):
        run_into(minimal_pack, path, out, 2, chunk_records=5)
    assert children() == []


@pytest.mark.usefixtures("straight_out")
def test_fail_fast_with_later_chunks_still_being_scored(minimal_pack: RulePack, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """--fail-fast ends the batch while the chunks after the stop are still being scored:
    they are never written, and their workers are stopped, not waited for (nor does the
    worker of the stop look ahead to its next chunk)."""
    lines = lines_of(minimal_pack, 60, bad=(16,))
    path = write_input(tmp_path, lines)
    one, _ = in_memory(minimal_pack, path, 1, fail_fast=True, chunk_records=3)
    scored = ChunkScorer.score

    def later_is_slow(self: ChunkScorer, items: list[Item]) -> Any:
        if items[0].line > 22:  # from the second chunk after the stop's (17-19)
            time.sleep(30)  # still being scored when the stop comes
        return scored(self, items)

    monkeypatch.setattr(ChunkScorer, "score", later_is_slow)
    started = time.monotonic()
    direct, stats = in_file(minimal_pack, path, 2, fail_fast=True, chunk_records=3)
    assert direct == one and stats.stopped_early
    assert time.monotonic() - started < 10


def test_a_killed_worker_ends_the_batch_with_an_error(minimal_pack: RulePack, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (the OOM killer, say) takes its chunk with it: the end of its
    pipes says so at once, and the batch stops with an error instead of waiting for good;
    what was written is whole chunks of what one job writes."""
    path = write_input(tmp_path, lines_of(minimal_pack, 60))
    one, _ = in_memory(minimal_pack, path, 1, chunk_records=6)
    scored = ChunkScorer.score

    def killed(self: ChunkScorer, items: list[Item]) -> Any:
        if items[0].line == 16:  # chunk 3
            os.kill(os.getpid(), signal.SIGKILL)
        return scored(self, items)

    monkeypatch.setattr(ChunkScorer, "score", killed)
    target = tmp_path / "out"
    with target.open("wb") as out, pytest.raises(
            ParoleScreenError, match="worker process stopped unexpectedly"):
        run_into(minimal_pack, path, out, 2, chunk_records=6)
    assert one.startswith(target.read_bytes())
    assert children() == []


def test_a_stop_does_not_wait_for_good_on_a_write_nobody_reads(
        minimal_pack: RulePack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while a worker writes to a full pipe that nobody reads: the worker holds
    SIGTERM back until its chunk is written, which never happens; after _STOP_WAIT it is
    killed, and the batch ends."""
    monkeypatch.setattr(workers, "_STOP_WAIT", 0.3)
    path = write_input(tmp_path, lines_of(minimal_pack, 400))

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    read, write = os.pipe()
    previous = signal.signal(signal.SIGALRM, interrupt)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with open(write, "wb") as out, pytest.raises(KeyboardInterrupt):  # noqa: PTH123
            run_into(minimal_pack, path, out, 2, chunk_records=100)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.close(read)
    assert time.monotonic() - started < 10
    assert children() == []


@pytest.mark.usefixtures("straight_out")
def test_a_failed_write_stops_the_batch_soon(minimal_pack: RulePack, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A write fails (a reader gone) while the input is slow to come: the batch stops
    within a few chunks, rather than send every chunk left to be skipped (with stdin that
    never ends, for good)."""
    path = write_input(tmp_path, lines_of(minimal_pack, 50) * 40)  # 2,000 records
    real_tasks = runner._tasks
    sent: list[Any] = []

    def gone(fd: int, data: Any) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def counted(*args: Any) -> Any:
        for task in real_tasks(*args):
            if len(sent) == 2:
                time.sleep(0.6)  # input slow to come: the workers idle while chunk 0 fails
            sent.append(task)
            yield task

    monkeypatch.setattr(workers, "write_rows", gone)
    monkeypatch.setattr(runner, "_tasks", counted)
    with (tmp_path / "out").open("wb") as out, pytest.raises(BrokenPipeError):
        run_into(minimal_pack, path, out, 2, chunk_records=5)
    assert 2 <= len(sent) < 50  # of 401 chunks


def test_a_worker_that_cannot_be_started_fails_the_batch(
        minimal_pack: RulePack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of processes: the second fork fails; the first worker is stopped, not left."""
    real_fork = os.fork
    forks: list[int] = []

    def fork() -> int:
        forks.append(1)
        if len(forks) == 2:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    path = write_input(tmp_path, lines_of(minimal_pack, 20))
    started = time.monotonic()
    with (tmp_path / "out").open("wb") as out, pytest.raises(
            ParoleScreenError, match="cannot start a worker process: Resource temporarily"):
        run_into(minimal_pack, path, out, 2, chunk_records=5)
    assert children() == [] and time.monotonic() - started < 5
    assert (tmp_path / "out").read_bytes() == b""


# -- one chunk's turn, in a worker -------------------------------------------------------------


class _Scorer:
    """What a worker's chunk needs of a scorer: its rows (or a failure), and their format."""

    def __init__(self, fmt: str, result: ChunkRows | Exception) -> None:
        self.rows = type("Rows", (), {"fmt": fmt})()
        self.result = result

    def score(self, items: list[Item]) -> ChunkRows:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


ROWS = ChunkRows([b"one\n", b"two\n"], 2, 2, 0, Counter(), False)
ITEMS = [Item("in.jsonl", 1, None, b"{}")]


class Turn(NamedTuple):
    """The pipes of one worker's turn: the token it gets, the token it passes on (and the
    next worker's end of it), the output (and the end it is read from)."""

    token_in: int
    token_out: int
    passed: int
    out_fd: int
    output: int

    def chunk(self, fmt: str, result: ChunkRows | Exception) -> Any:
        scorer: Any = _Scorer(fmt, result)
        return workers._turn(workers._scored(scorer, ITEMS), scorer, self.out_fd,
                             self.token_in, self.token_out)


@contextlib.contextmanager
def turn(token: bytes | None) -> Iterator[Turn]:
    """A worker's turn with ``token`` waiting for it (None: its writer is gone)."""
    token_in, feed = os.pipe()
    passed, token_out = os.pipe()
    output, out_fd = os.pipe()
    if token is not None:
        os.write(feed, token)
    os.close(feed)
    try:
        yield Turn(token_in, token_out, passed, out_fd, output)
    finally:
        for fd in (token_in, passed, token_out, output, out_fd):
            os.close(fd)


@pytest.mark.parametrize(("fmt", "token", "written", "passed"), [
    ("jsonl", b"f", b"one\ntwo\n", b"w"),
    ("json", b"f", b"[\none\ntwo\n", b"w"),  # the first chunk with rows opens the array
    ("json", b"w", b",\none\ntwo\n", b"w"),
])
def test_a_turn_writes_the_chunk_and_passes_the_token_on(fmt: str, token: bytes,
                                                         written: bytes, passed: bytes) -> None:
    with turn(token) as pipes:
        assert pipes.chunk(fmt, ROWS) == ROWS._replace(data=b"")
        assert drain(pipes.output) == written and os.read(pipes.passed, 5) == passed


def test_a_turn_without_rows_passes_the_token_as_it_came() -> None:
    nothing = ChunkRows(b"", 0, 3, 0, Counter(), False)
    with turn(b"f") as pipes:
        assert pipes.chunk("json", nothing) == nothing
        assert drain(pipes.output) == b"" and os.read(pipes.passed, 5) == b"f"


def test_the_chunk_that_stops_the_batch_closes_the_output() -> None:
    with turn(b"w") as pipes:
        assert pipes.chunk("jsonl", ROWS._replace(stopped=True)).stopped
        assert drain(pipes.output) == b"one\ntwo\n" and os.read(pipes.passed, 5) == b"x"


def test_after_the_end_a_chunk_is_skipped() -> None:
    with turn(b"x") as pipes:
        assert isinstance(pipes.chunk("jsonl", ROWS), workers.Skipped)
        assert drain(pipes.output) == b"" and os.read(pipes.passed, 5) == b"x"


def test_a_failed_chunk_is_reported_in_its_turn_and_closes_the_output() -> None:
    with turn(b"w") as pipes:
        report = pipes.chunk("jsonl", ParoleScreenError("boom", kind="input_changed"))
        assert report == workers.Failure("input_changed", "boom")
        assert drain(pipes.output) == b"" and os.read(pipes.passed, 5) == b"x"


def test_a_failed_write_closes_the_output_and_comes_back_as_the_os_error() -> None:
    with turn(b"f") as pipes:
        os.close(pipes.output)  # nobody reads: EPIPE
        report = pipes.chunk("jsonl", ROWS)
        os.dup2(pipes.passed, pipes.output)  # for the cleanup to close
        assert isinstance(report, workers.Failure) and report.errno == errno.EPIPE
        assert isinstance(report.error(), BrokenPipeError)
        assert os.read(pipes.passed, 5) == b"x"


def test_a_token_pipe_that_ends_means_a_lost_worker() -> None:
    with turn(None) as pipes:
        assert pipes.chunk("jsonl", ROWS) == workers.Failure("lost_worker", workers.LOST)
        assert drain(pipes.output) == b""


# -- an output without a descriptor: rows come back in the reports -------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bytesio_gets_the_rows_back_through_the_reports(minimal_pack: RulePack,
                                                          tmp_path: Path, fmt: str) -> None:
    path = write_input(tmp_path, lines_of(minimal_pack, 50, bad=(10,)))
    one, one_stats = in_memory(minimal_pack, path, 1, output_format=fmt, chunk_records=7)
    two, stats = in_memory(minimal_pack, path, 2, output_format=fmt, chunk_records=7)
    assert two == one and same(stats, one_stats)
    assert children() == []


def test_a_wrapper_with_a_descriptor_beneath_is_written_through(minimal_pack: RulePack,
                                                                tmp_path: Path) -> None:
    """gzip.GzipFile answers fileno() with the file beneath it: writing there would skip
    the compression, so its rows go through the wrapper."""
    path = write_input(tmp_path, lines_of(minimal_pack, 50))
    one, _ = in_memory(minimal_pack, path, 1, chunk_records=7)
    target = tmp_path / "out.jsonl.gz"
    with gzip.open(target, "wb") as out:
        run_into(minimal_pack, path, out, 2, chunk_records=7)
    assert gzip.decompress(target.read_bytes()) == one


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
    assert one.returncode == 1 and "--fail-fast" in one.stderr  # ended early: exit 1
    out = tmp_path / f"out.{fmt}"
    two = cli(str(path), "-f", fmt, "--fail-fast", "--jobs", "2")
    three = cli(str(path), "-f", fmt, "--fail-fast", "--jobs", "3", "-o", str(out))
    assert two.returncode == three.returncode == 1
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


@dataclasses.dataclass
class HeldOpen:
    """A batch run by :func:`held_open_batch`; ``stdout`` and ``stderr`` once it ended."""

    whole: bytes
    child: subprocess.Popen[bytes]
    stdout: bytes = b""
    stderr: bytes = b""


@contextlib.contextmanager
def held_open_batch(pack: RulePack, *args: str, stdout: Any = subprocess.PIPE
                    ) -> Iterator[HeldOpen]:
    """A CLI batch of 60,000 records read from a stdin that stays open, so that it cannot
    end before the test stops it; with the bytes one job writes for those records."""
    data = "".join(line + "\n" for line in lines_of(pack, 500) * 120).encode()
    whole = cli("-", input=data.decode())
    assert whole.returncode == 0, whole.stderr
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PAROLE_SCREEN_RULES", None)
    command = [*cli_command(), "--rules", str(MINIMAL), "batch", "--as-of",
               AS_OF.isoformat(), "-", *args]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout,
                          stderr=subprocess.PIPE, env=env, start_new_session=True) as child:
        assert child.stdin is not None and child.stderr is not None
        stdin = child.stdin

        def feed() -> None:
            with contextlib.suppress(OSError):  # the batch stopped reading: so be it
                stdin.write(data)
                stdin.flush()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        run = HeldOpen(whole.stdout.encode(), child)
        try:
            yield run
            child.wait(timeout=60)
        except (subprocess.TimeoutExpired, AssertionError):
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise
        finally:
            feeder.join(timeout=60)
            with contextlib.suppress(OSError):
                stdin.close()
        run.stderr = child.stderr.read()
        run.stdout = child.stdout.read() if child.stdout is not None else b""


def wait_for(ready: Any, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not ready():
        assert child.poll() is None, "the batch ended"
        assert time.monotonic() < deadline, "nothing was written"
        time.sleep(0.01)


def test_cli_ctrl_c_leaves_whole_chunks_in_order(minimal_pack: RulePack, tmp_path: Path) -> None:
    """Interrupted mid-run with stdout on a file: exit 130, and the file holds the first
    chunks of what one job writes, each whole (a worker holds the stop back while it
    writes). The input stays open: the batch cannot end before the Ctrl-C."""
    target = tmp_path / "out.jsonl"
    with target.open("wb") as out, held_open_batch(minimal_pack, "--jobs", "2",
                                                   stdout=out) as run:
        wait_for(lambda: target.stat().st_size, run.child)  # until the first chunk is out
        run.child.send_signal(signal.SIGINT)
    assert run.child.returncode == 130, run.stderr
    rows = target.read_bytes()
    assert run.whole.startswith(rows)
    assert 0 < rows.count(b"\n") < 60_000 and rows.count(b"\n") % 512 == 0


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("stop", ["SIGTERM to the batch", "SIGHUP to its process group"])
def test_cli_sigterm_and_sighup_stop_like_ctrl_c(minimal_pack: RulePack, tmp_path: Path,
                                                 jobs: str, stop: str) -> None:
    """`timeout`, `kill` or a closed terminal: exit 130 with one line, and with -o no file
    is left behind (the default action left a hidden temporary file of rows beside it, and
    with two jobs, worker tracebacks)."""
    folder = tmp_path / "rows"
    folder.mkdir()
    with held_open_batch(minimal_pack, "--jobs", jobs, "-o", str(folder / "out.jsonl")) as run:
        wait_for(lambda: any(part.stat().st_size  # until rows are being written
                             for part in folder.glob(".out.jsonl.*.tmp")), run.child)
        if stop.startswith("SIGTERM"):
            run.child.send_signal(signal.SIGTERM)
        else:
            os.killpg(run.child.pid, signal.SIGHUP)
    assert run.child.returncode == 130, run.stderr
    assert run.stderr == b"interrupted\n" and run.stdout == b""
    assert list(folder.iterdir()) == []


def test_cli_a_killed_worker_ends_the_batch_with_an_error(minimal_pack: RulePack,
                                                        tmp_path: Path) -> None:
    """A worker killed mid-run (the OOM killer, say): exit 1 with one line, no traceback,
    and the output so far is whole chunks of what one job writes."""
    target = tmp_path / "out.jsonl"
    with target.open("wb") as out, held_open_batch(minimal_pack, "--jobs", "2",
                                                   stdout=out) as run:
        wait_for(lambda: target.stat().st_size, run.child)  # until the first chunk is out
        pid = run.child.pid
        batch_workers = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        os.kill(int(batch_workers.split()[0]), signal.SIGKILL)
    message = run.stderr.decode()
    assert run.child.returncode == 1, message
    assert "worker process stopped unexpectedly" in message and "Traceback" not in message
    assert len(message.strip().splitlines()) == 1
    assert run.whole.startswith(target.read_bytes())
