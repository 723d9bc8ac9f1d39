"""The ``parole-screen`` command line: a thin layer over the public Python API."""

import atexit
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .batch import batch
from .common import (
    EXIT_ERROR,
    NARROW_COLUMNS,
    AsOfOption,
    ForceOption,
    LangOption,
    ListFormat,
    ListFormatOption,
    PackDirArgument,
    ReportFormatOption,
    ReportOutOption,
    State,
    chosen_lang,
    emit_report,
    fail,
    handled,
    load_pack_for,
    make_console,
    one_line,
    parse_as_of,
    report_format,
    safe,
    state,
    tolerant_streams,
    wants_plain,
)
from .interview import interview

app = typer.Typer(
    name="parole-screen",
    help="Screen answers against U.S. immigration parole law (INA 212(d)(5)(A)). "
         "A screening, not legal advice.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
rules_app = typer.Typer(help="Check, test and inspect a rule pack.", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"parole-screen {version('parole-screen')}")
        except PackageNotFoundError:
            typer.echo("parole-screen (not installed)")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    rules: Annotated[str | None, typer.Option(
        "--rules", envvar="PAROLE_SCREEN_RULES", metavar="DIR",
        help="Rule pack directory (default: the pack shipped with the tool).")] = None,
    plain: Annotated[bool, typer.Option(
        "--plain", help="No colour and no box drawing (also when NO_COLOR is set).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Screen answers against U.S. immigration parole law. Not legal advice."""
    tolerant_streams()
    ctx.obj = State(rules=rules, debug=debug, plain=plain)


@app.command()
def score(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="Answers JSON file, or - for stdin.")],
    fmt: ReportFormatOption = None,
    explain: Annotated[bool, typer.Option("--explain", help="Include the full rule trace.")
                       ] = False,
    as_of: AsOfOption = None,
    out: ReportOutOption = None,
    force: ForceOption = False,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Add what would change the result: the unanswered questions and "
                          "missing documents that would lift each category's band.")] = False,
    sources: Annotated[bool, typer.Option(
        "--sources",
        help="In a terminal, list every source with its title and web address (a terminal "
             "shows the citations used and their count; files, Markdown, HTML and JSON have "
             "every source).")] = False,
    lang: LangOption = None,
) -> None:
    """Score one answers record and print the report."""
    day = parse_as_of(as_of)
    report = report_format(fmt.value if fmt else None, out)
    with handled(ctx):
        from parole_screen import (
            AnswerError,
            check_output_path,
            pack_in,
            read_json_record,
            screen_record,
        )

        if out is not None and file != "-":  # refused before anything is read or written
            check_output_path(out, force=force, inputs=[
                ("the answers file this report is made from", Path(file))])
        label = "<stdin>" if file == "-" else file
        pack = pack_in(load_pack_for(ctx), chosen_lang(lang, machine=report == "json"))
        record = read_json_record(file, stdin=sys.stdin.buffer)
        try:
            result = screen_record(pack, record, day, explain=explain, what_if=what_if)
        except AnswerError as error:
            raise error.located(source=label) from None
        emit_report(ctx, result, report, out, force, pack, all_sources=sources)


@app.command()
def questions(
    ctx: typer.Context,
    fmt: ListFormatOption = ListFormat.table,
    lang: LangOption = None,
) -> None:
    """List the interview's questions: id, type, choices and when each is asked."""
    with handled(ctx):
        from parole_screen import pack_in

        pack = pack_in(load_pack_for(ctx), chosen_lang(lang))
        shown = [entry.question for entry in pack.questions]
        if fmt is ListFormat.json:
            rows = [question.as_json() for question in shown]
            typer.echo(json.dumps(rows, indent=2, sort_keys=True, ensure_ascii=False))
            return
        lines: list[tuple[str, ...]] = []
        for number, question in enumerate(shown, 1):
            choices = " | ".join(choice.value for choice in question.choices)
            when = (json.dumps(question.asked_when, default=str) if question.asked_when
                    else "always")
            lines.append((str(number), question.id, question.type, choices, when, question.text))
        headers = ("#", "id", "type", "choices", "asked when", "question")
        if not sys.stdout.isatty():
            # Tab-separated, unwrapped: made for grep, cut and spreadsheets. A tab or a
            # newline in the pack's text is escaped, so one line stays one question.
            for line in (headers, *lines):
                typer.echo("\t".join(map(one_line, line)))
            return
        from rich import box
        from rich.table import Table

        current = state(ctx)
        console = make_console(current)
        if console.width < NARROW_COLUMNS:
            _question_blocks(console, lines)
            return
        table = Table(box=None if wants_plain(current) else box.SIMPLE, show_lines=False)
        for column in headers:
            table.add_column(column, overflow="fold")
        for line in lines:
            table.add_row(*map(safe, line))
        console.print(table)


