"""The ``interview`` command: plain line prompts over the interview state machine.

Everything the interview says goes to stderr, so stdout carries only the report (and
``parole-screen interview -f json < answers.txt > report.json`` works). The policy lives
in :mod:`parole_screen.interview`; this module only shows questions, reads lines and saves.
"""

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from .common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    AsOfOption,
    ForceOption,
    Lang,
    ReportFormatOption,
    ReportOutOption,
    State,
    choice_of,
    emit_report,
    fail,
    handled,
    load_pack_for,
    make_console,
    one_line,
    parse_as_of,
    report_format,
    safe,
    shell_join,
    wants_plain,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from parole_screen import Interview, InterviewStart, Question, RulePack, Step

# "m" for the review list's next page, as its footer says, and the word in each language
# (a Russian speaker typed the Cyrillic м, which looks the same).
MORE_WORDS = frozenset({"m", "more", "м", "ещё", "еще", "más", "mas"})
# Below this width the review is a numbered list: a table cut answers to about a dozen
# letters at 80 columns (an applicant's trial).
REVIEW_TABLE_COLUMNS = 100
_REDRAW_AFTER = frozenset({"answered", "skipped", "unknown", "back", "edit", "review", "resume"})


class _Options(NamedTuple):
    """What the resume command must repeat."""

    state: State
    session: Path
    default_session: bool
    lang: str
    report_lang: str | None
    fmt: str | None
    out: Path | None
    force: bool
    save_answers: Path | None
    keep_session: bool

    def resume_command(self) -> str:
        parts = program_words()
        if self.state.rules:
            parts += ["--rules", str(Path(self.state.rules).absolute())]
        if self.state.plain:
            parts.append("--plain")
        parts += ["interview", "--resume"]
        if not self.default_session:
            parts += ["--session", str(self.session.absolute())]
        if self.report_lang:
            parts += ["--report-lang", self.report_lang]
        if self.fmt:
            parts += ["--format", self.fmt]
        if self.out is not None:
            parts += ["--out", str(self.out.absolute())]
        if self.save_answers is not None:
            parts += ["--save-answers", str(self.save_answers.absolute())]
        if self.force:
            parts.append("--force")
        if self.keep_session:
            parts.append("--keep-session")
        return shell_join(parts)


