"""Batch scoring: stream many answers records through the engine, in order, into one output."""

# No terminal I/O here: parole_screen.cli.batch owns the progress bar and the summary.
#
# The pipeline, one stage per concern:
#
#     readers  ->  chunks of (source, line, index, payload)  ->  scorer  ->  encoded bytes  ->  out
#     (main process: I/O only)          (in-process, or one of N worker processes)  (see below)
#
# * Readers (batch_input.iter_items) yield one item per record and never hold more than one
#   record (plus a read buffer) in memory: JSONL line by line with a size cap per line, JSON
#   arrays element by element, folders file by file. A record that cannot even be read (over
#   the cap, not UTF-8) becomes a Rejected payload, so it still gets its row.
# * The scorer (Scorer) parses, scores (through engine.score_records) and encodes a whole
#   chunk, and counts what the summary needs; with a baseline pack, batch_compare keeps only
#   the records whose decision changed. The same code runs in-process (jobs=1) and in
#   workers, so every --jobs value gives the same bytes.
# * The runner (run_batch) keeps at most a few chunks in flight, has them written in input
#   order and stops early for fail_fast. Forked workers write their chunks to the output's
#   descriptor themselves, taking turns (_DirectOutput); otherwise the main process writes
#   them (spool files from workers, bytes from the in-process scorer).
#
# Error rows never contain answer values: messages name the source, line or index, record id
# and field (the engine's own messages list the allowed values, never the given one).

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import gc
import io
import json
import math
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import IO, Any, NamedTuple

from .batch_input import (
    InputSource,
    Item,
    LineRange,
    Progress,
    Rejected,
    iter_items,
    line_ranges,
    parse_many,
    range_items,
    splittable,
)
from .engine import ScoredChunk, score_chunk
from .errors import AnswerError, ParoleScreenError
from .loader import load_pack
from .pack import RulePack
from .plan import plan_for

orjson: Any
try:  # orjson is a dependency; the fallback keeps a source checkout without it working.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is missing
    orjson = None

OUTPUT_FORMATS = ("jsonl", "csv", "json")
OUTPUT_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
#: Records per chunk: each condition is evaluated once per chunk, so bigger chunks cost less
#: per record (each doubling from 256 saves 3-5% of the instructions), while the chunk's
#: results, some 19 KiB a record (about 40 MB), bound memory: peak RSS is about 96 MB.
CHUNK_RECORDS = 2048
ERROR_SCHEMA = "parole-screen/error@1"
ERROR_KINDS = ("invalid_json", "not_utf8", "too_large", "not_an_object", "bad_record",
               "unknown_question", "wrong_type", "unreadable")

_NEWLINE = (b"\n",)
_COMMA_LINE = (b",\n",)
_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


#: A chunk's rows: bytes, or pieces whose join they are (written as they are, with
#: ``os.writev`` where the output is a descriptor: a chunk of results is some 20 MB).
Rows = bytes | list[bytes]


class ChunkOut(NamedTuple):
    """What scoring one chunk gives back to the runner."""

    data: Rows
    rows: int
    records: int
    rejected: int
    counts: Counter[str]
    stopped: bool  # fail_fast hit a rejected record; ``data`` ends with its row
    spool: str | None = None  # a worker's rows are in this file instead of ``data``
    written: bool = False  # a worker writes its rows to the output itself (``data`` is empty)


_EMPTY = ChunkOut(b"", 0, 0, 0, Counter(), False)  # a range of blank lines


@dataclass(frozen=True)
class BatchOptions:
    """Everything a scorer needs besides the pack; plain data so it can cross to workers."""

    as_of: dt.date
    output_format: str = "jsonl"
    fail_fast: bool = False
    chunk_records: int = CHUNK_RECORDS


@dataclass
class BatchStats:
    """The totals the summary prints."""

    records: int = 0
    rejected: int = 0
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def scored(self) -> int:
        return self.records - self.rejected

    def group(self, prefix: str) -> dict[str, int]:
        """Counts whose key starts with ``prefix:``, keyed by the rest, largest first."""
        size = len(prefix) + 1
        found = {key[size:]: count for key, count in self.counts.items()
                 if key.startswith(prefix + ":")}
        return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


# -- error rows ------------------------------------------------------------------------------


def _record_id(record: Any) -> str | None:
    if isinstance(record, Mapping):
        value = record.get("id")
        if isinstance(value, str):
            # An id with lone surrogates is rejected, but its error row must still be
            # writable in every format.
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def _position(item: Item, record_id: str | None) -> str:
    """How an error message names the record: ``line 12 (id R7)``, ``index 3, line 14``."""
    where = (f"index {item.element}, line {item.line}" if item.element is not None
             else f"line {item.line}")
    return f"{where} (id {record_id})" if record_id is not None else where


