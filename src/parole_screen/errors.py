"""The exception hierarchy. Every message is a complete sentence a user can act on."""

from __future__ import annotations

from collections.abc import Sequence


class ParoleScreenError(Exception):
    """Base class: ``str(error)`` is always a user-facing message."""

    exit_code = 1


class PackError(ParoleScreenError):
    """A rule pack could not be loaded. ``problems`` holds one ``file:line: message`` each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class AnswerError(ParoleScreenError):
    """An answers record is malformed: names the source, record and field, never the value.

    ``kind`` sorts it for summaries and error rows: ``unknown_question``, ``not_an_object``,
    ``bad_record`` (its ``id`` or ``answers``, or a key beside them) or ``wrong_type``.
    """

    def __init__(self, reason: str, *, field: str | None = None, source: str | None = None,
                 record: str | None = None, kind: str | None = None) -> None:
        self.reason = reason
        # A field name comes from the input: keep it printable whatever bytes it holds.
        self.field = None if field is None else field.encode(
            "utf-8", "backslashreplace").decode("utf-8")
        self.source = source
        self.record = record
        self.kind = kind or _answer_error_kind(reason, self.field)
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = [part for part in (self.source, self.record) if part]
        prefix = ": ".join(where)
        subject = f"field '{self.field}': " if self.field else ""
        return f"{prefix}: {subject}{self.reason}" if prefix else f"{subject}{self.reason}"

    def located(self, *, source: str | None = None, record: str | None = None) -> AnswerError:
        """Return a copy of this error that also names where the record came from."""
        return AnswerError(self.reason, field=self.field, source=source or self.source,
                           record=record or self.record, kind=self.kind)

    def detached(self) -> AnswerError:
        """A copy without the traceback, for keeping. A caught error's traceback holds the
        frames it passed through, and they hold it back: kept in those frames' own dict of
        errors, it made a cycle that kept a batch chunk's records alive until the garbage
        collector's rare full pass (memory grew with every chunk that had a rejected record).
        """
        return self.located()


def _answer_error_kind(reason: str, field: str | None) -> str:
    if reason.startswith("unknown question id"):
        return "unknown_question"
    if reason == "a record must be a JSON object":
        return "not_an_object"
    if field in ("id", "answers") or reason.startswith("unexpected top-level key"):
        return "bad_record"
    return "wrong_type"


class OutputExistsError(ParoleScreenError):
    """Refusing to overwrite an existing file."""


class SessionError(ParoleScreenError):
    """A saved interview session is missing, truncated or corrupt."""
