"""What a report is made of: lines, sections and the marks of its two pictures.

:mod:`parole_screen.report` builds a report's outline from a result out of these; the
formatters (:mod:`parole_screen.report_text`, :mod:`parole_screen.report_html`) only lay it
out. Nothing here reads a result or imports another module of the package, so every module
of the report can import this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

CATEGORY_TITLES = {
    "humanitarian": "Humanitarian",
    "medical": "Medical",
    "public_benefit": "Significant public benefit",
    "re_parole": "Re-parole",
}
#: A category in a sentence: "Medical parole fits these answers best".
CATEGORY_NAMES = {
    "humanitarian": "humanitarian parole",
    "medical": "medical parole",
    "public_benefit": "significant public benefit parole",
    "re_parole": "re-parole",
}
BAND_TEXT = {
    "strong": "strong",
    "possible": "possible",
    "weak": "weak",
    "not_indicated": "not indicated",
    "insufficient_information": "not enough information",
}
SEVERITY_TEXT = {"stop": "STOP", "warn": "WARNING", "info": "NOTE"}

#: Where the first screen sends a person for help (the same places the pack's stop flags
#: name): the Justice Department's Recognition and Accreditation program, whose rosters list
#: the recognized (non-profit) organizations and their accredited representatives, and the
#: American Immigration Lawyers Association's public lawyer search.
EOIR_ROSTER_URL = "https://www.justice.gov/eoir/recognition-and-accreditation-program"
AILA_SEARCH_URL = "https://www.ailalawyer.com/"

# Parts of a report: the first screen, then the details in the order a person acts on
# them, then what comes later, then the sources. HTML starts a printed page at each part.
FIRST = "first"
ACT = "act"
LATER = "later"
SOURCES = "sources"


class Line(NamedTuple):
    """One bullet or sentence; ``style`` is a hint (good, bad, warn, stop, dim, strong).

    ``details`` are the line's own sub-items, each ``(depth, text)`` with depth 1 or 2: a
    fee's amount, dates, waiver and exceptions, shown under it with a hanging indent.
    """

    text: str
    style: str = ""
    cite: Sequence[str] = ()
    url: str | None = None
    details: Sequence[tuple[int, str]] = ()


class Mark(NamedTuple):
    """One mark of a picture: a category's bar (``kind`` ``band``, ``value`` the band id) or
    a date on the timeline (``kind`` ``deadline``, ``milestone``, ``today`` or ``fee``,
    ``value`` the ISO date, ``note`` "in 90 days", "passed", "not yet reached"...)."""

    label: str
    value: str
    kind: str
    note: str = ""
    style: str = ""


class Section(NamedTuple):
    """A titled list of lines. ``key`` names the section for the formatters and for tests
    (it never changes with the wording); ``part`` is where it sits (:data:`FIRST`...);
    ``numbered`` lists its lines 1, 2, 3; ``figure`` is the picture drawn in place of the
    lines where a picture can be drawn (the lines stay its words)."""

    title: str
    lines: list[Line]
    intro: str = ""
    key: str = ""
    part: str = ACT
    numbered: bool = False
    figure: Sequence[Mark] = ()


def money(amount: Any) -> str:
    """``$1,020`` for an amount in dollars; anything else as it is."""
    return f"${amount:,}" if isinstance(amount, int) and not isinstance(amount, bool) else str(
        amount)


def short_label(label: str, shortest: int = 12) -> str:
    """A label up to its first parenthesis or colon: "Parole ends (the date on the I-94)"
    becomes "Parole ends" where a picture or a sum has room for a name only. The label is
    kept whole when cutting would leave fewer than ``shortest`` characters."""
    cut = len(label)
    for mark in (" (", ": ", "; "):
        at = label.find(mark)
        if at >= shortest:
            cut = min(cut, at)
    return label[:cut].rstrip(" ,.")


def lower_first(text: str) -> str:
    """``A first request ...`` -> ``a first request ...`` (to follow "because"), leaving
    ``USCIS ...``, ``I-94 ...``, ``I ...`` and the like alone."""
    word = text.split(" ", 1)[0]
    if (word[:1].isupper() and word[1:].islower()) or (word == "A" and len(text) > 1):
        return text[0].lower() + text[1:]
    return text


#: A full stop that ends a sentence: after a small letter, a digit or a closing mark, and
#: before a capital (so "the U.S. Ask" and "8 U.S.C. 1804" are not cut).
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]\"'])\.\s+(?=[A-Z])")


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, with its full stop; all of it if it has one only."""
    found = _SENTENCE_END.search(text)
    return text if found is None else text[:found.start() + 1]


def days(count: int) -> str:
    """``1 day``, ``2 days``."""
    return f"{count} day{'s' if count != 1 else ''}"


def deadline_when(row: Mapping[str, Any], milestone: bool) -> str:
    """When a deadline row falls, in words. A milestone (the day a bar could start) gets no
    countdown: "in 105 days" under it would read as time left to act, e.g. to leave."""
    if row["status"] == "passed":
        return "passed"
    if row["status"] == "today":
        return "today"
    return "not yet reached" if milestone else f"in {days(row['days_from_as_of'])}"
