"""The chunk engine: many records at once must score exactly as one at a time.

``screen()`` scores a chunk of one record; ``score_records`` / ``score_chunk`` (the batch)
score hundreds at once over columns of answers. These tests hold the two to the same bytes
on generated records that cover the shipped pack, and check the pieces that only a chunk
exercises: coded and uncoded columns, memo bounds, numbers spelt as given, JSON in
canonical form.
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import REPO, record_generator
from parole_screen import AnswerError, RulePack, answers, load_pack, screen, screen_record
from parole_screen.columns import AnswerColumns, positions
from parole_screen.conditions import Condition
from parole_screen.engine import compiled, effective_answers, score_chunk, score_records
from parole_screen.models import ITEM_KINDS

DAYS = (dt.date(2025, 10, 15), dt.date(2026, 1, 1), dt.date(2026, 11, 28))


@pytest.fixture(scope="module")
def records(shipped_pack: RulePack) -> list[dict[str, Any]]:
    return list(record_generator()(shipped_pack, seed=11).records(600))


def canonical(result: dict[str, Any]) -> bytes:
    return orjson.dumps(result, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("day", DAYS)
def test_a_chunk_scores_exactly_as_one_record_at_a_time(shipped_pack: RulePack,
                                                        records: list[dict[str, Any]],
                                                        day: dt.date) -> None:
    chunked = score_records(shipped_pack, records, day)
    assert len(chunked) == len(records)
    for record, scored in zip(records, chunked, strict=True):
        assert not isinstance(scored, AnswerError)
        alone = screen_record(shipped_pack, record, day)
        assert scored.json == canonical(alone)  # same bytes, canonical (sorted, compact)
        assert (scored.id, scored.status, scored.top_category) == (
            alone["id"], alone["status"], alone["top_category"])
        assert dict(scored.bands) == {cid: cat["band"] for cid, cat in alone["categories"].items()}
        assert list(scored.flags) == [flag["id"] for flag in alone["flags"]]


def test_what_is_kept_between_chunks_never_leaks_into_another_date(
        records: list[dict[str, Any]]) -> None:
    """Notes and deadline rows are kept from chunk to chunk. Scoring the same records at
    other dates in between must give the bytes a freshly loaded pack gives."""
    # Over 255 distinct dates a chunk, and dates near each as-of date.
    paroled = {"beneficiary_location": "inside_us", "in_us_status": "paroled",
               "reason_type": "medical", "date_needed_by": "2026-01-20"}
    dated = [{"id": f"p{number}", "answers": {
        **paroled, "parole_expires_on": (DAYS[0] + dt.timedelta(days=3 * number - 400)).isoformat(),
        "last_arrival_date": (DAYS[0] - dt.timedelta(days=2 * number)).isoformat()}}
        for number in range(300)]
    churned = load_pack(REPO / "rules")
    for day in (DAYS[0], DAYS[2], DAYS[1], DAYS[0]):
        rows = score_records(churned, records, day) + score_records(churned, dated, day)
        fresh_pack = load_pack(REPO / "rules")
        fresh = score_records(fresh_pack, records, day) + score_records(fresh_pack, dated, day)
        assert [row.json for row in rows if not isinstance(row, AnswerError)] == [
            row.json for row in fresh if not isinstance(row, AnswerError)], day
        assert len(rows) == len(fresh) == len(records) + len(dated)


def test_explain_traces_match_in_a_chunk(shipped_pack: RulePack,
                                         records: list[dict[str, Any]]) -> None:
    some = records[:40]
    chunked = score_records(shipped_pack, some, DAYS[2], explain=True)
    for record, scored in zip(some, chunked, strict=True):
        assert not isinstance(scored, AnswerError)
        alone = screen_record(shipped_pack, record, DAYS[2], explain=True)
        assert scored.result()["trace"] == alone["trace"] != []


def test_the_chunk_view_agrees_with_its_rows(shipped_pack: RulePack,
                                             records: list[dict[str, Any]]) -> None:
    outcome = score_chunk(shipped_pack, records[:50], DAYS[1])
    assert outcome.errors == {} and outcome.places == list(range(50))
    chunk = outcome.scored
    assert chunk is not None and len(chunk) == 50
    rows = list(chunk)
    assert chunk.jsonl() == b"".join(row.json + b"\n" for row in rows)
    assert chunk.statuses() == [row.status for row in rows]
    # The fixed text is folded into the varying parts (see layout): no piece is shared,
    # and a record is one piece per part, in as few pieces as the layout says.
    assert all(type(piece) is list and len(piece) == 50 for piece in chunk.document)
    assert len(chunk.document) == 13 + len(shipped_pack.categories)


@pytest.mark.parametrize("day", DAYS)
def test_decisions_only_are_the_decisions_of_the_documents(shipped_pack: RulePack,
                                                           records: list[dict[str, Any]],
                                                           day: dt.date) -> None:
    """``detail=None`` (CSV rows) writes no document but decides exactly as with one."""
    mixed = [*records[:300], {"id": "x", "answers": {"no_such_question": 1}}, "not an object"]
    bare = score_chunk(shipped_pack, mixed, day, detail=None)
    for detail in ("compact", "full"):
        written = score_chunk(shipped_pack, mixed, day, detail=detail)
        assert bare.places == written.places and sorted(bare.errors) == sorted(written.errors)
        assert bare.scored is not None and written.scored is not None
        for name in ("ids", "missing", "tops", "bands", "flags", "flag_masks"):
            assert getattr(bare.scored, name) == getattr(written.scored, name), name
        assert bare.scored.statuses() == written.scored.statuses()
    assert bare.scored.document is None
    with pytest.raises(ValueError, match="without documents"):
        bare.scored.jsonl()
    with pytest.raises(ValueError, match="detail must be"):
        score_chunk(shipped_pack, records[:1], day, detail="brief")  # type: ignore[arg-type]


def test_errors_keep_their_places_and_the_rest_is_scored(shipped_pack: RulePack,
                                                         records: list[dict[str, Any]]) -> None:
    mixed = [records[0], {"id": "x", "answers": {"no_such_question": 1}}, records[1],
             "not an object", {"id": "y", "answers": {"reason_type": 7}}, records[2]]
    outcome = score_chunk(shipped_pack, mixed, DAYS[0])
    assert outcome.places == [0, 2, 5]
    assert sorted(outcome.errors) == [1, 3, 4]
    assert outcome.errors[1].field == "no_such_question"
    assert outcome.errors[4].field == "reason_type" and "record y" in str(outcome.errors[4])
    assert outcome.scored is not None
    assert [row.id for row in outcome.scored] == ["R0000000", "R0000001", "R0000002"]


def test_rejected_records_leave_no_reference_cycle(shipped_pack: RulePack,
                                                  records: list[dict[str, Any]]) -> None:
    """A kept error must not hold its traceback: the frames it names hold the chunk's records
    and the error itself, a cycle that only the collector's rare full pass frees. The batch
    tunes the collector down, so memory grew by a chunk per chunk with a rejected record
    (a user measured 562 MB for 93 bad records in 190,000)."""
    from parole_screen.batch.chunks import ChunkScorer
    from parole_screen.batch.records import Item

    mixed = [*records[:40], {"id": "x", "answers": {"no_such_question": 1}}, "not an object",
             {"id": "y", "answers": {"reason_type": 7}}, {"id": "z", "answers": "none"}]
    payloads = [orjson.dumps(record) for record in mixed] + [b"{broken"]
    items = [Item("cases.jsonl", line, None, payload)
             for line, payload in enumerate(payloads, start=1)]
    scorers = {fmt: ChunkScorer(shipped_pack, DAYS[0], fmt) for fmt in ("jsonl", "csv", "json")}
    gc.collect()
    gc.disable()
    try:
        outcome = score_chunk(shipped_pack, mixed, DAYS[0])
        assert len(outcome.errors) == 4
        del outcome
        assert gc.collect() == 0
        for fmt, scorer in scorers.items():
            assert scorer.score(items).rejected == 5
            assert gc.collect() == 0, fmt
    finally:
        gc.enable()


@pytest.mark.parametrize(("record", "kind"), [
    ({"id": "x", "answers": {"no_such_question": 1}}, "unknown_question"),
    ("not an object", "not_an_object"),
    ({"id": 1.5, "answers": {}}, "bad_record"),
    ({"id": "x", "answers": {}, "extra": 1}, "bad_record"),
    ({"id": "x", "answers": ["reason_type"]}, "bad_record"),
    ({"id": "x", "answers": {"reason_type": 7}}, "wrong_type"),
])
def test_answer_errors_say_their_kind_and_keep_it(shipped_pack: RulePack, record: Any,
                                                  kind: str) -> None:
    """The kind is set where the error is raised (never read back from its message)."""
    (error,) = score_chunk(shipped_pack, [record], DAYS[0]).errors.values()
    assert error.kind == kind
    assert error.located(source="a.jsonl").kind == error.detached().kind == kind
    try:
        raise error
    except AnswerError as caught:
        assert caught.__traceback__ is not None and caught.detached().__traceback__ is None


@pytest.mark.parametrize("value", [1, 0, 1.0, "true", [True]])
def test_a_yes_no_answer_must_be_a_bool_not_equal_to_one(shipped_pack: RulePack,
                                                         records: list[dict[str, Any]],
                                                         value: Any) -> None:
    """1 == True and 0 == False: coding a chunk's yes/no column must still refuse them."""
    bad = {"id": "z", "answers": {"criminal_history": value}}
    outcome = score_chunk(shipped_pack, [records[0], bad, records[1]], DAYS[0])
    assert outcome.places == [0, 2]
    assert outcome.errors[1].field == "criminal_history"
    assert "true or false" in str(outcome.errors[1])


