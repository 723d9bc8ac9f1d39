"""Reading batch inputs: every record of files, folders and stdin, one at a time, capped."""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple, Protocol

from .errors import ParoleScreenError
from .files import MAX_ANSWERS_BYTES


def usable_orjson(module: Any) -> Any:
    """``module`` (orjson), or None where it is older than 3.9.15: those versions crash the
    process on deeply nested JSON (CVE-2024-27454). The dependency asks for a newer one, but
    an environment may keep an old one; json then reads the records, more slowly."""
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", str(getattr(module, "__version__", "")))
    return module if found and tuple(map(int, found.groups())) >= (3, 9, 15) else None


orjson: Any
try:  # orjson is a dependency; the fallback keeps a source checkout without it working.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is missing
    orjson = None
orjson = usable_orjson(orjson)

INPUT_FORMATS = ("json", "jsonl")
INPUT_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl"}
STDIN = "-"
STDIN_LABEL = "<stdin>"
#: One record (a JSONL line, an array element, a file in a folder) may not exceed what
#: ``score`` accepts for one answers file.
MAX_RECORD_BYTES = MAX_ANSWERS_BYTES

_READ_BLOCK = 256 * 1024
_BOM = codecs.BOM_UTF8
_JSON_WS = b" \t\r\n"
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]\s]")
#: After a whole JSON value: the next one, an object, starting on a later line.
_NEXT_LINE_OBJECT = re.compile(r"[ \t\r]*\n\s*{")
_JSON_LINES_HINT = ("; it looks like one record per line (JSON lines): name the file .jsonl, "
                    "or pass --input-format jsonl")


class Rejected(NamedTuple):
    """A record that failed before scoring (unreadable, too large, bad JSON)."""

    kind: str
    reason: str


class Item(NamedTuple):
    """One record on its way through the pipeline."""

    source: str
    line: int
    element: int | None  # 0-based position in a JSON array, else None
    payload: bytes | str | Rejected


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputSource:
    """One INPUT argument, checked before anything is read."""

    name: str
    label: str
    kind: str  # "json", "jsonl", "folder" or "auto" (stdin or an unknown suffix: sniffed)
    size: int | None  # bytes, for the progress bar (None for stdin)


def resolve_inputs(names: Sequence[str], input_format: str | None = None) -> list[InputSource]:
    """Check every INPUT up front so a typo fails before any output is written."""
    if not names:
        raise ParoleScreenError("no input given; pass files, folders or - for stdin")
    if list(names).count(STDIN) > 1:
        raise ParoleScreenError("stdin (-) can be read only once")
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise ParoleScreenError(f"unknown input format '{input_format}' "
                                f"(use one of: {', '.join(INPUT_FORMATS)})")
    sources = []
    for name in names:
        if name == STDIN:
            sources.append(InputSource(name, STDIN_LABEL, input_format or "auto", None))
            continue
        path = Path(name)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ParoleScreenError(f"{name}: file not found") from None
        except OSError as error:
            raise ParoleScreenError(f"{name}: cannot read: {error.strerror}") from None
        if path.is_dir():
            files = _folder_files(path)
            sources.append(InputSource(name, name, "folder",
                                       sum(_size(file) for file in files)))
            continue
        if not os.access(path, os.R_OK):
            raise ParoleScreenError(f"{name}: cannot read: permission denied")
        kind = input_format or INPUT_SUFFIXES.get(path.suffix.lower(), "auto")
        sources.append(InputSource(name, name, kind, info.st_size))
    return sources


