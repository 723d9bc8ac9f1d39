"""Writing ``parole-screen/result@1`` documents: compact JSON, sorted keys, straight to bytes.

The engine decides; this module spells the decision out. Fragments come pre-encoded from
the :class:`~parole_screen.plan.Plan`, so a document is a join of bytes plus the few values
that differ per record (its id, the answers its notes quote, its deadlines). The bytes are
exactly ``orjson.dumps(result, option=OPT_SORT_KEYS)`` of the same dict, which
``tests/test_chunk_engine.py`` checks on 600 generated records at three dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .jsonbytes import dumps, dumps_plain
from .lanes import Lanes, positions
from .plan import Plan, PlanDeadline, Quotes


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
        self._answers: dict[str, list[bytes]] = {}
        # The note writer must not hold this writer: kept here it would make a reference
        # cycle, and each chunk's columns would wait for the cycle collector to go.
        self.note = _NoteWriter(lanes, plan.numeric, self._answers)

    def deadlines(self, cites: list[int]) -> list[list[bytes]]:
        """Each record's deadlines, computed from its dates, in date order."""
        found: list[list[tuple[str, str, bytes]]] = [[] for _ in range(self.lanes.n)]
        for entry in self.plan.deadlines:
            deadline = entry.deadline
            column = self.lanes.column(deadline.from_question)
            shown = entry.when.masks(self.lanes)[0] & self.lanes.known(deadline.from_question)
            written: dict[dt.date, tuple[str, str, bytes] | None] = {}
            for index in positions(shown, self.lanes.n):
                start = column[index]
                if start not in written:
                    written[start] = self._deadline(entry, start)
                row = written[start]
                if row is not None:
                    found[index].append(row)
                    cites[index] |= entry.cite
        return [[json for _, _, json in sorted(rows)] if len(rows) > 1 else [rows[0][2]]
                if rows else [] for rows in found]

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

    def document(self, *, ids: Sequence[str | None], missing: Sequence[list[str]],
                 tops: Sequence[str | None], categories: Sequence[list[bytes]],
                 flags: list[bytes], items: Mapping[str, list[bytes]], fees: list[bytes],
                 deadlines: Sequence[list[bytes]], cites: Sequence[int],
                 traces: Sequence[list[dict[str, Any]]] | None) -> list[bytes | list[bytes]]:
        """The chunk's documents as a template: bytes shared by every record, or a list of
        one piece per record (see :class:`~parole_screen.engine.ScoredChunk`).

        ``categories`` holds each category's outcome objects, in the pack's order.
        """
        plan = self.plan
        static = plan.static
        template: list[bytes | list[bytes]] = [
            b'{"after_approval":[', items["after_approval"],
            b'],"alternatives":[', items["alternative"],
            b'],"always":' + static["always"] + b',"as_of":' + self.as_of_json
            + b',"categories":{']
        for number, (position, name) in enumerate(plan.category_keys):
            template += [(b"," if number else b"") + name, categories[position]]
        template += [
            b'},"deadlines":[', list(map(b",".join, deadlines)),
            b'],"disclaimer":' + static["disclaimer"] + b',"documents":[', items["document"],
            b'],"fees":[', fees,
            b'],"flags":[', flags,
            b'],"forms":[', items["form"],
            b'],"id":', list(map(dumps_plain, ids)),
            b',"if_denied":[', items["if_denied"],
            b'],"missing":', list(map(dumps_plain, missing)),
            b',"next_steps":[', items["next_step"],
            b'],"rule_pack":' + static["rule_pack"] + b',"schema":' + static["schema"]
            + b',"sources":', list(map(plan.sources_json, cites)),
            b',"status":', [_INCOMPLETE if record_missing else _COMPLETE
                            for record_missing in missing],
            b',"top_category":', list(map(dumps_plain, tops)),
        ]
        if traces is not None:
            template += [b',"trace":', list(map(dumps, traces))]
        template.append(b"}")
        return _merged(template)


_COMPLETE = b'"complete"'
_INCOMPLETE = b'"incomplete"'


