"""Reading a batch's records one at a time, capped: JSONL in blocks, folders file by file,
JSON arrays element by element (:mod:`.json_arrays`), and regular JSONL files by ranges of
lines, which workers read themselves."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable, Iterator
from itertools import compress, repeat
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple

from ..errors import ParoleScreenError
from ..files import NotARegularFile, read_capped
from .json_arrays import Reads, json_items
from .records import MAX_RECORD_BYTES, Item, Progress, Rejected
from .sources import InputSource, folder_files, sniff

_READ_BLOCK = 256 * 1024
_BOM = b"\xef\xbb\xbf"
_JSON_WS = b" \t\r\n"


def iter_items(sources: Iterable[InputSource], progress: Progress | None = None,
               max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """Every record of every source, in order, one at a time."""
    tally = progress or Progress()
    for source in sources:
        if source.kind == "folder":
            yield from _folder_items(Path(source.name), tally, max_record_bytes)
            continue
        with _open_binary(source) as stream:
            kind = source.kind if source.kind != "auto" else sniff(stream)
            read = stream if source.stream is not None else _ReadToTheEnd(stream, source.label)
            if kind == "json":
                yield from json_items(source.label, read, tally, max_record_bytes)
            else:
                yield from _jsonl_items(source.label, read, tally, max_record_bytes)


@contextlib.contextmanager
def _open_binary(source: InputSource) -> Iterator[IO[bytes]]:
    if source.stream is not None:  # stdin, read where it is (never closed here)
        stream = source.stream
        # sniff() peeks: a stream that cannot (BytesIO) is read through a buffer.
        yield stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[type-var]
        return
    try:
        handle = Path(source.name).open("rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise ParoleScreenError(f"{source.label}: cannot read: {error.strerror}",
                                kind="unreadable") from None
    with handle:
        yield handle


def input_changed(label: str) -> ParoleScreenError:
    """The error for an input file that changed under the batch (see :func:`range_items`)."""
    return ParoleScreenError(f"{label}: the file was moved, replaced or cut short while the "
                             "batch was reading it; run the batch again", kind="input_changed")


class _ReadToTheEnd:
    """A file opened by name, read to its end, which must reach the size it had when opened.

    A file cut short while it is read (truncated, rewritten in place) ends early, halfway
    through a line: read on, its last line became an ``invalid_json`` row and the rows
    after it were missing, with exit 3 and ``-o`` put in place. Workers reading ranges find
    the same change and stop the batch (:func:`range_items`); so does this, for one job
    and for JSON files, so the output is the same for every ``--jobs``. (A file that grows
    is read on, as the workers' scan reads it.)
    """

    def __init__(self, stream: IO[bytes], label: str) -> None:
        self.stream = stream
        self.label = label
        try:
            self.expected = os.fstat(stream.fileno()).st_size
        except (OSError, AttributeError, ValueError):  # not a file of the system's
            self.expected = 0
        self.done = 0

    def read(self, size: int, /) -> bytes:
        data = self.stream.read(size)
        self.done += len(data)
        if not data and self.done < self.expected:
            raise input_changed(self.label)
        return data


def _jsonl_items(label: str, stream: Reads, tally: Progress, cap: int, *,
                 number: int = 0, first: bool = True) -> Iterator[Item]:
    """One item per non-blank line; CRLF and a leading UTF-8 BOM are fine.

    Reads blocks and splits them (a record costs no Python call of its own); a line longer
    than ``cap`` becomes a ``too_large`` item and is skipped without being kept whole.
    ``stream`` may start at a line in the middle of a file: ``number`` lines came before
    it, and ``first`` says whether it starts at the file's first byte (where a BOM may be).
    """
    pending = b""  # the start of a line the next block continues
    skipping = False  # inside an over-long line
    while True:
        block = stream.read(_READ_BLOCK)
        tally.bytes_read += len(block)
        if not block:
            if pending and not skipping:
                yield from _line_items(label, [pending], number, first, cap)
            return
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block = block[end + 1:]
            skipping = False
        lines = (pending + block).split(b"\n") if pending else block.split(b"\n")
        pending = lines.pop()
        if len(pending) > cap:  # an over-long line that goes on: report it, skip the rest
            yield from _line_items(label, lines, number, first, cap)
            number += len(lines) + 1
            yield _too_large(label, number, cap)
            pending, skipping, first = b"", True, False
            continue
        yield from _line_items(label, lines, number, first, cap)
        number += len(lines)
        first = first and not lines


def _line_items(label: str, lines: list[bytes], number: int, first: bool,
                cap: int) -> list[Item]:
    """Items for whole lines; ``number`` lines came before them."""
    if not lines:
        return []
    if first and lines[0].startswith(_BOM):
        lines[0] = lines[0][3:]
    if max(map(len, lines)) > cap:
        return [_too_large(label, number + offset, cap) if len(line) > cap
                else Item(label, number + offset, None, stripped)
                for offset, (line, stripped) in enumerate(
                    zip(lines, map(bytes.strip, lines, repeat(_JSON_WS)), strict=True), 1)
                if stripped or len(line) > cap]
    stripped = list(map(bytes.strip, lines, repeat(_JSON_WS)))
    kept = list(map(bool, stripped))
    numbers = range(number + 1, number + len(lines) + 1)
    return list(map(Item, repeat(label), compress(numbers, kept), repeat(None),
                    compress(stripped, kept)))


def _too_large(label: str, number: int, cap: int) -> Item:
    return Item(label, number, None, Rejected(
        "too_large", f"line longer than the {cap // 1024} KiB limit for one record"))


def _folder_items(folder: Path, tally: Progress, cap: int) -> Iterator[Item]:
    """One item per ``*.json`` file, in name order; each file holds one record."""
    for path in folder_files(folder):
        label = str(path)
        try:
            data = read_capped(path, cap, regular_only=True)
        except NotARegularFile:
            yield Item(label, 1, None, Rejected("unreadable", "not a regular file"))
            continue
        except OSError as error:
            yield Item(label, 1, None, Rejected("unreadable", f"cannot read: {error.strerror}"))
            continue
        tally.bytes_read += len(data)
        if len(data) > cap:
            yield Item(label, 1, None, Rejected(
                "too_large", f"larger than the {cap // 1024} KiB limit for one record"))
            continue
        yield Item(label, 1, None, data.removeprefix(_BOM))


# -- JSONL files by ranges of lines ----------------------------------------------------------
#
# With --jobs N, a worker reads the lines of a regular JSONL file itself: the main process
# only finds where each run of lines starts and ends (and how many lines came before, for
# the line numbers in error rows and CSV), so no record crosses a pipe. A range starts at a
# line's first byte and ends just after a newline (or at the end of the file), so reading
# it with _jsonl_items gives exactly the items the whole file would: a newline byte never
# occurs inside a multi-byte UTF-8 character, and a BOM can only be at offset 0.

#: What the main process reads at a time while it looks for range boundaries.
_SCAN_BLOCK = 1024 * 1024


class LineRange(NamedTuple):
    """Whole lines of a JSONL file: bytes ``start`` to ``end``, after ``lines_before`` lines."""

    path: str
    label: str
    start: int
    end: int
    lines_before: int
    identity: tuple[int, int]  # (st_dev, st_ino) of the file the range was cut from


def line_ranges(source: InputSource, lines: int | Iterator[int],
                tally: Progress | None = None) -> Iterator[LineRange]:
    """Cut a regular JSONL file into ranges of ``lines`` lines (the last may be shorter), or
    of as many lines as each next number of ``lines`` says.

    Reads the file a block at a time and keeps only offsets, so a line of any length costs
    no memory here; ``tally`` counts the bytes scanned.
    """
    tally = tally or Progress()
    sizes = repeat(lines) if isinstance(lines, int) else lines
    wanted = next(sizes)
    with _open_unbuffered(source.name, source.label) as handle:
        info = os.fstat(handle.fileno())
        identity = (info.st_dev, info.st_ino)
        start = 0  # where the current range starts
        offset = 0  # file offset of the current block
        before = 0  # lines before the current range
        counted = 0  # newlines seen in the current range
        while block := handle.read(_SCAN_BLOCK):
            tally.bytes_read += len(block)
            find = block.find
            pos = 0
            while True:
                found = find(b"\n", pos)
                if found < 0:
                    break
                pos = found + 1
                counted += 1
                if counted == wanted:
                    yield LineRange(source.name, source.label, start, offset + pos, before,
                                    identity)
                    start, before, counted = offset + pos, before + wanted, 0
                    wanted = next(sizes)
            offset += len(block)
        if offset < info.st_size:  # cut short while scanned: its last line would be cut too
            raise input_changed(source.label)
        if start < offset:
            yield LineRange(source.name, source.label, start, offset, before, identity)


def _open_unbuffered(path: str, label: str) -> BinaryIO:
    try:
        return Path(path).open("rb", buffering=0)
    except OSError as error:
        raise ParoleScreenError(f"{label}: cannot read: {error.strerror}",
                                kind="unreadable") from None


def range_items(task: LineRange, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """The items of one range, as :func:`iter_items` gives them for those lines.

    Workers open the file by name, so it must stay in place while the batch runs: a file
    moved, deleted, replaced or cut short since it was scanned is an error, never wrong rows.
    """
    changed = input_changed(task.label)
    if not Path(task.path).exists():
        raise changed
    with _open_unbuffered(task.path, task.label) as handle:
        info = os.fstat(handle.fileno())
        if (info.st_dev, info.st_ino) != task.identity or info.st_size < task.end:
            raise changed
        stream = _Slice(handle.fileno(), task.start, task.end)
        yield from _jsonl_items(task.label, stream, Progress(), max_record_bytes,
                                number=task.lines_before, first=task.start == 0)


class _Slice:
    """Bytes ``start`` to ``end`` of an open file, read with ``pread``."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self.fd = fd
        self.pos = start
        self.end = end

    def read(self, size: int) -> bytes:
        size = min(size, self.end - self.pos)
        if size <= 0:
            return b""
        data = os.pread(self.fd, size, self.pos)
        self.pos += len(data)
        if not data:  # the file got shorter: what is left of the range is gone
            self.end = self.pos
        return data
