"""Batch scoring: stream many answers records through the engine, in order, into one output.

No terminal I/O here: :mod:`parole_screen.cli_batch` owns the progress bar and the summary.

The pipeline, one stage per concern::

    readers  ->  chunks of (source, line, index, payload)  ->  scorer  ->  encoded bytes  ->  out
    (main process: I/O only)          (in-process, or one of N worker processes)      (main)

* **Readers** (:func:`iter_items`) yield one item per record and never hold more than one
  record (plus a read buffer) in memory: JSONL line by line with a size cap per line, JSON
  arrays element by element, folders file by file. A record that cannot even be read (over
  the cap, not UTF-8) becomes a :class:`Rejected` payload, so it still gets its row.
* **The scorer** (:class:`Scorer`) parses, scores (through :func:`engine.screen_many`) and
  encodes a whole chunk, and counts what the summary needs. The same code runs in-process
  (``jobs=1``) and in workers, so every ``--jobs`` value gives the same bytes.
* **The runner** (:func:`run_batch`) keeps at most a few chunks in flight, writes them in input
  order and stops early for ``fail_fast``.

Error rows never contain answer values: messages name the source, line or index, record id
and field (the engine's own messages list the allowed values, never the given one).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import errno
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from .engine import screen_many
from .errors import AnswerError, OutputExistsError, ParoleScreenError
from .files import MAX_ANSWERS_BYTES
from .loader import load_pack
from .pack import RulePack

orjson: Any
try:  # orjson is a dependency; the fallback keeps a source checkout without it working.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is missing
    orjson = None

INPUT_FORMATS = ("json", "jsonl")
OUTPUT_FORMATS = ("jsonl", "csv", "json")
INPUT_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl"}
OUTPUT_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
STDIN = "-"
STDIN_LABEL = "<stdin>"
#: One record (a JSONL line, an array element, a file in a folder) may not exceed what
#: ``score`` accepts for one answers file.
MAX_RECORD_BYTES = MAX_ANSWERS_BYTES
#: Records per chunk: small enough that a chunk of ~20 KB results stays a few MB.
CHUNK_RECORDS = 256
ERROR_SCHEMA = "parole-screen/error@1"
CHANGE_SCHEMA = "parole-screen/change@1"
ERROR_KINDS = ("invalid_json", "not_utf8", "too_large", "not_an_object", "bad_record",
               "unknown_question", "wrong_type", "unreadable")

_READ_BLOCK = 256 * 1024
_BOM = codecs.BOM_UTF8
_JSON_WS = b" \t\r\n"
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]\s]")
_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


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


class ChunkOut(NamedTuple):
    """What scoring one chunk gives back to the runner."""

    data: bytes
    rows: int
    records: int
    rejected: int
    counts: Counter[str]
    stopped: bool  # fail_fast hit a rejected record; ``data`` ends with its row
    spool: str | None = None  # a worker's rows are in this file instead of ``data``


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
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json" and p.is_file())
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


def _jsonl_items(label: str, stream: IO[bytes], tally: Progress, cap: int) -> Iterator[Item]:
    """One item per non-blank line; CRLF and a leading UTF-8 BOM are fine."""
    readline = stream.readline
    number = 0
    while True:
        line = readline(cap + 1)
        if not line:
            return
        number += 1
        tally.bytes_read += len(line)
        if len(line) > cap and not line.endswith(b"\n"):
            while True:  # skip the rest of the over-long line without keeping it
                rest = readline(_READ_BLOCK)
                tally.bytes_read += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield Item(label, number, None, Rejected(
                "too_large", f"line longer than the {cap // 1024} KiB limit for one record"))
            continue
        if number == 1 and line.startswith(_BOM):
            line = line[3:]
        line = line.strip(_JSON_WS)
        if line:
            yield Item(label, number, None, line)


def _folder_items(folder: Path, tally: Progress, cap: int) -> Iterator[Item]:
    """One item per ``*.json`` file, in name order; each file holds one record."""
    for path in _folder_files(folder):
        label = str(path)
        try:
            with path.open("rb") as handle:
                data = handle.read(cap + 1)
        except OSError as error:
            yield Item(label, 1, None, Rejected("unreadable", f"cannot read: {error.strerror}"))
            continue
        tally.bytes_read += len(data)
        if len(data) > cap:
            yield Item(label, 1, None, Rejected(
                "too_large", f"larger than the {cap // 1024} KiB limit for one record"))
            continue
        yield Item(label, 1, None, data.removeprefix(_BOM))


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
            if first != "[":
                yield self._bad(0, self.pos, "expected a JSON array of records")
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
            yield Item(self.label, 1, None, Rejected(
                "too_large", f"larger than the {self.cap // 1024} KiB limit for one record"))
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
        except orjson.JSONDecodeError:
            pass  # json decides, and words the message
        else:
            # orjson reads an integer past 64 bits as a float where json keeps it exact:
            # a record holding any float is read again by json, so both agree.
            try:
                exact = not _has_float(value)
            except RecursionError:
                raise _Unreadable("invalid_json", "JSON is nested too deeply") from None
            if exact:
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
        raise _Unreadable("invalid_json", f"invalid JSON at {where}: {error.msg}") from None
    except RecursionError:
        raise _Unreadable("invalid_json", "JSON is nested too deeply") from None


def _has_float(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return True
    if kind is dict or kind is list:
        for item in value.values() if kind is dict else value:
            kind = type(item)
            if kind is float or ((kind is dict or kind is list) and _has_float(item)):
                return True
    return False


def error_kind(error: AnswerError) -> str:
    """Classify an engine :class:`AnswerError` for the summary."""
    reason = error.reason
    if reason.startswith("unknown question id"):
        return "unknown_question"
    if reason == "a record must be a JSON object":
        return "not_an_object"
    if error.field in ("id", "answers") or reason.startswith("unexpected top-level key"):
        return "bad_record"
    return "wrong_type"


def _record_id(record: Any) -> str | None:
    if isinstance(record, Mapping):
        value = record.get("id")
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
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
        records = [_parsed(item.payload) for item in items]
        if self.baseline is not None:
            return self._compare_chunk(items, records)
        counts: Counter[str] = Counter()
        rows: list[Any] = []
        rejected = 0
        outcomes = screen_many(self.pack, map(_as_input, records), self.options.as_of)
        for item, record, outcome in zip(items, records, outcomes, strict=True):
            if isinstance(outcome, AnswerError):
                rejected += 1
                rows.append(self._error_row(item, record, outcome, counts))
                if self.options.fail_fast:
                    return ChunkOut(self._join(rows), len(rows), len(rows), rejected, counts,
                                    True)
                continue
            counts["status:" + outcome["status"]] += 1
            counts["top:" + (outcome["top_category"] or "none")] += 1
            for cid, cat in outcome["categories"].items():
                counts[f"band:{cid}:{cat['band']}"] += 1
            for flag in outcome["flags"]:
                counts["flag:" + flag["id"]] += 1
            rows.append(self._result_row(item, outcome))
        return ChunkOut(self._join(rows), len(rows), len(rows), rejected, counts, False)

    # rows ---------------------------------------------------------------------------------

    def _result_row(self, item: Item, result: dict[str, Any]) -> Any:
        if self.fmt != "csv":
            return dumps(result, self.lines)
        cats = result["categories"]
        return [_cell(result["id"] or ""), _cell(item.source), item.line, result["status"],
                result["top_category"] or "", *(cats[cid]["band"] for cid in self.category_ids),
                ";".join(flag["id"] for flag in result["flags"]), ";".join(result["missing"]),
                "", ""]

    def _error_row(self, item: Item, record: Any, error: AnswerError,
                   counts: Counter[str]) -> Any:
        """The row for a rejected record; ``record`` is the parsed JSON or a Rejected."""
        record_id = _record_id(record)
        where = _position(item, record_id)
        if isinstance(record, Rejected):
            kind, field_name = record.kind, None
            message = str(AnswerError(record.reason, source=item.source, record=where))
        else:
            kind, field_name = error_kind(error), error.field
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

    def _join(self, rows: list[Any]) -> bytes:
        if not rows:
            return b""
        if self.fmt == "csv":
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            return text.getvalue().encode("utf-8")
        if self.fmt == "json":
            return b",\n".join(rows)
        return b"".join(rows)  # JSONL rows end with their newline

    # comparing two packs ------------------------------------------------------------------

    def _compare_chunk(self, items: Sequence[Item], records: list[Any]) -> ChunkOut:
        assert self.baseline is not None
        counts: Counter[str] = Counter()
        rows: list[Any] = []
        rejected = done = 0
        day = self.options.as_of
        new = screen_many(self.pack, map(_as_input, records), day)
        old = screen_many(self.baseline, map(_as_input, records), day)
        for item, record, after, before in zip(items, records, new, old, strict=True):
            done += 1
            if isinstance(after, AnswerError) or isinstance(before, AnswerError):
                if isinstance(after, AnswerError):
                    problem = after
                else:
                    assert isinstance(before, AnswerError)
                    problem = AnswerError(f"under the old rules: {before.reason}",
                                          field=before.field)
                rejected += 1
                rows.append(self._error_row(item, record, problem, counts))
                if self.options.fail_fast:
                    return ChunkOut(self._join(rows), len(rows), done, rejected, counts, True)
                continue
            change = compare_results(before, after)
            if not change:
                counts["compare:unchanged"] += 1
                continue
            counts["compare:changed"] += 1
            for what in change:
                counts["change:" + what] += 1
            if before["top_category"] != after["top_category"]:
                counts[f"move:{before['top_category'] or 'none'} -> "
                       f"{after['top_category'] or 'none'}"] += 1
            rows.append(self._change_row(item, before, after, change))
        return ChunkOut(self._join(rows), len(rows), done, rejected, counts, False)

    def _change_row(self, item: Item, before: dict[str, Any], after: dict[str, Any],
                    change: list[str]) -> Any:
        if self.fmt != "csv":
            return dumps({"schema": CHANGE_SCHEMA, "id": after["id"], "source": item.source,
                          "line": item.line, "index": item.element, "changes": change,
                          "old": _decision(before), "new": _decision(after)}, self.lines)
        old_flags = {flag["id"] for flag in before["flags"]}
        new_flags = {flag["id"] for flag in after["flags"]}
        bands = []
        for cid in self.category_ids:
            bands += [before["categories"].get(cid, {}).get("band", ""),
                      after["categories"][cid]["band"]]
        return [_cell(after["id"] or ""), _cell(item.source), item.line, " ".join(change),
                before["top_category"] or "", after["top_category"] or "", *bands,
                ";".join(sorted(new_flags - old_flags)), ";".join(sorted(old_flags - new_flags)),
                before["status"], after["status"], "", ""]


def _parsed(payload: bytes | str | Rejected) -> Any:
    if isinstance(payload, Rejected):
        return payload
    try:
        return parse_record(payload)
    except _Unreadable as problem:
        return Rejected(problem.kind, problem.reason)


def _as_input(record: Any) -> Any:
    """What :func:`screen_many` takes: a record, or an :class:`AnswerError` to pass through."""
    return AnswerError(record.reason) if isinstance(record, Rejected) else record


def _decision(result: dict[str, Any]) -> dict[str, Any]:
    return {"rule_pack": result["rule_pack"], "status": result["status"],
            "missing": result["missing"], "top_category": result["top_category"],
            "bands": {cid: cat["band"] for cid, cat in result["categories"].items()},
            "flags": sorted(flag["id"] for flag in result["flags"])}


def compare_results(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two results of one record: ``top_category``, ``bands.<id>``,
    ``flags`` and ``status``, in that order (empty when the decision is the same)."""
    change = []
    if before["top_category"] != after["top_category"]:
        change.append("top_category")
    for cid in sorted(set(before["categories"]) | set(after["categories"])):
        old = before["categories"].get(cid, {}).get("band")
        if old != after["categories"].get(cid, {}).get("band"):
            change.append(f"bands.{cid}")
    if {f["id"] for f in before["flags"]} != {f["id"] for f in after["flags"]}:
        change.append("flags")
    if before["status"] != after["status"] or before["missing"] != after["missing"]:
        change.append("status")
    return change


