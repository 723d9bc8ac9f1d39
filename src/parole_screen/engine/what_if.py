"""What would change the result: the answers and documents that would lift a category's band.

For each record and each category not banded ``strong``, the engine tries the alternatives:
every question the category's band reads (whether a basis applies, and its rules) that the
record is asked and has not answered gets each answer it could take, and every document
those rules look for (in the pack's documents question: the multi-choice question its
evidence lines read) that the record does not hold is added to those it holds. Each such
variant of the record is decided by the engine itself: the variants of a chunk are one more
chunk, decided by the same step (``scoring._decide``) as every chunk. So the band shown is,
by construction, the band the engine gives with that answer; nothing here weighs a rule.

What is kept: the answers that would lift the category to a better band (see :data:`RANK`),
best band first, then in interview order, at most :data:`MAX_PER_CATEGORY` a category. One
answer at a time: where two answers are missing, neither alone may move the band, and
nothing is said.

Which moves are lifts: to ``strong`` or ``possible`` from any band below; to ``weak`` only
from ``not_indicated``. Not from ``insufficient_information`` to ``weak``: that band may
still turn out strong, and a known obstacle (a "yes" to the security question, say) decides
it at ``weak`` at best; "answer yes and it is weak" is no way forward. Nor is a move to
``insufficient_information`` or ``not_indicated`` a lift.

The answers tried: yes and no; each choice; each choice alone of a multi-choice question;
for a date or a number, one answer from each range the pack's conditions tell apart (the
boundaries its rules and "asked when" conditions test, so that within one range every
condition reads the same); adjacent ranges with the same outcome are reported as one, with
its ``range`` (``gte``/``gt``/``lte``/``lt``: every answer in it gives the same band); for a
country, each country a rule names. Text is never tried: a rule can only test that it is
given.

Each entry: ``category``, ``question``, ``answer`` (the JSON answer to give; for
``kind: "evidence"`` the document to add to those held), ``band_now``, ``band_if``,
``kind`` (``answer`` or ``evidence``) and ``range`` (null but for dates and numbers).

What it costs: a record has a few variants on average (only the unanswered questions that
can move a band it could still move, and the documents that count), decided without
documents; ``benchmarks/what_would_change.py`` measures it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, compress
from typing import Any, NamedTuple

from ..answers import MAX_YEAR, MIN_YEAR, TypedColumns, to_json_value
from ..columns import AnswerColumns, positions
from ..conditions import Condition, leaf_tests
from ..jsonbytes import dumps
from ..models import Question
from ..pack import RulePack
from .compiled import Basis, CompiledPack

#: Entries kept per category: a handful, the best first.
MAX_PER_CATEGORY = 5
#: Variants scored per chunk (each record of a chunk has a few dozen at most).
VARIANT_CHUNK = 2048
#: Bands for a person, best first: ``insufficient_information`` may still turn out well,
#: so it stands above ``weak`` (see the module's docstring for what counts as a lift).
RANK = {"strong": 0, "possible": 1, "insufficient_information": 2, "weak": 3,
        "not_indicated": 4}
REPORTED = frozenset({"strong", "possible", "weak"})
_FAR = 10**9  # the engine's stand-in for an open end of a range of days (conditions._Days)
_RANGED = frozenset({"date", "number", "money"})

Bound = tuple[Any, bool] | None  # (value, inclusive), or None: open
Read = tuple[str, str | None]  # (question, None) or (documents question, document)
Score = Callable[[TypedColumns, int], Mapping[str, list[str]]]


class Alternative(NamedTuple):
    """One answer tried: its typed value and JSON, and for dates and numbers the range of
    answers it stands for (every answer in it reads the same in every condition)."""

    value: Any
    json: Any
    low: Bound
    high: Bound


class CategoryPlan(NamedTuple):
    id: str
    reads: frozenset[str]  # questions tried as answers
    documents: Mapping[str, frozenset[str]]  # documents question -> documents its rules read
    # The questions that can make a basis apply: read by a basis's "applies when", or by an
    # "asked when" (an answer can drop others). A basis that does not apply to a record
    # keeps out of its band whatever the other questions say, so elsewhere a question is
    # tried only where a basis whose rules read it applies, or may (see ``bases``).
    steering: frozenset[str]
    bases: tuple[frozenset[Read], ...]  # by basis: what its rules read


class Plan(NamedTuple):
    """What to try, from the pack alone."""

    categories: tuple[CategoryPlan, ...]  # in the pack's order
    questions: tuple[str, ...]  # tried as answers by some category, in interview order
    documents: Mapping[str, tuple[str, ...]]  # documents question -> documents, choice order
    order: Mapping[str, int]  # question id -> place in the interview
    kinds: Mapping[str, str]  # question id -> type
    exclusive: Mapping[str, frozenset[str]]  # multi-choice question -> exclusive choices
    tests: Mapping[str, tuple[tuple[str, Any], ...]]  # question -> (op, operand) of its leaves


@lru_cache(maxsize=8)
def plan(compiled: CompiledPack) -> Plan:
    """What the engine tries for each category of ``compiled``'s pack."""
    pack = compiled.pack
    questions = {entry.question.id: entry.question for entry in pack.questions}
    order = {qid: place for place, qid in enumerate(questions)}
    # The documents questions: the multi-choice questions an evidence line's "have" reads.
    documents_questions = {
        qid for category in pack.categories for basis in category.bases
        for proof in basis.evidence if proof.have is not None
        for qid, _, _ in leaf_tests(proof.have) if questions[qid].type == "multi_choice"}
    # Every leaf that can move a band: the categories' rules, and which questions are asked.
    conditions = [*chain.from_iterable(basis.slots for category in compiled.categories
                                       for basis in category.bases),
                  *(entry.asked_when for entry in pack.questions if entry.asked_when)]
    tests: dict[str, set[tuple[str, Any]]] = {}
    for condition in conditions:
        for qid, op, operand in leaf_tests(condition):
            tests.setdefault(qid, set()).add((op, _frozen(operand)))
    asked_reads = {qid for entry in pack.questions if entry.asked_when
                   for qid, _, _ in leaf_tests(entry.asked_when)}
    categories = []
    for category in compiled.categories:
        bases = [_basis_reads(basis, questions, documents_questions)
                 for basis in category.bases]
        everything: set[Read] = set().union(*bases)
        documents: dict[str, set[str]] = {}
        for qid, document in everything:
            if document is not None:
                documents.setdefault(qid, set()).add(document)
        steering = asked_reads.union(*({qid for qid, _, _ in leaf_tests(basis.applies)}
                                       for basis in category.bases))
        categories.append(CategoryPlan(
            category.id, frozenset(qid for qid, document in everything if document is None),
            {qid: frozenset(found) for qid, found in documents.items()}, frozenset(steering),
            tuple(bases)))
    tried = set().union(*(category.reads for category in categories))
    choice_order = {qid: [choice.value for choice in questions[qid].choices]
                    for qid in documents_questions}
    return Plan(
        categories=tuple(categories),
        questions=tuple(sorted(tried, key=order.__getitem__)),
        documents={qid: tuple(value for value in choice_order[qid]
                              if any(value in category.documents.get(qid, ())
                                     for category in categories))
                   for qid in sorted(documents_questions, key=order.__getitem__)},
        order=order,
        kinds={qid: question.type for qid, question in questions.items()},
        exclusive={qid: frozenset(choice.value for choice in question.choices
                                  if choice.exclusive)
                   for qid, question in questions.items() if question.type == "multi_choice"},
        tests={qid: tuple(sorted(found, key=repr)) for qid, found in tests.items()})


