"""The entry points: records in, scored chunks out.

:func:`score_chunk` is the one path: it checks a chunk's answers into columns, blanks what
would not have been asked (:mod:`~parole_screen.engine.asked`), decides
(:mod:`~parole_screen.engine.decide`) and writes each record's document
(:mod:`~parole_screen.engine.result_bytes`). :func:`screen` is a chunk of one, and
:func:`screen_many` chunks of :data:`CHUNK`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, repeat
from operator import add, attrgetter, or_
from typing import Any, NamedTuple

from ..answers import (
    TypedColumns,
    coerce_answers,
    coerce_columns,
    split_plain_records,
    split_record,
)
from ..columns import AnswerColumns
from ..errors import AnswerError, clipped
from ..jsonbytes import loads
from ..models import ITEM_KINDS
from ..pack import RulePack
from .asked import AskedChunk, ask
from .compiled import CompiledPack, FlagByte, compiled_pack
from .decide import (
    Tracer,
    Weighing,
    category_json,
    fee_column,
    flag_column,
    top_categories,
    trace_category,
    weigh_category,
)
from .fragments import DETAILS, Detail
from .result_bytes import Writer
from .what_if import Originals, what_would_change

Result = dict[str, Any]
#: Records per chunk in :func:`screen_many` (the batch command chooses its own).
CHUNK = 256


class Scored(NamedTuple):
    """One scored record: the decision in brief, and its document as JSON.

    ``parts`` are the document's compact JSON in pieces (joined, they are ``json``), so a
    batch copies each result once, into its output. The document is a
    ``parole-screen/result@1`` result, or a ``parole-screen/row@1`` row if the chunk was
    scored with ``detail="compact"``.
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
        """The document: compact JSON, sorted keys."""
        return b"".join(self.parts)

    def result(self) -> Result:
        """The document as a dict."""
        found: Result = loads(self.json)
        return found


def screen(
    pack: RulePack,
    answers: Mapping[str, Any],
    as_of: dt.date | None = None,
    *,
    record_id: str | None = None,
    explain: bool = False,
    what_if: bool = False,
) -> Result:
    """Score one set of answers (question id -> JSON value) as of a date (default: today).

    ``what_if=True`` adds ``what_would_change``: for each category not strong, the
    unanswered questions and missing documents that would lift its band, each found by
    scoring the record with that answer (:mod:`~parole_screen.engine.what_if`).
    Raises :class:`~parole_screen.errors.AnswerError` if an answer does not fit its question.
    """
    typed = coerce_answers(pack, answers)
    columns = TypedColumns({qid: [value] for qid, value in typed.items()}, {})
    chunk = _score_chunk(pack, columns, [record_id], as_of or dt.date.today(), explain,
                         "full", what_if)
    return next(iter(chunk)).result()


def screen_record(pack: RulePack, record: Any, as_of: dt.date | None = None, *,
                  explain: bool = False, what_if: bool = False) -> Result:
    """Score one answers record: ``{"id": ..., "answers": {...}}`` or a bare mapping
    (``explain`` and ``what_if`` as for :func:`screen`)."""
    record_id, answers = split_record(record)
    try:
        return screen(pack, answers, as_of, record_id=record_id, explain=explain,
                      what_if=what_if)
    except AnswerError as error:
        raise error.located(record=f"record {clipped(record_id)}" if record_id else None) from None


def screen_many(pack: RulePack, records: Iterable[Any], as_of: dt.date | None = None, *,
                what_if: bool = False) -> Iterator[Result | AnswerError]:
    """Score records lazily, yielding a result or the :class:`AnswerError` for each one
    (``what_if`` as for :func:`screen`)."""
    day = as_of or dt.date.today()
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from _results(score_records(pack, chunk, day, what_if=what_if))
            chunk = []
    if chunk:
        yield from _results(score_records(pack, chunk, day, what_if=what_if))


def _results(scored: list[Scored | AnswerError]) -> Iterator[Result | AnswerError]:
    for outcome in scored:
        yield outcome if isinstance(outcome, AnswerError) else outcome.result()