# -- worker processes ------------------------------------------------------------------------

_WORKER: Scorer | ParoleScreenError | None = None
_SPOOL = ""


def _worker_init(pack_path: str, pack_hash: str, baseline_path: str | None,
                 baseline_hash: str | None, options: BatchOptions, spool: str) -> None:
    """Load the pack(s) once per worker, from their paths, and refuse a pack that changed.

    A failure is kept and raised by the first chunk: an initializer that raises would make
    the pool start new workers forever.
    """
    import gc
    import signal

    global _WORKER, _SPOOL
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    _SPOOL = spool
    try:
        pack = _load_same(pack_path, pack_hash)
        baseline = _load_same(baseline_path, baseline_hash) if baseline_path else None
    except ParoleScreenError as error:
        _WORKER = ParoleScreenError(str(error))  # PackError does not survive pickling
        return
    _WORKER = Scorer(pack, options, baseline)
    _tune_gc(gc)


def _load_same(path: str, expected: str | None) -> RulePack:
    pack = load_pack(path)
    if pack.content_hash != expected:
        raise ParoleScreenError(f"{path}: the rule pack changed while the batch was starting; "
                                "run it again")
    return pack


def _worker_chunk(number: int, items: list[Item]) -> ChunkOut:
    """Score a chunk and leave its rows in a private spool file.

    Rows are ~20 KB per record: piping them back through the pool (pickled, copied four
    times) cost the main process more CPU than it saved. A file written once and handed
    to the output with ``sendfile`` costs almost nothing.
    """
    if not isinstance(_WORKER, Scorer):
        raise _WORKER or ParoleScreenError("internal error: worker not initialised")
    result = _WORKER.chunk(items)
    path = os.path.join(_SPOOL, f"{number}.part")  # noqa: PTH118 - a plain string for pickling
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(result.data)
    return result._replace(data=b"", spool=path)