def _basis_reads(basis: Basis, questions: Mapping[str, Question],
                 documents_questions: Iterable[str]) -> frozenset[Read]:
    """What a basis's band reads: questions, and documents of the documents questions."""
    found: set[Read] = set()
    for condition in _band_conditions(basis):
        for qid, op, operand in leaf_tests(condition):
            if qid in documents_questions:
                if op in ("contains", "contains_any"):
                    found.update((qid, document) for document in (
                        operand if op == "contains_any" else [operand]))
            elif questions[qid].type != "text":
                found.add((qid, None))
    return frozenset(found)


def _band_conditions(basis: Basis) -> list[Condition]:
    """The conditions a basis's band reads: whether it applies, and its rules. (Evidence
    lines say only what to gather: no answer they read moves a band.)"""
    return [basis.applies, *(factor.condition for factor in chain(
        basis.requires, basis.strengthens, basis.weakens, basis.blocks))]


def _frozen(operand: Any) -> Any:
    if isinstance(operand, Mapping):
        return tuple(sorted(operand.items()))
    if isinstance(operand, list | tuple):
        return tuple(operand)
    return operand


@lru_cache(maxsize=64)
def alternatives(compiled: CompiledPack, as_of: dt.date) -> dict[str, tuple[Alternative, ...]]:
    """The answers tried for each question, as of a date (ranges of days move with it)."""
    found = {}
    the_plan = plan(compiled)
    questions = compiled.pack.question_index
    for qid in the_plan.questions:
        question = questions[qid]
        tests = the_plan.tests.get(qid, ())
        kind = question.type
        if kind == "yes_no":
            values: list[Any] = [True, False]
        elif kind == "choice":
            values = [choice.value for choice in question.choices]
        elif kind == "multi_choice":
            values = [frozenset([choice.value]) for choice in question.choices]
        elif kind == "country":
            named: set[str] = set()
            for op, operand in tests:
                if op in ("is", "in"):
                    named.update(operand if op == "in" else [operand])
            values = sorted(named)
        elif kind == "date":
            found[qid] = _date_pieces(tests, as_of)
            continue
        else:  # number, money
            found[qid] = _number_pieces(tests, question.min, question.max)
            continue
        found[qid] = tuple(Alternative(value, to_json_value(value), None, None)
                           for value in values)
    return found


