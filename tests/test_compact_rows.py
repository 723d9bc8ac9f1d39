"""Compact rows (``parole-screen/row@1``): the pack's fixed texts named by id, expandable.

Every compact row, expanded with the pack's text catalogue, must be exactly the full
``parole-screen/result@1`` result of the same record: on every example, on generated
records that cover the shipped pack, at dates either side of fee and program changes.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import REPO, record_generator, run_cli
from parole_screen import AnswerError, RulePack, load_pack
from parole_screen.engine import (
    CATALOG_SCHEMA,
    RESULT_SCHEMA,
    ROW_SCHEMA,
    RowError,
    Scored,
    expand_row,
    score_chunk,
    score_records,
    text_catalog,
)

DAYS = (dt.date(2025, 10, 15), dt.date(2026, 1, 1), dt.date(2026, 11, 28))
EXAMPLES = sorted((REPO / "examples").glob("*.json"))


def canonical(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


@pytest.fixture(scope="module")
def catalog(shipped_pack: RulePack) -> dict[str, Any]:
    """The catalogue as a reader gets it: written as JSON and read back."""
    found: dict[str, Any] = json.loads(json.dumps(text_catalog(shipped_pack)))
    return found


@pytest.fixture(scope="module")
def records(shipped_pack: RulePack) -> list[dict[str, Any]]:
    examples = [json.loads(path.read_text()) for path in EXAMPLES]
    return examples + list(record_generator()(shipped_pack, seed=23).records(700))


def both(pack: RulePack, records: list[dict[str, Any]], day: dt.date,
         explain: bool = False) -> list[tuple[Scored, Scored]]:
    full = score_records(pack, records, day, explain=explain)
    compact = score_records(pack, records, day, detail="compact", explain=explain)
    pairs = []
    for one, other in zip(full, compact, strict=True):
        assert not isinstance(one, AnswerError) and not isinstance(other, AnswerError)
        pairs.append((one, other))
    return pairs


@pytest.mark.parametrize("day", DAYS)
def test_a_compact_row_expands_to_the_full_result(shipped_pack: RulePack,
                                                  catalog: dict[str, Any],
                                                  records: list[dict[str, Any]],
                                                  day: dt.date) -> None:
    assert len(EXAMPLES) > 20
    for full, compact in both(shipped_pack, records, day):
        row = orjson.loads(compact.json)
        assert compact.json == canonical(row)  # canonical JSON: sorted keys, compact
        assert row["schema"] == ROW_SCHEMA and row["rule_pack"] == shipped_pack.info()
        assert canonical(expand_row(row, catalog)) == full.json, row["id"]


def test_traces_survive_the_round_trip(shipped_pack: RulePack, catalog: dict[str, Any],
                                       records: list[dict[str, Any]]) -> None:
    for full, compact in both(shipped_pack, records[:60], DAYS[1], explain=True):
        row = orjson.loads(compact.json)
        assert row["trace"]
        assert canonical(expand_row(row, catalog)) == full.json


def test_a_compact_row_keeps_what_varies_and_names_the_rest(shipped_pack: RulePack,
                                                            records: list[dict[str, Any]]
                                                            ) -> None:
    sizes = []
    for full, compact in both(shipped_pack, records, DAYS[2]):
        row, result = orjson.loads(compact.json), full.result()
        sizes.append(len(compact.json))
        for key in ("id", "status", "top_category", "missing", "as_of"):
            assert row[key] == result[key]
        assert "disclaimer" not in row and "always" not in row
        assert row["sources"] == list(result["sources"])
        assert row["forms"] == [form["id"] for form in result["forms"]]
        for category_id, outcome in result["categories"].items():
            compact_outcome = row["categories"][category_id]
            assert {key: compact_outcome[key] for key in ("band", "score", "basis")} == {
                key: outcome[key] for key in ("band", "score", "basis")}
            # Reasons keep the answers they read.
            assert [note["answers"] for note in compact_outcome["reasons"]] == [
                note["answers"] for note in outcome["reasons"]]
        assert [(flag["id"], flag["answers"]) for flag in row["flags"]] == [
            (flag["id"], flag["answers"]) for flag in result["flags"]]
        for fee, full_fee in zip(row["fees"], result["fees"], strict=True):
            assert (fee["id"], fee["amount"], fee["effective_from"]) == (
                full_fee["id"], full_fee["amount"], full_fee["effective_from"])
            assert "label" not in fee and "note" not in fee
        for deadline, full_deadline in zip(row["deadlines"], result["deadlines"], strict=True):
            assert deadline == {key: full_deadline[key] for key in (
                "date", "days_from_as_of", "id", "soon", "status")}
    assert max(sizes) < 8_000  # a few KB at most, where a result is some 20 KB
    assert sum(sizes) / len(sizes) < 4_000


def test_the_chunk_view_is_the_same_in_both_details(shipped_pack: RulePack,
                                                    records: list[dict[str, Any]]) -> None:
    """What the batch summary and CSV rows read does not depend on the detail."""
    full = score_chunk(shipped_pack, records[:300], DAYS[1]).scored
    compact = score_chunk(shipped_pack, records[:300], DAYS[1], detail="compact").scored
    assert full is not None and compact is not None
    assert (compact.ids, compact.statuses(), compact.tops, compact.bands, compact.missing) == (
        full.ids, full.statuses(), full.tops, full.bands, full.missing)
    assert compact.flags == full.flags and compact.flag_masks == full.flag_masks
    assert compact.jsonl() == b"".join(row.json + b"\n" for row in compact)


def test_the_catalogue_names_everything_a_row_can_name(shipped_pack: RulePack,
                                                       catalog: dict[str, Any]) -> None:
    assert catalog["schema"] == CATALOG_SCHEMA and catalog["rule_pack"] == shipped_pack.info()
    assert text_catalog(shipped_pack) == text_catalog(shipped_pack)  # deterministic
    assert set(catalog["sources"]) == set(shipped_pack.sources)
    assert set(catalog["flags"]) == {entry.flag.id for entry in shipped_pack.flags}
    assert set(catalog["items"]) == {entry.item.id for entry in shipped_pack.items}
    assert set(catalog["fees"]) == {entry.fee.id for entry in shipped_pack.fees}
    assert set(catalog["deadlines"]) == {entry.deadline.id for entry in shipped_pack.deadlines}
    rules = {rule.rule_id for category in shipped_pack.categories for basis in category.bases
             for group in (basis.requires, basis.strengthens, basis.weakens, basis.blocks)
             for rule in group}
    assert {note["rule"] for note in catalog["notes"].values()} == rules
    assert set(catalog["bases"]) == {basis.rule_id for category in shipped_pack.categories
                                     for basis in category.bases}
    source = catalog["sources"]["S1"]  # a copy of the statute: secondary, no citation
    assert set(source) == {"authority", "dated", "title", "url"} and source["title"]
    assert source["authority"] == "secondary"
    official = catalog["sources"]["USC1182d5A"]
    assert set(official) == {"authority", "citation", "dated", "title", "url"}
    assert official["citation"] == "8 U.S.C. 1182(d)(5)(A)"


def test_rows_of_another_pack_or_kind_are_refused(shipped_pack: RulePack,
                                                  minimal_pack: RulePack,
                                                  catalog: dict[str, Any],
                                                  records: list[dict[str, Any]]) -> None:
    full, compact = both(shipped_pack, records[:1], DAYS[1])[0]
    with pytest.raises(RowError, match="another rule pack"):
        expand_row(orjson.loads(compact.json), text_catalog(minimal_pack))
    with pytest.raises(RowError, match=ROW_SCHEMA):
        expand_row(full.result(), catalog)
    assert full.result()["schema"] == RESULT_SCHEMA
    broken = orjson.loads(compact.json)
    broken["forms"] = ["form.no_such_form"]
    with pytest.raises(RowError, match="no_such_form"):
        expand_row(broken, catalog)


def test_a_rule_sharing_its_id_but_not_its_text_gets_a_note_id_of_its_own(
        tmp_path: Path) -> None:
    """Rule ids are unique within a group only: the same id in `strengthens` and `weakens`
    with other text must still expand to each rule's own text."""
    pack_dir = tmp_path / "rules"
    shutil.copytree(REPO / "rules", pack_dir)
    path = pack_dir / "public_benefit.yaml"
    twin = ("          - id: date_set\n"
            "            text: A removal order is on record.\n"
            "            when: {q: prior_removal, is: true}\n"
            "            weight: 1\n"
            "            cite: [S14]\n")
    head, sep, rest = path.read_text().partition("        weakens:\n")
    path.write_text(head + sep + twin + rest)
    pack = load_pack(pack_dir)
    catalog = text_catalog(pack)
    rule = "public_benefit.law_enforcement.date_set"
    assert catalog["notes"][rule]["text"] != catalog["notes"][f"{rule}@weakens"]["text"]
    record = {"id": "twin", "answers": {
        "reason_type": "legal_proceeding", "proceeding_type": "law_enforcement",
        "court_date_set": True, "prior_removal": True, "agency_will_request": True,
        "beneficiary_location": "outside_us"}}
    [(full, compact)] = both(pack, [record], DAYS[2])
    outcome = orjson.loads(compact.json)["categories"]["public_benefit"]
    assert {note["note"] for note in outcome["reasons"] + outcome["concerns"]} >= {
        rule, f"{rule}@weakens"}
    assert canonical(expand_row(orjson.loads(compact.json), catalog)) == full.json


def test_rules_catalog_prints_the_catalogue() -> None:
    done = run_cli("rules", "catalog")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == json.loads(json.dumps(text_catalog(load_pack(REPO / "rules"))))
    assert done.stdout == json.dumps(printed, indent=2, sort_keys=True,
                                     ensure_ascii=False) + "\n"


def test_an_unknown_detail_is_refused(minimal_pack: RulePack) -> None:
    with pytest.raises(ValueError, match="full, compact"):
        score_chunk(minimal_pack, [{"answers": {}}], DAYS[0], detail="brief")  # type: ignore[arg-type]