#: One result allocates several hundred containers before it is freed, so the default
#: threshold (700) runs a collection for nearly every record; measured, that cost a quarter
#: of the scoring time. Results are acyclic and freed by reference counting, so collect
#: rarely, and freeze what is already loaded (the pack) out of the collector's sight.
_GC_THRESHOLD = 50_000


def _tune_gc(gc: Any) -> tuple[int, int, int]:
    previous: tuple[int, int, int] = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, *previous[1:])
    return previous


def resolve_jobs(jobs: int) -> int:
    if jobs < 0:
        raise ParoleScreenError("--jobs must be 0 (all cores) or a positive number")
    if jobs == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    return jobs


# -- the runner ------------------------------------------------------------------------------


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer:
    """Frames the chunks for the output format (JSON array brackets, CSV header)."""

    def __init__(self, out: IO[bytes], fmt: str, header: list[str]) -> None:
        self.out = out
        self.fmt = fmt
        self.first = True
        if fmt == "csv":
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerow(header)
            out.write(text.getvalue().encode("utf-8"))

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._frame()
        self.out.write(data)

    def write_file(self, path: str) -> None:
        """Append a spool file's bytes, by ``sendfile`` when ``out`` is a real file."""
        with open(path, "rb") as part:  # noqa: PTH123 - a descriptor for sendfile
            size = os.fstat(part.fileno()).st_size
            if not size:
                return
            self._frame()
            sent = 0
            target = _descriptor(self.out)
            if target is not None:
                self.out.flush()
                try:
                    while sent < size:
                        step = os.sendfile(target, part.fileno(), sent, size - sent)
                        if not step:
                            break
                        sent += step
                except OSError as error:
                    if sent or error.errno not in (errno.EINVAL, errno.ENOSYS, errno.EBADF):
                        raise
            if sent < size:
                part.seek(sent)
                shutil.copyfileobj(part, self.out, 1024 * 1024)

    def _frame(self) -> None:
        if self.fmt == "json":
            self.out.write(b"[\n" if self.first else b",\n")
        self.first = False

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write(b"[]\n" if self.first else b"\n]\n")
        self.out.flush()


