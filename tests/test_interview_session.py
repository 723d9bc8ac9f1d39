"""Session files: where they live, what they hold, and refusing damaged ones untouched."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from parole_screen.errors import SessionError
from parole_screen.interview import Interview
from parole_screen.loader import load_pack
from parole_screen.pack import RulePack
from parole_screen.session import (
    SESSION_SCHEMA,
    Session,
    data_dir,
    default_session_path,
    load_session,
    save_session,
)

PACK_DIR = Path(__file__).parent / "data" / "interview_pack"
DAY = dt.date(2026, 2, 1)


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack(PACK_DIR)


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_session_path() == tmp_path / "parole-screen" / "session.json"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "parole-screen"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "parole-screen"


def test_round_trip_keeps_answers_skips_and_position(pack: RulePack, tmp_path: Path) -> None:
    state = Interview(pack, DAY)
    for line in ["2", "2026-01-05", "1", "1", "back"]:
        state.handle(line)
    path = tmp_path / "sub" / "s.json"
    save_session(path, Session.of(state, as_of=DAY, lang="es"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = json.loads(path.read_text())
    assert raw["schema"] == SESSION_SCHEMA
    assert raw["pack"] == {"id": "interview-fixture", "version": "1.0.0",
                           "hash": pack.content_hash}
    assert raw["answers"] == {"location": "inside_us", "arrival_date": "2026-01-05",
                              "reason": "medical", "urgency": "life_threatening"}
    saved = load_session(path)
    assert saved.lang == "es" and saved.fixed_as_of() == DAY and saved.saved_at
    again, dropped = saved.restore(pack, DAY)
    assert dropped == []
    assert not saved.pack_changed(pack)
    assert again.answers == state.answers
    current = again.current()
    assert current is not None and current.id == "urgency"
    again.handle("")  # keep: on to the question after it
    nxt = again.current()
    assert nxt is not None and nxt.id == "provider"


def test_restore_drops_answers_the_pack_no_longer_accepts(pack: RulePack) -> None:
    saved = Session(answers={"location": "outside_us", "gone_question": True,
                             "reason": "no_such_choice"},
                    pack={"id": "interview-fixture", "version": "0.9.0", "hash": "old"})
    state, dropped = saved.restore(pack, DAY)
    assert dropped == ["gone_question", "reason"]
    assert saved.pack_changed(pack)
    assert state.answers == {"location": "outside_us"}
    current = state.current()
    assert current is not None and current.id == "reason"


@pytest.mark.parametrize(("content", "needle"), [
    (b'{"schema": "parole-screen/session@1", "answers": {"a"', "invalid JSON at line 1"),
    (b"", "invalid JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[]", "not a parole-screen session file"),
    (b'{"schema": "parole-screen/session@1"}', "'answers' must be an object"),
    (b'{"schema": "parole-screen/session@1", "answers": {}, "skipped": "x"}', "'skipped'"),
    (b'{"schema": "parole-screen/session@1", "answers": {}, "as_of": "soon"}', "'as_of'"),
])
def test_damaged_files_raise_and_stay_untouched(tmp_path: Path, content: bytes,
                                                needle: str) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    with pytest.raises(SessionError) as caught:
        load_session(path)
    message = str(caught.value)
    assert needle in message
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert path.read_bytes() == content


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no saved interview here"):
        load_session(tmp_path / "none.json")