def test_numbers_are_quoted_as_given(shipped_pack: RulePack) -> None:
    """6 and 6.0 are equal keys; a note must still quote each as the record wrote it."""
    base = {"beneficiary_location": "outside_us", "reason_type": "medical"}
    chunk = [{"id": "int", "answers": {**base, "stay_months": 13}},
             {"id": "float", "answers": {**base, "stay_months": 13.0}}]
    results = [row.result() for row in score_records(shipped_pack, chunk, DAYS[2])
               if not isinstance(row, AnswerError)]
    quoted = [next(flag["answers"]["stay_months"] for flag in result["flags"]
                   if flag["id"] == "stay_over_one_year") for result in results]
    assert quoted == [13, 13.0] and isinstance(quoted[1], float)
    raw = [row.json for row in score_records(shipped_pack, chunk, DAYS[2])
           if not isinstance(row, AnswerError)]
    assert b'"stay_months":13}' in raw[0] and b'"stay_months":13.0}' in raw[1]


def test_notes_remembered_across_chunks_quote_each_record_as_written(
        shipped_pack: RulePack) -> None:
    """Notes are kept between chunks by the answers they quote: a later chunk with 13.0,
    or with another country pair, must not get an earlier chunk's note."""
    base = {"beneficiary_location": "outside_us", "reason_type": "medical"}
    pairs = [("SY", "IR"), ("IR", "SY"), ("SY", "SY"), ("ir", "SY")]
    chunks = [[{"id": f"{number}-{value!r}", "answers": {
        **base, "stay_months": value, "nationality": nationality,
        "country_of_birth": birth}} for nationality, birth in pairs]
        for number, value in enumerate((13, 13.0, 13, 13.0))]
    for chunk in chunks:
        scored = score_records(shipped_pack, chunk, DAYS[2])
        assert [row.json for row in scored if not isinstance(row, AnswerError)] == [
            canonical(screen_record(shipped_pack, record, DAYS[2])) for record in chunk]
        for row, record in zip(scored, chunk, strict=True):
            assert not isinstance(row, AnswerError)
            months = record["answers"]["stay_months"]
            spelt = b'"stay_months":' + repr(months).encode() + b"}"
            assert spelt in row.json, (record["id"], spelt)
            flags = {flag["id"]: flag["answers"] for flag in row.result()["flags"]}
            quoted = flags["country_list_risk"]
            assert (quoted["nationality"], quoted["country_of_birth"]) == (
                record["answers"]["nationality"].upper(), record["answers"]["country_of_birth"])


