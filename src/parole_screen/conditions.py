"""Structured conditions: checked against the question catalogue and compiled to closures.

The grammar is closed. A condition is one of::

    {all: [cond, ...]}    true when every part is true
    {any: [cond, ...]}    true when some part is true
    {not: cond}
    {q: question_id, <operator>: operand}
    {as_of: {gte: date, lt: date}}   the screening date (never unknown)

Evaluation is three-valued: an unanswered question makes a leaf *unknown* (``None``), and
unknown propagates (``all`` is false as soon as one part is false, unknown if a part is
unknown and none is false). Only ``answered`` is never unknown. Combinators are plain loops,
not ``all()``/``any()`` over generators, which measured three times slower
(research/rules_anchors.md section 4).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .models import Question

Tri = bool | None
Trace = list[dict[str, Any]]
Evaluator = Callable[[Mapping[str, Any], "EvalContext", "Trace | None"], Tri]
ErrorSink = Callable[[list[str | int], str], None]

_BOUNDS = ("gte", "lte", "gt", "lt")
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "yes_no": ("is", "answered"),
    "choice": ("is", "in", "answered"),
    "multi_choice": ("contains", "contains_any", "answered"),
    "date": ("days_until", "days_since", "answered"),
    "number": ("is", *_BOUNDS, "answered"),
    "money": ("is", *_BOUNDS, "answered"),
    "country": ("is", "in", "in_list", "answered"),
    "text": ("answered",),
}
ALL_OPERATORS = tuple(sorted({op for ops in OPERATORS_BY_TYPE.values() for op in ops}))


@dataclass(frozen=True, slots=True)
class EvalContext:
    """What a condition may read besides the answers: the as-of date and dated lists."""

    as_of: dt.date
    as_of_ordinal: int
    lists: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Catalogue:
    """What the compiler checks names against."""

    questions: Mapping[str, Question]
    countries: frozenset[str]
    country_lists: frozenset[str]


def suggest(name: str, known: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest known name, or ""."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def referenced_questions(spec: Any) -> set[str]:
    """The ids of every question a condition reads."""
    found: set[str] = set()
    if isinstance(spec, Mapping):
        if isinstance(spec.get("q"), str):
            found.add(spec["q"])
        for key in ("all", "any"):
            parts = spec.get(key)
            for part in parts if isinstance(parts, list) else ():
                found |= referenced_questions(part)
        if "not" in spec:
            found |= referenced_questions(spec["not"])
    return found


def compile_condition(spec: Any, catalogue: Catalogue, on_error: ErrorSink) -> Evaluator:
    """Check ``spec`` and compile it. Every problem goes to ``on_error(path, message)``."""
    return _compile(spec, catalogue, on_error, [])


def _never(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
    return None


def _compile(spec: Any, cat: Catalogue, on_error: ErrorSink, path: list[str | int]) -> Evaluator:
    if not isinstance(spec, Mapping):
        on_error(path, "a condition must be a mapping with 'all', 'any', 'not' or 'q'")
        return _never
    groups = [key for key in ("all", "any", "not") if key in spec]
    if (groups and "q" in spec) or len(groups) > 1:
        on_error(path, "a condition has exactly one of 'all', 'any', 'not' or 'q'")
        return _never
    if groups:
        key = groups[0]
        extra = sorted(set(spec) - {key})
        if extra:
            on_error(path, f"unexpected key '{extra[0]}' beside '{key}'")
            return _never
        if key == "not":
            return _make_not(_compile(spec["not"], cat, on_error, [*path, "not"]))
        parts = spec[key]
        if not isinstance(parts, list) or not parts:
            on_error([*path, key], f"'{key}' needs a non-empty list of conditions")
            return _never
        compiled = [_compile(part, cat, on_error, [*path, key, i]) for i, part in enumerate(parts)]
        return _make_all(compiled) if key == "all" else _make_any(compiled)
    if "as_of" in spec:
        return _compile_as_of(spec, on_error, path)
    if "q" not in spec:
        keys = ", ".join(sorted(map(str, spec))) or "nothing"
        on_error(path, f"expected 'all', 'any', 'not', 'q' or 'as_of', found {keys}")
        return _never
    return _compile_leaf(spec, cat, on_error, path)


def _compile_as_of(spec: Mapping[str, Any], on_error: ErrorSink,
                   path: list[str | int]) -> Evaluator:
    """``{as_of: {gte: 2026-06-05}}``: true when the screening date is in range.

    Lets dated text (a program ended, a court ruling) appear only from the date it speaks
    for; never unknown, since every screening has a date.
    """
    bounds = spec["as_of"]
    extra = sorted(set(spec) - {"as_of"})
    if extra:
        on_error(path, f"unexpected key '{extra[0]}' beside 'as_of'")
        return _never
    dates: dict[str, int] = {}
    if isinstance(bounds, Mapping) and bounds:
        for key, value in bounds.items():
            if key not in _BOUNDS:
                break
            try:
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            except ValueError:
                break
            dates[key] = day.toordinal()
        else:
            return _make_as_of(dates)
    on_error([*path, "as_of"], "'as_of' takes a mapping of gte/lte/gt/lt to dates (YYYY-MM-DD)")
    return _never


def _make_as_of(dates: Mapping[str, int]) -> Evaluator:
    low = max(dates.get("gte", -10**9), dates.get("gt", -10**9 - 1) + 1)
    high = min(dates.get("lte", 10**9), dates.get("lt", 10**9 + 1) - 1)

    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        result = low <= ctx.as_of_ordinal <= high
        if trace is not None:
            trace.append({"q": "(as_of)", "op": "between",
                          "operand": [dt.date.fromordinal(max(low, 1)).isoformat(),
                                      dt.date.fromordinal(min(high, 3652059)).isoformat()],
                          "value": ctx.as_of.isoformat(), "result": result})
        return result
    return evaluate


def _compile_leaf(
    spec: Mapping[str, Any], cat: Catalogue, on_error: ErrorSink, path: list[str | int]
) -> Evaluator:
    qid = spec["q"]
    question = cat.questions.get(qid) if isinstance(qid, str) else None
    if question is None:
        on_error([*path, "q"], f"unknown question '{qid}'{suggest(str(qid), cat.questions)}")
        return _never
    ops = [key for key in spec if key != "q"]
    if len(ops) != 1:
        on_error(path, f"a leaf on '{qid}' needs exactly one operator, found {len(ops)}")
        return _never
    op = ops[0]
    operand = spec[op]
    allowed = OPERATORS_BY_TYPE[question.type]
    if op not in ALL_OPERATORS:
        on_error([*path, op], f"unknown operator '{op}'{suggest(op, list(ALL_OPERATORS))}")
        return _never
    if op not in allowed:
        on_error([*path, op], f"operator '{op}' does not fit {question.type} question "
                              f"'{qid}' (use one of: {', '.join(allowed)})")
        return _never
    problem = _operand_problem(question, op, operand, cat)
    if problem:
        on_error([*path, op], problem)
        return _never
    return _LEAF_MAKERS[op](qid, operand, op)


def _operand_problem(question: Question, op: str, operand: Any, cat: Catalogue) -> str | None:
    if op == "answered":
        return None if isinstance(operand, bool) else "'answered' takes true or false"
    if op in ("days_until", "days_since"):
        if (not isinstance(operand, Mapping) or not operand
                or any(key not in _BOUNDS for key in operand)
                or any(type(value) is not int for value in operand.values())):
            return f"'{op}' takes a mapping of gte/lte/gt/lt to whole numbers of days"
        return None
    if op == "in_list":
        if not isinstance(operand, str) or operand not in cat.country_lists:
            known = sorted(cat.country_lists)
            return f"unknown country-list fact '{operand}'{suggest(str(operand), known)}"
        return None
    values = operand if op in ("in", "contains_any") else [operand]
    if op in ("in", "contains_any") and (not isinstance(operand, list) or not operand):
        return f"'{op}' takes a non-empty list"
    for value in values:
        problem = _value_problem(question, value, cat)
        if problem:
            return problem
    return None


def _value_problem(question: Question, value: Any, cat: Catalogue) -> str | None:
    kind = question.type
    if kind == "yes_no":
        return None if isinstance(value, bool) else "a yes/no question compares with true or false"
    if kind in ("choice", "multi_choice"):
        known = [choice.value for choice in question.choices]
        if not isinstance(value, str) or value not in known:
            return (f"'{value}' is not a choice of '{question.id}'"
                    f"{suggest(str(value), known)}")
        return None
    if kind in ("number", "money"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"'{question.id}' is a number; compare it with a number"
    if kind == "country":
        if not isinstance(value, str) or value not in cat.countries:
            return f"'{value}' is not a known country code{suggest(str(value), cat.countries)}"
        return None
    return f"cannot compare a {kind} question with a value"


def _record(trace: Trace, qid: str, op: str, operand: Any, value: Any, result: Tri) -> None:
    if isinstance(value, frozenset):
        value = sorted(value)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    trace.append({"q": qid, "op": op, "operand": operand, "value": value, "result": result})


def _make_is(qid: str, operand: Any, op: str) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = None if value is None else bool(value == operand)
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


def _make_in(qid: str, operand: Any, op: str) -> Evaluator:
    members = frozenset(operand)

    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = None if value is None else value in members
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


def _make_bound(qid: str, operand: Any, op: str) -> Evaluator:
    limit = operand
    if op == "gte":
        def test(value: Any) -> bool:
            return bool(value >= limit)
    elif op == "lte":
        def test(value: Any) -> bool:
            return bool(value <= limit)
    elif op == "gt":
        def test(value: Any) -> bool:
            return bool(value > limit)
    else:
        def test(value: Any) -> bool:
            return bool(value < limit)

    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = None if value is None else test(value)
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


def _make_contains(qid: str, operand: Any, op: str) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = None if value is None else bool(operand in value)
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


def _make_contains_any(qid: str, operand: Any, op: str) -> Evaluator:
    wanted = frozenset(operand)

    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = None if value is None else not wanted.isdisjoint(value)
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


def _make_answered(qid: str, operand: Any, op: str) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = (value is not None) is bool(operand)
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


def _make_days(qid: str, operand: Any, op: str) -> Evaluator:
    sign = 1 if op == "days_until" else -1
    low = max(operand.get("gte", -10**9), operand.get("gt", -10**9 - 1) + 1)
    high = min(operand.get("lte", 10**9), operand.get("lt", 10**9 + 1) - 1)

    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        if value is None:
            result: Tri = None
        else:
            days = sign * (value.toordinal() - ctx.as_of_ordinal)
            result = bool(low <= days <= high)
        if trace is not None:
            _record(trace, qid, op, dict(operand), value, result)
        return result
    return evaluate


def _make_in_list(qid: str, operand: Any, op: str) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        value = answers.get(qid)
        result = None if value is None else value in ctx.lists.get(operand, frozenset())
        if trace is not None:
            _record(trace, qid, op, operand, value, result)
        return result
    return evaluate


_LEAF_MAKERS: dict[str, Callable[[str, Any, str], Evaluator]] = {
    "is": _make_is,
    "in": _make_in,
    "gte": _make_bound,
    "lte": _make_bound,
    "gt": _make_bound,
    "lt": _make_bound,
    "contains": _make_contains,
    "contains_any": _make_contains_any,
    "answered": _make_answered,
    "days_until": _make_days,
    "days_since": _make_days,
    "in_list": _make_in_list,
}


def _make_all(parts: list[Evaluator]) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        unknown = False
        for part in parts:
            result = part(answers, ctx, trace)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True
    return evaluate


def _make_any(parts: list[Evaluator]) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        unknown = False
        for part in parts:
            result = part(answers, ctx, trace)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False
    return evaluate


def _make_not(part: Evaluator) -> Evaluator:
    def evaluate(answers: Mapping[str, Any], ctx: EvalContext, trace: Trace | None) -> Tri:
        result = part(answers, ctx, trace)
        return None if result is None else not result
    return evaluate
