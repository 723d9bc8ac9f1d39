"""What would change the result (``screen(..., what_if=True)``, issue 18).

Every suggestion must be exact: the record with the suggested answer (or document), scored
again, gets the band the suggestion names, and so does every other answer in its range.
Answered questions and documents held are never suggested, strong categories get none, a
suggestion always lifts the band, the order is deterministic, and without ``what_if`` the
result is what it was.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, record_generator, run_cli
from parole_screen import (
    AnswerError,
    RulePack,
    change_sentences,
    expand_row,
    glossary,
    screen,
    screen_many,
    text_catalog,
)
from parole_screen.engine import score_chunk, score_records
from parole_screen.engine.what_if import MAX_PER_CATEGORY, RANK
from parole_screen.what_if_text import sentences_by_category

EXAMPLES = sorted((REPO / "examples").glob("*.json"))
KEYS = {"answer", "band_if", "band_now", "category", "kind", "question", "range"}


def _answers(record: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = record.get("answers", record)
    return {key: value for key, value in found.items() if key != "id"}


def applied(pack: RulePack, answers: dict[str, Any], change: dict[str, Any],
            answer: Any = None) -> dict[str, Any]:
    """``answers`` with the change made: the answer given (``answer``, or the suggested
    one), or the document added to those held (an exclusive choice giving way)."""
    edited = dict(answers)
    qid = change["question"]
    if change["kind"] == "evidence":
        question = pack.question_index[qid]
        exclusive = {choice.value for choice in question.choices if choice.exclusive}
        held = [value for value in edited.get(qid) or [] if value not in exclusive]
        edited[qid] = [*held, change["answer"]]
    else:
        edited[qid] = change["answer"] if answer is None else answer
    return edited


def in_range(pack: RulePack, qid: str, bounds: dict[str, Any]) -> list[Any]:
    """A few answers inside ``bounds`` besides the one suggested: its ends and beyond."""
    question = pack.question_index[qid]
    if question.type == "date":
        low = dt.date.fromisoformat(bounds["gte"]) if "gte" in bounds else None
        high = dt.date.fromisoformat(bounds["lte"]) if "lte" in bounds else None
        low = low or (high - dt.timedelta(days=900) if high else dt.date(2026, 1, 1))
        high = high or low + dt.timedelta(days=900)
        return sorted({day.isoformat() for day in (low, high, low + (high - low) / 2)})
    least = question.min if question.min is not None else -1000
    most = question.max if question.max is not None else 1000
    found = {least, most}
    for value in bounds.values():
        found |= {value, value + 0.5, value - 0.5, value + 1, value - 1}
    checks = {"gte": lambda v, b: v >= b, "gt": lambda v, b: v > b,
              "lte": lambda v, b: v <= b, "lt": lambda v, b: v < b}
    return sorted(value for value in found if least <= value <= most
                  and all(checks[key](value, bound) for key, bound in bounds.items()))


def check_result(pack: RulePack, answers: dict[str, Any], day: dt.date,
                 result: dict[str, Any]) -> int:
    """Every property of one result's suggestions; returns how many there were."""
    changes = result["what_would_change"]
    kept = screen(pack, answers, day)  # the answers asked, as scored
    answered = _answered(pack, answers, day)
    bands = {category: outcome["band"] for category, outcome in result["categories"].items()}
    categories = list(bands)
    order = [entry.question.id for entry in pack.questions]
    assert {key: value for key, value in result.items() if key != "what_would_change"} == kept
    seen: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        assert set(change) == KEYS
        category = change["category"]
        seen.setdefault(category, []).append(change)
        assert change["band_now"] == bands[category] != "strong"
        assert change["band_if"] in ("strong", "possible", "weak")
        # weak only lifts not_indicated: from insufficient information it is no way forward
        assert change["band_if"] != "weak" or change["band_now"] == "not_indicated"
        assert RANK[change["band_if"]] < RANK[change["band_now"]]
        qid = change["question"]
        if change["kind"] == "answer":
            assert qid not in answered, change
        else:
            assert change["kind"] == "evidence"
            assert change["answer"] not in (answers.get(qid) or []), change
        again = screen(pack, applied(pack, answers, change), day)
        assert again["categories"][category]["band"] == change["band_if"], change
        if change["range"] is not None:
            for other in in_range(pack, qid, change["range"]):
                moved = screen(pack, applied(pack, answers, change, other), day)
                assert moved["categories"][category]["band"] == change["band_if"], (change, other)
        else:
            assert pack.question_index[qid].type not in ("date", "number", "money")
    # By category in the pack's order; in each, the best band first, then interview order.
    assert list(seen) == [category for category in categories if category in seen]
    assert [change["category"] for change in changes] == [
        category for category in seen for _ in seen[category]]
    for found in seen.values():
        assert len(found) <= MAX_PER_CATEGORY
        keys = [(RANK[change["band_if"]], order.index(change["question"]))
                for change in found]
        assert keys == sorted(keys)
    return len(changes)


