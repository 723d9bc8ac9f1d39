"""Deciding: each category's band and score, the top category, flags and fees.

Everything here works on a chunk at a time. Masks say which records a condition holds for
(see :mod:`parole_screen.columns`); only the records where some basis of a category applies
are then weighed one by one, from that basis's slot results (one byte per condition, see
:class:`~parole_screen.engine.compiled.Basis`). The notes behind each decision are written
as they are decided, by :mod:`~parole_screen.engine.result_bytes`.

How a basis is weighed (:func:`weigh_basis`): an unmet requirement makes it
``not_indicated``, an unknown one ``insufficient_information``; otherwise its base score,
plus the strengtheners' weights and minus the weakeners', clamped to 0-100, gives the band
by the pack's thresholds, and a block that holds caps it. A category takes its best basis
(by band, then score), and the top category is the best ranked band of all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import compress
from operator import itemgetter, or_
from typing import NamedTuple

from ..columns import AnswerColumns, positions
from ..conditions import Condition, Trace
from ..models import BANDS
from .compiled import Basis, Category, CompiledPack, FlagByte, Note
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


class CategoryColumn(NamedTuple):
    """A category's outcome for every record of a chunk."""

    json: list[bytes]
    bands: list[str]
    ranks: dict[int, _Rank]  # by record, where the band is ranked: for the top category


_RANKED = {"strong": 0, "possible": 1, "weak": 2}
# Among the bands a category can end with, which outcome to prefer when bases compete.
_PREFERENCE = {"strong": 0, "possible": 1, "weak": 2, "insufficient_information": 3,
               "not_indicated": 4}
_BAND_RANK: dict[str, int] = {band: rank for rank, band in enumerate(BANDS)}  # caps go by this
_Weighed = tuple[str, int, Basis, list[Note], list[Note]]


def category_column(category: Category, columns: AnswerColumns, writer: Writer,
                     tracers: list[Tracer] | None, cites: list[int],
                     frame: Frame) -> CategoryColumn:
    """Decide a category for a chunk: only records where some basis applies are weighed.

    Each outcome's JSON comes in ``frame``, the result's fixed text around it."""
    n = columns.n
    bases = category.bases
    applies = [basis.applies.masks(columns) for basis in bases]
    empty = {band: b"".join((frame.head, json, frame.tail))
             for band, json in writer.compiled.spelling.empty_outcomes.items()}
    json = [empty["not_indicated"]] * n
    bands = ["not_indicated"] * n
    ranks: dict[int, _Rank] = {}
    some_true = some_unknown = 0
    for true, false in applies:
        some_true |= true
        some_unknown |= columns.full & ~(true | false)
    for index in positions(some_unknown & ~some_true, n):
        json[index] = empty["insufficient_information"]
        bands[index] = "insufficient_information"
    todo = range(n) if tracers is not None else positions(some_true, n)
    codes = [columns.tri_bytes(masks) for masks in applies]
    # Slot-major results of each basis that applies somewhere: slot s of record i is at
    # s * n + i, so a record's slots are the strided slice [i::n].
    matrices = [b"".join([columns.tri_bytes(condition.masks(columns)) for condition in basis.slots])
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
            weighed = weigh_basis(basis, pattern, tracer)
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
    return CategoryColumn(json, bands, ranks)


def weigh_basis(basis: Basis, pattern: bytes, tracer: Tracer | None) -> _Weighed:
    """One basis that applies: its band and score, and the notes behind them."""
    reasons: list[Note] = []
    concerns: list[Note] = []
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
                notes: NoteWriter) -> FlagColumn:
    """Each record's flags: which are shown, their citations and their notes.

    Flag by flag, the records its mask shows it for get its note appended to their lists,
    at C speed (notes quote answers, so they vary a lot from record to record). The masks
    of each eight flags are merged into one byte a record, and each byte value names its
    flags' citations (``compiled.flag_bytes``); their ids are looked up only where wanted
    (see ``ScoredChunk.flags``: a JSONL row does without).
    """
    n = columns.n
    written: list[list[bytes]] = [[] for _ in range(n)]
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
                picks = mask.to_bytes(n, "little")
                deque(map(list.append, compress(written, picks),
                          notes.picked(flag.note, picks)), 0)
        if merged:
            code = merged.to_bytes(n, "little")
            codes.append((eight, code))
            cites = list(map(or_, cites, map(eight.cites.__getitem__, code)))
    return FlagColumn(codes, cites, list(map(b",".join, written)), shown)
