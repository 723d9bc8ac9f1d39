"""The interview policy (no I/O): next question, progress, back, review edits, parsing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from parole_screen.engine import screen
from parole_screen.interview import (
    Interview,
    InvalidAnswer,
    display_value,
    parse_answer,
    parse_country,
)
from parole_screen.loader import load_pack
from parole_screen.pack import RulePack

PACK_DIR = Path(__file__).parent / "data" / "interview_pack"
DAY = dt.date(2026, 2, 1)


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack(PACK_DIR)


def ask(state: Interview, *lines: str) -> None:
    """Feed lines; each must be accepted (not invalid)."""
    for line in lines:
        step = state.handle(line)
        assert step.kind != "invalid", (line, step.message)


def current_id(state: Interview) -> str | None:
    question = state.current()
    return question.id if question else None


def question(pack: RulePack, qid: str) -> Any:
    return pack.question_index[qid]


# -- next question and progress --------------------------------------------------------


def test_questions_follow_the_branches(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    order = []
    answers = {"location": "2", "arrival_date": "2026-01-05", "reason": "1", "urgency": "2",
               "provider": "y", "funded": "n", "nationality": "UA", "stay_months": "6",
               "savings": "", "documents": "1", "notes": ""}
    while state.current() is not None:
        qid = current_id(state)
        assert qid is not None
        order.append(qid)
        ask(state, answers[qid])
    assert order == ["location", "arrival_date", "reason", "urgency", "provider", "funded",
                     "nationality", "stay_months", "savings", "documents", "notes"]
    assert state.stage == "review"
    assert state.final_review
    assert state.missing() == []
    assert state.skipped == ["savings", "notes"]


def test_outside_branch_skips_the_arrival_date(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "1")
    assert current_id(state) == "reason"
    ask(state, "3")
    assert current_id(state) == "nationality"


def test_progress_is_recomputed_as_branches_open_and_close(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    # Always asked: location, reason, nationality, stay_months, savings, documents, notes.
    assert (state.progress().number, state.progress().total) == (1, 7)
    assert str(state.progress()) == "question 1 of about 7"
    ask(state, "inside_us")  # opens arrival_date
    assert (state.progress().number, state.progress().total) == (2, 8)
    ask(state, "2026-01-05")
    assert (state.progress().number, state.progress().total) == (3, 8)
    ask(state, "medical")  # opens urgency, provider, funded
    assert (state.progress().number, state.progress().total) == (4, 11)
    ask(state, "back")  # at reason again; change it to a branch with one question
    ask(state, "family")
    assert current_id(state) == "relative"
    assert (state.progress().number, state.progress().total) == (4, 9)
    ask(state, "back", "back", "back")
    assert current_id(state) == "location"
    ask(state, "outside_us")  # the date branch closes; walk on through the answered reason
    assert "arrival_date" not in state.answers
    assert current_id(state) == "reason"
    assert (state.progress().number, state.progress().total) == (2, 8)


# -- back ------------------------------------------------------------------------------


def test_back_shows_the_previous_answer_as_default_and_enter_keeps_it(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "2", "2026-01-05", "1", "1")
    assert current_id(state) == "provider"
    step = state.handle("back")
    assert step.kind == "back"
    assert current_id(state) == "urgency"
    ask(state, "back")
    assert current_id(state) == "reason"
    assert state.default_text(question(pack, "reason")) == "Urgent medical treatment"
    ask(state, "")  # keep: walks forward through the questions backed over
    assert current_id(state) == "urgency"
    assert state.default_text(question(pack, "urgency")) == "Life-threatening"
    ask(state, "2")  # change this one
    assert current_id(state) == "provider"
    assert state.answers["urgency"] == "serious"
    assert state.answers["reason"] == "medical"


def test_back_at_the_first_question_stays_put(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    step = state.handle("back")
    assert step.kind == "at_start"
    assert current_id(state) == "location"


def test_back_from_the_final_review_goes_to_the_last_question(pack: RulePack) -> None:
    state = Interview(pack, DAY, {"location": "outside_us", "reason": "other",
                                  "nationality": "HT", "stay_months": 3,
                                  "documents": frozenset({"none"})}, skipped=["savings"])
    ask(state, "")  # notes: skipped
    assert state.stage == "review"
    ask(state, "back")
    assert current_id(state) == "notes"
    ask(state, "")
    assert state.stage == "review"


def test_back_then_a_new_branch_is_asked_in_order(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "1", "3", "UA")
    assert current_id(state) == "stay_months"
    ask(state, "back", "back")
    assert current_id(state) == "reason"
    ask(state, "medical")
    # The newly opened questions come before the ones backed over.
    assert current_id(state) == "urgency"
    ask(state, "1", "y", "y")
    assert current_id(state) == "nationality"
    assert state.default_text(question(pack, "nationality")) == "Ukraine (UA)"
    ask(state, "")
    assert current_id(state) == "stay_months"


# -- review ----------------------------------------------------------------------------


def finished_medical(pack: RulePack) -> Interview:
    state = Interview(pack, DAY)
    ask(state, "2", "2026-01-05", "1", "1", "y", "y", "Ukraine", "6", "2500", "1,2", "")
    assert state.stage == "review"
    return state


def test_review_lists_every_answer_numbered(pack: RulePack) -> None:
    state = finished_medical(pack)
    items = state.review_items()
    assert [item.number for item in items] == list(range(1, 12))
    assert [item.question.id for item in items] == [
        "location", "arrival_date", "reason", "urgency", "provider", "funded", "nationality",
        "stay_months", "savings", "documents", "notes"]
    shown = {item.question.id: item.shown for item in items}
    assert shown["savings"] == "$2,500"
    assert shown["notes"] == "(skipped)"
    assert shown["documents"] == "A letter from their doctor; A letter from the U.S. hospital"
    assert shown["provider"] == "Yes"


def test_review_edit_drops_answers_that_no_longer_apply_and_keeps_the_rest(
        pack: RulePack) -> None:
    state = finished_medical(pack)
    step = state.handle("3")  # reason
    assert step.kind == "edit"
    assert current_id(state) == "reason"
    ask(state, "family")
    for gone in ("urgency", "provider", "funded"):
        assert gone not in state.answers
    for kept in ("location", "arrival_date", "nationality", "stay_months", "savings",
                 "documents"):
        assert kept in state.answers
    assert current_id(state) == "relative"  # newly needed
    ask(state, "child")
    assert state.stage == "review"  # the kept answers are not asked again
    assert state.handle("").kind == "finished"
    assert state.finished


def test_review_edit_that_keeps_the_branch_asks_nothing_more(pack: RulePack) -> None:
    state = finished_medical(pack)
    ask(state, "4", "2")  # urgency -> serious
    assert state.stage == "review"
    assert state.answers["urgency"] == "serious"
    assert len(state.answers) == 10


def test_review_rejects_numbers_out_of_range(pack: RulePack) -> None:
    state = finished_medical(pack)
    step = state.handle("99")
    assert step.kind == "invalid"
    assert "from 1 to 11" in step.message
    assert state.handle("banana").kind == "invalid"
    assert state.stage == "review"


def test_review_mid_interview_returns_to_the_pending_question(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "1", "3")
    assert state.handle("review").kind == "review"
    assert state.stage == "review"
    assert not state.final_review
    assert [item.question.id for item in state.review_items()] == ["location", "reason"]
    step = state.handle("")
    assert step.kind == "resume"
    assert current_id(state) == "nationality"


def test_end_of_input_finishes_only_when_nothing_is_missing(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "1")
    assert state.handle(None).kind == "eof"
    done = finished_medical(pack)
    assert done.handle(None).kind == "finished"


def test_prefill_asks_only_what_is_missing(pack: RulePack) -> None:
    state = Interview.from_json(pack, {"location": "outside_us", "reason": "medical",
                                       "nationality": "UA", "documents": ["none"]}, DAY)
    assert current_id(state) == "urgency"
    ask(state, "1", "n", "y")
    assert current_id(state) == "stay_months"
    assert state.missing() == ["stay_months"]


def test_answers_that_do_not_apply_are_dropped_like_the_engine_does(pack: RulePack) -> None:
    state = Interview.from_json(pack, {"location": "outside_us",
                                       "arrival_date": "2026-01-05"}, DAY)
    assert "arrival_date" not in state.answers


def test_help_and_commands(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    step = state.handle("?")
    assert step.kind == "help"
    assert "The person is whoever needs parole." in step.message
    assert "back" in step.message and "review" in step.message
    assert state.handle("save").kind == "save"
    assert state.handle("QUIT").kind == "quit"
    assert current_id(state) == "location"


def test_required_question_rejects_an_empty_line(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    step = state.handle("")
    assert step.kind == "invalid"
    assert current_id(state) == "location"


def test_scoring_the_interview_answers_matches_screen(pack: RulePack) -> None:
    state = finished_medical(pack)
    result = screen(pack, state.json_answers(), DAY)
    assert result["status"] == "complete"
    assert result["categories"]["medical"]["band"] == "strong"


def test_position_round_trip(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "2", "2026-01-05", "1", "back", "back")
    position = state.position()
    again = Interview.from_json(pack, state.json_answers(), DAY, current=position["question"],
                                revisit=position["revisit"], reviewing=position["review"])
    assert current_id(again) == "arrival_date"
    ask(again, "", "")
    assert current_id(again) == "urgency"


# -- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("qid", "text", "expected"), [
    ("provider", "y", True), ("provider", "YES", True), ("provider", "n", False),
    ("provider", "No", False),
    ("location", "1", "outside_us"), ("location", "2", "inside_us"),
    ("location", "inside_us", "inside_us"), ("location", "in", "inside_us"),
    ("urgency", "L", "life_threatening"), ("location", "Outside the United States",
                                             "outside_us"),
    ("documents", "1,2", frozenset({"doctor_letter", "provider_letter"})),
    ("documents", "1, 3", frozenset({"doctor_letter", "none"})),
    ("documents", "2 1", frozenset({"doctor_letter", "provider_letter"})),
    ("documents", "none", frozenset({"none"})),
    ("arrival_date", "2026-01-05", dt.date(2026, 1, 5)),
    ("arrival_date", "2026-1-5", dt.date(2026, 1, 5)),
    ("arrival_date", "05/01/2026", dt.date(2026, 5, 1)),  # month first, the U.S. order
    ("stay_months", "6", 6), ("stay_months", "2.5", 2.5), ("stay_months", "12.0", 12),
    ("savings", "$1,500", 1500), ("savings", "2500 USD", 2500), ("savings", "99.50", 99.5),
    ("nationality", "ua", "UA"), ("nationality", "Ukraine", "UA"),
    ("nationality", "haiti", "HT"), ("nationality", "Russia", "RU"),
    ("nationality", "viet nam", "VN"), ("nationality", "USA", "US"),
    ("notes", "  a free answer ", "a free answer"),
])
def test_parse_each_type(pack: RulePack, qid: str, text: str, expected: Any) -> None:
    assert parse_answer(pack, question(pack, qid), text) == expected


@pytest.mark.parametrize(("lang", "typed"), [("en", "brother"), ("es", "hijo"),
                                             ("es", "mi hijo")])
def test_a_word_of_a_label_is_not_taken_as_its_choice(shipped_pack: RulePack, lang: str,
                                                      typed: str) -> None:
    """Never guessed from a word: "mi hijo" picked "Su hijo o hija menor de 18 años" for a
    mother whose son is 19, and the report then said false things (an applicant's trial)."""
    from parole_screen import pack_in

    pack = pack_in(shipped_pack, lang)
    qid = "medical_patient" if lang == "es" else "relative_relationship"
    with pytest.raises(InvalidAnswer):
        parse_answer(pack, pack.question_index[qid], typed, lang)


@pytest.mark.parametrize(("lang", "typed", "expected"), [
    ("es", "si", "yes"), ("es", "Sí", "yes"), ("es", "no", "no"), ("ru", "да", "yes"),
    ("ru", "нет", "no"), ("en", "si", "yes"), ("es", "No lo se con seguridad", "unsure"),
])
def test_yes_and_no_words_pick_yes_and_no_choices(shipped_pack: RulePack, lang: str,
                                                  typed: str, expected: str) -> None:
    """"si" at a Sí / No / No lo sé list was refused; only "sí" worked (an applicant's trial)."""
    from parole_screen import pack_in

    pack = pack_in(shipped_pack, lang)
    question = pack.question_index["treatment_available_nearby"]
    assert parse_answer(pack, question, typed, lang) == expected


@pytest.mark.parametrize(("lang", "typed"), [("es", "si"), ("es", "sí"), ("es", "no"),
                                             ("en", "no"), ("en", "yes"), ("ru", "да")])
def test_yes_or_no_at_a_country_is_not_a_country_code(shipped_pack: RulePack, lang: str,
                                                      typed: str) -> None:
    """"si" after "Did you mean Guatemala?" became Slovenia (SI), "no" Norway (NO)."""
    from parole_screen import pack_in

    pack = pack_in(shipped_pack, lang)
    with pytest.raises(InvalidAnswer) as refused:
        parse_answer(pack, pack.question_index["country_of_birth"], typed, lang)
    assert refused.value.message_id == "ui.invalid.country_yes_no"
    assert parse_answer(pack, pack.question_index["nationality"], "Norway" if lang == "en"
                        else "GT", lang) in {"NO", "GT"}  # a name or code still works


@pytest.mark.parametrize(("qid", "text", "needle"), [
    ("provider", "maybe", "y for yes or n for no"),
    ("location", "3", "number from 1 to 2"),
    ("location", "mars", "number from 1 to 2"),
    ("reason", "", "number from 1 to 3"),
    ("documents", "n,x", "'x' is not one of the choices"),
    ("documents", "1,7", "'7' is not one of the choices"),
    ("documents", ",", "at least one"),
    ("arrival_date", "05/2026", "YYYY-MM-DD"),
    ("arrival_date", "yesterday", "for example 2027-03-31"),
    ("arrival_date", "2026-02-30", "2026-02-30 is not a real date"),
    ("stay_months", "six", "using digits"),
    ("stay_months", "nan", "using digits"),
    ("stay_months", "121", "from 0 to 120"),
    ("stay_months", "-1", "from 0 to 120"),
    ("nationality", "Atlantis", "is not a country I know"),
    ("nationality", "Ukrane", "Did you mean Ukraine (UA)?"),
    ("nationality", "cong", "More than one country matches"),
])
def test_parse_errors_are_friendly(pack: RulePack, qid: str, text: str, needle: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        parse_answer(pack, question(pack, qid), text)
    assert needle in str(caught.value)


def test_invalid_line_keeps_the_question(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "2")
    step = state.handle("31/31/2025")
    assert step.kind == "invalid"
    assert "YYYY-MM-DD" in step.message
    assert current_id(state) == "arrival_date"


def test_country_codes_win_over_names() -> None:
    countries = {"IN": "India", "ID": "Indonesia"}
    assert parse_country(countries, "in") == "IN"
    assert parse_country(countries, "indo") == "ID"
    with pytest.raises(InvalidAnswer):
        parse_country(countries, "ind")


def test_display_values(pack: RulePack) -> None:
    assert display_value(pack, question(pack, "nationality"), "HT") == "Haiti (HT)"
    assert display_value(pack, question(pack, "savings"), 99.5) == "$99.50"
    assert display_value(pack, question(pack, "arrival_date"), dt.date(2026, 1, 5)) \
        == "2026-01-05 (Monday, 5 January 2026)"  # in words too: no order to misread


@pytest.mark.parametrize("typed", ["²", "1" * 5000, "٣"])
def test_odd_digits_are_invalid_answers_not_crashes(typed: str) -> None:
    from parole_screen.interview import InvalidAnswer, parse_answer

    pack = load_pack(Path(__file__).parent.parent / "rules")
    question = pack.question_index["beneficiary_location"]
    with pytest.raises(InvalidAnswer):
        parse_answer(pack, question, typed)


# -- "I don't know" ----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["don't know", "Don't Know", "dont know", "idk", "I don't know",
                                   "i do not know", "DK", "don\u2019t  know"])
