"""In-process figures for ``run_batch`` (no CLI start-up), gc tuned as the CLI tunes it.

    python benchmarks/inprocess.py --records 20000 --repeats 3 [--profile compact]

Records/s of full rows, compact rows and CSV with one job, the kinds interleaved round
after round, best round of each; ``--profile KIND`` prints a cProfile of one run instead.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from parole_screen.batch.runner import BatchOptions, run_batch
from parole_screen.batch.sources import resolve_inputs
from parole_screen.engine import Detail
from parole_screen.loader import load_pack, resolve_pack_path
from records import RecordGenerator

KINDS: dict[str, tuple[str, Detail]] = {"full": ("jsonl", "full"),
                                        "compact": ("jsonl", "compact"),
                                        "csv": ("csv", "compact")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", choices=list(KINDS))
    parser.add_argument("sort", nargs="?", default="cumulative", choices=("cumulative", "tottime"))
    args = parser.parse_args()
    pack = load_pack(resolve_pack_path(None))
    as_of = pack.meta.as_of
    pool = [json.dumps(record["answers"], separators=(",", ":"))
            for record in RecordGenerator(pack, as_of=as_of).records(2000)]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for number in range(args.records):
            handle.write(f'{{"id":"R{number:07d}","answers":{pool[number % len(pool)]}}}\n')
    sources = resolve_inputs([handle.name])

    def once(kind: str) -> float:
        fmt, detail = KINDS[kind]
        with Path(os.devnull).open("wb") as out:
            started = time.perf_counter()
            run_batch(pack, sources, out, BatchOptions(as_of, fmt, detail))
            return args.records / (time.perf_counter() - started)

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000)
    for kind in KINDS:
        once(kind)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(once, args.profile)
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(args.sort).print_stats(40)
        print(text.getvalue())
        return
    best = dict.fromkeys(KINDS, 0.0)
    for _ in range(args.repeats):
        for kind in KINDS:
            best[kind] = max(best[kind], once(kind))
    print(", ".join(f"{kind} {rate:,.0f}/s" for kind, rate in best.items())
          + f"; compact/full {best['compact'] / best['full']:.2f}x, "
          f"csv/compact {best['csv'] / best['compact']:.2f}x")
    Path(handle.name).unlink()


if __name__ == "__main__":
    main()
