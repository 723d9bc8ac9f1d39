"""Streaming the records of a JSON file: the elements of a top-level array one at a time
(never the whole file), or the one record the file holds."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Protocol

from ..errors import AnswerError
from ..jsonbytes import json_problem, raw_decode
from .records import Item, Progress, Rejected, json_lines_hint

_READ_BLOCK = 256 * 1024
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]\s]")
_WS = " \t\r\n"
_NOT_WS = re.compile(r"[^ \t\r\n]")


class Reads(Protocol):
    """What the readers read from: a binary file, or a wrapper of one."""

    def read(self, size: int, /) -> bytes: ...


def json_items(label: str, stream: Reads, tally: Progress, cap: int) -> Iterator[Item]:
    """The records of a JSON file: an array's elements, or the file's one record."""
    return _ArrayReader(label, stream, tally, cap).items()


class _ArrayReader:
    """Stream the elements of a top-level JSON array without loading the whole file.

    The buffer holds the current element and what was read past it; ``json.raw_decode``
    finds where each element ends (retrying with more data when one straddles a read).
    Line and column numbers are tracked so messages point into the file.
    """

    def __init__(self, label: str, stream: Reads, tally: Progress, cap: int) -> None:
        self.label = label
        self.stream = stream
        self.tally = tally
        self.cap = cap
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.raw_decode = raw_decode
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
            raise AnswerError(f"not UTF-8 text (byte {self.bytes_before + error.start})",
                              kind="not_utf8") from None
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
        """The next non-blank character (reading more as needed), or "" at the end.

        White space is skipped at C speed, and a buffer of nothing but white space is
        dropped before more is read: an array padded with 300 MB of it took 196 s and
        625 MB (each character looked at in Python, all of them kept).
        """
        while True:
            buf, pos = self.buf, self.pos
            if pos < len(buf) and buf[pos] not in _WS:  # the usual case: no white space
                return buf[pos]
            found = _NOT_WS.search(buf, pos)
            if found is not None:
                self.pos = found.start()
                return found.group()
            self.pos = len(buf)
            self._trim(force=True)
            if not self._more():
                return ""

    def items(self) -> Iterator[Item]:
        index = 0
        try:
            opening = self._opening()
            if opening is not None:
                yield from opening
                return
            while True:  # one pass per record, kept inline: this is batch's per-record path
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
        except AnswerError as problem:
            yield Item(self.label, self._line_of(self.pos), index,
                       Rejected(problem.kind, f"{problem.reason}; the rest of the file was "
                                              "not read"))

    def _opening(self) -> Iterator[Item] | None:
        """Read up to the first element of the array: None when elements follow, else the
        items of a file that has none (its one record, nothing, an error or ``[]``)."""
        first = self._skip_ws()
        if first == "{":  # a .json file holding one record
            return self._single()
        if not first:  # empty, or only white space: no records, as in an empty .jsonl
            return iter(())
        if first != "[":
            return iter((self._bad(0, self.pos, "expected a JSON array of records, or one "
                                                "record (an object)"),))
        self.pos += 1
        if self._skip_ws() == "]":
            self.pos += 1
            return self._tail(0)
        return None

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
        if self.buf[start] not in '"[{':
            return self._skip_scalar(start)
        pos, depth, in_string = start, 0, False
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

    def _skip_scalar(self, start: int) -> bool:
        """Move past an over-long bare number or literal: it ends at ``,``, ``]`` or
        white space. False if the file ends first."""
        pos = start
        while (found := _SCALAR_END.search(self.buf, pos)) is None:
            self.pos = len(self.buf)
            self._trim(force=True)
            pos = 0
            if not self._more():
                return False
        self.pos = found.start()
        return True

    def _single(self) -> Iterator[Item]:
        while len(self.buf) <= self.cap and self._more():
            pass
        if len(self.buf) > self.cap:
            reason = f"larger than the {self.cap // 1024} KiB limit for one record"
            yield Item(self.label, 1, None, Rejected(
                "too_large", reason + json_lines_hint(self.buf, self.pos)))
            return
        yield Item(self.label, 1, None, self.buf[self.pos:])

    def _tail(self, index: int) -> Iterator[Item]:
        if self._skip_ws():
            yield self._bad(index, self.pos, "unexpected data after the array")

    def _bad(self, index: int, offset: int, message: str) -> Item:
        line, column = self._where(offset)
        return Item(self.label, line, index, Rejected(
            "invalid_json", json_problem(message, f"line {line}, column {column}")
            + "; the rest of the file was not read"))

