"""Issue 16, "Gaps a lawyer would fill": what the scenario tests (rules/tests/gaps.yaml) cannot
say. A known blocker decides a basis's band even with a requirement unanswered (the engine's
rule, tested on the minimal pack); a fixed-date event too soon is said first; the texts name
what the brief asks them to; every new flag, item and source says how far it can be trusted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import AS_OF, REPO
from parole_screen import RulePack, load_pack, screen
from parole_screen.report import band_lines

MEDICAL = {"location": "outside_us", "reason": "medical"}


# -- A known blocker decides the band (engine.decide.weigh_basis) -------------------------------

def test_a_weak_cap_that_holds_decides_despite_an_unanswered_requirement(
        minimal_pack: RulePack) -> None:
    result = screen(minimal_pack, {**MEDICAL, "funded": False}, AS_OF)
    medical = result["categories"]["medical"]
    assert medical["band"] == "weak"  # was insufficient_information: urgency is unanswered
    assert medical["basis"] == "treatment"
    assert [c["rule"] for c in medical["concerns"]] == ["medical.treatment.unfunded"]
    assert result["status"] == "incomplete" and "urgency" in result["missing"]
    assert result["top_category"] == "medical"  # a decided band is ranked like any other
    assert band_lines(result, minimal_pack)[1] == (
        "medical (treatment): base 40 = 40 -> weak (below possible 45) (unfunded caps at weak: "
        "no change) (required, not answered: urgent; the cap of unfunded decides the band)")


def test_without_a_block_an_unanswered_requirement_stays_insufficient(
        minimal_pack: RulePack) -> None:
    for answers in ({**MEDICAL}, {**MEDICAL, "funded": True}):
        result = screen(minimal_pack, answers, AS_OF)
        assert result["categories"]["medical"]["band"] == "insufficient_information"
        assert result["categories"]["medical"]["concerns"] == []


def test_a_possible_cap_does_not_decide(pack_dir: Path) -> None:
    # An unanswered requirement may still make the basis not_indicated: "possible" would
    # claim more than is known, so only a cap at weak (or lower) decides.
    categories = pack_dir / "categories.yaml"
    text = categories.read_text()
    categories.write_text(text.replace("when: {q: funded, is: false}, cap: weak",
                                       "when: {q: funded, is: false}, cap: possible", 1))
    pack = load_pack(pack_dir)
    result = screen(pack, {**MEDICAL, "funded": False}, AS_OF)
    assert result["categories"]["medical"]["band"] == "insufficient_information"


def test_an_unmet_requirement_still_wins_over_a_block(minimal_pack: RulePack) -> None:
    result = screen(minimal_pack, {**MEDICAL, "urgency": "not_urgent", "funded": False}, AS_OF)
    assert result["categories"]["medical"]["band"] == "not_indicated"


def test_answered_cases_are_unchanged(minimal_pack: RulePack) -> None:
    # Every requirement answered: the rule does not apply, the band is the score's, capped.
    result = screen(minimal_pack, {**MEDICAL, "urgency": "life_threatening", "provider": True,
                                   "funded": False}, AS_OF)
    assert (result["categories"]["medical"]["band"],
            result["categories"]["medical"]["score"]) == ("weak", 75)


def test_expired_parole_decides_re_parole(shipped_pack: RulePack) -> None:
    answers = {"beneficiary_location": "inside_us", "in_us_status": "paroled",
               "parole_program": "individual", "parole_expires_on": "2026-03-01"}
    result = screen(shipped_pack, answers, dt.date(2026, 6, 1))
    # The expiry caps re-parole at not_indicated (lawyer's finding 5), and decides it although
    # reason_continues is unanswered.
    assert result["categories"]["re_parole"]["band"] == "not_indicated"
    assert "re_parole.continuing_need.parole_expired" in {
        c["rule"] for c in result["categories"]["re_parole"]["concerns"]}
    assert "reason_continues" in result["missing"]


# -- A fixed-date event sooner than any decision is said first ----------------------------------

@pytest.mark.parametrize("name, flag", [("family_funeral_before_decision",
                                          "funeral_before_decision")])
def test_the_report_says_first_that_the_event_is_too_soon(shipped_pack: RulePack, name: str,
                                                          flag: str) -> None:
    record = json.loads((REPO / "examples" / f"{name}.json").read_text())
    result = screen(shipped_pack, record["answers"], dt.date(2026, 5, 11))
    assert result["flags"][0]["id"] == flag
    assert result["categories"]["humanitarian"]["band"] == "possible"


def test_a_hearing_too_soon_is_said_first(shipped_pack: RulePack) -> None:
    answers = {"beneficiary_location": "outside_us", "reason_type": "legal_proceeding",
               "proceeding_type": "private_civil", "court_date_set": True,
               "remote_appearance_possible": False, "date_needed_by": "2026-06-15",
               "visa_route": "refused", "in_removal_proceedings": False, "prior_removal": False}
    result = screen(shipped_pack, answers, dt.date(2026, 6, 1))
    assert result["flags"][0]["id"] == "hearing_before_decision"


# -- The texts say what the brief asks them to ---------------------------------------------------

def _item(pack: RulePack, item_id: str) -> str:
    [text] = [entry.item.text for entry in pack.items if entry.item.id == item_id]
    return text


def _flag(pack: RulePack, flag_id: str) -> str:
    [text] = [entry.flag.text for entry in pack.flags if entry.flag.id == flag_id]
    return text


def test_the_benefits_text_names_the_hr1_exceptions(shipped_pack: RulePack) -> None:
    text = _item(shipped_pack, "after.benefits")
    assert "Cuban/Haitian entrants" in text and "COFA" in text
    assert "2026-10-01" in text and "2027-01-01" in text
    assert "Plyler v. Doe" in _item(shipped_pack, "after.public_school")
    assert "Emergency Medicaid" in _item(shipped_pack, "after.emergency_medicaid")


def test_the_processing_flag_gives_the_briefs_figures(shipped_pack: RulePack) -> None:
    text = _flag(shipped_pack, "processing_time_and_approval_rate")
    assert "12.5 months" in text and "25%" in text and "2,000" in text
    earlier = _flag(shipped_pack, "processing_time_and_approval_rate_before_2025_08")
    assert "12.5" not in earlier and "25%" in earlier


def test_skills_route_lists_the_entrepreneur_rule_and_visas(shipped_pack: RulePack) -> None:
    assert "8 CFR 212.19" in _item(shipped_pack, "alt.international_entrepreneur")
    visas = _item(shipped_pack, "alt.skills_visas")
    assert all(name in visas for name in ("O-1", "H-1B", "J-1"))


def test_witness_alternatives_are_each_listed(shipped_pack: RulePack) -> None:
    for item_id, name in (("alt.u_visa", "U visa"), ("alt.t_visa", "T visa"),
                          ("alt.s_visa", "S visa"),
                          ("alt.continued_presence", "Continued Presence")):
        assert name in _item(shipped_pack, item_id)


# -- How far each new entry can be trusted -------------------------------------------------------

NEW_FLAGS = ("processing_time_and_approval_rate",
             "processing_time_and_approval_rate_before_2025_08", "valid_visa_in_hand",
             "funeral_before_decision", "hearing_before_decision",
             "public_benefit_government_request", "private_wish_not_public_benefit",
             "travel_ban_full_after_approval", "tps_ended_2025_afghanistan",
             "tps_changed_2025_venezuela_haiti")
NEW_ITEMS = ("after.benefits", "after.public_school", "after.emergency_medicaid", "alt.u_visa",
             "alt.t_visa", "alt.s_visa", "alt.continued_presence", "alt.skills_visas",
             "alt.international_entrepreneur", "next.signatures",
             "alt.adjustment_matter_of_grace")


def test_new_flags_and_items_carry_a_confidence(shipped_pack: RulePack) -> None:
    flags = {entry.flag.id: entry.flag for entry in shipped_pack.flags}
    items = {entry.item.id: entry.item for entry in shipped_pack.items}
    assert all(flags[fid].confidence is not None for fid in NEW_FLAGS)
    assert all(items[iid].confidence is not None for iid in NEW_ITEMS)


def test_what_the_brief_does_not_settle_is_unverified(shipped_pack: RulePack) -> None:
    flags = {entry.flag.id: entry.flag for entry in shipped_pack.flags}
    items = {entry.item.id: entry.item for entry in shipped_pack.items}
    for fid in ("funeral_before_decision", "hearing_before_decision",
                "travel_ban_full_after_approval", "tps_changed_2025_venezuela_haiti",
                "public_benefit_government_request"):
        assert flags[fid].confidence == "unverified", fid
    for iid in ("after.emergency_medicaid", "alt.s_visa", "next.signatures",
                "alt.adjustment_matter_of_grace", "alt.international_entrepreneur"):
        assert items[iid].confidence == "unverified", iid
    unverified = {fact.id for fact in shipped_pack.facts.values()
                  if any(value.confidence == "unverified" for value in fact.values)}
    assert {"fixed_date_decision_days", "emergency_medicaid", "proclamation_10998_parole_travel",
            "signature_rule", "adjustment_matter_of_grace", "tps_changes_2025",
            "government_request_parole", "witness_visa_routes"} <= unverified


def test_new_sources_say_their_authority(shipped_pack: RulePack) -> None:
    new = [source for sid, source in shipped_pack.sources.items() if sid.startswith("GAP")]
    assert len(new) == 9
    for source in new:
        assert source.authority is not None, source.id
        if source.authority == "official":
            assert source.citation, source.id
