"""Score answers against a compiled rule pack. One code path for every front end.

Records are scored a chunk at a time (:func:`score_records`); one set of answers is a chunk
of one. Every condition of the pack is evaluated once per chunk over columns of answers
(:mod:`parole_screen.lanes`), giving each record a row of results, one byte per condition.
The per-record step then reads that row and writes the ``parole-screen/result@1`` document
straight to compact JSON with sorted keys, from fragments of the pack encoded once
(:mod:`parole_screen.result_json`). The result dict that :func:`screen` returns is that
JSON parsed, so every front end (``score``, the interview, ``batch``, the library) gets
the same bytes for the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .answers import Columns, coerce_answers, coerce_columns, split_record
from .conditions import Condition, EvalContext, Trace
from .errors import AnswerError
from .jsonbytes import loads
from .lanes import Lanes, positions
from .models import BANDS
from .plan import (
    EMPTY_OUTCOME,
    RESULT_SCHEMA,
    Plan,
    PlanBasis,
    PlanCategory,
    PlanFactor,
    PlanFlag,
    plan_for,
)
from .result_json import Writer, add_years, outcome_json

__all__ = ["RESULT_SCHEMA", "Result", "Scored", "add_years", "effective_answers", "score_records",
           "screen", "screen_many", "screen_record"]

Result = dict[str, Any]
#: Records per chunk in :func:`screen_many` (the batch command chooses its own).
CHUNK = 256


class Scored(NamedTuple):
    """One scored record: the decision in brief, and the full result as JSON.

    ``parts`` are the result's compact JSON in pieces (joined, they are ``json``), so a
    batch copies each result once, into its output.
    """

    id: str | None
    status: str
    top_category: str | None
    bands: Mapping[str, str]
    flags: tuple[str, ...]
    missing: tuple[str, ...]
    parts: list[bytes]

    @property
    def json(self) -> bytes:
        """The ``parole-screen/result@1`` document: compact JSON, sorted keys."""
        return b"".join(self.parts)

    def result(self) -> Result:
        """The ``parole-screen/result@1`` document as a dict."""
        found: Result = loads(self.json)
        return found


def screen(
    pack: Any,
    answers: Mapping[str, Any],
    as_of: dt.date | None = None,
    *,
    record_id: str | None = None,
    explain: bool = False,
) -> Result:
    """Score one set of answers (question id -> JSON value) as of a date (default: today).

    Raises :class:`~parole_screen.errors.AnswerError` if an answer does not fit its question.
    """
    typed = coerce_answers(pack, answers)
    columns = Columns({qid: [value] for qid, value in typed.items()}, {})
    scored = _score_chunk(pack, columns, [record_id], as_of or dt.date.today(), explain)
    return scored[0].result()


def screen_record(pack: Any, record: Any, as_of: dt.date | None = None, *,
                  explain: bool = False) -> Result:
    """Score one answers record: ``{"id": ..., "answers": {...}}`` or a bare mapping."""
    record_id, answers = split_record(record)
    try:
        return screen(pack, answers, as_of, record_id=record_id, explain=explain)
    except AnswerError as error:
        raise error.located(record=f"record {record_id}" if record_id else None) from None


def screen_many(pack: Any, records: Iterable[Any], as_of: dt.date | None = None
                ) -> Iterator[Result | AnswerError]:
    """Score records lazily, yielding a result or the :class:`AnswerError` for each one."""
    day = as_of or dt.date.today()
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from _results(score_records(pack, chunk, day))
            chunk = []
    if chunk:
        yield from _results(score_records(pack, chunk, day))


def _results(scored: list[Scored | AnswerError]) -> Iterator[Result | AnswerError]:
    for outcome in scored:
        yield outcome if isinstance(outcome, AnswerError) else outcome.result()


def score_records(pack: Any, records: Sequence[Any], as_of: dt.date, *,
                  explain: bool = False) -> list[Scored | AnswerError]:
    """Score a chunk of records, in order: a :class:`Scored` or an :class:`AnswerError` each.

    A record is ``{"id": ..., "answers": {...}}`` or a bare mapping of answers; an
    :class:`AnswerError` in ``records`` is passed through in its place.
    """
    out: list[Scored | AnswerError | None] = [None] * len(records)
    ids: list[str | None] = []
    answer_maps: list[Mapping[str, Any]] = []
    places: list[int] = []
    for place, record in enumerate(records):
        if isinstance(record, AnswerError):
            out[place] = record
            continue
        try:
            record_id, answers = split_record(record)
        except AnswerError as error:
            out[place] = error
            continue
        ids.append(record_id)
        answer_maps.append(answers)
        places.append(place)
    columns, errors = coerce_columns(pack, answer_maps)
    for index, problem in errors.items():
        record_id = ids[index]
        out[places[index]] = problem.located(record=f"record {record_id}" if record_id else None)
    if errors:
        places = [place for index, place in enumerate(places) if index not in errors]
        ids = [record_id for index, record_id in enumerate(ids) if index not in errors]
    if places:
        for place, scored in zip(places, _score_chunk(pack, columns, ids, as_of, explain),
                                 strict=True):
            out[place] = scored
    return [outcome for outcome in out if outcome is not None]


def effective_answers(pack: Any, typed: Mapping[str, Any], ctx: EvalContext
                      ) -> tuple[dict[str, Any], list[str]]:
    """Drop answers to questions that would not be asked; list required ones still missing."""
    lanes = Lanes.of_one(typed, ctx)
    missing = _apply_asked_when(plan_for(pack), lanes)
    kept = {entry.question.id: value for entry in pack.questions
            if (value := lanes.column(entry.question.id)[0]) is not None}
    return kept, missing[0]


def _apply_asked_when(plan: Plan, lanes: Lanes) -> list[list[str]]:
    """Blank the answers each record would not have been asked; list what is missing.

    Questions go in interview order and ``asked_when`` reads only earlier questions (the
    loader checks), so each condition sees the answers the interview would have kept.
    """
    missing: list[list[str]] = [[] for _ in range(lanes.n)]
    for qid, asked_when, required in plan.questions:
        known = lanes.known(qid)
        if asked_when is None:
            lacking = lanes.full & ~known if required else 0
        else:
            asked_true, asked_false = asked_when.masks(lanes)
            if known & asked_false:
                lanes.drop(qid, known & asked_false)
                known = lanes.known(qid)
            lacking = asked_true & ~known if required else 0
        for index in positions(lacking, lanes.n):
            missing[index].append(qid)
    return missing


def _score_chunk(pack: Any, columns: Columns, ids: Sequence[str | None],
                 as_of: dt.date, explain: bool) -> list[Scored]:
    plan = plan_for(pack)
    n = len(ids)
    lanes = Lanes(columns.values, n, pack.context(as_of), columns.coded)
    missing = _apply_asked_when(plan, lanes)
    writer = Writer(plan, lanes)
    tracers = [_Tracer(lanes, index) for index in range(n)] if explain else None
    cites = [0] * n

    categories = [_category_column(category, lanes, writer, tracers, cites)
                  for category in plan.categories]

    fired: list[list[PlanFlag]] = [[] for _ in range(n)]
    for group in plan.flags:
        for index, shown in enumerate(group.column(lanes)):
            if shown.entries:
                fired[index] += shown.entries
                cites[index] |= shown.cite
    if tracers is not None:
        for tracer in tracers:
            for entry in pack.flags:
                tracer.flag(entry.flag.id, entry.when, entry.unless)

    item_columns = []
    for kind in _DOCUMENT_ITEMS:
        parts: list[list[bytes]] = [[] for _ in range(n)]
        for item_group in plan.items[kind]:
            for index, shown_items in enumerate(item_group.column(lanes)):
                if shown_items.entries:
                    parts[index].append(shown_items.json)
                    cites[index] |= shown_items.cite
        item_columns.append([b",".join(record_parts) for record_parts in parts])

    fees = _fee_column(plan, lanes, cites)
    deadlines = writer.deadlines(cites)
    category_ids = [category.id for category in plan.categories]
    # Columns to rows: each record's outcome, band and rank per category, items per kind.
    outcome_rows = zip(*[column.json for column in categories], strict=True)
    band_rows = zip(*[column.bands for column in categories], strict=True)
    rank_rows = zip(*[column.ranks for column in categories], strict=True)
    item_rows = zip(*item_columns, strict=True)
    note = writer.note
    scored = []
    for (index, record_id, record_missing, outcomes, bands, ranks, flags, items, fee_json,
         deadline_json, cite) in zip(range(n), ids, missing, outcome_rows, band_rows, rank_rows,
                                     fired, item_rows, fees, deadlines, cites, strict=True):
        ranked = [rank for rank in ranks if rank is not None]
        top = min(ranked)[3] if ranked else None
        scored.append(Scored(
            id=record_id,
            status="incomplete" if record_missing else "complete",
            top_category=top,
            bands=dict(zip(category_ids, bands, strict=True)),
            flags=tuple([flag.id for flag in flags]),
            missing=tuple(record_missing),
            parts=writer.document(
                record_id=record_id, missing=record_missing, top=top, categories=outcomes,
                flags=[note(flag.quotes, flag.tail, index) for flag in flags],
                items=items, fees=fee_json, deadlines=deadline_json, cite=cite,
                trace=None if tracers is None else tracers[index].trace)))
    return scored


#: The item kinds in the order Writer.document takes them.
_DOCUMENT_ITEMS = ("after_approval", "alternative", "document", "form", "if_denied",
                   "next_step")


class _Tracer:
    """Collects ``--explain``'s trace for one record: each rule weighed, with its clauses."""

    def __init__(self, lanes: Lanes, index: int) -> None:
        self.lanes, self.index = lanes, index
        self.trace: Trace = []

    def rule(self, rule_id: str, condition: Condition) -> None:
        clauses: Trace = []
        result = condition.explain(self.lanes, self.index, clauses)
        self.trace.append({"rule": rule_id, "result": result, "clauses": clauses})

    def flag(self, flag_id: str, when: Condition, unless: Condition | None) -> None:
        clauses: Trace = []
        held = when.explain(self.lanes, self.index, clauses) is True
        excepted = held and unless is not None and unless.explain(self.lanes, self.index,
                                                                   clauses) is True
        self.trace.append({"rule": flag_id, "result": held and not excepted, "clauses": clauses})


