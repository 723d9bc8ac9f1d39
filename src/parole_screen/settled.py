"""Which stop flags the answers so far make certain, whatever the remaining answers are.

The interview uses this to say "your answers already settle the outcome" (inside the U.S.
and never paroled, a closed program, at a port of entry) and to offer the report at once.
It is decided from the pack's own conditions, never from a hand-written list: a stop flag is
*settled* when its condition is true now and no answer still to come can make it false.

The engine's three-valued logic nearly says this by itself: a leaf on an unanswered question
is unknown, and Kleene ``all``/``any``/``not`` are true only when every way of filling in the
unknowns makes them true. Two things are not like that:

* ``answered`` is never unknown in the engine (``{q: x, answered: false}`` is true until
  ``x`` is answered); on an unanswered question it is unknown to
  :meth:`~parole_screen.conditions.Condition.certain`, which this module asks;
* a flag's ``unless`` switches the flag off only when it holds, so an unknown ``unless``
  leaves the flag on in a report; here the flag is settled only when its ``unless`` is false.

No I/O, pure: a function of the pack, the answers and the date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .columns import EvalContext
from .pack import CompiledFlag, RulePack

__all__ = ["settled_stops"]


def settled_stops(pack: RulePack, answers: Mapping[str, Any],
                  ctx: EvalContext) -> list[CompiledFlag]:
    """The stop-level flags that hold for ``answers`` (typed, as the interview keeps them)
    whatever answers the unanswered questions get, in the pack's order (see
    :meth:`~parole_screen.conditions.Condition.certain`)."""
    return [entry for entry in pack.flags
            if entry.flag.severity == "stop" and entry.when.certain(answers, ctx) is True
            and (entry.unless is None or entry.unless.certain(answers, ctx) is False)]