class ChunkOutcome(NamedTuple):
    """What :func:`score_chunk` gives: the scored records and the rejected ones."""

    scored: ScoredChunk | None  # the records that passed, in order (None if none did)
    places: list[int]  # where each of them was in the input
    errors: dict[int, AnswerError]  # the others, by place


def score_chunk(pack: RulePack, records: Sequence[Any], as_of: dt.date, *,
                detail: Detail | None = "full", explain: bool = False,
                what_if: bool = False) -> ChunkOutcome:
    """Score a chunk of records at once; the batch's entry point.

    A record is ``{"id": ..., "answers": {...}}`` or a bare mapping of answers; an
    :class:`AnswerError` in ``records`` is passed through in its place. ``detail`` says
    what each record's document is: ``"full"``, a ``parole-screen/result@1`` result, or
    ``"compact"``, a ``parole-screen/row@1`` row that names the pack's fixed texts by id
    (:func:`~parole_screen.engine.expand_row` makes the result from it). With
    ``detail=None`` no documents are written, only the decisions (ids, statuses, top
    categories, bands, flags, missing answers): all a CSV row holds, at a fraction of the
    cost. ``what_if=True`` adds ``what_would_change`` to each document (see :func:`screen`;
    nothing without documents).
    """
    if detail is not None and detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)} or None, not {detail!r}")
    errors: dict[int, AnswerError] = {}
    plain = split_plain_records(records)
    if plain is not None:  # the usual case, split at C speed
        ids, answer_maps = plain
        places = list(range(len(records)))
    else:
        ids, answer_maps, places = _split_each(records, errors)
    columns, rejected = coerce_columns(pack, answer_maps)
    for index, problem in rejected.items():
        record_id = ids[index]
        errors[places[index]] = problem.located(
            record=f"record {clipped(record_id)}" if record_id else None)
    if rejected:
        places = [place for index, place in enumerate(places) if index not in rejected]
        ids = [record_id for index, record_id in enumerate(ids) if index not in rejected]
    scored = (_score_chunk(pack, columns, ids, as_of, explain, detail, what_if) if places
              else None)
    return ChunkOutcome(scored, places, errors)


def _split_each(records: Sequence[Any], errors: dict[int, AnswerError]
                ) -> tuple[list[str | None], list[Mapping[str, Any]], list[int]]:
    """Split record by record: ids, answers and places of those that split; the errors
    of the others go into ``errors`` by place."""
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
    return ids, answer_maps, places


def score_records(pack: RulePack, records: Sequence[Any], as_of: dt.date, *,
                  detail: Detail = "full", explain: bool = False,
                  what_if: bool = False) -> list[Scored | AnswerError]:
    """Score a chunk of records, in order: a :class:`Scored` or an :class:`AnswerError` each.

    A record is ``{"id": ..., "answers": {...}}`` or a bare mapping of answers; an
    :class:`AnswerError` in ``records`` is passed through in its place.
    """
    outcome = score_chunk(pack, records, as_of, detail=detail, explain=explain,
                          what_if=what_if)
    out: list[Scored | AnswerError | None] = [None] * len(records)
    for place, error in outcome.errors.items():
        out[place] = error
    if outcome.scored is not None:
        for place, scored in zip(outcome.places, outcome.scored, strict=True):
            out[place] = scored
    return [found for found in out if found is not None]


