"""Writing ``parole-screen/result@1`` documents: compact JSON, sorted keys, straight to bytes.

The engine decides; this module spells the decision out. Fragments come pre-encoded from
the :class:`~parole_screen.plan.Plan`, so a document is a join of bytes plus the few values
that differ per record (its id, the answers its notes quote, its deadlines). The bytes are
exactly ``orjson.dumps(result, option=OPT_SORT_KEYS)`` of the same dict, which
``tests/test_chunk_engine.py`` checks on 600 generated records at three dates.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from operator import mul, or_
from typing import Any

from .jsonbytes import dumps, dumps_plain
from .lanes import Lanes
from .layout import NO_FRAME, STATUS_HEAD, Frame, category_frames
from .models import BANDS
from .plan import DEADLINE_ROWS_KEPT, FlagByte, Plan, PlanDeadline, PlanNote


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Writer:
    """Writes the documents of one chunk of records (one ``Lanes``, one as-of date)."""

    def __init__(self, plan: Plan, lanes: Lanes) -> None:
        self.plan = plan
        self.lanes = lanes
        self.as_of_json = dumps(lanes.ctx.as_of.isoformat())
        # Each category's frame (see layout), in the pack's order.
        frames = category_frames([name for _, name in plan.category_keys], self.as_of_json)
        self.category_frames: list[Frame] = [NO_FRAME] * len(frames)
        for (position, _), frame in zip(plan.category_keys, frames, strict=True):
            self.category_frames[position] = frame
        # The note writer must not hold this writer: kept here it would make a reference
        # cycle, and each chunk's columns would wait for the cycle collector to go.
        self.notes = _NoteWriter(lanes, plan.numeric)
        self.note = self.notes.write

    def deadlines(self, cites: list[int]) -> list[bytes]:
        """Each record's deadlines (JSON rows, joined), computed from its dates, in date
        order; adds their citations."""
        lanes = self.lanes
        n = lanes.n
        found: list[list[tuple[str, str, bytes]]] = [[] for _ in range(n)]
        for entry in self.plan.deadlines:
            deadline = entry.deadline
            shown = entry.when.masks(lanes)[0] & lanes.known(deadline.from_question)
            if not shown:
                continue
            picks = shown.to_bytes(n, "little")
            starts = list(compress(lanes.column(deadline.from_question), picks))
            # Rows by start date, kept across chunks for this as-of date (bounded).
            written = entry.rows.get(lanes.ctx.as_of_ordinal)
            if written is None or len(written) > DEADLINE_ROWS_KEPT:
                entry.rows.clear()
                written = entry.rows[lanes.ctx.as_of_ordinal] = {}
            for start in set(starts).difference(written):
                written[start] = self._deadline(entry, start)
            rows = list(map(written.__getitem__, starts))
            if None in rows:  # a date past the calendar's end: belt and braces
                picks = _narrowed(picks, bytes(row is not None for row in rows))
            deque(map(list.append, compress(found, picks), filter(None, rows)), 0)
            cites[:] = map(or_, cites, map(mul, picks, repeat(entry.cite)))
        return [b",".join([json for _, _, json in sorted(rows)]) if len(rows) > 1
                else rows[0][2] if rows else b"" for rows in found]

    def _deadline(self, entry: PlanDeadline, start: dt.date) -> tuple[str, str, bytes] | None:
        deadline = entry.deadline
        try:
            day = add_years(start, deadline.offset_years) + dt.timedelta(days=deadline.offset_days)
        except (OverflowError, ValueError):  # answers are range-checked; belt and braces
            return None
        days_left = day.toordinal() - self.lanes.ctx.as_of_ordinal
        status = "passed" if days_left < 0 else "today" if days_left == 0 else "upcoming"
        soon = deadline.warn_within_days is not None and 0 <= days_left <= deadline.warn_within_days
        return day.isoformat(), deadline.id, dumps({
            "id": deadline.id, "label": deadline.label, "date": day.isoformat(),
            "days_from_as_of": days_left, "status": status, "soon": soon,
            "confidence": deadline.confidence, "cite": list(deadline.cite)})

    def flags(self) -> tuple[list[tuple[FlagByte, bytes]], list[int], list[bytes],
                             list[tuple[str, int]]]:
        """Each record's flags: which are shown (one byte a record per eight flags, for
        :class:`FlagByte` to name), their citations and their notes as JSON; and each flag
        shown somewhere, with its mask (the records it is shown for).

        Flag by flag, the records its mask shows it for get its note appended to their
        lists, at C speed (notes quote answers, so they vary a lot from record to record).
        The masks of each eight flags are merged into one byte a record, and each byte
        value names its flags' citations (``plan.flag_bytes``); their ids are looked up
        only where wanted (see ``ScoredChunk.flags``: a JSONL row does without).
        """
        n = self.lanes.n
        notes: list[list[bytes]] = [[] for _ in range(n)]
        codes: list[tuple[FlagByte, bytes]] = []
        cites = [0] * n
        shown: list[tuple[str, int]] = []
        for eight in self.plan.flag_bytes:
            merged = 0
            for bit, flag in enumerate(eight.flags):
                mask = flag.shown.masks(self.lanes)[0]
                if mask:
                    shown.append((flag.id, mask))
                    merged |= mask << bit
                    picks = mask.to_bytes(n, "little")
                    deque(map(list.append, compress(notes, picks),
                              self.notes.picked(flag.note, picks)), 0)
            if merged:
                code = merged.to_bytes(n, "little")
                codes.append((eight, code))
                cites = list(map(or_, cites, map(eight.cites.__getitem__, code)))
        return codes, cites, list(map(b",".join, notes)), shown

    def document(self, *, ids: Sequence[str | None], missing: Sequence[list[str]],
                 tops: Sequence[str | None], categories: Sequence[list[bytes]],
                 flags: list[bytes], items: Mapping[str, list[bytes]], fees: list[bytes],
                 deadlines: list[bytes], cites: Sequence[int],
                 traces: Sequence[list[dict[str, Any]]] | None) -> list[bytes | list[bytes]]:
        """The chunk's documents as a template: bytes shared by every record, or a list of
        one piece per record (see :class:`~parole_screen.engine.ScoredChunk`).

        The parts come in :mod:`~parole_screen.layout`'s order, with the result's fixed text
        folded into them: ``items``, ``fees`` and ``categories`` (each category's outcome
        objects, in the pack's order) come framed.
        """
        plan = self.plan
        template: list[bytes | list[bytes]] = [items["after_approval"], items["alternative"]]
        template += [categories[position] for position, _ in plan.category_keys]
        template += [
            deadlines, items["document"], fees, flags, items["form"],
            list(map(dumps_plain, ids)), items["if_denied"], list(map(dumps_plain, missing)),
            items["next_step"], list(map(plan.sources_members, cites)),
            # Status and top category in one piece (few combinations), with the closing
            # brace unless a trace follows.
            list(map((_ENDS if traces is None else _ENDS_OPEN).__getitem__,
                     zip(map(bool, missing), tops, strict=True))),
        ]
        if traces is not None:
            template += [b',"trace":', list(map(dumps, traces)), b"}"]
        return template


class _StatusEnds(dict[tuple[bool, str | None], bytes]):
    """``},"status":"<status>","top_category":<top>`` (and ``}`` if ``closed``), by
    (incomplete, top)."""

    def __init__(self, *, closed: bool) -> None:
        super().__init__()
        self.close = b"}" if closed else b""

    def __missing__(self, key: tuple[bool, str | None]) -> bytes:
        incomplete, top = key
        found = self[key] = b"".join((
            STATUS_HEAD, b'"incomplete"' if incomplete else b'"complete"', b',"top_category":',
            dumps_plain(top), self.close))
        return found


_ENDS = _StatusEnds(closed=True)
_ENDS_OPEN = _StatusEnds(closed=False)


class _NoteWriter:
    """The notes (reasons, concerns, flags) of a chunk's records, with the answers they
    quote: ``write(note, index)`` for one record, :meth:`picked` for many."""

    __slots__ = ("keys", "lanes", "numeric", "tables", "write")

    def __init__(self, lanes: Lanes, numeric: frozenset[str]) -> None:
        self.lanes, self.numeric = lanes, numeric
        # By note, for this chunk: the codes of the answers it quotes, the value of each
        # code, and its note by code (or tuple of codes), when those answers are coded
        # (most are); the note itself when it quotes none; False when not coded.
        self.tables: dict[PlanNote, Any] = {}
        self.keys: dict[str, list[Any]] = {}  # by question: each record's answer as a key
        self.write = _note_writer(self.tables, self.keys, lanes, numeric)

    def picked(self, note: PlanNote, picks: bytes) -> list[bytes]:
        """The notes of the records where ``picks`` (one byte per record) is 1, in order.

        At C speed but for each new combination of answers: for flags, which many records
        show."""
        table = self.tables.get(note)
        if table is None:
            table = self.tables[note] = _table(note, self.lanes, self.numeric)
        if type(table) is bytes:
            return [table] * picks.count(1)
        # Each column is narrowed to the picked records before its keys are zipped: a flag
        # is shown for a fraction of them.
        if table is False:
            keys = list(zip(*[compress(self.keys.get(qid) or
                                       _keys(qid, self.lanes, self.numeric, self.keys), picks)
                              for qid in note.qids], strict=True))
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


def _note_writer(tables: dict[PlanNote, Any], keys: dict[str, list[Any]], lanes: Lanes,
                 numeric: frozenset[str]) -> Callable[[PlanNote, int], bytes]:
    """``write(note, index)``: record ``index``'s note. Some 6 calls a record, so a plain
    function (calls to it are cheaper than to an object's ``__call__``), which holds no
    writer: a reference cycle would keep each chunk's columns until the cycle collector."""

    def write(note: PlanNote, index: int) -> bytes:
        table = tables.get(note)
        if table is None:
            table = tables[note] = _table(note, lanes, numeric)
        if table is False:
            return note.text(tuple([(keys.get(qid) or _keys(qid, lanes, numeric, keys))[index]
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


def _table(note: PlanNote, lanes: Lanes, numeric: frozenset[str]) -> Any:
    """A note's table for a chunk (see ``_NoteWriter.tables``)."""
    if not note.qids:
        return note.head + note.tail
    coded = []
    for qid in note.qids:
        found = None if qid in numeric else lanes.encoded(qid)
        if found is None:
            return False
        coded.append(found)
    if len(coded) == 1:
        codes, values = coded[0]
        return codes, values, [None] * len(values)
    return [codes for codes, _ in coded], [values for _, values in coded], {}


def _keys(qid: str, lanes: Lanes, numeric: frozenset[str], keys: dict[str, list[Any]]
          ) -> list[Any]:
    """Each record's answer to ``qid`` as a key of :meth:`PlanNote.text` (kept in ``keys``)."""
    column = lanes.column(qid)
    if qid in numeric:
        column = list(zip(map(type, column), column, strict=True))
    keys[qid] = column
    return column


def _narrowed(picks: bytes, keep: bytes) -> bytes:
    """``picks`` (a byte per record) less the picked records whose ``keep`` byte is 0."""
    kept = iter(keep)
    return bytes(next(kept) if pick else 0 for pick in picks)


_value_of = list.__getitem__  # (values, code) -> the value a code stands for


def outcome_json(band: str, score: int, head: bytes, label: bytes, reasons: Sequence[bytes],
                 concerns: Sequence[bytes], missing_evidence: bytes, frame: Frame) -> bytes:
    """A category's outcome object (``score`` from 0 to 100), in ``frame``."""
    return b"".join((
        frame.head, _BAND_OPEN[band], head, b',"concerns":[', b",".join(concerns), b"],",
        label, b',"missing_evidence":[', missing_evidence, b'],"reasons":[',
        b",".join(reasons), _SCORE_CLOSE[score], frame.tail))


_BAND_OPEN: dict[str, bytes] = {band: b'{"band":"' + band.encode() + b'",' for band in BANDS}
_SCORE_CLOSE = [b'],"score":' + str(score).encode() + b"}" for score in range(101)]