def _question_blocks(console: Any, lines: list[tuple[str, ...]]) -> None:
    """The questions for a narrow terminal: six columns folded into it leave a character a
    line, so one question a block instead, wrapped at words."""
    for number, qid, kind, choices, when, text in lines:
        console.print(safe(f"{number}. {text}"), markup=False)
        for label, value in (("id", f"{qid} ({kind})"), ("choices", choices),
                             ("asked when", when)):
            if value:
                console.print(safe(f"   {label}: {value}"), markup=False)


@app.command()
def schema(ctx: typer.Context) -> None:
    """Print the JSON Schema of an answers record (the input contract)."""
    with handled(ctx):
        from parole_screen import answers_schema

        typer.echo(json.dumps(answers_schema(load_pack_for(ctx)), indent=2, ensure_ascii=False))


app.command()(interview)
app.command()(batch)


@rules_app.command("check")
def rules_check(
    ctx: typer.Context,
    directory: PackDirArgument = None,
) -> None:
    """Load and lint a rule pack; print every problem as file:line: message."""
    with handled(ctx):
        from parole_screen import PackError

        try:
            pack = load_pack_for(ctx, directory)
        except PackError as error:
            for problem in error.lines():
                typer.echo(problem, err=True)
            count = len(error.problems)
            typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        from parole_screen import LANGUAGE_NAMES, check_locales

        locales = check_locales(pack)
        for problem in locales.errors:
            typer.echo(one_line(problem, 400), err=True)
        if locales.errors:
            count = len(locales.errors)
            typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
            raise typer.Exit(EXIT_ERROR)
        rules = sum(1 + len(b.requires) + len(b.strengthens) + len(b.weakens) + len(b.blocks)
                    for cat in pack.categories for b in cat.bases)
        typer.echo(f"ok: {one_line(pack.meta.id)} {one_line(pack.meta.version)} "
                   f"(facts as of {pack.meta.as_of}): "
                   f"{len(pack.questions)} questions, {rules} rules, {len(pack.flags)} flags, "
                   f"{len(pack.facts)} facts, {len(pack.sources)} sources")
        for warning in locales.warnings:
            typer.echo(f"warning: {one_line(warning, 400)}", err=True)
        if locales.translated:
            typer.echo("translations: " + ", ".join(
                f"{lang} ({LANGUAGE_NAMES[lang]}) {count} messages"
                for lang, count in locales.translated.items()))


@rules_app.command("test")
def rules_test(
    ctx: typer.Context,
    directory: PackDirArgument = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="Report rules, flags, questions and choices no scenario exercises.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List passing cases too.")
                       ] = False,
) -> None:
    """Run the pack's scenario tests (DIR/tests/*.yaml); print pass/fail per case."""
    with handled(ctx):
        from parole_screen import SCENARIO_DIR, load_scenarios, run_scenarios
        from parole_screen import scenario_coverage as measure

        pack = load_pack_for(ctx, directory)
        cases = load_scenarios(pack.path / SCENARIO_DIR)
        if not cases:
            raise fail(f"no scenario tests found in {pack.path / SCENARIO_DIR}")
        outcomes = run_scenarios(pack, cases, explain=coverage)
        failed = [outcome for outcome in outcomes if not outcome.passed]
        for outcome in outcomes:
            # Scenario names and failures quote the pack's files: one line each, escaped.
            if outcome.passed and verbose:
                typer.echo(f"PASS {one_line(outcome.name)}")
            elif not outcome.passed:
                typer.echo(f"FAIL {one_line(outcome.name)} ({one_line(outcome.where)})")
                for failure in outcome.failures:
                    typer.echo(f"     {one_line(failure)}")
        typer.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
        short = False
        if coverage:
            report = measure(pack, outcomes)
            for kind in ("rules", "flags", "questions", "choices"):
                missing = report.uncovered(kind)
                typer.echo(one_line(f"coverage {kind}: {report.percent(kind):.1f}%"
                                    + (f" (not exercised: {', '.join(missing)})" if missing
                                       else "")))
            short = bool(report.uncovered("rules") or report.uncovered("flags"))
        if failed or short:
            raise typer.Exit(EXIT_ERROR)