# -- encoding --------------------------------------------------------------------------------


def _dumps_stdlib(value: Any, newline: bool = False) -> bytes:
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return (data + "\n" if newline else data).encode("ascii")


if orjson is not None:
    _SORTED = orjson.OPT_SORT_KEYS
    _SORTED_LINE = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

    def dumps(value: Any, newline: bool = False) -> bytes:
        """Compact JSON with sorted keys, as bytes (and a newline, without a copy)."""
        try:
            data: bytes = orjson.dumps(value, option=_SORTED_LINE if newline else _SORTED)
            return data
        except TypeError:  # an integer past 64 bits or a lone surrogate from the input
            return _dumps_stdlib(value, newline)
else:  # pragma: no cover
    def dumps(value: Any, newline: bool = False) -> bytes:
        """Compact JSON with sorted keys, as bytes (and a newline)."""
        data = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False,
                          ensure_ascii=False)
        return (data + "\n" if newline else data).encode("utf-8", "backslashreplace")


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_CSV_RISKY) else value


def csv_header(category_ids: Sequence[str], *, compare: bool = False) -> list[str]:
    if compare:
        return ["id", "source", "line", "changes", "top_category_old", "top_category_new",
                *(f"{cid}_{age}" for cid in category_ids for age in ("old", "new")),
                "flags_added", "flags_removed", "status_old", "status_new", "error_kind",
                "error"]
    return ["id", "source", "line", "status", "top_category", *category_ids, "flags",
            "missing", "error_kind", "error"]


# -- scoring ---------------------------------------------------------------------------------


class Scorer:
    """Parse, score, encode and count one chunk at a time. Runs in-process or in a worker."""

    def __init__(self, pack: RulePack, options: BatchOptions,
                 baseline: RulePack | None = None) -> None:
        self.pack = pack
        self.baseline = baseline
        self.options = options
        self.fmt = options.output_format
        self.lines = self.fmt == "jsonl"  # rows end with a newline
        self.category_ids = [entry.category.id for entry in pack.categories]
        self.header = csv_header(self.category_ids, compare=baseline is not None)

    def chunk(self, items: Sequence[Item]) -> ChunkOut:
        records = parse_many([item.payload for item in items])
        if self.baseline is not None:
            from .batch_compare import _compare_chunk  # it imports this module

            return _compare_chunk(self, items, records)
        outcome = score_chunk(self.pack, [_as_input(record) for record in records],
                              self.options.as_of)
        counts: Counter[str] = Counter()
        scored = outcome.scored
        stop = len(items)
        if self.options.fail_fast and outcome.errors:
            stop = min(outcome.errors) + 1  # up to and including the first rejected record
        kept = sum(place < stop for place in outcome.places)
        if scored is not None:
            _count(scored, kept, counts)
        errors = {place: self._error_row(items[place], records[place], error, counts)
                  for place, error in outcome.errors.items() if place < stop}
        if not errors and scored is not None and self.fmt == "jsonl":
            data: Rows = scored.jsonl_pieces()  # the usual case: every record scored
        else:
            data = self._rows(scored, outcome.places, errors, items, stop)
        rows = kept + len(errors)
        return ChunkOut(data, rows, rows, len(errors), counts,
                        self.options.fail_fast and bool(errors))

    # rows ---------------------------------------------------------------------------------

    def _rows(self, scored: ScoredChunk | None, places: list[int], errors: dict[int, Any],
              items: Sequence[Item], stop: int) -> Rows:
        """The chunk's rows in input order, results and error rows, up to ``stop``."""
        rows: list[Any] = [None] * stop
        for place, row in errors.items():
            rows[place] = row
        if scored is not None:
            if self.fmt == "csv":
                results: Iterable[Any] = self._csv_rows(scored, places, items)
            else:
                results = scored.pieces()
            for place, row in zip(places, results, strict=True):
                if place < stop:
                    rows[place] = row
        return self._join([row for row in rows if row is not None])

    def _csv_rows(self, scored: ScoredChunk, places: list[int],
                  items: Sequence[Item]) -> Iterator[list[Any]]:
        bands = [scored.bands[cid] for cid in self.category_ids]
        for number, (place, status) in enumerate(zip(places, scored.statuses(), strict=True)):
            item = items[place]
            yield [_cell(scored.ids[number] or ""), _cell(item.source), item.line, status,
                   scored.tops[number] or "", *(column[number] for column in bands),
                   ";".join(scored.flags[number]), ";".join(scored.missing[number]), "", ""]

    def _error_row(self, item: Item, record: Any, error: AnswerError,
                   counts: Counter[str]) -> Any:
        """The row for a rejected record; ``record`` is the parsed JSON or a Rejected."""
        record_id = _record_id(record)
        where = _position(item, record_id)
        if isinstance(record, Rejected):
            kind, field_name = record.kind, None
            message = str(AnswerError(record.reason, source=item.source, record=where))
        else:
            kind, field_name = error.kind, error.field
            message = str(error.located(source=item.source, record=where))
        counts["error:" + kind] += 1
        counts["status:error"] += 1
        if self.fmt == "csv":
            cells: dict[str, Any] = dict.fromkeys(self.header, "")
            cells.update(id=_cell(record_id or ""), source=_cell(item.source), line=item.line,
                         error_kind=kind, error=_cell(message))
            if "status" in cells:
                cells["status"] = "error"
            return list(cells.values())
        return dumps({"schema": ERROR_SCHEMA, "id": record_id, "status": "error",
                      "source": item.source, "line": item.line, "index": item.element,
                      "error": {"kind": kind, "field": field_name, "message": message}},
                     self.lines)

    def _join(self, rows: list[Any]) -> Rows:
        """The rows as the writer takes them: CSV as bytes, JSON rows as their pieces (not
        joined: a chunk with an error row then costs no more memory than one without)."""
        if not rows:
            return b""
        if self.fmt == "csv":
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            return text.getvalue().encode("utf-8")
        # A row is bytes (error and change rows; JSONL ones end with a newline) or the
        # pieces of a result (a tuple), which end without one.
        pieces: list[Sequence[bytes]] = []
        if self.fmt == "json":
            for row in rows:
                pieces += [row if isinstance(row, tuple) else (row,), _COMMA_LINE]
            pieces.pop()
        else:
            for row in rows:
                pieces += [row, _NEWLINE] if isinstance(row, tuple) else [(row,)]
        return list(chain.from_iterable(pieces))


