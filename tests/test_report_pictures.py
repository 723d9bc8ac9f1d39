"""The report's pictures (issue 18): the four bands as bars (block characters in a terminal
and in Markdown, inline SVG in HTML) and the dates that matter on a timeline, the dates to
know (milestones) kept apart and never counted down."""

from __future__ import annotations

import datetime as dt
import json
import re

from conftest import REPO
from parole_screen import RulePack, glossary, screen_record
from parole_screen.report import render, render_terminal
from test_report_first import first_screen, scored

FULL, EMPTY, UNKNOWN = "\u2588" * 12, "\u2591" * 12, "\u00b7" * 12


def expired(pack: RulePack) -> dict:
    """Parole ended 2026-03-22: on 2026-12-07 the 180-day mark has passed and the one-year
    mark (2027-03-22) is 105 days ahead, a date to know and not a date to act by."""
    record = json.loads((REPO / "examples" / "reparole_expired.json").read_text())
    return screen_record(pack, record, dt.date(2026, 12, 7))


def test_the_terminal_draws_each_band_as_a_bar(shipped_pack: RulePack) -> None:
    rows = first_screen(render_terminal(scored(shipped_pack, "u4u_90_days_left"),
                                        glossary(shipped_pack), width=120))
    bars = {row.split()[0]: row for row in rows if FULL[0] in row or EMPTY[0] in row}
    assert set(bars) == {"Humanitarian", "Medical", "Significant", "Re-parole"}
    assert "\u2588" * 8 + "\u2591" * 4 + "  possible" in bars["Re-parole"]
    assert EMPTY + "  not indicated" in bars["Medical"]


def test_not_enough_information_is_a_dotted_bar(minimal_pack: RulePack) -> None:
    result = screen_record(minimal_pack, {"location": "outside_us", "reason": "medical"},
                           dt.date(2026, 2, 1))
    assert result["categories"]["medical"]["band"] == "insufficient_information"
    text = render_terminal(result, glossary(minimal_pack), width=100)
    assert re.search(rf"Medical +{UNKNOWN}  not enough information", text)
    assert f"`{UNKNOWN}`" in render(result, "markdown")


def test_markdown_shows_the_bars_beside_the_words(shipped_pack: RulePack) -> None:
    text = render(scored(shipped_pack, "child_leukemia_abroad"), "markdown")
    assert ("- Medical: strong (Parent or guardian of a child who needs urgent treatment) "
            f"`{FULL}`") in text
    assert f"- Humanitarian: not indicated `{EMPTY}`" in text


def test_the_timeline_lists_the_dates_in_order_with_today(shipped_pack: RulePack) -> None:
    rows = first_screen(render_terminal(scored(shipped_pack, "visa_overstay_inside_us"),
                                        glossary(shipped_pack), width=120))
    dated = [row for row in rows if re.match(r"  \d{4}-\d\d-\d\d  ", row)]
    assert [row.split()[:3] for row in dated] == [
        ["2026-06-15", "\u25b6", "today"], ["2026-10-01", "\u25cf", "in"]]
    assert "in 108 days  Asylum one-year deadline" in dated[1]


def test_dates_to_know_are_apart_and_never_counted_down(shipped_pack: RulePack) -> None:
    result = expired(shipped_pack)
    terminal = render_terminal(result, glossary(shipped_pack), width=120)
    timeline = "\n".join(first_screen(terminal)).partition("Dates that matter")[2]
    acts, _, known = timeline.partition("  Dates to know (not dates to act by):")
    assert "2027-03-22" not in acts and "2026-09-19" not in acts
    assert re.search(r"2027-03-22  \u25c7  not yet reached +A year since parole ended", known)
    assert re.search(r"2026-09-19  \u25c7  passed", known)
    for fmt in ("text", "markdown", "html"):
        report = render(result, fmt, glossary(shipped_pack))
        assert "in 105 days" not in report, fmt  # the one-year mark is 105 days away
        for line in report.splitlines():
            if "2027-03-22" in line and "<svg" not in line:
                assert "not yet reached" in line, (fmt, line)
    plain = render(result, "text")
    assert ("2027-03-22: A year since parole ended - a date to know, not a date to act by "
            "(not yet reached)") in plain


def test_html_draws_the_bars_and_the_timeline_as_inline_svg(shipped_pack: RulePack) -> None:
    page = render(expired(shipped_pack), "html", glossary(shipped_pack))
    first = page.partition('<section class="part" id="part-act">')[0]
    assert first.count("<svg ") == 2 and first.count("</svg>") == 2
    bands = first[first.index('<section id="bands">'):first.index('<section id="timeline">')]
    assert bands.count('<rect x="200"') == 4  # one empty track each: none is indicated
    timeline = first[first.index('<section id="timeline">'):]
    axis = int(re.search(r'<line x1="20" y1="(\d+)"', timeline).group(1))
    # a date to act by above the line, a date to know below it, drawn as a hollow diamond
    ends = re.search(r'<text[^>]* y="(\d+)"[^>]*><tspan[^>]*>2026-03-22</tspan>', timeline)
    year = re.search(r'<text[^>]* y="(\d+)"[^>]*><tspan[^>]*>2027-03-22</tspan> '
                     r"A year since parole ended \(not yet reached\)", timeline)
    assert ends and year and int(ends.group(1)) < axis < int(year.group(1))
    assert '<path d="M' in timeline and 'fill="#fff"' in timeline


def test_html_has_no_external_assets(shipped_pack: RulePack) -> None:
    for case in ("child_leukemia_abroad", "u4u_90_days_left", "visa_overstay_inside_us"):
        page = render(scored(shipped_pack, case), "html", glossary(shipped_pack))
        for needle in ("<link", "<script", "<img", "src=", "@import", "url("):
            assert needle not in page, (case, needle)
        # links only to the sources and the help pages, as text a printout keeps
        assert all(href.startswith("https://") or href.startswith("http://")
                   for href in re.findall(r'href="([^"]*)"', page))
