"""The report's details (issue 18): reasons under a category that is not indicated, sources
in a terminal, text wrapped with hanging indents, fees as structured entries, and what
would change the result."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, cli_command
from parole_screen import RulePack, glossary, screen_record
from parole_screen.messages import UI
from parole_screen.report import outline, render, render_terminal
from test_report_first import CASES, scored

DETAILS_HEADING = UI["report.details"]

EXAMPLES = sorted((REPO / "examples").glob("*.json"))


def titled(result: dict[str, Any], words: Any = None) -> dict[str, Any]:
    _, sections = outline(result, words)
    return {section.key: section for section in sections}


# -- point 3: points in favour of a category that is not indicated ----------------------------

def test_reasons_of_a_category_not_indicated_move_below_the_concerns(
        shipped_pack: RulePack) -> None:
    result = scored(shipped_pack, "visa_overstay_inside_us")
    assert result["categories"]["humanitarian"]["band"] == "not_indicated"
    reasons = [reason["text"] for reason in result["categories"]["humanitarian"]["reasons"]]
    assert reasons
    shown = titled(result, glossary(shipped_pack))
    assert "why" not in shown  # nothing in favour of a category that fits
    moved = shown["not_enough"]
    assert moved.title == "Points in favour, but not enough"
    assert moved.intro == ("Humanitarian is not indicated, because a first parole request is "
                           "for people outside the United States.")
    assert [line.text.split(" (based on:")[0] for line in moved.lines] == [
        f"Humanitarian: {text}" for text in reasons]
    for fmt in ("text", "markdown", "html"):
        report = render(result, fmt, glossary(shipped_pack))
        assert (report.index("What weakens it") < report.index("Points in favour, but not enough")
                ), fmt


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_why_never_lists_a_category_that_is_not_indicated(shipped_pack: RulePack,
                                                          path: Path) -> None:
    record = json.loads(path.read_text())
    for day in (dt.date(2026, 3, 1), dt.date(2026, 12, 7)):
        result = screen_record(shipped_pack, record, day)
        out = {CATEGORY: cat["band"] for CATEGORY, cat in result["categories"].items()}
        shown = titled(result)
        for line in shown["why"].lines if "why" in shown else ():
            title = line.text.split(":")[0]
            cid = {"Humanitarian": "humanitarian", "Medical": "medical",
                   "Significant public benefit": "public_benefit", "Re-parole": "re_parole"}[title]
            assert out[cid] != "not_indicated", (path.stem, day, line.text)


# -- point 4: sources, wrapping, fee entries --------------------------------------------------

def test_a_terminal_shows_the_citations_used_and_their_count(shipped_pack: RulePack) -> None:
    result = scored(shipped_pack, "u4u_90_days_left")
    official = sorted(str(source["citation"]) for source in result["sources"].values()
                      if source["authority"] == "official")
    text = render_terminal(result, glossary(shipped_pack), width=120)
    tail = " ".join(text.partition("\nSources\n")[2].split())
    assert tail.startswith(f"\u2022 This report cites {len(result['sources'])} sources: "
                           f"{len(official)} official")
    for citation in official:
        assert citation in tail
    assert "Other sources consulted" not in text and "https://omb.report" not in text
    assert "--sources" in tail
    full = render_terminal(result, glossary(shipped_pack), width=120, all_sources=True)
    assert "\nOther sources consulted\n" in full and "https://omb.report" in full
    # files, Markdown, HTML and JSON keep every source, grouped by authority
    for fmt, heading in (("text", "\nSources\n-------\n"), ("markdown", "\n## Sources\n"),
                         ("html", '<section id="sources">')):
        report = render(result, fmt)
        assert "https://omb.report" in report and "This report cites" not in report
        official = report.index(heading)
        assert official < report.index("Other sources consulted"), fmt
        assert report.index("8 CFR 212.5(e)", official) < report.index("Other sources consulted")


@pytest.mark.parametrize("width", [60, 80, 120])
def test_terminal_text_wraps_at_words_with_hanging_indents(shipped_pack: RulePack,
                                                           width: int) -> None:
    result = scored(shipped_pack, "child_leukemia_abroad")
    text = render_terminal(result, glossary(shipped_pack), width=width)
    bullet = None
    for row in text.splitlines():
        if len(row) > width:  # only a word longer than a row (a web address) may overflow
            assert " " not in row.strip(), row
        marker = re.match(r"( *)(\u2022 |\d\. |- )", row)
        indent = len(row) - len(row.lstrip(" "))
        if marker:
            bullet = len(marker.group(0))
        elif indent <= 2:  # a heading, an intro, a bar: a block of its own
            bullet = None
        elif bullet:
            assert indent >= bullet, row  # a continued item hangs under its text
    # wrapping moves words, never cuts one: the words are the widest view's, in order
    assert text.split() == render_terminal(result, glossary(shipped_pack), width=500).split()


def test_a_fee_is_an_entry_of_its_own_with_its_exceptions_one_a_line(
        shipped_pack: RulePack) -> None:
    result = scored(shipped_pack, "child_leukemia_abroad")
    [fee] = [fee for fee in result["fees"] if fee["id"] == "parole_fee"]
    bullets = [part.strip() for part in fee["exception"].split("\u2022")[1:]]
    assert len(bullets) == 10
    plain = render(result, "text", glossary(shipped_pack))
    entry = plain[plain.index("* Immigration parole fee (8 U.S.C. 1804)"):]
    entry = entry[:entry.index("\n* ")]
    lines = entry.splitlines()
    assert lines[0] == ("* Immigration parole fee (8 U.S.C. 1804), due at each grant of parole: "
                        "$1,020 [8 U.S.C. 1804; 90 FR 48317; U8; S17; S19]")
    assert lines[1] == "  - In force from 2026-01-01."
    assert lines[2].startswith("  - Exceptions: You may not have to pay if DHS agrees")
    assert lines[3:13] == [f"    \u2022 {bullet}" for bullet in bullets]
    assert lines[13].startswith("  - It is not part of any filing fee")
    terminal = render_terminal(result, glossary(shipped_pack), width=120)
    assert "        \u2022 They have a medical emergency, and either" in terminal
    markdown = render(result, "markdown")
    assert "    - They have a medical emergency, and either" in markdown
    assert render(result, "html").count("<li>They are the parent or legal guardian") == 1


# -- point 7: what would change the result ----------------------------------------------------

CHANGES = [
    {"category": "re_parole", "question": "parole_expires_on", "answer": "2026-09-13",
     "kind": "answer", "band_now": "possible", "band_if": "strong",
     "range": {"gte": "2026-09-13"}},
    {"category": "humanitarian", "question": "harm_targeted", "answer": True, "kind": "answer",
     "band_now": "not_indicated", "band_if": "weak", "range": None},
    {"category": "re_parole", "question": "documents_in_hand", "answer": "i94_copy",
     "kind": "evidence", "band_now": "possible", "band_if": "strong", "range": None},
]


def test_what_would_change_is_shown_per_category_after_the_first_screen(
        shipped_pack: RulePack) -> None:
    result = copy.deepcopy(scored(shipped_pack, "u4u_90_days_left"))
    before = render(result, "json")
    assert "What would change the result" not in render(result, "text")  # no key, no section
    result["what_would_change"] = CHANGES
    words = glossary(shipped_pack)
    section = titled(result, words)["what_would_change"]
    assert [line.text for line in section.lines] == [
        "Humanitarian: If the answer to \u201cIs the danger aimed at them personally (for "
        "example named threats or attacks on them)?\u201d is yes, then humanitarian parole is "
        "likely weak (now: not indicated).",
        "Re-parole: If the answer to \u201cOn what date does their current parole end?\u201d is "
        "on or after 2026-09-13, then re-parole is likely strong (now: possible).",
        "Re-parole: If they get a copy of the I-94 record, then re-parole is likely strong "
        "(now: possible).",
    ]
    for fmt in ("text", "markdown", "html"):
        report = render(result, fmt, words)
        assert (report.index(DETAILS_HEADING) < report.index("What would change the result")
                < report.index("Warnings and referrals")), fmt
    # the report is a rendering: the result's JSON is only what it was, plus the key
    assert json.loads(render(result, "json")) == {**json.loads(before),
                                                  "what_would_change": CHANGES}


def test_what_would_change_reads_ranges_in_words(shipped_pack: RulePack) -> None:
    result = copy.deepcopy(scored(shipped_pack, "u4u_90_days_left"))
    result["what_would_change"] = [
        {**CHANGES[0], "range": {"gte": "2026-08-01", "lte": "2026-09-30"}},
        {**CHANGES[0], "question": "stay_months", "answer": 3, "range": {"lt": 6}},
        {**CHANGES[0], "range": {}},
    ]
    texts = [line.text for line in titled(result)["what_would_change"].lines]
    assert "is from 2026-08-01 to 2026-09-30, then" in texts[0]
    assert "\u201cstay_months\u201d is less than 6, then" in texts[1]
    assert texts[2].startswith("Re-parole: If \u201cparole_expires_on\u201d is answered, then")


# -- the terminal itself ----------------------------------------------------------------------

def test_score_in_a_120_by_40_terminal_prints_the_terminal_report(tmp_path: Path) -> None:
    """What a person sees: the real command in a pseudo-terminal 120 columns wide prints what
    render_terminal renders (the golden files pin it), with --sources the full list."""
    import pexpect

    name, day = CASES["u4u_90_days_left"]
    command = cli_command()
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}
    env.pop("PAROLE_SCREEN_RULES", None)
    shown = {}
    for extra in ([], ["--sources"]):
        child = pexpect.spawn(command[0], [*command[1:], "score", f"examples/{name}.json",
                                           "--as-of", day.isoformat(), *extra],
                              env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
                              dimensions=(40, 120))
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        shown[bool(extra)] = child.before.replace("\r\n", "\n")
    record = json.loads((REPO / "examples" / f"{name}.json").read_text())
    from parole_screen import load_pack

    pack = load_pack()
    result = screen_record(pack, record, day)
    assert shown[False] == render_terminal(result, glossary(pack), width=120)
    assert shown[True] == render_terminal(result, glossary(pack), width=120, all_sources=True)