def _count(scored: ScoredChunk, kept: int, counts: Counter[str]) -> None:
    """Add what the summary counts of the first ``kept`` scored records: statuses, top
    categories, bands and flags."""
    for status, count in Counter(scored.statuses()[:kept]).items():
        counts["status:" + status] += count
    for top, count in Counter(scored.tops[:kept]).items():
        counts["top:" + (top or "none")] += count
    for cid, bands in scored.bands.items():
        for band, count in Counter(bands[:kept]).items():
            counts[f"band:{cid}:{band}"] += count
    first = (1 << 8 * kept) - 1  # the masks' bits of the first ``kept`` records
    for flag, mask in scored.flag_masks:
        if count := (mask & first).bit_count():
            counts["flag:" + flag] += count


def _as_input(record: Any) -> Any:
    """What :func:`score_records` takes: a record, or an :class:`AnswerError` to pass through."""
    return AnswerError(record.reason) if isinstance(record, Rejected) else record


# -- worker processes ------------------------------------------------------------------------

_WORKER: Scorer | ParoleScreenError | None = None
_SPOOL = ""
_DIRECT: _DirectOutput | None = None
# The packs the parent loaded, for workers it forks: they start scoring at once instead of
# loading the pack again (a process started with "spawn" finds this empty and loads it).
_FORKED: dict[str, RulePack] = {}


def _worker_init(pack_path: str, pack_hash: str, baseline_path: str | None,
                 baseline_hash: str | None, options: BatchOptions, spool: str,
                 direct: _DirectOutput | None = None) -> None:
    """Load the pack(s) once per worker, from their paths, and refuse a pack that changed.

    A failure is kept and raised by the first chunk: an initializer that raises would make
    the pool start new workers forever.
    """
    global _WORKER, _SPOOL, _DIRECT
    # The main process handles Ctrl-C and a closed terminal, and stops the workers with
    # SIGTERM, which must end them as it does by default (the CLI's main process has it
    # raise KeyboardInterrupt instead, and a forked worker would inherit that).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):  # POSIX
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _SPOOL = spool
    _DIRECT = direct
    try:
        pack = _FORKED.get(pack_hash) or _load_same(pack_path, pack_hash)
        baseline = None
        if baseline_path:
            baseline = (_FORKED.get(baseline_hash or "")
                        or _load_same(baseline_path, baseline_hash))
    except ParoleScreenError as error:
        _WORKER = ParoleScreenError(str(error))  # PackError does not survive pickling
        return
    _WORKER = Scorer(pack, options, baseline)
    _tune_gc()  # a worker process is the batch's own: tuned for good, never put back


