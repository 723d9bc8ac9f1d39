"""Running a batch: every record of the inputs through the scorer, in chunks, into one
output in input order, in this process or in forked workers (:mod:`.workers`)."""

from __future__ import annotations

import datetime as dt
import os
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import IO

from ..engine import DETAILS, Detail
from ..errors import ParoleScreenError
from ..models import BANDS
from ..pack import RulePack
from .chunks import ChunkScorer, warm
from .output import Writer
from .readers import iter_items, line_ranges
from .records import Item, Progress
from .rows import OUTPUT_FORMATS, ChunkRows
from .sources import InputSource, splittable
from .workers import Task, Workers

OUTPUT_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
#: Records per chunk: each condition is evaluated once per chunk, so bigger chunks cost less
#: per record (each doubling from 256 saves 3-5% of the instructions), while the chunk's
#: results, some 19 KiB a record (about 40 MB), bound memory.
CHUNK_RECORDS = 2048


@dataclass(frozen=True)
class BatchOptions:
    """How to score and write: the day, the output format, how much each row holds
    (``detail``: ``"compact"`` rows name the pack's fixed texts by id, ``"full"`` rows are
    whole ``result@1`` results), and whether to stop at the first rejected record.
    ``what_if`` adds what would change each result to JSON rows (about half the speed; CSV
    rows hold only the decisions, and change rows are unchanged)."""

    as_of: dt.date
    output_format: str = "jsonl"
    detail: Detail = "compact"
    fail_fast: bool = False
    chunk_records: int = CHUNK_RECORDS
    what_if: bool = False


@dataclass
class BatchStats:
    """The totals a summary shows, kept up to date as the chunks go out."""

    records: int = 0
    rejected: int = 0
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    stopped_early: bool = False
    stopped_by: str = ""  # --fail-fast: the message of the record that stopped the batch
    seconds: float = 0.0
    bytes_read: int = 0  # of the inputs, for a progress bar
    id_hashes: array[int] = field(default_factory=lambda: array("q"))  # scored records' ids
    no_id: int = 0  # scored records without an id

    def ids(self) -> dict[str, int]:
        """How the scored records' ids repeat: ``distinct`` ids, ``repeated`` (records
        whose id an earlier record has), and ``no id``. Counted once the batch is done
        (a sort of 8 bytes a record)."""
        ordered = sorted(self.id_hashes)
        distinct = sum(1 for index, value in enumerate(ordered)
                       if index == 0 or value != ordered[index - 1])
        counts = {"distinct": distinct, "repeated": len(ordered) - distinct}
        if self.no_id:
            counts["no id"] = self.no_id
        return counts

    @property
    def scored(self) -> int:
        return self.records - self.rejected

    def group(self, prefix: str, order: Sequence[str] = ()) -> dict[str, int]:
        """Counts whose key starts with ``prefix:``, keyed by the rest: those named in
        ``order`` first, in that order, then the others, largest first."""
        size = len(prefix) + 1
        found = {key[size:]: count for key, count in self.counts.items()
                 if key.startswith(prefix + ":")}
        ranked = sorted(found.items(), key=lambda kv: (
            order.index(kv[0]) if kv[0] in order else len(order), -kv[1], kv[0]))
        return dict(ranked)

    def headline(self, pack: RulePack, day: str, baseline: RulePack | None = None) -> str:
        """The summary's first line: how many records, scored how, how fast."""
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        noun = "record" if self.records == 1 else "records"
        head = (f"{self.records:,} {noun} as of {day} with {pack.meta.id} {pack.meta.version} "
                f"in {self.seconds:.2f} s ({rate:,.0f} records/s): {self.scored:,} scored, "
                f"{self.rejected:,} rejected")
        if baseline is not None:
            head += (f"; compared with {baseline.meta.id} {baseline.meta.version} from "
                     f"{baseline.path}: {self.counts['compare:changed']:,} would change")
            if baseline.content_hash == pack.content_hash:
                head += " (the two packs are identical)"
        return head

    def summary(self, pack: RulePack, baseline: RulePack | None = None
                ) -> list[tuple[str, dict[str, int]]]:
        """The summary's lines after the headline: a label, and the counts it shows in
        order."""
        if baseline is not None:
            lines = [("changes", self.group("change")),
                     ("top category moves", self.group("move"))]
        else:
            lines = [("status", self.group("status", ("complete", "incomplete", "error"))),
                     ("top category", self.group("top"))]
            lines += [(entry.category.id, self.group(f"band:{entry.category.id}", BANDS))
                      for entry in pack.categories]
            lines.append(("flags", self.group("flag")))
            lines.append(("ids", self.ids()))
        return [*lines, ("errors", self.group("error"))]