def _folder_files(folder: Path) -> list[Path]:
    """Every ``*.json`` entry but subfolders: one that cannot be read (a broken link, a FIFO)
    becomes an error row, rather than a record missing from the caseload without a word."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json"
                      and not p.is_dir())
    except OSError as error:
        raise ParoleScreenError(f"{folder}: cannot list folder: {error.strerror}") from None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class Progress:
    """Bytes consumed so far, for a progress bar; readers add to it as they go."""

    __slots__ = ("bytes_read",)

    def __init__(self) -> None:
        self.bytes_read = 0


def iter_items(sources: Iterable[InputSource], progress: Progress | None = None,
               max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """Every record of every source, in order, one at a time."""
    tally = progress or Progress()
    for source in sources:
        if source.kind == "folder":
            yield from _folder_items(Path(source.name), tally, max_record_bytes)
            continue
        with _open_binary(source) as stream:
            kind = source.kind if source.kind != "auto" else _sniff(stream)
            if kind == "json":
                yield from _json_items(source.label, stream, tally, max_record_bytes)
            else:
                yield from _jsonl_items(source.label, stream, tally, max_record_bytes)


@contextlib.contextmanager
def _open_binary(source: InputSource) -> Iterator[IO[bytes]]:
    if source.name == STDIN:
        yield sys.stdin.buffer
        return
    try:
        handle = Path(source.name).open("rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise ParoleScreenError(f"{source.label}: cannot read: {error.strerror}") from None
    with handle:
        yield handle


def _sniff(stream: Any) -> str:
    """``json`` when the first non-blank character opens an array, else ``jsonl``."""
    head: bytes = stream.peek(4096)[:4096]
    head = head.removeprefix(_BOM).lstrip(_JSON_WS)
    return "json" if head.startswith(b"[") else "jsonl"


class _Reads(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _jsonl_items(label: str, stream: _Reads, tally: Progress, cap: int, *,
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


def splittable(source: InputSource) -> bool:
    """True for a regular file read as JSONL, which workers can read by ranges."""
    if source.name == STDIN or source.kind not in ("jsonl", "auto"):
        return False
    path = Path(source.name)
    try:
        # Checked before opening: opening a FIFO would wait for a writer.
        if not stat.S_ISREG(path.stat().st_mode):
            return False  # a FIFO or a device: read once, in order, by the main process
        if source.kind == "jsonl":
            return True
        with path.open("rb") as handle:
            return _sniff(handle) == "jsonl"
    except OSError:
        return False  # the ordinary reader reports it


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
        if start < offset:
            yield LineRange(source.name, source.label, start, offset, before, identity)


def _open_unbuffered(path: str, label: str) -> BinaryIO:
    try:
        return Path(path).open("rb", buffering=0)
    except OSError as error:
        raise ParoleScreenError(f"{label}: cannot read: {error.strerror}") from None


def range_items(task: LineRange, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Item]:
    """The items of one range, as :func:`iter_items` gives them for those lines.

    Workers open the file by name, so it must stay in place while the batch runs: a file
    moved, deleted, replaced or cut short since it was scanned is an error, never wrong rows.
    """
    changed = ParoleScreenError(f"{task.label}: the file was moved, replaced or cut short while "
                                "the batch was reading it; run the batch again")
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
    for path in _folder_files(folder):
        label = str(path)
        try:
            data = _read_regular(path, cap + 1)
        except OSError as error:
            yield Item(label, 1, None, Rejected("unreadable", f"cannot read: {error.strerror}"))
            continue
        if data is None:
            yield Item(label, 1, None, Rejected("unreadable", "not a regular file"))
            continue
        tally.bytes_read += len(data)
        if len(data) > cap:
            yield Item(label, 1, None, Rejected(
                "too_large", f"larger than the {cap // 1024} KiB limit for one record"))
            continue
        yield Item(label, 1, None, data.removeprefix(_BOM))


def _read_regular(path: Path, size: int) -> bytes | None:
    """Up to ``size`` bytes of ``path``, or None when it is not a regular file: a FIFO,
    socket or device is never opened. Should one take the file's place between the look
    and the open, the open does not block and the check is made again on what was opened."""
    if not stat.S_ISREG(path.stat().st_mode):
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with open(fd, "rb", closefd=True) as handle:  # noqa: PTH123 - a descriptor, not a path
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read(size)


class _ArrayReader:
    """Stream the elements of a top-level JSON array without loading the whole file.

    The buffer holds the current element and what was read past it; ``json.raw_decode``
    finds where each element ends (retrying with more data when one straddles a read).
    Line and column numbers are tracked so messages point into the file.
    """

    def __init__(self, label: str, stream: IO[bytes], tally: Progress, cap: int) -> None:
        self.label = label
        self.stream = stream
        self.tally = tally
        self.cap = cap
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.raw_decode = json.JSONDecoder().raw_decode
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.bytes_before = 0  # bytes decoded before the current read block
        self.line_base = 1  # line number of buf[0]
        self.col_base = 0  # characters between the start of that line and buf[0]
        self.counted = 0  # buf offset up to which newlines are counted into line_at
        self.line_at = 1

    def _more(self) -> bool:
        if self.eof:
            return False
        block = self.stream.read(_READ_BLOCK)
        self.tally.bytes_read += len(block)
        try:
            text = self.decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            raise _Unreadable("not_utf8", f"not UTF-8 text (byte "
                                          f"{self.bytes_before + error.start})") from None
        self.bytes_before += len(block)
        if not block:
            self.eof = True
        self.buf += text
        return bool(block)

    def _trim(self, *, force: bool = False) -> None:
        """Drop what is already consumed, keeping line and column bookkeeping right."""
        cut = self.pos
        if cut < _READ_BLOCK and not force:
            return
        gone = self.buf[:cut]
        newlines = gone.count("\n")
        if newlines:
            self.line_base += newlines
            self.col_base = cut - gone.rfind("\n") - 1
        else:
            self.col_base += cut
        self.line_at = self.line_base
        self.counted = 0
        self.buf = self.buf[cut:]
        self.pos = 0

    def _line_of(self, offset: int) -> int:
        if offset > self.counted:
            self.line_at += self.buf.count("\n", self.counted, offset)
            self.counted = offset
        return self.line_at

    def _where(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a buffer offset."""
        line = self._line_of(offset)
        start = self.buf.rfind("\n", 0, offset) + 1
        column = offset - start + 1 + (self.col_base if start == 0 else 0)
        return line, column

    def _skip_ws(self) -> str:
        """The next non-blank character (reading more as needed), or "" at the end."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more():
                return ""

    def items(self) -> Iterator[Item]:
        index = 0
        try:
            first = self._skip_ws()
            if first == "{":  # a .json file holding one record
                yield from self._single()
                return
            if not first:  # empty, or only white space: no records, as in an empty .jsonl
                return
            if first != "[":
                yield self._bad(0, self.pos, "expected a JSON array of records, or one "
                                             "record (an object)")
                return
            self.pos += 1
            if self._skip_ws() == "]":
                self.pos += 1
                yield from self._tail(0)
                return
            while True:
                self._trim()
                if not self._skip_ws():
                    yield self._bad(index, self.pos, "the array is not closed")
                    return
                item, ok = self._element(index)
                yield item
                if not ok:
                    return
                index += 1
                nxt = self._skip_ws()
                if nxt == ",":
                    self.pos += 1
                    continue
                if nxt == "]":
                    self.pos += 1
                    yield from self._tail(index)
                    return
                yield self._bad(index, self.pos, "expected ',' or ']' after a record")
                return
        except _Unreadable as problem:
            yield Item(self.label, self._line_of(self.pos), index,
                       Rejected(problem.kind, f"{problem.reason}; the rest of the file was "
                                              "not read"))

    def _element(self, index: int) -> tuple[Item, bool]:
        start = self.pos
        while True:
            try:
                _, end = self.raw_decode(self.buf, start)
            except json.JSONDecodeError as error:
                if len(self.buf) - start <= self.cap and self._more():
                    continue
                if len(self.buf) - start > self.cap:
                    line = self._line_of(start)
                    if not self._skip_value(start):
                        return self._bad(index, len(self.buf), "the array is not closed"), False
                    return Item(self.label, line, index, Rejected(
                        "too_large", f"record larger than the {self.cap // 1024} KiB limit")), True
                return self._bad(index, error.pos, error.msg), False
            except RecursionError:
                return self._bad(index, start, "JSON is nested too deeply"), False
            if end == len(self.buf) and self._more():
                continue  # the element might go on (a number split by a read)
            line = self._line_of(start)
            self.pos = end
            if end - start > self.cap:
                return Item(self.label, line, index, Rejected(
                    "too_large",
                    f"record larger than the {self.cap // 1024} KiB limit")), True
            return Item(self.label, line, index, self.buf[start:end]), True

    def _skip_value(self, start: int) -> bool:
        """Move past an over-long value without holding it: only strings and brackets
        matter. False if the file ends first."""
        pos, depth, in_string = start, 0, False
        if self.buf[start] not in '"[{':  # a bare number or literal: ends at , ] or space
            while (found := _SCALAR_END.search(self.buf, pos)) is None:
                self.pos = len(self.buf)
                self._trim(force=True)
                pos = 0
                if not self._more():
                    return False
            self.pos = found.start()
            return True
        while True:
            found = (_STRING_STOP if in_string else _STRUCTURE).search(self.buf, pos)
            if found is None or (found.group() == "\\" and found.end() >= len(self.buf)):
                self.pos = len(self.buf) if found is None else found.start()
                self._trim(force=True)
                pos = self.pos
                if not self._more():
                    return False
                continue
            char, pos = found.group(), found.end()
            if in_string:
                if char == "\\":
                    pos += 1  # the escaped character, whatever it is
                    continue
                in_string = False
            elif char == '"':
                in_string = True
                continue
            else:
                depth += 1 if char in "[{" else -1
            if depth == 0:
                self.pos = pos
                return True

    def _single(self) -> Iterator[Item]:
        while len(self.buf) <= self.cap and self._more():
            pass
        if len(self.buf) > self.cap:
            reason = f"larger than the {self.cap // 1024} KiB limit for one record"
            yield Item(self.label, 1, None, Rejected(
                "too_large", reason + _json_lines_hint(self.buf, self.pos)))
            return
        yield Item(self.label, 1, None, self.buf[self.pos:])

    def _tail(self, index: int) -> Iterator[Item]:
        if self._skip_ws():
            yield self._bad(index, self.pos, "unexpected data after the array")

    def _bad(self, index: int, offset: int, message: str) -> Item:
        line, column = self._where(offset)
        return Item(self.label, line, index, Rejected(
            "invalid_json", f"invalid JSON at line {line}, column {column}: {message}; "
                            "the rest of the file was not read"))


def _json_lines_hint(text: str, start: int = 0) -> str:
    """A hint for a file meant to hold one JSON value that holds JSON lines: when the value
    at ``start`` is whole and on one line, and an object follows it on a later line; else
    '' (records pretty-printed one after another are not JSON lines)."""
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except (json.JSONDecodeError, RecursionError):
        return ""
    one_line = "\n" not in text[start:end]
    return _JSON_LINES_HINT if one_line and _NEXT_LINE_OBJECT.match(text, end) else ""


class _Unreadable(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _json_items(label: str, stream: IO[bytes], tally: Progress, cap: int) -> Iterator[Item]:
    return _ArrayReader(label, stream, tally, cap).items()


# -- parsing one record ----------------------------------------------------------------------


def parse_record(payload: bytes | str) -> Any:
    """JSON text to a Python value with the stdlib's semantics, at orjson's speed.

    Raises :class:`_Unreadable` (``invalid_json`` or ``not_utf8``) with a message that
    names the position, never the text.
    """
    if orjson is not None:
        try:
            value = orjson.loads(payload)
        except (orjson.JSONDecodeError, RecursionError):  # deep nesting can raise either
            pass  # json decides, and words the message
        else:
            # orjson reads an integer past 64 bits as a float where json keeps it exact:
            # a record with a float where a number can matter is read again by json.
            if not _may_be_inexact(value):
                return value
    if isinstance(payload, bytes):
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Unreadable("not_utf8", f"not UTF-8 text (byte {error.start})") from None
    else:
        text = payload
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = (f"column {error.colno}" if error.lineno == 1
                 else f"line {error.lineno}, column {error.colno}")
        hint = _json_lines_hint(text) if error.msg == "Extra data" else ""
        raise _Unreadable("invalid_json", f"invalid JSON at {where}: {error.msg}{hint}") from None
    except RecursionError:
        raise _Unreadable("invalid_json", "JSON is nested too deeply") from None


def _may_be_inexact(record: Any) -> bool:
    """True when orjson may have read an integer past 64 bits as a float here.

    Only an id or an answer can be a number that the result repeats; a float anywhere
    deeper (inside a list or an object) makes the record invalid whatever its value.
    """
    if type(record) is not dict:
        return type(record) is float
    if float in set(map(type, record.values())):
        return True
    answers = record.get("answers")
    return type(answers) is dict and float in set(map(type, answers.values()))


# Digits become "9", the rest a space: a run of 19 nines is a number that may not fit in
# 64 bits (or digits in a string: then the slow path, which is merely slower).
_DIGITS_ONLY = bytes(0x39 if 0x30 <= code <= 0x39 else 0x20 for code in range(256))
_LONG_NUMBER = b"9" * 19


def parse_many(payloads: Sequence[bytes | str | Rejected]) -> list[Any]:
    """:func:`_parsed` of each payload; a chunk of plain records is read in one go.

    orjson differs from json only on integers past 64 bits (read as floats) and on input it
    refuses; a chunk with neither is parsed without a Python call per record.
    """
    if orjson is not None and all(type(payload) is bytes for payload in payloads):
        raw: Sequence[bytes] = payloads  # type: ignore[assignment]
        if b"\n".join(raw).translate(_DIGITS_ONLY).find(_LONG_NUMBER) < 0:
            try:
                return list(map(orjson.loads, raw))
            except (orjson.JSONDecodeError, RecursionError):
                pass  # some record is bad: each gets its own verdict below
    return [_parsed(payload) for payload in payloads]


def _parsed(payload: bytes | str | Rejected) -> Any:
    if isinstance(payload, Rejected):
        return payload
    try:
        return parse_record(payload)
    except _Unreadable as problem:
        return Rejected(problem.kind, problem.reason)