def _load_same(path: str, expected: str | None) -> RulePack:
    pack = load_pack(path)
    if pack.content_hash != expected:
        raise ParoleScreenError(f"{path}: the rule pack changed while the batch was starting; "
                                "run it again")
    return pack


def _worker_chunk(number: int, task: list[Item] | LineRange) -> ChunkOut:
    """Score a chunk (its items, or the lines of a file range) and hand its rows on: to the
    output itself when the main process shares its descriptor (written in turn, by a thread
    of this worker's), else to a private spool file.

    Rows are ~20 KB per record: piping them back through the pool (pickled, copied four
    times) cost the main process more CPU than it saved, and even a spool file costs a
    copy into the page cache; only the counts travel back.
    """
    if not isinstance(_WORKER, Scorer):
        raise _WORKER or ParoleScreenError("internal error: worker not initialised")
    if _DIRECT is not None and _DIRECT.closed:
        _DIRECT.settle()  # raises this worker's failed write, if that is why
        return _EMPTY._replace(written=True)  # the batch is ending: this chunk is not wanted
    items = list(range_items(task)) if isinstance(task, LineRange) else task
    result = _WORKER.chunk(items) if items else _EMPTY
    if _DIRECT is not None:
        _DIRECT.hand_over(number, result.data, stop=result.stopped)
        return result._replace(data=b"", written=True)
    path = os.path.join(_SPOOL, f"{number}.part")  # noqa: PTH118 - a plain string for pickling
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        write_rows(fd, result.data)
    finally:
        os.close(fd)
    return result._replace(data=b"", spool=path)


