"""Saved interview sessions: a small JSON file written atomically (mode 0600) after every answer.

The file holds a schema tag, the answers as JSON values (the same shape an answers file
has), the optional questions the user skipped, the position, and which rule pack asked the
questions. A file that cannot be read back raises :class:`SessionError` and is never
overwritten, so a damaged session can still be repaired by hand.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .answers import coerce_answers, split_record
from .errors import AnswerError, ParoleScreenError, SessionError
from .files import (
    home_folder,
    make_private_folders,
    read_capped,
    read_json_record,
    write_atomic,
    write_private,
)
from .interview import Interview
from .jsonbytes import loads_text
from .pack import RulePack

SESSION_SCHEMA = "parole-screen/session@1"
SESSION_FILE = "session.json"
MAX_SESSION_BYTES = 1024 * 1024


def data_dir() -> Path:
    """``$XDG_DATA_HOME/parole-screen`` (an absolute XDG_DATA_HOME only), else
    ~/.local/share/parole-screen (the home folder as :func:`~parole_screen.files.home_folder`
    finds it: an empty ``HOME`` is not ``/``). Raises :class:`SessionError` when there is
    no home folder to be found."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if base and Path(base).is_absolute():
        return Path(base) / "parole-screen"
    home = home_folder()
    if home is None:
        raise SessionError("no home folder to keep the interview in (HOME is empty or not a "
                           "full path); set HOME or XDG_DATA_HOME, or give --session FILE")
    return home / ".local" / "share" / "parole-screen"


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
                              reviewing=bool(position.get("review", False)),
                              unknown=position.get("unknown", ()),
                              announced=position.get("announced", ()))
        return interview, dropped

    def pack_changed(self, pack: RulePack) -> bool:
        return self.pack.get("hash") != pack.content_hash


class SessionExistsError(SessionError):
    """A saved interview is at the path, and the caller asked neither to continue nor to
    start over: the answers in it are never replaced silently."""

    kind = "session_exists"

    def __init__(self, path: Path) -> None:
        super().__init__(f"a saved interview already exists at {path}")
        self.path = path


class InterviewStart(NamedTuple):
    """Where an interview begins, and what the person should be told about it."""

    interview: Interview
    saved: Session | None  # the session being continued; None for a new interview
    as_of: dt.date  # the date the screening speaks for
    fixed_as_of: dt.date | None  # the date chosen by the user (kept with the session)
    lang: str | None  # the language the saved session was held in
    dropped: list[str]  # saved answers the rule pack no longer accepts (asked again)
    pack_changed: bool  # the rules changed since the session was saved


def begin_interview(pack: RulePack, session_path: Path, *, resume: bool = False,
                    new: bool = False, answers_file: str | None = None,
                    as_of: dt.date | None = None) -> InterviewStart:
    """Continue the saved interview at ``session_path`` or start a new one.

    With ``resume`` the saved session is read (:class:`SessionError` if it is missing or
    damaged); otherwise a session already there raises :class:`SessionExistsError` unless
    ``new`` says to start over. A new interview may be prefilled from ``answers_file`` (an
    answers JSON file); only what is missing is then asked. ``as_of`` defaults to the date a
    resumed session was started with, else today.
    """
    if resume:
        saved = load_session(session_path)
        fixed = as_of or saved.fixed_as_of()
        day = fixed or dt.date.today()
        interview, dropped = saved.restore(pack, day)
        return InterviewStart(interview, saved, day, fixed, saved.lang, dropped,
                              saved.pack_changed(pack))
    if not new and session_path.exists():
        raise SessionExistsError(session_path)
    day = as_of or dt.date.today()
    if answers_file is None:
        return InterviewStart(Interview(pack, day), None, day, as_of, None, [], False)
    try:
        _, raw = split_record(read_json_record(answers_file))
        interview = Interview.from_json(pack, raw, day)
    except AnswerError as error:
        raise error.located(source=answers_file) from None
    return InterviewStart(interview, None, day, as_of, None, [], False)


