"""The parsed-YAML cache that keeps `load_pack` (and so `score` and `batch`) fast to start."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO
from parole_screen import loader, screen
from parole_screen.errors import PackError
from parole_screen.pack import RulePack


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(loader.CACHE_ENV, str(folder))
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


@pytest.mark.parametrize("directory", [REPO / "rules", MINIMAL])
def test_a_cached_load_is_the_same_pack(cache: Path, directory: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.CACHE_ENV, "off")
    fresh = fingerprint(loader.load_pack(directory))
    monkeypatch.setenv(loader.CACHE_ENV, str(cache))
    assert fingerprint(loader.load_pack(directory)) == fresh  # the run that fills the cache
    entries = list(cache.glob("*.json"))
    assert len(entries) == len(loader.pack_files(directory))

    def no_parsing(text: str) -> None:
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(loader, "parse_yaml", no_parsing)
    assert fingerprint(loader.load_pack(directory)) == fresh
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert {stat.S_IMODE(entry.stat().st_mode) for entry in entries} == {0o600}


def test_a_changed_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINIMAL, pack_dir)
    first = loader.load_pack(pack_dir)
    meta = pack_dir / "pack.yaml"
    meta.write_text(meta.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    second = loader.load_pack(pack_dir)
    assert (first.meta.version, second.meta.version) == ("1.0.0", "1.0.1")


def test_doubtful_entries_are_ignored(cache: Path) -> None:
    loader.load_pack(MINIMAL)
    entries = sorted(cache.glob("*.json"))
    entries[0].write_text("{not json")
    entries[1].write_text(json.dumps({"\u0000": 1, "questions": "forged"}))
    entries[1].chmod(0o666)  # writable by others: never trusted
    assert fingerprint(loader.load_pack(MINIMAL)) == fingerprint(
        loader.load_pack(MINIMAL))
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600  # rewritten


def test_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    loader.load_pack(MINIMAL)
    assert not (tmp_path / "parole-screen").exists()


def test_pack_errors_are_never_cached(cache: Path, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINIMAL, pack_dir)
    (pack_dir / "extra.yaml").write_text("flags:\n  - &anchor {id: x}\n")
    for _ in range(2):
        with pytest.raises(PackError, match="anchors"):
            loader.load_pack(pack_dir)


@pytest.mark.skipif(os.getuid() == 0, reason="root can write anywhere")
def test_an_unwritable_cache_folder_is_not_an_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    monkeypatch.setenv(loader.CACHE_ENV, str(folder / "cache"))
    assert loader.load_pack(MINIMAL).meta.version == "1.0.0"
