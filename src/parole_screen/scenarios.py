"""Scenario tests for a rule pack: client stories with answers, a date and expected outcomes.

They live in ``<pack>/tests/*.yaml`` and run with ``parole-screen rules test`` and pytest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from .answers import coerce_answers, to_json_value
from .engine import Result, effective_answers, screen
from .errors import AnswerError, PackError
from .loader import validate_located
from .models import Band, CategoryId, Check, ItemId, Model, QuestionId, Text, pack_model
from .pack import RulePack
from .safeyaml import LocatedDict, YamlRefused, line_of, read_yaml, yaml_trap

TESTS_DIR = "tests"


# The scenario file format. It lives here, not in models, because only `rules test` reads it.
@pack_model
class ScenarioExpect(Model):
    status: Literal["complete", "incomplete"] | None = None
    top_category: CategoryId | Literal["none"] | None = None
    bands: dict[CategoryId, Band] = field(default_factory=dict)
    basis: dict[CategoryId, str] = field(default_factory=dict)
    flags: tuple[ItemId, ...] = ()
    no_flags: tuple[ItemId, ...] = ()
    fees: dict[str, int | None] = field(default_factory=dict)
    # Fee id -> whether a statutory exception may apply.
    fee_exceptions: dict[str, bool] = field(default_factory=dict)
    deadlines: dict[str, dt.date] = field(default_factory=dict)
    no_deadlines: tuple[ItemId, ...] = ()
    items: tuple[ItemId, ...] = ()
    no_items: tuple[ItemId, ...] = ()
    missing: tuple[QuestionId, ...] = ()


@pack_model
class Scenario(Model):
    """A scenario test: a client story, its answers, a date, and what the screen must say."""

    name: ItemId
    story: Text
    as_of: dt.date
    answers: dict[str, Any]
    expect: ScenarioExpect


@pack_model
class ScenarioFile(Model):
    cases: Annotated[tuple[Scenario, ...], Check(min_length=1)]


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    where: str
    # Answers YAML read as booleans from yes/no/on/off, as written: question id -> word.
    spelled: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ScenarioOutcome:
    """One case's verdict: ``failures`` is empty when it passed."""

    name: str
    where: str
    failures: list[str] = field(default_factory=list)
    result: Result | None = None
    answers: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scenarios(directory: Path) -> list[LoadedScenario]:
    """Read every ``*.yaml`` under ``directory``; raises PackError listing all problems."""
    problems: list[str] = []
    loaded: list[LoadedScenario] = []
    names: dict[str, str] = {}
    for file in sorted(directory.glob("*.yaml")):
        try:
            raw = read_yaml(file)
        except YamlRefused as refused:
            problems.append(f"{file}:{refused.line}: {refused.message}")
            continue
        try:
            parsed = validate_located(ScenarioFile, raw, file)
        except PackError as error:
            problems.extend(error.problems)
            continue
        for index, case in enumerate(parsed.cases):
            where = f"{file}:{line_of(raw, ['cases', index])}"
            if case.name in names:
                problems.append(f"{where}: duplicate scenario name '{case.name}' "
                                f"(first at {names[case.name]})")
            names.setdefault(case.name, where)
            answers = raw["cases"][index].get("answers")
            spelled = answers.spelled if isinstance(answers, LocatedDict) else {}
            loaded.append(LoadedScenario(case, where, spelled))
    if problems:
        raise PackError(problems)
    return loaded


def run_scenarios(pack: RulePack, scenarios: Iterable[LoadedScenario], *,
                  explain: bool = False) -> list[ScenarioOutcome]:
    """Score each scenario and compare it with what it expects.

    ``explain`` keeps each result's rule trace, which :func:`coverage` needs.
    """
    outcomes = []
    for loaded in scenarios:
        case = loaded.scenario
        outcome = ScenarioOutcome(case.name, loaded.where)
        try:
            outcome.result = screen(pack, case.answers, case.as_of, explain=explain)
            typed, _ = effective_answers(pack, coerce_answers(pack, case.answers),
                                         pack.context(case.as_of))
            outcome.answers = {qid: to_json_value(value) for qid, value in typed.items()}
        except AnswerError as error:
            word = loaded.spelled.get(error.field or "")
            hint = f" ({yaml_trap(word)})" if word else ""
            outcome.failures.append(f"answers rejected: {error}{hint}")
        else:
            outcome.failures = compare(outcome.result, case.expect)
        outcomes.append(outcome)
    return outcomes


# (what, expected, got) for the values a scenario expects exactly
_Check = tuple[str, Any, Any]


def compare(result: Result, expect: ScenarioExpect) -> list[str]:
    """Every way ``result`` differs from ``expect``, as short sentences."""
    return [*_differences(_scores(result, expect)), *_flag_failures(result, expect),
            *_differences(_fees_and_deadlines(result, expect)),
            *_item_failures(result, expect), *_missing_failures(result, expect)]


