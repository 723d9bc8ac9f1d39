"""Structured conditions: checked against the question catalogue and compiled to objects
that evaluate a whole chunk of records at once (see :mod:`parole_screen.columns`).

The grammar is closed. A condition is one of::

    {all: [cond, ...]}    true when every part is true
    {any: [cond, ...]}    true when some part is true
    {not: cond}
    {q: question_id, <operator>: operand}
    {as_of: {gte: date, lt: date}}   the screening date (never unknown)

Evaluation is three-valued: an unanswered question makes a leaf *unknown* (``None``), and
unknown propagates (``all`` is false as soon as one part is false, unknown if a part is
unknown and none is false). Only ``answered`` is never unknown. Over a chunk, that is Kleene
logic on bit masks: ``all`` is true where every part is true and false where any part is.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .columns import AnswerColumns, EvalContext, Masks, Tri
from .models import Question

__all__ = ["ALL_OPERATORS", "ALWAYS", "NEVER", "OPERATORS_BY_TYPE", "Catalogue", "Condition",
           "EvalContext", "Evaluator", "Trace", "Tri", "compile_condition", "except_when",
           "leaf_tests", "referenced_questions", "result_at", "suggest"]

Trace = list[dict[str, Any]]
ErrorSink = Callable[[list[str | int], str], None]

_BOUNDS = ("gte", "lte", "gt", "lt")
#: The most days a date condition (and a deadline's offset) may reach: 100 years.
MAX_DAYS = 36_525
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


class Catalogue:
    """What the compiler checks names against."""

    __slots__ = ("countries", "country_lists", "interned", "questions")

    def __init__(self, questions: Mapping[str, Question], countries: frozenset[str],
                 country_lists: frozenset[str]) -> None:
        self.questions = questions
        self.countries = countries
        self.country_lists = country_lists
        # Every condition compiled against this catalogue, by shape: equal conditions are
        # one object, so a chunk computes each of them once.
        self.interned: dict[Any, Condition] = {}

    def intern(self, key: Any, make: Callable[[], Condition]) -> Condition:
        found = self.interned.get(key)
        if found is None:
            found = self.interned[key] = make()
        return found


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


def compile_condition(spec: Any, catalogue: Catalogue, on_error: ErrorSink) -> Condition:
    """Check ``spec`` and compile it. Every problem goes to ``on_error(path, message)``."""
    return _compile(spec, catalogue, on_error, [])


def _compile(spec: Any, cat: Catalogue, on_error: ErrorSink, path: list[str | int]) -> Condition:
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
            inner = _compile(spec["not"], cat, on_error, [*path, "not"])
            return cat.intern(("not", id(inner)), lambda: _Not(inner))
        parts = spec[key]
        if not isinstance(parts, list) or not parts:
            on_error([*path, key], f"'{key}' needs a non-empty list of conditions")
            return _never
        compiled = tuple(_compile(part, cat, on_error, [*path, key, i])
                         for i, part in enumerate(parts))
        kind = _All if key == "all" else _Any
        return cat.intern((key, *map(id, compiled)), lambda: kind(compiled))
    if "as_of" in spec:
        return _compile_as_of(spec, cat, on_error, path)
    if "q" not in spec:
        keys = ", ".join(sorted(map(str, spec))) or "nothing"
        on_error(path, f"expected 'all', 'any', 'not', 'q' or 'as_of', found {keys}")
        return _never
    return _compile_leaf(spec, cat, on_error, path)


def _compile_as_of(spec: Mapping[str, Any], cat: Catalogue, on_error: ErrorSink,
                   path: list[str | int]) -> Condition:
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
            return _make_as_of(dates, cat)
    on_error([*path, "as_of"], "'as_of' takes a mapping of gte/lte/gt/lt to dates (YYYY-MM-DD)")
    return _never


def _make_as_of(dates: Mapping[str, int], cat: Catalogue) -> Condition:
    low = max(dates.get("gte", -10**9), dates.get("gt", -10**9 - 1) + 1)
    high = min(dates.get("lte", 10**9), dates.get("lt", 10**9 + 1) - 1)
    return cat.intern(("as_of", low, high), lambda: _AsOf(low, high))


def _compile_leaf(
    spec: Mapping[str, Any], cat: Catalogue, on_error: ErrorSink, path: list[str | int]
) -> Condition:
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
    return cat.intern(("q", qid, op, _frozen(operand)), lambda: _make_leaf(qid, op, operand))


def _operand_problem(question: Question, op: str, operand: Any, cat: Catalogue) -> str | None:
    if op == "answered":
        return None if isinstance(operand, bool) else "'answered' takes true or false"
    if op in ("days_until", "days_since"):
        if (not isinstance(operand, Mapping) or not operand
                or any(key not in _BOUNDS for key in operand)
                or any(type(value) is not int for value in operand.values())):
            return f"'{op}' takes a mapping of gte/lte/gt/lt to whole numbers of days"
        if any(abs(value) > MAX_DAYS for value in operand.values()):
            return (f"'{op}' takes at most {MAX_DAYS:,} days (100 years) either way: a "
                    "bound past any date an answer can hold never holds")
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
        if ok and not math.isfinite(value):  # .nan never compares, .inf always does
            return f"'{question.id}' is a number; compare it with a finite number"
        return None if ok else f"'{question.id}' is a number; compare it with a number"
    if kind == "country":
        if not isinstance(value, str) or value not in cat.countries:
            return f"'{value}' is not a known country code{suggest(str(value), cat.countries)}"
        return None
    return f"cannot compare a {kind} question with a value"


def _clause(trace: Trace, qid: str, op: str, operand: Any, value: Any, result: Tri) -> None:
    if isinstance(value, frozenset):
        value = sorted(value)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    trace.append({"q": qid, "op": op, "operand": operand, "value": value, "result": result})


def result_at(masks: Masks, index: int) -> Tri:
    """The result for record ``index`` of a chunk."""
    bit = 1 << (8 * index)
    return True if masks[0] & bit else False if masks[1] & bit else None


class Condition:
    """A compiled condition: evaluated for a whole chunk of records at once (:meth:`masks`),
    or for one set of answers by calling it (``condition(answers, ctx, trace)``).

    Conditions are interned per pack, so equal sub-conditions are one object and are
    computed once per chunk (``AnswerColumns.memo``).
    """

    __slots__ = ()

    def masks(self, columns: AnswerColumns) -> Masks:
        memo = columns.memo
        found = memo.get(self)
        if found is None:
            found = memo[self] = self._masks(columns)
        return found

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        """Record ``index``'s result, appending the leaves read in evaluation order:
        parts after the one that decides an ``all``/``any`` are not listed."""
        raise NotImplementedError

    def __call__(self, answers: Mapping[str, Any], ctx: EvalContext,
                 trace: Trace | None = None) -> Tri:
        columns = AnswerColumns.of_one(answers, ctx)
        if trace is not None:
            return self.explain(columns, 0, trace)
        return result_at(self.masks(columns), 0)

    def certain(self, answers: Mapping[str, Any], ctx: EvalContext) -> Tri:
        """True or False when no answer still to come can change it, else None: as a call,
        but a leaf on an unanswered question is unknown whatever its operator (the engine
        reads ``answered: false`` as true until the question is answered)."""
        return self(answers, ctx)

    def _masks(self, columns: AnswerColumns) -> Masks:
        raise NotImplementedError


Evaluator = Condition


class _Never(Condition):
    """Stands in for a condition that failed to compile (the pack is then refused)."""

    __slots__ = ()

    def _masks(self, columns: AnswerColumns) -> Masks:
        return 0, 0

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        return None


_never = _Never()


class _All(Condition):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Condition, ...]) -> None:
        self.parts = parts

    def _masks(self, columns: AnswerColumns) -> Masks:
        true, false = columns.full, 0
        for part in self.parts:
            part_true, part_false = part.masks(columns)
            true &= part_true
            false |= part_false
        return true, false

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        unknown = False
        for part in self.parts:
            result = part.explain(columns, index, trace)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True

    def certain(self, answers: Mapping[str, Any], ctx: EvalContext) -> Tri:
        found = [part.certain(answers, ctx) for part in self.parts]
        return False if False in found else None if None in found else True


class _Any(Condition):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Condition, ...]) -> None:
        self.parts = parts

    def _masks(self, columns: AnswerColumns) -> Masks:
        true, false = 0, columns.full
        for part in self.parts:
            part_true, part_false = part.masks(columns)
            true |= part_true
            false &= part_false
        return true, false

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        unknown = False
        for part in self.parts:
            result = part.explain(columns, index, trace)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    def certain(self, answers: Mapping[str, Any], ctx: EvalContext) -> Tri:
        found = [part.certain(answers, ctx) for part in self.parts]
        return True if True in found else None if None in found else False


class _Not(Condition):
    __slots__ = ("part",)

    def __init__(self, part: Condition) -> None:
        self.part = part

    def _masks(self, columns: AnswerColumns) -> Masks:
        true, false = self.part.masks(columns)
        return false, true

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        result = self.part.explain(columns, index, trace)
        return None if result is None else not result

    def certain(self, answers: Mapping[str, Any], ctx: EvalContext) -> Tri:
        result = self.part.certain(answers, ctx)
        return None if result is None else not result


class _AsOf(Condition):
    __slots__ = ("high", "low")

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def _masks(self, columns: AnswerColumns) -> Masks:
        held = self.low <= columns.ctx.as_of_ordinal <= self.high
        return (columns.full, 0) if held else (0, columns.full)

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        result = self.low <= columns.ctx.as_of_ordinal <= self.high
        trace.append({"q": "(as_of)", "op": "between",
                      "operand": [dt.date.fromordinal(max(self.low, 1)).isoformat(),
                                  dt.date.fromordinal(min(self.high, 3652059)).isoformat()],
                      "value": columns.ctx.as_of.isoformat(), "result": result})
        return result


class _Leaf(Condition):
    """``{q: qid, op: operand}``; subclasses say how a value is tested."""

    __slots__ = ("op", "operand", "qid")

    def __init__(self, qid: str, op: str, operand: Any) -> None:
        self.qid, self.op, self.operand = qid, op, operand

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        result = result_at(self.masks(columns), index)
        operand = dict(self.operand) if isinstance(self.operand, Mapping) else self.operand
        _clause(trace, self.qid, self.op, operand, columns.column(self.qid)[index], result)
        return result

    def certain(self, answers: Mapping[str, Any], ctx: EvalContext) -> Tri:
        return None if answers.get(self.qid) is None else self(answers, ctx)


class _Test(_Leaf):
    """A leaf whose test needs only the value."""

    __slots__ = ("predicate",)

    def __init__(self, qid: str, op: str, operand: Any, predicate: Callable[[Any], bool]) -> None:
        super().__init__(qid, op, operand)
        self.predicate = predicate

    def _masks(self, columns: AnswerColumns) -> Masks:
        return columns.test(self.qid, self.predicate)


class _Contains(_Test):
    """``contains`` / ``contains_any`` on a multi-choice answer: the union of the masks of
    the records holding each choice named."""

    __slots__ = ("members",)

    def __init__(self, qid: str, op: str, operand: Any, predicate: Callable[[Any], bool]) -> None:
        super().__init__(qid, op, operand, predicate)
        self.members = tuple(operand) if op == "contains_any" else (operand,)

    def _masks(self, columns: AnswerColumns) -> Masks:
        true = 0
        for member in self.members:
            true |= columns.holding(self.qid, member)
        return true, columns.known(self.qid) & ~true


class _Answered(_Leaf):
    __slots__ = ()

    def _masks(self, columns: AnswerColumns) -> Masks:
        known = columns.known(self.qid)
        unknown = columns.full & ~known
        return (known, unknown) if self.operand else (unknown, known)


class _Days(_Leaf):
    """``days_until`` / ``days_since``: the answer's distance from the as-of date."""

    __slots__ = ("high", "low", "sign")

    def __init__(self, qid: str, op: str, operand: Any) -> None:
        super().__init__(qid, op, operand)
        self.sign = 1 if op == "days_until" else -1
        self.low = max(operand.get("gte", -10**9), operand.get("gt", -10**9 - 1) + 1)
        self.high = min(operand.get("lte", 10**9), operand.get("lt", 10**9 + 1) - 1)

    def _masks(self, columns: AnswerColumns) -> Masks:
        # low <= sign * (day - as_of) <= high, as a range of day ordinals
        base = columns.ctx.as_of_ordinal
        if self.sign > 0:
            first, last = base + self.low, base + self.high
        else:
            first, last = base - self.high, base - self.low
        return columns.test(self.qid, lambda day: first <= day.toordinal() <= last)


