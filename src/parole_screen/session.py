"""Saved interview sessions: a small JSON file written atomically (mode 0600) after every answer.

The file holds a schema tag, the answers as JSON values (the same shape an answers file
has), the optional questions the user skipped, the position, and which rule pack asked the
questions. A file that cannot be read back raises :class:`SessionError` and is never
overwritten, so a damaged session can still be repaired by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .answers import coerce_answers
from .errors import AnswerError, ParoleScreenError, SessionError
from .files import read_capped, write_atomic
from .interview import Interview
from .pack import RulePack

SESSION_SCHEMA = "parole-screen/session@1"
SESSION_FILE = "session.json"
MAX_SESSION_BYTES = 1024 * 1024


def data_dir() -> Path:
    """``$XDG_DATA_HOME/parole-screen`` (an absolute XDG_DATA_HOME only), else ~/.local/share."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "parole-screen"


def default_session_path() -> Path:
    return data_dir() / SESSION_FILE


@dataclass
class Session:
    """One saved interview. ``answers`` are JSON values keyed by question id."""

    answers: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    position: dict[str, Any] = field(default_factory=dict)
    pack: dict[str, str] = field(default_factory=dict)
    as_of: str | None = None
    lang: str = "en"
    saved_at: str | None = None

    @classmethod
    def of(cls, interview: Interview, *, as_of: dt.date | None = None,
           lang: str = "en") -> Session:
        """A snapshot of ``interview``; ``as_of`` only if the user fixed the date."""
        info = interview.pack.info()
        return cls(answers=interview.json_answers(), skipped=interview.skipped,
                   position=interview.position(),
                   pack={"id": info["id"], "version": info["version"], "hash": info["hash"]},
                   as_of=as_of.isoformat() if as_of else None, lang=lang)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SESSION_SCHEMA, "saved_at": self.saved_at, "pack": self.pack,
                "as_of": self.as_of, "lang": self.lang, "answers": self.answers,
                "skipped": self.skipped, "position": self.position}

    def fixed_as_of(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of) if self.as_of else None

    def restore(self, pack: RulePack, as_of: dt.date) -> tuple[Interview, list[str]]:
        """The interview this session describes, and the ids of answers that had to be
        dropped because the rule pack no longer accepts them (they will be asked again)."""
        kept: dict[str, Any] = {}
        dropped: list[str] = []
        for qid, value in self.answers.items():
            try:
                kept.update(coerce_answers(pack, {qid: value}))
            except AnswerError:
                dropped.append(qid)
        position = self.position
        interview = Interview(pack, as_of, kept, skipped=self.skipped,
                              current=position.get("question"),
                              revisit=position.get("revisit", ()),
                              reviewing=bool(position.get("review", False)))
        return interview, dropped

    def pack_changed(self, pack: RulePack) -> bool:
        return self.pack.get("hash") != pack.content_hash


def save_session(path: Path, session: Session) -> None:
    """Write the session atomically with mode 0600; a fresh folder is made private (0700)."""
    session.saved_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    if not path.parent.exists():
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise ParoleScreenError(f"{path}: cannot create the folder: {error.strerror}"
                                    ) from None
    data = json.dumps(session.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, data.encode("utf-8"))


def load_session(path: Path) -> Session:
    """Read a saved session; any problem is a :class:`SessionError` with one clear line."""
    try:
        data = read_capped(path, MAX_SESSION_BYTES)
    except FileNotFoundError:
        raise SessionError(f"{path}: no saved interview here; start one without --resume"
                           ) from None
    except IsADirectoryError:
        raise SessionError(f"{path}: is a directory, not a session file") from None
    except OSError as error:
        raise SessionError(f"{path}: cannot read the saved interview: {error.strerror}"
                           ) from None
    damaged = (f"{path}: the saved interview is damaged or incomplete, so it was left "
               "untouched ({}); fix or move the file, or start over with --new")
    if len(data) > MAX_SESSION_BYTES:
        raise SessionError(damaged.format("larger than 1 MiB"))
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise SessionError(damaged.format(f"not UTF-8 text at byte {error.start}")) from None
    except json.JSONDecodeError as error:
        raise SessionError(damaged.format(
            f"invalid JSON at line {error.lineno}, column {error.colno}")) from None
    if not isinstance(raw, Mapping) or raw.get("schema") != SESSION_SCHEMA:
        raise SessionError(f"{path}: not a parole-screen session file "
                           f"(expected schema '{SESSION_SCHEMA}'); it was left untouched")
    problem = _shape_problem(raw)
    if problem:
        raise SessionError(damaged.format(problem))
    return Session(answers=dict(raw["answers"]), skipped=list(raw.get("skipped") or []),
                   position=dict(raw.get("position") or {}), pack=dict(raw.get("pack") or {}),
                   as_of=raw.get("as_of"), lang=raw.get("lang") or "en",
                   saved_at=raw.get("saved_at"))


def _shape_problem(raw: Mapping[str, Any]) -> str | None:
    answers = raw.get("answers")
    if not isinstance(answers, Mapping) or not all(isinstance(k, str) for k in answers):
        return "'answers' must be an object of question ids to values"
    skipped = raw.get("skipped") or []
    if not isinstance(skipped, list) or not all(isinstance(s, str) for s in skipped):
        return "'skipped' must be a list of question ids"
    position = raw.get("position") or {}
    if not isinstance(position, Mapping):
        return "'position' must be an object"
    question = position.get("question")
    if question is not None and not isinstance(question, str):
        return "'position.question' must be a question id"
    revisit = position.get("revisit") or []
    if not isinstance(revisit, list) or not all(isinstance(r, str) for r in revisit):
        return "'position.revisit' must be a list of question ids"
    pack = raw.get("pack") or {}
    if not isinstance(pack, Mapping) or not all(isinstance(v, str) for v in pack.values()):
        return "'pack' must be an object of text values"
    as_of = raw.get("as_of")
    if as_of is not None:
        try:
            dt.date.fromisoformat(as_of)
        except (TypeError, ValueError):
            return "'as_of' must be a date as YYYY-MM-DD"
    lang = raw.get("lang") or "en"
    if not isinstance(lang, str):
        return "'lang' must be text"
    return None
