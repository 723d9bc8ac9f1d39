"""Comparing two rule packs on the same records (``--compare-rules``): which decisions
change, as change rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..engine import screen_many
from ..errors import AnswerError
from ..jsonbytes import dumps
from ..pack import RulePack
from .records import Item, as_input
from .rows import ChunkRows, RowFormat, cell

CHANGE_SCHEMA = "parole-screen/change@1"


def compare_chunk(rows: RowFormat, pack: RulePack, baseline: RulePack, as_of: dt.date,
                  items: Sequence[Item], records: Sequence[Any], *,
                  fail_fast: bool = False) -> ChunkRows:
    """Score a chunk's parsed ``records`` with both packs, and keep what changed."""
    counts: Counter[str] = Counter()
    kept: list[Any] = []
    rejected = done = 0
    inputs = [as_input(record) for record in records]
    new = screen_many(pack, inputs, as_of)
    old = screen_many(baseline, inputs, as_of)
    for item, record, after, before in zip(items, records, new, old, strict=True):
        done += 1
        if isinstance(after, AnswerError) or isinstance(before, AnswerError):
            if isinstance(after, AnswerError):
                problem = after
            else:
                assert isinstance(before, AnswerError)
                problem = AnswerError(f"under the old rules: {before.reason}",
                                      kind=before.kind, field=before.field)
            rejected += 1
            kept.append(rows.error_row(item, record, problem, counts))
            if fail_fast:
                return ChunkRows(rows.join(kept), len(kept), done, rejected, counts, True,
                                 stopped_by=rows.rejection(item, record, problem)[2])
            continue
        change = compare_results(before, after)
        if not change:
            counts["compare:unchanged"] += 1
            continue
        counts["compare:changed"] += 1
        for what in change:
            counts["change:" + what] += 1
        if before["top_category"] != after["top_category"]:
            counts[f"move:{before['top_category'] or 'none'} -> "
                   f"{after['top_category'] or 'none'}"] += 1
        kept.append(change_row(rows, item, before, after, change))
    return ChunkRows(rows.join(kept), len(kept), done, rejected, counts, False)


def change_row(rows: RowFormat, item: Item, before: dict[str, Any], after: dict[str, Any],
               change: list[str]) -> Any:
    if rows.fmt != "csv":
        return dumps({"schema": CHANGE_SCHEMA, "id": after["id"], "source": item.source,
                      "line": item.line, "index": item.element, "changes": change,
                      "old": _decision(before), "new": _decision(after)}, rows.lines)
    old_flags = {flag["id"] for flag in before["flags"]}
    new_flags = {flag["id"] for flag in after["flags"]}
    bands = []
    for cid in rows.category_ids:
        bands += [before["categories"].get(cid, {}).get("band", ""),
                  after["categories"][cid]["band"]]
    return [cell(after["id"] or ""), cell(item.source), item.line, ";".join(change),
            before["top_category"] or "", after["top_category"] or "", *bands,
            ";".join(sorted(new_flags - old_flags)), ";".join(sorted(old_flags - new_flags)),
            before["status"], after["status"], "", ""]


def _decision(result: dict[str, Any]) -> dict[str, Any]:
    return {"rule_pack": result["rule_pack"], "status": result["status"],
            "missing": result["missing"], "top_category": result["top_category"],
            "bands": {cid: cat["band"] for cid, cat in result["categories"].items()},
            "flags": sorted(flag["id"] for flag in result["flags"])}


def compare_results(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two results of one record: ``top_category``, ``bands.<id>``,
    ``flags`` and ``status``, in that order (empty when the decision is the same)."""
    change = []
    if before["top_category"] != after["top_category"]:
        change.append("top_category")
    for cid in sorted(set(before["categories"]) | set(after["categories"])):
        old = before["categories"].get(cid, {}).get("band")
        if old != after["categories"].get(cid, {}).get("band"):
            change.append(f"bands.{cid}")
    if {f["id"] for f in before["flags"]} != {f["id"] for f in after["flags"]}:
        change.append("flags")
    if before["status"] != after["status"] or before["missing"] != after["missing"]:
        change.append("status")
    return change