@dataclass(frozen=True, slots=True)
class _CategoryColumn:
    """A category's outcome for every record of a chunk."""

    json: list[bytes]
    bands: list[str]
    ranks: list[tuple[int, int, int, str] | None]  # for picking the top category


_RANKED = {"strong": 0, "possible": 1, "weak": 2}
# Among the bands a category can end with, which outcome to prefer when bases compete.
_PREFERENCE = {"strong": 0, "possible": 1, "weak": 2, "insufficient_information": 3,
               "not_indicated": 4}
_BAND_RANK: dict[str, int] = {band: rank for rank, band in enumerate(BANDS)}  # caps go by this
Note = tuple[PlanFactor, bytes]
_Weighed = tuple[str, int, PlanBasis, list[Note], list[Note]]


def _category_column(category: PlanCategory, lanes: Lanes, writer: Writer,
                     tracers: list[_Tracer] | None, cites: list[int]) -> _CategoryColumn:
    """Decide a category for a chunk: only records where some basis applies are weighed."""
    n = lanes.n
    bases = category.bases
    applies = [basis.applies.masks(lanes) for basis in bases]
    json = [EMPTY_OUTCOME["not_indicated"]] * n
    bands = ["not_indicated"] * n
    ranks: list[tuple[int, int, int, str] | None] = [None] * n
    some_true = some_unknown = 0
    for true, false in applies:
        some_true |= true
        some_unknown |= lanes.full & ~(true | false)
    for index in positions(some_unknown & ~some_true, n):
        json[index] = EMPTY_OUTCOME["insufficient_information"]
        bands[index] = "insufficient_information"
    todo = range(n) if tracers is not None else positions(some_true, n)
    codes = [lanes.tri_bytes(masks) for masks in applies]
    # Slot-major results of each basis that applies somewhere: slot s of record i is at
    # s * n + i, so a record's slots are the strided slice [i::n].
    matrices = [b"".join([lanes.tri_bytes(condition.masks(lanes)) for condition in basis.slots])
                if masks[0] or tracers is not None else b""
                for basis, masks in zip(bases, applies, strict=True)]
    for index in todo:
        tracer = None if tracers is None else tracers[index]
        best: _Weighed | None = None
        best_key: tuple[int, int] | None = None
        best_pattern = b""
        unknown_gate = False
        for basis, basis_codes, matrix in zip(bases, codes, matrices, strict=True):
            if tracer is not None:
                tracer.rule(basis.rule_id, basis.applies)
            result = basis_codes[index]
            if result == 0:
                continue
            if result == 2:
                unknown_gate = True
                continue
            pattern = matrix[index::n]
            weighed = _weigh_basis(basis, pattern, tracer)
            # Every basis weighed is cited, best or not: the report lists what was weighed.
            cite = basis.cite
            for factor, _ in weighed[3]:
                cite |= factor.cite
            for factor, _ in weighed[4]:
                cite |= factor.cite
            cites[index] |= cite
            key = (_PREFERENCE[weighed[0]], -weighed[1])
            if best_key is None or key < best_key:
                best, best_key, best_pattern = weighed, key, pattern
        if best is None:
            continue  # the empty outcome set above
        band, score, basis, reasons, concerns = best
        if unknown_gate and band == "not_indicated":
            band = "insufficient_information"  # another basis might apply once answered
        bands[index] = band
        rank = _RANKED.get(band)
        if rank is not None:
            ranks[index] = (rank, -score, category.priority, category.id)
        note = writer.note
        json[index] = outcome_json(
            band, score, basis.head, basis.label,
            [note(factor.quotes, tail, index) for factor, tail in reasons],
            [note(factor.quotes, tail, index) for factor, tail in concerns],
            b",".join([evidence.json for evidence in basis.evidence
                       if best_pattern[evidence.slot] == 1]))
    return _CategoryColumn(json, bands, ranks)