class _InList(_Leaf):
    __slots__ = ()

    def _masks(self, columns: AnswerColumns) -> Masks:
        members = columns.ctx.lists.get(self.operand, frozenset())
        return columns.test(self.qid, members.__contains__)


def _make_leaf(qid: str, op: str, operand: Any) -> Condition:
    if op == "answered":
        return _Answered(qid, op, operand)
    if op in ("days_until", "days_since"):
        return _Days(qid, op, operand)
    if op == "in_list":
        return _InList(qid, op, operand)
    if op in ("contains", "contains_any"):
        return _Contains(qid, op, operand, _predicate(op, operand))
    return _Test(qid, op, operand, _predicate(op, operand))


def _predicate(op: str, operand: Any) -> Callable[[Any], bool]:
    if op == "is":
        return lambda value: bool(value == operand)
    if op in ("in", "contains_any"):
        members = frozenset(operand)
        if op == "in":
            return members.__contains__
        return lambda value: not members.isdisjoint(value)
    if op == "contains":
        return lambda value: operand in value
    if op == "gte":
        return lambda value: bool(value >= operand)
    if op == "lte":
        return lambda value: bool(value <= operand)
    if op == "gt":
        return lambda value: bool(value > operand)
    if op == "lt":
        return lambda value: bool(value < operand)
    raise ValueError(f"no predicate for operator '{op}'")  # the checker refuses it first


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an operand, for interning."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("[]", *(_frozen(item) for item in value))
    return (type(value).__name__, value)