def _merged(template: list[bytes | list[bytes]]) -> list[bytes | list[bytes]]:
    """Adjacent shared pieces joined, so a record has as few pieces as possible."""
    merged: list[bytes | list[bytes]] = []
    for piece in template:
        if isinstance(piece, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


class _NoteWriter:
    """``note(quotes, tail, index)``: ``{"answers":{...},<tail>``, a reason, concern or flag
    with the answers it read (some 14 per record, so kept lean)."""

    __slots__ = ("lanes", "numeric", "tables", "written")

    def __init__(self, lanes: Lanes, numeric: frozenset[str],
                 written: dict[str, list[bytes]]) -> None:
        self.lanes, self.numeric, self.written = lanes, numeric, written
        # By note tail: the codes of the answers it quotes and its note per combination of
        # codes, when those answers are coded (most are); False when not.
        self.tables: dict[bytes, Any] = {}

    def __call__(self, quotes: Quotes, tail: bytes, index: int) -> bytes:
        table = self.tables.get(tail)
        if table is None:
            table = self.tables[tail] = self._table(quotes)
        # Two rules may share a tail (same id, cite and text in two lists of a basis) yet
        # quote different answers: the table is the first one's, the other writes its own.
        if table is False or table[2] is not quotes:
            return self._write(quotes, tail, index)
        codes, notes, _ = table
        if type(codes) is bytes:  # one quoted answer: its code indexes a list
            key: Any = codes[index]
        else:  # several: their codes, one byte each, make an int
            key = 0
            for column in codes:
                key = key << 8 | column[index]
        found = notes.get(key) if type(notes) is dict else notes[key]
        if found is None:
            found = notes[key] = self._write(quotes, tail, index)
        return found

    def _table(self, quotes: Quotes) -> Any:
        """(codes, notes by code, quotes) when every answer the note quotes is coded, else
        False."""
        qids = [qid for qid, _ in quotes.rest]
        if quotes.first is None:
            return False
        qids.insert(0, quotes.first)
        coded = []
        for qid in qids:
            found = None if qid in self.numeric else self.lanes.encoded(qid)
            if found is None:
                return False
            coded.append(found)
        if len(coded) == 1:
            return coded[0][0], [None] * len(coded[0][1]), quotes
        return [codes for codes, _ in coded], {}, quotes

    def _write(self, quotes: Quotes, tail: bytes, index: int) -> bytes:
        qid = quotes.first
        if qid is None:
            return quotes.head + tail
        written = self.written
        first = (written.get(qid) or _answer_column(self.lanes, self.numeric, written, qid))
        if not quotes.rest:
            return b"".join((quotes.head, first[index], tail))
        parts = [quotes.head, first[index]]
        for other, name in quotes.rest:
            parts.append(name)
            parts.append((written.get(other)
                          or _answer_column(self.lanes, self.numeric, written, other))[index])
        parts.append(tail)
        return b"".join(parts)


def _answer_column(lanes: Lanes, numeric: frozenset[str], written: dict[str, list[bytes]],
                   qid: str) -> list[bytes]:
    """The JSON of every record's answer to ``qid``, kept in ``written``."""
    coded = None if qid in numeric else lanes.encoded(qid)
    if coded is not None:
        codes, values = coded
        found = list(map([_answer_json(value) for value in values].__getitem__, codes))
    elif qid not in numeric:  # too many distinct answers to code: spell each one once
        column = lanes.column(qid)
        spelt = {value: _answer_json(value) for value in set(column)}
        found = list(map(spelt.__getitem__, column))
    else:  # 1.0 equals 1 as a key but is spelt differently: spell every number as given
        found = list(map(_answer_json, lanes.column(qid)))
    written[qid] = found
    return found


def _answer_json(value: Any) -> bytes:
    if isinstance(value, dt.date):
        return dumps(value.isoformat())
    if isinstance(value, frozenset):
        return dumps(sorted(value))
    return dumps(value)


def outcome_json(band: str, score: int, head: bytes, label: bytes, reasons: Sequence[bytes],
                 concerns: Sequence[bytes], missing_evidence: bytes) -> bytes:
    """A category's outcome object."""
    return b"".join((
        b'{"band":"', band.encode(), b'",', head, b',"concerns":[', b",".join(concerns),
        b"],", label, b',"missing_evidence":[', missing_evidence, b'],"reasons":[',
        b",".join(reasons), b'],"score":', str(score).encode(), b"}"))