def left_out() -> list[dict[str, Any]]:
    """Each example with each of its answers left out in turn: records where something
    would change the result."""
    found = []
    for path in EXAMPLES:
        answers = _answers(json.loads(path.read_text()))
        found += [{"id": f"{path.stem}-{qid}",
                   "answers": {key: value for key, value in answers.items() if key != qid}}
                  for qid in answers]
    return found


def _answered(pack: RulePack, answers: dict[str, Any], day: dt.date) -> set[str]:
    """The questions answered and asked (an answer to a question not asked counts for
    nothing, as if never given)."""
    from parole_screen import coerce_answers, effective_answers

    kept, _ = effective_answers(pack, coerce_answers(pack, answers), pack.context(day))
    return set(kept)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), day=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
       skip=st.sampled_from([0.05, 0.15, 0.3]))
def test_every_suggestion_is_exact(shipped_pack: RulePack, seed: int, day: dt.date,
                                   skip: float) -> None:
    """Records with some answers left out, at any date: each suggestion, applied, gives the
    band it names, and so does every other answer in its range."""
    generator = record_generator()(shipped_pack, seed=seed, as_of=day, skip_rate=skip)
    for record in generator.records(4):
        answers = _answers(record)
        check_result(shipped_pack, answers, day, screen(shipped_pack, answers, day,
                                                        what_if=True))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=st.sampled_from(left_out()), more=st.lists(st.integers(0, 40), max_size=2),
       day=st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 30)))
def test_every_suggestion_is_exact_near_the_examples(shipped_pack: RulePack,
                                                     record: dict[str, Any], more: list[int],
                                                     day: dt.date) -> None:
    """Examples with an answer or three left out, at any date (where suggestions abound)."""
    answers = dict(record["answers"])
    for place in more:
        if answers:
            answers.pop(sorted(answers)[place % len(answers)])
    check_result(shipped_pack, answers, day, screen(shipped_pack, answers, day, what_if=True))


def test_many_generated_records_have_exact_suggestions(shipped_pack: RulePack) -> None:
    day = dt.date(2026, 3, 1)
    generator = record_generator()(shipped_pack, seed=18, as_of=day, skip_rate=0.12)
    total = 0
    for record in generator.records(300):
        answers = _answers(record)
        total += check_result(shipped_pack, answers, day,
                              screen(shipped_pack, answers, day, what_if=True))
    assert total > 0


