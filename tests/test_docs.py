"""The README and docs/ stay true: they are checked against the tool, and their examples run.

The README's first screen holds the two set-up commands (CI runs the second one exactly) and
a real example run; every command, option, exit code, result key and pack field is
documented on its page; the commands, Python and YAML in the docs run as written; and every
link and anchor resolves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from conftest import REPO, cli_command, run_cli
from parole_screen import RulePack, load_pack, screen_record
from parole_screen import models as pack_models
from parole_screen.cli import app
from parole_screen.conditions import ALL_OPERATORS
from parole_screen.scenarios import (
    Scenario,
    ScenarioExpect,
    ScenarioFile,
    load_scenarios,
    run_scenarios,
)

README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
TEXT = {page: page.read_text(encoding="utf-8") for page in PAGES}
TEST_LINE = "python -m pip install -e '.[test]' && python -m pytest"

# Where each command's options are documented (besides the README, which holds them all
# for the commands it lists).
OPTION_PAGES = {
    "score": DOCS / "contracts.md",  # --what-if: what would change the result
    "interview": DOCS / "interview.md",
    "batch": DOCS / "batch.md",
    "rules check": DOCS / "rule-packs.md",
    "rules test": DOCS / "rule-packs.md",
    "rules facts": DOCS / "rule-packs.md",
    "questions": DOCS / "interview.md",  # --lang: the catalogue in a language
}
EXIT_CODES = {
    README: ("0", "1", "2", "3", "130"),
    DOCS / "batch.md": ("0", "1", "2", "3", "130"),
    DOCS / "interview.md": ("0", "1", "2", "130"),
}


def fenced(text: str) -> Iterator[tuple[str, str]]:
    """Every fenced code block: its language (or "") and its text, in order."""
    lang: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if lang is None and line.startswith("```"):
            lang, lines = line[3:].strip(), []
        elif lang is not None and line == "```":
            yield lang, "\n".join(lines)
            lang = None
        elif lang is not None:
            lines.append(line)


def blocks(text: str, lang: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return [block for found, block in fenced(text) if found == lang]


def prose(text: str) -> str:
    """``text`` without its fenced code blocks."""
    return re.sub(r"^```.*?^```$", "", text, flags=re.S | re.M)


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    end = re.search(rf"^#{{1,{level}}} ", text[start:], flags=re.M)
    return text[start:start + end.start()] if end else text[start:]


def first_screen() -> str:
    text = TEXT[README]
    return text[:text.index("\n## ")]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {slug(title) for title in re.findall(r"^#+ (.+)$", prose(text), flags=re.M)}


# -- The README's first screen --------------------------------------------------------------

def test_readme_opens_with_the_two_set_up_commands() -> None:
    set_up = blocks(first_screen(), "sh")
    assert len(set_up) == 2
    assert set_up[0] == ("python3 -m venv .venv && . .venv/bin/activate && "
                         "python -m pip install . && parole-screen interview")
    assert set_up[1] == TEST_LINE
    assert TEST_LINE in (REPO / ".ci" / "run").read_text().splitlines()


def test_readme_first_screen_says_what_it_is_and_where_to_get_help() -> None:
    assert len(first_screen().splitlines()) <= 60
    screen = " ".join(first_screen().split())  # as read, whatever the line breaks
    for needed in ("screening, not legal advice", "immigration attorney",
                   "DOJ-accredited representative", "`parole-screen --help`", "docs/"):
        assert needed in screen, needed


def test_readme_example_run_is_real_output() -> None:
    [example] = [block for block in blocks(first_screen(), "text")
                 if block.startswith("$ parole-screen ")]
    command, *shown = example.splitlines()
    done = run_cli(*shlex.split(command)[2:], cwd=REPO)
    assert done.returncode == 0, done.stderr
    output = done.stdout.splitlines()
    # Each run of lines between "..." must appear, whole and in order, in the real output.
    runs = "\n".join(shown).split("...")
    at = 0
    for run in runs:
        lines = run.strip("\n").splitlines()
        if not lines:
            continue
        found = next((i for i in range(at, len(output) - len(lines) + 1)
                      if output[i:i + len(lines)] == lines), None)
        assert found is not None, f"not in the output of {command!r}:\n{run}"
        at = found + len(lines)
    assert len(shown) >= 8  # a real excerpt, not a title


# -- Commands, options and exit codes -------------------------------------------------------

def commands() -> Iterator[tuple[str, Any]]:
    """Every command of the real CLI, by its full name (``rules check``), with its params."""
    root = typer.main.get_command(app)
    yield "", root
    for name, command in getattr(root, "commands", {}).items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for sub, subcommand in subcommands.items():
                yield f"{name} {sub}", subcommand
        else:
            yield name, command


def test_every_command_is_in_the_readme() -> None:
    listed = run_cli("--help").stdout + run_cli("rules", "--help").stdout
    names = [name for name, _ in commands() if name]
    assert {"interview", "score", "batch", "questions", "schema", "rules check", "rules test",
            "rules facts"} <= set(names)
    # An HTML comment (a TODO, say) is not shown, so it documents nothing.
    table = re.sub(r"<!--.*?-->", "", section(TEXT[README], "## Commands"), flags=re.S)
    for name in names:
        assert name.split()[-1] in listed
        assert f"`parole-screen {name}" in table, name


@pytest.mark.parametrize("name, command", list(commands()),
                         ids=[name or "global" for name, _ in commands()])
def test_every_option_is_documented(name: str, command: Any) -> None:
    text = TEXT[README] + TEXT.get(OPTION_PAGES.get(name, README), "")
    for param in command.params:
        if param.param_type_name != "option" or "--help" in param.opts:
            continue
        for opt in param.opts:
            if opt.startswith("--"):
                assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text), (name, opt)


@pytest.mark.parametrize("page", EXIT_CODES, ids=lambda page: page.name)
def test_every_exit_code_is_documented(page: Path) -> None:
    table = section(TEXT[page], "## Exit codes")
    codes = re.findall(r"^\| (\d+) \|", table, flags=re.M)
    assert sorted(codes, key=int) == list(EXIT_CODES[page])


# -- Examples run -----------------------------------------------------------------------

def test_example_files_named_in_the_docs_exist() -> None:
    named = {name for text in TEXT.values()
             for name in re.findall(r"examples/([\w-]+\.json)", text)}
    assert named
    for name in named:
        assert (REPO / "examples" / name).is_file(), name


# Blocks that need what a sandbox cannot give: a git history, another program, a terminal
# session, or a new environment. Every other ```sh block in the docs runs.
NOT_RUN = re.compile(r"\bgit |intake-export|parole-screen interview|\bpip\b|\.ci/run|venv")


def shell_blocks() -> list[tuple[str, str]]:
    return [(f"{page.name}:{number}", block) for page in PAGES
            for number, block in enumerate(blocks(TEXT[page], "sh"))
            if not NOT_RUN.search(block)]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the files the docs' commands name, made from examples/."""
    root = tmp_path_factory.mktemp("docs-sandbox")
    shutil.copytree(REPO / "examples", root / "examples")
    shutil.copytree(REPO / "examples", root / "saved-answers")
    records = [json.loads(path.read_text()) for path in sorted((REPO / "examples").glob("*.json"))]
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (root / "cases.jsonl").write_text(lines)
    (root / "caseload.jsonl").write_text(lines)
    clients = [{"client_id": record["id"], "screening": record["answers"]} for record in records]
    (root / "export.json").write_text(json.dumps({"clients": clients}))
    old = root / "rules-0.2.0" / "rules"  # an "old" pack whose bands differ
    shutil.copytree(REPO / "rules", old)
    meta = old / "pack.yaml"
    meta.write_text(meta.read_text().replace("possible: 45", "possible: 60"))
    bin_dir = root / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "parole-screen"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.join(cli_command())} "$@"\n')
    wrapper.chmod(0o755)
    return root


