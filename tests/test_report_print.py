"""The HTML report in a real browser (issue 18): Debian's headless Chromium opens it, its DOM
holds the report's parts and sections in order, and printed to PDF it starts each part on a
new page with the summary and the disclaimer on page 1 (read back with poppler's pdftotext).

The browser and poppler are system packages (``apt-get install chromium-headless-shell
poppler-utils fonts-dejavu-core``; ``.ci/run`` installs them when missing). Where ``CI`` is
set (``.ci/run`` sets it) a missing one fails the test; elsewhere the test is skipped and
says what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import cli_command
from parole_screen import RulePack, glossary, load_pack, load_texts
from parole_screen.messages import UI
from parole_screen.report import render
from parole_screen.report_html import PART_TITLES
from test_report_first import CASES, scored

DETAILS_HEADING = UI["report.details"]

INSTALL = "apt-get install -y chromium-headless-shell poppler-utils fonts-dejavu-core"


def tools() -> tuple[str, str, str]:
    """The browser, pdftotext and pdfinfo; a missing one fails under CI, else skips."""
    browser = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    pdftotext, pdfinfo = shutil.which("pdftotext"), shutil.which("pdfinfo")
    if browser and pdftotext and pdfinfo:
        return browser, pdftotext, pdfinfo
    missing = ", ".join(name for name, found in (("chromium-headless-shell or chromium", browser),
                                                 ("pdftotext", pdftotext),
                                                 ("pdfinfo", pdfinfo)) if not found)
    if os.environ.get("CI"):
        pytest.fail(f"{missing} not found: CI must print the HTML report ({INSTALL})")
    pytest.skip(f"{missing} not found; to run this test: {INSTALL}")


def browse(browser: str, page: Path, tmp_path: Path, *how: str) -> subprocess.CompletedProcess:
    """Run the headless browser on ``page`` (a local file; no network is needed or used)."""
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-background-networking",
         f"--user-data-dir={tmp_path / 'profile'}", *how, page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)


class Sections(HTMLParser):
    """The ids of the DOM's ``section`` elements, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.disclaimer_at: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("id"):
            self.ids.append(str(found["id"]))
        if found.get("id") == "disclaimer":
            self.disclaimer_at = len(self.ids)


@pytest.fixture(scope="module")
def printed(shipped_pack: RulePack, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Any]:
    browser, pdftotext, pdfinfo = tools()
    out: dict[str, Any] = {}
    for case in CASES:
        folder = tmp_path_factory.mktemp(case)
        result = scored(shipped_pack, case)
        page = folder / "report.html"
        page.write_text(render(result, "html", glossary(shipped_pack)), encoding="utf-8")
        dom = browse(browser, page, folder, "--dump-dom")
        assert dom.returncode == 0, dom.stderr[-2000:]
        pdf = folder / "report.pdf"
        done = browse(browser, page, folder, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
        assert done.returncode == 0 and pdf.is_file(), done.stderr[-2000:]
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        pages = int(next(line.split()[1] for line in info.stdout.splitlines()
                         if line.startswith("Pages:")))
        texts = [subprocess.run([pdftotext, "-f", str(number), "-l", str(number), str(pdf),
                                 "-"], capture_output=True, text=True, check=True).stdout
                 for number in range(1, pages + 1)]
        out[case] = {"result": result, "dom": dom.stdout, "pages": pages,
                     "texts": [" ".join(text.split()) for text in texts]}
    return out


@pytest.mark.parametrize("case", CASES)
def test_the_browser_sees_the_parts_and_sections_in_order(printed: dict[str, Any],
                                                          case: str) -> None:
    parsed = Sections()
    parsed.feed(printed[case]["dom"])
    ids = parsed.ids
    first = ids[:ids.index("part-act")]
    assert first[0] == "part-first"
    assert [key for key in first if key in ("summary", "do_first", "cost", "bands", "help")] == [
        "summary", "do_first", "cost", "bands", "help"]
    parts = [key for key in ids if key.startswith("part-")]
    assert parts == ["part-first", "part-act", "part-later", "part-sources"]
    assert ids[-3:] == ["sources", "other_sources", "about"]
    assert parsed.disclaimer_at == 0  # in the header, before any section
    assert "<svg" in printed[case]["dom"]  # the pictures survive the browser's parser


@pytest.mark.parametrize("case", CASES)
def test_printed_page_one_holds_the_summary_and_the_disclaimer(printed: dict[str, Any],
                                                               case: str) -> None:
    result, texts = printed[case]["result"], printed[case]["texts"]
    page_one = texts[0]
    assert page_one.startswith("Immigration parole screening report Reference: ")
    assert " ".join(str(result["disclaimer"]).split()) in page_one
    for heading in ("What this means", "Do this first", "Expected cost on",
                    "How each kind of parole fits", "A screening, not legal advice"):
        assert heading in page_one, heading
    summary = ("None of the four kinds of parole fits these answers." if not
               result["top_category"] else "fits these answers best")
    assert summary in page_one
    assert DETAILS_HEADING not in page_one


@pytest.mark.parametrize("case", CASES)
def test_each_part_starts_a_printed_page(printed: dict[str, Any], case: str) -> None:
    texts, pages = printed[case]["texts"], printed[case]["pages"]
    assert 4 <= pages <= 14, pages  # four parts, each a page or more; no runaway layout
    starts = []
    for part in ("act", "later", "sources"):
        title = UI[PART_TITLES[part]]
        [number] = [number for number, text in enumerate(texts) if text.startswith(title)]
        starts.append(number)
    assert starts[0] == 1 and starts == sorted(starts) and len(set(starts)) == 3
    assert texts[-1].rstrip().endswith(" ".join(str(printed[case]["result"]["disclaimer"])
                                                .split()))


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must print the HTML report"):
        tools()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium-headless"):
        tools()


def test_score_in_russian_prints_to_a_pdf_whose_text_is_cyrillic(tmp_path: Path) -> None:
    """`score --lang ru -f html`, printed by the browser: the PDF's text is the Russian
    report (title, disclaimer, headings), drawn in a font that has Cyrillic."""
    browser, pdftotext, _ = tools()
    example = Path(__file__).parent.parent / "examples" / "family_dying_parent_strong.json"
    page = tmp_path / "report.html"
    done = subprocess.run([*cli_command(), "score", str(example), "--as-of", "2026-12-01",
                           "--lang", "ru", "-f", "html", "--out", str(page)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "report.pdf"
    printed = browse(browser, page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert printed.returncode == 0 and pdf.is_file(), printed.stderr[-2000:]
    text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    ru = load_texts(load_pack(Path(__file__).parent.parent / "rules"), "ru")
    assert text.startswith(ru("report.title"))
    for heading in ("report.summary", "report.do_first", "report.bands", "report.sources"):
        assert ru(heading) in text
    assert "Это предварительная проверка, а не юридическая консультация." in text
    # The first screen is the person's: Russian but for form numbers and official names (the
    # sources after it keep the titles they were published under).
    first_screen = text.split(ru("report.details"))[0]
    letters = [char for char in first_screen if char.isalpha()]
    cyrillic = sum("\u0400" <= char <= "\u04ff" for char in letters)
    assert cyrillic / len(letters) > 0.6, cyrillic / len(letters)
    fonts = shutil.which("pdffonts")
    if fonts:  # poppler-utils has it: the glyphs come from a real font, not boxes
        listed = subprocess.run([fonts, str(pdf)], capture_output=True, text=True,
                                check=True).stdout
        assert len(listed.splitlines()) > 2, listed
