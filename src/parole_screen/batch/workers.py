"""Scoring chunks in forked worker processes that write their own rows, in input order.

::

    main process --task pipe--> worker 0 --token--> worker 1 --token--> ... --> worker 0
                 <-report pipe-  (each)

The main process hands chunk *n* to worker *n % N* (round-robin) and takes the workers'
reports back in chunk order. A write token goes round the ring of workers in the same
order: a worker writes its chunk to the output only while it holds the token, then passes
it on, so chunks land whole and in input order. The token says whether rows were written
yet (a JSON array's first chunk opens it), or that the output is closed.

Every way this can fail is seen where it happens:

* A worker that dies (killed, out of memory) closes its pipes: the main process sees the
  end of its report pipe while chunks are owed, and the next worker the end of its token
  pipe. The batch stops with "a worker process stopped unexpectedly".
* A chunk that fails (its file changed, a write failed) is reported as a failure in its
  turn, after the chunks before it were written, and its worker closes the token: nothing
  is written after it. ``fail_fast``'s last chunk closes the token too.
* To stop the workers (the end of the batch, an error, Ctrl-C) the main process sends
  them SIGTERM, which a worker holds back while it writes a chunk: the output holds only
  whole chunks. A worker still writing after ``_STOP_WAIT`` (a pipe nobody reads) is
  killed.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import selectors
import signal
import struct
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NoReturn

from ..errors import ParoleScreenError
from .chunks import ChunkScorer
from .output import separator, write_all, write_rows
from .readers import LineRange, range_items
from .records import Item
from .rows import ChunkRows, Rows

#: The token's states: nothing written yet, rows written, output closed.
_FIRST, _WROTE, _CLOSED = b"f", b"w", b"x"
#: Each message on a task or report pipe: its length, then its pickle.
_HEADER = struct.Struct("!Q")
#: How long stopping workers may take before they are killed (a stuck write).
_STOP_WAIT = 5.0
#: One result allocates several hundred containers before it is freed, so the default
#: threshold (700) runs a collection for nearly every record; measured, that cost a quarter
#: of the scoring time. Results are acyclic and freed by reference counting.
GC_THRESHOLD = 50_000

LOST = ("a worker process stopped unexpectedly (killed, or out of memory?); the output is "
        "incomplete: run the batch again, with fewer --jobs")

Task = list[Item] | LineRange


class Failure(NamedTuple):
    """A chunk that failed in its worker, as the main process raises it again."""

    kind: str
    message: str
    errno: int = 0  # an OSError's: BrokenPipeError for a closed pipe, as in one process

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        if isinstance(error, OSError) and error.errno:
            return cls("os_error", str(error.strerror), error.errno)
        if isinstance(error, ParoleScreenError):
            return cls(error.kind, str(error))
        return cls("internal", f"internal error in a worker process "
                               f"({type(error).__name__}: {error})")

    def error(self) -> Exception:
        if self.errno:
            return OSError(self.errno, self.message)
        return ParoleScreenError(self.message, kind=self.kind)


class Skipped(NamedTuple):
    """A chunk after the output closed: not written, not counted."""


_NOTHING = ChunkRows(b"", 0, 0, 0, Counter(), False)


@dataclass
class _Worker:
    pid: int
    tasks: int  # the write end of its task pipe
    inbox: _Inbox  # its reports, from the read end of its report pipe
    owed: int = 0  # chunks sent whose report is not in
    ready: deque[Any] = field(default_factory=deque)  # reports read, not yet taken


class Workers:
    """``jobs`` forked workers scoring with ``scorer``; with ``out_fd`` they write their
    rows there, else the rows come back in their reports (an output with no descriptor)."""

    def __init__(self, scorer: ChunkScorer, jobs: int, out_fd: int | None) -> None:
        self.scorer = scorer
        self.jobs = jobs
        self.out_fd = out_fd
        self.workers: list[_Worker] = []
        self.sent = 0  # chunks sent
        self.taken = 0  # reports taken
        self.selector = selectors.DefaultSelector()

    @property
    def in_flight(self) -> int:
        return self.sent - self.taken

    def __enter__(self) -> Workers:
        tasks = [os.pipe() for _ in range(self.jobs)]
        reports = [os.pipe() for _ in range(self.jobs)]
        ring = [os.pipe() for _ in range(self.jobs)]
        own = [(tasks[i][0], reports[i][1], ring[i][0], ring[(i + 1) % self.jobs][1])
               for i in range(self.jobs)]
        every = {fd for pair in (*tasks, *reports, *ring) for fd in pair}
        write_all(ring[0][1], _FIRST)
        started = False
        try:
            for number in range(self.jobs):
                if (pid := _fork()) == 0:  # pragma: no cover - the child, which never returns
                    for fd in every - set(own[number]):
                        os.close(fd)
                    _worker_main(self.scorer, self.out_fd, *own[number])
                os.set_blocking(tasks[number][1], False)
                self.workers.append(_Worker(pid, tasks[number][1], _Inbox(reports[number][0])))
                self.selector.register(reports[number][0], selectors.EVENT_READ,
                                       self.workers[-1])
            started = True
        finally:
            for fd in {fd for ends in own for fd in ends}:
                os.close(fd)  # the children's ends: a child's death then ends its pipes
            for number in range(len(self.workers), self.jobs):  # not started
                os.close(tasks[number][1])
                os.close(reports[number][0])
            if not started:
                self.__exit__(ParoleScreenError, None, None)
        return self

    def send(self, task: Task) -> None:
        """Hand ``task`` to the next worker in turn, reading reports while its pipe is full."""
        worker = self.workers[self.sent % self.jobs]
        view = memoryview(_message(task))
        self.selector.register(worker.tasks, selectors.EVENT_WRITE, None)
        try:
            while view:
                for key, _ in self.selector.select():
                    if key.data is not None:
                        self._read(key.data)
                        continue
                    try:
                        view = view[os.write(worker.tasks, view):]
                    except BlockingIOError:
                        pass
                    except BrokenPipeError:  # it is gone
                        raise ParoleScreenError(LOST, kind="lost_worker") from None
        finally:
            self.selector.unregister(worker.tasks)
        worker.owed += 1
        self.sent += 1

    def take(self) -> ChunkRows:
        """The report of the next chunk in input order; raises what failed, if it did."""
        worker = self.workers[self.taken % self.jobs]
        while not worker.ready:
            for key, _ in self.selector.select():
                self._read(key.data)
        report = worker.ready.popleft()
        self.taken += 1
        if isinstance(report, Failure):
            raise report.error()
        if isinstance(report, Skipped):
            raise ParoleScreenError("internal error: a chunk was skipped", kind="internal")
        rows: ChunkRows = report
        return rows

    def _read(self, worker: _Worker) -> None:
        """Read a worker's reports; the end of its pipe while it owes one is its death."""
        ended = not worker.inbox.read()
        while (report := worker.inbox.message()) is not None:
            if isinstance(report, Failure) and report.kind == "lost_worker":
                raise report.error()  # as soon as it is known, whoever's turn it is
            worker.ready.append(report)
            worker.owed -= 1
        if ended:
            self.selector.unregister(worker.inbox.fd)
            if worker.owed:
                raise ParoleScreenError(LOST, kind="lost_worker")

    def __exit__(self, *exc: object) -> None:
        """Stop the workers: done with every chunk, they end at the end of their task
        pipes; stopped early, SIGTERM ends them once any write under way is done. A worker
        has ended when its report pipe does; one still there after ``_STOP_WAIT`` (stuck
        writing to a pipe nobody reads) is killed."""
        early = self.in_flight > 0 or exc[0] is not None
        for worker in self.workers:
            os.close(worker.tasks)
            if early:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_WAIT
        while self.selector.get_map() and (left := deadline - time.monotonic()) > 0:
            for key, _ in self.selector.select(left):
                if not os.read(key.fd, 1 << 20):
                    self.selector.unregister(key.fd)
        for worker in self.workers:
            if worker.inbox.fd in self.selector.get_map():
                os.kill(worker.pid, signal.SIGKILL)
            os.waitpid(worker.pid, 0)
            os.close(worker.inbox.fd)
        self.selector.close()