@pytest.mark.parametrize("where, block", shell_blocks(), ids=[w for w, _ in shell_blocks()])
def test_shell_examples_in_the_docs_run(where: str, block: str, sandbox: Path,
                                        tmp_path: Path) -> None:
    if "jq " in block and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    folder = tmp_path / "sandbox"
    shutil.copytree(sandbox, folder)
    env = {**os.environ, "NO_COLOR": "1", "HOME": str(folder),
           "PATH": f"{folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PAROLE_SCREEN_RULES", None)

    def bash(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=300,
                              check=False)

    written = re.findall(r"(?:-o|--out|>) ([\w.-]+\.(?:jsonl|json|csv|html))", block)
    if "results.jsonl" in block and "results.jsonl" not in written:
        # A recipe over the rows an earlier one wrote: write them as the docs do.
        made = bash("parole-screen batch cases.jsonl --as-of 2026-12-01 -q -o results.jsonl")
        assert made.returncode == 0, made.stderr
    done = bash(block.replace("/tmp/rules-0.2.0", str(folder / "rules-0.2.0")))
    assert done.returncode == 0, (where, done.stdout[-2000:], done.stderr[-2000:])
    for name in written:
        assert (folder / name).stat().st_size > 0, (where, name)


def python_blocks() -> list[tuple[str, str]]:
    return [(f"{page.name}:{number}", block) for page in PAGES
            for number, block in enumerate(blocks(TEXT[page], "python"))]


