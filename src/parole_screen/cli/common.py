"""What every command shares: global options, error handling, consoles and output files.

Only ``typer`` is imported at module level; the library is imported inside functions so
``parole-screen --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, TypeVar

import typer

from . import params

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from parole_screen import RulePack

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_INTERRUPTED = 130
#: Below this width a table is folded beyond reading: lists are printed instead.
NARROW_COLUMNS = 60
REPORT_SUFFIXES = {".json": "json", ".md": "markdown", ".markdown": "markdown",
                   ".html": "html", ".htm": "html", ".txt": "text"}


Choice = TypeVar("Choice", bound=StrEnum)


def choice_of(kind: type[Choice]) -> Callable[[str | Choice], Choice]:
    """The ``parser`` of an option that takes one of ``kind``'s values.

    Typer's own check of an enum option words a wrong value through pydantic, its internal
    "Value error, " prefix included ("Value error, 'brief' is not one of 'compact',
    'full'."); this one says "'brief' is not one of: compact, full". Exact values, as
    Typer's check is case-sensitive too.
    """
    def parse(value: str | Choice) -> Choice:
        if isinstance(value, kind):  # a default, already a member
            return value
        try:
            return kind(value)
        except ValueError:
            names = ", ".join(member.value for member in kind)
            raise typer.BadParameter(f"'{one_line(str(value), 100)}' is not one of: {names}"
                                     ) from None
    return parse


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    md = "md"  # short for markdown, as the .md extension says
    html = "html"


#: Short names of report formats, as ``--format`` takes them.
REPORT_ALIASES = {"md": "markdown"}


class ListFormat(StrEnum):
    table = "table"
    json = "json"


# Options several commands take, declared once so they read and behave the same everywhere.
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", metavar="DATE",
    help="Screen as of this date, YYYY-MM-DD (default: today, or the date a resumed "
         "interview was started with).")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Replace output files that already exist.")]
ReportOutOption = Annotated[Path | None, typer.Option(
    "--out", "-o", metavar="FILE",
    help="Save the report to this file (mode 0600) instead of printing it; the format "
         "follows the extension (.txt, .md, .html, .json).")]
ReportFormatOption = Annotated[ReportFormat | None, typer.Option(
    "--format", "-f", metavar="FORMAT", parser=choice_of(ReportFormat),
    help="Report format: text, json, markdown (or md) or html (default: from --out's "
         "extension, else text).")]
PackDirArgument = Annotated[str | None, typer.Argument(
    metavar="DIR", help="Rule pack directory (default: --rules or the shipped pack).")]
ListFormatOption = Annotated[ListFormat, typer.Option(
    "--format", "-f", metavar="FORMAT", parser=choice_of(ListFormat),
    help="table for people (tab-separated when piped), or json for programs.")]


def _plain_argument_metavar() -> None:
    """Help shows an argument as its metavar alone (``FILE``, ``DIR``), as it shows an
    option's, not followed by Typer's type label (``FILE <str>``)."""
    from typer.core import TyperArgument

    shown = TyperArgument.display_type_rich

    def display_type_rich(self: TyperArgument, ctx: Any) -> str | None:
        return None if self.metavar is not None else shown(self, ctx)

    TyperArgument.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_plain_argument_metavar()
params.install()


class State(NamedTuple):
    """Global options, stored on the Typer context by the root callback."""

    rules: str | None = None
    debug: bool = False
    plain: bool = False


#: What a character the terminal's encoding lacks is written as (see tolerant_streams):
#: the typographic marks the pack's text uses, in ASCII.
_ASCII_FALLBACK = {"\u2022": "*", "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                   "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u00a0": " ",
                   "\u2192": "->", "\u2265": ">=", "\u2264": "<=", "\u00a7": "sec.",
                   "\u00d7": "x", "\u2212": "-",
                   # the terminal report's bars and timeline marks
                   "\u2588": "#", "\u2591": ".", "\u00b7": ".", "\u25cf": "*", "\u25cb": "o",
                   "\u25b6": ">", "\u25c7": "<>"}
FALLBACK_ERRORS = "parole-screen-fallback"


def _fallback(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character the encoding lacks as its ASCII look-alike,
    else its letter without accents, else as a visible escape (``\\u2022``)."""
    import unicodedata

    if not isinstance(error, UnicodeEncodeError):
        raise error
    shown = []
    for char in error.object[error.start:error.end]:
        plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        shown.append(_ASCII_FALLBACK.get(char) or plain or char.encode(
            "ascii", "backslashreplace").decode())
    return "".join(shown), error.end


def tolerant_streams() -> None:
    """Make stdout and stderr write what their encoding lacks (see :func:`_fallback`)
    instead of failing: under ``LC_ALL=en_US.ISO-8859-1`` or KOI8-R a "•" in a fee's text
    raised UnicodeEncodeError, and no report was printed at all. UTF-8 streams are left
    as they are."""
    import codecs

    try:
        codecs.lookup_error(FALLBACK_ERRORS)
    except LookupError:
        codecs.register_error(FALLBACK_ERRORS, _fallback)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream
                stream.reconfigure(errors=FALLBACK_ERRORS)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, State) else State()