def test_the_examples_with_an_answer_left_out_show_every_kind(shipped_pack: RulePack) -> None:
    """The examples, each with one answer left out in turn, meet every kind of suggestion
    (the test below checks each of them)."""
    day = dt.date(2026, 6, 15)
    kinds: set[tuple[str, str]] = set()
    moves: set[tuple[str, str]] = set()
    for path in EXAMPLES:
        answers = _answers(json.loads(path.read_text()))
        for qid in answers:
            fewer = {key: value for key, value in answers.items() if key != qid}
            for change in screen(shipped_pack, fewer, day, what_if=True)["what_would_change"]:
                kinds.add((change["kind"],
                           shipped_pack.question_index[change["question"]].type))
                moves.add((change["band_now"], change["band_if"]))
    assert {("answer", "yes_no"), ("answer", "choice"), ("answer", "date"),
            ("evidence", "multi_choice")} <= kinds
    assert {("insufficient_information", "strong"), ("insufficient_information", "possible"),
            ("possible", "strong"), ("weak", "possible")} <= moves


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_examples_with_an_answer_left_out(shipped_pack: RulePack, path: Any) -> None:
    """Each example, and the example with each of its answers left out in turn."""
    day = dt.date(2026, 6, 15)
    answers = _answers(json.loads(path.read_text()))
    check_result(shipped_pack, answers, day, screen(shipped_pack, answers, day, what_if=True))
    for qid in answers:
        fewer = {key: value for key, value in answers.items() if key != qid}
        check_result(shipped_pack, fewer, day, screen(shipped_pack, fewer, day, what_if=True))


U4U = {"beneficiary_location": "inside_us", "in_us_status": "paroled", "parole_program": "u4u",
       "last_arrival_date": "2024-03-10", "reason_type": "medical",
       "reason_continues": True, "other_filings": ["tps"], "fears_return": True,
       "address_reported": True, "parole_violation": False, "nationality": "UA",
       "country_of_birth": "UA", "stay_months": 12, "in_removal_proceedings": False,
       "prior_removal": False, "criminal_history": False, "security_concerns": False,
       "immigration_violations": False, "financial_support": "supporter",
       "has_passport": True, "documents_in_hand": ["none"]}


def test_a_parolee_is_told_the_end_date_and_the_i94_that_would_make_it_strong(
        shipped_pack: RulePack) -> None:
    day = dt.date(2026, 6, 15)
    result = screen(shipped_pack, U4U, day, what_if=True)
    assert result["categories"]["re_parole"]["band"] == "possible"
    changes = [change for change in result["what_would_change"]
               if change["category"] == "re_parole"]
    assert changes == [
        {"answer": "2026-09-13", "band_if": "strong", "band_now": "possible",
         "category": "re_parole", "kind": "answer", "question": "parole_expires_on",
         "range": {"gte": "2026-09-13"}},  # 90 days or more left: time to file
        {"answer": "i94_copy", "band_if": "strong", "band_now": "possible",
         "category": "re_parole", "kind": "evidence", "question": "documents_in_hand",
         "range": None},
    ]
    sentences = change_sentences(result, glossary(shipped_pack))
    assert [sentence.text for sentence in sentences if sentence.category == "re_parole"] == [
        "If the answer to \u201cOn what date does their current parole end?\u201d is on or "
        "after 2026-09-13, then re-parole is likely strong (now: possible).",
        "If they get a copy of the I-94 record, then re-parole is likely strong "
        "(now: possible).",
    ]


def test_strong_categories_and_answered_questions_get_none(shipped_pack: RulePack) -> None:
    day = dt.date(2026, 6, 15)
    answers = {**U4U, "parole_expires_on": "2026-12-31", "documents_in_hand": ["i94_copy"]}
    result = screen(shipped_pack, answers, day, what_if=True)
    assert result["categories"]["re_parole"]["band"] == "strong"
    assert all(change["category"] != "re_parole" for change in result["what_would_change"])
    assert all(change["question"] not in answers or change["kind"] == "evidence"
               for change in result["what_would_change"])


def test_off_by_default_and_the_result_is_unchanged(shipped_pack: RulePack) -> None:
    day = dt.date(2026, 6, 15)
    plain = screen(shipped_pack, U4U, day)
    assert "what_would_change" not in plain
    with_changes = screen(shipped_pack, U4U, day, what_if=True)
    assert with_changes.pop("what_would_change")
    assert orjson.dumps(with_changes, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        plain, option=orjson.OPT_SORT_KEYS)
    explained = screen(shipped_pack, U4U, day, explain=True, what_if=True)
    assert list(explained)[-2:] == ["trace", "what_would_change"]
    assert explained["what_would_change"] == screen(shipped_pack, U4U, day,
                                                    what_if=True)["what_would_change"]