def _date_pieces(tests: Iterable[tuple[str, Any]], as_of: dt.date) -> tuple[Alternative, ...]:
    """One date from each range of dates the leaves ``tests`` tell apart, with the range."""
    base = as_of.toordinal()
    cuts: set[int] = set()  # the first day of each range but the first
    for op, operand in tests:
        if op not in ("days_until", "days_since"):
            continue
        bounds = dict(operand)
        # As conditions._Days reads it: low <= sign * (day - as_of) <= high.
        low = max(bounds.get("gte", -_FAR), bounds.get("gt", -_FAR - 1) + 1)
        high = min(bounds.get("lte", _FAR), bounds.get("lt", _FAR + 1) - 1)
        first, last = (base + low, base + high) if op == "days_until" else (base - high,
                                                                           base - low)
        cuts.update((first, last + 1))
    earliest = dt.date(MIN_YEAR, 1, 1).toordinal()
    latest = dt.date(MAX_YEAR, 12, 31).toordinal()
    starts = sorted(cut for cut in cuts if earliest < cut <= latest)
    pieces = []
    for index in range(len(starts) + 1):
        start = starts[index - 1] if index else None
        end = starts[index] - 1 if index < len(starts) else None
        day = dt.date.fromordinal(start if start is not None else end if end is not None
                                  else base)
        pieces.append(Alternative(
            day, day.isoformat(),
            None if start is None else (dt.date.fromordinal(start), True),
            None if end is None else (dt.date.fromordinal(end), True)))
    return tuple(pieces)


def _number_pieces(tests: Iterable[tuple[str, Any]], least: float | None,
                   most: float | None) -> tuple[Alternative, ...]:
    """One number from each range the leaves ``tests`` tell apart (each value a rule
    compares with, and the open ranges between them), within the question's limits."""
    least, most = _whole(least), _whole(most)
    marks = sorted({operand for op, operand in tests if op in ("is", "gte", "lte", "gt", "lt")
                    and (least is None or operand >= least)
                    and (most is None or operand <= most)})
    pieces: list[Alternative] = []

    def between(low: Any, high: Any) -> None:
        """The open range (low, high), either end None for none, where it holds an answer
        within the limits."""
        value = _inside(low, high, least, most)
        if value is not None:
            pieces.append(Alternative(value, value, None if low is None else (low, False),
                                      None if high is None else (high, False)))

    previous = None
    for mark in marks:
        between(previous, mark)
        pieces.append(Alternative(mark, mark, (mark, True), (mark, True)))
        previous = mark
    between(previous, None)
    return tuple(pieces)