def _descriptor(out: IO[bytes]) -> int | None:
    if not hasattr(os, "sendfile"):  # pragma: no cover - not on Linux or macOS
        return None
    try:
        return out.fileno()
    except (AttributeError, OSError, ValueError):  # BytesIO and friends
        return None


def run_batch(pack: RulePack, sources: Sequence[InputSource], out: IO[bytes],
              options: BatchOptions, *, jobs: int = 1, baseline: RulePack | None = None,
              progress: Progress | None = None,
              on_chunk: Callable[[BatchStats], None] | None = None) -> BatchStats:
    """Score every record of ``sources`` into ``out`` in input order; return the totals.

    With ``jobs`` > 1 the chunks are scored by that many worker processes, each loading
    the pack from ``pack.path``; the output is byte-for-byte the same as with one job.
    With a ``baseline`` pack, only records whose decision differs are written (change rows).
    """
    if options.output_format not in OUTPUT_FORMATS:
        raise ParoleScreenError(f"unknown output format '{options.output_format}'")
    stats = BatchStats()
    started = time.perf_counter()
    categories = [entry.category.id for entry in pack.categories]
    writer = _Writer(out, options.output_format,
                     csv_header(categories, compare=baseline is not None))
    chunks = _chunks(iter_items(sources, progress), options.chunk_records)

    def take(result: ChunkOut) -> bool:
        if result.spool is not None:
            writer.write_file(result.spool)
            Path(result.spool).unlink()
        else:
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
        import gc

        scorer = Scorer(pack, options, baseline)
        previous = _tune_gc(gc)
        try:
            for chunk in chunks:
                if not take(scorer.chunk(chunk)):
                    break
        finally:
            gc.set_threshold(*previous)
            gc.unfreeze()
    else:
        _run_pool(pack, baseline, options, jobs, chunks, take)
    writer.close()
    stats.seconds = time.perf_counter() - started
    return stats


