"""The ``batch`` command: many records in, one row per record out, a summary on stderr.

Only typer is imported at module level (``parole-screen --version`` stays fast); the
library and rich load when the command runs. The work itself lives in the library
(``parole_screen.run_batch``); this module owns the terminal and the process: options,
signals, the garbage collector, progress bar, summary, exit code.
"""

import contextlib
import gc
import signal
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    EXIT_ERROR,
    EXIT_REJECTED,
    LangOption,
    State,
    choice_of,
    chosen_lang,
    fail,
    handled,
    load_pack_for,
    make_console,
    one_line,
    parse_as_of,
)

if TYPE_CHECKING:
    from parole_screen import BatchStats, RulePack

#: One result allocates several hundred containers before it is freed, so the default
#: threshold (700) runs a collection for nearly every record: a quarter of the scoring time.
_GC_THRESHOLD = 50_000


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    json = "json"


class Detail(StrEnum):
    compact = "compact"
    full = "full"


class InputFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"


def _jobs(value: str | int) -> int:
    """``--jobs`` as a number of workers: checked here, as Typer's own check words its
    errors through pydantic ("Input should be a valid integer, unable to parse string as
    an integer")."""
    if isinstance(value, int):  # the default
        return value
    try:
        jobs = int(value)
    except ValueError:
        raise typer.BadParameter(f"'{one_line(value, 100)}' is not a whole number") from None
    if jobs < 0:
        raise typer.BadParameter(f"{jobs} is below 0: give 0 (one per core) or a number of workers")
    return jobs


def batch(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(
        metavar="INPUT...",
        help="JSONL/NDJSON files, JSON files (an array of records, or one record), folders "
             "of .json files (one record each), or - for stdin.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="FILE",
        help="Write rows here (mode 0600, put in place only when the batch finishes); "
             "default or -: stdout.")] = None,
    fmt: Annotated[OutputFormat | None, typer.Option(
        "--format", "-f", metavar="FORMAT", parser=choice_of(OutputFormat),
        help="jsonl: one row per line; csv: id, source, line, status, top_category, the band "
             "of each category, flags, missing, error_kind, error; json: an array. Default: "
             "from --out's extension, else jsonl.")] = None,
    detail: Annotated[Detail, typer.Option(
        "--detail", metavar="DETAIL", parser=choice_of(Detail),
        help="compact: rows name the pack's fixed texts and sources by id (expand them with "
             "`parole-screen rules catalog`); full: each row is the whole result, as "
             "`score -f json` prints it.")] = Detail.compact,
    input_format: Annotated[InputFormat | None, typer.Option(
        "--input-format", metavar="FORMAT", parser=choice_of(InputFormat),
        help="How to read every INPUT: json or jsonl (default: from the extension; stdin "
             "and unknown extensions are sniffed: '[' starts a JSON array, an object whose "
             "first line does not close is one pretty-printed record, anything else is "
             "JSONL).")
    ] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", metavar="N", parser=_jobs,
        help="Worker processes; 0 = one per core. Output is identical for every value (with "
             "more than one, leave the input files in place until the batch ends).")] = 1,
    fail_fast: Annotated[bool, typer.Option(
        "--fail-fast",
        help="Stop at the first rejected record (its error row is written) and exit 1.")
    ] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE", help="Screen everyone as of this date, YYYY-MM-DD "
                                        "(default: today).")] = None,
    compare_rules: Annotated[Path | None, typer.Option(
        "--compare-rules", "--changed-since", metavar="OLD_DIR",
        help="Score every record with the rule pack in OLD_DIR too, and write a row only for "
             "records whose top category, bands, flags or completeness differ.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
    lang: LangOption = None,
) -> None:
    """Score many answers records: one output row per record, in input order.

    Bad records become error rows (naming file, line, id and field) and the rest are still
    scored. Exit 0: every record scored; 3: finished, some records rejected (their error
    rows are in the output); 1: the batch could not run or went wrong (bad pack, unreadable
    input, output exists, a failed write), or --fail-fast ended it at the first rejected
    record; 2: a usage error; 130: interrupted (Ctrl-C, SIGTERM, SIGHUP).
    """
    day = parse_as_of(as_of)
    if inputs.count("-") > 1:
        raise typer.BadParameter("stdin (-) can be read only once", param_hint="INPUT")
    if out is not None and str(out) == "-":
        out = None
    with handled(ctx) as current, _stopped_like_ctrl_c("SIGTERM", "SIGHUP"):
        from parole_screen import (
            BatchOptions,
            load_pack,
            output_file,
            output_format_for,
            pack_in,
            resolve_inputs,
            run_batch,
        )

        # Rows' texts in the language; ids, keys and values never change with it.
        pack = pack_in(load_pack_for(ctx), chosen_lang(lang, machine=True))
        baseline = load_pack(compare_rules) if compare_rules is not None else None
        sources = resolve_inputs(inputs, input_format.value if input_format else None,
                                 stdin=sys.stdin.buffer)
        options = BatchOptions(as_of=day, fail_fast=fail_fast, detail=detail.value,
                               output_format=output_format_for(fmt.value if fmt else None, out))
        total = None if any(source.size is None for source in sources) else sum(
            source.size or 0 for source in sources)
        show_bar = (not quiet and not current.plain and sys.stderr.isatty()
                    and (out is not None or not sys.stdout.isatty()))
        # On stdout, a reader gone (`| head`) ends the batch quietly (see handled()).
        sink = (output_file(out, sources, force=force) if out is not None
                else contextlib.nullcontext(sys.stdout.buffer))
        with sink as rows, _progress_bar(current, show_bar, total) as on_chunk, _tuned_gc():
            stats = run_batch(pack, sources, rows, options, jobs=jobs, baseline=baseline,
                              on_chunk=on_chunk)
        if not quiet:
            _summary(current, stats, pack, baseline, day.isoformat(), out)
    if stats.stopped_early:
        # Not 3: the rows after the rejected record are missing, and a script must be able
        # to tell (3 promises every row is there). The line is the error: kept under -q.
        raise fail("the batch ended early at the first rejected record (--fail-fast), whose "
                   f"error row is the last row written: {stats.stopped_by}", EXIT_ERROR)
    if stats.rejected:
        raise typer.Exit(EXIT_REJECTED)


@contextlib.contextmanager
def _stopped_like_ctrl_c(*names: str) -> Iterator[None]:
    """While the batch runs, the signals ``names`` (those the system has) stop it as Ctrl-C
    does: the workers are stopped and a half-written ``-o`` file is removed (the default
    action, ending the process at once, left a hidden temporary file of rows, answers in
    them, beside the output)."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    found = [getattr(signal, name) for name in names if hasattr(signal, name)]
    before = {number: signal.signal(number, interrupt) for number in found}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _tuned_gc() -> Iterator[None]:
    """This process is the batch's own: collect rarely, and freeze what is loaded (the
    pack) out of the collector's sight; put back afterwards. (Workers tune their own.)"""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


