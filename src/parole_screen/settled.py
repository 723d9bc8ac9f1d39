"""Which stop flags the answers so far make certain, whatever the remaining answers are.

The interview uses this to say "your answers already settle the outcome" (inside the U.S.
and never paroled, a closed program, at a port of entry) and to offer the report at once.
It is decided from the pack's own conditions, never from a hand-written list: a stop flag is
*settled* when its condition is true now and no answer still to come can make it false.

The engine's three-valued logic nearly says this by itself: a leaf on an unanswered question
is unknown, and Kleene ``all``/``any``/``not`` are true only when every way of filling in the
unknowns makes them true. Two things are not like that, and are made unknown here:

* ``answered`` is never unknown in the engine (``{q: x, answered: false}`` is true until
  ``x`` is answered); on an unanswered question it is unknown here;
* a flag's ``unless`` switches the flag off only when it holds, so an unknown ``unless``
  leaves the flag on in a report; here the flag is settled only when its ``unless`` is false.

No I/O, pure: a function of the pack, the answers and the date.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .columns import EvalContext, Tri
from .conditions import Catalogue, Condition, compile_condition
from .pack import CompiledFlag, RulePack

__all__ = ["settled_stops"]


def settled_stops(pack: RulePack, answers: Mapping[str, Any],
                  ctx: EvalContext) -> list[CompiledFlag]:
    """The stop-level flags that hold for ``answers`` (typed, as the interview keeps them)
    whatever answers the unanswered questions get, in the pack's order."""
    found = []
    for entry in pack.flags:
        flag = entry.flag
        if flag.severity != "stop":
            continue
        if _value(pack, flag.when, answers, ctx) is not True:
            continue
        if flag.unless is not None and _value(pack, flag.unless, answers, ctx) is not False:
            continue
        found.append(entry)
    return found


def _value(pack: RulePack, spec: Mapping[str, Any], answers: Mapping[str, Any],
           ctx: EvalContext) -> Tri:
    """``spec`` (a written-out condition: every ``use`` expanded by the loader) with every
    unanswered question unknown, ``answered`` leaves included."""
    if "all" in spec:
        parts = [_value(pack, part, answers, ctx) for part in spec["all"]]
        return False if False in parts else None if None in parts else True
    if "any" in spec:
        parts = [_value(pack, part, answers, ctx) for part in spec["any"]]
        return True if True in parts else None if None in parts else False
    if "not" in spec:
        inner = _value(pack, spec["not"], answers, ctx)
        return None if inner is None else not inner
    qid = spec.get("q")
    if isinstance(qid, str) and answers.get(qid) is None:
        return None
    return _leaf(pack, _frozen(spec))(answers, ctx)


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("[]", *(_frozen(item) for item in value))
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, tuple) and value and value[0] == "[]":
        return [_thawed(item) for item in value[1:]]
    if isinstance(value, tuple):
        return {key: _thawed(item) for key, item in value}
    return value


@lru_cache(maxsize=1024)
def _leaf(pack: RulePack, frozen: Any) -> Condition:
    """A leaf compiled by the engine's own compiler, so it reads answers as scoring does."""
    problems: list[str] = []
    condition = compile_condition(_thawed(frozen), _catalogue(pack),
                                  lambda path, message: problems.append(message))
    if problems:  # the loader compiled the same leaf already, so this cannot happen
        raise ValueError(f"cannot compile {frozen}: {problems[0]}")
    return condition


@lru_cache(maxsize=8)
def _catalogue(pack: RulePack) -> Catalogue:
    lists = frozenset(fact.id for fact in pack.facts.values() if fact.kind == "country_list")
    return Catalogue(pack.question_index, frozenset(pack.countries), lists)
