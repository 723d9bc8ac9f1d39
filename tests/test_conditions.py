"""Conditions: closed grammar, checked against the catalogue, three-valued evaluation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parole_screen.conditions import (
    Catalogue,
    EvalContext,
    Evaluator,
    compile_condition,
    referenced_questions,
)

AS_OF = dt.date(2026, 2, 1)
CTX = EvalContext(AS_OF, AS_OF.toordinal(), {"hold": frozenset({"HT"})})


@pytest.fixture(scope="module")
def catalogue(minimal_pack) -> Catalogue:  # type: ignore[no-untyped-def]
    return Catalogue(questions=minimal_pack.question_index,
                     countries=frozenset(minimal_pack.countries),
                     country_lists=frozenset({"hold"}))


def compiled(spec: Any, catalogue: Catalogue) -> Evaluator:
    errors: list[str] = []
    evaluator = compile_condition(spec, catalogue, lambda path, msg: errors.append(msg))
    assert errors == []
    return evaluator


def errors_of(spec: Any, catalogue: Catalogue) -> list[str]:
    errors: list[str] = []
    compile_condition(spec, catalogue, lambda path, msg: errors.append(f"{path}: {msg}"))
    return errors


WITHIN_180 = {"q": "expires_on", "days_until": {"gte": 0, "lte": 180}}
T = {"q": "provider", "is": True}
F = {"q": "provider", "is": False}
U = {"q": "funded", "is": True}  # never answered below: unknown


@pytest.mark.parametrize("spec, expected", [
    ({"all": [T, T]}, True),
    ({"all": [T, F]}, False),
    ({"all": [T, U]}, None),
    ({"all": [U, F]}, False),          # false wins over unknown in `all`
    ({"any": [F, F]}, False),
    ({"any": [F, U]}, None),
    ({"any": [U, T]}, True),           # true wins over unknown in `any`
    ({"not": T}, False),
    ({"not": U}, None),
    ({"not": {"not": T}}, True),
    ({"q": "funded", "answered": False}, True),  # `answered` is never unknown
])
def test_three_valued_logic(spec: Any, expected: bool | None, catalogue: Catalogue) -> None:
    assert compiled(spec, catalogue)({"provider": True}, CTX, None) is expected


@pytest.mark.parametrize("spec, answers, expected", [
    ({"q": "reason", "in": ["medical", "family"]}, {"reason": "family"}, True),
    ({"q": "reason", "in": ["medical"]}, {"reason": "other"}, False),
    ({"q": "months", "gte": 6}, {"months": 6}, True),
    ({"q": "months", "gt": 6}, {"months": 6}, False),
    ({"q": "months", "lte": 6}, {"months": 6.5}, False),
    ({"q": "months", "lt": 7}, {"months": 6.5}, True),
    ({"q": "months", "is": 3}, {"months": 3}, True),
    ({"q": "docs", "contains": "letter"}, {"docs": frozenset({"letter"})}, True),
    ({"q": "docs", "contains_any": ["passport"]}, {"docs": frozenset({"letter"})}, False),
    ({"q": "nationality", "in_list": "hold"}, {"nationality": "HT"}, True),
    ({"q": "nationality", "in_list": "hold"}, {"nationality": "UA"}, False),
    (WITHIN_180, {"expires_on": dt.date(2026, 7, 31)}, True),
    (WITHIN_180, {"expires_on": dt.date(2026, 8, 1)}, False),
    ({"q": "expires_on", "days_until": {"lt": 0}}, {"expires_on": dt.date(2026, 1, 31)}, True),
    ({"q": "expires_on", "days_since": {"gte": 365}}, {"expires_on": dt.date(2025, 2, 1)}, True),
    ({"q": "expires_on", "days_since": {"gte": 365}}, {"expires_on": dt.date(2025, 2, 2)}, False),
])
def test_operators(spec: Any, answers: dict[str, Any], expected: bool,
                   catalogue: Catalogue) -> None:
    assert compiled(spec, catalogue)(answers, CTX, None) is expected


def test_every_operator_is_unknown_when_unanswered(catalogue: Catalogue) -> None:
    for spec in ({"q": "reason", "in": ["medical"]}, {"q": "months", "gte": 1},
                 {"q": "docs", "contains": "letter"}, {"q": "nationality", "in_list": "hold"},
                 {"q": "expires_on", "days_until": {"lte": 1}}):
        assert compiled(spec, catalogue)({}, CTX, None) is None


def test_trace_records_each_leaf(catalogue: Catalogue) -> None:
    trace: list[dict[str, Any]] = []
    compiled({"all": [T, U]}, catalogue)({"provider": True}, CTX, trace)
    assert trace == [
        {"q": "provider", "op": "is", "operand": True, "value": True, "result": True},
        {"q": "funded", "op": "is", "operand": True, "value": None, "result": None},
    ]


@pytest.mark.parametrize("spec, message", [
    ("provider", "a condition must be a mapping"),
    ({"all": []}, "'all' needs a non-empty list"),
    ({"all": [T], "any": [T]}, "exactly one of"),
    ({"all": [T], "extra": 1}, "unexpected key 'extra'"),
    ({"q": "provider"}, "needs exactly one operator, found 0"),
    ({"q": "provider", "is": True, "answered": True}, "needs exactly one operator, found 2"),
    ({"q": "provider", "equals": True}, "unknown operator 'equals'"),
    ({"q": "reason", "gte": 1}, "operator 'gte' does not fit choice question 'reason'"),
    ({"q": "reason", "in": []}, "'in' takes a non-empty list"),
    ({"q": "months", "gte": "6"}, "'months' is a number"),
    ({"q": "nationality", "is": "ZZ"}, "'ZZ' is not a known country code"),
    ({"q": "nationality", "in_list": "holds"}, "unknown country-list fact 'holds'"),
    ({"q": "expires_on", "days_until": {"within": 3}}, "gte/lte/gt/lt to whole numbers"),
    ({"q": "note", "is": "x"}, "operator 'is' does not fit text question 'note'"),
    ({"q": "nope", "is": True}, "unknown question 'nope'"),
])
def test_bad_conditions_are_rejected(spec: Any, message: str, catalogue: Catalogue) -> None:
    errors = errors_of(spec, catalogue)
    assert len(errors) == 1 and message in errors[0]


def test_error_paths_point_into_the_tree(catalogue: Catalogue) -> None:
    errors = errors_of({"all": [T, {"not": {"q": "nope", "is": True}}]}, catalogue)
    assert errors == ["['all', 1, 'not', 'q']: unknown question 'nope' (did you mean 'note'?)"]


def test_referenced_questions() -> None:
    assert referenced_questions({"all": [T, {"not": U}, {"any": [{"q": "months", "gt": 1}]}]}) \
        == {"provider", "funded", "months"}
    assert referenced_questions(None) == set()


@pytest.mark.parametrize("bounds, expected", [
    ({"gte": dt.date(2026, 2, 1)}, True),
    ({"gte": "2026-02-02"}, False),
    ({"lt": "2026-02-01"}, False),
    ({"gte": "2026-01-01", "lte": "2026-02-01"}, True),
])
def test_as_of_leaf_reads_the_screening_date(bounds: dict[str, Any], expected: bool,
                                             catalogue: Catalogue) -> None:
    assert compiled({"as_of": bounds}, catalogue)({}, CTX, None) is expected


@pytest.mark.parametrize("spec", [{"as_of": {"after": "2026-01-01"}}, {"as_of": "2026-01-01"},
                                  {"as_of": {"gte": "soon"}}, {"as_of": {"gte": "2026-01-01"},
                                                               "q": "provider"}])
def test_bad_as_of_leaves_are_rejected(spec: Any, catalogue: Catalogue) -> None:
    assert len(errors_of(spec, catalogue)) == 1


@pytest.mark.parametrize("spec", [
    {"all": 5},
    {"any": "provider"},
    {"q": "nationality", "is": ["UA"]},
    {"q": "nationality", "in_list": ["hold"]},
    {"q": "reason", "is": {"x": 1}},
    {"q": "docs", "contains": ["letter"]},
])
def test_malformed_shapes_are_problems_not_crashes(spec: Any, catalogue: Catalogue) -> None:
    assert len(errors_of(spec, catalogue)) == 1
    assert isinstance(referenced_questions(spec), set)
