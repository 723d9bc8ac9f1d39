"""Benchmark `parole-screen batch` and the CLI's cold start, through the real CLI.

    python benchmarks/batch.py          # 100,000 records for speed, 1,000,000 for memory
    python benchmarks/batch.py --quick  # 10,000 and 100,000: a quick look
    python benchmarks/batch.py --against /tmp/main/.venv/bin/parole-screen  # before/after

What it measures (issue 15 targets in brackets):

* records/s, JSONL in, for each kind of row: full rows (``--detail full``, result@1)
  [no slower than before: compare with ``--against``], compact rows (the default, row@1)
  [>= 1.8x full rows] and CSV [>= compact rows], with ``--jobs 1``, and full and compact rows
  with ``--jobs 2`` [>= 1.6x one job]; best of five interleaved runs each (this VM's speed
  drifts by 10-30% from minute to minute, so fewer runs often catch no quiet spell for one
  kind; the median is printed too). Each kind is measured twice with ``--jobs 1``: rows
  thrown away (stdout to /dev/null: the engine alone) and rows written to a file with
  ``--out`` (how staff run a batch: 100,000 full rows are some 2.8 GB, compact ones 0.4 GB);
* bytes per row, full and compact;
* peak RSS of ``batch --jobs 1`` (compact rows) on 1,000,000 records, 1 in 1,000 of them
  rejected [<= 150 MB];
* cold start of ``parole-screen --version`` [<= the import floor] and ``score FILE``
  [<= 1.5x the floor], the floor being ``python -c "import typer, rich, pydantic, yaml"``.

Records come from the pack's own question catalogue (``records.py``): a pool of distinct
records is generated (and its rule/flag/choice coverage printed), then cycled with fresh ids
to the size wanted. Each CLI run is a subprocess; wall time is what the table reports, CPU
time is printed beside it because other work on the machine slows wall time, not CPU time.
Cold-start commands run interleaved, round after round, and the median is reported.
The console script next to this Python is used, not a shim such as pyenv's. With
``--against SCRIPT`` (another checkout's console script, in its own virtual environment)
every full-row speed run and the memory run are made with both, interleaved, so that both see
the same spells of a noisy machine; the table then has a row for each (a checkout from before
compact rows is given no ``--detail``: its rows were full).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import parole_screen
from parole_screen.engine import screen_record
from parole_screen.loader import load_pack, resolve_pack_path
from records import RecordGenerator, measure_coverage


def cli() -> list[str]:
    script = Path(sys.executable).parent / "parole-screen"
    if script.is_file():
        return [str(script)]
    found = shutil.which("parole-screen")
    return [found] if found else [sys.executable, "-m", "parole_screen"]


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            text = Path(f"/proc/{current}/task/{current}/children").read_text()
        except OSError:
            continue
        todo += [int(child) for child in text.split()]
    return found


def run(command: Sequence[str]) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS KiB of the largest process, peak RSS KiB of all of them).

    CPU includes the worker processes. Peak RSS is sampled from /proc (VmHWM per process,
    VmRSS summed over the tree) every 50 ms: ``wait4``'s ru_maxrss would also count this
    benchmark's own memory, which the child shares between fork and exec.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, int] = {}
    total = 0
    while True:
        pids = _tree(process.pid)
        for pid in pids:
            peaks[pid] = max(peaks.get(pid, 0), _status_kib(pid, "VmHWM"))
        total = max(total, sum(_status_kib(pid, "VmRSS") for pid in pids))
        finished, status, usage = os.wait4(process.pid, os.WNOHANG)
        if finished:
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    assert process.stderr is not None
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    if code not in (0, 3):
        sys.exit(f"command failed ({code}): {' '.join(command)}\n{error}")
    if not peaks or max(peaks.values()) == 0:  # no /proc: fall back to what wait4 says
        peaks[process.pid] = usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, max(peaks.values()), max(total, 1)


#: Rejected records for the memory run, one of each kind in turn: an unknown question, a
#: wrong type, broken JSON, not an object. A rejected record once kept its chunk alive.
BAD_RECORDS = ('{{"id":"R{n:07d}","answers":{{"no_such_question":1}}}}',
               '{{"id":"R{n:07d}","answers":{{"stay_months":"many"}}}}',
               '{{"id":"R{n:07d}","answers":{{',
               '"R{n:07d}"')


def write_input(path: Path, pool: list[str], count: int, bad_every: int = 0) -> None:
    """``count`` JSONL records cycling the pool, each with its own id; with ``bad_every``,
    every such record is a rejected one instead."""
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            if bad_every and number % bad_every == bad_every - 1:
                bad = BAD_RECORDS[number // bad_every % len(BAD_RECORDS)]
                out.write(bad.format(n=number) + "\n")
            else:
                out.write(f'{{"id":"R{number:07d}","answers":{pool[number % len(pool)]}}}\n')


#: Where a speed run's rows go: thrown away, or written to a file with --out.
NULL, FILE = "null", "file"
SINKS = {NULL: "to /dev/null", FILE: "to a file"}

#: One record in this many is rejected in the memory run.
BAD_EVERY = 1000


def cold_start(base: list[str], score_file: Path, rounds: int) -> dict[str, float]:
    commands = {
        "floor": [sys.executable, "-c", "import typer, rich, pydantic, yaml"],
        "version": [*cli(), "--version"],
        "score": [*base, "score", str(score_file)],
    }
    for command in commands.values():  # warm the OS cache and the pack's parse cache
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 records for speed, 100,000 for memory, 11 rounds")
    parser.add_argument("--records", type=int, help="records for the speed runs")
    parser.add_argument("--rss-records", type=int, help="records for the memory run")
    parser.add_argument("--rounds", type=int, help="cold-start rounds (median)")
    parser.add_argument("--repeats", type=int,
                        help="speed runs per job count, interleaved (default 5; 1 with --quick)")
    parser.add_argument("--pool", type=int, default=20_000, help="distinct records generated")
    parser.add_argument("--rules", help="rule pack directory (default: the shipped pack)")
    parser.add_argument("--workdir", help="where to write inputs (default: a temp folder)")
    parser.add_argument("--against", metavar="SCRIPT",
                        help="another parole-screen console script to measure alongside")
    parser.add_argument("--records-from", metavar="DIR",
                        help="generate the records from this rule pack's questions (e.g. the "
                             "--against checkout's pack, so that it rejects none of them)")
    args = parser.parse_args(argv)
    records = args.records or (10_000 if args.quick else 100_000)
    rss_records = args.rss_records or (100_000 if args.quick else 1_000_000)
    rounds = args.rounds or (11 if args.quick else 21)
    repeats = args.repeats or (1 if args.quick else 5)

    compileall.compile_dir(str(Path(parole_screen.__file__).parent), quiet=1)  # as pip does
    pack_dir = resolve_pack_path(args.rules)
    pack = load_pack(pack_dir)
    as_of = pack.meta.as_of
    base = [*cli(), "--rules", str(pack_dir)]
    clis = {"this": base}
    if args.against:
        # The other checkout scores with the pack it ships (same results, perhaps another
        # pack format), unless --rules names one.
        clis["against"] = [args.against, *(["--rules", args.rules] if args.rules else [])]

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.2f} at start")
    print(f"pack: {pack.meta.id} {pack.meta.version} ({pack.content_hash}): "
          f"{len(pack.questions)} questions, {len(pack.flags)} flags, {len(pack.items)} items, "
          f"{len(pack.fees)} fees, {len(pack.sources)} sources")
    started = time.perf_counter()
    source_pack = load_pack(Path(args.records_from)) if args.records_from else pack
    generator = RecordGenerator(source_pack, as_of=as_of)
    pool_records = list(generator.records(min(args.pool, records)))
    pool = [json.dumps(record["answers"], separators=(",", ":")) for record in pool_records]
    sample = pool_records[:2000]
    coverage = measure_coverage(pack, sample, as_of)
    sizes = [len(json.dumps(screen_record(pack, record, as_of))) for record in sample[:500]]
    print(f"records: a pool of {len(pool):,} generated in {time.perf_counter() - started:.1f} s; "
          f"the first {len(sample):,} exercise " + ", ".join(
              f"{coverage.percent(kind):.0f}% of {kind}"
              for kind in ("rules", "flags", "questions", "choices")))
    for kind in ("rules", "flags"):
        if coverage.uncovered(kind):
            missing = ", ".join(coverage.uncovered(kind))
            print(f"  {kind} never true here (dated or rare): {missing}")
    print(f"results: {statistics.mean(sizes) / 1024:.1f} KiB of JSON per record on average")

    temp = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ps-bench-"))
    temp.mkdir(parents=True, exist_ok=True)
    try:
        speed_input = temp / "speed.jsonl"
        write_input(speed_input, pool, records)
        warm_input = temp / "warm.jsonl"
        write_input(warm_input, pool, min(records, 1000))
        score_file = temp / "one.json"
        score_file.write_text(json.dumps(pool_records[0]))
        batches = {name: [*command, "batch", "--as-of", as_of.isoformat(), "--quiet"]
                   for name, command in clis.items()}

        # (checkout, kind of row, jobs, where rows go) -> records/s of each run
        kinds = {"full": ["--detail", "full"], "compact": ["--detail", "compact"],
                 "csv": ["--format", "csv"]}
        plan = [("this", kind, jobs, NULL) for kind in kinds for jobs in (1, 2)
                if not (kind == "csv" and jobs == 2)]
        plan += [("this", kind, 1, FILE) for kind in kinds]
        if args.against:
            plan += [("against", "full", 1, NULL), ("against", "full", 2, NULL)]
        written = temp / "rows.out"

        # A checkout from before compact rows has no --detail: its rows were full.
        knows_detail = {name: "--detail" in subprocess.run(
            [*batches[name], "--help"], capture_output=True, text=True, check=False).stdout
            for name in batches}

        def command(name: str, kind: str, jobs: int, sink: str, source: Path) -> list[str]:
            row_args = kinds[kind] if name == "this" or knows_detail[name] else []
            if sink == FILE:  # --format too: a file named rows.out says nothing of it
                row_args = [*row_args, "--out", str(written), "--force",
                            *([] if kind == "csv" else ["--format", "jsonl"])]
            return [*batches[name], *row_args, str(source), "--jobs", str(jobs)]

        speed: dict[tuple[str, str, int, str], list[float]] = {key: [] for key in plan}
        for key in plan:
            run(command(*key, warm_input))  # warm caches
        for _ in range(repeats):  # interleaved: a slow spell on the VM hits all alike
            for key in plan:
                wall, cpu, peak, total = run(command(*key, speed_input))
                written.unlink(missing_ok=True)  # a full-row file is gigabytes
                speed[key].append(records / wall)
                name, kind, jobs, sink = key
                print(f"{name}: batch {kind} --jobs {jobs} {SINKS[sink]}: {records:,} records "
                      f"in {wall:.1f} s wall ({records / wall:,.0f}/s), {cpu:.1f} s CPU (main "
                      f"process and workers), peak RSS {peak / 1024:.0f} MB (largest process), "
                      f"{total / 1024:.0f} MB (all processes)")
        row_bytes = {}
        for kind in ("full", "compact"):
            done = subprocess.run(command("this", kind, 1, NULL, warm_input), capture_output=True,
                                  check=True)
            row_bytes[kind] = len(done.stdout) / min(records, 1000)
        print("bytes per row: " + ", ".join(f"{kind} {size:,.0f}"
                                            for kind, size in row_bytes.items()))

        cold = cold_start(base, score_file, rounds)
        print(f"cold start, median of {rounds} interleaved rounds: " + ", ".join(
            f"{name} {seconds * 1000:.0f} ms" for name, seconds in cold.items()))

        rss_input = temp / "memory.jsonl"
        speed_input.unlink()
        write_input(rss_input, pool, rss_records, bad_every=BAD_EVERY)
        peak_kib = {}
        for name, batch in batches.items():
            wall, cpu, peak_kib[name], _ = run([*batch, str(rss_input), "--jobs", "1"])
            print(f"{name}: memory run: {rss_records:,} records (1 in {BAD_EVERY:,} rejected) "
                  f"in {wall:.1f} s wall, {cpu:.1f} s CPU ({rss_records / wall:,.0f} records/s), "
                  f"peak RSS {peak_kib[name] / 1024:.0f} MB")
    finally:
        if not args.workdir:
            shutil.rmtree(temp, ignore_errors=True)

    floor = cold["floor"]
    runs = f", best of {repeats}" if repeats > 1 else ""
    rows: list[tuple[str, str, str, bool | None]] = []
    best = {key: max(runs_) for key, runs_ in speed.items()}
    middle = {key: statistics.median(runs_) for key, runs_ in speed.items()}
    for sink in (NULL, FILE):
        full, compact = best["this", "full", 1, sink], best["this", "compact", 1, sink]
        csv = best["this", "csv", 1, sink]
        rows += [
            (f"records/s, full rows, --jobs 1, {SINKS[sink]}{runs}", f"{full:,.0f}",
             "no slower", None),
            (f"records/s, compact rows, --jobs 1, {SINKS[sink]}{runs}",
             f"{compact:,.0f} ({compact / full:.2f}x)", ">= 1.8x full", compact >= 1.8 * full),
            (f"records/s, CSV, --jobs 1, {SINKS[sink]}{runs}",
             f"{csv:,.0f} ({csv / compact:.2f}x)", ">= compact", csv >= compact),
        ]
    for kind in ("full", "compact"):
        two = best["this", kind, 2, NULL]
        one = best["this", kind, 1, NULL]
        rows.append((f"records/s, {kind} rows, --jobs 2, {SINKS[NULL]}{runs}",
                     f"{two:,.0f} ({two / one:.2f}x)", ">= 1.6x one job", two >= 1.6 * one))
    if args.against:
        for jobs in (1, 2):
            before, now = best["against", "full", jobs, NULL], best["this", "full", jobs, NULL]
            rows.append((f"against: records/s, full rows, --jobs {jobs}{runs}",
                         f"{before:,.0f} (this {now / before:.2f}x)", "this >= 1.0x",
                         now >= before))
    rows += [(f"records/s, median of the runs ({name}, {kind}, --jobs {jobs}, {SINKS[sink]})",
              f"{value:,.0f}", "-", None) for (name, kind, jobs, sink), value in middle.items()]
    rows.append(("bytes per row, full / compact",
                 f"{row_bytes['full']:,.0f} / {row_bytes['compact']:,.0f}", "a few KB compact",
                 row_bytes["compact"] <= 8192))
    for name in clis:
        who = f"{name}: " if len(clis) > 1 else ""
        rows.append((f"{who}peak RSS, {rss_records:,} records (some rejected), --jobs 1",
                     f"{peak_kib[name] / 1024:.0f} MB", "<= 150 MB",
                     peak_kib[name] / 1024 <= 150))
    rows += [
        ("import floor (typer, rich, pydantic, yaml)", f"{floor * 1000:.0f} ms", "-", None),
        ("parole-screen --version", f"{cold['version'] * 1000:.0f} ms "
         f"({cold['version'] / floor:.2f}x)", "<= 1.0x floor", cold["version"] <= floor),
        ("parole-screen score FILE", f"{cold['score'] * 1000:.0f} ms "
         f"({cold['score'] / floor:.2f}x)", "<= 1.5x floor", cold["score"] <= 1.5 * floor),
    ]
    width = max(len(row[0]) for row in rows)
    measured = max(len(row[1]) for row in rows)
    print()
    print(f"{'metric':<{width}}  {'measured':>{measured}}  {'target':<15}  ok")
    print(f"{'-' * width}  {'-' * measured}  {'-' * 15}  --")
    for name, value, target, ok in rows:
        mark = "" if ok is None else "yes" if ok else "NO"
        print(f"{name:<{width}}  {value:>{measured}}  {target:<15}  {mark}")
    print(f"\n{dt.datetime.now().isoformat(timespec='seconds')}, load average "
          f"{os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