def test_notes_kept_are_bounded(shipped_pack: RulePack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rule or flag keeps at most NOTES_KEPT notes, however many answers it meets,
    and notes written after a reset are still right."""
    monkeypatch.setattr(compiled, "NOTES_KEPT", 50)
    base = {"beneficiary_location": "outside_us", "reason_type": "medical"}
    chunk = [{"answers": {**base, "stay_months": months / 8}} for months in range(961)]
    scored = score_records(shipped_pack, chunk, DAYS[2])
    flag = next(flag for flag in compiled.compiled_pack(shipped_pack).flags
                if flag.id == "stay_over_one_year")
    assert 0 < len(flag.note.written) <= 50
    for row, record in list(zip(scored, chunk, strict=True))[::97]:
        assert not isinstance(row, AnswerError)
        assert row.json == canonical(screen_record(shipped_pack, record, DAYS[2]))


def _all_conditions(pack: RulePack) -> list[Condition]:
    found: list[Condition] = []
    for entry in pack.questions:
        if entry.asked_when is not None:
            found.append(entry.asked_when)
    for category in pack.categories:
        for basis in category.bases:
            found.append(basis.applies)
            for factor in (*basis.requires, *basis.strengthens, *basis.weakens, *basis.blocks):
                found.append(factor.when)
    found += [flag.when for flag in pack.flags]
    found += [item.when for item in pack.items if item.when is not None]
    return found


def test_every_condition_over_a_chunk_equals_one_record_at_a_time(
        shipped_pack: RulePack, records: list[dict[str, Any]]) -> None:
    """Coded columns (few distinct answers) and uncoded ones (over 256) alike."""
    typed = [answers.coerce_answers(shipped_pack, record["answers"]) for record in records]
    ctx = shipped_pack.context(DAYS[1])
    qids = {entry.question.id for entry in shipped_pack.questions}
    for coded in (True, False):
        columns = {qid: [row.get(qid) for row in typed] for qid in qids}
        lanes = AnswerColumns(columns, len(typed), ctx)
        if not coded:  # pretend every column has too many distinct answers to code
            lanes._codes.update(dict.fromkeys(qids))
        for condition in _all_conditions(shipped_pack):
            true, false = condition.masks(lanes)
            assert not true & false
            for index in (0, 1, 2, 97, 311, len(typed) - 1):
                expected = condition(typed[index], ctx)
                bit = 1 << (8 * index)
                got = True if true & bit else False if false & bit else None
                assert got is expected


def test_positions_reads_set_records() -> None:
    assert list(positions(0, 5)) == []
    assert list(positions((1 << 0) | (1 << 16) | (1 << 32), 5)) == [0, 2, 4]


def test_memos_stay_bounded_and_answers_stay_right(shipped_pack: RulePack,
                                                  records: list[dict[str, Any]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [row.json for row in score_records(shipped_pack, records[:200], DAYS[2])
                if not isinstance(row, AnswerError)]
    the_plan = compiled.compiled_pack(shipped_pack)
    sections = [the_plan.fees, *the_plan.items.values()]
    kept = [section.keep for section in sections]
    for section in sections:
        object.__setattr__(section, "keep", 3)  # frozen: set for this test only
    monkeypatch.setattr(answers, "_SEEN_KEPT", 5)
    try:
        got = []
        for first in range(0, 200, 50):
            got += [row.json for row in score_records(shipped_pack, records[first:first + 50],
                                                      DAYS[2]) if not isinstance(row, AnswerError)]
        assert got == expected
        assert all(len(section.meanings[0]) <= 50 for section in sections)
    finally:
        for section, keep in zip(sections, kept, strict=True):
            object.__setattr__(section, "keep", keep)


@pytest.mark.parametrize("count", [255, 256, 300])
def test_columns_of_255_256_and_more_distinct_answers(shipped_pack: RulePack,
                                                      count: int) -> None:
    """A byte codes None and at most 255 answers; more fall back to testing each value."""
    base = {"beneficiary_location": "outside_us", "reason_type": "danger"}
    chunk = [{"id": f"d{n}", "answers": {**base, "date_needed_by":
                                         (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat()}}
             for n in range(count)]
    scored = score_records(shipped_pack, chunk, DAYS[2])
    assert [row.json for row in scored if not isinstance(row, AnswerError)] == [
        canonical(screen_record(shipped_pack, record, DAYS[2])) for record in chunk]


def test_rules_sharing_a_note_tail_quote_their_own_answers(tmp_path: Path) -> None:
    """Same id, text and cite in `strengthens` and `weakens` (allowed): each note must still
    quote the answers its own rule read."""
    pack_dir = tmp_path / "rules"
    shutil.copytree(REPO / "rules", pack_dir)
    path = pack_dir / "public_benefit.yaml"
    text = path.read_text()
    twin = ("          - id: date_set\n"
            "            text: There is a subpoena, court order or hearing date that needs them in"
            " person.\n"
            "            when: {q: prior_removal, is: true}\n"
            "            weight: 1\n"
            "            cite: [S14, S16]\n")
    head, sep, rest = text.partition("        weakens:\n")
    path.write_text(head + sep + twin + rest)
    pack = load_pack(pack_dir)
    record = {"reason_type": "legal_proceeding", "proceeding_type": "law_enforcement",
              "court_date_set": True, "prior_removal": True, "agency_will_request": True,
              "beneficiary_location": "outside_us"}
    result = screen(pack, record, DAYS[2])
    notes = [note for kind in ("reasons", "concerns")
             for note in result["categories"]["public_benefit"][kind]
             if note["rule"] == "public_benefit.law_enforcement.date_set"]
    assert sorted(map(str, (note["answers"] for note in notes))) == [
        "{'court_date_set': True}", "{'prior_removal': True}"]


def test_narrowed_picks_drop_only_the_records_asked() -> None:
    """Deadline rows past the calendar's end are dropped from the records that had them."""
    from parole_screen.engine.result_bytes import _narrowed

    picks = bytes([0, 1, 1, 0, 1, 1])
    assert _narrowed(picks, bytes([1, 0, 1, 0])) == bytes([0, 1, 0, 0, 1, 0])
    assert _narrowed(picks, bytes([1, 1, 1, 1])) == picks


def test_flag_bytes_name_the_flags_each_record_shows(shipped_pack: RulePack,
                                                    records: list[dict[str, Any]]) -> None:
    """A record's flags are read from one byte per eight flags: they must be exactly the
    flags whose conditions hold for its answers, with their sources."""
    the_plan = compiled.compiled_pack(shipped_pack)
    assert len(the_plan.flag_bytes) > 2  # several bytes a record
    ctx = shipped_pack.context(DAYS[2])
    shown_somewhere = set()
    for record, scored in zip(records, score_records(shipped_pack, records, DAYS[2]),
                              strict=True):
        assert not isinstance(scored, AnswerError)
        typed = answers.coerce_answers(shipped_pack, record["answers"])
        kept, _ = effective_answers(shipped_pack, typed, ctx)
        expected = [flag.id for flag in the_plan.flags if flag.shown(kept, ctx) is True]
        assert list(scored.flags) == expected
        shown_somewhere.update(expected)
        result = scored.result()
        for flag in result["flags"]:
            assert set(flag["cite"]) <= set(result["sources"])
    assert len(shown_somewhere) > 16
    # The masks the summary counts from name the same records.
    chunk = score_chunk(shipped_pack, records, DAYS[2]).scored
    assert chunk is not None
    assert [flag_id for flag_id, _ in chunk.flag_masks] == [
        flag.id for flag in the_plan.flags if flag.id in shown_somewhere]
    for flag_id, mask in chunk.flag_masks:
        assert [index for index in positions(mask, len(chunk))] == [
            index for index, flags in enumerate(chunk.flags) if flag_id in flags]



def test_the_top_category_is_the_best_ranked_band_then_score_then_priority() -> None:
    from parole_screen.engine.decide import top_categories as _tops

    ranks = [  # (band rank: 0 strong, 1 possible, 2 weak; minus the score; priority; id)
        {0: (1, -80, 2, "medical"), 1: (0, -60, 2, "medical"), 3: (2, -10, 2, "medical")},
        {0: (1, -90, 1, "humanitarian"), 1: (0, -60, 1, "humanitarian")},
        {3: (2, -10, 3, "re_parole"), 4: (1, -50, 3, "re_parole")},
    ]
    assert _tops(6, ranks) == [
        "humanitarian",  # the same band: the higher score
        "humanitarian",  # the same band and score: the lower priority number
        None,  # no ranked band
        "medical",  # the same band and score: priority again
        "re_parole",  # the only one
        None,
    ]


def test_results_are_canonical_where_item_kinds_are_empty(minimal_pack: RulePack) -> None:
    """The minimal pack lacks some kinds of item: their lists, framed, are still there,
    empty, and every result is canonical JSON (sorted, compact)."""
    kinds = {item.item.kind for item in minimal_pack.items}
    assert set(ITEM_KINDS) - kinds  # some kind has no item
    records = [{"id": "a", "answers": {"location": "outside_us", "reason": "medical"}},
               {"id": "b", "answers": {}}]
    for scored in score_records(minimal_pack, records, DAYS[1]):
        assert not isinstance(scored, AnswerError)
        result = orjson.loads(scored.json)
        assert scored.json == canonical(result)
        for kind in set(ITEM_KINDS) - kinds:
            key = {"alternative": "alternatives", "document": "documents", "form": "forms",
                   "next_step": "next_steps"}.get(kind, kind)
            assert result[key] == []


def test_category_frames_open_and_close_the_categories() -> None:
    from parole_screen.engine.fragments import Frame, category_frames

    assert category_frames([b'"a":'], b'"2026-01-01"') == [
        Frame(b'"2026-01-01","categories":{"a":', b'},"deadlines":[')]
    assert category_frames([b'"a":', b'"b":', b'"c":'], b"D") == [
        Frame(b'D,"categories":{"a":', b""), Frame(b',"b":', b""),
        Frame(b',"c":', b'},"deadlines":[')]
    with pytest.raises(ValueError, match="at least one category"):
        category_frames([], b"D")