def _run_pool(pack: RulePack, baseline: RulePack | None, options: BatchOptions, jobs: int,
              chunks: Iterator[list[Item]], take: Callable[[ChunkOut], bool]) -> None:
    """Score chunks in ``jobs`` processes, writing them in order.

    ``Pool.imap`` would do, except that its feeder thread drains the input iterator as fast
    as it can, so memory would grow with the input. Here at most ``2 * jobs`` chunks are in
    flight: the reader waits for the writer, and memory stays flat.
    """
    import multiprocessing

    spool = tempfile.mkdtemp(prefix="parole-screen-batch-")  # 0700; rows hold answers
    init_args = (str(pack.path), pack.content_hash,
                 str(baseline.path) if baseline else None,
                 baseline.content_hash if baseline else None, options, spool)
    window = 2 * jobs
    try:
        with multiprocessing.Pool(jobs, initializer=_worker_init, initargs=init_args) as pool:
            pending: deque[Any] = deque()
            for number, chunk in enumerate(chunks):
                pending.append(pool.apply_async(_worker_chunk, (number, chunk)))
                if len(pending) >= window and not take(pending.popleft().get()):
                    return
            while pending:
                if not take(pending.popleft().get()):
                    return
    finally:
        shutil.rmtree(spool, ignore_errors=True)


# -- output ----------------------------------------------------------------------------------


def output_format_for(fmt: str | None, out: Path | None) -> str:
    """The explicit format, else the one ``out``'s suffix names, else JSONL."""
    if fmt:
        return fmt
    if out is not None:
        return OUTPUT_SUFFIXES.get(out.suffix.lower(), "jsonl")
    return "jsonl"


@contextlib.contextmanager
def private_output(path: Path, *, force: bool = False) -> Iterator[IO[bytes]]:
    """Stream into a 0600 temporary file beside ``path``; replace ``path`` only on success.

    Refuses an existing ``path`` unless ``force``. On any error (or Ctrl-C) the temporary
    file is removed and ``path`` is left as it was.
    """
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputExistsError(f"{path}: already exists; use --force to replace it")
    if path.exists() and not path.is_file():
        raise ParoleScreenError(f"{path}: not a regular file; write to stdout and redirect "
                                "instead")
    directory = path.parent if str(path.parent) else Path()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        handle = os.fdopen(fd, "wb", buffering=1024 * 1024)
    except OSError as error:  # pragma: no cover - a fresh descriptor
        _discard(temp)
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists() and not force:
            raise OutputExistsError(f"{path}: appeared while the batch ran; use --force to "
                                    "replace it")
        Path(temp).replace(path)
    except OSError as error:
        _discard(temp)
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    except BaseException:
        _discard(temp)
        raise


def _discard(temp: str) -> None:
    with contextlib.suppress(OSError):
        Path(temp).unlink()
