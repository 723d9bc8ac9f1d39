"""Benchmark the engine's batch entry point: ``score_chunk`` with full and compact rows.

    python benchmarks/engine.py                 # 100,000 records, best of five
    python benchmarks/engine.py --records 20000 --repeats 3

The same generated records (``records.py``: a pool of distinct records from the pack's own
questions, cycled with fresh ids) are scored in chunks as ``parole-screen batch`` scores
them, once with ``detail="full"`` (``parole-screen/result@1`` results) and once with
``detail="compact"`` (``parole-screen/row@1`` rows), the two interleaved round after round;
the best round of each is reported (this machine's speed drifts from minute to minute).

Three figures per detail: records/s of scoring alone (``score_chunk`` and joining each
chunk's rows into the bytes a writer needs), and records/s with the rows also written to a
file, their pieces gathered by ``os.writev`` (as the batch writes today) or joined first
and written at once. Each is measured in wall time and in CPU time
(other work on a shared machine slows the first, hardly the second). Rows are bytes a
record, without the newline. The garbage collector is tuned as the batch tunes it (rare
collections, the pack frozen).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from parole_screen import load_pack
from parole_screen.engine import DETAILS, Detail, compiled_pack, score_chunk
from parole_screen.pack import RulePack
from records import RecordGenerator

REPO = Path(__file__).resolve().parent.parent
POOL = 2_000  # distinct records, cycled
IOV_MAX = 1024


def make_records(pack: RulePack, count: int) -> list[dict[str, Any]]:
    pool = [record["answers"] for record in RecordGenerator(pack, seed=4).records(POOL)]
    return [{"id": f"R{number:07d}", "answers": pool[number % POOL]} for number in range(count)]


MODES = ("scoring", "writev", "write")


def score_all(pack: RulePack, records: list[dict[str, Any]], as_of: dt.date, chunk: int,
              detail: Detail, mode: str, fd: int) -> int:
    """Score every record, chunk by chunk, and make (``scoring``) or write the rows: their
    pieces gathered by ``writev`` or joined first. Return the bytes of the rows."""
    size = 0
    for first in range(0, len(records), chunk):
        scored = score_chunk(pack, records[first:first + chunk], as_of, detail=detail).scored
        assert scored is not None
        if mode == "writev":
            pieces = scored.jsonl_pieces()
            for start in range(0, len(pieces), IOV_MAX):
                os.writev(fd, pieces[start:start + IOV_MAX])
            size += sum(map(len, pieces))
        else:
            rows = scored.jsonl()
            if mode == "write":
                os.write(fd, rows)
            size += len(rows)
    return size


def parse_options(description: str, records: int) -> argparse.Namespace:
    """The options every engine benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--records", type=int, default=records)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=2048, help="records per chunk (batch's)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    return parser.parse_args()


def prepared(count: int) -> tuple[RulePack, list[dict[str, Any]]]:
    """The shipped pack, compiled for every detail before timing (as the batch does before
    it forks), and ``count`` generated records."""
    pack = load_pack(REPO / "rules")
    records = make_records(pack, count)
    for detail in DETAILS:
        compiled_pack(pack, detail)
    return pack, records


def main() -> None:
    args = parse_options(__doc__.split("\n")[0], 100_000)
    pack, records = prepared(args.records)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    wall: dict[tuple[Detail, str], float] = {}
    cpu: dict[tuple[Detail, str], float] = {}
    sizes: dict[Detail, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        fd = os.open(Path(folder) / "rows.jsonl", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for _ in range(args.repeats):
                for detail in DETAILS:
                    for mode in MODES:
                        os.ftruncate(fd, 0)
                        os.lseek(fd, 0, os.SEEK_SET)
                        start, start_cpu = time.perf_counter(), time.process_time()
                        sizes[detail] = score_all(pack, records, args.as_of, args.chunk,
                                                  detail, mode, fd)
                        took = time.perf_counter() - start
                        took_cpu = time.process_time() - start_cpu
                        wall[detail, mode] = min(wall.get((detail, mode), took), took)
                        cpu[detail, mode] = min(cpu.get((detail, mode), took_cpu), took_cpu)
        finally:
            os.close(fd)

    count = len(records)
    print(f"{count:,} records ({POOL:,} distinct), chunks of {args.chunk:,}, as of "
          f"{args.as_of}, best of {args.repeats}; records/s in wall time (CPU time):\n")
    print(f"{'':<13}" + "".join(f"{mode:>19}" for mode in MODES) + f"{'bytes/row':>11}")
    for detail in DETAILS:
        print(f"{detail:<13}" + "".join(
            f"{count / wall[detail, mode]:>10,.0f} ({count / cpu[detail, mode]:>6,.0f})"
            for mode in MODES) + f"{sizes[detail] / count - 1:>11,.0f}")  # less the newline
    print(f"{'compact/full':<13}" + "".join(
        f"{wall['full', mode] / wall['compact', mode]:>9.2f}x "
        f"({cpu['full', mode] / cpu['compact', mode]:>5.2f}x)" for mode in MODES)
        + f"{sizes['compact'] / sizes['full']:>10.2f}x")


if __name__ == "__main__":
    main()
