"""A chunk of records as columns of answers, and the bit masks conditions compute over them.

The engine scores records a chunk at a time (a few hundred). :class:`AnswerColumns` holds
one column per question (the typed answer of every record in the chunk, ``None`` where
unanswered), and a condition is evaluated once per chunk, not once per record: its result
is a pair of masks ``(true, false)``, Python integers with bit ``8 * i`` set for record
``i`` (one byte per record, so a mask converts to and from ``bytes`` at C speed). Records in
neither mask are *unknown*. Three-valued ``all``/``any``/``not`` are then a few integer
operations for the whole chunk: for 256 records, one ``&`` instead of 256 calls.

This module sits beside :mod:`parole_screen.conditions`, not inside the engine package:
the loader compiles conditions, the pack holds them, and they evaluate over these columns,
so both come before the pack that the engine reads.

A leaf compares a column with its operand. Columns with at most 255 distinct answers (every
choice, yes/no and country question, and most others in practice) are coded as one byte per
record; the leaf then tests each distinct value once and maps the codes through a 256-byte
table with ``bytes.translate``. Other columns still test each distinct answer once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from itertools import repeat
from operator import contains, is_not
from typing import Any, NamedTuple

Masks = tuple[int, int]  # (true, false); the rest of the chunk is unknown
Tri = bool | None
_NOT_NONE = bytes([0, *([1] * 255)])  # code 0 is always None's (see AnswerColumns.encoded)
_NO_MEMBERS: frozenset[Any] = frozenset()


class EvalContext(NamedTuple):
    """What a condition may read besides the answers: the as-of date and dated lists."""

    as_of: dt.date
    as_of_ordinal: int
    lists: Mapping[str, frozenset[str]]


class AnswerColumns:
    """A chunk of records as columns of typed answers, with per-chunk caches.

    ``columns`` maps a question id to a list holding one value per record. Every mask and
    code computed from a column is cached, so a column must not change once read, except
    through :meth:`drop`, which the engine uses before anything reads that question.
    """

    __slots__ = ("_codes", "_known", "_members", "_sets", "columns", "ctx", "full", "memo", "n")

    def __init__(self, columns: dict[str, list[Any]], n: int, ctx: EvalContext,
                 coded: Mapping[str, tuple[bytes, list[Any]]] | None = None) -> None:
        self.columns = columns
        self.n = n
        self.ctx = ctx
        self.full = int.from_bytes(b"\x01" * n, "little")
        self.memo: dict[object, Masks] = {}  # condition -> its masks for this chunk
        # Codes already made while checking the answers (see answers.TypedColumns).
        self._codes: dict[str, tuple[bytes, list[Any]] | None] = dict(coded or {})
        self._known: dict[str, int] = {}
        self._members: dict[tuple[str, Any], int] = {}
        self._sets: dict[str, list[Any]] = {}  # by question: each record's set, empty if None

    @classmethod
    def of_one(cls, answers: Mapping[str, Any], ctx: EvalContext) -> AnswerColumns:
        """A chunk of a single record (the interview and ``score`` use this)."""
        return cls({qid: [value] for qid, value in answers.items()}, 1, ctx)

    def column(self, qid: str) -> list[Any]:
        """Every record's typed answer to ``qid`` (None where unanswered)."""
        found = self.columns.get(qid)
        if found is None:
            coded = self._codes.get(qid)  # a column may come as codes only
            found = self.columns[qid] = (list(map(coded[1].__getitem__, coded[0])) if coded
                                         else [None] * self.n)
        return found

    def encoded(self, qid: str) -> tuple[bytes, list[Any]] | None:
        """(one code byte per record, the value of each code), or None past 255 answers.

        Code 0 always stands for None (unanswered), so "answered" is one translate away.
        """
        if qid in self._codes:
            return self._codes[qid]
        column = self.column(qid)
        distinct = set(column)
        distinct.discard(None)
        found: tuple[bytes, list[Any]] | None = None
        if len(distinct) < 256:
            values: list[Any] = [None, *distinct]
            index = {value: code for code, value in enumerate(values)}
            # 1, 1.0 and True are equal keys: a number column then shares one code for
            # equal numbers, which every operator treats alike.
            found = (bytes(map(index.__getitem__, column)), values)
        self._codes[qid] = found
        return found

    def known(self, qid: str) -> int:
        """The mask of records that answered ``qid``."""
        found = self._known.get(qid)
        if found is None:
            coded = self.encoded(qid)
            if coded is not None:
                found = int.from_bytes(coded[0].translate(_NOT_NONE), "little")
            else:
                found = int.from_bytes(bytes(map(is_not, self.column(qid), repeat(None))),
                                       "little")
            self._known[qid] = found
        return found

    def test(self, qid: str, predicate: Callable[[Any], bool]) -> Masks:
        """The masks of ``predicate(value)`` over the answered records of column ``qid``."""
        coded = self.encoded(qid)
        if coded is not None:
            codes, values = coded
            table = bytearray(256)
            for code in range(1, len(values)):
                if predicate(values[code]):
                    table[code] = 1
            true = int.from_bytes(codes.translate(table), "little")
        else:  # too many distinct answers to code: still test each one once
            column = self.column(qid)
            truth = {value: 1 if predicate(value) else 0 for value in set(column)
                     if value is not None}
            truth[None] = 0
            true = int.from_bytes(bytes(map(truth.__getitem__, column)), "little")
        return true, self.known(qid) & ~true

    def holding(self, qid: str, member: Any) -> int:
        """The mask of records whose answer to ``qid`` (a set: multi-choice) holds ``member``.

        Many-choice answers seldom repeat within a chunk (too many to code), so each member
        is looked up in every record's set at C speed instead of testing each distinct set.
        """
        key = (qid, member)
        found = self._members.get(key)
        if found is None:
            coded = self.encoded(qid)
            if coded is not None:
                codes, values = coded
                table = bytes([0, *(member in value for value in values[1:])]).ljust(256, b"\0")
                found = int.from_bytes(codes.translate(table), "little")
            else:
                sets = self._sets.get(qid)
                if sets is None:
                    sets = self._sets[qid] = [_NO_MEMBERS if value is None else value
                                              for value in self.column(qid)]
                found = int.from_bytes(bytes(map(contains, sets, repeat(member))), "little")
            self._members[key] = found
        return found

    def drop(self, qid: str, mask: int) -> None:
        """Forget the answers of ``qid`` in the records of ``mask`` (not asked for them)."""
        column = self.column(qid)
        for index in positions(mask, self.n):
            column[index] = None
        self._codes.pop(qid, None)
        self._known.pop(qid, None)
        self._sets.pop(qid, None)
        for key in [key for key in self._members if key[0] == qid]:
            del self._members[key]

    def tri_bytes(self, masks: Masks) -> bytes:
        """One byte per record: 0 false, 1 true, 2 unknown."""
        true, false = masks
        unknown = self.full & ~(true | false)
        return (true + (unknown << 1)).to_bytes(self.n, "little")


def positions(mask: int, n: int) -> Iterator[int]:
    """The record indexes set in ``mask``."""
    if not mask:
        return
    data = mask.to_bytes(n, "little")
    index = data.find(1)
    while index >= 0:
        yield index
        index = data.find(1, index + 1)