def test_dont_know_leaves_a_required_question_unanswered_and_moves_on(pack: RulePack,
                                                                      typed: str) -> None:
    state = Interview(pack, DAY)
    ask(state, "1")
    step = state.handle(typed)
    assert step.kind == "unknown" and step.question is not None
    assert step.question.id == "reason"
    assert "reason" not in state.answers
    assert state.unknown == ["reason"]
    assert current_id(state) == "nationality"  # the branches behind it stay closed
    assert "reason" in state.missing() and "reason" not in state.still_needed()


def test_an_interview_answered_dont_know_can_be_finished_and_reports_the_gaps(
        pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "idk")  # location: the arrival date cannot be decided, so it is not asked
    while state.current() is not None:
        ask(state, "don't know")
    assert state.stage == "review" and state.final_review
    items = {item.question.id: item.shown for item in state.review_items()}
    assert items["location"] == "(don't know)"
    assert items["stay_months"] == "(don't know)"
    assert state.handle("").kind == "finished"
    result = screen(pack, state.json_answers(), DAY)
    assert result["status"] == "incomplete"
    assert result["missing"] == state.missing()
    assert {"location", "reason", "nationality", "stay_months"} <= set(result["missing"])


def test_dont_know_then_an_answer_replaces_it(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "1", "idk", "back")
    assert current_id(state) == "reason"
    ask(state, "1")
    assert state.unknown == [] and state.answers["reason"] == "medical"
    assert current_id(state) == "urgency"


def test_dont_know_is_kept_with_the_position(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    ask(state, "1", "idk")
    position = state.position()
    assert position["unknown"] == ["reason"]
    again = Interview.from_json(pack, state.json_answers(), DAY, current=position["question"],
                                unknown=position["unknown"])
    assert current_id(again) == "nationality"
    assert again.unknown == ["reason"]


def test_help_says_dont_know_is_an_answer(pack: RulePack) -> None:
    state = Interview(pack, DAY)
    assert "don't know" in state.handle("?").message