def test_deterministic_and_the_same_one_by_one_or_in_chunks(shipped_pack: RulePack) -> None:
    day = dt.date(2026, 6, 15)
    records = left_out()[::3] + list(record_generator()(shipped_pack, seed=5, as_of=day,
                                                         skip_rate=0.15).records(60))
    many = [outcome for outcome in screen_many(shipped_pack, records, day, what_if=True)]
    again = [outcome for outcome in screen_many(shipped_pack, list(reversed(records)), day,
                                                what_if=True)]
    assert many == list(reversed(again))
    assert json.dumps(many, sort_keys=True) == json.dumps(list(reversed(again)), sort_keys=True)
    for record, outcome in zip(records, many, strict=True):
        assert not isinstance(outcome, AnswerError)
        assert outcome == screen(shipped_pack, _answers(record), day,
                                 record_id=record["id"], what_if=True)
    assert sum(bool(outcome["what_would_change"]) for outcome in many
               if not isinstance(outcome, AnswerError)) > 10


def test_compact_rows_carry_it_and_expand(shipped_pack: RulePack) -> None:
    """A compact row holds the same list (it names no text of the pack), and expand_row
    gives the full result back, key for key."""
    day = dt.date(2026, 6, 15)
    records = left_out() + list(record_generator()(shipped_pack, seed=7, as_of=day,
                                                    skip_rate=0.15).records(100))
    catalog = json.loads(json.dumps(text_catalog(shipped_pack)))
    full = score_records(shipped_pack, records, day, what_if=True)
    compact = score_records(shipped_pack, records, day, detail="compact", what_if=True)
    changed = 0
    for one, other in zip(full, compact, strict=True):
        assert not isinstance(one, AnswerError) and not isinstance(other, AnswerError)
        row = other.result()
        assert row["what_would_change"] == one.result()["what_would_change"]
        assert orjson.dumps(expand_row(row, catalog), option=orjson.OPT_SORT_KEYS) == one.json
        changed += bool(row["what_would_change"])
    assert changed > 50
    plain = score_chunk(shipped_pack, records, day, detail="compact").scored
    assert plain is not None and b"what_would_change" not in plain.jsonl()


def test_decisions_only_ignore_it(shipped_pack: RulePack) -> None:
    """Without documents (CSV rows) there is nowhere to put it: the decisions are the same."""
    day = dt.date(2026, 3, 1)
    records = list(record_generator()(shipped_pack, seed=9, as_of=day).records(50))
    one = score_chunk(shipped_pack, records, day, detail=None, what_if=True).scored
    other = score_chunk(shipped_pack, records, day, detail=None).scored
    assert one is not None and other is not None
    assert one.bands == other.bands and one.tops == other.tops


