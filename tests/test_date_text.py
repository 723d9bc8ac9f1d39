"""Typed dates (``parse_date_text``): ISO, month-first U.S. dates, day-first dotted dates,
month names; ambiguous ones are asked back; the date is echoed in words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parole_screen.answer_text import (
    DateReading,
    InvalidAnswer,
    date_words,
    parse_date_text,
)
from parole_screen.interview import Interview
from parole_screen.loader import load_pack

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
quick = settings(max_examples=300, deadline=None, derandomize=True)
PACK = Path(__file__).parent / "data" / "interview_pack"


@quick
@given(days)
def test_iso_dates_are_read_as_written(day: dt.date) -> None:
    assert parse_date_text(day.isoformat()) == DateReading(day)
    assert parse_date_text(f"{day.year}-{day.month}-{day.day}") == DateReading(day)


@quick
@given(days)
def test_slashed_dates_are_month_first(day: dt.date) -> None:
    # Month first, the U.S. order; asked back in words when day first gives a date too
    # (10/12/2026 is 10 December to most of the world).
    ambiguous = day.day <= 12 and day.day != day.month
    for text in (f"{day.month:02}/{day.day:02}/{day.year}", f"{day.month}/{day.day}/{day.year}",
                 f"{day.month}-{day.day}-{day.year}"):
        assert parse_date_text(text) == DateReading(day, ask_back=ambiguous), text


@quick
@given(days)
def test_month_names_in_any_order(day: dt.date) -> None:
    month, short = f"{day:%B}", f"{day:%b}"
    for text in (f"{day.day} {month} {day.year}", f"{short} {day.day} {day.year}",
                 f"{month} {day.day}, {day.year}", f"{day.day}-{short}-{day.year}",
                 f"{month.upper()} {day.day} {day.year}", f"{day.year} {short} {day.day}",
                 date_words(day)):  # the echo itself reads back
        assert parse_date_text(text) == DateReading(day), text


@quick
@given(days)
def test_dotted_dates_are_day_first_and_asked_back_when_either_way_is_a_date(
        day: dt.date) -> None:
    reading = parse_date_text(f"{day.day}.{day.month}.{day.year}")
    assert reading.date == day
    assert reading.ask_back == (day.day <= 12 and day.day != day.month)


@quick
@given(days.filter(lambda day: day.day > 12))
def test_a_slashed_date_that_cannot_be_month_first_is_read_day_first_and_asked_back(
        day: dt.date) -> None:
    assert parse_date_text(f"{day.day}/{day.month}/{day.year}") == DateReading(day, True)


@quick
@given(days.filter(lambda day: day.year >= 2000))
def test_a_two_digit_year_is_asked_back(day: dt.date) -> None:
    text = f"{day.month}/{day.day}/{day.year % 100:02}"
    assert parse_date_text(text) == DateReading(day, True)


@pytest.mark.parametrize(("text", "needle"), [
    ("2027-02-30", "is not a real date"), ("13/13/2027", "is not a real date"),
    ("yesterday", "MM/DD/YYYY"), ("15 Januar 2027", "MM/DD/YYYY"), ("Jan 2027", "MM/DD/YYYY"),
    ("15 January", "add the year"), ("1/2/3", "MM/DD/YYYY"), ("", "MM/DD/YYYY"),
    ("as soon as possible", 'type "don\'t know"'), ("ASAP", "This question needs a date"),
    ("no fixed date", "This question needs a date"),
])
def test_what_is_not_a_date_says_how_to_type_one(text: str, needle: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        parse_date_text(text)
    assert needle in str(caught.value)


def test_words_have_no_order_to_misread() -> None:
    assert date_words(dt.date(2027, 3, 4)) == "Thursday, 4 March 2027"


# -- in the interview -----------------------------------------------------------------------


def at_arrival_date() -> Interview:
    state = Interview(load_pack(PACK), dt.date(2026, 2, 1))
    state.handle("2")  # inside the U.S.: the arrival date is asked
    assert state.current() is not None and state.current().id == "arrival_date"
    return state


def test_an_unambiguous_date_is_taken_and_echoed_in_words() -> None:
    state = at_arrival_date()
    step = state.handle("03/14/2026")
    assert step.kind == "answered"
    assert step.message == "Read as Saturday, 14 March 2026."
    assert state.answers["arrival_date"] == dt.date(2026, 3, 14)


def test_a_date_either_order_reads_is_asked_back_in_words() -> None:
    # An applicant from Honduras typed 10/12/2026 for 10 December; it was taken as 12 October,
    # a date already past, and her report said a request would not help (session 12).
    state = at_arrival_date()
    step = state.handle("10/12/2026")
    assert step.kind == "confirm"
    assert step.message.startswith("Did you mean Monday, 12 October 2026?")
    step = state.handle("10 December 2026")
    assert step.kind == "answered"
    assert state.answers["arrival_date"] == dt.date(2026, 12, 10)


def test_an_ambiguous_date_is_asked_back_then_taken_on_yes() -> None:
    state = at_arrival_date()
    step = state.handle("15/01/2026")
    assert step.kind == "confirm"
    assert step.message.startswith("Did you mean Thursday, 15 January 2026?")
    assert state.current() is not None and state.current().id == "arrival_date"
    step = state.handle("y")
    assert step.kind == "answered" and state.answers["arrival_date"] == dt.date(2026, 1, 15)


def test_after_an_ask_back_another_date_is_a_new_answer() -> None:
    state = at_arrival_date()
    assert state.handle("15/01/2026").kind == "confirm"
    assert state.handle("n").kind == "invalid"
    assert state.handle("y").kind == "invalid"  # nothing is asked back any more
    assert state.handle("15/01/2026").kind == "confirm"
    assert state.handle("2026-01-16").kind == "answered"
    assert state.answers["arrival_date"] == dt.date(2026, 1, 16)


def test_an_english_interviews_help_names_the_spanish_and_russian_ones() -> None:
    # An applicant who reads English slowly typed ? often and never learnt that the interview
    # speaks Spanish (session 12); the banner stays at four lines, so the help says it.
    state = at_arrival_date()
    step = state.handle("?")
    assert step.message is not None
    assert step.message.splitlines()[-1] == ("En español: parole-screen interview --lang es. "
                                             "По-русски: parole-screen interview --lang ru.")
