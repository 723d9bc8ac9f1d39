"""Writing a batch's output: the framing of each format (JSON array brackets, CSV header)
and a chunk's rows, gathered by ``writev`` straight to the descriptor where there is one."""

from __future__ import annotations

import io
import os
import select
from typing import IO

from .rows import Rows, csv_bytes


class Writer:
    """Frames the chunks for the output format (JSON array brackets, CSV header).

    Where ``out`` is plainly a file (see :func:`descriptor`), everything goes straight to
    its descriptor by :func:`write_rows`, framing too: that finishes what a full
    non-blocking descriptor leaves, where a buffered writer would drop it or fail.
    """

    def __init__(self, out: IO[bytes], fmt: str, header: list[str]) -> None:
        self.out = out
        self.fmt = fmt
        self.first = True  # no chunk with rows written yet
        self.fd = descriptor(out)
        if self.fd is not None:
            out.flush()  # whatever the caller wrote before goes first
        if fmt == "csv":
            self._put(csv_bytes([header]))

    def _put(self, data: Rows) -> None:
        if self.fd is None:
            self.out.write(data if isinstance(data, bytes) else b"".join(data))
        else:
            write_rows(self.fd, data)

    def write(self, data: Rows) -> None:
        if not data:
            return
        if self.fmt == "json":
            self._put(separator(first=self.first))
        self.first = False
        self._put(data)

    def close(self, *, wrote_rows: bool = False) -> None:
        """End the output; ``wrote_rows``: others (workers) wrote rows to the descriptor."""
        if self.fmt == "json":
            self._put(b"[]\n" if self.first and not wrote_rows else b"\n]\n")
        self.out.flush()


def separator(*, first: bool) -> bytes:
    """What goes before a chunk of rows in a JSON array."""
    return b"[\n" if first else b",\n"


#: Writers whose bytes go to their descriptor unchanged. A wrapper that transforms them
#: (gzip.GzipFile) may still answer ``fileno()`` with the descriptor beneath it.
_PLAIN_WRITERS = (io.BufferedWriter, io.FileIO)


def descriptor(out: IO[bytes]) -> int | None:
    """The OS descriptor behind ``out`` when bytes written to it there are what ``out``
    would have written, else None (BytesIO and friends, wrappers, subclasses)."""
    if type(out) not in _PLAIN_WRITERS:
        return None
    try:
        return out.fileno()
    except (OSError, ValueError):  # closed, or detached
        return None


def write_all(fd: int, data: bytes) -> None:
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
        write_all(fd, data if isinstance(data, bytes) else b"".join(data))
        return
    for first in range(0, len(data), _IOV_MAX):
        batch = data[first:first + _IOV_MAX]
        try:
            written = os.writev(fd, batch)
        except BlockingIOError:  # a full non-blocking descriptor: nothing was written
            written = 0
        if written < sum(map(len, batch)):  # a pipe may take less than asked
            write_all(fd, b"".join(batch)[written:])