@pytest.mark.parametrize("where, code", python_blocks(), ids=[w for w, _ in python_blocks()])
def test_python_examples_in_the_docs_run(where: str, code: str, tmp_path: Path) -> None:
    env = {**os.environ}
    env.pop("PAROLE_SCREEN_RULES", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (where, done.stderr[-2000:])
    # A print whose comment shows its output must print that (up to a trailing "...").
    for shown in re.findall(r"^\s*print\(.*\)\s+# (.+)$", code, flags=re.M):
        if shown.startswith("e.g."):
            continue
        assert shown.split("...")[0].rstrip() in done.stdout, (where, shown)


def test_python_api_page_has_runnable_examples() -> None:
    assert len(blocks(TEXT[DOCS / "python-api.md"], "python")) >= 4


# -- The pack authors' guide ----------------------------------------------------------------

def pack_guide_yaml() -> tuple[dict[str, str], list[str]]:
    """The guide's YAML: whole files (a block opening with ``# rules/PATH``) and entries."""
    files: dict[str, str] = {}
    entries: list[str] = []
    for block in blocks(TEXT[DOCS / "rule-packs.md"], "yaml"):
        named = re.match(r"# rules/(\S+\.yaml)\n", block)
        if named:
            files[named.group(1)] = block
        else:
            entries.append(block)
    return files, entries


def test_pack_guide_worked_example_loads_and_its_scenarios_pass(tmp_path: Path) -> None:
    files, _ = pack_guide_yaml()
    assert "medical.yaml" in files and "tests/medical.yaml" in files
    pack_dir = tmp_path / "rules"
    shutil.copytree(REPO / "rules", pack_dir)
    shutil.rmtree(pack_dir / "tests")
    (pack_dir / "tests").mkdir()
    for name, text in files.items():
        (pack_dir / name).write_text(text + "\n")
    pack = load_pack(pack_dir)
    cases = load_scenarios(pack_dir / "tests")
    assert len(cases) >= 3
    outcomes = run_scenarios(pack, cases)
    assert [(o.name, o.failures) for o in outcomes if o.failures] == []


def _replace_entries(pack_dir: Path, key: str, entry: dict[str, Any]) -> bool:
    """Put ``entry`` in place of the shipped entry with its id, in the file that holds it."""
    for path in sorted(pack_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or key not in data:
            continue
        for index, shipped in enumerate(data[key]):
            if shipped.get("id") == entry["id"]:
                data[key][index] = entry
                path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                               width=1000))
                return True
    return False


def test_pack_guide_entries_are_shipped_ones_and_still_load(tmp_path: Path) -> None:
    _, entry_blocks = pack_guide_yaml()
    pack_dir = tmp_path / "rules"
    shutil.copytree(REPO / "rules", pack_dir)
    keys: set[str] = set()
    for block in entry_blocks:
        for key, entries in yaml.safe_load(block).items():
            keys.add(key)
            for entry in entries:
                assert _replace_entries(pack_dir, key, entry), (key, entry["id"])
    assert {"questions", "flags", "items", "facts", "fees", "deadlines"} <= keys
    assert isinstance(load_pack(pack_dir), RulePack)


def _fields(model: type[pack_models.Model]) -> set[str]:
    return {field.name for field in dataclasses.fields(model)}