def _score_chunk(pack: RulePack, typed: TypedColumns, ids: Sequence[str | None],
                 as_of: dt.date, explain: bool, detail: Detail | None,
                 what_if: bool = False) -> ScoredChunk:
    """Decide a chunk, and write its documents in ``detail`` (with ``None``, none: the
    decisions are all CSV rows take, and the notes, items, fees, deadlines and sources
    the documents hold are most of the work). With ``what_if``, each document says what
    would change it: its variants are scored here too, as one more chunk."""
    compiled = compiled_pack(pack, detail or "compact")
    n = len(ids)
    # The answers as given, before ``ask`` drops those not asked (in place): a variant is
    # the record as given with one answer changed, as a person would re-score it.
    originals = Originals(typed.values, typed.coded, n) if what_if and detail else None
    cites = [0] * n if detail is not None else None
    columns, asked, weighings = _decide(pack, compiled, typed, n, as_of, cites)
    missing = asked.missing
    writer = None if detail is None else Writer(compiled, columns)
    flags = flag_column(compiled, columns, None if writer is None else writer.notes)
    tops = top_categories(n, [weighing.ranks for weighing in weighings])
    scored = ScoredChunk(
        ids=list(ids), missing=missing, tops=tops,
        bands={category.id: weighing.bands for category, weighing in
               zip(compiled.categories, weighings, strict=True)},
        flag_codes=flags.codes, flag_masks=flags.masks, document=None)
    if writer is None:
        return scored
    assert cites is not None
    changes = None
    if originals is not None:
        changes = what_would_change(
            compiled, columns, asked.asked, originals, scored.bands,
            lambda variants, count: _bands(pack, compiled, variants, count, as_of))
    categories = [category_json(weighing, writer, frame)
                  for weighing, frame in zip(weighings, writer.category_frames, strict=True)]
    cites = list(map(or_, cites, flags.cites))
    item_json: dict[str, list[bytes]] = {}
    for kind in ITEM_KINDS:
        item_column = compiled.items[kind].column(columns)
        cites = list(map(or_, cites, map(_CITE, item_column)))
        item_json[kind] = list(map(_JSON, item_column))
    fee_json = fee_column(compiled, columns, cites)
    deadlines = writer.deadlines(cites)
    traces = None
    if explain:
        tracers = [Tracer(columns, index) for index in range(n)]
        for category in compiled.categories:
            trace_category(category, columns, tracers)
        for tracer in tracers:
            for entry in pack.flags:
                tracer.flag(entry.flag.id, entry.when, entry.unless)
        traces = [tracer.trace for tracer in tracers]
    scored.document = writer.document(
        ids=ids, missing=missing, tops=tops, categories=categories, flags=flags.json,
        items=item_json, fees=fee_json, deadlines=deadlines, cites=cites, traces=traces,
        changes=changes)
    return scored


def _decide(pack: RulePack, compiled: CompiledPack, typed: TypedColumns, n: int, as_of: dt.date,
            cites: list[int] | None) -> tuple[AnswerColumns, AskedChunk, list[Weighing]]:
    """The decisions of a chunk, before anything is written: which questions are asked
    (the answers to the others dropped) and each category weighed (citing what it weighs
    in ``cites``, if given)."""
    columns = AnswerColumns(typed.values, n, pack.context(as_of), typed.coded)
    asked = ask(pack, columns)
    return columns, asked, [weigh_category(category, columns, cites)
                            for category in compiled.categories]


def _bands(pack: RulePack, compiled: CompiledPack, typed: TypedColumns, n: int,
           as_of: dt.date) -> dict[str, list[str]]:
    """Each category's bands for a chunk, decided as every chunk is (:func:`_decide`): the
    variants of "what would change the result" are scored so, the bands being all they
    need."""
    _, _, weighings = _decide(pack, compiled, typed, n, as_of, None)
    return {category.id: weighing.bands
            for category, weighing in zip(compiled.categories, weighings, strict=True)}


_CITE = attrgetter("cite")
_JSON = attrgetter("json")


class ScoredChunk:
    """The results of a chunk of records, as columns (entry i is record i's).

    ``document`` is the documents' JSON as a template: each piece is bytes every record
    shares or a list with one piece per record; record i's document is the join of its
    pieces (None if the chunk was scored with ``detail=None``: decisions only).
    ``flag_masks`` holds each flag shown somewhere, in output order, with its mask:
    bit ``8 * i`` set if record i shows it. ``flag_codes`` says the same a byte a record per
    eight flags (see ``decide.flag_column``), from which :attr:`flags` names them.
    """

    def __init__(self, *, ids: list[str | None], missing: list[list[str]],
                 tops: list[str | None], bands: dict[str, list[str]],
                 flag_codes: list[tuple[FlagByte, bytes]], flag_masks: list[tuple[str, int]],
                 document: list[bytes | list[bytes]] | None) -> None:
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
        if self.document is None:
            raise ValueError("this chunk was scored without documents (detail=None)")
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


