"""The dated facts of a pack as rows: the checklist staff re-verify when the law moves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .pack import RulePack, fact_value_on


def _shown(value: Any, unit: str) -> str:
    if value is None:
        return "(none)"
    if unit == "usd" and isinstance(value, int):
        return f"${value:,}"
    if isinstance(value, tuple):
        return f"{len(value)} countries: {', '.join(value)}"
    return str(value)


def fact_rows(pack: RulePack, as_of: dt.date, *, unverified: bool = False) -> list[dict[str, Any]]:
    """One row per fact with the value in force on ``as_of``.

    With ``unverified``, one row per value marked unverified instead, whatever its date:
    those are the facts to confirm before anyone files.
    """
    rows: list[dict[str, Any]] = []
    for fact in sorted(pack.facts.values(), key=lambda f: (f.kind, f.id)):
        if unverified:
            chosen = [v for v in fact.values if v.confidence == "unverified"]
        else:
            current = fact_value_on(fact, as_of)
            chosen = [current] if current is not None else []
            if not chosen:
                rows.append({"id": fact.id, "kind": fact.kind, "label": fact.label,
                             "value": None, "shown": "(not yet in force)", "effective_from": None,
                             "source": None, "confidence": None, "note": ""})
                continue
        for value in chosen:
            rows.append({
                "id": fact.id, "kind": fact.kind, "label": fact.label,
                "value": list(value.value) if isinstance(value.value, tuple) else value.value,
                "shown": _shown(value.value, fact.unit),
                "effective_from": value.effective_from.isoformat(),
                "source": value.source, "confidence": value.confidence, "note": value.note,
            })
    return rows
