"""screen(): bands, unknowns, blocks, exceptions, dated fees, deadlines, determinism."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from parole_screen import AnswerError, RulePack, screen, screen_many, screen_record

AS_OF = dt.date(2026, 2, 1)
MEDICAL = {"location": "outside_us", "reason": "medical", "urgency": "life_threatening",
           "provider": True, "funded": True, "nationality": "UA", "months": 6}


def run(pack: RulePack, answers: dict[str, Any], as_of: dt.date = AS_OF) -> dict[str, Any]:
    return screen(pack, answers, as_of)


def test_result_contract(minimal_pack: RulePack) -> None:
    result = run(minimal_pack, MEDICAL)
    assert result["schema"] == "parole-screen/result@1"
    assert set(result) >= {"id", "rule_pack", "status", "missing", "categories", "top_category",
                           "flags", "forms", "fees", "documents", "deadlines", "next_steps",
                           "alternatives", "after_approval", "if_denied", "disclaimer", "sources"}
    assert result["rule_pack"] == {"id": "minimal", "version": "1.0.0", "as_of": "2026-01-01",
                                   "hash": minimal_pack.content_hash}
    assert list(result["categories"]) == ["humanitarian", "medical", "public_benefit",
                                          "re_parole"]
    medical = result["categories"]["medical"]
    assert medical["band"] == "strong" and medical["score"] == 75 and medical["basis"] == \
        "treatment"
    assert [r["rule"] for r in medical["reasons"]] == [
        "medical.treatment.urgent", "medical.treatment.life", "medical.treatment.provider"]
    assert medical["reasons"][0]["answers"] == {"urgency": "life_threatening"}
    assert medical["reasons"][0]["cite"] == ["INA"]
    assert result["top_category"] == "medical"
    assert result["status"] == "complete" and result["missing"] == []


def test_unanswered_deciding_question_is_insufficient_information(minimal_pack: RulePack) -> None:
    answers = {**MEDICAL}
    del answers["urgency"]
    result = run(minimal_pack, answers)
    assert result["categories"]["medical"]["band"] == "insufficient_information"
    assert result["status"] == "incomplete" and result["missing"] == ["urgency"]
    assert result["top_category"] is None


def test_unanswered_gate_is_insufficient_not_a_silent_no(minimal_pack: RulePack) -> None:
    result = run(minimal_pack, {"location": "outside_us"})
    assert {c["band"] for c in result["categories"].values()} == {"insufficient_information"}
    assert result["top_category"] is None


def test_unmet_requirement_is_not_indicated_with_a_concern(minimal_pack: RulePack) -> None:
    result = run(minimal_pack, {**MEDICAL, "urgency": "not_urgent"})
    medical = result["categories"]["medical"]
    assert medical["band"] == "not_indicated" and medical["score"] == 0
    assert [c["text"] for c in medical["concerns"]] == ["The need is not urgent."]


def test_block_caps_the_band(minimal_pack: RulePack) -> None:
    result = run(minimal_pack, {**MEDICAL, "funded": False})
    medical = result["categories"]["medical"]
    assert medical["score"] == 75 and medical["band"] == "weak"
    assert "medical.treatment.unfunded" in [c["rule"] for c in medical["concerns"]]


def test_unless_is_an_exception_to_a_weakening_factor(minimal_pack: RulePack) -> None:
    long_stay = {**MEDICAL, "months": 36}
    assert run(minimal_pack, long_stay)["categories"]["medical"]["score"] == 75
    serious = {**long_stay, "urgency": "serious"}
    result = run(minimal_pack, serious)["categories"]["medical"]
    assert result["score"] == 40 + 15 - 10 and result["band"] == "possible"


def test_answers_to_questions_not_asked_are_ignored(minimal_pack: RulePack) -> None:
    stray = {**MEDICAL, "reason": "family"}  # urgency etc. no longer asked
    result = run(minimal_pack, stray)
    assert result["categories"]["medical"]["band"] == "not_indicated"
    assert result["top_category"] == "humanitarian"


@pytest.mark.parametrize("as_of, amount, confidence", [
    (dt.date(2025, 10, 15), None, None),
    (dt.date(2025, 10, 16), 1000, "confirmed"),
    (dt.date(2025, 12, 31), 1000, "confirmed"),
    (dt.date(2026, 1, 1), 1020, "secondary"),
    (dt.date(2026, 10, 16), 1020, "secondary"),  # the unverified 1050 is only reported
])
def test_fees_follow_the_as_of_date(minimal_pack: RulePack, as_of: dt.date, amount: int | None,
                                    confidence: str | None) -> None:
    fees = {fee["id"]: fee for fee in run(minimal_pack, MEDICAL, as_of)["fees"]}
    if amount is None:
        assert "parole_fee" not in fees
        return
    fee = fees["parole_fee"]
    assert (fee["amount"], fee["confidence"]) == (amount, confidence)
    assert fee["exception_may_apply"] is True and fee["exception"] == \
        "May be exempt if DHS agrees."
    reported = as_of >= dt.date(2026, 10, 16)
    assert fee["confirm_before_filing"] is reported
    if reported:
        assert fee["reported_change"] == {"amount": 1050, "effective_from": "2026-10-16",
                                          "source": "FEE", "confidence": "unverified"}
    else:
        assert fee["reported_change"] is None


def test_fee_exception_only_when_its_condition_holds(minimal_pack: RulePack) -> None:
    [fee] = run(minimal_pack, {**MEDICAL, "urgency": "serious"})["fees"]
    assert fee["exception_may_apply"] is False and fee["exception"] is None


def test_deadlines_and_dated_flags(minimal_pack: RulePack) -> None:
    answers = {"location": "inside_us", "paroled": True, "expires_on": "2026-03-31",
               "reason": "family", "nationality": "HT", "months": 12}
    result = run(minimal_pack, answers)
    deadlines = {row["id"]: row for row in result["deadlines"]}
    assert deadlines["window_opens"]["date"] == "2025-10-02"
    assert deadlines["window_opens"]["status"] == "passed"
    assert deadlines["one_year"]["date"] == "2027-03-31"
    assert deadlines["one_year"]["days_from_as_of"] == 423
    flags = [flag["id"] for flag in result["flags"]]
    assert flags == ["expiring", "haiti_list"]  # warn before info
    assert result["categories"]["re_parole"]["band"] == "possible"


def test_country_list_flag_depends_on_the_date(minimal_pack: RulePack) -> None:
    answers = {"location": "outside_us", "reason": "family", "nationality": "HT", "months": 1}
    before = run(minimal_pack, answers, dt.date(2026, 6, 4))
    after = run(minimal_pack, answers, dt.date(2026, 6, 5))
    assert "haiti_list" in [flag["id"] for flag in before["flags"]]
    assert "haiti_list" not in [flag["id"] for flag in after["flags"]]


def test_leap_day_deadline(minimal_pack: RulePack) -> None:
    answers = {"location": "inside_us", "paroled": True, "expires_on": "2028-02-29",
               "reason": "other", "nationality": "UA", "months": 1}
    deadlines = {row["id"]: row["date"] for row in run(minimal_pack, answers)["deadlines"]}
    assert deadlines["one_year"] == "2029-02-28"


def test_missing_evidence_uses_documents_in_hand(minimal_pack: RulePack) -> None:
    without = run(minimal_pack, MEDICAL)["categories"]["medical"]["missing_evidence"]
    with_letter = run(minimal_pack, {**MEDICAL, "docs": ["letter"]})
    assert [item["id"] for item in without] == ["letter"]
    assert with_letter["categories"]["medical"]["missing_evidence"] == []


def test_same_answers_same_report(minimal_pack: RulePack) -> None:
    first = json.dumps(run(minimal_pack, MEDICAL), sort_keys=True)
    reordered = dict(reversed(list(MEDICAL.items())))
    assert json.dumps(run(minimal_pack, reordered), sort_keys=True) == first


def test_explain_adds_a_trace(minimal_pack: RulePack) -> None:
    result = screen(minimal_pack, MEDICAL, AS_OF, explain=True)
    rules = {step["rule"]: step for step in result["trace"]}
    assert rules["medical.treatment.urgent"]["result"] is True
    assert rules["medical.treatment.urgent"]["clauses"][0]["value"] == "life_threatening"
    assert "trace" not in screen(minimal_pack, MEDICAL, AS_OF)


@pytest.mark.parametrize("answers, field, words", [
    ({"provider": "yes"}, "provider", "true or false"),
    ({"reason": "medicl"}, "reason", "one of: medical, family, other"),
    ({"docs": "letter"}, "docs", "a list"),
    ({"docs": ["letter", "letter"]}, "docs", "more than once"),
    ({"docs": ["none", "letter"]}, "docs", "'none' cannot be combined"),
    ({"expires_on": "31/03/2026"}, "expires_on", "YYYY-MM-DD"),
    ({"expires_on": "2026-02-30"}, "expires_on", "real calendar date"),
    ({"months": "6"}, "months", "a number"),
    ({"months": 500}, "months", "at most 120"),
    ({"months": True}, "months", "a number"),
    ({"nationality": "Atlantis"}, "nationality", "country code"),
    ({"note": 5}, "note", "text"),
    ({"reasn": "medical"}, "reasn", "unknown question id (did you mean 'reason'?)"),
])
def test_bad_answers_name_the_field(minimal_pack: RulePack, answers: dict[str, Any], field: str,
                                    words: str) -> None:
    with pytest.raises(AnswerError) as info:
        run(minimal_pack, answers)
    assert info.value.field == field
    assert words in str(info.value)


def test_errors_never_echo_free_text(minimal_pack: RulePack) -> None:
    secret = "my husband beat me " * 200
    with pytest.raises(AnswerError) as info:
        run(minimal_pack, {"note": secret})
    assert "husband" not in str(info.value) and info.value.field == "note"


def test_null_means_not_answered(minimal_pack: RulePack) -> None:
    result = run(minimal_pack, {**MEDICAL, "urgency": None})
    assert result["missing"] == ["urgency"]


def test_record_forms(minimal_pack: RulePack) -> None:
    wrapped = screen_record(minimal_pack, {"id": "c-7", "answers": MEDICAL}, AS_OF)
    bare = screen_record(minimal_pack, {"id": "c-7", **MEDICAL}, AS_OF)
    assert wrapped == bare and wrapped["id"] == "c-7"
    with pytest.raises(AnswerError, match="unexpected top-level key"):
        screen_record(minimal_pack, {"answers": MEDICAL, "extra": 1}, AS_OF)
    with pytest.raises(AnswerError, match="must be a JSON object"):
        screen_record(minimal_pack, [1, 2], AS_OF)


def test_screen_many_yields_errors_in_place(minimal_pack: RulePack) -> None:
    out = list(screen_many(minimal_pack, [MEDICAL, {"months": "x"}, MEDICAL], AS_OF))
    assert isinstance(out[1], AnswerError)
    assert out[0]["top_category"] == "medical" and out[2] == out[0]  # type: ignore[index]


@pytest.mark.parametrize("answers, words", [
    ({"expires_on": "0001-01-01"}, "between 1900 and 2200"),
    ({"expires_on": "9999-12-31"}, "between 1900 and 2200"),
    ({"note": "bad \ud800 text"}, "valid Unicode"),
])
def test_answers_that_would_break_scoring_or_output(minimal_pack: RulePack,
                                                    answers: dict[str, Any], words: str) -> None:
    with pytest.raises(AnswerError, match=words):
        run(minimal_pack, {"location": "inside_us", "paroled": True, **answers})


def test_record_id_must_be_encodable(minimal_pack: RulePack) -> None:
    with pytest.raises(AnswerError, match="valid Unicode"):
        screen_record(minimal_pack, {"id": "\ud800", "answers": MEDICAL}, AS_OF)
    with pytest.raises(AnswerError) as info:
        screen_record(minimal_pack, {"answers": {"\udcff": 1}}, AS_OF)
    str(info.value).encode("utf-8")  # the message itself must be printable


def test_unknown_gate_outranks_a_failed_requirement(pack_dir: Any) -> None:
    from parole_screen import load_pack

    text = (pack_dir / "categories.yaml").read_text()
    second = """      - id: documented
        label: Documented
        applies_when: {q: docs, contains: letter}
        cite: [INA]
  - id: humanitarian