class _DirectOutput:
    """The output descriptor, shared with forked workers that write their chunks to it
    themselves, one at a time and in input order.

    Shared state, guarded by one lock: whose turn it is (the number of the next chunk to
    write, or ``_CLOSED``), how many chunks with rows were written (JSON framing needs to
    know the first) and why the writes failed, if they did. A chunk is written whole while
    its writer holds the lock, and the turn passes on only after a complete write, so the
    output is always whole chunks in input order, whatever fails or stops: the main process
    closes the turns (taking the lock, so after any write under way) before the workers are
    stopped.

    A worker writes a chunk whose turn has come at once. Otherwise it hands the chunk to a
    thread of its own that waits for the turn and writes it, and goes on to score its next
    chunk meanwhile: a worker that finished before the chunk ahead of it was written would
    otherwise sit idle. At most one chunk per worker waits, so memory stays bounded.

    Once the turns are closed (fail_fast's last chunk, a failed write, the main process
    leaving), a chunk whose turn has not come is dropped, unwritten, and its worker goes on
    (scoring nothing more): so every chunk in flight finishes, and the main process can
    collect their results before the pool stops the workers (see :func:`_collect`).
    """

    _CLOSED = -1
    _NEXT, _WRITTEN, _FAILED = 0, 1, 2
    #: ``_FAILED`` for a failure that is not an OSError (which leaves its errno there).
    _NOT_OS = -1

    def __init__(self, ctx: Any, fd: int, fmt: str) -> None:
        self.fd = fd
        self.json = fmt == "json"
        self._turn = ctx.Condition(ctx.Lock())
        self._state = ctx.RawArray("q", 3)  # _NEXT, _WRITTEN, _FAILED; the lock guards all
        # In each worker, its own: the thread writing its last chunk, and how that failed.
        self._writing: threading.Thread | None = None
        self._failure: BaseException | None = None

    def hand_over(self, number: int, data: Rows, *, stop: bool = False) -> None:
        """In a worker: write chunk ``number`` now if its turn has come, else have a thread
        write it when it comes, and return. The chunk handed over before is waited for
        first, and its failure, if it failed, is raised here."""
        self.settle()
        if self._state[self._NEXT] == number:
            # Its turn already (no one else can take it): written at once, which spares a
            # thread, and the GIL passing between it and the scoring at each write.
            self.write(number, data, stop=stop)
            return
        self._writing = threading.Thread(target=self._write_in_thread, args=(number, data, stop),
                                         name=f"parole-screen-chunk-{number}", daemon=True)
        self._writing.start()

    def settle(self) -> None:
        """In a worker: wait for the chunk handed over last to be written."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        if self._failure is not None:
            raise self._failure

    def _write_in_thread(self, number: int, data: Rows, stop: bool) -> None:
        try:
            self.write(number, data, stop=stop)
        except BaseException as error:  # the worker raises it at its next hand-over
            self._failure = error

    def write(self, number: int, data: Rows, *, stop: bool = False) -> None:
        """Wait for chunk ``number``'s turn, write it whole, pass the turn on (or close the
        turns after fail_fast's last chunk). Once the turns are closed, write nothing."""
        state = self._state
        with self._turn:
            self._turn.wait_for(lambda: state[self._NEXT] in (number, self._CLOSED))
            if state[self._NEXT] == self._CLOSED:
                return
            try:
                if data:
                    if self.json:
                        _write_all(self.fd, _separator(first=not state[self._WRITTEN]))
                    write_rows(self.fd, data)
                    state[self._WRITTEN] += 1
                state[self._NEXT] = self._CLOSED if stop else number + 1
            except BaseException as error:
                state[self._NEXT] = self._CLOSED  # never write after half a chunk
                code = error.errno if isinstance(error, OSError) else None
                state[self._FAILED] = code if code and code > 0 else self._NOT_OS
                raise
            finally:
                self._turn.notify_all()

    def wait_written(self, last: int, check: Callable[[], None],
                     deadline: float = math.inf) -> None:
        """In the main process: wait until every chunk up to ``last`` is written (or the
        turns are closed), calling ``check`` between waits; raise a failed write's error.
        Past the ``time.monotonic()`` deadline, stop waiting, and raise nothing."""
        state = self._state

        def written() -> bool:
            turn: int = state[self._NEXT]
            return turn == self._CLOSED or turn > last

        while True:
            # A lock held by a worker that was killed is never given back: wait in steps.
            if self._turn.acquire(True, _LIVENESS_POLL):
                try:
                    if self._turn.wait_for(written, _LIVENESS_POLL):
                        break
                finally:
                    self._turn.release()
            check()
            if time.monotonic() >= deadline:
                return
        self.check_failure()

    def check_failure(self) -> None:
        """In the main process: raise the error of a worker's failed write, if there was
        one (a closed pipe raises BrokenPipeError, as it would in the main process)."""
        code = self._state[self._FAILED]
        if code == self._NOT_OS:
            raise ParoleScreenError("internal error: a worker could not write its rows")
        if code:
            raise OSError(code, os.strerror(code))

    def close(self, deadline: float) -> None:
        """In the main process: let no further chunk be written, once any write under way
        has finished (or the ``time.monotonic()`` deadline has passed)."""
        if not self._turn.acquire(True, max(0.0, deadline - time.monotonic())):
            return  # a worker is stuck writing (or died holding the lock): give up on it
        try:
            self._state[self._NEXT] = self._CLOSED
            self._turn.notify_all()  # chunks waiting for their turn are dropped
        finally:
            self._turn.release()

    @property
    def closed(self) -> bool:
        return bool(self._state[self._NEXT] == self._CLOSED)

    @property
    def wrote_rows(self) -> bool:
        return bool(self._state[self._WRITTEN])


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data``: a write to a pipe can take less than asked."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # a non-blocking descriptor (a parent's choice) that is full
            select.select([], [fd], [])


def _iov_max() -> int:
    """Buffers per ``writev`` call: the system's limit (often 1,024), at most 1,024, and
    POSIX's least (16) where the system does not say."""
    try:
        found = os.sysconf("SC_IOV_MAX")
    except (AttributeError, ValueError, OSError):
        return 16
    return min(found, 1024) if found >= 16 else 16


_IOV_MAX = _iov_max()


def write_rows(fd: int, data: Rows) -> None:
    """Write all of a chunk's rows to a descriptor, its pieces gathered by ``writev``
    rather than joined first: one copy of each result less."""
    if isinstance(data, bytes) or not hasattr(os, "writev"):
        _write_all(fd, data if isinstance(data, bytes) else b"".join(data))
        return
    for first in range(0, len(data), _IOV_MAX):
        batch = data[first:first + _IOV_MAX]
        try:
            written = os.writev(fd, batch)
        except BlockingIOError:  # a full non-blocking descriptor: nothing was written
            written = 0
        if written < sum(map(len, batch)):  # a pipe may take less than asked
            _write_all(fd, b"".join(batch)[written:])


def resolve_jobs(jobs: int) -> int:
    if jobs < 0:
        raise ParoleScreenError("--jobs must be 0 (all cores) or a positive number")
    if jobs == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    return jobs


# -- the garbage collector -------------------------------------------------------------------

#: One result allocates several hundred containers before it is freed, so the default
#: threshold (700) runs a collection for nearly every record; measured, that cost a quarter
#: of the scoring time. Results are acyclic and freed by reference counting, so collect
#: rarely, and freeze what is already loaded (the pack) out of the collector's sight.
_GC_THRESHOLD = 50_000