def save_answers_file(path: Path, answers: Mapping[str, Any], *, force: bool = False) -> None:
    """Save final answers as an answers file for ``score`` (atomic, mode 0600)."""
    text = json.dumps({"answers": dict(answers)}, indent=2, ensure_ascii=False) + "\n"
    write_private(path, text, force=force)


def save_session(path: Path, session: Session) -> None:
    """Write the session atomically with mode 0600; a fresh folder is made private (0700)."""
    session.saved_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    _private_folder(path)
    data = json.dumps(session.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, data.encode("utf-8"))


def _private_folder(path: Path) -> None:
    """Make the session's folder, and each missing one above it, private (0700)."""
    try:
        make_private_folders(path.parent)
    except OSError as error:
        raise ParoleScreenError(f"{path}: cannot create the folder: {error.strerror}",
                                kind="unwritable") from None


class SessionLockedError(SessionError):
    """Another interview is using the saved interview at the path: a second one stops
    before it reads or writes anything, so neither loses an answer."""

    kind = "session_locked"

    def __init__(self, path: Path, holder: str) -> None:
        who = f" ({holder})" if holder else ""
        super().__init__(f"{path}: another interview is using this saved interview{who}; "
                         "finish or quit that one first, or use another --session FILE")
        self.path = path
        self.holder = holder


LOCK_SUFFIX = ".lock"


@contextlib.contextmanager
def session_lock(path: Path) -> Iterator[None]:
    """Hold the saved interview at ``path`` for this process while the block runs.

    The lock is an advisory ``flock`` on ``.<name>.lock`` beside the session (not on the
    session itself, which each save replaces). It ends with the process, however that
    ends, so it is never stale; the file says who holds it (process, host, since when) for
    the message a second interview prints (:class:`SessionLockedError`). Where the system
    has no ``flock`` (Windows), nothing is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    _private_folder(path)
    lock = path.with_name(f".{path.name}{LOCK_SUFFIX}")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as error:
            raise SessionError(f"{lock}: cannot lock the saved interview: {error.strerror}"
                               ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise SessionLockedError(path, holder) from None
        # The file we locked must still be the one at the path (a finished interview may
        # have removed it meanwhile): else lock the new one.
        try:
            same = os.path.samestat(os.fstat(fd), lock.stat())
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        since = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        os.ftruncate(fd, 0)
        host = os.uname().nodename if hasattr(os, "uname") else "this computer"
        os.pwrite(fd, f"process {os.getpid()} on {host}, since {since}\n".encode(), 0)
        yield
    finally:
        # Removed while still held: a process that opened it meanwhile sees that it is no
        # longer the file at the path, and locks afresh.
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)


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
        raw = loads_text(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise SessionError(damaged.format(f"not UTF-8 text at byte {error.start}")) from None
    except json.JSONDecodeError as error:
        raise SessionError(damaged.format(
            f"invalid JSON at line {error.lineno}, column {error.colno}")) from None
    except RecursionError:
        raise SessionError(damaged.format("JSON nested too deeply")) from None
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


def _position_problem(position: Any) -> str | None:
    if not isinstance(position, Mapping):
        return "'position' must be an object"
    question = position.get("question")
    if question is not None and not isinstance(question, str):
        return "'position.question' must be a question id"
    # unknown: the questions answered "I don't know"; announced: the stop flags already
    # said to settle the outcome.
    for key in ("revisit", "unknown", "announced"):
        ids = position.get(key) or []
        if not isinstance(ids, list) or not all(isinstance(qid, str) for qid in ids):
            return f"'position.{key}' must be a list of ids"
    return None


def _shape_problem(raw: Mapping[str, Any]) -> str | None:
    answers = raw.get("answers")
    if not isinstance(answers, Mapping) or not all(isinstance(k, str) for k in answers):
        return "'answers' must be an object of question ids to values"
    skipped = raw.get("skipped") or []
    if not isinstance(skipped, list) or not all(isinstance(s, str) for s in skipped):
        return "'skipped' must be a list of question ids"
    problem = _position_problem(raw.get("position") or {})
    if problem:
        return problem
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