"""
    (pack_dir / "categories.yaml").write_text(text.replace("  - id: humanitarian\n", second, 1))
    pack = load_pack(pack_dir)
    result = screen(pack, {**MEDICAL, "urgency": "not_urgent"}, AS_OF)
    medical = result["categories"]["medical"]
    assert medical["band"] == "insufficient_information"  # `docs` could still open a basis
    assert [c["text"] for c in medical["concerns"]] == ["The need is not urgent."]
    answered = screen(pack, {**MEDICAL, "urgency": "not_urgent", "docs": ["passport"]}, AS_OF)
    assert answered["categories"]["medical"]["band"] == "not_indicated"


def test_asked_questions_follow_the_interview_order_rule(shipped_pack: RulePack) -> None:
    """engine.asked, a chunk at once, against the rule spelt out one question at a time:
    a question is asked where its asked_when holds for the answers kept so far; answers to
    questions not asked are dropped; required questions asked and unanswered are missing."""
    from conftest import record_generator
    from parole_screen import coerce_answers
    from parole_screen.engine import asked_questions, score_records

    generated = list(record_generator()(shipped_pack, seed=5, skip_rate=0.3).records(240))
    # Stray answers: another record's answers to questions this one was not asked.
    records = [{"id": record["id"], "answers": {**generated[-1 - number]["answers"],
                                                **record["answers"]}}
               for number, record in enumerate(generated)]
    ctx = shipped_pack.context(AS_OF)
    dropped = 0
    for record, scored in zip(records, score_records(shipped_pack, records, AS_OF),
                              strict=True):
        typed = coerce_answers(shipped_pack, record["answers"])
        kept: dict[str, Any] = {}
        asked, missing = [], []
        for entry in shipped_pack.questions:
            qid = entry.question.id
            held = True if entry.asked_when is None else entry.asked_when(kept, ctx)
            if held is True:
                asked.append(qid)
                if entry.question.required and qid not in typed:
                    missing.append(qid)
            if held is not False and qid in typed:
                kept[qid] = typed[qid]
        found = asked_questions(shipped_pack, typed, ctx)
        assert (found.kept, found.asked, found.missing) == (kept, asked, missing)
        assert list(found.kept) == [qid for qid in (entry.question.id for entry in
                                                    shipped_pack.questions) if qid in kept]
        assert not isinstance(scored, AnswerError) and list(scored.missing) == missing
        dropped += len(typed) - len(kept)
    assert dropped > 200  # the stray answers were there to drop


@pytest.mark.parametrize("record", [
    {"id": "a-1", "answers": MEDICAL}, {"answers": MEDICAL}, {"id": None, "answers": MEDICAL},
    {"id": 7, "answers": MEDICAL}, {"id": "café", "answers": MEDICAL}, {"id": "", "answers": {}},
    MEDICAL, {"id": "b", **MEDICAL}, {"id": "b", "answers": MEDICAL, "extra": 1},
    {"id": True, "answers": MEDICAL}, {"id": "c", "answers": [1]}, {"answer": MEDICAL},
])
def test_a_chunk_splits_records_as_one_record_is_split(minimal_pack: RulePack,
                                                       record: dict[str, Any]) -> None:
    """Chunks of the usual shape are split at C speed: every shape must come out as
    screen_record reads it, rejected or not."""
    from parole_screen.engine import score_records

    for scored in score_records(minimal_pack, [record] * 3, AS_OF):
        try:
            alone = screen_record(minimal_pack, record, AS_OF)
        except AnswerError as error:
            assert isinstance(scored, AnswerError) and str(scored) == str(error)
        else:
            assert not isinstance(scored, AnswerError) and scored.result() == alone