def _tune_gc() -> tuple[int, int, int]:
    previous: tuple[int, int, int] = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, *previous[1:])
    return previous


@contextlib.contextmanager
def tuned_gc() -> Iterator[None]:
    """Tune this process's garbage collector for scoring, and put it back afterwards.

    For a process that exists to run the batch: the CLI wraps a one-job :func:`run_batch`
    in it, and workers tune themselves. :func:`run_batch` leaves its caller's collector
    alone; a library caller who wants the CLI's speed can use this too, knowing that it
    freezes and then unfreezes every object (``gc.freeze``) in the process.
    """
    previous = _tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


# -- the runner ------------------------------------------------------------------------------


def _tasks(sources: Sequence[InputSource], progress: Progress | None,
           size: int, jobs: int) -> Iterator[list[Item] | LineRange]:
    """What workers are sent: ranges of ``size`` lines of regular JSONL files, which they
    read themselves, and chunks of ``size`` items of everything else (stdin, pipes, JSON
    arrays, folders), which the main process reads. The first ones are staggered (see
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

    Chunks are written in order, so a chunk finished before the one ahead of it is written
    waits (in a thread of its worker's, holding its memory). Workers given equal chunks at
    the same moment finish them about together, and half the time in the wrong order;
    started a fraction of a chunk apart, they stay apart, and each chunk ahead is written
    before the next one is done.
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


class _Writer:
    """Frames the chunks for the output format (JSON array brackets, CSV header).

    Where ``out`` is plainly a file (see :func:`_descriptor`), everything goes straight to
    its descriptor by :func:`write_rows`, framing too: that finishes what a full
    non-blocking descriptor leaves, where a buffered writer would drop it or fail.
    """

    def __init__(self, out: IO[bytes], fmt: str, header: list[str]) -> None:
        self.out = out
        self.fmt = fmt
        self.first = True
        self.fd = _descriptor(out)
        if self.fd is not None:
            out.flush()  # whatever the caller wrote before goes first
        if fmt == "csv":
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerow(header)
            self._put(text.getvalue().encode("utf-8"))

    def _put(self, data: Rows) -> None:
        if self.fd is None:
            self.out.write(data if isinstance(data, bytes) else b"".join(data))
        else:
            write_rows(self.fd, data)

    def write(self, data: Rows) -> None:
        if not data:
            return
        self._frame()
        self._put(data)

    def write_file(self, path: str) -> None:
        """Append a spool file's bytes, by ``sendfile`` when ``out`` is a real file."""
        with open(path, "rb") as part:  # noqa: PTH123 - a descriptor for sendfile
            size = os.fstat(part.fileno()).st_size
            if not size:
                return
            self._frame()
            sent = 0
            if self.fd is not None:
                try:
                    while sent < size:
                        step = os.sendfile(self.fd, part.fileno(), sent, size - sent)
                        if not step:
                            break
                        sent += step
                except OSError as error:
                    if sent or error.errno not in (errno.EINVAL, errno.ENOSYS, errno.EBADF):
                        raise
            part.seek(sent)
            while block := part.read(1024 * 1024):
                self._put(block)

    def _frame(self) -> None:
        if self.fmt == "json":
            self._put(_separator(first=self.first))
        self.first = False

    def shared(self, wrote_rows: bool) -> None:
        """Workers wrote the chunks: frame the end of the output accordingly."""
        self.first = self.first and not wrote_rows

    def close(self) -> None:
        if self.fmt == "json":
            self._put(b"[]\n" if self.first else b"\n]\n")
        self.out.flush()


def _separator(*, first: bool) -> bytes:
    """What goes before a chunk of rows in a JSON array."""
    return b"[\n" if first else b",\n"


#: Writers whose bytes go to their descriptor unchanged. A wrapper that transforms them
#: (gzip.GzipFile) may still answer ``fileno()`` with the descriptor beneath it.
_PLAIN_WRITERS = (io.BufferedWriter, io.FileIO)


def _descriptor(out: IO[bytes]) -> int | None:
    """The OS descriptor behind ``out`` when bytes written to it there are what ``out``
    would have written, else None (BytesIO and friends, wrappers, subclasses)."""
    if not hasattr(os, "sendfile"):  # pragma: no cover - not on Linux or macOS
        return None
    if type(out) not in _PLAIN_WRITERS:
        return None
    try:
        return out.fileno()
    except (OSError, ValueError):  # closed, or detached
        return None


