"""Deciding: each category's band and score, the top category, flags and fees.

Everything here works on a chunk at a time. Masks say which records a condition holds for
(see :mod:`parole_screen.columns`); only the records where some basis of a category applies
are then weighed one by one, from that basis's slot results (one byte per condition, see
:class:`~parole_screen.engine.compiled.Basis`). The notes behind each decision are written
as they are decided, by :mod:`~parole_screen.engine.result_bytes`.

How a basis is weighed (:func:`weigh_basis`): an unmet requirement makes it
``not_indicated``, an unknown one ``insufficient_information``, unless a block that holds
caps it at ``weak`` or lower (a known blocker decides the band however the missing answers
turn out: at best that cap); otherwise its base score, plus the strengtheners' weights and
minus the weakeners', clamped to 0-100, gives the band by the pack's thresholds, and a block
that holds caps it. A category takes its best basis (by band, then score), and the top
category is the best ranked band of all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import compress, repeat
from operator import itemgetter, or_
from typing import NamedTuple

from ..columns import AnswerColumns, positions
from ..conditions import Condition, Trace
from ..models import BANDS
from .compiled import Basis, Category, CompiledPack, Factor, FlagByte, Note
from .fragments import Frame
from .result_bytes import NoteWriter, Writer, outcome_json


class Tracer:
    """Collects ``--explain``'s trace for one record: each rule weighed, with its clauses."""

    def __init__(self, columns: AnswerColumns, index: int) -> None:
        self.columns, self.index = columns, index
        self.trace: Trace = []

    def rule(self, rule_id: str, condition: Condition) -> None:
        clauses: Trace = []
        result = condition.explain(self.columns, self.index, clauses)
        self.trace.append({"rule": rule_id, "result": result, "clauses": clauses})

    def flag(self, flag_id: str, when: Condition, unless: Condition | None) -> None:
        clauses: Trace = []
        held = when.explain(self.columns, self.index, clauses) is True
        excepted = held and unless is not None and unless.explain(self.columns, self.index,
                                                                   clauses) is True
        self.trace.append({"rule": flag_id, "result": held and not excepted, "clauses": clauses})


_Rank = tuple[int, int, int, str]  # band rank, minus the score, priority, category id


def top_categories(n: int, ranks: list[dict[int, _Rank]]) -> list[str | None]:
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


class Weighed(NamedTuple):
    """A basis weighed for one pattern of slot results (see :func:`weigh_basis`)."""

    key: tuple[int, int]  # the preference of the band, minus the score: the least is best
    band: str
    score: int
    basis: Basis
    reasons: tuple[Note, ...]
    concerns: tuple[Note, ...]
    cite: int  # the basis's sources and its notes'
    missing_evidence: bytes  # the evidence rows lacking, joined


PATTERNS_KEPT = 1024  # outcomes remembered per basis, by pattern of slot results
_RANKED = {"strong": 0, "possible": 1, "weak": 2}
# Among the bands a category can end with, which outcome to prefer when bases compete.
_PREFERENCE = {"strong": 0, "possible": 1, "weak": 2, "insufficient_information": 3,
               "not_indicated": 4}
_BAND_RANK: dict[str, int] = {band: rank for rank, band in enumerate(BANDS)}  # caps go by this


class Weighing(NamedTuple):
    """A category weighed for every record of a chunk, before any JSON is written."""

    bands: list[str]
    ranks: dict[int, _Rank]  # by record, where the band is ranked: for the top category
    best: dict[int, Weighed]  # by record, where some basis applies: the best one


def weigh_category(category: Category, columns: AnswerColumns,
                   cites: list[int] | None) -> Weighing:
    """Decide a category for a chunk: only records where some basis applies are weighed.

    Basis by basis, each record it applies to gets the basis weighed from its slot results
    (remembered by pattern: few patterns occur) and keeps the best basis so far; every
    basis weighed is cited in ``cites`` (if given), best or not (the report lists what was
    weighed). Nothing is written: CSV rows need only the bands (see :func:`category_json`).
    """
    n = columns.n
    applies = [basis.applies.masks(columns) for basis in category.bases]
    bands = ["not_indicated"] * n
    some_true = some_unknown = 0
    for true, false in applies:
        some_true |= true
        some_unknown |= columns.full & ~(true | false)
    for index in positions(some_unknown & ~some_true, n):
        bands[index] = "insufficient_information"
    best = _best_bases(category, applies, columns, cites)
    ranks: dict[int, _Rank] = {}
    for index, weighed in best.items():
        band = weighed.band
        if band == "not_indicated" and some_unknown >> 8 * index & 1:
            band = "insufficient_information"  # another basis might apply once answered
        bands[index] = band
        rank = _RANKED.get(band)
        if rank is not None:
            ranks[index] = (rank, -weighed.score, category.priority, category.id)
    return Weighing(bands, ranks, best)


