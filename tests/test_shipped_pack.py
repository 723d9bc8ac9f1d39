"""The default rule pack: it loads, every scenario passes, and the examples match them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import REPO
from parole_screen import RulePack, screen
from parole_screen.scenarios import (
    LoadedScenario,
    ScenarioOutcome,
    coverage,
    load_scenarios,
    run_scenarios,
)

SCENARIOS = load_scenarios(REPO / "rules" / "tests")
EXAMPLES = sorted((REPO / "examples").glob("*.json"))


@pytest.fixture(scope="module")
def outcomes(shipped_pack: RulePack) -> list[ScenarioOutcome]:
    return run_scenarios(shipped_pack, SCENARIOS, explain=True)


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda case: case.scenario.name)
def test_scenario(shipped_pack: RulePack, case: LoadedScenario) -> None:
    [outcome] = run_scenarios(shipped_pack, [case])
    assert outcome.failures == [], f"{case.where}: {case.scenario.story}"


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 60


def test_every_rule_and_flag_is_exercised(shipped_pack: RulePack,
                                          outcomes: list[ScenarioOutcome]) -> None:
    report = coverage(shipped_pack, outcomes)
    assert report.uncovered("rules") == []
    assert report.uncovered("flags") == []


def test_every_category_and_band_appears(outcomes: list[ScenarioOutcome]) -> None:
    seen = {(cid, cat["band"]) for outcome in outcomes if outcome.result
            for cid, cat in outcome.result["categories"].items()}
    for category in ("humanitarian", "medical", "public_benefit", "re_parole"):
        for band in ("strong", "possible", "weak", "not_indicated"):
            if (category, band) not in seen:
                pytest.fail(f"no scenario gives {category} the band {band}")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_is_a_complete_scenario(shipped_pack: RulePack, path: Path) -> None:
    record = json.loads(path.read_text())
    assert record["id"] == path.stem
    twins = [case.scenario for case in SCENARIOS if case.scenario.name == path.stem]
    assert twins, f"examples/{path.name} has no scenario named {path.stem}"
    assert twins[0].answers == record["answers"]
    result = screen(shipped_pack, record["answers"], twins[0].as_of)
    assert result["status"] == "complete", result["missing"]


def test_examples_cover_every_category() -> None:
    tops = set()
    for path in EXAMPLES:
        twin = next(case.scenario for case in SCENARIOS if case.scenario.name == path.stem)
        tops.add(twin.expect.top_category)
    assert {"humanitarian", "medical", "public_benefit", "re_parole"} <= tops


@pytest.mark.parametrize("day, amount, confidence", [
    ("2025-10-15", None, None),
    ("2025-10-16", 1000, "confirmed"),
    ("2025-12-31", 1000, "confirmed"),
    ("2026-01-01", 1020, "secondary"),
    ("2026-10-15", 1020, "secondary"),
    ("2026-10-16", 1020, "secondary"),
])
def test_parole_fee_on_both_sides_of_each_date(shipped_pack: RulePack, day: str,
                                                amount: int | None,
                                                confidence: str | None) -> None:
    record = json.loads((REPO / "examples" / "danger_strong.json").read_text())
    result = screen(shipped_pack, record["answers"], dt.date.fromisoformat(day))
    fees = {fee["id"]: fee for fee in result["fees"]}
    if amount is None:
        assert "parole_fee" not in fees
        return
    fee = fees["parole_fee"]
    assert (fee["amount"], fee["confidence"]) == (amount, confidence)
    assert fee["exception_may_apply"] is False  # protection-based parole has no exception
    assert fee["waivable"] is False
    if day >= "2026-10-16":  # $1,050 is reported (unverified), never shown as the fee
        assert fee["confirm_before_filing"] is True
        assert fee["reported_change"]["amount"] == 1050
        assert fee["reported_change"]["confidence"] == "unverified"
    else:
        assert fee["reported_change"] is None


def test_medical_case_may_be_exempt_from_the_parole_fee(shipped_pack: RulePack) -> None:
    record = json.loads((REPO / "examples" / "medical_treatment_strong.json").read_text())
    [fee] = [f for f in screen(shipped_pack, record["answers"], dt.date(2026, 2, 1))["fees"]
             if f["id"] == "parole_fee"]
    assert fee["exception_may_apply"] is True
    assert "may" in fee["exception"].lower()


# The brief and its update mark these dated facts unverified ([UNV]); the pack must too, and
# nothing else (the TPS $500 start date is the pack's own assumption, so it is flagged too).
UNVERIFIED = {
    "fee_i131_parole_online",      # $580 online (S40 only)
    "fee_parole_hr1",              # $1,050 from 2026-10-16 (S40 only)
    "fee_tps_application",         # $500: the start date is assumed
    "i131_edition",                # 01/20/25 edition (S40 only)
    "program_cam",                 # treat as unavailable (update Q5)
    "program_immvi",               # 2025-26 status unknown (update Q5)
    "program_ier",                 # 2026 status unresolved (update Q5)
    "reparole_file_by_days",       # 90 days is advice from one source (update Q2)
    "tps_ukraine",                 # status after 2026-10-19 (update Q5)
    "tps_terminated_2026",         # MigrantUSA only (update Q5)
    "denial_without_rfe",          # update, other dated changes
    "advance_parole_departure",    # Matter of Delcarmen-Lara (update)
    "asylum_annual_fee_rule",      # H.R. 1 interim final rule (update)
    "i765_edition",                # 09/15/26 edition (update Q7)
    "parolee_ead_proposed_rule",   # 91 FR 34352 (update Q7)
    "unlawful_presence_bars",      # 3- and 10-year periods: the brief names the bars only
    "port_of_entry_refusal",       # expedited removal and its 5-year bar: not in the brief
    "caa_release_236",             # case name [UNV] in the brief; Form I-220A not in it
    # Issue 16, gaps: what the brief does not settle, or settles only as [UNV]
    "fixed_date_decision_days",    # 30 days: the pack's own limit (no expedite time known)
    "emergency_medicaid",          # not in the brief
    "witness_visa_routes",         # U, T, S visas, Continued Presence: not in the brief
    "government_request_parole",   # how a government agency's request is filed and fares
    "skills_visa_routes",          # J-1 is not in the brief
    "proclamation_10998_parole_travel",  # travel on an approved parole: unsettled
    "signature_rule",              # MigrantUSA only (update Q3)
    "adjustment_matter_of_grace",  # PM-602-0199, MigrantUSA only (update)
    "tps_changes_2025",            # Venezuela and Haiti "changed in 2025" (brief section 9)
}


def test_unverified_facts_are_exactly_the_briefs(shipped_pack: RulePack) -> None:
    flagged = {fact.id for fact in shipped_pack.facts.values()
               if any(value.confidence == "unverified" for value in fact.values)}
    assert flagged == UNVERIFIED


def _printed_texts(result: dict) -> list[str]:
    """Every flag, item and concern text a report prints."""
    texts = [flag["text"] for flag in result["flags"]]
    texts += [row["text"] for kind in ("forms", "documents", "next_steps", "alternatives",
                                       "after_approval", "if_denied") for row in result[kind]]
    for category in result["categories"].values():
        texts += [concern["text"] for concern in category.get("concerns", [])]
    return texts


# Advice to leave "to limit unlawful presence" can trigger the 3- and 10-year bars and cost a
# green card inside the U.S. (issue 16, item 3): no report may suggest a departure.
DEPARTURE_ADVICE = ("limit unlawful presence", "limits unlawful presence", "timely departure",
                    "leaving on time", "leaving the u.s. before parole ends", "plan to leave")


def test_no_report_suggests_leaving(outcomes: list[ScenarioOutcome]) -> None:
    for outcome in outcomes:
        assert outcome.result is not None
        for text in _printed_texts(outcome.result):
            lowered = text.lower()
            assert not any(phrase in lowered for phrase in DEPARTURE_ADVICE), (
                outcome.name, text)


def test_expired_parole_report_names_the_bars_and_their_dates(shipped_pack: RulePack) -> None:
    record = json.loads((REPO / "examples" / "reparole_expired.json").read_text())
    result = screen(shipped_pack, record["answers"], dt.date(2026, 4, 1))
    flags = {flag["id"]: flag for flag in result["flags"]}
    assert "unlawful_presence_up_to_180_days" in flags
    assert "212(a)(9)(B)" in flags["unlawful_presence_up_to_180_days"]["text"]
    assert "a lawyer must confirm them" in flags["unlawful_presence_up_to_180_days"]["text"]
    deadlines = {row["id"]: row for row in result["deadlines"]}
    assert deadlines["unlawful_presence_over_180_days"]["date"] == "2026-09-19"
    assert deadlines["unlawful_presence_over_180_days"]["confidence"] == "unverified"
    assert deadlines["unlawful_presence_one_year"]["date"] == "2027-03-22"


def test_a_cuban_or_haitian_in_the_us_is_never_told_the_parole_fee_has_no_exception(
        outcomes: list[ScenarioOutcome]) -> None:
    # Exception 9 (Cuban/Haitian entrant status) is for a lawyer to confirm, never ruled out for
    # someone in the U.S.; someone abroad asking for a first parole has not been granted it
    # (lawyer review, session 12: scenario fee_exception_9_not_for_a_first_request_from_abroad).
    answers = {case.scenario.name: case.scenario.answers for case in SCENARIOS}
    seen = 0
    for outcome in outcomes:
        assert outcome.result is not None
        given = answers[outcome.name]
        if not {given.get("nationality"), given.get("country_of_birth")} & {"CU", "HT"}:
            continue
        if given.get("beneficiary_location") != "inside_us":
            continue
        for fee in outcome.result["fees"]:
            if fee["id"] == "parole_fee":
                seen += 1
                assert fee["exception_may_apply"] is True, outcome.name
                assert "Cuban/Haitian entrant" in fee["exception"]
    assert seen >= 5


def test_the_parole_fee_lists_all_ten_statutory_exceptions(shipped_pack: RulePack) -> None:
    [fee] = [entry.fee for entry in shipped_pack.fees if entry.fee.id == "parole_fee"]
    # Ten bullets for the ten (exception 1's two limbs share one), and exception 1 asks about
    # the country where the person lives, as the statute does.
    assert fee.exception_text.count("•") == 10
    assert "country where they live" in fee.exception_text
    for words in ("medical emergency", "parent or legal guardian", "organ", "about to die",
                  "funeral", "adopted child", "advance parole", "Mexico or Canada",
                  "Cuban/Haitian entrant", "law enforcement"):
        assert words in fee.exception_text


# After parole has ended a filing is not a plan (issue 16, item 2): a re-parole fee is listed
# only under "if a lawyer confirms"; the fees of other routes (asylum, TPS) stay as they are.
OTHER_ROUTE_FEES = {"asylum_filing", "asylum_annual", "asylum_annual_pending", "tps_application"}
TWINS = {"i131_filing": "i131_filing_if_lawyer_confirms",
         "i131_filing_afghan_reparole": "i131_filing_afghan_if_lawyer_confirms",
         "parole_fee": "parole_fee_if_lawyer_confirms",
         "ead_with_reparole_hr1": "ead_with_reparole_if_lawyer_confirms"}


def test_after_parole_ends_fees_are_listed_only_if_a_lawyer_confirms(
        outcomes: list[ScenarioOutcome]) -> None:
    scenarios = {case.scenario.name: case.scenario for case in SCENARIOS}
    seen = 0
    for outcome in outcomes:
        scenario = scenarios[outcome.name]
        ends = scenario.answers.get("parole_expires_on")
        if scenario.answers.get("in_us_status") != "paroled" or ends is None:
            continue
        if dt.date.fromisoformat(ends) >= scenario.as_of:
            continue
        assert outcome.result is not None
        for fee in outcome.result["fees"]:
            if fee["id"] in OTHER_ROUTE_FEES:
                continue
            seen += 1
            assert fee["label"].startswith("Only if a lawyer confirms"), (outcome.name, fee["id"])
        kinds = ("forms", "documents", "next_steps", "after_approval")
        listed = {row["id"] for kind in kinds for row in outcome.result[kind]}
        assert not listed & {"form.i131_reparole", "form.i134", "form.i912", "form.g1145",
                             "form.i765_c11", "after.pay_parole_fee"}, outcome.name
    assert seen >= 5


def test_each_after_expiry_fee_shadows_its_fee(shipped_pack: RulePack) -> None:
    fees = {entry.fee.id: entry.fee for entry in shipped_pack.fees}
    for plan, twin in TWINS.items():
        assert fees[twin].fact == fees[plan].fact
        assert fees[twin].waivable == fees[plan].waivable
        assert fees[twin].exception_text == fees[plan].exception_text
        assert fees[twin].label.endswith(fees[plan].label)


def test_port_of_entry_parole_is_never_suggested_without_its_risks(
        outcomes: list[ScenarioOutcome]) -> None:
    # Issue 16, item 5: wherever a report mentions parole from CBP at a port, it warns.
    seen = 0
    for outcome in outcomes:
        assert outcome.result is not None
        flags = {flag["id"]: flag["text"] for flag in outcome.result["flags"]}
        mentions = [text for text in _printed_texts(outcome.result)
                    if "port of entry" in text and "CBP" in text
                    and ("ask" in text.lower() or "request" in text.lower())]
        if not mentions:
            continue
        seen += 1
        assert "port_parole_risks" in flags, outcome.name
    assert seen >= 3
    text = next(flag["text"] for outcome in outcomes if outcome.result
                for flag in outcome.result["flags"] if flag["id"] == "port_parole_risks")
    for words in ("boarding foil", "detention", "expedited removal", "not confirmed", "lawyer"):
        assert words in text


def test_the_180_day_ceiling_is_for_u4u_only(outcomes: list[ScenarioOutcome]) -> None:
    # Issue 16, item 6: no official window exists for other re-parole (update Q2); they are told
    # to file early, never to wait for a "window" to open.
    scenarios = {case.scenario.name: case.scenario for case in SCENARIOS}
    others = 0
    for outcome in outcomes:
        answers = scenarios[outcome.name].answers
        if "parole_expires_on" not in answers or outcome.result is None:
            continue
        deadlines = {row["id"] for row in outcome.result["deadlines"]}
        flags = {flag["id"] for flag in outcome.result["flags"]}
        if answers.get("parole_program") == "u4u":
            assert "reparole_file_early" not in flags, outcome.name
            continue
        others += 1
        assert "reparole_window_opens" not in deadlines, outcome.name
        assert "reparole_too_early" not in flags, outcome.name
    assert others >= 10


def test_the_cuban_adjustment_text_keeps_212d5_parole_and_236_release_apart(
        shipped_pack: RulePack) -> None:
    # Issue 16, item 4: only an INA 236 release fails the CAA parole test, not parole from custody.
    [item] = [entry.item for entry in shipped_pack.items if entry.item.id == "alt.cuban_adjustment"]
    assert "released from immigration detention is not" not in item.text
    assert "212(d)(5)" in item.text and "INA 236" in item.text


def test_after_parole_ends_no_note_says_to_file_before_it_ends(
        outcomes: list[ScenarioOutcome]) -> None:
    """A pending asylum or green-card case after parole has ended is a question for a lawyer,
    not a reason to "file early so USCIS can decide before parole ends" (a lawyer's read)."""
    expired = [outcome for outcome in outcomes if outcome.result is not None
               and any(flag["id"] == "parole_expired" for flag in outcome.result["flags"])]
    assert expired
    for outcome in expired:
        assert outcome.result is not None
        for text in _printed_texts(outcome.result):
            assert "before parole ends" not in text.lower(), (outcome.name, text)