def run_batch(pack: RulePack, sources: Sequence[InputSource], out: IO[bytes],
              options: BatchOptions, *, jobs: int = 1, baseline: RulePack | None = None,
              progress: Progress | None = None,
              on_chunk: Callable[[BatchStats], None] | None = None) -> BatchStats:
    """Score every record of ``sources`` into ``out`` in input order; return the totals.

    With ``jobs`` > 1 the chunks are scored by that many worker processes, each loading
    the pack from ``pack.path``; the output is byte-for-byte the same as with one job.
    With a ``baseline`` pack, only records whose decision differs are written (change rows).
    The process's garbage collector is left as it is (see :func:`tuned_gc`).
    """
    if options.output_format not in OUTPUT_FORMATS:
        raise ParoleScreenError(f"unknown output format '{options.output_format}'")
    stats = BatchStats()
    started = time.perf_counter()
    categories = [entry.category.id for entry in pack.categories]
    writer = _Writer(out, options.output_format,
                     csv_header(categories, compare=baseline is not None))

    def take(result: ChunkOut) -> bool:
        if result.spool is not None:
            writer.write_file(result.spool)
            Path(result.spool).unlink()
        elif not result.written:  # else a worker writes its rows to the output itself
            # (perhaps not yet: the counts may run a chunk or two ahead of the output)
            writer.write(result.data)
        stats.records += result.records
        stats.rejected += result.rejected
        stats.rows += result.rows
        stats.counts.update(result.counts)
        stats.seconds = time.perf_counter() - started
        if on_chunk is not None:
            on_chunk(stats)
        if result.stopped:
            stats.stopped_early = True
        return not result.stopped

    if jobs <= 1:
        scorer = Scorer(pack, options, baseline)
        for chunk in _chunks(iter_items(sources, progress), options.chunk_records):
            if not take(scorer.chunk(chunk)):
                break
    else:
        _run_pool(pack, baseline, options, jobs,
                  _tasks(sources, progress, options.chunk_records, jobs), take, writer)
    writer.close()
    stats.seconds = time.perf_counter() - started
    return stats


def _run_pool(pack: RulePack, baseline: RulePack | None, options: BatchOptions, jobs: int,
              chunks: Iterator[list[Item] | LineRange],
              take: Callable[[ChunkOut], bool], writer: _Writer) -> None:
    """Score chunks in ``jobs`` processes, writing them in order.

    Forked workers write their chunks to the output's descriptor themselves, taking turns
    (:class:`_DirectOutput`); otherwise (no descriptor, or workers that are not forked and
    so do not share it) they leave them in spool files that the main process copies out.
    """
    import multiprocessing

    ctx = multiprocessing.get_context()
    # Forked workers may write to the output's descriptor themselves (None: not plainly a
    # file, see _descriptor).
    fd = writer.fd if ctx.get_start_method() == "fork" else None
    direct = _DirectOutput(ctx, fd, writer.fmt) if fd is not None else None
    # The spool folder is 0700: rows hold answers.
    spool = "" if direct is not None else tempfile.mkdtemp(prefix="parole-screen-batch-")
    init_args = (str(pack.path), pack.content_hash,
                 str(baseline.path) if baseline else None,
                 baseline.content_hash if baseline else None, options, spool, direct)
    try:
        for loaded in (pack, baseline):
            if loaded is not None:
                plan_for(loaded)  # built once here; forked workers inherit it
                _FORKED[loaded.content_hash] = loaded
        before = _children()
        pool = ctx.Pool(jobs, initializer=_worker_init, initargs=init_args)
        try:
            workers = _children() - before

            def lost() -> bool:
                # The pool never ends a worker while the batch runs: one gone was killed.
                return not workers <= _children()

            def check() -> None:
                if lost():
                    raise ParoleScreenError(
                        "a worker process stopped unexpectedly (killed, or out of memory?); "
                        "the output is incomplete: run the batch again, with fewer --jobs")
                if direct is not None:
                    direct.check_failure()  # a worker's failed write: nothing more can go out

            def take_checked(result: ChunkOut) -> bool:
                going_on = take(result)
                if direct is not None:
                    direct.check_failure()  # as soon as it is known: stop sending chunks
                return going_on

            flight = _InFlight()
            try:
                _feed(pool, chunks, take_checked, 2 * jobs, check, flight)
            except Exception:
                # As with one job, the chunks taken before the failure go out, if they
                # can within _CLOSE_WAIT (Ctrl-C, not an Exception, stops at once).
                if direct is not None:
                    with contextlib.suppress(Exception):
                        direct.wait_written(flight.taken, check, time.monotonic() + _CLOSE_WAIT)
                raise
            else:
                if direct is not None:
                    direct.wait_written(flight.taken, check)
            finally:
                # Before _stop ends the workers.
                deadline = time.monotonic() + _CLOSE_WAIT
                if direct is not None:
                    direct.close(deadline)
                if not lost():
                    _collect(flight.tasks, lost, deadline)
        finally:
            _stop(pool, before)
    finally:
        for loaded in (pack, baseline):
            if loaded is not None:
                _FORKED.pop(loaded.content_hash, None)
        if spool:
            shutil.rmtree(spool, ignore_errors=True)
    if direct is not None:
        writer.shared(direct.wrote_rows)