def _best_bases(category: Category, applies: list[tuple[int, int]], columns: AnswerColumns,
                cites: list[int] | None) -> dict[int, Weighed]:
    """By record, the best basis of those that apply to it, each weighed once per pattern of
    slot results; every basis weighed is cited in ``cites`` (if given)."""
    n = columns.n
    best: dict[int, Weighed] = {}
    for basis, (true, _) in zip(category.bases, applies, strict=True):
        if not true:
            continue
        # Slot-major results: slot s of record i is at s * n + i, so a record's slots are
        # the strided slice [i::n].
        matrix = b"".join([columns.tri_bytes(condition.masks(columns))
                           for condition in basis.slots])
        weighed_by_pattern = basis.weighed
        for index in positions(true, n):
            pattern = matrix[index::n]
            weighed = weighed_by_pattern.get(pattern)
            if weighed is None:
                weighed = _remember(basis, pattern)
            if cites is not None:
                cites[index] |= weighed.cite
            held = best.get(index)
            if held is None or weighed.key < held.key:  # the earlier basis wins a tie
                best[index] = weighed
    return best


def category_json(weighing: Weighing, writer: Writer, frame: Frame) -> list[bytes]:
    """Each record's outcome object for a weighed category, its notes quoting the record's
    answers, in ``frame``, the document's fixed text around it."""
    # Where no basis applies (most records), the outcome is empty; the others' are
    # written below.
    empty: dict[str, bytes] = dict.fromkeys(BANDS, b"")
    empty.update((band, b"".join((frame.head, json, frame.tail)))
                 for band, json in writer.compiled.spelling.empty_outcomes.items())
    json = list(map(empty.__getitem__, weighing.bands))
    write = writer.note
    bands = weighing.bands
    for index, weighed in weighing.best.items():
        basis = weighed.basis
        # Few records share a pattern of slot results, so notes are written record by
        # record; ``map`` rather than a list comprehension, which costs a call of its own.
        json[index] = outcome_json(
            bands[index], weighed.score, basis.head, basis.label,
            map(write, weighed.reasons, repeat(index)),
            map(write, weighed.concerns, repeat(index)),
            weighed.missing_evidence, frame)
    return json


def _remember(basis: Basis, pattern: bytes) -> Weighed:
    """Weigh ``basis`` for ``pattern`` and keep the outcome (a bounded number of them)."""
    band, score, reasons, concerns = weigh_basis(basis, pattern, None)
    cite = basis.cite
    for note in (*reasons, *concerns):
        cite |= note.cite
    missing = b",".join([evidence.json for evidence in basis.evidence
                         if pattern[evidence.slot] == 1])
    if len(basis.weighed) >= PATTERNS_KEPT:  # bounded: a batch's memory stays flat
        basis.weighed.clear()
    found = basis.weighed[pattern] = Weighed(
        (_PREFERENCE[band], -score), band, score, basis, tuple(reasons), tuple(concerns), cite,
        missing)
    return found


def trace_category(category: Category, columns: AnswerColumns,
                   tracers: Sequence[Tracer]) -> None:
    """Add to each record's trace the rules weighed for ``category``, in order: each
    basis's gate, then, where it applies, its rules."""
    n = columns.n
    for basis in category.bases:
        matrix = b"".join([columns.tri_bytes(condition.masks(columns))
                           for condition in basis.slots])
        for index, tracer in enumerate(tracers):
            tracer.rule(basis.rule_id, basis.applies)
            if matrix[index] == 1:
                weigh_basis(basis, matrix[index::n], tracer)


def weigh_basis(basis: Basis, pattern: bytes, tracer: Tracer | None
                ) -> tuple[str, int, list[Note], list[Note]]:
    """One basis that applies, from its slot results: its band and score, and the notes
    behind them (reasons, concerns), as the module's docstring says. ``tracer`` records
    each rule read, in order."""
    reasons: list[Note] = []
    concerns: list[Note] = []
    unmet, unknown = _read_requirements(basis, pattern, tracer, reasons, concerns)
    score = basis.base_score
    score += _weights_held(basis.strengthens, pattern, tracer, reasons)
    score -= _weights_held(basis.weakens, pattern, tracer, concerns)
    score = max(0, min(100, score))
    if unmet:
        return "not_indicated", 0, reasons, concerns
    if unknown and not _decided_by_block(basis, pattern):
        return "insufficient_information", score, reasons, concerns
    strong, possible = basis.bands
    band = "strong" if score >= strong else "possible" if score >= possible else "weak"
    return _capped(band, basis, pattern, tracer, concerns), score, reasons, concerns


