"""Writing documents: compact JSON, sorted keys, straight to bytes.

:mod:`~parole_screen.engine.decide` decides; this module spells the decision out. Fragments
come pre-encoded from the :class:`~parole_screen.engine.compiled.CompiledPack`, so a
document is a join of bytes plus the few values that differ per record (its id, the answers
its notes quote, its deadlines). The bytes are exactly ``orjson.dumps(document,
option=OPT_SORT_KEYS)`` of the same dict, which ``tests/test_chunk_engine.py`` checks on 600
generated records at three dates.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import compress, repeat
from operator import mul, or_
from typing import Any

from ..columns import AnswerColumns
from ..jsonbytes import dumps, dumps_plain
from .compiled import DEADLINE_ROWS_KEPT, CompiledPack, DeadlineRule, Note
from .fragments import BAND_OPEN, NO_FRAME, SCORE_CLOSE, Frame, category_frames


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Writer:
    """Writes the documents of one chunk of records (one set of columns, one as-of date)."""

    def __init__(self, compiled: CompiledPack, columns: AnswerColumns) -> None:
        self.compiled = compiled
        self.columns = columns
        self.as_of_json = dumps(columns.ctx.as_of.isoformat())
        # Each category's frame (see fragments), in the pack's order.
        frames = category_frames([name for _, name in compiled.category_keys], self.as_of_json)
        self.category_frames: list[Frame] = [NO_FRAME] * len(frames)
        for (position, _), frame in zip(compiled.category_keys, frames, strict=True):
            self.category_frames[position] = frame
        # The note writer must not hold this writer: kept here it would make a reference
        # cycle, and each chunk's columns would wait for the cycle collector to go.
        self.notes = NoteWriter(columns, compiled.numeric)
        self.note = self.notes.write

    def deadlines(self, cites: list[int]) -> list[bytes]:
        """Each record's deadlines (JSON rows, joined), computed from its dates, in date
        order; adds their citations."""
        columns = self.columns
        n = columns.n
        found: list[list[tuple[str, str, bytes]]] = [[] for _ in range(n)]
        for entry in self.compiled.deadlines:
            deadline = entry.deadline
            shown = entry.when.masks(columns)[0] & columns.known(deadline.from_question)
            if not shown:
                continue
            picks = shown.to_bytes(n, "little")
            starts = list(compress(columns.column(deadline.from_question), picks))
            # Rows by start date, kept across chunks for this as-of date (bounded).
            written = entry.rows.get(columns.ctx.as_of_ordinal)
            if written is None or len(written) > DEADLINE_ROWS_KEPT:
                entry.rows.clear()
                written = entry.rows[columns.ctx.as_of_ordinal] = {}
            for start in set(starts).difference(written):
                written[start] = self._deadline(entry, start)
            rows = list(map(written.__getitem__, starts))
            if None in rows:  # a date past the calendar's end: belt and braces
                picks = _narrowed(picks, bytes(row is not None for row in rows))
            deque(map(list.append, compress(found, picks), filter(None, rows)), 0)
            cites[:] = map(or_, cites, map(mul, picks, repeat(entry.cite)))
        return [b",".join([json for _, _, json in sorted(rows)]) if len(rows) > 1
                else rows[0][2] if rows else b"" for rows in found]

    def _deadline(self, entry: DeadlineRule, start: dt.date) -> tuple[str, str, bytes] | None:
        deadline = entry.deadline
        try:
            day = add_years(start, deadline.offset_years) + dt.timedelta(days=deadline.offset_days)
        except (OverflowError, ValueError):  # answers are range-checked; belt and braces
            return None
        days_left = day.toordinal() - self.columns.ctx.as_of_ordinal
        status = "passed" if days_left < 0 else "today" if days_left == 0 else "upcoming"
        soon = deadline.warn_within_days is not None and 0 <= days_left <= deadline.warn_within_days
        return day.isoformat(), deadline.id, self.compiled.spelling.deadline(deadline, {
            "date": day.isoformat(), "days_from_as_of": days_left, "status": status,
            "soon": soon})

    def document(self, *, ids: Sequence[str | None], missing: Sequence[list[str]],
                 tops: Sequence[str | None], categories: Sequence[list[bytes]],
                 flags: list[bytes], items: Mapping[str, list[bytes]], fees: list[bytes],
                 deadlines: list[bytes], cites: Sequence[int],
                 traces: Sequence[list[dict[str, Any]]] | None,
                 changes: list[bytes] | None = None) -> list[bytes | list[bytes]]:
        """The chunk's documents as a template: bytes shared by every record, or a list of
        one piece per record (see :class:`~parole_screen.engine.ScoredChunk`).

        The parts come in :mod:`~parole_screen.engine.fragments`' order, with the fixed text
        folded into them: ``items``, ``fees`` and ``categories`` (each category's outcome
        objects, in the pack's order) come framed. ``changes`` (each record's
        ``what_would_change`` list, as JSON) is the last key when given.
        """
        compiled = self.compiled
        template: list[bytes | list[bytes]] = [items["after_approval"], items["alternative"]]
        template += [categories[position] for position, _ in compiled.category_keys]
        template += [
            deadlines, items["document"], fees, flags, items["form"],
            list(map(dumps_plain, ids)), items["if_denied"], list(map(dumps_plain, missing)),
            items["next_step"], list(map(compiled.sources_members, cites)),
            # Status and top category in one piece (few combinations), with the closing
            # brace unless a trace or the changes follow.
            list(map(_status_ends(compiled.spelling.status_head,
                                  traces is None and changes is None).__getitem__,
                     zip(map(bool, missing), tops, strict=True))),
        ]
        if traces is not None:
            template += [b',"trace":', list(map(dumps, traces))]
        if changes is not None:
            template += [b',"what_would_change":', changes]
        if traces is not None or changes is not None:
            template.append(b"}")
        return template


class _StatusEnds(dict[tuple[bool, str | None], bytes]):
    """``},"status":"<status>","top_category":<top>`` (and ``}`` if ``closed``), by
    (incomplete, top); the sources close before the status (``}`` or ``]``)."""

    def __init__(self, head: bytes, closed: bool) -> None:
        super().__init__()
        self.head = head
        self.close = b"}" if closed else b""

    def __missing__(self, key: tuple[bool, str | None]) -> bytes:
        incomplete, top = key
        found = self[key] = b"".join((
            self.head, b'"incomplete"' if incomplete else b'"complete"', b',"top_category":',
            dumps_plain(top), self.close))
        return found


@lru_cache(maxsize=8)
def _status_ends(head: bytes, closed: bool) -> _StatusEnds:
    return _StatusEnds(head, closed)


class NoteWriter:
    """The notes (reasons, concerns, flags) of a chunk's records, with the answers they
    quote: ``write(note, index)`` for one record, :meth:`picked` for many."""

    __slots__ = ("columns", "keys", "numeric", "tables", "write")

    def __init__(self, columns: AnswerColumns, numeric: frozenset[str]) -> None:
        self.columns, self.numeric = columns, numeric
        # By note, for this chunk: the codes of the answers it quotes, the value of each
        # code, and its note by code (or tuple of codes), when those answers are coded
        # (most are); the note itself when it quotes none; False when not coded.
        self.tables: dict[Note, Any] = {}
        self.keys: dict[str, list[Any]] = {}  # by question: each record's answer as a key
        self.write = _note_writer(self.tables, self.keys, columns, numeric)

    def picked(self, note: Note, picks: bytes) -> list[bytes]:
        """The notes of the records where ``picks`` (one byte per record) is 1, in order.

        At C speed but for each new combination of answers: for flags, which many records
        show."""
        table = self.tables.get(note)
        if table is None:
            table = self.tables[note] = _table(note, self.columns, self.numeric)
        if type(table) is bytes:
            return [table] * picks.count(1)
        # Each column is narrowed to the picked records before its keys are zipped: a flag
        # is shown for a fraction of them.
        if table is False:
            keys = list(zip(*[self._picked_keys(qid, picks) for qid in note.qids],
                            strict=True))
            text = note.text
            found = {key: text(key) for key in set(keys)}
            return list(map(found.__getitem__, keys))
        codes, values, notes = table
        if type(codes) is bytes:
            chosen = bytes(compress(codes, picks))
            for code in set(chosen):
                if notes[code] is None:
                    notes[code] = note.text((values[code],))
            return list(map(notes.__getitem__, chosen))
        keys = list(zip(*[compress(column, picks) for column in codes], strict=True))
        for key in set(keys).difference(notes):
            notes[key] = note.text(tuple(map(_value_of, values, key)))
        return list(map(notes.__getitem__, keys))


    def _picked_keys(self, qid: str, picks: bytes) -> Iterable[Any]:
        """The picked records' answers to ``qid`` as keys of :meth:`Note.text`. A coded
        column is narrowed before it is decoded: a flag quoting one uncoded answer (a
        date) among seven coded ones, shown for a few records, decodes a few of each."""
        keys = self.keys.get(qid)
        if keys is None and qid not in self.numeric:
            coded = self.columns.encoded(qid)
            if coded is not None:
                codes, values = coded
                return map(values.__getitem__, compress(codes, picks))
        return compress(keys or _keys(qid, self.columns, self.numeric, self.keys), picks)


def _note_writer(tables: dict[Note, Any], keys: dict[str, list[Any]], columns: AnswerColumns,
                 numeric: frozenset[str]) -> Callable[[Note, int], bytes]:
    """``write(note, index)``: record ``index``'s note. Some 6 calls a record, so a plain
    function (calls to it are cheaper than to an object's ``__call__``), which holds no
    writer: a reference cycle would keep each chunk's columns until the cycle collector."""

    def write(note: Note, index: int) -> bytes:
        table = tables.get(note)
        if table is None:
            table = tables[note] = _table(note, columns, numeric)
        if table is False:
            return note.text(tuple([(keys.get(qid) or _keys(qid, columns, numeric, keys))[index]
                                    for qid in note.qids]))
        if type(table) is bytes:
            return table
        codes, values, notes = table
        if type(codes) is bytes:  # one quoted answer: its code indexes a list
            code = codes[index]
            found: bytes | None = notes[code]
            if found is None:
                found = notes[code] = note.text((values[code],))
            return found
        key = tuple([column[index] for column in codes])
        found = notes.get(key)
        if found is None:
            found = notes[key] = note.text(tuple(map(_value_of, values, key)))
        return found

    return write


def _table(note: Note, columns: AnswerColumns, numeric: frozenset[str]) -> Any:
    """A note's table for a chunk (see ``NoteWriter.tables``)."""
    if not note.qids:
        return note.head + note.tail
    coded = []
    for qid in note.qids:
        found = None if qid in numeric else columns.encoded(qid)
        if found is None:
            return False
        coded.append(found)
    if len(coded) == 1:
        codes, values = coded[0]
        return codes, values, [None] * len(values)
    return [codes for codes, _ in coded], [values for _, values in coded], {}


def _keys(qid: str, columns: AnswerColumns, numeric: frozenset[str], keys: dict[str, list[Any]]
          ) -> list[Any]:
    """Each record's answer to ``qid`` as a key of :meth:`Note.text` (kept in ``keys``)."""
    column = columns.column(qid)
    if qid in numeric:
        column = list(zip(map(type, column), column, strict=True))
    keys[qid] = column
    return column


def _narrowed(picks: bytes, keep: bytes) -> bytes:
    """``picks`` (a byte per record) less the picked records whose ``keep`` byte is 0."""
    kept = iter(keep)
    return bytes(next(kept) if pick else 0 for pick in picks)


_value_of = list.__getitem__  # (values, code) -> the value a code stands for


def outcome_json(band: str, score: int, head: bytes, label: bytes, reasons: Iterable[bytes],
                 concerns: Iterable[bytes], missing_evidence: bytes, frame: Frame) -> bytes:
    """A category's outcome object (``score`` from 0 to 100), in ``frame``: ``head`` and
    ``label`` are the basis's members around the concerns (see ``Spelling``)."""
    return b"".join((
        frame.head, BAND_OPEN[band], head, b',"concerns":[', b",".join(concerns), b"],",
        label, b'"missing_evidence":[', missing_evidence, b'],"reasons":[',
        b",".join(reasons), SCORE_CLOSE[score], frame.tail))