def _inside(low: Any, high: Any, least: Any, most: Any) -> Any:
    """A number in the open range (low, high) and within [least, most], a whole one where
    there is one; None if there is none."""
    floor = least if low is None else low if least is None else max(low, least)
    ceiling = most if high is None else high if most is None else min(high, most)
    low_open = low is not None and floor == low  # the end itself is outside the range
    high_open = high is not None and ceiling == high
    if floor is None and ceiling is None:
        return 0
    if floor is None:
        return math.ceil(ceiling) - 1 if high_open else math.floor(ceiling)
    if ceiling is None:
        return math.floor(floor) + 1 if low_open else math.ceil(floor)
    whole = math.floor(floor) + 1 if low_open else math.ceil(floor)
    if whole < ceiling or (whole == ceiling and not high_open):
        return whole
    if floor < ceiling:
        return (floor + ceiling) / 2  # no whole number fits: the middle
    if floor == ceiling and not low_open and not high_open:
        return floor
    return None


def _whole(value: float | None) -> Any:
    return int(value) if value is not None and value == int(value) else value


class Originals:
    """A chunk's answers as given, before the answers not asked are dropped (variants are
    made from them, as re-scoring an edited record would)."""

    def __init__(self, values: Mapping[str, list[Any]],
                 coded: Mapping[str, tuple[bytes, list[Any]]], n: int) -> None:
        self.values = {qid: list(column) for qid, column in values.items()}
        self.coded = dict(coded)
        self.n = n

    def column(self, qid: str) -> list[Any]:
        found = self.values.get(qid)
        if found is None:
            coded = self.coded.get(qid)
            found = self.values[qid] = (list(map(coded[1].__getitem__, coded[0])) if coded
                                        else [None] * self.n)
        return found


class _Tried(NamedTuple):
    """What was tried for one question of one record."""

    question: str
    variant: int  # the first variant's place: one per alternative, in order (one document)
    document: str | None  # the document added (evidence), or None: each alternative
    position: int  # the document's place among those tried (0 for answers)


def what_would_change(compiled: CompiledPack, columns: AnswerColumns, asked: Mapping[str, int],
                      originals: Originals, bands: Mapping[str, Sequence[str]],
                      score: Score) -> list[bytes]:
    """Each record's ``what_would_change`` list, as JSON (see the module's docstring).

    ``columns`` are the chunk's answers as scored (the answers not asked dropped), ``asked``
    the mask of records each question is asked of, ``bands`` each category's bands, and
    ``score(typed, n)`` the engine deciding ``n`` records given as typed columns, returning
    their bands.
    """
    the_plan = plan(compiled)
    tables = alternatives(compiled, columns.ctx.as_of)
    n = columns.n
    variants = _Variants(n)
    wanted = _Wanted(compiled, the_plan, columns, bands)
    for qid in the_plan.questions:
        variants.answers(qid, tables[qid], positions(
            wanted.mask((qid, None)) & asked.get(qid, 0) & ~columns.known(qid), n))
    for qid, documents in the_plan.documents.items():
        column = originals.column(qid)
        exclusive = the_plan.exclusive.get(qid, frozenset())
        for position, document in enumerate(documents):
            variants.document(qid, document, position, exclusive, column, positions(
                wanted.mask((qid, document)) & asked.get(qid, 0), n))
    if not variants.records:
        return [b"[]"] * n
    variant_bands = _score_variants(compiled.pack, originals, variants.records,
                                    variants.overrides, score)
    # The records where some variant lifts some band: only they have anything to say.
    lifted = bytearray(n)
    for category in the_plan.categories:
        now = bands[category.id]
        for variant in compress(range(len(variants.records)), map(
                _LIFTS.__contains__, zip(variant_bands[category.id],
                                         map(now.__getitem__, variants.records), strict=True))):
            lifted[variants.records[variant]] = 1
    return [_record_json(the_plan, tables, bands, variant_bands, index, variants.tried[index])
            if lifted[index] else b"[]" for index in range(n)]


