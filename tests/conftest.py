"""Shared fixtures: a tiny rule pack, a mutable copy of it, and a runner for the real CLI."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from parole_screen import RulePack, load_pack

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal_pack"
REPO = Path(__file__).parent.parent
AS_OF = dt.date(2026, 2, 1)


def record_generator() -> Any:
    """``benchmarks/records.py``'s RecordGenerator: realistic records from a pack's questions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_records",
                                                  REPO / "benchmarks" / "records.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RecordGenerator


def pytest_configure(config: pytest.Config) -> None:
    """Tests (and the CLI they run) never read or fill the developer's own pack cache."""
    folder = tempfile.mkdtemp(prefix="parole-screen-test-cache-")
    os.environ["PAROLE_SCREEN_CACHE"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(scope="session")
def minimal_pack() -> RulePack:
    return load_pack(MINIMAL)


@pytest.fixture(scope="session")
def shipped_pack() -> RulePack:
    return load_pack(REPO / "rules")


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    """A private copy of the minimal pack that a test may break."""
    target = tmp_path / "pack"
    shutil.copytree(MINIMAL, target)
    return target


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write


def cli_command() -> list[str]:
    """The installed console script, or the module if the script is not on PATH."""
    script = shutil.which("parole-screen", path=str(Path(sys.executable).parent)) or shutil.which(
        "parole-screen")
    return [script] if script else [sys.executable, "-m", "parole_screen"]


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    full_env.pop("PAROLE_SCREEN_RULES", None)
    full_env.update(env or {})
    return subprocess.run([*cli_command(), *args], input=input, capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120, check=False)
