"""The pack's text catalogue, and a compact row expanded back into its result.

A ``parole-screen/row@1`` row (``detail="compact"``) is a ``parole-screen/result@1``
result with the pack's fixed texts named by id (see :mod:`~parole_screen.engine.fragments`
for the table). :func:`text_catalog` gives those texts, keyed by the ids rows use, so a row
can be read, or expanded with :func:`expand_row`, long after it was written::

    {"schema": "parole-screen/catalog@1", "rule_pack": {...},
     "always": [...], "disclaimer": "...",
     "bases":     {"<category>.<basis>": {"basis", "cite", "label", "evidence": {id: text}}},
     "notes":     {"<rule id>[:unmet]": {"cite", "rule", "text"}},
     "flags":     {"<flag id>": {"cite", "id", "severity", "text"}},
     "items":     {"<item id>": {"cite", "id", "kind", "text", ["url"]}},
     "fees":      {"<fee id>": {"cite", "currency", "exception", "label", "note", "waivable"}},
     "deadlines": {"<deadline id>": {"cite", "confidence", "kind", "label"}},
     "sources":   {"<source id>": {"authority", ["citation"], "dated", "title", "url"}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ParoleScreenError
from ..pack import RulePack
from .compiled import RULE_GROUPS, note_ids
from .fragments import FEE_FIXED, RESULT_SCHEMA, ROW_SCHEMA, source_row

CATALOG_SCHEMA = "parole-screen/catalog@1"
#: Each kind of item's list in a result or row.
ITEM_LISTS = {"after_approval": "after_approval", "alternative": "alternatives",
              "document": "documents", "form": "forms", "if_denied": "if_denied",
              "next_step": "next_steps"}


class RowError(ParoleScreenError):
    """A row that is not a ``parole-screen/row@1`` row of the catalogue's pack."""


def text_catalog(pack: RulePack) -> dict[str, Any]:
    """The pack's fixed texts and sources by the ids compact rows name them by (JSON-ready)."""
    names = note_ids(pack)
    bases: dict[str, Any] = {}
    notes: dict[str, Any] = {}
    for category in pack.categories:
        for entry in category.bases:
            basis = entry.basis
            bases[entry.rule_id] = {
                "basis": basis.id, "cite": list(basis.cite), "label": basis.label,
                "evidence": {proof.evidence.id: proof.evidence.text for proof in entry.evidence}}
            for group in RULE_GROUPS:
                for rule in getattr(entry, group):
                    factor = rule.factor
                    for unmet in (False, True):
                        name = names.get((rule.rule_id, group, unmet))
                        if name is not None:
                            notes[name] = {"cite": list(factor.cite), "rule": rule.rule_id,
                                           "text": factor.fail_text if unmet else factor.text}
    items: dict[str, Any] = {}
    for item_entry in pack.items:
        item = item_entry.item
        row: dict[str, Any] = {"cite": list(item.cite), "id": item.id, "kind": item.kind,
                               "text": item.text}
        if item.url:
            row["url"] = item.url
        items[item.id] = row
    return {
        "schema": CATALOG_SCHEMA,
        "rule_pack": pack.info(),
        "always": list(pack.meta.always),
        "disclaimer": pack.meta.disclaimer,
        "bases": bases,
        "notes": notes,
        "flags": {entry.flag.id: {"cite": list(entry.flag.cite), "id": entry.flag.id,
                                  "severity": entry.flag.severity, "text": entry.flag.text}
                  for entry in pack.flags},
        "items": items,
        "fees": {entry.fee.id: {"cite": list(entry.fee.cite), "currency": "USD",
                                "exception": entry.fee.exception_text, "label": entry.fee.label,
                                "note": entry.fee.note, "waivable": entry.fee.waivable}
                 for entry in pack.fees},
        "deadlines": {entry.deadline.id: {"cite": list(entry.deadline.cite),
                                          "confidence": entry.deadline.confidence,
                                          "kind": entry.deadline.kind,
                                          "label": entry.deadline.label}
                      for entry in pack.deadlines},
        "sources": {sid: source_row(source) for sid, source in sorted(pack.sources.items())},
    }