def _differences(checks: Iterable[_Check]) -> Iterator[str]:
    for what, wanted, got in checks:
        if wanted != got:
            yield f"{what}: expected {wanted!r}, got {got!r}"


def _scores(result: Result, expect: ScenarioExpect) -> Iterator[_Check]:
    """The status, top category, bands and bases the scenario expects."""
    if expect.status is not None:
        yield "status", expect.status, result["status"]
    if expect.top_category is not None:
        yield "top_category", expect.top_category, result["top_category"] or "none"
    for category, band in expect.bands.items():
        yield f"band of {category}", band, result["categories"][category]["band"]
    for category, basis in expect.basis.items():
        yield f"basis of {category}", basis, result["categories"][category]["basis"]


def _fees_and_deadlines(result: Result, expect: ScenarioExpect) -> Iterator[_Check]:
    """The fee amounts, fee exceptions and deadline dates the scenario expects."""
    fees = {fee["id"]: fee["amount"] for fee in result["fees"]}
    for fee_id, amount in expect.fees.items():
        yield f"fee '{fee_id}'", amount, fees.get(fee_id)
    exceptions = {fee["id"]: fee["exception_may_apply"] for fee in result["fees"]}
    for fee_id, may_apply in expect.fee_exceptions.items():
        yield f"exception for fee '{fee_id}'", may_apply, exceptions.get(fee_id)
    deadlines = {row["id"]: row["date"] for row in result["deadlines"]}
    for deadline_id, day in expect.deadlines.items():
        yield f"deadline '{deadline_id}'", day.isoformat(), deadlines.get(deadline_id)
    for deadline_id in expect.no_deadlines:
        yield f"deadline '{deadline_id}'", None, deadlines.get(deadline_id)


def _flag_failures(result: Result, expect: ScenarioExpect) -> Iterator[str]:
    flags = {flag["id"] for flag in result["flags"]}
    for flag in expect.flags:
        if flag not in flags:
            yield (f"flag '{flag}' expected but not raised (raised: "
                   f"{', '.join(sorted(flags)) or 'none'})")
    for flag in expect.no_flags:
        if flag in flags:
            yield f"flag '{flag}' raised but not expected"


def _item_failures(result: Result, expect: ScenarioExpect) -> Iterator[str]:
    items = {row["id"] for kind in ("forms", "documents", "next_steps", "alternatives",
                                    "after_approval", "if_denied") for row in result[kind]}
    for item in expect.items:
        if item not in items:
            yield f"item '{item}' expected but not listed"
    for item in expect.no_items:
        if item in items:
            yield f"item '{item}' listed but not expected"


def _missing_failures(result: Result, expect: ScenarioExpect) -> Iterator[str]:
    for qid in expect.missing:
        if qid not in result["missing"]:
            yield f"question '{qid}' expected among the missing answers"


@dataclass
class Coverage:
    """What the scenarios exercise: each rule id, flag, question and choice -> covered?"""

    rules: dict[str, bool]
    flags: dict[str, bool]
    questions: dict[str, bool]
    choices: dict[str, bool]

    def uncovered(self, kind: str) -> list[str]:
        return [name for name, hit in getattr(self, kind).items() if not hit]

    def percent(self, kind: str) -> float:
        table = getattr(self, kind)
        return 100.0 * sum(table.values()) / len(table) if table else 100.0


def coverage(pack: RulePack, outcomes: Iterable[ScenarioOutcome]) -> Coverage:
    """A rule or flag is covered when it held (evaluated true) in at least one scenario.

    A question is covered when some scenario answered it (and it was asked); a choice
    value when some scenario chose it.
    """
    covered = _nothing_covered(pack)
    for outcome in outcomes:
        if outcome.result is not None:
            _mark_covered(covered, outcome.result, outcome.answers or {})
    return covered


def _nothing_covered(pack: RulePack) -> Coverage:
    rules = {basis.rule_id: False for cat in pack.categories for basis in cat.bases}
    for cat in pack.categories:
        for basis in cat.bases:
            for group in (basis.requires, basis.strengthens, basis.weakens, basis.blocks):
                rules.update({factor.rule_id: False for factor in group})
    flags = {entry.flag.id: False for entry in pack.flags}
    questions = {entry.question.id: False for entry in pack.questions}
    choices = {f"{entry.question.id}={choice.value}": False for entry in pack.questions
               for choice in entry.question.choices}
    return Coverage(rules, flags, questions, choices)


def _mark_covered(covered: Coverage, result: Result, answers: dict[str, Any]) -> None:
    """Mark what one scenario's result and answers exercised."""
    for step in result.get("trace", ()):
        if step["result"] is True and step["rule"] in covered.rules:
            covered.rules[step["rule"]] = True
    for flag in result["flags"]:
        covered.flags[flag["id"]] = True
    for qid, value in answers.items():
        covered.questions[qid] = True
        for chosen in value if isinstance(value, list) else [value]:
            key = f"{qid}={chosen}"
            if key in covered.choices:
                covered.choices[key] = True

