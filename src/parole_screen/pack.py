"""A loaded rule pack: the validated models plus every condition compiled once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .conditions import EvalContext, Evaluator
from .models import (
    Basis,
    Category,
    Deadline,
    Evidence,
    Fact,
    Factor,
    FactValue,
    Fee,
    Flag,
    Item,
    PackMeta,
    Question,
    Source,
)
from .texts import ENGLISH, Texts


class CompiledFactor(NamedTuple):
    rule_id: str
    factor: Factor
    when: Evaluator
    unless: Evaluator | None
    reads: tuple[str, ...]


class CompiledEvidence(NamedTuple):
    evidence: Evidence
    have: Evaluator | None
    needed: Evaluator | None


class CompiledBasis(NamedTuple):
    rule_id: str
    basis: Basis
    applies: Evaluator
    requires: tuple[CompiledFactor, ...]
    strengthens: tuple[CompiledFactor, ...]
    weakens: tuple[CompiledFactor, ...]
    blocks: tuple[CompiledFactor, ...]
    evidence: tuple[CompiledEvidence, ...]


class CompiledCategory(NamedTuple):
    category: Category
    bases: tuple[CompiledBasis, ...]


class CompiledFlag(NamedTuple):
    flag: Flag
    when: Evaluator
    unless: Evaluator | None
    reads: tuple[str, ...]


class CompiledItem(NamedTuple):
    item: Item
    when: Evaluator | None


class CompiledFee(NamedTuple):
    fee: Fee
    when: Evaluator | None
    exception: Evaluator | None


class CompiledDeadline(NamedTuple):
    deadline: Deadline
    when: Evaluator | None


class CompiledQuestion(NamedTuple):
    question: Question
    asked_when: Evaluator | None
    # Per choice, in order: when the interview offers it (None: always).
    choices_when: tuple[Evaluator | None, ...] = ()


@dataclass(frozen=True, eq=False)
class RulePack:
    """A validated, cross-checked rule pack with its conditions compiled (see ``conditions``).

    Build one with :func:`parole_screen.load_pack`; it is immutable and safe to share
    between threads and to send to worker processes (it is rebuilt there from ``path``).
    """

    meta: PackMeta
    path: Path
    content_hash: str
    sources: Mapping[str, Source]
    questions: tuple[CompiledQuestion, ...]
    categories: tuple[CompiledCategory, ...]
    flags: tuple[CompiledFlag, ...]
    items: tuple[CompiledItem, ...]
    facts: Mapping[str, Fact]
    fees: tuple[CompiledFee, ...]
    deadlines: tuple[CompiledDeadline, ...]
    countries: Mapping[str, str]
    #: The interview's and report's own texts in the pack's language; the pack's texts
    #: are in that language too (see :func:`parole_screen.localize.pack_in`).
    texts: Texts = ENGLISH
    #: The English pack this one translates (None for the English pack itself).
    source: RulePack | None = None

    @property
    def english(self) -> RulePack:
        """The pack in English: this one, or the one it translates."""
        return self.source or self

    @property
    def lang(self) -> str:
        return self.texts.lang

    @property
    def question_index(self) -> dict[str, Question]:
        return {entry.question.id: entry.question for entry in self.questions}

    def info(self) -> dict[str, Any]:
        """The ``rule_pack`` block every result carries (with ``lang`` when its texts are
        translated)."""
        info = {
            "id": self.meta.id,
            "version": self.meta.version,
            "as_of": self.meta.as_of.isoformat(),
            "hash": self.content_hash,
        }
        if self.lang != "en":
            info["lang"] = self.lang
        return info

    def context(self, as_of: dt.date) -> EvalContext:
        """The evaluation context for a date; cached, since a batch shares one date."""
        return _context(self, as_of)


def fact_value_on(fact: Fact, as_of: dt.date) -> FactValue | None:
    """The value of ``fact`` in force on ``as_of``: the latest one that has taken effect."""
    current = None
    for value in fact.values:
        if value.effective_from <= as_of:
            current = value
        else:
            break
    return current


def last_confirmed_value(fact: Fact, as_of: dt.date) -> FactValue | None:
    """The latest value in force on ``as_of`` that is not marked unverified."""
    current = None
    for value in fact.values:
        if value.effective_from > as_of:
            break
        if value.confidence != "unverified":
            current = value
    return current


def fee_value_on(fact: Fact, as_of: dt.date) -> tuple[FactValue | None, FactValue | None]:
    """The fee amount to state on ``as_of`` and a newer one only reported, if any.

    A screener never states an unconfirmed fee as the fee: where the value in force is
    unverified, the last confirmed one is stated and the unverified one is the reported
    change (reports, rows and ``rules facts`` alike).
    """
    current = fact_value_on(fact, as_of)
    if current is None or current.confidence != "unverified":
        return current, None
    confirmed = last_confirmed_value(fact, as_of)
    if confirmed is None or confirmed.value is None:
        return current, None
    return confirmed, current


@lru_cache(maxsize=64)
def _context(pack: RulePack, as_of: dt.date) -> EvalContext:
    lists: dict[str, frozenset[str]] = {}
    for fact in pack.facts.values():
        if fact.kind == "country_list":
            value = fact_value_on(fact, as_of)
            members = value.value if value is not None else None
            lists[fact.id] = frozenset(members) if isinstance(members, tuple) else frozenset()
    return EvalContext(as_of=as_of, as_of_ordinal=as_of.toordinal(), lists=lists)


__all__ = [
    "Category",
    "CompiledBasis",
    "CompiledCategory",
    "CompiledDeadline",
    "CompiledEvidence",
    "CompiledFactor",
    "CompiledFee",
    "CompiledFlag",
    "CompiledItem",
    "CompiledQuestion",
    "RulePack",
    "fact_value_on",
    "fee_value_on",
    "last_confirmed_value",
]