def expand_row(row: Mapping[str, Any], catalog: Mapping[str, Any]) -> dict[str, Any]:
    """The ``parole-screen/result@1`` result a ``parole-screen/row@1`` row stands for.

    ``catalog`` is :func:`text_catalog` of the pack that wrote the row (its JSON, read back,
    does as well). Raises :class:`RowError` for another kind of document or another pack.
    """
    if row.get("schema") != ROW_SCHEMA:
        raise RowError(f"not a {ROW_SCHEMA} row (schema: {row.get('schema')!r})")
    if row.get("rule_pack") != catalog.get("rule_pack"):
        raise RowError(_pack_mismatch(row.get("rule_pack"), catalog.get("rule_pack")))
    try:
        return _expanded(row, catalog)
    except (KeyError, TypeError) as error:
        raise RowError(f"the row names what its pack's catalogue lacks: {error}") from None


def _pack_mismatch(row_pack: Any, catalog_pack: Any) -> str:
    """Why a row's ``rule_pack`` is not the catalogue's: the language alone (the same pack,
    a catalogue made with another ``--lang``, which is quick to put right), or the pack."""
    if isinstance(row_pack, Mapping) and isinstance(catalog_pack, Mapping):
        row_lang, catalog_lang = row_pack.get("lang"), catalog_pack.get("lang")
        if _without_lang(row_pack) == _without_lang(catalog_pack) and row_lang != catalog_lang:
            # English rows and catalogues carry no lang (English results are unchanged).
            return (f"the row was written in {row_lang or 'English (no lang)'} and the "
                    f"catalogue in {catalog_lang or 'English (no lang)'}: make the catalogue "
                    f"with the row's --lang (parole-screen rules catalog --lang "
                    f"{row_lang or 'en'})")
    return ("the row was written with another rule pack than the catalogue's "
            f"(row: {row_pack!r}, catalogue: {catalog_pack!r})")


def _without_lang(rule_pack: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in rule_pack.items() if key != "lang"}


def _expanded(row: Mapping[str, Any], catalog: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(row)
    result["schema"] = RESULT_SCHEMA
    result["always"] = catalog["always"]
    result["disclaimer"] = catalog["disclaimer"]
    items = catalog["items"]
    for name in ITEM_LISTS.values():
        result[name] = [_item(items[item_id]) for item_id in row[name]]
    notes = catalog["notes"]
    result["categories"] = {
        category_id: _outcome(outcome, category_id, catalog["bases"], notes)
        for category_id, outcome in row["categories"].items()}
    flags = catalog["flags"]
    result["flags"] = [{"answers": flag["answers"], **flags[flag["id"]]} for flag in row["flags"]]
    fees = catalog["fees"]
    result["fees"] = [_fee(fee, fees[fee["id"]]) for fee in row["fees"]]
    deadlines = catalog["deadlines"]
    result["deadlines"] = [{**deadline, **deadlines[deadline["id"]]}
                           for deadline in row["deadlines"]]
    sources = catalog["sources"]
    result["sources"] = {sid: sources[sid] for sid in row["sources"]}
    return result


def _item(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entry.items() if name != "kind"}


def _outcome(outcome: Mapping[str, Any], category_id: str, bases: Mapping[str, Any],
             notes: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(outcome)
    basis_id = outcome["basis"]
    if basis_id is None:
        found.update(label=None, cite=[])
        return found
    basis = bases[f"{category_id}.{basis_id}"]
    found.update(label=basis["label"], cite=basis["cite"])
    for kind in ("reasons", "concerns"):
        found[kind] = [{"answers": note["answers"], **notes[note["note"]]}
                       for note in outcome[kind]]
    evidence = basis["evidence"]
    found["missing_evidence"] = [{"id": evidence_id, "text": evidence[evidence_id]}
                                 for evidence_id in outcome["missing_evidence"]]
    return found


def _fee(fee: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
    found = {**fee, **{name: fixed[name] for name in FEE_FIXED}}
    if not fee["exception_may_apply"]:
        found["exception"] = None
    return found