def program_words() -> list[str]:
    """How to run this program again from a new terminal: ``parole-screen`` when that name
    on PATH is this very program, else its full path (a virtual environment that is not
    active, a checkout), or ``python -m parole_screen`` when run that way."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    here = Path(argv0)
    if here.name == "__main__.py" or argv0 in ("-m", "-c", ""):
        return [str(Path(sys.executable).absolute()), "-m", "parole_screen"]
    found = shutil.which("parole-screen")
    if here.is_file():
        if found and Path(found).resolve() == here.resolve():
            return ["parole-screen"]
        return [str(here.absolute())]
    return ["parole-screen"] if found else [str(Path(sys.executable).absolute()), "-m",
                                            "parole_screen"]


def interview(
    ctx: typer.Context,
    resume_file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", show_default=False,
        help="With --resume: the session file to continue (same as --session FILE).")
    ] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the saved interview: `--resume [FILE]`, or the one at "
                         "--session FILE, or the default one.")] = False,
    session: Annotated[Path | None, typer.Option(
        "--session", metavar="FILE",
        help="Session file, saved after every answer (default: "
             "$XDG_DATA_HOME/parole-screen/session.json or "
             "~/.local/share/parole-screen/session.json).")] = None,
    new: Annotated[bool, typer.Option(
        "--new", help="Start over, replacing a saved interview at the session path.")] = False,
    answers: Annotated[str | None, typer.Option(
        "--answers", metavar="FILE",
        help="Prefill from an answers JSON file; only what is missing is asked.")] = None,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never ask: print the report if every needed answer is known, "
                           "else exit 1 listing the missing question ids.")] = False,
    lang: Annotated[Lang | None, typer.Option(
        "--lang", metavar="LANG", parser=choice_of(Lang),
        help="Interview language: en, es or ru (default: $PAROLE_SCREEN_LANG, then $LANG, "
             "then English; a resumed interview keeps its own).")
    ] = None,
    report_lang: Annotated[Lang | None, typer.Option(
        "--report-lang", metavar="LANG", parser=choice_of(Lang),
        help="Report language: en, es or ru (default: the interview's).")
    ] = None,
    as_of: AsOfOption = None,
    fmt: ReportFormatOption = None,
    out: ReportOutOption = None,
    force: ForceOption = False,
    save_answers: Annotated[Path | None, typer.Option(
        "--save-answers", metavar="FILE",
        help="Also save the final answers as an answers file (mode 0600) for `score`.")
    ] = None,
    keep_session: Annotated[bool, typer.Option(
        "--keep-session", help="Keep the session file after the report (default: delete it, "
                               "since it holds private answers).")] = False,
) -> None:
    """Ask the screening questions one at a time, then print the report.

    At any question type ? for help, "don't know", back, review, save or quit. Answers are
    saved after every question; Ctrl-C saves too and prints the command that continues. With
    stdin not a terminal, one answer is read per line (see docs/interview.md).
    """
    session = _session_argument(resume, resume_file, session)
    fixed_day = parse_as_of(as_of) if as_of else None
    report_format(fmt.value if fmt else None, out)  # an unknown --out extension fails now
    with handled(ctx) as current:
        from parole_screen import default_session_path, session_lock

        path = session or default_session_path()
        _check_usage(resume=resume, answers=answers, outputs=(out, save_answers), force=force,
                     session=path)
        options = _Options(current, path, session is None, "en",
                           report_lang.value if report_lang else None,
                           fmt.value if fmt else None, out, force, save_answers, keep_session)
        pack = load_pack_for(ctx)
        # One interview at a time on a saved interview: a second one stops here, before it
        # reads or writes a thing (--no-input never saves, so it takes no lock).
        with contextlib.nullcontext() if no_input else session_lock(path):
            _run(ctx, current, pack, options, resume=resume, new=new, no_input=no_input,
                 answers=answers, fixed_day=fixed_day, lang=lang.value if lang else None)


def _run(ctx: typer.Context, current: State, pack: "RulePack", options: _Options, *,
         resume: bool, new: bool, no_input: bool, answers: str | None,
         fixed_day: dt.date | None, lang: str | None) -> None:
    """Begin (or continue) the interview, ask, and finish with the report."""
    from parole_screen import SessionExistsError, begin_interview

    ui = _Ui(make_console(current, stderr=True), wants_plain(current, sys.stderr))
    try:
        # --no-input never saves, so a saved interview is neither continued nor refused.
        start = begin_interview(pack, options.session, resume=resume, new=new or no_input,
                                answers_file=answers, as_of=fixed_day)
    except SessionExistsError as error:
        choice = None if answers else _saved_session_choice(ui, options.session, pack, lang)
        if choice is None:
            raise fail(f"{error}; continue it with `{options.resume_command()}`, or start "
                       "over with --new") from None
        start = begin_interview(pack, options.session, resume=choice != "new",
                                new=choice == "new", as_of=fixed_day)
        if choice == "review":
            start.interview.start_review()
    from parole_screen import load_texts, resolve_lang

    # --lang, else the language the saved interview was held in, else the environment's.
    options = options._replace(lang=lang or start.lang or resolve_lang(None))
    texts = load_texts(pack, options.lang)
    ui.texts = start.interview.texts = texts
    _language_notices(ui, options.lang, options.report_lang, pack)
    _restore_notices(ui, start)
    state = start.interview
    if no_input:
        missing = state.missing()
        if missing:
            raise fail("not every needed answer is known; missing, in order: "
                       + ", ".join(missing))
    else:
        _ask(ui, pack, start, options)
    _finish(ctx, pack, state, start.as_of, options,
            remove_session=not (no_input or options.keep_session))


_SESSION_CHOICES = {"1": "continue", "continue": "continue", "c": "continue",
                    "2": "review", "review": "review", "r": "review",
                    "3": "new", "new": "new", "start over": "new", "n": "new"}
#: What piped input may send as its first line when a saved interview exists (numbers are
#: left out: a script's first answer is often a number, and must not pick one by chance).
SESSION_WORDS = ("continue", "review", "new")


def _saved_session_choice(ui: "_Ui", path: Path, pack: "RulePack", lang: str | None
                         ) -> str | None:
    """A saved interview is at ``path``: continue it, review it, or start over? None means
    no choice was made (piped input without a session word, or the end of input). Asked in
    --lang, else the saved interview's language, else the environment's."""
    from parole_screen import SessionError, load_session, load_texts, resolve_lang

    try:
        saved = load_session(path)
    except SessionError:
        return None  # damaged: refused as before (the file is left as it is)
    tr = ui.texts = load_texts(pack, lang or saved.lang or resolve_lang(None))
    when = (tr("ui.session.saved_at", when=saved.saved_at[:16].replace("T", " "))
            if saved.saved_at else "")
    ui.say(tr.plural("ui.session.found", len(saved.answers), when=when), "bold")
    if not ui.interactive:
        line = ui.read()
        word = " ".join((line or "").lower().split())
        if word == "start over":
            return "new"
        return word if word in SESSION_WORDS else None
    for number, key in enumerate(("continue", "review", "new"), 1):
        ui.say(f"  {number}. {tr('ui.session.' + key)}")
    ui.say(tr("ui.session.type"), "dim")
    while True:
        line = ui.read()
        if line is None or line.strip().lower() == "quit":
            return None
        choice = _SESSION_CHOICES.get(" ".join(line.lower().split()))
        if choice is not None:
            return choice
        ui.error(tr("ui.session.invalid"))


def _session_argument(resume: bool, resume_file: Path | None,
                      session: Path | None) -> Path | None:
    """``--resume FILE`` as the session path.

    Click cannot give an option an optional value without swallowing the next flag, so the
    file is a positional argument that only --resume accepts.
    """
    if resume_file is None:
        return session
    if not resume:
        raise typer.BadParameter("a session FILE is only accepted with --resume",
                                 param_hint="FILE")
    if session is not None and session != resume_file:
        raise typer.BadParameter("give the session file once: --resume FILE or --session",
                                 param_hint="FILE")
    return resume_file


def _check_usage(*, resume: bool, answers: str | None, outputs: tuple[Path | None, ...],
                 force: bool, session: Path) -> None:
    """Refuse option combinations that cannot work, before a single question is asked."""
    from parole_screen import check_output_path

    if resume and answers:
        raise fail("--answers starts a new interview; it cannot be used with --resume",
                   EXIT_USAGE)
    if answers == "-":
        raise fail("--answers needs a file: stdin carries the typed answers", EXIT_USAGE)
    # /dev/null keeps nothing, so two outputs may both name it.
    given = [path for path in outputs if path is not None and path != Path(os.devnull)]
    if len(given) == 2 and given[0].absolute() == given[1].absolute():
        raise fail(f"--out and --save-answers name the same file, {given[0]}", EXIT_USAGE)
    inputs = [("the saved interview", session)]
    if answers is not None:
        inputs.append(("the answers file the interview starts from", Path(answers)))
    for path in given:
        check_output_path(path, force=force, inputs=inputs)


def _ask(ui: "_Ui", pack: "RulePack", start: "InterviewStart", options: _Options) -> None:
    """Ask until the review is accepted; Ctrl-C saves and says how to continue."""
    store = _Store(options.session, start.fixed_as_of, options)
    ui.banner(pack, start.interview, options.session, resumed=start.saved is not None)
    state = start.interview
    # Piped input is never asked about the early report (the next line is an answer); it is
    # told, and a `report` line takes the offer.
    state.offer_report = ui.interactive
    fresh = state.check_settled()
    if fresh and not state.offering:
        ui.settled(state, fresh)
    try:
        _drive(ui, state, store)
    except KeyboardInterrupt:
        store.save(start.interview)
        ui.newline()
        ui.paused(store, ui.texts("ui.paused"))
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _language_notices(ui: "_Ui", lang: str, report_lang: str | None,
                      pack: "RulePack") -> None:
    """Say once, in the language, that texts not translated yet are shown in English."""
    from parole_screen import load_texts

    for code in dict.fromkeys((lang, report_lang or lang)):
        texts = load_texts(pack, code)
        if not texts.complete:
            ui.notice(texts("ui.fallback"))


def _restore_notices(ui: "_Ui", start: "InterviewStart") -> None:
    if start.pack_changed:
        ui.notice(ui.texts("ui.session.pack_changed"))
    if start.dropped:
        ui.notice(ui.texts("ui.session.dropped",
                           ids=", ".join(one_line(qid, 100) for qid in start.dropped)))


class _Store:
    """Saves the session after every change, atomically and privately."""

    def __init__(self, path: Path, as_of: dt.date | None, options: _Options) -> None:
        self.path = path
        self.as_of = as_of
        self.options = options

    def save(self, state: "Interview") -> None:
        from parole_screen import Session, save_session

        snapshot = Session.of(state, as_of=self.as_of, lang=self.options.lang)
        with _sigint_deferred():
            save_session(self.path, snapshot)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C while a save is written, then deliver it: no stray temporary files."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[bool] = []
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _drive(ui: "_Ui", state: "Interview", store: "_Store") -> None:
    """Ask until the review is accepted. Saves after every step that changes anything."""
    redraw = True
    while not state.finished:
        question = state.current()
        if redraw:
            if state.offering:
                ui.offer(state)
            elif question is None:
                ui.review(state)
            else:
                ui.question(state, question)
        line = ui.read()
        if state.stage == "review" and line is not None and line.strip().lower() in MORE_WORDS:
            ui.page += 1  # the next page of the review list
            redraw = True
            continue
        step = state.handle(line)
        if step.kind in ("review", "edit"):
            ui.page = 0
        redraw = step.kind in _REDRAW_AFTER or bool(state.offering)
        if step.kind not in ("help", "invalid", "at_start", "confirm"):
            store.save(state)
        _react(ui, state, store, step)


def _react(ui: "_Ui", state: "Interview", store: "_Store", step: "Step") -> None:
    kind = step.kind
    if step.settled and not state.offering:
        ui.settled(state, step.settled)
    if kind == "invalid":
        ui.error(step.message)
    elif kind == "unknown":
        ui.say(ui.texts("ui.unknown_left"), "dim")
    elif kind in ("help", "at_start", "confirm"):
        ui.info(step.message)
    elif kind == "answered" and step.message:
        ui.say(step.message, "dim")
    elif kind == "save":
        ui.paused(store, ui.texts("ui.saved"), stopping=False)
    elif kind == "quit":
        ui.paused(store, ui.texts("ui.stopped"))
        raise typer.Exit(EXIT_OK)
    elif kind == "eof":
        pending = state.pending()
        where = ui.texts("ui.input_ended.next", id=pending.id) if pending else ""
        ui.error(ui.texts("ui.input_ended", where=where, path=one_line(str(store.path)),
                          command=store.options.resume_command()))
        raise typer.Exit(EXIT_ERROR)


def _finish(ctx: typer.Context, pack: "RulePack", state: "Interview", day: dt.date,
            options: _Options, *, remove_session: bool) -> None:
    """Score with the same ``screen()`` as ``score``, then print or save the report."""
    from parole_screen import pack_in, save_answers_file, screen

    answers = state.json_answers()
    # The report's language may differ from the interview's (--report-lang).
    pack = pack_in(pack, options.report_lang or options.lang)
    result = screen(pack, answers, day)
    if options.save_answers is not None:
        save_answers_file(options.save_answers, answers, force=options.force)
        typer.echo(pack.texts("ui.answers_saved", path=one_line(str(options.save_answers))),
                   err=True)
    emit_report(ctx, result, report_format(options.fmt, options.out), options.out,
                 options.force, pack)
    if remove_session and options.session.exists():
        options.session.unlink()
        typer.echo(pack.texts("ui.session_deleted", path=one_line(str(options.session))),
                   err=True)


_LIST_ITEM = re.compile(r"^\s*(\d+\.|-)\s+")


def _terminal_width(stream: object) -> int | None:
    """The width of the terminal ``stream`` writes to, or None when it is not a terminal."""
    try:
        if not stream.isatty():  # type: ignore[attr-defined]
            return None
        return max(os.get_terminal_size(stream.fileno()).columns,  # type: ignore[attr-defined]
                   20)
    except (AttributeError, OSError, ValueError):
        return None


def _terminal_height(stream: object) -> int | None:
    try:
        return max(os.get_terminal_size(stream.fileno()).lines,  # type: ignore[attr-defined]
                   10)
    except (AttributeError, OSError, ValueError):
        return None


class _Ui:
    """Line-by-line output on stderr; plain (no colour, no boxes) or lightly styled."""

    def __init__(self, console: "Console", plain: bool) -> None:
        self.console = console
        self.plain = plain
        stdin = sys.stdin
        self.interactive = stdin is not None and stdin.isatty()
        self.width = _terminal_width(console.file)
        self.height = _terminal_height(console.file) if self.width is not None else None
        self.page = 0  # the review list's page
        from parole_screen import Texts

        self.texts = Texts()  # the interview's language (English until it is known)
        if stdin is not None and not self.interactive and hasattr(stdin, "reconfigure"):
            stdin.reconfigure(errors="replace")  # a bad byte is a bad answer, not a crash

    def say(self, text: str = "", style: str = "", *, wrap: bool = True,
            indent: int | None = None) -> None:
        """One message. Everything the interview shows passes here or through :meth:`cell`:
        pack text (questions, choices), answers (from a file, a session or typed) and paths,
        so a control character or ESC sequence in any of them is shown escaped, never acted
        on. On a terminal it is wrapped at word boundaries (never mid-word) to the
        terminal's width, with a hanging indent under a list item ("  1. ", "  - "); into a
        pipe or file it stays one line, so a log reads like a transcript."""
        from rich.text import Text

        text = safe(text)
        width = self.width if wrap else None
        if width is None or len(text) < width:
            lines = [text]
        else:
            import textwrap

            if indent is None:
                marker = _LIST_ITEM.match(text)
                indent = len(marker.group(0)) if marker else 0
            lines = textwrap.wrap(text, width=width - 1, subsequent_indent=" " * indent,
                                  break_long_words=False, break_on_hyphens=False) or [""]
        for line in lines:
            self.console.print(Text(line, style="" if self.plain else style), soft_wrap=True)

    @staticmethod
    def cell(text: str) -> "Text":
        """A table cell, made safe as :meth:`say` makes a line."""
        from rich.text import Text

        return Text(safe(text))

    def newline(self) -> None:
        self.console.print()

    def notice(self, text: str) -> None:
        self.say(text, "yellow")

    def info(self, text: str) -> None:
        for line in text.splitlines():
            self.say(line, "cyan")

    def error(self, text: str) -> None:
        self.say(text, "bold red")

    def banner(self, pack: "RulePack", state: "Interview", path: Path, *, resumed: bool) -> None:
        """At most four short lines before the first question, and no file path (``save``
        and ``quit`` say where the answers are)."""
        tr = self.texts
        self.say(tr("ui.banner.title", pack=pack.meta.id, version=pack.meta.version), "bold")
        self.say(tr("ui.banner.what"))
        if resumed:
            count = len(state.answers)
            self.say(tr.plural("ui.banner.continuing", count))
        else:
            self.say(tr("ui.banner.person"))
        self.say(tr("ui.banner.commands"), "dim")

    def question(self, state: "Interview", question: "Question") -> None:
        from parole_screen import answer_hint, choice_number

        self.newline()
        self.say(state.progress().text(self.texts), "dim")
        self.say(question.text, "bold")
        for number, choice in enumerate(question.choices, 1):
            self.say(f"  {number}. {choice.label}")
        self.say(answer_hint(question, required=question.required, texts=self.texts), "dim")
        default = state.default_text(question)
        if default is not None:
            value = state.value_of(question.id)
            numbers = choice_number(question, value) if question.choices else ""
            shown = f"{numbers}. {default}" if question.type == "choice" else (
                f"{numbers} ({default})" if numbers else default)
            self.say(self.texts("ui.keep", shown=shown), "green")

    def _settled_texts(self, state: "Interview", flag_ids: "tuple[str, ...]") -> None:
        from parole_screen import pack_in

        texts = {entry.flag.id: entry.flag.text
                 for entry in pack_in(state.pack, self.texts.lang).flags}
        self.newline()
        self.say(self.texts("ui.settled.head"), "bold")
        for flag_id in flag_ids:
            self.say(f"  - {texts[flag_id]}", "yellow", indent=4)

    def offer(self, state: "Interview") -> None:
        """The outcome is settled: the report now, or the remaining questions."""
        self._settled_texts(state, state.offering)
        tr = self.texts
        self.say(tr("ui.offer.body"))
        left = state.remaining()
        self.say(tr("ui.offer.now"))
        self.say(tr("ui.offer.remaining_count", count=left) if left
                 else tr("ui.offer.remaining"))
        self.say(tr("ui.offer.type"), "dim")

    def settled(self, state: "Interview", flag_ids: "tuple[str, ...]") -> None:
        """Tell piped input that the outcome is settled; the questions go on."""
        self._settled_texts(state, flag_ids)
        self.say(self.texts("ui.settled.goes_on"))

    def review(self, state: "Interview") -> None:
        items = state.review_items()
        self.newline()
        tr = self.texts
        self.say(tr("ui.review.title_final") if state.final_review else tr("ui.review.title"),
                 "bold")
        pages = self._review_pages(items)
        self.page %= len(pages)
        shown = pages[self.page]
        if self._review_as_list():
            for item in shown:
                self.say(f"{item.number}. {item.question.text}")
                self.say(f"   {item.shown}")
        else:
            from rich import box
            from rich.table import Table
            # One row per answer on a terminal (a long question ends in "..."), so a page
            # is as tall as counted.
            one_row = self.width is not None
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, width=self.width)
            table.add_column("#", justify="right", no_wrap=True)
            table.add_column(tr("ui.review.question"), no_wrap=one_row, overflow="ellipsis")
            table.add_column(tr("ui.review.answer"), style="green", no_wrap=one_row,
                             overflow="ellipsis",
                             max_width=max(12, (self.width or 80) // 3))
            for item in shown:
                table.add_row(str(item.number), self.cell(item.question.text),
                              self.cell(item.shown))
            self.console.print(table)
        if not items:
            self.say(tr("ui.review.none"))
        if len(pages) > 1:
            self.say(tr("ui.review.more", first=shown[0].number, last=shown[-1].number,
                        count=len(items)), "dim")
        self.say(tr("ui.review.footer_report") if state.final_review
                 else tr("ui.review.footer_questions"), "dim")

    def _review_as_list(self) -> bool:
        """The review as a numbered list (plain, or too narrow for a table), not a table:
        decided in one place for the drawing and the paging."""
        return self.plain or self.console.width < REVIEW_TABLE_COLUMNS

    def _review_pages(self, items: list[Any]) -> list[list[Any]]:
        """The review list cut into pages that fit the terminal's height with the title,
        the footer and the prompt (40 rows hold about 30 answers); one page off a
        terminal."""
        if self.height is None or self.width is None or not items:
            return [items]
        import textwrap

        budget = max(self.height - 7, 3) - (0 if self.plain else 2)  # 2: the table's head
        pages: list[list[Any]] = [[]]
        used = 0
        for item in items:
            rows = 1
            if self._review_as_list():
                rows = (len(textwrap.wrap(f"{item.number}. {item.question.text}",
                                          self.width - 1) or [""])
                        + len(textwrap.wrap(f"   {item.shown}", self.width - 1) or [""]))
            if used + rows > budget and pages[-1]:
                pages.append([])
                used = 0
            pages[-1].append(item)
            used += rows
        return pages

    def read(self) -> str | None:
        """One line from the user; None at end of input (Ctrl-D or the end of a pipe)."""
        self.console.print("> ", end="")
        self.console.file.flush()
        if self.interactive:
            try:
                return input()
            except EOFError:
                self.newline()
                return None
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            self.newline()
            return None
        line = line.rstrip("\r\n")
        self.say(line)  # echo, so the log reads like a transcript
        return line

    def paused(self, store: "_Store", what: str, *, stopping: bool = True) -> None:
        self.say(self.texts("ui.saved_in", what=what, path=one_line(str(store.path))), "bold")
        if stopping:
            self.say(self.texts("ui.continue_later"))
            self.say(f"  {store.options.resume_command()}", "bold", wrap=False)
