"""The wheel carries the default rule pack: a fresh install works from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(REPO)], check=True, capture_output=True)
    [built] = out.glob("parole_screen-*.whl")
    return built


def test_wheel_contains_the_pack_and_its_scenarios(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "parole_screen/rules/pack.yaml" in names
    assert "parole_screen/rules/questions.yaml" in names
    assert any(name.startswith("parole_screen/rules/tests/") for name in names)
    assert "parole_screen/py.typed" in names


def _see_running_dependencies(python: Path) -> None:
    """Let a new environment import the running environment's packages, not its source tree.

    The running interpreter may be a virtual environment (the README's set-up) or the system's
    (packages installed globally); ``system_site_packages`` would only see the latter. Plain
    folder lines in a .pth file are not scanned for .pth files of their own, so an editable
    install of this repository stays out of sight and ``parole_screen`` comes from the wheel.
    """
    folders = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    found = subprocess.run([str(python), "-c", "import sysconfig; "
                            "print(sysconfig.get_paths()['purelib'])"],
                           capture_output=True, text=True, check=True)
    own = Path(found.stdout.strip())
    (own / "running-environment.pth").write_text("".join(f"{f}\n" for f in folders))


def test_fresh_install_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    _see_running_dependencies(python)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--force-reinstall", str(wheel)], check=True,
                   capture_output=True)
    script = env_dir / "bin" / "parole-screen"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], cwd=elsewhere, capture_output=True,
                              text=True, input=stdin, env={"PATH": "/usr/bin:/bin",
                                                           "NO_COLOR": "1"}, check=False)

    located = subprocess.run([str(python), "-c", "import parole_screen.loader as l; "
                              "print(l.default_pack_path())"], capture_output=True, text=True,
                             cwd=elsewhere, check=True)
    assert str(env_dir) in located.stdout  # the pack inside the installed package
    for args in (["questions"], ["schema"], ["rules", "check"], ["rules", "test"]):
        done = run(*args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    for example in sorted((REPO / "examples").glob("*.json")):
        done = run("score", "-", "--format", "json", "--as-of", "2026-11-28",
                   stdin=example.read_text())
        assert done.returncode == 0, (example.name, done.stderr)
        assert json.loads(done.stdout)["schema"] == "parole-screen/result@1"