def _fork() -> int:
    try:
        return os.fork()
    except OSError as error:  # out of processes or memory
        raise ParoleScreenError(f"cannot start a worker process: {error.strerror}",
                                kind="no_workers") from None


# -- in the worker ----------------------------------------------------------------------------


def _worker_main(scorer: ChunkScorer, out_fd: int | None, tasks: int, reports: int,
                 token_in: int, token_out: int) -> NoReturn:  # pragma: no cover - a child
    """Score, write and report chunks until the task pipe ends; never returns.

    A chunk scored before its turn waits for the token while the next one is scored (at
    most one waits): a worker that finished early does not sit idle. (Not after a chunk
    that fails or stops the batch: nothing after it is written.)
    """
    code = 0
    try:
        # The main process handles Ctrl-C and a closed terminal; SIGTERM, its way to stop
        # this process, ends it as it does by default (the CLI's handler would raise).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        # This process is the batch's own: collect rarely, and never scan the pack.
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD)
        inbox = _Inbox(tasks)
        waiting: deque[ChunkRows | Failure] = deque()
        while True:
            if not waiting:
                if (task := inbox.receive()) is None:
                    break
                waiting.append(_scored(scorer, task))
            elif (len(waiting) < 2 and _goes_on(waiting[-1])
                  and (task := _next_before_turn(inbox, token_in)) is not None):
                waiting.append(_scored(scorer, task))  # its turn has not come: go on
            else:
                report = _turn(waiting.popleft(), scorer, out_fd, token_in, token_out)
                write_all(reports, _message(report))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _message(value: Any) -> bytes:
    """``value`` as a message on a pipe: its length, then its pickle."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


class _Inbox:
    """The messages read from a pipe (tasks or reports), each whole."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.received = bytearray()
        self.ended = False

    def read(self) -> bool:
        """Read what the pipe holds (blocking until it holds something); False at its end."""
        data = os.read(self.fd, 1 << 20)
        self.received += data
        self.ended = not data
        return not self.ended

    def message(self) -> Any:
        """The next message read whole, or None."""
        if len(self.received) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self.received)
        if len(self.received) < _HEADER.size + size:
            return None
        data = bytes(self.received[_HEADER.size:_HEADER.size + size])
        del self.received[:_HEADER.size + size]
        return pickle.loads(data)  # noqa: S301 - from our own process, forked

    def receive(self, *, block: bool = True) -> Any:
        """The next message; None at the end of the pipe, or (not ``block``) if none is
        there yet."""
        while (message := self.message()) is None:
            if self.ended or not (block or _ready(self.fd)):
                return None
            self.read()
        return message


