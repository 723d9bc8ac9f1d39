"""Properties of the public API over generated answers (hypothesis).

Whatever a caller passes, ``screen_record`` returns a result or raises ``AnswerError`` naming
the field; a result is deterministic, canonical JSON; and the one-record and many-record
paths agree (one code path scores answers, wherever they come from).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, record_generator
from parole_screen import AnswerError, RulePack, render, screen, screen_many, screen_record

QUESTIONS = ["location", "paroled", "expires_on", "reason", "urgency", "provider", "funded",
             "nationality", "months", "docs", "note"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["inside_us", "medical", "UA", "2026-03-01",
                                              "letter", "true"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)
answer_maps = st.dictionaries(st.sampled_from(QUESTIONS) | st.text(max_size=8), json_values,
                              max_size=6)
quick = settings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def _canonical(result: dict[str, Any]) -> str:
    return json.dumps(result, sort_keys=True, ensure_ascii=False)


@quick
@given(answers=answer_maps)
def test_any_answers_give_a_result_or_a_named_error(minimal_pack: RulePack,
                                                   answers: dict[str, Any]) -> None:
    try:
        result = screen_record(minimal_pack, {"id": "r1", "answers": answers}, AS_OF)
    except AnswerError as error:
        assert error.field in answers or error.field is None
        assert error.kind and "\n" not in str(error)
        assert "record r1" in str(error)
    else:
        assert result["id"] == "r1" and result["as_of"] == AS_OF.isoformat()


@quick
@given(answers=answer_maps)
def test_a_result_is_canonical_and_repeatable(minimal_pack: RulePack,
                                             answers: dict[str, Any]) -> None:
    try:
        first = screen(minimal_pack, answers, AS_OF)
    except AnswerError:
        return
    again = screen(minimal_pack, dict(reversed(list(answers.items()))), AS_OF)
    assert _canonical(first) == _canonical(again)
    rendered = render(first, "json")
    assert json.loads(rendered) == first
    assert rendered == render(again, "json")


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), day=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
def test_one_record_and_many_agree_on_the_shipped_pack(shipped_pack: RulePack, seed: int,
                                                       day: dt.date) -> None:
    records = list(record_generator()(shipped_pack, seed=seed, as_of=day).records(6))
    many = list(screen_many(shipped_pack, records, day))
    assert len(many) == len(records)
    for record, from_many in zip(records, many, strict=True):
        assert not isinstance(from_many, AnswerError), from_many
        assert _canonical(from_many) == _canonical(screen_record(shipped_pack, record, day))