def _weigh_basis(basis: PlanBasis, pattern: bytes, tracer: _Tracer | None) -> _Weighed:
    """One basis that applies: its band and score, and the notes behind them."""
    reasons: list[Note] = []
    concerns: list[Note] = []
    unmet = unknown = False
    for factor in basis.requires:
        result = pattern[factor.slot]
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if result == 1:
            reasons.append((factor, factor.tail))
        elif result == 0:
            unmet = True
            concerns.append((factor, factor.fail_tail))
        else:
            unknown = True
    score = basis.base_score
    for factor in basis.strengthens:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            score += factor.weight
            reasons.append((factor, factor.tail))
    for factor in basis.weakens:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            score -= factor.weight
            concerns.append((factor, factor.tail))
    score = max(0, min(100, score))
    if unmet:
        return "not_indicated", 0, basis, reasons, concerns
    if unknown:
        return "insufficient_information", score, basis, reasons, concerns
    strong, possible = basis.bands
    band = "strong" if score >= strong else "possible" if score >= possible else "weak"
    for factor in basis.blocks:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            concerns.append((factor, factor.tail))
            cap = factor.cap or "weak"
            if _BAND_RANK[cap] > _BAND_RANK[band]:
                band = cap
    return band, score, basis, reasons, concerns


def _fee_column(plan: Plan, lanes: Lanes, cites: list[int]) -> list[bytes]:
    """Each record's fees (JSON rows, joined), as of the chunk's date."""
    rows = plan.fee_rows(lanes.ctx.as_of)
    parts: list[list[bytes]] = [[] for _ in range(lanes.n)]
    for group in plan.fees:
        decoded: dict[int, tuple[bytes, int]] = {}
        for index, code in enumerate(group.codes(lanes)):
            if not code:
                continue
            found = decoded.get(code)
            if found is None:
                found = decoded[code] = _decode_fees(group.entries, code, rows)
            if found[0]:
                parts[index].append(found[0])
                cites[index] |= found[1]
    return [b",".join(record_parts) for record_parts in parts]


def _decode_fees(positions_: Sequence[int], code: int,
                 rows: Sequence[tuple[bytes, bytes, int] | None]) -> tuple[bytes, int]:
    found = []
    cite = 0
    for pair in range(0, len(positions_), 2):
        row = rows[positions_[pair]]
        if row is None or not code >> pair & 1:
            continue
        plain, excepted, fee_cite = row
        found.append(excepted if code >> (pair + 1) & 1 else plain)
        cite |= fee_cite
    return b",".join(found), cite