@dataclass
class _InFlight:
    """The chunks sent to the pool whose results are not taken yet (when the batch stops
    early, those still in flight), and the number of the last chunk taken."""

    tasks: deque[Any] = field(default_factory=deque)
    taken: int = -1


def _feed(pool: Any, chunks: Iterator[list[Item] | LineRange],
          take: Callable[[ChunkOut], bool], window: int, check: Callable[[], None],
          flight: _InFlight) -> None:
    """Send chunks to the pool and take their results in order, until the end or a stop,
    keeping ``flight`` up to date.

    ``Pool.imap`` would do, except that its feeder thread drains the input iterator as fast
    as it can, so memory would grow with the input. Here at most ``window`` chunks are in
    flight: the reader waits for the writer, and memory stays flat.

    A pool whose worker dies (killed, out of memory) starts another, but the chunk it held
    never finishes: while waiting, ``check()`` is called, to raise when the batch cannot go
    on, instead of waiting for good.
    """
    tasks = flight.tasks

    def take_first() -> bool:
        task = tasks[0]  # left in flight until its result is in
        while not task.ready():
            task.wait(_LIVENESS_POLL)
            if not task.ready():
                check()
        result: ChunkOut = task.get()
        tasks.popleft()
        flight.taken += 1
        return take(result)

    for number, chunk in enumerate(chunks):
        tasks.append(pool.apply_async(_worker_chunk, (number, chunk)))
        if len(tasks) >= window and not take_first():
            return
    while tasks:
        if not take_first():
            return


def _collect(pending: deque[Any], lost: Callable[[], bool], deadline: float) -> None:
    """Wait, until the ``time.monotonic()`` deadline, for the chunks still in flight when
    the batch stopped early, and drop their results.

    The pool stops its workers with SIGTERM: one stopped while it puts a result on the
    pool's queue leaves that queue's lock taken for good, and ``Pool.terminate`` hangs on
    it. A worker with nothing left in flight is idle, holding no lock the pool needs.
    """
    for task in pending:
        while not task.ready():
            left = deadline - time.monotonic()
            if left <= 0 or lost():
                return  # a stuck write, or a killed worker whose chunk never finishes
            task.wait(min(left, _LIVENESS_POLL))


def _stop(pool: Any, before: set[int | None]) -> None:
    """Stop the pool's workers (``Pool.terminate``), giving up after ``_STOP_WAIT`` seconds.

    ``Pool.terminate`` waits for good on a queue lock that a killed worker held (CPython
    issue 22393): then the workers still there (the children not in ``before``) are killed
    instead, and the pool's own threads, stuck on that lock, are left behind (daemons).
    """
    stopping = threading.Thread(target=pool.terminate, name="parole-screen-pool-stop",
                                daemon=True)
    stopping.start()
    stopping.join(_STOP_WAIT)
    if stopping.is_alive():
        for pid in _children() - before:
            if pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


#: Seconds between checks that every worker is still there, while a chunk is awaited.
_LIVENESS_POLL = 0.5
#: How long the main process waits, when the batch ends early, for a write under way and
#: the chunks in flight (a write blocked on a stalled pipe must not hang Ctrl-C).
_CLOSE_WAIT = 5.0
#: How long the pool may take to stop its workers (it normally takes milliseconds).
_STOP_WAIT = 10.0


def _children() -> set[int | None]:
    """The process ids of this process's live children (multiprocessing's)."""
    import multiprocessing

    return {process.pid for process in multiprocessing.active_children()}


# -- output ----------------------------------------------------------------------------------


def output_format_for(fmt: str | None, out: Path | None) -> str:
    """The explicit format, else the one ``out``'s suffix names, else JSONL."""
    if fmt:
        return fmt
    if out is not None:
        return OUTPUT_SUFFIXES.get(out.suffix.lower(), "jsonl")
    return "jsonl"
