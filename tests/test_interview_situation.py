"""Issue 18: each question asked in the person's situation (shipped pack), and a choice's own
``asked_when`` (the pack format: checked at load, used only by the interview)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from parole_screen import PackError, RulePack, load_pack, screen
from parole_screen.interview import Interview

DAY = dt.date(2026, 12, 1)
LEUKEMIA = {"beneficiary_location": "outside_us", "program_interest": ["none"],
            "reason_type": "medical", "medical_patient": "their_child",
            "medical_urgency": "life_threatening", "treatment_available_nearby": "no",
            "us_provider_accepted": True, "treatment_funded": True, "fit_to_travel": True,
            "nationality": "UA", "country_of_birth": "UA", "date_needed_by": "2027-01-15",
            "stay_months": 6, "visa_route": "not_tried", "in_removal_proceedings": False,
            "prior_removal": False, "criminal_history": False, "security_concerns": False,
            "immigration_violations": False, "financial_support": "supporter",
            "has_passport": True}
U4U = {"beneficiary_location": "inside_us", "in_us_status": "paroled", "parole_program": "u4u",
       "parole_expires_on": "2027-03-01", "last_arrival_date": "2024-03-10",
       "reason_type": "danger", "worked_for_us_government": False, "reason_continues": True,
       "other_filings": ["tps"], "fears_return": True, "address_reported": True,
       "nationality": "UA", "country_of_birth": "UA", "stay_months": 12,
       "in_removal_proceedings": False, "prior_removal": False, "criminal_history": False,
       "security_concerns": False, "immigration_violations": False,
       "financial_support": "supporter", "has_passport": True}


def walk(pack: RulePack, plan: dict[str, Any]) -> tuple[list[str], Interview]:
    """Answer the plan's questions in order (a skipped optional one is left out) until the
    documents question; the ids asked on the way."""
    state = Interview.from_json(pack, {}, DAY)
    asked = []
    while (question := state.current()) is not None and question.id != "documents_in_hand":
        asked.append(question.id)
        assert question.id in plan or not question.required, question.id
        if question.id in plan:
            state.answer(question.id, plan[question.id])
        else:
            state.skip(question.id)
    return asked, state


def offered_documents(state: Interview) -> list[str]:
    question = state.current()
    assert question is not None and question.id == "documents_in_hand"
    return [choice.value for choice in question.choices]


def test_a_parent_of_a_child_with_leukemia_is_offered_only_fitting_documents(
        shipped_pack: RulePack) -> None:
    asked, state = walk(shipped_pack, LEUKEMIA)
    assert "medical_patient" in asked
    assert offered_documents(state) == ["doctor_letter_abroad", "us_provider_letter",
                                        "payment_proof", "relationship_proof", "none"]
    step = state.handle("4")  # numbers count the documents shown
    assert step.kind == "answered"
    assert state.answers["documents_in_hand"] == frozenset({"relationship_proof"})


def test_a_visa_refusal_is_offered_only_after_a_refused_or_slow_visa(
        shipped_pack: RulePack) -> None:
    _, state = walk(shipped_pack, {**LEUKEMIA, "visa_route": "refused"})
    assert "visa_refusal" in offered_documents(state)
    assert "death_certificate" not in offered_documents(state)


def test_a_u4u_parolee_is_not_asked_the_danger_abroad_questions(shipped_pack: RulePack) -> None:
    asked, state = walk(shipped_pack, U4U)
    for qid in ("safe_where_now", "harm_targeted", "harm_recent", "refugee_route_tried",
                "fit_to_travel", "treatment_available_nearby", "parole_violation"):
        assert qid not in asked
    assert offered_documents(state) == ["threat_evidence", "i94_copy", "none"]
    state.handle("2")
    result = screen(shipped_pack, state.json_answers(), DAY)
    assert result["status"] == "complete"


def test_the_violation_questions_merge_for_a_parolee(shipped_pack: RulePack) -> None:
    asked, _ = walk(shipped_pack, {**U4U, "immigration_violations": True,
                                   "parole_violation": True})
    assert asked.index("parole_violation") == asked.index("immigration_violations") + 1
    question = shipped_pack.question_index["parole_violation"]
    assert question.text.startswith("Did any of that happen while they were on parole")


def test_who_is_the_patient_is_plain(shipped_pack: RulePack) -> None:
    labels = [choice.label for choice in shipped_pack.question_index["medical_patient"].choices]
    assert labels[0] == "The person who needs parole (the patient)"
    assert labels[1].startswith("Their child under 18 (the child is the patient")


def test_a_safe_answer_never_counts_against_a_parolee(shipped_pack: RulePack) -> None:
    """An old answers file saying "safe where they are" for a parolee: the answer is not
    asked, so it is dropped and no concern is drawn from it."""
    with_safe = screen(shipped_pack, {**U4U, "documents_in_hand": ["none"],
                                      "safe_where_now": True}, DAY)
    without = screen(shipped_pack, {**U4U, "documents_in_hand": ["none"]}, DAY)
    assert with_safe["categories"] == without["categories"]
    assert "safe_now" not in str(with_safe["categories"])


# -- a choice's asked_when in the pack format -------------------------------------------------


def test_choice_asked_when_is_compiled_and_filters_the_offer(pack_dir: Path) -> None:
    path = pack_dir / "questions.yaml"
    text = path.read_text().replace(
        "      - {value: letter, label: Doctor letter}",
        "      - {value: letter, label: Doctor letter, asked_when: {q: reason, is: medical}}")
    path.write_text(text)
    pack = load_pack(pack_dir)
    state = Interview.from_json(pack, {"location": "outside_us", "reason": "family",
                                       "nationality": "UA", "months": 2}, DAY)
    assert state.current() is not None
    assert [c.value for c in state.current().choices] == ["passport", "none"]
    medical = Interview.from_json(pack, {"location": "outside_us", "reason": "medical",
                                         "urgency": "serious", "provider": True,
                                         "funded": True, "nationality": "UA", "months": 2},
                                  DAY)
    assert [c.value for c in medical.current().choices] == ["letter", "passport", "none"]
    # An answers file may still give a choice the interview would not offer.
    assert screen(pack, {"reason": "family", "docs": ["letter"]}, DAY)["status"]


@pytest.mark.parametrize(("condition", "needle"), [
    ("{q: note, answered: true}", "choice 'letter' of 'docs': its asked_when reads 'note', "
                                  "which is not asked before it"),
    ("{q: reasn, is: medical}", "unknown question 'reasn'"),
])
def test_choice_asked_when_is_checked_at_load(pack_dir: Path, condition: str,
                                             needle: str) -> None:
    path = pack_dir / "questions.yaml"
    path.write_text(path.read_text().replace(
        "      - {value: letter, label: Doctor letter}",
        f"      - {{value: letter, label: Doctor letter, asked_when: {condition}}}"))
    with pytest.raises(PackError) as info:
        load_pack(pack_dir)
    [problem] = info.value.problems
    assert f"{path}:" in problem and needle in problem


# -- what a person reads: the help and the stop flags ----------------------------------------


def test_every_question_help_says_why_it_is_asked(shipped_pack: RulePack) -> None:
    """CitizenshipWorks' habit: `?` says why a question is asked and how the answer is used,
    not only how to answer."""
    for entry in shipped_pack.questions:
        assert "We ask" in entry.question.help, entry.question.id


def test_every_stop_flag_says_where_to_find_an_accredited_representative(
        shipped_pack: RulePack) -> None:
    stops = [entry.flag for entry in shipped_pack.flags if entry.flag.severity == "stop"]
    assert len(stops) >= 10
    for flag in stops:
        assert "justice.gov/eoir/recognition-and-accreditation-program" in flag.text, flag.id
        assert "accredited representative" in flag.text and "ailalawyer.com" in flag.text, flag.id
