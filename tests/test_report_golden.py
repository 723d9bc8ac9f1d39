"""Golden files: the reports of issue 18's three interviews, byte for byte, in each format
and each language.

``tests/golden/<case>.txt`` (``<case>.es.txt``, ``<case>.ru.txt`` in Spanish and Russian) is
the terminal's view 120 columns wide (what ``score`` prints
to a terminal, without colour), ``.md`` the Markdown, ``.html`` the HTML and ``.json`` the
result. A change to the report, the pack or the engine that alters one fails here; when the
change is meant, regenerate them all with one line and read the diff before committing::

    PAROLE_SCREEN_REGOLD=1 python -m pytest -q tests/test_report_golden.py && git diff tests/golden
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parole_screen import RulePack, glossary, pack_in
from parole_screen.report import render, render_terminal
from test_report_first import CASES, scored

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"txt": "terminal", "md": "markdown", "html": "html", "json": "json"}
LANGS = {"en": "", "es": ".es", "ru": ".ru"}


def rendered(pack: RulePack, case: str, fmt: str, lang: str = "en") -> str:
    pack = pack_in(pack, lang)
    result, words = scored(pack, case), glossary(pack)
    if fmt == "terminal":
        return render_terminal(result, words, width=120)
    return render(result, fmt, words)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_report_matches_its_golden_file(shipped_pack: RulePack, case: str, suffix: str,
                                        lang: str) -> None:
    path = GOLDEN / f"{case}{LANGS[lang]}.{suffix}"
    now = rendered(shipped_pack, case, FORMATS[suffix], lang)
    if os.environ.get("PAROLE_SCREEN_REGOLD"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(now, encoding="utf-8", newline="\n")
    assert path.is_file(), f"{path} is missing: see this module's docstring to make it"
    assert now == path.read_text(encoding="utf-8"), (
        f"{path.name} changed: if meant, regenerate (this module's docstring) and read the diff")


def test_every_golden_file_is_a_case_and_a_format() -> None:
    expected = {f"{case}{infix}.{suffix}" for case in CASES for suffix in FORMATS
                for infix in LANGS.values()}
    assert {path.name for path in GOLDEN.iterdir()} == expected