class _Wanted:
    """Which records to try a question (or document) for: those where a category that reads
    it is not strong, and, unless the question can make a basis apply (``steering``), where
    a basis whose rules read it applies or may: a basis that does not apply is not weighed,
    so nothing else can move it."""

    def __init__(self, compiled: CompiledPack, the_plan: Plan, columns: AnswerColumns,
                 bands: Mapping[str, Sequence[str]]) -> None:
        self.categories: list[tuple[CategoryPlan, int, list[int]]] = []
        for category, compiled_category in zip(the_plan.categories, compiled.categories,
                                               strict=True):
            not_strong = int.from_bytes(bytes(band != "strong" for band in bands[category.id]),
                                        "little")
            live = [not_strong & ~basis.applies.masks(columns)[1]
                    for basis in compiled_category.bases]
            self.categories.append((category, not_strong, live))

    def mask(self, read: Read) -> int:
        found = 0
        for category, not_strong, live in self.categories:
            if read[0] in category.steering:
                if any(read in reads for reads in category.bases):
                    found |= not_strong
                continue
            for reads, mask in zip(category.bases, live, strict=True):
                if read in reads:
                    found |= mask
        return found


class _Variants:
    """The variants of a chunk's records: which record each comes from, the answer it
    changes, and by record what was tried."""

    def __init__(self, n: int) -> None:
        self.records: list[int] = []
        self.overrides: list[tuple[str, Any]] = []
        self.tried: list[list[_Tried]] = [[] for _ in range(n)]

    def answers(self, qid: str, table: Sequence[Alternative], indexes: Iterable[int]) -> None:
        """Each alternative of ``qid`` for each of the records ``indexes``."""
        changes = [(qid, alternative.value) for alternative in table]
        for index in indexes:
            self.tried[index].append(_Tried(qid, len(self.records), None, 0))
            self.records += [index] * len(changes)
            self.overrides += changes

    def document(self, qid: str, document: str, position: int, exclusive: frozenset[str],
                 column: Sequence[Any], indexes: Iterable[int]) -> None:
        """``document`` added to those each of the records ``indexes`` holds, where it does
        not hold it (an exclusive choice, "none of these", gives way)."""
        for index in indexes:
            held = column[index] or frozenset()
            if document not in held:
                self.tried[index].append(_Tried(qid, len(self.records), document, position))
                self.records.append(index)
                self.overrides.append((qid, (held - exclusive) | {document}))


# (band if, band now) where the first is better and names a likelihood.
_LIFTS = frozenset((better, worse) for better in REPORTED for worse in RANK
                   if RANK[better] < RANK[worse])


def _score_variants(pack: RulePack, originals: Originals, records: list[int],
                    overrides: list[tuple[str, Any]], score: Score) -> dict[str, list[str]]:
    """The bands of every variant: its record's answers as given, one answer changed."""
    found: dict[str, list[str]] = {}
    qids = [entry.question.id for entry in pack.questions]
    for first in range(0, len(records), VARIANT_CHUNK):
        picked = records[first:first + VARIANT_CHUNK]
        # Coded columns stay coded (one byte a variant): coding them again is most of what
        # the variants would cost besides deciding them.
        values: dict[str, list[Any]] = {}
        coded: dict[str, tuple[bytearray, list[Any], dict[Any, int]]] = {}
        for qid in qids:
            column_codes = originals.coded.get(qid)
            if column_codes is None:
                values[qid] = list(map(originals.column(qid).__getitem__, picked))
            else:
                codes, code_values = column_codes
                coded[qid] = (bytearray(map(codes.__getitem__, picked)), code_values, {})
        for place, (qid, value) in enumerate(overrides[first:first + VARIANT_CHUNK]):
            if qid in values:
                values[qid][place] = value
                continue
            variant_codes, code_values, index = coded[qid]
            if not index:
                index.update((known, code) for code, known in enumerate(code_values))
            code = index.get(value)
            if code is None:
                if len(code_values) == 256:  # no code left: the column goes uncoded
                    values[qid] = list(map(code_values.__getitem__, variant_codes))
                    values[qid][place] = value
                    del coded[qid]
                    continue
                code = index[value] = len(code_values)
                code_values = [*code_values, value]  # the original's list is shared
                coded[qid] = (variant_codes, code_values, index)
            variant_codes[place] = code
        typed = TypedColumns(values, {qid: (bytes(codes), code_values)
                                      for qid, (codes, code_values, _) in coded.items()})
        for category, column in score(typed, len(picked)).items():
            found.setdefault(category, []).extend(column)
    return found