class _Always(Condition):
    __slots__ = ()

    def _masks(self, columns: AnswerColumns) -> Masks:
        return columns.full, 0

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        return True


class _Except(Condition):
    """``when`` with the exception ``unless``: false where both hold (unknown stays unknown)."""

    __slots__ = ("unless", "when")

    def __init__(self, when: Condition, unless: Condition) -> None:
        self.when, self.unless = when, unless

    def _masks(self, columns: AnswerColumns) -> Masks:
        when_true, when_false = self.when.masks(columns)
        unless_true = self.unless.masks(columns)[0]
        return when_true & ~unless_true, when_false | (when_true & unless_true)

    def explain(self, columns: AnswerColumns, index: int, trace: Trace) -> Tri:
        result = self.when.explain(columns, index, trace)
        if result is True and self.unless.explain(columns, index, trace) is True:
            return False
        return result


ALWAYS: Condition = _Always()
NEVER: Condition = _never  # never true nor false: as an exception, it never applies


def except_when(when: Condition | None, unless: Condition | None) -> Condition:
    """``when`` (always, if None) unless ``unless`` holds; the rule-with-exception shape."""
    base = ALWAYS if when is None else when
    return base if unless is None else _Except(base, unless)


def leaf_tests(condition: Condition) -> Iterator[tuple[str, str, Any]]:
    """Every question leaf of a compiled condition, as ``(question id, operator, operand)``.

    Says what a condition reads and the values it tells apart (the engine's "what would
    change the result" tries the answers between them); ``as_of`` leaves read no question.
    """
    todo = [condition]
    while todo:
        current = todo.pop()
        if isinstance(current, _Leaf):
            yield current.qid, current.op, current.operand
        elif isinstance(current, _All | _Any):
            todo.extend(reversed(current.parts))
        elif isinstance(current, _Not):
            todo.append(current.part)
        elif isinstance(current, _Except):
            todo += (current.unless, current.when)
