"""A record on its way through a batch: where it came from, its payload, and parsing it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..errors import AnswerError
from ..files import MAX_ANSWERS_BYTES
from ..jsonbytes import fast_loads, json_problem, loads_text, raw_decode

#: One record (a JSONL line, an array element, a file in a folder) may not exceed what
#: ``score`` accepts for one answers file.
MAX_RECORD_BYTES = MAX_ANSWERS_BYTES

#: After a whole JSON value: the next one, an object, starting on a later line.
_NEXT_LINE_OBJECT = re.compile(r"[ \t\r]*\n\s*{")
#: After a whole JSON value: the next one, an object, anywhere after it.
_NEXT_OBJECT = re.compile(r"\s*{")
_JSON_LINES_HINT = ("; it looks like one record per line (JSON lines): name the file .jsonl, "
                    "or pass --input-format jsonl")
# `cat *.json | parole-screen batch -` gives this: records written over several lines, one
# after another, which neither a JSON document nor JSON lines can be.
_SEVERAL_DOCUMENTS_HINT = ("; it holds several JSON documents one after another: give one "
                           "record per line (e.g. `jq -c . *.json | parole-screen batch -`), "
                           "or pass the files, or their folder, as INPUTs")


class Rejected(NamedTuple):
    """A record that failed before scoring (unreadable, too large, bad JSON): plain data,
    so that it can cross to a worker process."""

    kind: str
    reason: str


class Item(NamedTuple):
    """One record: where it is, and its JSON text (or why it could not be read)."""

    source: str
    line: int
    element: int | None  # 0-based position in a JSON array, else None
    payload: bytes | str | Rejected


class Progress:
    """Bytes consumed so far, for a progress bar; readers add to it as they go."""

    __slots__ = ("bytes_read",)

    def __init__(self) -> None:
        self.bytes_read = 0


def as_input(record: Any) -> Any:
    """What the engine takes: a record, or an :class:`AnswerError` it passes through for a
    record that could not be read."""
    if isinstance(record, Rejected):
        return AnswerError(record.reason, kind=record.kind)
    return record


def json_lines_hint(text: str, start: int = 0) -> str:
    """A hint for an input meant to hold one JSON value that holds several: when the value
    at ``start`` is whole and an object follows it, JSON lines (the value on one line, the
    object on a later line) or several documents one after another (records written over
    several lines, as ``cat *.json`` gives them); else ''."""
    try:
        _, end = raw_decode(text, start)
    except (json.JSONDecodeError, RecursionError):
        return ""
    if "\n" not in text[start:end] and _NEXT_LINE_OBJECT.match(text, end):
        return _JSON_LINES_HINT
    return _SEVERAL_DOCUMENTS_HINT if _NEXT_OBJECT.match(text, end) else ""


def parse_record(payload: bytes | str) -> Any:
    """JSON text to a Python value with the stdlib's semantics, at orjson's speed.

    Raises :class:`AnswerError` (``invalid_json`` or ``not_utf8``) with a message that
    names the position, never the text.
    """
    if fast_loads is not None:
        try:
            value = fast_loads(payload)
        except (ValueError, RecursionError):  # deep nesting can raise either
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
            raise AnswerError(f"not UTF-8 text (byte {error.start})", kind="not_utf8"
                              ) from None
    else:
        text = payload
    try:
        return loads_text(text)
    except json.JSONDecodeError as error:
        where = (f"column {error.colno}" if error.lineno == 1
                 else f"line {error.lineno}, column {error.colno}")
        hint = json_lines_hint(text) if error.msg == "Extra data" else ""
        raise AnswerError(json_problem(error.msg, where) + hint, kind="invalid_json"
                          ) from None
    except RecursionError:
        raise AnswerError("JSON is nested too deeply", kind="invalid_json") from None


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
    """Each payload parsed as :func:`parse_record` would, or a :class:`Rejected`; a chunk
    of plain records is read in one go.

    orjson differs from json only on integers past 64 bits (read as floats) and on input it
    refuses; a chunk with neither is parsed without a Python call per record.
    """
    if fast_loads is not None and all(type(payload) is bytes for payload in payloads):
        raw: Sequence[bytes] = payloads  # type: ignore[assignment]
        if b"\n".join(raw).translate(_DIGITS_ONLY).find(_LONG_NUMBER) < 0:
            try:
                return list(map(fast_loads, raw))
            except (ValueError, RecursionError):
                pass  # some record is bad: each gets its own verdict below
    return [_parsed(payload) for payload in payloads]


def _parsed(payload: bytes | str | Rejected) -> Any:
    if isinstance(payload, Rejected):
        return payload
    try:
        return parse_record(payload)
    except AnswerError as problem:
        return Rejected(problem.kind, problem.reason)