_Found = list[tuple[tuple[int, int, int], dict[str, Any]]]


def _record_json(the_plan: Plan, tables: Mapping[str, tuple[Alternative, ...]],
                 bands: Mapping[str, Sequence[str]], variant_bands: Mapping[str, list[str]],
                 index: int, tried: list[_Tried]) -> bytes:
    entries: list[dict[str, Any]] = []
    for category in the_plan.categories:
        now = bands[category.id][index]
        if now == "strong":
            continue
        outcomes = variant_bands[category.id]
        found: _Found = []
        for entry in tried:
            qid = entry.question
            if entry.document is not None:
                if entry.document in category.documents.get(qid, ()):
                    _keep(found, category.id, now, outcomes[entry.variant], the_plan, qid,
                          "evidence", entry.position, entry.document, None)
            elif qid in category.reads:
                table = tables[qid]
                if the_plan.kinds[qid] in _RANGED:
                    _keep_ranges(found, category.id, now, outcomes, the_plan, entry, table)
                    continue
                for position, alternative in enumerate(table):
                    _keep(found, category.id, now, outcomes[entry.variant + position],
                          the_plan, qid, "answer", position, alternative.json, None)
        found.sort(key=lambda pair: pair[0])
        entries += [entry for _, entry in found[:MAX_PER_CATEGORY]]
    return dumps(entries)


def _keep_ranges(found: _Found, category: str, now: str, outcomes: Sequence[str],
                 the_plan: Plan, entry: _Tried, table: Sequence[Alternative]) -> None:
    """:func:`_keep` for a date or number: ranges side by side with the same outcome are
    one range."""
    start = 0
    for position in range(1, len(table) + 1):
        band = outcomes[entry.variant + start]
        if position < len(table) and outcomes[entry.variant + position] == band:
            continue
        first, last = table[start], table[position - 1]
        # An example answer in the range: its first piece's, unless that one has no lower
        # end (then its last piece's, nearer the boundary the rules test).
        shown = start if first.low is not None else position - 1
        _keep(found, category, now, band, the_plan, entry.question, "answer", shown,
              table[shown].json, _range_json(first.low, last.high))
        start = position


def _keep(found: _Found, category: str, now: str, band: str, the_plan: Plan, qid: str,
          kind: str, position: int, answer: Any, answer_range: dict[str, Any] | None) -> None:
    """Add the entry if ``band`` lifts the category from ``now`` (see :data:`RANK`)."""
    if (band, now) not in _LIFTS:
        return
    found.append(((RANK[band], the_plan.order[qid], position), {
        "answer": answer, "band_if": band, "band_now": now, "category": category,
        "kind": kind, "question": qid, "range": answer_range}))


def _range_json(low: Bound, high: Bound) -> dict[str, Any]:
    """A range as the pack's own operators: ``gte``/``gt`` and ``lte``/``lt``."""
    found: dict[str, Any] = {}
    if low is not None:
        found["gte" if low[1] else "gt"] = to_json_value(low[0])
    if high is not None:
        found["lte" if high[1] else "lt"] = to_json_value(high[0])
    return found
