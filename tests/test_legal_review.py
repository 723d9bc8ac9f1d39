"""Issue 16's second legal review: what a scenario test cannot say (texts, report layout).

The scenario tests in rules/tests/legal_review.yaml check the routing; these check the words
and the layout a person reads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from parole_screen import RulePack, fact_rows, render, screen

EXAMPLES = sorted((REPO / "examples").glob("*.json"))


def _answers(path: Path) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads(path.read_text())["answers"]
    return answers


def _texts(result: dict[str, Any]) -> str:
    """Every text the result prints, sources left out (their titles may name a law)."""
    shown = dict(result)
    shown.pop("sources", None)
    return json.dumps(shown, ensure_ascii=False)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_no_hr1_text_before_the_law_existed(shipped_pack: RulePack, path: Path) -> None:
    # H.R. 1 was signed on 2025-07-04: a back-dated screening must not announce its fees.
    result = screen(shipped_pack, _answers(path), dt.date(2025, 6, 1))
    assert "H.R. 1" not in _texts(result)


def test_base_work_permit_fee_is_waivable_but_not_the_hr1_fee(shipped_pack: RulePack) -> None:
    fees = {entry.fee.id: entry.fee for entry in shipped_pack.fees}
    assert fees["i765_base"].waivable is True
    assert "unverified" in fees["i765_base"].note
    assert fees["ead_initial_hr1"].waivable is False


def test_unlawful_presence_dates_are_milestones_without_a_countdown(
        shipped_pack: RulePack) -> None:
    # Parole ended 2026-03-22; on 2026-12-07 the one-year mark is 105 days away. "In 105 days"
    # under "Deadlines" read as time left to act (to leave): it is a date to know instead.
    result = screen(shipped_pack, _answers(REPO / "examples" / "reparole_expired.json"),
                    dt.date(2026, 12, 7))
    kinds = {row["id"]: row["kind"] for row in result["deadlines"]}
    assert kinds["unlawful_presence_one_year"] == "milestone"
    assert kinds["parole_ends"] == "deadline"
    text = render(result, "text")
    before, _, after = text.partition("Dates to know (not dates to act by)")
    milestones = after.split("\n\n")[0]
    assert "2027-03-22" in milestones and "not yet reached" in milestones
    assert "2027-03-22" not in before.partition("\nDeadlines\n")[2]
    assert "in 105 days" not in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_no_report_suggests_leaving(shipped_pack: RulePack, path: Path) -> None:
    result = screen(shipped_pack, _answers(path), dt.date(2026, 12, 7))
    text = _texts(result).lower()
    for phrase in ("timely departure", "plan to leave", "consider leaving", "leave the u.s. to"):
        assert phrase not in text


def test_everyone_in_the_us_without_status_is_warned_about_the_bars(
        shipped_pack: RulePack) -> None:
    answers = _answers(REPO / "examples" / "cuban_conditional_release_not_parole.json")
    result = screen(shipped_pack, answers, dt.date(2026, 12, 7))
    flags = {flag["id"]: flag for flag in result["flags"]}
    assert "no_status_do_not_leave" in flags
    assert re.search(r"Do not leave the U\.S\.", flags["no_status_do_not_leave"]["text"])
    alternatives = " ".join(item["text"] for item in result["alternatives"])
    assert "immigrant-visa process" not in alternatives
    assert "Do not leave the U.S. for a visa interview" in alternatives


def test_parole_never_said_to_end_by_itself_when_its_purpose_is_served() -> None:
    # Ending parole early needs written notice (8 CFR 212.5(e)(2)); until then it runs to the
    # I-94 date. A text that says it ends "when its purpose is served" must say so.
    # Source titles are left out: they name what the statute says, not what happens to a person.
    for path in sorted(set((REPO / "rules").glob("*.yaml")) - {REPO / "rules" / "sources.yaml"}):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for found in re.finditer(r"[^.]*purpose is served[^.]*\.", text):
            assert "written notice" in text[max(0, found.start() - 200):found.end() + 200], \
                (path.name, found.group())
        assert "ends when its purpose is served" not in text, path.name


def test_every_flag_and_item_says_how_sure_the_pack_is(shipped_pack: RulePack) -> None:
    unsure = [entry.flag.id for entry in shipped_pack.flags if entry.flag.confidence is None]
    unsure += [entry.item.id for entry in shipped_pack.items if entry.item.confidence is None]
    assert unsure == []


def test_rules_facts_unverified_lists_the_printed_claims_to_confirm(
        shipped_pack: RulePack) -> None:
    # The claims issue 16 names: the "strong negative" for missing support, biometrics for ages
    # 14-79, the "EXPEDITE" marking and the 2021-22 targeted-harm standard; and the bars.
    rows = fact_rows(shipped_pack, dt.date(2026, 12, 7), unverified=True)
    listed = {(row["kind"], row["id"]) for row in rows}
    assert {("flag", "no_financial_support"), ("item", "next.biometrics"),
            ("item", "next.expedite"), ("flag", "generalized_danger"),
            ("flag", "unlawful_presence_over_180_days"),
            ("deadline", "unlawful_presence_one_year"),
            ("rule", "re_parole.continuing_need.no_financial_support")} <= listed
    assert all(row["confidence"] == "unverified" for row in rows)


def test_rules_facts_shows_the_confirmed_fee_in_force_and_the_reported_one_beside_it(
        shipped_pack: RulePack) -> None:
    # A lawyer read `rules facts` listing the unverified $1,050 as the parole fee in force
    # (session 12); reports show the confirmed $1,020 with $1,050 as a reported change (update
    # Q4), and so does the fact list now.
    rows = {row["id"]: row for row in fact_rows(shipped_pack, dt.date(2026, 12, 7))}
    fee = rows["fee_parole_hr1"]
    assert (fee["value"], fee["confidence"], fee["effective_from"]) == (1020, "secondary",
                                                                       "2026-01-01")
    assert fee["reported_change"] == {"value": 1050, "effective_from": "2026-10-16",
                                      "source": "S40", "confidence": "unverified"}
    assert fee["shown"].startswith("$1,020 (a change to $1,050 from 2026-10-16 is reported")
    # Not for a program's status: its newest word, unverified, is still the best one.
    tps = rows["tps_ukraine"]
    assert (tps["confidence"], tps["reported_change"]) == ("unverified", None)
    assert "unknown" in tps["value"]


def test_the_late_asylum_exception_names_lawful_status_as_well_as_parole(
        shipped_pack: RulePack) -> None:
    # 8 CFR 208.4(a)(5)(iv) and brief section 9: "lawful status or parole until a reasonable
    # time before filing"; a visa overstayer was told only of parole (lawyer review, session 12).
    result = screen(shipped_pack, _answers(REPO / "examples" / "visa_overstay_inside_us.json"),
                    dt.date(2026, 12, 7))
    flags = {flag["id"]: flag["text"] for flag in result["flags"]}
    text = flags.get("asylum_one_year_passed") or flags["asylum_one_year"]
    assert "lawful status or parole" in text
    assert "still in parole or status can usually still file" in text or "while in it" in text


def test_a_parolee_with_tps_too_is_told_to_answer_paroled(shipped_pack: RulePack) -> None:
    # A U4U parolee who also has TPS picked "a valid visa or other legal status (... TPS)" and
    # was told they had never been paroled (lawyer review, session 12).
    question = next(entry.question for entry in shipped_pack.questions
                    if entry.question.id == "in_us_status")
    choices = {choice.value: choice for choice in question.choices}
    assert "even if they also have TPS" in (choices["paroled"].help or "")
    assert choices["other_status"].label.startswith("They were not paroled in")


@pytest.mark.parametrize("support, asked, not_asked", [
    ("self", "own_support", "new_financial_support"),
    ("supporter", "new_financial_support", "own_support"),
    (None, "new_financial_support", "own_support")])
def test_a_self_supporting_reparolee_is_not_asked_for_a_supporters_i134(
        shipped_pack: RulePack, support: str | None, asked: str, not_asked: str) -> None:
    # A U4U parolee paying for herself was asked for "a new Form I-134 from a financial
    # supporter" (lawyer review, session 12); unanswered, the I-134 is still asked for.
    answers = {"beneficiary_location": "inside_us", "in_us_status": "paroled",
               "parole_program": "u4u", "parole_expires_on": "2027-03-07",
               "reason_type": "danger", "reason_continues": True, "nationality": "UA",
               "in_removal_proceedings": False, "prior_removal": False}
    if support is not None:
        answers["financial_support"] = support
    result = screen(shipped_pack, answers, dt.date(2026, 12, 7))
    missing = {item["id"] if isinstance(item, dict) else item
               for item in result["categories"]["re_parole"]["missing_evidence"]}
    assert asked in missing
    assert not_asked not in missing


def test_danger_factors_for_people_abroad_are_not_held_against_a_parolee_inside(
        shipped_pack: RulePack) -> None:
    # UNHCR registration and "safe where they are now" are questions for someone abroad; a
    # parolee inside the U.S. who fears return has asylum instead (issue 16 review, X6).
    result = screen(shipped_pack, _answers(REPO / "examples" / "reparole_u4u.json"),
                    dt.date(2026, 12, 7))
    humanitarian = result["categories"]["humanitarian"]
    lines = " ".join(line["text"] for line in humanitarian["reasons"] + humanitarian["concerns"])
    assert "UNHCR" not in lines and "safe for now" not in lines


def test_a_text_that_says_it_is_unconfirmed_is_marked_unverified(shipped_pack: RulePack) -> None:
    # So `rules facts --unverified` lists every claim the report itself calls unconfirmed.
    says = re.compile(r"not confirmed|unverified|\(confirm")
    texts = [(e.flag.id, e.flag.text, e.flag.confidence) for e in shipped_pack.flags]
    texts += [(e.item.id, e.item.text, e.item.confidence) for e in shipped_pack.items]
    texts += [(e.fee.id, f"{e.fee.label} {e.fee.note} {e.fee.exception_text}", e.fee.confidence)
              for e in shipped_pack.fees]
    texts += [(f"{c.category.id}.{b.id}.{f.id}", f"{f.text} {f.fail_text}", f.confidence)
              for c in shipped_pack.categories for b in c.category.bases
              for f in (*b.requires, *b.strengthens, *b.weakens, *b.blocks)]
    assert [name for name, text, confidence in texts
            if says.search(text) and confidence != "unverified"] == []


@pytest.mark.parametrize(("confirmed", "listed"), [(False, True), (True, False)])
def test_the_donor_letter_is_missing_until_the_match_is_confirmed(
        shipped_pack: RulePack, confirmed: bool, listed: bool) -> None:
    """The U.S. hospital's letter is the patient's: a donor whose match is not confirmed in
    writing still needs the transplant center's letter (an applicant's trial, session 13)."""
    answers = {"beneficiary_location": "outside_us", "reason_type": "medical",
               "medical_patient": "organ_recipient", "medical_urgency": "life_threatening",
               "donor_match_confirmed": confirmed, "documents_in_hand": ["us_provider_letter"]}
    result = screen(shipped_pack, answers, dt.date(2026, 12, 7))
    missing = {item["id"] for item in result["categories"]["medical"]["missing_evidence"]}
    assert ("transplant_letter" in missing) is listed
