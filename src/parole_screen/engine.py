"""Score answers against a compiled rule pack. One code path for every front end.

The result is a plain dict in the documented ``parole-screen/result@1`` shape: building
pydantic models per record would cost more than the scoring itself in a batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from .answers import coerce_answers, split_record, to_json_value
from .conditions import EvalContext, Evaluator, Trace, Tri
from .errors import AnswerError
from .models import BANDS, ITEM_KINDS, Band
from .pack import CompiledBasis, CompiledFactor, RulePack, fact_value_on, last_confirmed_value

RESULT_SCHEMA = "parole-screen/result@1"
Result = dict[str, Any]
_BAND_RANK = {band: rank for rank, band in enumerate(BANDS)}
_SEVERITY_RANK = {"stop": 0, "warn": 1, "info": 2}
# Among the bands a category can end with, which outcome to prefer when bases compete.
_PREFERENCE = {"strong": 0, "possible": 1, "weak": 2, "insufficient_information": 3,
               "not_indicated": 4}


def screen(
    pack: RulePack,
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
    return _score(pack, typed, as_of or dt.date.today(), record_id, explain)


def screen_record(pack: RulePack, record: Any, as_of: dt.date | None = None, *,
                  explain: bool = False) -> Result:
    """Score one answers record: ``{"id": ..., "answers": {...}}`` or a bare mapping."""
    record_id, answers = split_record(record)
    try:
        return screen(pack, answers, as_of, record_id=record_id, explain=explain)
    except AnswerError as error:
        raise error.located(record=f"record {record_id}" if record_id else None) from None


def screen_many(pack: RulePack, records: Iterable[Any], as_of: dt.date | None = None
                ) -> Iterator[Result | AnswerError]:
    """Score records lazily, yielding a result or the :class:`AnswerError` for each one."""
    day = as_of or dt.date.today()
    for record in records:
        if isinstance(record, AnswerError):
            yield record
            continue
        try:
            yield screen_record(pack, record, day)
        except AnswerError as error:
            yield error


def effective_answers(pack: RulePack, typed: Mapping[str, Any], ctx: EvalContext
                      ) -> tuple[dict[str, Any], list[str]]:
    """Drop answers to questions that would not be asked; list required ones still missing."""
    kept: dict[str, Any] = {}
    missing: list[str] = []
    get = typed.get
    for qid, asked_when, required in _question_plan(pack):
        value = get(qid)
        if value is None and not required:
            continue  # neither kept nor missing, whatever asked_when says
        asked: Tri = True if asked_when is None else asked_when(kept, ctx, None)
        if asked is False:
            continue
        if value is not None:
            kept[qid] = value
        elif asked:
            missing.append(qid)
    return kept, missing


@lru_cache(maxsize=8)
def _question_plan(pack: RulePack) -> tuple[tuple[str, Any, bool], ...]:
    """(id, asked_when, required) per question in interview order: the per-record loop."""
    return tuple((entry.question.id, entry.asked_when, entry.question.required)
                 for entry in pack.questions)


@lru_cache(maxsize=8)
def _source_rows(pack: RulePack) -> dict[str, tuple[str, str | None, str]]:
    return {sid: (source.title, source.url, source.dated) for sid, source in pack.sources.items()}


def _score(pack: RulePack, typed: Mapping[str, Any], as_of: dt.date, record_id: str | None,
           explain: bool) -> Result:
    ctx = pack.context(as_of)
    answers, missing = effective_answers(pack, typed, ctx)
    trace: Trace | None = [] if explain else None
    cited: set[str] = set()

    bands = (pack.meta.bands.strong, pack.meta.bands.possible)
    categories: dict[str, Any] = {}
    ranked: list[tuple[int, int, int, str]] = []
    for compiled in pack.categories:
        category = compiled.category
        outcome = _score_category(compiled.bases, answers, ctx, trace, cited, bands)
        categories[category.id] = outcome
        if outcome["band"] in ("strong", "possible", "weak"):
            ranked.append((_BAND_RANK[outcome["band"]], -outcome["score"], category.priority,
                           category.id))
    top = min(ranked)[3] if ranked else None

    flags = []
    for entry in pack.flags:
        if _holds(entry.when, entry.unless, answers, ctx, trace, entry.flag.id):
            flags.append({"id": entry.flag.id, "severity": entry.flag.severity,
                          "text": entry.flag.text, "cite": list(entry.flag.cite),
                          "answers": _read(entry.reads, answers)})
            cited.update(entry.flag.cite)
    flags.sort(key=lambda flag: _SEVERITY_RANK[str(flag["severity"])])

    items: dict[str, list[dict[str, Any]]] = {kind: [] for kind in ITEM_KINDS}
    for item_entry in pack.items:
        if item_entry.when is None or item_entry.when(answers, ctx, None) is True:
            item = item_entry.item
            row = {"id": item.id, "text": item.text, "cite": list(item.cite)}
            if item.url:
                row["url"] = item.url
            items[item.kind].append(row)
            cited.update(item.cite)

    result: Result = {
        "schema": RESULT_SCHEMA,
        "id": record_id,
        "as_of": as_of.isoformat(),
        "rule_pack": pack.info(),
        "status": "incomplete" if missing else "complete",
        "missing": missing,
        "top_category": top,
        "categories": categories,
        "flags": flags,
        "forms": items["form"],
        "fees": _fees(pack, answers, ctx, cited),
        "documents": items["document"],
        "deadlines": _deadlines(pack, answers, ctx, cited),
        "next_steps": items["next_step"],
        "alternatives": items["alternative"],
        "after_approval": items["after_approval"],
        "if_denied": items["if_denied"],
        "always": list(pack.meta.always),
        "disclaimer": pack.meta.disclaimer,
    }
    rows = _source_rows(pack)
    result["sources"] = {sid: {"title": title, "url": url, "dated": dated}
                         for sid in sorted(cited) for title, url, dated in (rows[sid],)}
    if trace is not None:
        result["trace"] = trace
    return result


def _holds(when: Evaluator, unless: Evaluator | None, answers: Mapping[str, Any],
           ctx: EvalContext, trace: Trace | None, rule_id: str) -> bool:
    """True when ``when`` holds and its exception ``unless`` does not; traced on request."""
    if trace is None:  # the batch path: no clause lists to build
        return when(answers, ctx, None) is True and (
            unless is None or unless(answers, ctx, None) is not True)
    clauses: Trace = []
    held = when(answers, ctx, clauses) is True
    excepted = held and unless is not None and unless(answers, ctx, clauses) is True
    trace.append({"rule": rule_id, "result": held and not excepted, "clauses": clauses})
    return held and not excepted


def _evaluate(factor: CompiledFactor, answers: Mapping[str, Any], ctx: EvalContext,
              trace: Trace | None) -> Tri:
    clauses: Trace | None = [] if trace is not None else None
    result = factor.when(answers, ctx, clauses)
    if result is True and factor.unless is not None:
        exception = factor.unless(answers, ctx, clauses)
        if exception is True:
            result = False
    if trace is not None and clauses is not None:
        trace.append({"rule": factor.rule_id, "result": result, "clauses": clauses})
    return result


def _note(factor: CompiledFactor, text: str, answers: Mapping[str, Any],
          cited: set[str]) -> dict[str, Any]:
    cited.update(factor.factor.cite)
    return {"rule": factor.rule_id, "text": text, "cite": list(factor.factor.cite),
            "answers": _read(factor.reads, answers)}


_PLAIN = frozenset({str, bool, int, float, type(None)})


def _read(reads: Iterable[str], answers: Mapping[str, Any]) -> dict[str, Any]:
    read: dict[str, Any] = {}
    for qid in reads:
        value = answers.get(qid)
        read[qid] = value if value.__class__ in _PLAIN else to_json_value(value)
    return read


def _score_category(bases: Iterable[CompiledBasis], answers: Mapping[str, Any],
                    ctx: EvalContext, trace: Trace | None, cited: set[str],
                    bands: tuple[int, int]) -> dict[str, Any]:
    best: dict[str, Any] | None = None
    best_key: tuple[int, int] | None = None
    unknown_gate = False
    for basis in bases:
        clauses: Trace | None = [] if trace is not None else None
        applies = basis.applies(answers, ctx, clauses)
        if trace is not None:
            trace.append({"rule": basis.rule_id, "result": applies, "clauses": clauses})
        if applies is False:
            continue
        if applies is None:
            unknown_gate = True
            continue
        outcome = _score_basis(basis, answers, ctx, trace, cited, bands)
        key = (_PREFERENCE[outcome["band"]], -outcome["score"])
        if best_key is None or key < best_key:
            best, best_key = outcome, key
    if best is not None:
        if unknown_gate and best["band"] == "not_indicated":
            # Another basis might still apply once answered: not a silent "no".
            return {**best, "band": "insufficient_information"}
        return best
    band: Band = "insufficient_information" if unknown_gate else "not_indicated"
    return {"band": band, "score": 0, "basis": None, "label": None, "cite": [], "reasons": [],
            "concerns": [], "missing_evidence": []}


def _score_basis(basis: CompiledBasis, answers: Mapping[str, Any], ctx: EvalContext,
                 trace: Trace | None, cited: set[str], bands: tuple[int, int]
                 ) -> dict[str, Any]:
    reasons: list[dict[str, Any]] = []
    concerns: list[dict[str, Any]] = []
    unmet = unknown = False
    for factor in basis.requires:
        result = _evaluate(factor, answers, ctx, trace)
        if result is True:
            reasons.append(_note(factor, factor.factor.text, answers, cited))
        elif result is False:
            unmet = True
            concerns.append(_note(factor, factor.factor.fail_text or factor.factor.text,
                                  answers, cited))
        else:
            unknown = True
    score = basis.basis.base_score
    for factor in basis.strengthens:
        if _evaluate(factor, answers, ctx, trace) is True:
            score += factor.factor.weight
            reasons.append(_note(factor, factor.factor.text, answers, cited))
    for factor in basis.weakens:
        if _evaluate(factor, answers, ctx, trace) is True:
            score -= factor.factor.weight
            concerns.append(_note(factor, factor.factor.text, answers, cited))
    score = max(0, min(100, score))
    band: Band
    if unmet:
        band, score = "not_indicated", 0
    elif unknown:
        band = "insufficient_information"
    else:
        band = "strong" if score >= bands[0] else "possible" if score >= bands[1] else "weak"
        for factor in basis.blocks:
            if _evaluate(factor, answers, ctx, trace) is True:
                concerns.append(_note(factor, factor.factor.text, answers, cited))
                cap = factor.factor.cap or "weak"
                if _BAND_RANK[cap] > _BAND_RANK[band]:
                    band = cap
    cited.update(basis.basis.cite)
    missing_evidence = []
    for item in basis.evidence:
        needed = item.needed is None or item.needed(answers, ctx, None) is True
        if needed and (item.have is None or item.have(answers, ctx, None) is not True):
            missing_evidence.append({"id": item.evidence.id, "text": item.evidence.text})
    return {"band": band, "score": score, "basis": basis.basis.id, "label": basis.basis.label,
            "cite": list(basis.basis.cite), "reasons": reasons, "concerns": concerns,
            "missing_evidence": missing_evidence}


def _fees(pack: RulePack, answers: Mapping[str, Any], ctx: EvalContext,
          cited: set[str]) -> list[dict[str, Any]]:
    fees = []
    for entry in pack.fees:
        if entry.when is not None and entry.when(answers, ctx, None) is not True:
            continue
        fee = entry.fee
        fact = pack.facts[fee.fact]
        current = fact_value_on(fact, ctx.as_of)
        if current is None or current.value is None:
            continue
        # An unverified newer amount is reported beside the last confirmed one, never in its
        # place: a screener must not state an unconfirmed fee as the fee.
        shown, reported = current, None
        if current.confidence == "unverified":
            confirmed = last_confirmed_value(fact, ctx.as_of)
            if confirmed is not None and confirmed.value is not None:
                shown, reported = confirmed, current
        exception = entry.exception is not None and entry.exception(answers, ctx, None) is True
        row: dict[str, Any] = {
            "id": fee.id, "label": fee.label, "amount": shown.value, "currency": "USD",
            "effective_from": shown.effective_from.isoformat(), "source": shown.source,
            "confidence": shown.confidence, "waivable": fee.waivable,
            "exception_may_apply": exception,
            "exception": fee.exception_text if exception else None,
            "confirm_before_filing": shown.confidence == "unverified" or reported is not None,
            "reported_change": None if reported is None else {
                "amount": reported.value, "effective_from": reported.effective_from.isoformat(),
                "source": reported.source, "confidence": reported.confidence},
            "note": fee.note, "cite": list(fee.cite),
        }
        cited.add(shown.source)
        if reported is not None:
            cited.add(reported.source)
        cited.update(fee.cite)
        fees.append(row)
    return fees


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _deadlines(pack: RulePack, answers: Mapping[str, Any], ctx: EvalContext,
               cited: set[str]) -> list[dict[str, Any]]:
    deadlines = []
    for entry in pack.deadlines:
        deadline = entry.deadline
        start = answers.get(deadline.from_question)
        if start is None:
            continue
        if entry.when is not None and entry.when(answers, ctx, None) is not True:
            continue
        try:
            day = add_years(start, deadline.offset_years) + dt.timedelta(
                days=deadline.offset_days)
        except (OverflowError, ValueError):  # answers are range-checked; belt and braces
            continue
        days_left = day.toordinal() - ctx.as_of_ordinal
        status = "passed" if days_left < 0 else "today" if days_left == 0 else "upcoming"
        soon = (deadline.warn_within_days is not None and 0 <= days_left
                <= deadline.warn_within_days)
        deadlines.append({"id": deadline.id, "label": deadline.label, "date": day.isoformat(),
                          "days_from_as_of": days_left, "status": status, "soon": soon,
                          "confidence": deadline.confidence, "cite": list(deadline.cite)})
        cited.update(deadline.cite)
    deadlines.sort(key=lambda row: (row["date"], row["id"]))
    return deadlines
