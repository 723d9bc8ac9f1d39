"""Benchmark "what would change the result": ``score_chunk`` with and without ``what_if``.

    python benchmarks/what_would_change.py                 # 50,000 records, best of five
    python benchmarks/what_would_change.py --records 20000 --repeats 3

The records are those of ``benchmarks/engine.py`` (a pool of distinct records from the
pack's own questions, about 4% of answers left out, cycled with fresh ids), scored in
chunks as ``parole-screen batch`` scores them, with full and compact documents, each with
``what_if`` off and on, the four interleaved round after round; the best round of each is
reported (this machine's speed drifts from minute to minute), in wall time and in CPU time
(other work on a shared machine slows the first, hardly the second). Scoring alone: the
rows are made (joined as a writer needs them) but not written.

Also printed: how many variants a record needed (each unanswered question's answers and
each missing document, decided without documents), and how many records got a suggestion.
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from engine import POOL, parse_options, prepared
from parole_screen.engine import DETAILS, Detail, score_chunk
from parole_screen.engine import what_if as what_if_module
from parole_screen.pack import RulePack


def score_all(pack: RulePack, records: list[dict[str, Any]], as_of: dt.date, chunk: int,
              detail: Detail, what_if: bool) -> int:
    """Score every record, chunk by chunk, and join the rows; return their bytes."""
    size = 0
    for first in range(0, len(records), chunk):
        scored = score_chunk(pack, records[first:first + chunk], as_of, detail=detail,
                             what_if=what_if).scored
        assert scored is not None
        size += len(scored.jsonl())
    return size


def variants_and_hits(pack: RulePack, records: list[dict[str, Any]], as_of: dt.date,
                      chunk: int) -> tuple[int, int]:
    """How many variants the records needed, and how many records got a suggestion."""
    counted = [0]
    real = what_if_module._score_variants

    def counting(*args: Any) -> Any:
        counted[0] += len(args[2])
        return real(*args)

    what_if_module._score_variants = counting  # type: ignore[assignment]
    hits = 0
    try:
        for first in range(0, len(records), chunk):
            scored = score_chunk(pack, records[first:first + chunk], as_of, detail="compact",
                                 what_if=True).scored
            assert scored is not None
            hits += sum(b'"what_would_change":[]' not in b"".join(pieces)
                        for pieces in scored.pieces())
    finally:
        what_if_module._score_variants = real  # type: ignore[assignment]
    return counted[0], hits


def main() -> None:
    args = parse_options(__doc__.split("\n")[0], 50_000)
    pack, records = prepared(args.records)
    score_all(pack, records[:args.chunk], args.as_of, args.chunk, "compact", True)  # warm
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    runs = [(detail, what_if) for detail in DETAILS for what_if in (False, True)]
    wall: dict[tuple[Detail, bool], float] = {}
    cpu: dict[tuple[Detail, bool], float] = {}
    sizes: dict[tuple[Detail, bool], int] = {}
    for _ in range(args.repeats):
        for run in runs:
            start, start_cpu = time.perf_counter(), time.process_time()
            sizes[run] = score_all(pack, records, args.as_of, args.chunk, *run)
            took, took_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            wall[run] = min(wall.get(run, took), took)
            cpu[run] = min(cpu.get(run, took_cpu), took_cpu)

    count = len(records)
    variants, hits = variants_and_hits(pack, records, args.as_of, args.chunk)
    print(f"{count:,} records ({POOL:,} distinct), chunks of {args.chunk:,}, as of "
          f"{args.as_of}, best of {args.repeats}; records/s in wall time (CPU time):\n")
    print(f"{'':<10}{'without':>20}{'with what_if':>20}{'with/without':>14}{'bytes/row':>16}")
    for detail in DETAILS:
        off, on = (detail, False), (detail, True)
        print(f"{detail:<10}"
              f"{count / wall[off]:>10,.0f} ({count / cpu[off]:>7,.0f})"
              f"{count / wall[on]:>10,.0f} ({count / cpu[on]:>7,.0f})"
              f"{cpu[off] / cpu[on]:>13.2f}x"
              f"{sizes[off] / count - 1:>8,.0f} {sizes[on] / count - 1:>7,.0f}")
    print(f"\n{variants / count:.2f} variants decided per record; {hits:,} of {count:,} "
          f"records ({hits / count:.1%}) have something that would change the result.")


if __name__ == "__main__":
    main()
