"""Benchmark the engine's batch entry point: ``score_chunk`` with full and compact rows.

    python benchmarks/engine.py                 # 100,000 records, best of five
    python benchmarks/engine.py --records 20000 --repeats 3

The same generated records (``records.py``: a pool of distinct records from the pack's own
questions, cycled with fresh ids) are scored in chunks as ``parole-screen batch`` scores
them, once with ``detail="full"`` (``parole-screen/result@1`` results) and once with
``detail="compact"`` (``parole-screen/row@1`` rows), the two interleaved round after round;
the best round of each is reported (this machine's speed drifts from minute to minute).

Two figures per detail: records/s of scoring alone (``score_chunk`` and joining each
chunk's rows into the bytes a writer needs), and records/s with the rows also written to a
file (``os.writev``, as the batch writes). Rows are bytes a record, without the newline.
The garbage collector is tuned as the batch tunes it (rare collections, the pack frozen).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
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


def score_all(pack: RulePack, records: list[dict[str, Any]], as_of: dt.date, chunk: int,
              detail: Detail, write: Callable[[list[bytes]], None] | None) -> int:
    """Score every record, chunk by chunk; return the bytes of the rows."""
    size = 0
    for first in range(0, len(records), chunk):
        scored = score_chunk(pack, records[first:first + chunk], as_of, detail=detail).scored
        assert scored is not None
        if write is None:
            size += len(scored.jsonl())
        else:
            pieces = scored.jsonl_pieces()
            write(pieces)
            size += sum(map(len, pieces))
    return size


def file_writer(fd: int) -> Callable[[list[bytes]], None]:
    def write(pieces: list[bytes]) -> None:
        for first in range(0, len(pieces), IOV_MAX):
            os.writev(fd, pieces[first:first + IOV_MAX])
    return write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=2048, help="records per chunk (batch's)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    args = parser.parse_args()

    pack = load_pack(REPO / "rules")
    records = make_records(pack, args.records)
    for detail in DETAILS:  # compiled before timing, as the batch does before it forks
        compiled_pack(pack, detail)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    best: dict[tuple[Detail, bool], float] = {}
    sizes: dict[Detail, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        fd = os.open(Path(folder) / "rows.jsonl", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for _ in range(args.repeats):
                for detail in DETAILS:
                    for to_file in (False, True):
                        if to_file:
                            os.ftruncate(fd, 0)
                            os.lseek(fd, 0, os.SEEK_SET)
                        start = time.perf_counter()
                        size = score_all(pack, records, args.as_of, args.chunk, detail,
                                         file_writer(fd) if to_file else None)
                        took = time.perf_counter() - start
                        best[detail, to_file] = min(best.get((detail, to_file), took), took)
                        sizes[detail] = size
        finally:
            os.close(fd)

    count = len(records)
    print(f"{count:,} records ({POOL:,} distinct), chunks of {args.chunk:,}, as of "
          f"{args.as_of}, best of {args.repeats}\n")
    print(f"{'detail':<9}{'records/s':>12}{'to a file':>12}{'bytes/row':>12}")
    for detail in DETAILS:
        print(f"{detail:<9}{count / best[detail, False]:>12,.0f}"
              f"{count / best[detail, True]:>12,.0f}"
              f"{sizes[detail] / count - 1:>12,.0f}")  # less the newline
    print(f"{'compact/full':<13}{best['full', False] / best['compact', False]:>7.2f}x"
          f"{best['full', True] / best['compact', True]:>11.2f}x"
          f"{sizes['compact'] / sizes['full']:>11.2f}x")


if __name__ == "__main__":
    main()
