"""A batch's rows as bytes: error rows, CSV headers and cells, and a chunk's rows joined for
its output format (JSONL, CSV or a JSON array).

Error rows never contain answer values: messages name the source, line or index, record id
and field (the engine's own messages list the allowed values, never the given one).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

from ..errors import AnswerError, clipped
from ..jsonbytes import dumps, whole_number_text
from .records import Item, Rejected

OUTPUT_FORMATS = ("jsonl", "csv", "json")
ERROR_SCHEMA = "parole-screen/error@1"
ERROR_KINDS = ("invalid_json", "not_utf8", "too_large", "not_an_object", "bad_record",
               "unknown_question", "wrong_type", "unreadable")

_NEWLINE = (b"\n",)
_COMMA_LINE = (b",\n",)
_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")

#: A chunk's rows: bytes, or pieces whose join they are (written as they are, with
#: ``os.writev`` where the output is a descriptor: a chunk of results is some 20 MB).
Rows = bytes | list[bytes]


class ChunkRows(NamedTuple):
    """One chunk scored: its rows, and what the summary counts of it."""

    data: Rows
    rows: int
    records: int
    rejected: int
    counts: Counter[str]
    stopped: bool  # fail_fast hit a rejected record; ``data`` ends with its row
    #: The scored records' ids, hashed (``array('q')`` bytes: 8 a record with an id), so the
    #: summary can count the ids used more than once without keeping the ids.
    ids: bytes = b""
    no_id: int = 0  # scored records without an id
    stopped_by: str = ""  # when stopped: the message of the record that stopped it


def cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (nor after trimming the
    spaces in front of it, as an import may)."""
    return "'" + value if value.lstrip(" ").startswith(_CSV_RISKY) else value


def csv_header(category_ids: Sequence[str], *, compare: bool = False) -> list[str]:
    if compare:
        return ["id", "source", "line", "changes", "top_category_old", "top_category_new",
                *(f"{cid}_{age}" for cid in category_ids for age in ("old", "new")),
                "flags_added", "flags_removed", "status_old", "status_new", "error_kind",
                "error"]
    return ["id", "source", "line", "status", "top_category", *category_ids, "flags",
            "missing", "error_kind", "error"]


def csv_bytes(rows: Sequence[Sequence[Any] | str]) -> bytes:
    """CSV rows as bytes: a row is its cells, or a line made by :func:`csv_lines`."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")  # one writer for the chunk
    for row in rows:
        if isinstance(row, str):
            text.write(row + "\n")
        else:
            writer.writerow(row)
    return text.getvalue().encode("utf-8")


def csv_lines(columns: Sequence[Iterable[str]]) -> Iterator[str]:
    """Rows given column by column (cells as text), each as the line ``csv.writer`` writes
    (without its newline). A chunk's rows share most cells (statuses, bands, flags), so
    each distinct cell is spelt once, by the csv module itself, instead of once a row."""
    return map(",".join, zip(*[_csv_cells(column) for column in columns], strict=True))


def _csv_cells(column: Iterable[str]) -> list[str]:
    """A column's cells as ``csv.writer`` spells them: most need no quotes, and then
    the column is left as it is."""
    column = list(column)
    quoted = {}
    for value in set(column):
        spelt = _csv_cell(value) if not value.isalnum() else value  # ids, line numbers
        if spelt != value:
            quoted[value] = spelt
    if not quoted:
        return column
    return [quoted.get(value, value) for value in column]


@lru_cache(maxsize=4096)  # bands, statuses, flag lists: a few values, met in every chunk
def _csv_cell(value: str) -> str:
    """One cell as ``csv.writer`` spells it in a row of several (quoted if need be)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow([value, ""])
    return text.getvalue()[:-2]  # less the empty second cell: its comma and the newline


def record_id(record: Any) -> str | None:
    """A record's id as its error row shows it, if it has a usable one."""
    if isinstance(record, Mapping):
        value = record.get("id")
        if isinstance(value, str):
            # An id with lone surrogates is rejected, but its error row must still be
            # writable in every format.
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        if isinstance(value, int) and not isinstance(value, bool):
            return whole_number_text(value)
    return None


def position(item: Item, found_id: str | None) -> str:
    """How an error message names the record: ``line 12 (id R7)``, ``index 3, line 14``."""
    where = (f"index {item.element}, line {item.line}" if item.element is not None
             else f"line {item.line}")
    return f"{where} (id {clipped(found_id)})" if found_id is not None else where


class RowFormat:
    """How one batch writes rows: the format, the pack's categories (CSV columns) and
    whether rows are change rows (``--compare-rules``)."""

    def __init__(self, fmt: str, category_ids: Sequence[str], *, compare: bool = False) -> None:
        self.fmt = fmt
        self.lines = fmt == "jsonl"  # rows end with a newline
        self.category_ids = list(category_ids)
        self.header = csv_header(self.category_ids, compare=compare)

    @staticmethod
    def rejection(item: Item, record: Any, error: AnswerError) -> tuple[str, str | None, str]:
        """Why a record was rejected: its error's kind, field and message, the message
        naming the source and the record."""
        where = position(item, record_id(record))
        if isinstance(record, Rejected):
            return record.kind, None, str(AnswerError(record.reason, kind=record.kind,
                                                      source=item.source, record=where))
        return error.kind, error.field, str(error.located(source=item.source, record=where))

    def error_row(self, item: Item, record: Any, error: AnswerError,
                  counts: Counter[str]) -> Any:
        """The row for a rejected record, counted; ``record`` is the parsed JSON or a
        Rejected."""
        found_id = record_id(record)
        kind, field_name, message = self.rejection(item, record, error)
        counts["error:" + kind] += 1
        counts["status:error"] += 1
        if self.fmt == "csv":
            cells: dict[str, Any] = dict.fromkeys(self.header, "")
            cells.update(id=cell(found_id or ""), source=cell(item.source), line=item.line,
                         error_kind=kind, error=cell(message))
            if "status" in cells:
                cells["status"] = "error"
            return list(cells.values())
        return dumps({"schema": ERROR_SCHEMA, "id": found_id, "status": "error",
                      "source": item.source, "line": item.line, "index": item.element,
                      "error": {"kind": kind, "field": field_name, "message": message}},
                     self.lines)

    def join(self, rows: list[Any]) -> Rows:
        """The rows as the writer takes them: CSV as bytes, JSON rows as their pieces (not
        joined: a chunk with an error row then costs no more memory than one without).

        A JSON row is bytes (error and change rows; JSONL ones end with a newline) or the
        pieces of a result (a tuple), which end without one.
        """
        if not rows:
            return b""
        if self.fmt == "csv":
            return csv_bytes(rows)
        pieces: list[Sequence[bytes]] = []
        if self.fmt == "json":
            for row in rows:
                pieces += [row if isinstance(row, tuple) else (row,), _COMMA_LINE]
            pieces.pop()
        else:
            for row in rows:
                pieces += [row, _NEWLINE] if isinstance(row, tuple) else [(row,)]
        return list(chain.from_iterable(pieces))
