"""The dated facts of a pack as rows: the checklist staff re-verify when the law moves.

With ``unverified``, the rows are every claim a report can print that the pack marks
unverified: fact values, and the texts of flags, items, fees, deadlines and rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Fact, FactValue
from .pack import RulePack, fact_value_on, fee_value_on


def _shown(value: Any, unit: str) -> str:
    if value is None:
        return "(none)"
    if unit == "usd" and isinstance(value, int):
        return f"${value:,}"
    if isinstance(value, tuple):
        return f"{len(value)} countries: {', '.join(value)}"
    return str(value)


def fact_rows(pack: RulePack, as_of: dt.date, *, unverified: bool = False) -> list[dict[str, Any]]:
    """One row per fact with the value in force on ``as_of``. As in a report, a fee is never
    an unverified amount: where the newest is unverified, the row is the last confirmed one
    and names the newer amount as its ``reported_change`` (None in every other row).

    With ``unverified``, one row per value marked unverified instead, whatever its date, then
    one per flag, item, fee, deadline or rule whose text is marked unverified (``kind`` says
    which): the claims to confirm before anyone files.
    """
    rows: list[dict[str, Any]] = []
    for fact in sorted(pack.facts.values(), key=lambda f: (f.kind, f.id)):
        rows.extend(_fact_rows(fact, as_of, unverified=unverified))
    if unverified:
        rows.extend(_unverified_texts(pack))
    return rows


def _fact_rows(fact: Fact, as_of: dt.date, *, unverified: bool) -> list[dict[str, Any]]:
    if unverified:
        return [_row(fact, value) for value in fact.values if value.confidence == "unverified"]
    # A fee as reports state it; any other fact's newest word, verified or not, is its best.
    current, reported = (fee_value_on(fact, as_of) if fact.kind == "fee"
                         else (fact_value_on(fact, as_of), None))
    if current is None:
        return [{"id": fact.id, "kind": fact.kind, "label": fact.label, "value": None,
                 "shown": "(not yet in force)", "effective_from": None, "source": None,
                 "confidence": None, "note": "", "reported_change": None}]
    return [_row(fact, current, reported=reported)]


def _row(fact: Fact, value: FactValue, *, reported: FactValue | None = None) -> dict[str, Any]:
    shown = _shown(value.value, fact.unit)
    if reported is not None:
        shown += (f" (a change to {_shown(reported.value, fact.unit)} from "
                  f"{reported.effective_from.isoformat()} is reported, {reported.confidence}: "
                  f"confirm before filing)")
    return {"id": fact.id, "kind": fact.kind, "label": fact.label,
            "value": list(value.value) if isinstance(value.value, tuple) else value.value,
            "shown": shown, "effective_from": value.effective_from.isoformat(),
            "source": value.source, "confidence": value.confidence, "note": value.note,
            "reported_change": None if reported is None else {
                "value": reported.value, "effective_from": reported.effective_from.isoformat(),
                "source": reported.source, "confidence": reported.confidence}}


def _unverified_texts(pack: RulePack) -> list[dict[str, Any]]:
    """The flags, items, fees, deadlines and rules (reasons and concerns) marked unverified,
    each as a row like a fact's."""
    claims: list[tuple[str, str, str, str | None, tuple[str, ...]]] = []
    claims += [("flag", e.flag.id, e.flag.text, e.flag.confidence, e.flag.cite) for e in pack.flags]
    claims += [("item", e.item.id, e.item.text, e.item.confidence, e.item.cite) for e in pack.items]
    claims += [("fee_text", e.fee.id, f"{e.fee.label}. {e.fee.note}".strip(), e.fee.confidence,
                e.fee.cite) for e in pack.fees]
    claims += [("deadline", e.deadline.id, e.deadline.label, e.deadline.confidence,
                e.deadline.cite) for e in pack.deadlines]
    claims += [("rule", f"{entry.category.id}.{basis.id}.{factor.id}",
                " ".join(filter(None, (factor.text, factor.fail_text))), factor.confidence,
                factor.cite)
               for entry in pack.categories for basis in entry.category.bases
               for factor in (*basis.requires, *basis.strengthens, *basis.weakens,
                              *basis.blocks)]
    return [{"id": claim_id, "kind": kind, "label": text, "value": None, "shown": text,
             "effective_from": None, "source": ", ".join(cite), "confidence": confidence,
             "note": "", "reported_change": None}
            for kind, claim_id, text, confidence, cite in sorted(claims)
            if confidence == "unverified"]