def _read_requirements(basis: Basis, pattern: bytes, tracer: Tracer | None,
                       reasons: list[Note], concerns: list[Note]) -> tuple[bool, bool]:
    """Note each requirement that holds or fails; whether one failed, whether one is
    unknown."""
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
    return unmet, unknown


_WEAK = _BAND_RANK["weak"]


def _decided_by_block(basis: Basis, pattern: bytes) -> bool:
    """Whether a block that holds caps the basis at ``weak`` or lower, so that answers still
    missing cannot lift it (a known blocker, such as parole that has already ended, is never
    shown as ``insufficient_information``). A ``possible`` cap does not decide: an unknown
    requirement may still make the basis ``not_indicated``, and "possible" would claim more."""
    return any(pattern[factor.slot] == 1 and _BAND_RANK[factor.cap or "weak"] >= _WEAK
               for factor in basis.blocks)


def _weights_held(factors: Sequence[Factor], pattern: bytes, tracer: Tracer | None,
                  notes: list[Note]) -> int:
    """The summed weight of the ``factors`` that hold, each noted in ``notes``."""
    total = 0
    for factor in factors:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            total += factor.weight
            notes.append(factor.note)
    return total


def _capped(band: str, basis: Basis, pattern: bytes, tracer: Tracer | None,
            concerns: list[Note]) -> str:
    """``band`` lowered to the cap of every block that holds (each noted as a concern)."""
    for factor in basis.blocks:
        if tracer is not None:
            tracer.rule(factor.rule_id, factor.condition)
        if pattern[factor.slot] == 1:
            concerns.append(factor.note)
            cap = factor.cap or "weak"
            if _BAND_RANK[cap] > _BAND_RANK[band]:
                band = cap
    return band


def fee_column(compiled: CompiledPack, columns: AnswerColumns, cites: list[int]
               ) -> list[bytes]:
    """Each record's fees (JSON rows, joined), as of the chunk's date; adds their cites."""
    rows = compiled.fee_rows(columns.ctx.as_of)
    codes = compiled.fees.codes(columns)
    decoded = {code: _decode_fees(compiled.fees.entries, code, rows, compiled.fee_frame)
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


class FlagColumn(NamedTuple):
    """The flags of every record of a chunk (see :func:`flag_column`)."""

    codes: list[tuple[FlagByte, bytes]]  # per eight flags shown somewhere: a byte a record
    cites: list[int]  # by record: the flags' citations
    json: list[bytes]  # by record: the flags' notes, joined
    masks: list[tuple[str, int]]  # each flag shown somewhere, in output order, with its mask


def flag_column(compiled: CompiledPack, columns: AnswerColumns,
                notes: NoteWriter | None) -> FlagColumn:
    """Each record's flags: which are shown, their citations and their notes (with
    ``notes``; without, as for CSV rows, only which are shown: ``cites`` and ``json`` are
    empty).

    Flag by flag, the records its mask shows it for get its note appended to their lists,
    at C speed (notes quote answers, so they vary a lot from record to record). The masks
    of each eight flags are merged into one byte a record, and each byte value names its
    flags' citations (``compiled.flag_bytes``); their ids are looked up only where wanted
    (see ``ScoredChunk.flags``: a JSONL row does without).
    """
    n = columns.n
    written: list[list[bytes]] = [] if notes is None else [[] for _ in range(n)]
    codes: list[tuple[FlagByte, bytes]] = []
    cites = [0] * n
    shown: list[tuple[str, int]] = []
    for eight in compiled.flag_bytes:
        merged = 0
        for bit, flag in enumerate(eight.flags):
            mask = flag.shown.masks(columns)[0]
            if mask:
                shown.append((flag.id, mask))
                merged |= mask << bit
                if notes is None:
                    continue
                picks = mask.to_bytes(n, "little")
                deque(map(list.append, compress(written, picks),
                          notes.picked(flag.note, picks)), 0)
        if merged:
            code = merged.to_bytes(n, "little")
            codes.append((eight, code))
            if notes is not None:
                cites = list(map(or_, cites, map(eight.cites.__getitem__, code)))
    if notes is None:
        return FlagColumn(codes, [], [], shown)
    return FlagColumn(codes, cites, list(map(b",".join, written)), shown)