def fail(message: str | list[str], code: int = EXIT_ERROR) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise.

    ``message`` may be a library error's :meth:`~parole_screen.ParoleScreenError.lines`
    (already printable); a message composed here is made printable line by line, since it
    may quote a path the user typed.
    """
    from parole_screen import printable

    lines = message if isinstance(message, list) else [
        printable(line) for line in message.split("\n")]
    typer.echo("error: " + "\n".join(lines), err=True)
    return typer.Exit(code)


@contextmanager
def handled(ctx: typer.Context) -> Iterator[State]:
    """Turn library errors into one stderr line and a documented exit code.

    With ``--debug`` the original exception and its traceback propagate instead.
    """
    from parole_screen import ParoleScreenError

    current = state(ctx)
    try:
        yield current
        sys.stdout.flush()  # a full disk (`> /dev/full`) is found here at the latest
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise  # Typer's own: usage errors keep their exit code 2
    except ParoleScreenError as error:
        if current.debug:
            raise
        raise fail(error.lines(), error.exit_code) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        if current.debug:
            raise
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:
        if current.debug:
            raise
        if isinstance(error, OSError):  # one the library did not name: a standard stream's
            raise fail(stream_problem(error)) from None
        raise fail(f"internal error ({type(error).__name__}: {error}); "
                   "run with --debug for the traceback") from None


#: Errors only a write gives: an OSError with one of these is the output's.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def stream_problem(error: OSError) -> str:
    """One line for an OSError the library did not name: the library names every file it
    opens, so one without a file name is a standard stream's (a report to stdout on a
    full disk, say). What stdout still holds is dropped, so leaving does not fail again
    with a second message."""
    reason = error.strerror or type(error).__name__
    if error.filename is not None:
        return f"{error.filename}: {reason}"
    if error.errno in _WRITE_ERRNOS or not _flushes(sys.stdout):
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return f"<stdout>: cannot write the output: {reason}"
    return f"<stdin>: cannot read the input: {reason}"


def _flushes(stream: Any) -> bool:
    try:
        stream.flush()
    except (OSError, ValueError):
        return False
    return True


def load_pack_for(ctx: typer.Context, directory: str | Path | None = None) -> RulePack:
    """Load the pack named by the argument, --rules, $PAROLE_SCREEN_RULES or the default,
    through the user's pack cache (which keeps ``score`` fast to start)."""
    from parole_screen import load_pack

    return load_pack(directory or state(ctx).rules, cache=True)


def parse_as_of(value: str | None) -> dt.date:
    """``--as-of`` as a date (default: today); a bad value, or a year outside what answers'
    dates may have (:data:`parole_screen.MIN_YEAR` to :data:`~parole_screen.MAX_YEAR`), is a
    usage error (exit 2)."""
    if value is None:
        return dt.date.today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise typer.BadParameter(f"'{value}' is not a date as YYYY-MM-DD", param_hint="--as-of")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a real calendar date",
                                 param_hint="--as-of") from None
    from parole_screen import MAX_YEAR, MIN_YEAR

    # The range answers' dates have: a year outside it is a typing mistake, which screened
    # silently, with none of the pack's dated facts (fees, programs) in force.
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise typer.BadParameter(f"'{value}' is out of range: give a date between {MIN_YEAR} "
                                 f"and {MAX_YEAR}", param_hint="--as-of")
    return day


def safe(text: str) -> str:
    """Text from a pack, an answer or a path, as a terminal may show it: every control
    character escaped (:func:`parole_screen.printable`), newlines kept."""
    from parole_screen import printable

    return printable(text, newlines=True)