def test_every_pack_field_and_operator_is_documented() -> None:
    text = TEXT[DOCS / "rule-packs.md"]
    documented = set(re.findall(r"`([a-z_]+)[`:\s]", text))
    for block in blocks(text, "yaml") + blocks(text, ""):
        documented |= set(re.findall(r"([a-z_]+):", block))
        documented |= set(re.findall(r"^\s*([a-z_]+)\.yaml", block, flags=re.M))
    models = [model for model in vars(pack_models).values()
              if isinstance(model, type) and issubclass(model, pack_models.Model)
              and model is not pack_models.Model]
    assert len(models) >= 15
    wanted: set[str] = set().union(*map(_fields, models))
    wanted |= _fields(Scenario) | _fields(ScenarioExpect) | _fields(ScenarioFile)
    wanted |= set(ALL_OPERATORS) | {"all", "any", "not", "as_of", "q"}
    assert sorted(wanted - documented) == []


# -- The contracts ----------------------------------------------------------------------

def _key_paths(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            # `categories` and `sources` are keyed by id: their values' keys are the contract.
            name = "*" if path in (".categories", ".sources") else key
            yield f"{path}.{name}"
            yield from _key_paths(inner, f"{path}.{name}")
    elif isinstance(value, list):
        for inner in value:
            yield from _key_paths(inner, path)


def test_every_result_key_is_documented(shipped_pack: RulePack) -> None:
    scenarios = {case.scenario.name: case.scenario
                 for case in load_scenarios(REPO / "rules" / "tests")}
    seen: set[str] = set()
    for path in sorted((REPO / "examples").glob("*.json")):
        record = json.loads(path.read_text())
        for day in (scenarios[path.stem].as_of, dt.date(2026, 11, 28)):
            seen |= set(_key_paths(screen_record(shipped_pack, record, day, explain=True)))
    text = TEXT[DOCS / "contracts.md"]
    # Answers quote question ids; a clause's value and operand are answers and pack values.
    keys = {path.rsplit(".", 1)[1] for path in seen
            if not re.search(r"\.(answers|operand|value)\.", path)
            and path.rsplit(".", 1)[1] != "*"}
    assert {"trace", "reported_change", "missing_evidence", "clauses"} <= keys
    missing = sorted(key for key in keys if f"`{key}`" not in text)
    assert missing == []


def _documented_keys(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", prose(text)))


def _shape(value: Any, keyed: bool = False) -> Iterator[str]:
    """Every key in ``value``, but not those of a mapping keyed by ids (``keyed``), nor of
    the answers a note or flag quotes (question ids)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if not keyed:
                yield key
            if key != "answers":
                yield from _shape(inner, keyed=key in ("categories", "evidence"))
    elif isinstance(value, list):
        for inner in value:
            yield from _shape(inner)


def test_every_compact_row_key_is_documented(shipped_pack: RulePack, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(json.loads(path.read_text())) + "\n"
                             for path in sorted((REPO / "examples").glob("*.json"))))
    done = run_cli("batch", str(cases), "--as-of", "2026-06-15", "-q")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {row["schema"] for row in rows} == {"parole-screen/row@1"}
    keys = set().union(*(_shape(row) for row in rows))
    assert {"note", "reasons", "deadlines", "reported_change", "rule_pack"} <= keys
    text = TEXT[DOCS / "contracts.md"]
    documented = _documented_keys(section(text, "## Compact batch rows"))
    assert sorted(keys - documented) == []


def test_every_catalogue_key_is_documented() -> None:
    done = run_cli("rules", "catalog")
    assert done.returncode == 0, done.stderr
    catalog = json.loads(done.stdout)
    assert catalog["schema"] == "parole-screen/catalog@1"
    keys = set(catalog)
    for name, value in catalog.items():
        if isinstance(value, dict) and name != "rule_pack":  # keyed by ids
            for entry in value.values():
                keys |= set(_shape(entry))
    keys |= set(catalog["rule_pack"])
    assert {"bases", "notes", "evidence", "severity", "kind", "dated"} <= keys
    documented = _documented_keys(section(TEXT[DOCS / "contracts.md"], "### The text catalogue"))
    assert sorted(keys - documented) == []


# -- Links ----------------------------------------------------------------------------

def test_every_docs_page_is_linked_from_the_readme() -> None:
    table = section(TEXT[README], "## Documentation")
    for page in PAGES[1:]:
        assert f"](docs/{page.name})" in table, page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_and_anchor_resolves(page: Path) -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", prose(TEXT[page]))
    assert links
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), (page.name, link)
        if anchor:
            assert anchor in anchors(path.read_text(encoding="utf-8")), (page.name, link)
