"""Check that a restructured rule pack scores exactly as the pack it replaced.

Run by hand after reshaping ``rules/`` without changing the law (named conditions,
``extends``, moving rules between files)::

    python tests/pack_equivalence.py --before main

It unpacks the code and rules of ``--before`` (a git revision) into a temporary folder,
scores every ``examples/*.json`` there and here with ``parole-screen score -f json`` (plain
and ``--explain``) on several dates, and compares the result@1 documents byte for byte.
Then it does the same, through the library with ``explain=True``, for ``--records``
generated answer records (``benchmarks/records.py``: half with 4% of the questions left
unanswered, half with 30%), which reach far more branches than the examples do.
Only ``rule_pack.hash`` is set aside: it is the hash of the pack's file bytes, which a
restructure changes by definition. Exit 0 when every document is identical, else 1 with
the first differing lines of each.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATES = ("2025-06-01", "2026-02-15", "2026-11-28")
MODES: tuple[tuple[str, ...], ...] = ((), ("--explain",))


def _unpack(revision: str, into: Path) -> Path:
    """The tree of ``revision`` (src and rules only) under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision,
                              "src", "rules"], check=True, capture_output=True).stdout
    tar_path = into / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def _score_all(tree: Path, examples: list[Path]) -> dict[str, bytes]:
    """Every example's result on every date in every mode, scored by ``tree``'s code and pack.

    One interpreter scores them all through the CLI's own command (Typer's runner), so the
    bytes are those ``parole-screen score -f json`` prints.
    """
    program = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from parole_screen.cli import app\n"
        "rules, *jobs = sys.argv[1:]\n"
        "runner = CliRunner()\n"
        "out = {}\n"
        "for job in jobs:\n"
        "    path, day, *extra = job.split('|')\n"
        "    got = runner.invoke(app, ['--rules', rules, 'score', '-f', 'json', '--as-of', day,\n"
        "                              *extra, path])\n"
        "    ok = got.exit_code == 0\n"
        "    out[job] = got.stdout if ok else f'exit {got.exit_code}: {got.output}'\n"
        "sys.stdout.write(json.dumps(out))\n"
    )
    jobs = ["|".join((str(path), day, *mode)) for path in examples for day in DATES
            for mode in MODES]
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PAROLE_SCREEN_CACHE": "off"}
    env.pop("PAROLE_SCREEN_RULES", None)
    done = subprocess.run([sys.executable, "-c", program, str(tree / "rules"), *jobs],
                          check=True, capture_output=True, env=env, cwd=tree)
    return {job: text.encode() for job, text in json.loads(done.stdout).items()}


def _records(count: int) -> list[dict[str, object]]:
    """Answer records from this tree's pack (the questions a restructure leaves alone)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from parole_screen import load_pack
    from records import RecordGenerator

    pack = load_pack(ROOT / "rules")
    out: list[dict[str, object]] = []
    for seed, skip_rate in ((11, 0.04), (12, 0.3)):
        generator = RecordGenerator(pack, seed=seed, skip_rate=skip_rate)
        out += [{"id": f"{seed}-{n}", "answers": generator.answers()} for n in range(count // 2)]
    return out


def _score_records(tree: Path, records: Path) -> list[str]:
    """The digest of each record's result (with its trace, pack hash set aside) on each date,
    scored by ``tree``'s code and pack."""
    program = (
        "import datetime as dt, hashlib, json, sys\n"
        "from parole_screen import load_pack, screen_record\n"
        "pack = load_pack(sys.argv[1])\n"
        "days = [dt.date.fromisoformat(day) for day in sys.argv[3:]]\n"
        "for line in open(sys.argv[2], encoding='utf-8'):\n"
        "    record = json.loads(line)\n"
        "    for day in days:\n"
        "        result = screen_record(pack, record, day, explain=True)\n"
        "        result['rule_pack']['hash'] = None\n"
        "        text = json.dumps(result, sort_keys=True).encode()\n"
        "        print(record['id'], day, hashlib.sha256(text).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PAROLE_SCREEN_CACHE": "off"}
    done = subprocess.run([sys.executable, "-c", program, str(tree / "rules"), str(records),
                           *DATES], check=True, capture_output=True, env=env, cwd=tree, text=True)
    return done.stdout.splitlines()


def _masked(document: bytes) -> bytes:
    """The document with its pack hash set aside (see the module docstring)."""
    try:
        parsed = json.loads(document)
    except ValueError:
        return document  # an error message: compared as it is
    parsed["rule_pack"]["hash"] = "(pack file hash)"
    return json.dumps(parsed, sort_keys=True, ensure_ascii=False, indent=2).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="main", help="git revision to compare with")
    parser.add_argument("--records", type=int, default=4000,
                        help="generated answer records to compare as well (default 4000)")
    args = parser.parse_args()
    examples = sorted((ROOT / "examples").glob("*.json"))
    with tempfile.TemporaryDirectory() as temp:
        records = Path(temp) / "records.jsonl"
        records.write_text("".join(json.dumps(record) + "\n"
                                   for record in _records(args.records)), encoding="utf-8")
        old_tree = _unpack(args.before, Path(temp))
        before = _score_all(old_tree, examples)
        old_digests = _score_records(old_tree, records)
        new_digests = _score_records(ROOT, records)
    after = _score_all(ROOT, examples)
    differing = 0
    for job, old in before.items():
        new = after[job]
        if old == new:
            continue
        old_masked, new_masked = _masked(old), _masked(new)
        if old_masked == new_masked:
            continue
        differing += 1
        print(f"DIFFERS: {job}")
        diff = difflib.unified_diff(old_masked.decode().splitlines(),
                                    new_masked.decode().splitlines(), lineterm="", n=1)
        for line in list(diff)[:20]:
            print("   ", line)
    hashes = {json.loads(doc)["rule_pack"]["hash"] for doc in (*before.values(), *after.values())
              if doc.startswith(b"{")}
    print(f"{len(before)} documents ({len(examples)} examples x {len(DATES)} dates x "
          f"{len(MODES)} modes): {len(before) - differing} identical, {differing} differ; "
          f"pack hashes seen: {', '.join(sorted(hashes))}")
    changed = [old.rsplit(" ", 1)[0] for old, new in zip(old_digests, new_digests, strict=True)
               if old != new]
    print(f"{len(old_digests)} generated results ({args.records} records x {len(DATES)} dates, "
          f"with --explain's trace): {len(old_digests) - len(changed)} identical, "
          f"{len(changed)} differ" + (f" (first: record {changed[0]})" if changed else ""))
    return 1 if differing or changed else 0


if __name__ == "__main__":
    sys.exit(main())
