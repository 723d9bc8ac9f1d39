"""Check that ``parole-screen batch`` writes the same bytes as another checkout's.

    python benchmarks/same_bytes.py /tmp/base/src     # that checkout's src folder

Runs ``batch`` with this checkout's code and with the other's (``python -m parole_screen``,
``PYTHONPATH`` set to each ``src``), the same pack (this checkout's ``rules/``), over the
examples folder and generated records (some of them broken) at several ``--as-of`` dates,
for full rows, compact rows, CSV and JSON arrays, with one and two jobs, and compares stdout,
stderr and the exit code. Slow (a few minutes): a script to run, not a test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from parole_screen.loader import load_pack
from records import RecordGenerator

REPO = Path(__file__).resolve().parent.parent
BAD = ('{{"id":"B{n}","answers":{{"no_such_question":1}}}}',
       '{{"id":"B{n}","answers":{{"stay_months":"many"}}}}',
       '{{"id":"B{n}","answers":{{', '"B{n}"', '{{"answers":{{}}}}')


def write_inputs(folder: Path, as_of: dt.date) -> list[Path]:
    pack = load_pack(REPO / "rules")
    made = []
    for seed, count, bad_every in ((4, 3000, 0), (7, 2000, 97)):
        path = folder / f"gen{seed}.jsonl"
        generator = RecordGenerator(pack, seed=seed, as_of=as_of)
        with path.open("w") as out:
            for number, record in enumerate(generator.records(count)):
                if bad_every and number % bad_every == bad_every - 1:
                    out.write(BAD[number // bad_every % len(BAD)].format(n=number) + "\n")
                else:
                    record["id"] = f"R{number}" if number % 5 else None
                    out.write(json.dumps(record) + "\n")
        made.append(path)
    return made


def run(src: str, args: list[str]) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run([sys.executable, "-m", "parole_screen", "--rules", str(REPO / "rules"),
                           *args], capture_output=True, env=env, check=False)
    return done.returncode, done.stdout, done.stderr


def main() -> int:
    other = sys.argv[1]
    this = str(REPO / "src")
    pack = load_pack(REPO / "rules")
    base_day = pack.meta.as_of
    days = [base_day, base_day - dt.timedelta(days=400), base_day + dt.timedelta(days=700),
            dt.date(2024, 2, 29)]
    failures = 0
    runs = 0
    with tempfile.TemporaryDirectory() as temp:
        inputs = write_inputs(Path(temp), base_day)
        sets = [[str(REPO / "examples")], [str(inputs[0])], [str(inputs[1])],
                [str(inputs[1]), str(REPO / "examples")]]
        for day in days:
            for files in sets:
                for row_args in (["--detail", "full"], ["--detail", "compact"],
                                 ["--format", "csv"], ["--format", "json"],
                                 ["--format", "csv", "--fail-fast"]):
                    for jobs in ("1", "2"):
                        if jobs == "2" and files != sets[2]:
                            continue  # two jobs: on the largest mixed input only
                        args = ["batch", "--quiet", "--as-of", day.isoformat(), *row_args,
                                "--jobs", jobs, *files]
                        mine, theirs = run(this, args), run(other, args)
                        runs += 1
                        if mine != theirs:
                            failures += 1
                            print("DIFFERENT:", " ".join(args), mine[0], theirs[0],
                                  len(mine[1]), len(theirs[1]))
    print(f"{runs} runs, {failures} different")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