def one_line(text: str, limit: int | None = None) -> str:
    """A name from the input (a path, an id) for a message line: every control character,
    newlines too, escaped (:func:`parole_screen.printable`); cut short past ``limit``
    characters, if given (a key of a megabyte is not echoed whole)."""
    from parole_screen import printable

    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    return printable(text)


def shell_join(parts: list[str]) -> str:
    """A command to copy and paste: ``shlex.join``, but a part holding a newline or another
    control character is quoted as ``$'...'`` (bash, zsh) with it escaped, so the command
    stays on one line and still names the same file."""
    from parole_screen import printable

    quoted = []
    for part in parts:
        if printable(part) == part:
            quoted.append(shlex.quote(part))
            continue
        chars = ("\\" + char if char in "\\'" else printable(char) for char in part)
        quoted.append("$'" + "".join(chars) + "'")
    return " ".join(quoted)


def wants_plain(current: State, stream: Any = None) -> bool:
    """Plain output (no colour, no box drawing) for NO_COLOR, --plain or a non-terminal."""
    stream = stream or sys.stdout
    return current.plain or "NO_COLOR" in os.environ or not stream.isatty()


def make_console(current: State, *, stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    plain = wants_plain(current, stream)
    # Wrap at word boundaries on a terminal, coloured or not; never wrap into pipes and files.
    return Console(file=stream, no_color=plain, highlight=False, emoji=False,
                   force_terminal=False if plain else None, soft_wrap=not stream.isatty())


def report_format(fmt: str | None, out: Path | None) -> str:
    """The explicit ``--format``, else the one the output file's extension names, else text.

    An extension we do not know is a usage error rather than a silently mislabelled file.
    """
    if fmt:
        return REPORT_ALIASES.get(fmt, fmt)
    if out is None or str(out) == os.devnull:
        return "text"  # -o /dev/null: any format will do
    known = REPORT_SUFFIXES.get(out.suffix.lower())
    if known is None:
        names = ", ".join(sorted(REPORT_SUFFIXES))
        raise typer.BadParameter(f"cannot tell the format from '{out.name}'; use one of "
                                 f"{names} or give --format", param_hint="--out")
    return known


class Lang(StrEnum):
    en = "en"
    es = "es"
    ru = "ru"


#: ``--lang``: the language of every text a person reads; ids and JSON keys never change.
LangOption = Annotated[Lang | None, typer.Option(
    "--lang", metavar="LANG", parser=choice_of(Lang),
    help="Language of the texts: en, es or ru (default: $PAROLE_SCREEN_LANG, then the "
         "locale's, $LANG; JSON, rows and the catalogue follow only $PAROLE_SCREEN_LANG; then "
         "English). Ids, values and JSON keys stay the same.")]


def chosen_lang(lang: Lang | None, *, machine: bool = False) -> str:
    """``--lang``, else the environment's language (see :func:`parole_screen.resolve_lang`);
    for ``machine`` output (JSON, rows) not the locale's, only ``$PAROLE_SCREEN_LANG``."""
    from parole_screen import resolve_lang

    return resolve_lang(lang.value if lang else None, locale=not machine)


def emit_report(ctx: typer.Context, result: dict[str, Any], fmt: str, out: Path | None,
                force: bool, pack: RulePack | None = None, *, all_sources: bool = False
                ) -> None:
    """Print or save a report; saved reports are private files (0600), never overwritten.

    With the ``pack`` the result came from, answers are shown as questions and choices, in
    the pack's language (see :func:`parole_screen.pack_in`). A
    terminal shows the citations used and their count, every source with ``all_sources``;
    a file or a pipe always has every source.
    """
    from parole_screen import glossary, print_rich, render, write_private

    current = state(ctx)
    words = None
    if pack is not None:
        words = glossary(pack)
    if out is not None:
        write_private(out, render(result, fmt, words), force=force)
        from parole_screen import Texts

        texts = pack.texts if pack is not None else Texts()
        typer.echo(texts("ui.report_saved", path=one_line(str(out))), err=True)
        return
    if fmt == "text" and sys.stdout.isatty():
        # colourless under --plain/NO_COLOR
        print_rich(result, make_console(current), words, all_sources=all_sources)
        return
    sys.stdout.write(render(result, fmt, words))