def _next_before_turn(inbox: _Inbox, token_in: int) -> Any:
    """The next task if it comes before this worker's turn does (the token), else None.

    Waits for whichever comes first, so a task sent a moment after the chunk before it was
    scored is still scored while that chunk waits (not only one already in the pipe).
    """
    if _ready(token_in):
        return None
    while (message := inbox.message()) is None:
        if inbox.ended or token_in in select.select([token_in, inbox.fd], [], [])[0]:
            return None
        inbox.read()
    return message


def _goes_on(result: ChunkRows | Failure) -> bool:
    """False for a chunk after which nothing is written: no use scoring the next."""
    return isinstance(result, ChunkRows) and not result.stopped


def _ready(fd: int) -> bool:
    """True if reading ``fd`` would not block."""
    return bool(select.select([fd], [], [], 0)[0])


def _scored(scorer: ChunkScorer, task: Task) -> ChunkRows | Failure:
    """One chunk's rows, or why it failed (reported in its turn, after the chunks before)."""
    try:
        items = list(range_items(task)) if isinstance(task, LineRange) else task
        return scorer.score(items) if items else _NOTHING
    except Exception as error:
        return Failure.of(error)


def _turn(result: ChunkRows | Failure, scorer: ChunkScorer, out_fd: int | None,
          token_in: int, token_out: int) -> ChunkRows | Failure | Skipped:
    """Wait for the token, write the chunk's rows, pass the token on; the report."""
    token = os.read(token_in, 1)
    if not token:  # the worker before this one died: the output has a hole
        return Failure("lost_worker", LOST)
    passed = token
    try:
        if token == _CLOSED:
            return Skipped()
        if isinstance(result, Failure):
            passed = _CLOSED
            return result
        if out_fd is None:  # the rows go back in the report, joined (one bytes to pickle)
            data = result.data
            result = result._replace(data=data if isinstance(data, bytes) else b"".join(data))
        elif result.data:
            try:
                _write_whole(out_fd, result.data, token, scorer.rows.fmt == "json")
            except Exception as error:
                passed = _CLOSED  # never write after half a chunk
                return Failure.of(error)
            passed = _WROTE
            result = result._replace(data=b"")
        if result.stopped:
            passed = _CLOSED
        return result
    finally:
        with contextlib.suppress(BrokenPipeError):  # the next worker is gone: so be it
            write_all(token_out, passed)


def _write_whole(fd: int, data: Rows, token: bytes, json: bool) -> None:
    """Write a chunk's rows with SIGTERM held back, so a stop never cuts a chunk."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        if json:
            write_all(fd, separator(first=token == _FIRST))
        write_rows(fd, data)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
