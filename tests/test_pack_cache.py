"""The on-disk cache that keeps `load_pack(cache=True)` (and so `score` and `batch`) fast to
start: parsed YAML per file, and whole packs that passed every check. Off unless asked for."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO, run_cli
from parole_screen import loader, pack_cache, screen
from parole_screen.errors import PackError
from parole_screen.models import Model
from parole_screen.pack import RulePack


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(pack_cache.CACHE_ENV, str(folder))
    return folder


def fingerprint(pack: RulePack) -> str:
    """Everything a loaded pack says, as text: its models and a screening."""
    parts = [pack.content_hash, repr(pack.meta), repr(pack.sources), repr(pack.facts),
             repr(pack.countries)]
    for group in (pack.questions, pack.flags, pack.items, pack.fees, pack.deadlines):
        parts += [repr(getattr(entry, name)) for entry in group
                  for name in ("question", "flag", "item", "fee", "deadline")
                  if hasattr(entry, name)]
    parts += [repr(c.category) for c in pack.categories]
    first = pack.questions[0].question
    answers = {first.id: first.choices[0].value} if first.choices else {}
    parts.append(json.dumps(screen(pack, answers, dt.date(2026, 6, 1)), sort_keys=True))
    return "\n".join(parts)


def forbid(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make the loader fail if it parses or validates anything."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache should have been used")

    for name in names:
        monkeypatch.setattr(loader, name, refuse)


def pack_entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("pack-*.json"))


@pytest.mark.parametrize("directory", [REPO / "rules", MINIMAL])
def test_a_cached_load_is_the_same_pack(cache: Path, directory: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pack_cache.CACHE_ENV, "off")
    fresh = fingerprint(loader.load_pack(directory, cache=True))
    monkeypatch.setenv(pack_cache.CACHE_ENV, str(cache))
    # the run that fills the cache
    assert fingerprint(loader.load_pack(directory, cache=True)) == fresh
    trees = sorted(set(cache.glob("*.json")) - set(pack_entries(cache)))
    assert len(trees) == len(loader.pack_files(directory))
    assert len(pack_entries(cache)) == 1

    with monkeypatch.context() as patched:  # the checked pack: no parsing, no validation
        forbid(patched, "parse_yaml", "validate_located")
        assert fingerprint(loader.load_pack(directory, cache=True)) == fresh

    pack_entries(cache)[0].unlink()  # the parsed files alone: validated, not parsed
    with monkeypatch.context() as patched:
        forbid(patched, "parse_yaml")
        assert fingerprint(loader.load_pack(directory, cache=True)) == fresh
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert {stat.S_IMODE(entry.stat().st_mode) for entry in cache.glob("*.json")} == {0o600}


def test_models_come_back_with_their_exact_types(cache: Path) -> None:
    """1 and 1.0, tuples and lists, dates and strings: what validation gave, not look-alikes."""
    fresh = loader.load_pack(REPO / "rules", cache=True)
    cached = loader.load_pack(REPO / "rules", cache=True)

    def shape(node: object) -> object:
        if isinstance(node, Model):
            return (type(node).__name__, {field.name: shape(getattr(node, field.name))
                                          for field in dataclasses.fields(node)})
        if isinstance(node, tuple | list):
            return (type(node).__name__, [shape(value) for value in node])
        if isinstance(node, dict):
            return ("dict", {name: shape(value) for name, value in node.items()})
        return (type(node).__name__, node)

    def models(pack: RulePack) -> list[object]:
        found: list[object] = [pack.meta, *pack.sources.values(), *pack.facts.values()]
        found += [entry.question for entry in pack.questions]
        found += [c.category for c in pack.categories] + [f.flag for f in pack.flags]
        found += [i.item for i in pack.items] + [f.fee for f in pack.fees]
        return found + [d.deadline for d in pack.deadlines]

    assert [shape(m) for m in models(cached)] == [shape(m) for m in models(fresh)]


def test_a_changed_checker_does_not_trust_old_entries(cache: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    loader.load_pack(MINIMAL, cache=True)
    monkeypatch.setattr(pack_cache, "_code_fingerprint", lambda checkers: b"another version")
    validated = []
    real = loader.validate_located
    monkeypatch.setattr(loader, "validate_located",
                        lambda *args: validated.append(args[0]) or real(*args))
    loader.load_pack(MINIMAL, cache=True)
    assert validated  # checked afresh, then kept under the new key
    assert len(pack_entries(cache)) == 2


def test_unreadable_checking_code_means_no_checked_packs(cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_cache, "_code_fingerprint", lambda checkers: None)
    first = fingerprint(loader.load_pack(MINIMAL, cache=True))
    assert not pack_entries(cache)  # nothing to key them by: packs are checked every time
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == first


def test_a_changed_yaml_reader_does_not_trust_old_trees(cache: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    loader.load_pack(MINIMAL, cache=True)
    for entry in pack_entries(cache):
        entry.unlink()
    monkeypatch.setattr(pack_cache, "_reader_fingerprint", lambda: b"another reader")
    parsed = []
    real = loader.parse_yaml
    monkeypatch.setattr(loader, "parse_yaml", lambda text: parsed.append(1) or real(text))
    loader.load_pack(MINIMAL, cache=True)
    assert len(parsed) == len(loader.pack_files(MINIMAL))


def test_an_entry_of_the_wrong_shape_is_a_miss(cache: Path) -> None:
    """Well-formed JSON that puts the wrong model, or a wrong value, where another belongs."""
    fresh = fingerprint(loader.load_pack(MINIMAL, cache=True))
    entry = pack_entries(cache)[0]
    good = entry.read_text()
    stored = json.loads(good)
    stored["entries"]["questions"][0] = stored["entries"]["flags"][0]  # a flag as a question
    entry.write_text(json.dumps(stored))
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh
    stored = json.loads(good)
    stored["entries"]["questions"][0][1]["type"] = "bogus"  # trips the compiler: recheck
    entry.write_text(json.dumps(stored))
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh
    stored = json.loads(good)
    stored["entries"]["questions"][0][0] = "elsewhere.yaml"  # not one of the pack's files
    entry.write_text(json.dumps(stored))
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh


def test_a_fifo_in_the_cache_does_not_hang_the_load(cache: Path) -> None:
    import signal

    fresh = fingerprint(loader.load_pack(MINIMAL, cache=True))
    entry = pack_entries(cache)[0]
    entry.unlink()
    os.mkfifo(entry, 0o600)

    def hung(signum: int, frame: object) -> None:
        raise AssertionError("reading a FIFO entry blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("setting", ["off", "false", "None", "relative/folder"])
def test_cache_settings_that_mean_off(setting: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(pack_cache.CACHE_ENV, setting)
    assert pack_cache.cache_folder() is None
    loader.load_pack(MINIMAL, cache=True)
    assert list(tmp_path.iterdir()) == []


def test_a_forged_pack_entry_is_a_miss(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = fingerprint(loader.load_pack(MINIMAL, cache=True))
    entry = pack_entries(cache)[0]
    stored = json.loads(entry.read_text())
    stored["meta"]["\u0000m"] = "RulePack"  # only the pack format's models may be named
    entry.write_text(json.dumps(stored))
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh
    assert json.loads(entry.read_text())["meta"]["\u0000m"] == "PackMeta"  # rewritten

    del stored["meta"]["title"]  # a model short of a field (another version's format)
    stored["meta"]["\u0000m"] = "PackMeta"
    entry.write_text(json.dumps(stored))
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh
    assert "title" in json.loads(entry.read_text())["meta"]

    entry.write_text(json.dumps({"meta": stored["meta"], "entries": {}, "countries": []}))
    entry.chmod(0o666)  # writable by others: never trusted, even when it would load
    with monkeypatch.context() as patched:
        validated = []
        real = loader.validate_located
        patched.setattr(loader, "validate_located",
                        lambda *args: validated.append(args[0]) or real(*args))
        assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fresh
        assert validated


def test_a_changed_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINIMAL, pack_dir)
    first = loader.load_pack(pack_dir, cache=True)
    meta = pack_dir / "pack.yaml"
    meta.write_text(meta.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    second = loader.load_pack(pack_dir, cache=True)
    assert (first.meta.version, second.meta.version) == ("1.0.0", "1.0.1")


def test_doubtful_entries_are_ignored(cache: Path) -> None:
    loader.load_pack(MINIMAL, cache=True)
    for entry in pack_entries(cache):
        entry.unlink()
    entries = sorted(cache.glob("*.json"))
    entries[0].write_text("{not json")
    entries[1].write_text(json.dumps({"\u0000": 1, "questions": "forged"}))
    entries[1].chmod(0o666)  # writable by others: never trusted
    assert fingerprint(loader.load_pack(MINIMAL, cache=True)) == fingerprint(
        loader.load_pack(MINIMAL, cache=True))
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600  # rewritten


def test_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pack_cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    loader.load_pack(MINIMAL, cache=True)
    assert not (tmp_path / "parole-screen").exists()


def test_pack_errors_are_never_cached(cache: Path, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINIMAL, pack_dir)
    (pack_dir / "extra.yaml").write_text("flags:\n  - &anchor {id: x}\n")
    for _ in range(2):
        with pytest.raises(PackError, match="anchors"):
            loader.load_pack(pack_dir, cache=True)
    # Parses and validates, fails a cross-check: still never kept as a checked pack.
    (pack_dir / "extra.yaml").write_text(
        "flags:\n  - {id: x, severity: info, text: X, when: {always: true}, cite: [nowhere]}\n")
    for _ in range(2):
        with pytest.raises(PackError, match="unknown source 'nowhere'"):
            loader.load_pack(pack_dir, cache=True)
    assert not pack_entries(cache)


@pytest.mark.skipif(os.getuid() == 0, reason="root can write anywhere")
def test_an_unwritable_cache_folder_is_not_an_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    monkeypatch.setenv(pack_cache.CACHE_ENV, str(folder / "cache"))
    assert loader.load_pack(MINIMAL, cache=True).meta.version == "1.0.0"


def test_the_library_writes_no_cache_unless_asked(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pack_cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    touched: list[object] = []
    with monkeypatch.context() as patched:
        patched.setattr(pack_cache, "_write_private", lambda *args: touched.append(args))
        patched.setattr(pack_cache, "_read_private", lambda *args: touched.append(args))
        loader.load_pack(MINIMAL)
        loader.load_pack()
    assert touched == []
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()
    loader.load_pack(MINIMAL, cache=True)  # asked for: the user's cache folder
    assert sorted((tmp_path / "xdg" / "parole-screen").glob("pack-*.json"))


def test_a_cache_folder_can_be_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pack_cache.CACHE_ENV, "off")  # a folder given is used all the same
    first = fingerprint(loader.load_pack(MINIMAL, cache=tmp_path / "mine"))
    assert len(pack_entries(tmp_path / "mine")) == 1
    with monkeypatch.context() as patched:
        forbid(patched, "parse_yaml", "validate_located")
        assert fingerprint(loader.load_pack(MINIMAL, cache=tmp_path / "mine")) == first


def test_the_cli_turns_the_cache_on(tmp_path: Path) -> None:
    folder = tmp_path / "cli-cache"
    done = run_cli("--rules", str(MINIMAL), "rules", "check",
                   env={pack_cache.CACHE_ENV: str(folder)})
    assert done.returncode == 0, done.stderr
    assert len(pack_entries(folder)) == 1


def test_no_cycle_between_the_loader_and_the_cache() -> None:
    """pack_cache takes its folder and the checking code's files from the loader."""
    import ast

    tree = ast.parse(Path(pack_cache.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names} | {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"loader", "scenarios", "conditions"}
