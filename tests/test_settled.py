"""Stop flags the answers so far settle, whatever the rest (``parole_screen.settled``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import record_generator
from parole_screen import RulePack, screen
from parole_screen.answers import coerce_answers
from parole_screen.settled import settled_stops

DAY = dt.date(2026, 12, 1)


def settled(pack: RulePack, answers: dict[str, Any], day: dt.date = DAY) -> list[str]:
    typed = coerce_answers(pack, answers)
    return [entry.flag.id for entry in settled_stops(pack, typed, pack.context(day))]


@pytest.mark.parametrize(("answers", "expected"), [
    ({"beneficiary_location": "inside_us"}, []),
    ({"beneficiary_location": "inside_us", "in_us_status": "no_status"},
     ["inside_us_initial_parole"]),
    # Came in without inspection: military parole in place (the flag's `unless`) may still
    # apply, until the reason says otherwise.
    ({"beneficiary_location": "inside_us", "in_us_status": "entered_without_inspection"}, []),
    ({"beneficiary_location": "inside_us", "in_us_status": "entered_without_inspection",
      "reason_type": "medical"}, ["inside_us_initial_parole"]),
    # At a port, what to do there waits for the removal history: with one, the request is
    # ICE's and "ask the officer" is wrong (a lawyer's reading, session 13).
    ({"beneficiary_location": "port_of_entry"}, []),
    ({"beneficiary_location": "port_of_entry", "in_removal_proceedings": False,
      "prior_removal": False}, ["at_port_of_entry"]),
    ({"beneficiary_location": "port_of_entry", "in_removal_proceedings": False,
      "prior_removal": True}, ["refer_ice", "at_port_with_removal_history"]),
    ({"beneficiary_location": "outside_us", "program_interest": ["cbp_one"]},
     ["program_cbp_one"]),
    ({"beneficiary_location": "inside_us", "in_us_status": "paroled"}, []),
    ({"beneficiary_location": "inside_us", "in_us_status": "paroled",
      "parole_program": "conditional_release"},
     ["conditional_release_not_parole"]),  # one STOP for an INA 236 release
    ({"beneficiary_location": "outside_us", "reason_type": "work_study"}, []),  # public_purpose
    ({"beneficiary_location": "outside_us", "reason_type": "work_study",
      "public_purpose": "private_request"}, ["work_study_visa_route"]),
])
def test_settled_stop_flags(shipped_pack: RulePack, answers: dict[str, Any],
                            expected: list[str]) -> None:
    assert settled(shipped_pack, answers) == expected


def test_answered_leaves_on_open_questions_are_unknown(shipped_pack: RulePack) -> None:
    """``parole_has_expired`` reads ``{answered: true}``: no expiry date yet is not "not
    expired", and a flag reading its negation is not settled by the silence."""
    base = {"beneficiary_location": "inside_us", "in_us_status": "paroled",
            "parole_program": "u4u"}
    assert "parole_expired" not in settled(shipped_pack, base)
    assert "parole_expired" in settled(shipped_pack, {**base, "parole_expires_on": "2026-11-01"})


def test_a_settled_flag_is_in_every_report_that_completes_the_answers(
        shipped_pack: RulePack) -> None:
    """Soundness: for generated interviews, every prefix's settled stop flags are among the
    flags of the finished interview's report (whatever the later answers turned out to be)."""
    generator = record_generator()(shipped_pack, seed=18, as_of=DAY, skip_rate=0.05)
    order = [entry.question.id for entry in shipped_pack.questions]
    checked = 0
    for _ in range(300):
        answers = generator.answers()
        flags = {flag["id"] for flag in screen(shipped_pack, answers, DAY)["flags"]}
        for cut in range(1, len(order) + 1):
            prefix = {qid: answers[qid] for qid in order[:cut] if qid in answers}
            found = set(settled(shipped_pack, prefix))
            assert found <= flags, (prefix, found - flags)
            checked += bool(found)
    assert checked > 100  # the property was exercised, not vacuous


# -- the interview's offer -------------------------------------------------------------------


def overstay(pack: RulePack, *, offer: bool = True) -> Any:
    from parole_screen.interview import Interview

    state = Interview(pack, DAY, offer_report=offer)
    assert state.handle("3").settled == ()  # inside the U.S.: not settled yet
    step = state.handle("4")  # a visa that ran out: never paroled
    assert step.kind == "answered" and step.settled == ("inside_us_initial_parole",)
    return state


def test_the_offer_shows_once_and_the_report_comes_at_once(shipped_pack: RulePack) -> None:
    state = overstay(shipped_pack)
    assert state.stage == "offer" and state.current() is None
    assert "Type 1 to see the report now" in state.handle("?").message
    assert state.handle("7").kind == "invalid"
    assert state.handle("1").kind == "finished"
    assert state.finished
    result = screen(shipped_pack, state.json_answers(), DAY)
    assert "inside_us_initial_parole" in {flag["id"] for flag in result["flags"]}
    assert result["status"] == "incomplete"  # the report lists what was not asked


def test_declining_the_offer_goes_on_and_report_still_works_later(
        shipped_pack: RulePack) -> None:
    state = overstay(shipped_pack)
    step = state.handle("")  # Enter: the remaining questions
    assert step.kind == "resume" and state.current() is not None
    assert state.current().id == "last_arrival_date"
    step = state.handle("2025-01-02")
    assert step.settled == () and state.stage == "question"  # told once only
    assert state.position()["announced"] == ["inside_us_initial_parole"]
    assert state.handle("report").kind == "finished"


def test_back_at_the_offer_returns_to_the_answer_that_settled_it(shipped_pack: RulePack) -> None:
    state = overstay(shipped_pack)
    assert state.handle("back").kind == "back"
    assert state.current() is not None and state.current().id == "in_us_status"
    assert state.handle("1").settled == ()  # paroled: nothing settled


def test_piped_front_ends_are_told_not_asked(shipped_pack: RulePack) -> None:
    state = overstay(shipped_pack, offer=False)
    assert state.stage == "question" and not state.offering
    assert state.current() is not None and state.current().id == "last_arrival_date"


def test_report_before_anything_is_settled_is_refused(shipped_pack: RulePack) -> None:
    from parole_screen.interview import Interview

    state = Interview(shipped_pack, DAY)
    step = state.handle("report")
    assert step.kind == "invalid" and not state.finished
