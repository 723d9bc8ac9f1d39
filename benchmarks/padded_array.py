"""Measure `parole-screen batch` on a JSON array padded with white space (issue 17, row 9).

    python benchmarks/padded_array.py                   # 300 MB of padding, as the issue
    python benchmarks/padded_array.py --mb 30           # a quicker look
    python benchmarks/padded_array.py --source /tmp/base/src   # another checkout's code

The file is ``[`` + a record + N MB of spaces and newlines + ``,`` + a record + ``]``: two
records, everything else padding. Before the fix, the reader looked at each blank in
Python and kept all of them in memory: the issue measured 625 MB and 196 s for 300 MB.
Prints the wall time, the CPU time and the peak resident memory of the batch process
(``ru_maxrss`` of the child), and checks that both records were scored.

``--source DIR`` runs ``python -m parole_screen`` with ``DIR`` (a ``src`` folder, e.g. from
``git archive <commit> src | tar -x -C /tmp/base``) first on ``PYTHONPATH``: before and
after, measured by one script on one machine. This is a measurement, never a test: the
suite asserts no time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECORD = {"id": "padded", "answers": {"beneficiary_location": "outside_us",
                                      "reason_type": "medical"}}


def write_padded(path: Path, megabytes: int) -> None:
    """Two records with ``megabytes`` MB of white space between them, written a MB at a
    time (the file is never held whole here)."""
    block = (" " * 1023 + "\n") * 1024  # 1 MiB, a newline every KiB
    with path.open("w", encoding="ascii") as out:
        out.write("[" + json.dumps(RECORD))
        for _ in range(megabytes):
            out.write(block)
        out.write("," + json.dumps(RECORD) + "]\n")


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds and peak RSS (bytes) of one run, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"batch failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children is the largest of any child so far: one run per process.
    return wall, cpu, after.ru_maxrss * 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=300, help="MB of padding (default 300)")
    parser.add_argument("--source", type=Path, default=None,
                        help="a checkout's src folder to run instead of the installed code")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to write the padded file (default: a temporary folder)")
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1"}
    if args.source is not None:
        env["PYTHONPATH"] = str(args.source.resolve())
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        path = Path(folder) / "padded.json"
        write_padded(path, args.mb)
        size = path.stat().st_size
        command = [sys.executable, "-m", "parole_screen", "batch", str(path), "--quiet",
                   "--as-of", "2026-06-15"]
        wall, cpu, rss, stdout = run(command, env)
    rows = [json.loads(line) for line in stdout.splitlines()]
    scored = sum(row.get("status") != "error" for row in rows)
    print(f"code: {args.source or 'installed'}")
    print(f"input: {size / 1e6:,.0f} MB ({args.mb} MiB of padding, 2 records)")
    print(f"rows: {len(rows)} ({scored} scored)")
    print(f"wall: {wall:.1f} s   cpu: {cpu:.1f} s   peak RSS: {rss / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
