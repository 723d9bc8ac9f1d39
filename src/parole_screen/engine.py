"""Score answers against a compiled rule pack. One code path for every front end.

Records are scored a chunk at a time (:func:`score_chunk`); one set of answers is a chunk
of one. Every condition of the pack is evaluated once per chunk over columns of answers
(:mod:`parole_screen.lanes`). Flags, items and fees are then decided per record by one code
(:class:`~parole_screen.plan.Section`); each category weighs, for the records where a basis
applies, that basis's slot results (one byte per condition). The ``parole-screen/result@1``
document is written straight to compact JSON with sorted keys from fragments of the pack
encoded once (:mod:`parole_screen.result_json`). The result dict that :func:`screen`
returns is that JSON parsed, so every front end (``score``, the interview, ``batch``, the
library) gets the same bytes for the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, repeat
from operator import add, attrgetter, itemgetter, or_
from typing import Any, NamedTuple

from .answers import Columns, coerce_answers, coerce_columns, split_record
from .conditions import Condition, EvalContext, Trace
from .errors import AnswerError
from .jsonbytes import loads
from .lanes import Lanes, positions
from .layout import Frame
from .models import BANDS, ITEM_KINDS
from .plan import (
    EMPTY_OUTCOME,
    RESULT_SCHEMA,
    FlagByte,
    Plan,
    PlanBasis,
    PlanCategory,
    PlanNote,
    plan_for,
)
from .result_json import Writer, add_years, outcome_json

__all__ = ["RESULT_SCHEMA", "ChunkOutcome", "Result", "Scored", "ScoredChunk", "add_years",
           "effective_answers", "score_chunk", "score_records", "screen", "screen_many",
           "screen_record"]

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
    chunk = _score_chunk(pack, columns, [record_id], as_of or dt.date.today(), explain)
    return next(iter(chunk)).result()


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


class ChunkOutcome(NamedTuple):
    """What :func:`score_chunk` gives: the scored records and the rejected ones."""

    scored: ScoredChunk | None  # the records that passed, in order (None if none did)
    places: list[int]  # where each of them was in the input
    errors: dict[int, AnswerError]  # the others, by place


def score_chunk(pack: Any, records: Sequence[Any], as_of: dt.date, *,
                explain: bool = False) -> ChunkOutcome:
    """Score a chunk of records at once; the batch's entry point.

    A record is ``{"id": ..., "answers": {...}}`` or a bare mapping of answers; an
    :class:`AnswerError` in ``records`` is passed through in its place.
    """
    errors: dict[int, AnswerError] = {}
    ids: list[str | None] = []
    answer_maps: list[Mapping[str, Any]] = []
    places: list[int] = []
    for place, record in enumerate(records):
        if isinstance(record, AnswerError):
            errors[place] = record
            continue
        try:
            record_id, answers = split_record(record)
        except AnswerError as error:
            errors[place] = error.detached()
            continue
        ids.append(record_id)
        answer_maps.append(answers)
        places.append(place)
    columns, rejected = coerce_columns(pack, answer_maps)
    for index, problem in rejected.items():
        record_id = ids[index]
        errors[places[index]] = problem.located(
            record=f"record {record_id}" if record_id else None)
    if rejected:
        places = [place for index, place in enumerate(places) if index not in rejected]
        ids = [record_id for index, record_id in enumerate(ids) if index not in rejected]
    scored = _score_chunk(pack, columns, ids, as_of, explain) if places else None
    return ChunkOutcome(scored, places, errors)


def score_records(pack: Any, records: Sequence[Any], as_of: dt.date, *,
                  explain: bool = False) -> list[Scored | AnswerError]:
    """Score a chunk of records, in order: a :class:`Scored` or an :class:`AnswerError` each.

    A record is ``{"id": ..., "answers": {...}}`` or a bare mapping of answers; an
    :class:`AnswerError` in ``records`` is passed through in its place.
    """
    outcome = score_chunk(pack, records, as_of, explain=explain)
    out: list[Scored | AnswerError | None] = [None] * len(records)
    for place, error in outcome.errors.items():
        out[place] = error
    if outcome.scored is not None:
        for place, scored in zip(outcome.places, outcome.scored, strict=True):
            out[place] = scored
    return [found for found in out if found is not None]


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
                 as_of: dt.date, explain: bool) -> ScoredChunk:
    plan = plan_for(pack)
    n = len(ids)
    lanes = Lanes(columns.values, n, pack.context(as_of), columns.coded)
    missing = _apply_asked_when(plan, lanes)
    writer = Writer(plan, lanes)
    tracers = [_Tracer(lanes, index) for index in range(n)] if explain else None
    cites = [0] * n

    categories = [_category_column(category, lanes, writer, tracers, cites, frame)
                  for category, frame in zip(plan.categories, writer.category_frames,
                                             strict=True)]

    flag_codes, flag_cites, flag_json, flag_masks = writer.flags()
    cites = list(map(or_, cites, flag_cites))
    if tracers is not None:
        for tracer in tracers:
            for entry in pack.flags:
                tracer.flag(entry.flag.id, entry.when, entry.unless)

    item_json: dict[str, list[bytes]] = {}
    for kind in ITEM_KINDS:
        item_column = plan.items[kind].column(lanes)
        cites = list(map(or_, cites, map(_CITE, item_column)))
        item_json[kind] = list(map(_JSON, item_column))

    fee_json = _fee_column(plan, lanes, cites)
    deadlines = writer.deadlines(cites)
    tops = _tops(n, [column.ranks for column in categories])
    return ScoredChunk(
        ids=list(ids), missing=missing, tops=tops,
        bands={category.id: column.bands for category, column in
               zip(plan.categories, categories, strict=True)},
        flag_codes=flag_codes, flag_masks=flag_masks,
        document=writer.document(
            ids=ids, missing=missing, tops=tops,
            categories=[column.json for column in categories], flags=flag_json,
            items=item_json, fees=fee_json, deadlines=deadlines, cites=cites,
            traces=None if tracers is None else [tracer.trace for tracer in tracers]))


_CITE = attrgetter("cite")
_JSON = attrgetter("json")


class ScoredChunk:
    """The results of a chunk of records, as columns (entry i is record i's).

    ``document`` is the result's JSON as a template: each piece is bytes every record shares
    or a list with one piece per record; record i's document is the join of its pieces.
    ``flag_masks`` holds each flag shown somewhere, in output order, with its mask: bit
    ``8 * i`` set if record i shows it. ``flag_codes`` says the same a byte a record per
    eight flags (see ``Writer.flags``), from which :attr:`flags` names them.
    """

    def __init__(self, *, ids: list[str | None], missing: list[list[str]],
                 tops: list[str | None], bands: dict[str, list[str]],
                 flag_codes: list[tuple[FlagByte, bytes]], flag_masks: list[tuple[str, int]],
                 document: list[bytes | list[bytes]]) -> None:
        self.ids = ids
        self.missing = missing
        self.tops = tops
        self.bands = bands
        self.flag_codes = flag_codes
        self.flag_masks = flag_masks
        self.document = document
        self._flags: list[tuple[str, ...]] | None = None

    @property
    def flags(self) -> list[tuple[str, ...]]:
        """Each record's flag ids, in output order: named when first asked for, as JSONL
        rows (the usual output) do without them."""
        if self._flags is None:
            named: list[tuple[str, ...]] = [()] * len(self.ids)
            for eight, code in self.flag_codes:
                named = list(map(add, named, map(eight.ids.__getitem__, code)))
            self._flags = named
        return self._flags

    def __len__(self) -> int:
        return len(self.ids)

    def statuses(self) -> list[str]:
        return ["incomplete" if missing else "complete" for missing in self.missing]

    def pieces(self, *end: bytes) -> Iterator[tuple[bytes, ...]]:
        """Each record's document in pieces (followed by ``end``)."""
        n = len(self.ids)
        return zip(*[repeat(piece, n) if isinstance(piece, bytes) else piece
                     for piece in (*self.document, *end)], strict=True)

    def jsonl(self) -> bytes:
        """Every record's document, one per line: one copy of the bytes, not three."""
        return b"".join(chain.from_iterable(self.pieces(b"\n")))

    def jsonl_pieces(self) -> list[bytes]:
        """:meth:`jsonl` in pieces, for a writer that gathers them (``os.writev``)."""
        return list(chain.from_iterable(self.pieces(b"\n")))

    def __iter__(self) -> Iterator[Scored]:
        names = list(self.bands)
        for record_id, missing, top, bands, flags, pieces in zip(
                self.ids, self.missing, self.tops, zip(*self.bands.values(), strict=True),
                self.flags, self.pieces(), strict=True):
            yield Scored(record_id, "incomplete" if missing else "complete", top,
                         dict(zip(names, bands, strict=True)), flags, tuple(missing),
                         list(pieces))


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


_Rank = tuple[int, int, int, str]  # band rank, minus the score, priority, category id


def _tops(n: int, ranks: list[dict[int, _Rank]]) -> list[str | None]:
    """Each record's top category: of its ranked bands, the best (then the highest score,
    then the category's priority). Only records with a ranked band are looked at."""
    best: dict[int, _Rank] = {}
    for category_ranks in ranks:
        for index, rank in category_ranks.items():
            held = best.get(index)
            if held is None or rank < held:
                best[index] = rank
    tops: list[str | None] = [None] * n
    for index, rank in best.items():
        tops[index] = rank[3]
    return tops


class _CategoryColumn(NamedTuple):
    """A category's outcome for every record of a chunk."""

    json: list[bytes]
    bands: list[str]
    ranks: dict[int, _Rank]  # by record, where the band is ranked: for the top category


_RANKED = {"strong": 0, "possible": 1, "weak": 2}
# Among the bands a category can end with, which outcome to prefer when bases compete.
_PREFERENCE = {"strong": 0, "possible": 1, "weak": 2, "insufficient_information": 3,
               "not_indicated": 4}
_BAND_RANK: dict[str, int] = {band: rank for rank, band in enumerate(BANDS)}  # caps go by this
_Weighed = tuple[str, int, PlanBasis, list[PlanNote], list[PlanNote]]


def _category_column(category: PlanCategory, lanes: Lanes, writer: Writer,
                     tracers: list[_Tracer] | None, cites: list[int],
                     frame: Frame) -> _CategoryColumn:
    """Decide a category for a chunk: only records where some basis applies are weighed.

    Each outcome's JSON comes in ``frame``, the result's fixed text around it."""
    n = lanes.n
    bases = category.bases
    applies = [basis.applies.masks(lanes) for basis in bases]
    empty = {band: b"".join((frame.head, json, frame.tail))
             for band, json in EMPTY_OUTCOME.items()}
    json = [empty["not_indicated"]] * n
    bands = ["not_indicated"] * n
    ranks: dict[int, _Rank] = {}
    some_true = some_unknown = 0
    for true, false in applies:
        some_true |= true
        some_unknown |= lanes.full & ~(true | false)
    for index in positions(some_unknown & ~some_true, n):
        json[index] = empty["insufficient_information"]
        bands[index] = "insufficient_information"
    todo = range(n) if tracers is not None else positions(some_true, n)
    codes = [lanes.tri_bytes(masks) for masks in applies]
    # Slot-major results of each basis that applies somewhere: slot s of record i is at
    # s * n + i, so a record's slots are the strided slice [i::n].
    matrices = [b"".join([lanes.tri_bytes(condition.masks(lanes)) for condition in basis.slots])
                if masks[0] or tracers is not None else b""
                for basis, masks in zip(bases, applies, strict=True)]
    weighed_bases = list(zip(bases, codes, matrices, strict=True))
    write = writer.note
    for index in todo:
        tracer = None if tracers is None else tracers[index]
        best: _Weighed | None = None
        best_key: tuple[int, int] | None = None
        best_pattern = b""
        unknown_gate = False
        for basis, basis_codes, matrix in weighed_bases:
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
            for note in weighed[3]:
                cite |= note.cite
            for note in weighed[4]:
                cite |= note.cite
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
        json[index] = outcome_json(
            band, score, basis.head, basis.label,
            [write(note, index) for note in reasons],
            [write(note, index) for note in concerns],
            basis.missing_evidence(best_pattern), frame)
    return _CategoryColumn(json, bands, ranks)


def _weigh_basis(basis: PlanBasis, pattern: bytes, tracer: _Tracer | None) -> _Weighed:
    """One basis that applies: its band and score, and the notes behind them."""
    reasons: list[PlanNote] = []
    concerns: list[PlanNote] = []
    unmet = unknown = False
    for factor in basis.requires:
        result = pattern[factor.slot]
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if result == 1:
            reasons.append(factor.note)
        elif result == 0:
            unmet = True
            concerns.append(factor.fail_note)
        else:
            unknown = True
    score = basis.base_score
    for factor in basis.strengthens:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            score += factor.weight
            reasons.append(factor.note)
    for factor in basis.weakens:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            score -= factor.weight
            concerns.append(factor.note)
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
            concerns.append(factor.note)
            cap = factor.cap or "weak"
            if _BAND_RANK[cap] > _BAND_RANK[band]:
                band = cap
    return band, score, basis, reasons, concerns


def _fee_column(plan: Plan, lanes: Lanes, cites: list[int]) -> list[bytes]:
    """Each record's fees (JSON rows, joined), as of the chunk's date; adds their cites."""
    rows = plan.fee_rows(lanes.ctx.as_of)
    codes = plan.fees.codes(lanes)
    decoded = {code: _decode_fees(plan.fees.entries, code, rows, plan.fee_frame)
               for code in set(codes)}
    found = list(map(decoded.__getitem__, codes))
    cites[:] = map(or_, cites, map(itemgetter(1), found))
    return list(map(itemgetter(0), found))


def _decode_fees(positions_: Sequence[int], code: tuple[int, ...],
                 rows: Sequence[tuple[bytes, bytes, int] | None],
                 frame: Frame) -> tuple[bytes, int]:
    """A fee section code (bits 2k, 2k + 1: fee k applies, its exception may) as JSON rows,
    in their frame."""
    bits = int.from_bytes(bytes(code), "little")
    found = []
    cite = 0
    for pair in range(0, len(positions_), 2):
        row = rows[positions_[pair]]
        if row is None or not bits >> pair & 1:
            continue
        plain, excepted, fee_cite = row
        found.append(excepted if bits >> (pair + 1) & 1 else plain)
        cite |= fee_cite
    return b"".join((frame.head, b",".join(found), frame.tail)), cite
