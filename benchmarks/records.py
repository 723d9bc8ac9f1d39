"""Realistic answers records generated from a rule pack's own question catalogue.

Nothing here names a question id: the generator walks ``pack.questions`` in interview
order, asks each question only when its compiled ``asked_when`` holds for the answers
given so far (exactly as the interview would), and picks a value that fits the question's
type, choices and bounds. Choice values are drawn round-robin per question, so every
branch of the interview is reached after a few hundred records whatever the pack holds,
and a small share of questions is left unanswered (the ``insufficient_information`` path).

Used by ``benchmarks/batch.py`` and by the tests, so both stay valid as the pack grows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from parole_screen.pack import RulePack

SKIP_RATE = 0.04


class RecordGenerator:
    """Deterministic (seeded) stream of ``{"id": ..., "answers": {...}}`` records."""

    def __init__(self, pack: RulePack, *, seed: int = 4, as_of: dt.date | None = None,
                 skip_rate: float = SKIP_RATE) -> None:
        self.pack = pack
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.as_of = as_of or pack.meta.as_of
        self.ctx = pack.context(self.as_of)
        self.skip_rate = skip_rate
        self.turn: dict[str, int] = {}
        self.countries = sorted(pack.countries)
        self.seen_choices: set[tuple[str, str]] = set()

    def answers(self) -> dict[str, Any]:
        """One interview's answers: only questions that would be asked, typed as JSON."""
        typed: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        for entry in self.pack.questions:
            if entry.asked_when is not None and entry.asked_when(typed, self.ctx, None) is not True:
                continue
            question = entry.question
            if self.rng.random() < self.skip_rate:
                continue
            value, json_value = self._value(question)
            typed[question.id] = value
            answers[question.id] = json_value
        return answers

    def _next_choice(self, qid: str, values: list[str]) -> str:
        turn = self.turn.get(qid, 0)
        self.turn[qid] = turn + 1
        # Round-robin with a random offset now and then, so combinations vary too.
        if self.rng.random() < 0.3:
            return self.rng.choice(values)
        return values[turn % len(values)]

    def _value(self, question: Any) -> tuple[Any, Any]:
        kind = question.type
        rng = self.rng
        if kind == "yes_no":
            value = self._next_choice(question.id, ["yes", "no"]) == "yes"
            return value, value
        if kind == "choice":
            values = [choice.value for choice in question.choices]
            chosen = self._next_choice(question.id, values)
            self.seen_choices.add((question.id, chosen))
            return chosen, chosen
        if kind == "multi_choice":
            values = [choice.value for choice in question.choices]
            picked = sorted(set(rng.sample(values, rng.randint(0, len(values)))))
            first = self._next_choice(question.id, values)
            picked = sorted({*picked, first}) if rng.random() < 0.8 else picked
            alone = [choice.value for choice in question.choices if choice.exclusive]
            if any(value in alone for value in picked) and len(picked) > 1:
                # An exclusive choice ("none") stands alone; keep it only when it came first.
                picked = [first] if first in alone else [v for v in picked if v not in alone]
            self.seen_choices.update((question.id, v) for v in picked)
            return frozenset(picked), picked
        if kind == "date":
            day = self.as_of + dt.timedelta(days=rng.randint(-4 * 365, 2 * 365))
            return day, day.isoformat()
        if kind in ("number", "money"):
            low = 0 if question.min is None else question.min
            high = max(low, 100_000 if question.max is None else question.max)
            number = rng.randint(int(low), int(high)) if high - low >= 1 else low
            return number, number
        if kind == "country":
            code = rng.choice(self.countries)
            return code, code
        text = rng.choice(["see attached letter", "lives with aunt", "n/a", "urgent"])
        return text, text

    def records(self, count: int, *, start: int = 0) -> Iterator[dict[str, Any]]:
        for number in range(start, start + count):
            yield {"id": f"R{number:07d}", "answers": self.answers()}

    def choice_coverage(self) -> tuple[int, int]:
        """(choice values generated so far, choice values the pack defines)."""
        total = sum(len(entry.question.choices) for entry in self.pack.questions)
        return len(self.seen_choices), total


def measure_coverage(pack: RulePack, records: Iterator[dict[str, Any]] | list[dict[str, Any]],
                     as_of: dt.date) -> Any:
    """Which rules, flags, questions and choices the records exercise (scenario coverage)."""
    from parole_screen.engine import screen_record
    from parole_screen.scenarios import ScenarioOutcome, coverage

    outcomes = [ScenarioOutcome(name=str(record["id"]), where="generated",
                                result=screen_record(pack, record, as_of, explain=True),
                                answers=record["answers"]) for record in records]
    return coverage(pack, outcomes)
