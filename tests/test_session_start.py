"""begin_interview: the library's one policy for continuing, refusing or starting an interview."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from parole_screen import (
    AnswerError,
    Interview,
    OutputExistsError,
    RulePack,
    Session,
    SessionError,
    SessionExistsError,
    begin_interview,
    load_pack,
    save_answers_file,
    save_session,
)

PACK_DIR = Path(__file__).parent / "data" / "interview_pack"
DAY = dt.date(2026, 2, 1)


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack(PACK_DIR)


def _saved(pack: RulePack, path: Path, *, as_of: dt.date | None, lang: str = "es") -> None:
    state = Interview(pack, DAY)
    state.handle("2")  # location: inside_us
    save_session(path, Session.of(state, as_of=as_of, lang=lang))


def test_a_new_interview_starts_empty_today(pack: RulePack, tmp_path: Path) -> None:
    start = begin_interview(pack, tmp_path / "none.json")
    assert start.saved is None and start.interview.answers == {}
    assert start.as_of == dt.date.today() and start.fixed_as_of is None
    assert (start.lang, start.dropped, start.pack_changed) == (None, [], False)


def test_a_saved_interview_is_never_replaced_silently(pack: RulePack, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    _saved(pack, path, as_of=None)
    before = path.read_bytes()
    with pytest.raises(SessionExistsError) as caught:
        begin_interview(pack, path)
    assert caught.value.path == path and str(path) in str(caught.value)
    assert isinstance(caught.value, SessionError)
    assert path.read_bytes() == before
    assert begin_interview(pack, path, new=True).interview.answers == {}


def test_resume_continues_with_the_saved_date_and_language(pack: RulePack,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    _saved(pack, path, as_of=dt.date(2026, 3, 4))
    start = begin_interview(pack, path, resume=True)
    assert start.saved is not None and start.saved.answers == {"location": "inside_us"}
    assert start.interview.json_answers() == {"location": "inside_us"}
    assert start.as_of == start.fixed_as_of == dt.date(2026, 3, 4)
    assert start.lang == "es" and not start.pack_changed
    later = begin_interview(pack, path, resume=True, as_of=dt.date(2026, 5, 6))
    assert later.as_of == dt.date(2026, 5, 6)


def test_resume_drops_answers_the_pack_no_longer_accepts(pack: RulePack, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    _saved(pack, path, as_of=None)
    raw = json.loads(path.read_text())
    raw["answers"]["reason"] = "no_such_choice"
    raw["pack"]["hash"] = "older"
    path.write_text(json.dumps(raw))
    start = begin_interview(pack, path, resume=True)
    assert start.dropped == ["reason"] and start.pack_changed
    assert "reason" not in start.interview.answers


def test_resume_without_a_session_says_so(pack: RulePack, tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no saved interview here"):
        begin_interview(pack, tmp_path / "missing.json", resume=True)


def test_an_answers_file_prefills_and_names_itself_on_error(pack: RulePack,
                                                           tmp_path: Path) -> None:
    good = tmp_path / "answers.json"
    save_answers_file(good, {"location": "outside_us", "reason": "family"})
    start = begin_interview(pack, tmp_path / "s.json", answers_file=str(good),
                            as_of=dt.date(2026, 1, 2))
    assert start.interview.json_answers() == {"location": "outside_us", "reason": "family"}
    assert start.fixed_as_of == dt.date(2026, 1, 2)
    bad = tmp_path / "bad.json"
    bad.write_text('{"answers": {"location": "the_moon"}}')
    with pytest.raises(AnswerError, match=r"bad\.json"):
        begin_interview(pack, tmp_path / "s.json", answers_file=str(bad))


def test_saved_answers_files_are_private_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    save_answers_file(path, {"location": "inside_us"})
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text()) == {"answers": {"location": "inside_us"}}
    with pytest.raises(OutputExistsError, match="already exists"):
        save_answers_file(path, {})
    save_answers_file(path, {}, force=True)
    assert json.loads(path.read_text()) == {"answers": {}}