@rules_app.command("facts")
def rules_facts(
    ctx: typer.Context,
    unverified: Annotated[bool, typer.Option(
        "--unverified",
        help="List every fact value and printed text marked unverified (confirm before filing).")
    ] = False,
    as_of: AsOfOption = None,
    fmt: ListFormatOption = ListFormat.table,
) -> None:
    """List every dated fact with its value in force, source and confidence."""
    day = parse_as_of(as_of)
    with handled(ctx):
        from parole_screen import fact_rows

        pack = load_pack_for(ctx)
        rows = fact_rows(pack, day, unverified=unverified)
        if fmt is ListFormat.json:
            typer.echo(json.dumps(rows, indent=2, sort_keys=True, ensure_ascii=False))
            return
        headers = ("id", "value", "from", "source", "confidence")
        lines = [(row["id"], row["shown"], row["effective_from"] or "-", row["source"] or "-",
                  row["confidence"] or "-") for row in rows]
        if not sys.stdout.isatty():
            # Tab-separated, unwrapped, as `questions` prints: for grep, cut and spreadsheets.
            for line in (headers, *lines):
                typer.echo("\t".join(safe(" ".join(str(cell).split())) for cell in line))
            return
        from rich import box
        from rich.table import Table

        current = state(ctx)
        table = Table(box=None if wants_plain(current) else box.SIMPLE,
                      title=None if unverified else f"Facts in force on {day}")
        for column in headers:
            table.add_column(column, overflow="fold")
        for line in lines:
            table.add_row(*(safe(str(cell)) for cell in line))
        make_console(current).print(table)


@rules_app.command("catalog")
def rules_catalog(
    ctx: typer.Context,
    directory: PackDirArgument = None,
    lang: LangOption = None,
) -> None:
    """Print the pack's text catalogue as JSON: the texts and sources compact rows name by
    id, so any row can be expanded later (in the language the rows were written in)."""
    with handled(ctx):
        from parole_screen import pack_in, text_catalog

        pack = pack_in(load_pack_for(ctx, directory), chosen_lang(lang, machine=True))
        typer.echo(json.dumps(text_catalog(pack), indent=2, sort_keys=True, ensure_ascii=False))


@rules_app.command("translate")
def rules_translate(
    ctx: typer.Context,
    lang: Annotated[str, typer.Argument(help="The language to translate into: es or ru.",
                                        metavar="LANG")],
    directory: PackDirArgument = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", metavar="PREFIX",
        help="Only message ids starting with PREFIX (e.g. flag. or question.); repeatable.")
    ] = None,
) -> None:
    """Print, as a locale file, every message LANG lacks or has stale: the English as a
    comment, its hash, and an empty text to write (see docs/rule-packs.md,
    "Translations")."""
    with handled(ctx):
        from parole_screen import LANGUAGES, translation_todo

        if lang not in LANGUAGES[1:]:
            raise typer.BadParameter(f"one of {', '.join(LANGUAGES[1:])}", param_hint="LANG")
        pack = load_pack_for(ctx, directory)
        typer.echo(translation_todo(pack, lang, tuple(only or ())), nl=False)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # outside any command, e.g. while Typer parses
        sys.exit(130)
    except SystemExit as leaving:
        exit_now(leaving)


def exit_now(leaving: SystemExit) -> NoReturn:
    """End the process with ``leaving``'s exit code, skipping the interpreter's teardown.

    Freeing every object of a finished command one by one (modules, the pack, its plan, a
    batch's caches) took 60 ms after ``--version`` and 150 ms after a one-record batch,
    for nothing: the system frees a process's memory at once. So, as mypy does, run the
    exit handlers, flush the standard streams, and leave. Anything out of the ordinary
    takes the ordinary way out instead: an exit code that is a message or out of range,
    another thread still running, a stream that cannot be flushed, or a profiler or
    debugger watching (it has work to do at exit). Code that runs the command line inside
    its own process calls ``app`` rather than this entry point.
    """
    code = 0 if leaving.code is None else leaving.code
    threading = sys.modules.get("threading")  # not imported: no other thread was started
    if (not isinstance(code, int) or not 0 <= code <= 255 or sys.getprofile() is not None
            or sys.gettrace() is not None
            or (threading is not None and threading.active_count() > 1)):
        raise leaving
    atexit._run_exitfuncs()  # what the teardown runs first (and only once): none is skipped
    try:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: let Python report it as usual
        raise leaving from None
    os._exit(code)
