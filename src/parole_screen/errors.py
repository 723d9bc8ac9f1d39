"""The exception hierarchy. Every message is a complete sentence a user can act on.

Every error the library raises is a :class:`ParoleScreenError`, and says what went wrong in
``kind``, set where it is raised (programs sort on ``kind``; people read the message).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Every character :func:`printable` escapes: the controls (C0, DEL and C1: category Cc,
#: so every ESC sequence), lone surrogates (Cs: no encoding can write them), the line and
#: paragraph separators (Zl, Zp), and the bidirectional controls, which reorder the text
#: around them (Trojan Source): an id or a pack text holding one can make a line read as
#: something else.
UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u061c\u200e\u200f"
                          "\u202a-\u202e\u2066-\u2069]")
#: How long a name from the input (an id, a key) may be in a message before it is cut short.
MAX_NAME_CHARS = 100


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with every character a terminal would act on written as an escape.

    The one sanitizer for everything that reaches a terminal, an error line or a text or
    Markdown report from a rule pack or an answer. Names in messages come from the input (a
    field, an id, a file name): a newline there would forge a second error line, an ESC a
    terminal sequence, a bidi override reorder the line. ``\n``, ``\x1b``, ``\u202e`` and
    the like keep them visible and inert, on one line. With ``newlines``, a newline is kept
    as it is (a report keeps it inside its item; see :mod:`parole_screen.report`).
    """
    if text.isprintable():  # the usual case: nothing to escape (newlines are not printable)
        return text
    return UNSAFE_CHARS.sub(_kept_newline if newlines else _escaped, text)


def _escaped(found: re.Match[str]) -> str:
    return found.group().encode("unicode_escape").decode("ascii")


def _kept_newline(found: re.Match[str]) -> str:
    return found.group() if found.group() == "\n" else _escaped(found)


def clipped(name: str, limit: int = MAX_NAME_CHARS) -> str:
    """``name`` cut short for a message when it is longer than ``limit`` characters: an id
    or a key of a megabyte is named by its start and its length, not echoed whole."""
    if len(name) <= limit:
        return name
    return f"{name[:limit]}... ({len(name):,} characters)"


class ParoleScreenError(Exception):
    """Base class: ``str(error)`` is always a user-facing message; ``kind`` sorts it."""

    exit_code = 1
    kind = "error"

    def __init__(self, message: str = "", *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind

    def lines(self) -> list[str]:
        """The message as the lines to show a person, each printable (see :func:`printable`):
        a file or field name from the input cannot add a line or a terminal sequence."""
        return [printable(str(self))]


class PackError(ParoleScreenError):
    """A rule pack could not be loaded. ``problems`` holds one ``file:line: message`` each."""

    kind = "bad_pack"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def lines(self) -> list[str]:
        """One printable line per problem."""
        return [printable(problem) for problem in self.problems]


class AnswerError(ParoleScreenError):
    """An answers record is malformed: names the source, record and field, never the value.

    ``kind`` sorts it for summaries and error rows: ``unknown_question``, ``not_an_object``,
    ``bad_record`` (its ``id`` or ``answers``, or a key beside them) or ``wrong_type``; and
    for a record that could not be read at all, ``invalid_json``, ``not_utf8``,
    ``too_large`` or ``unreadable``.
    """

    def __init__(self, reason: str, *, kind: str, field: str | None = None,
                 source: str | None = None, record: str | None = None) -> None:
        self.reason = reason
        # A field name comes from the input: keep it printable whatever bytes it holds.
        self.field = None if field is None else field.encode(
            "utf-8", "backslashreplace").decode("utf-8")
        self.source = source
        self.record = record
        super().__init__(self._compose(), kind=kind)

    def _compose(self) -> str:
        where = [printable(part) for part in (self.source, self.record) if part]
        prefix = ": ".join(where)
        subject = f"field '{printable(clipped(self.field))}': " if self.field else ""
        return f"{prefix}: {subject}{self.reason}" if prefix else f"{subject}{self.reason}"

    def located(self, *, source: str | None = None, record: str | None = None) -> AnswerError:
        """Return a copy of this error that also names where the record came from."""
        return AnswerError(self.reason, kind=self.kind, field=self.field,
                           source=source or self.source, record=record or self.record)

    def detached(self) -> AnswerError:
        """A copy without the traceback, for keeping. A caught error's traceback holds the
        frames it passed through, and they hold it back: kept in those frames' own dict of
        errors, it made a cycle that kept a batch chunk's records alive until the garbage
        collector's rare full pass (memory grew with every chunk that had a rejected record).
        """
        return self.located()


class OutputExistsError(ParoleScreenError):
    """Refusing to overwrite an existing file."""

    kind = "output_exists"


class SessionError(ParoleScreenError):
    """A saved interview session is missing, truncated or corrupt."""

    kind = "bad_session"