def test_sentences_without_words_and_for_each_kind_of_range() -> None:
    result = {"what_would_change": [
        {"answer": True, "band_if": "possible", "band_now": "weak", "category": "medical",
         "kind": "answer", "question": "treatment_funded", "range": None},
        {"answer": 13, "band_if": "weak", "band_now": "not_indicated",
         "category": "public_benefit", "kind": "answer", "question": "stay_months",
         "range": {"gt": 12}},
        {"answer": 4, "band_if": "weak", "band_now": "not_indicated",
         "category": "public_benefit", "kind": "answer", "question": "stay_months",
         "range": {"gt": 3, "lte": 12}},
        {"answer": "2026-06-15", "band_if": "strong", "band_now": "possible",
         "category": "re_parole", "kind": "answer", "question": "parole_expires_on",
         "range": {"gte": "2026-06-15", "lte": "2026-09-12"}},
        {"answer": "2026-06-15", "band_if": "strong", "band_now": "possible",
         "category": "re_parole", "kind": "answer", "question": "parole_expires_on",
         "range": {}},
        {"answer": ["u4u"], "band_if": "weak", "band_now": "insufficient_information",
         "category": "humanitarian", "kind": "answer", "question": "program_interest",
         "range": None},
        {"answer": "i94_copy", "band_if": "strong", "band_now": "possible",
         "category": "re_parole", "kind": "evidence", "question": "documents_in_hand",
         "range": None},
    ]}
    texts = [sentence.text for sentence in change_sentences(result)]
    assert texts == [
        "If the answer to \u201ctreatment_funded\u201d is yes, then medical parole is likely "
        "possible (now: weak).",
        "If the answer to \u201cstay_months\u201d is more than 12, then significant public "
        "benefit parole is likely weak (now: not indicated).",
        "If the answer to \u201cstay_months\u201d is more than 3 and at most 12, then "
        "significant public benefit parole is likely weak (now: not indicated).",
        "If the answer to \u201cparole_expires_on\u201d is from 2026-06-15 to 2026-09-12, "
        "then re-parole is likely strong (now: possible).",
        "If \u201cparole_expires_on\u201d is answered, then re-parole is likely strong "
        "(now: possible).",
        "If the answer to \u201cprogram_interest\u201d is \u201cu4u\u201d, then humanitarian "
        "parole is likely weak (now: not enough information).",
        "If they get i94_copy, then re-parole is likely strong (now: possible).",
    ]
    assert change_sentences({"categories": {}}) == []
    grouped = sentences_by_category(change_sentences(result))
    assert list(grouped) == ["medical", "public_benefit", "re_parole", "humanitarian"]
    assert [sentence.kind for sentence in grouped["re_parole"]] == ["answer", "answer",
                                                                    "evidence"]


def test_score_what_if_prints_it_in_json(tmp_path: Any) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"id": "u4u", "answers": U4U}))
    done = run_cli("score", str(path), "--format", "json", "--as-of", "2026-06-15",
                   "--what-if")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert [change["question"] for change in found["what_would_change"]] == [
        "parole_expires_on", "documents_in_hand"]
    plain = run_cli("score", str(path), "--format", "json", "--as-of", "2026-06-15")
    assert "what_would_change" not in json.loads(plain.stdout)


def test_the_contract_documents_every_key_and_its_example_is_real(
        shipped_pack: RulePack) -> None:
    text = (REPO / "docs" / "contracts.md").read_text(encoding="utf-8")
    part = text.split("### What would change the result")[1].split("## Compact batch rows")[0]
    for key in (*KEYS, "what_would_change", "evidence", "--what-if"):
        assert f"`{key}`" in part, key
    shown = re.search(r"```json\n(.*?)```", part, flags=re.S)
    assert shown is not None
    example = json.loads("{" + shown.group(1) + "}")
    answers = _answers(json.loads((REPO / "examples" / "reparole_u4u.json").read_text()))
    answers = {**answers, "reason_type": "medical"}
    del answers["parole_expires_on"]
    result = screen(shipped_pack, answers, dt.date(2026, 6, 15), what_if=True)
    assert result["what_would_change"] == example["what_would_change"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_can_carry_it(shipped_pack: RulePack, jobs: int) -> None:
    """``BatchOptions(what_if=True)``: the rows are the engine's compact rows with it, in
    order, whatever the number of workers; without it, they are as before."""
    import io

    from parole_screen import BatchOptions, resolve_inputs, run_batch

    day = dt.date(2026, 6, 15)
    records = left_out()[:300]
    lines = b"".join(json.dumps(record).encode() + b"\n" for record in records)
    for what_if in (True, False):
        out = io.BytesIO()
        sources = resolve_inputs(["-"], "jsonl", stdin=io.BytesIO(lines))
        stats = run_batch(shipped_pack, sources, out,
                          BatchOptions(as_of=day, what_if=what_if, chunk_records=128),
                          jobs=jobs)
        assert stats.scored == len(records)
        expected = score_records(shipped_pack, records, day, detail="compact",
                                 what_if=what_if)
        assert out.getvalue() == b"".join(scored.json + b"\n" for scored in expected
                                          if not isinstance(scored, AnswerError))
        assert (b"what_would_change" in out.getvalue()) is what_if