@contextlib.contextmanager
def _progress_bar(current: State, show: bool, total: int | None) -> Iterator[Any]:
    """A rich progress bar on stderr, only when asked for; yields the per-chunk callback."""
    if not show:
        yield None
        return
    from rich.progress import (
        BarColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    columns: list[Any] = [TextColumn("scoring"), BarColumn(), TaskProgressColumn(),
                          TextColumn("{task.fields[records]:,} records"), TimeElapsedColumn()]
    if total:
        columns.append(TimeRemainingColumn())
    with Bar(*columns, console=make_console(current, stderr=True), transient=True) as bar:
        task = bar.add_task("scoring", total=total or None, records=0)

        def on_chunk(stats: "BatchStats") -> None:
            bar.update(task, completed=stats.bytes_read, records=stats.records)

        yield on_chunk


def _summary(current: State, stats: "BatchStats", pack: "RulePack", baseline: "RulePack | None",
             day: str, out: Path | None) -> None:
    from rich.text import Text

    console = make_console(current, stderr=True)
    # The headline names the packs (and --compare-rules' folder); counts are keyed by ids
    # from the packs: all of it is shown escaped, one line each.
    console.print(Text(one_line(stats.headline(pack, day, baseline)), style="bold"),
                  soft_wrap=True)
    lines = stats.summary(pack, baseline)
    width = max(len(label) for label, _ in lines) + 1
    for label, counts in lines:
        line = Text(f"  {label + ':':<{width}} ", style="bold")
        line.append(one_line(", ".join(f"{key} {count:,}" for key, count in counts.items()))
                    or "none")
        console.print(line, soft_wrap=True)
    if out is not None:
        console.print(Text(f"rows written to {one_line(str(out))}"), soft_wrap=True)