def run_batch(pack: RulePack, sources: Sequence[InputSource], out: IO[bytes],
              options: BatchOptions, *, jobs: int = 1, baseline: RulePack | None = None,
              on_chunk: Callable[[BatchStats], None] | None = None) -> BatchStats:
    """Score every record of ``sources`` into ``out`` in input order; return the totals.

    With ``jobs`` > 1 (0: one per core) the chunks are scored by that many forked worker
    processes (where the system can fork), and the output is byte for byte the same as
    with one job. With a ``baseline`` pack, only records whose decision differs are
    written (change rows). ``on_chunk`` is given the totals so far after each chunk.
    Nothing of this process is changed (its garbage collector, its signals); a worker
    process tunes its own collector.
    """
    if options.output_format not in OUTPUT_FORMATS:
        raise ParoleScreenError(f"unknown output format '{options.output_format}'",
                                kind="usage")
    jobs = resolve_jobs(jobs)
    stats = BatchStats()
    tally = Progress()
    started = time.perf_counter()
    if options.detail not in DETAILS:
        raise ParoleScreenError(f"unknown detail '{options.detail}'", kind="usage")
    scorer = ChunkScorer(pack, options.as_of, options.output_format, detail=options.detail,
                         fail_fast=options.fail_fast, baseline=baseline,
                         what_if=options.what_if)
    writer = Writer(out, options.output_format, scorer.rows.header)

    def take(result: ChunkRows) -> bool:
        """Write and count a chunk's rows; False once the batch is to stop."""
        writer.write(result.data)
        stats.records += result.records
        stats.rejected += result.rejected
        stats.rows += result.rows
        stats.counts.update(result.counts)
        stats.id_hashes.frombytes(result.ids)
        stats.no_id += result.no_id
        stats.stopped_early = result.stopped
        stats.stopped_by = result.stopped_by
        stats.seconds = time.perf_counter() - started
        stats.bytes_read = tally.bytes_read
        if on_chunk is not None:
            on_chunk(stats)
        return not result.stopped

    if jobs <= 1 or not hasattr(os, "fork"):
        for chunk in _chunks(iter_items(sources, tally), options.chunk_records):
            if not take(scorer.score(chunk)):
                break
    else:
        # Built once here, before the fork, and shared by the workers.
        if baseline is not None:
            warm(baseline, options.as_of)  # change rows score it in full
        warm(pack, options.as_of, scorer.detail)
        with Workers(scorer, jobs, writer.fd) as workers:
            _run_workers(workers, _tasks(sources, tally, options.chunk_records, jobs),
                         2 * jobs, take)
    writer.close(wrote_rows=stats.rows > 0)
    stats.seconds = time.perf_counter() - started
    return stats


def _run_workers(workers: Workers, tasks: Iterator[Task], window: int,
                 take: Callable[[ChunkRows], bool]) -> None:
    """Send the tasks to the workers and take their chunks in order, at most ``window``
    in flight (the reader waits for the writer: memory stays flat), until the end or a
    stop."""
    while True:
        try:
            task = next(tasks, None)
        except Exception:
            # Reading an input failed: as with one job, the chunks read before it go out.
            _finish(workers, take)
            raise
        if task is None:
            break
        while workers.in_flight >= window:
            if not take(workers.take()):
                return
        workers.send(task)
    _finish(workers, take)


def _finish(workers: Workers, take: Callable[[ChunkRows], bool]) -> None:
    while workers.in_flight and take(workers.take()):
        pass


def _tasks(sources: Sequence[InputSource], progress: Progress, size: int,
           jobs: int) -> Iterator[Task]:
    """What workers are sent: ranges of ``size`` lines of regular JSONL files, which they
    read themselves, and chunks of ``size`` items of everything else (stdin, pipes, JSON
    arrays, folders), which this process reads. The first ones are staggered (see
    :func:`staggered`)."""
    sizes = staggered(size, jobs)
    for source in sources:
        if splittable(source):
            yield from line_ranges(source, sizes, progress)
        else:
            yield from _chunks(iter_items([source], progress), sizes)


def staggered(size: int, jobs: int) -> Iterator[int]:
    """Chunk sizes for ``jobs`` workers: the first ``jobs - 1`` chunks are 1/jobs, 2/jobs,
    ... of ``size``, then every chunk is ``size``.

    Chunks are written in order, so a worker that finished its chunk before the one ahead
    of it was written waits for its turn. Workers given equal chunks at the same moment
    finish them about together, and half the time in the wrong order; started a fraction
    of a chunk apart, they stay apart, and each chunk ahead is written before the next
    one is done.
    """
    for step in range(1, jobs):
        yield max(1, size * step // jobs)
    yield from repeat(size)


def _chunks(items: Iterable[Item], sizes: int | Iterator[int]) -> Iterator[list[Item]]:
    sizes = repeat(sizes) if isinstance(sizes, int) else sizes
    size = next(sizes)
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
            size = next(sizes)
    if chunk:
        yield chunk


def resolve_jobs(jobs: int) -> int:
    """``jobs``, or for 0 the number of cores this process may use."""
    if jobs < 0:
        raise ParoleScreenError("--jobs must be 0 (all cores) or a positive number",
                                kind="usage")
    if jobs == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    return jobs


def output_format_for(fmt: str | None, out: Path | None) -> str:
    """The explicit format, else the one ``out``'s suffix names, else JSONL."""
    if fmt:
        return fmt
    if out is not None:
        return OUTPUT_SUFFIXES.get(out.suffix.lower(), "jsonl")
    return "jsonl"
