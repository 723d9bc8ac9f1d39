"""What a report is made of: lines, sections and the marks of its two pictures.

:mod:`parole_screen.report` builds a report's outline from a result out of these; the
formatters (:mod:`parole_screen.report_text`, :mod:`parole_screen.report_html`) only lay it
out. Nothing here reads a result or imports a module of the report, so every module of the
report can import this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .messages import UI
from .texts import ENGLISH, Texts

#: The four categories, in the report's order.
CATEGORIES = ("humanitarian", "medical", "public_benefit", "re_parole")

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
    ``value`` the ISO date, ``note`` "in 90 days", "passed", "not yet reached"... in the
    report's language, ``status`` the date's ``passed``, ``today`` or ``ahead`` in none)."""

    label: str
    value: str
    kind: str
    note: str = ""
    style: str = ""
    status: str = ""


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


def category_title(cid: str, texts: Texts) -> str:
    """A category as a heading: "Medical"."""
    return texts(f"report.category.{cid}") if cid in CATEGORIES else cid


def category_name(cid: str, texts: Texts) -> str:
    """A category in a sentence: "medical parole"."""
    return texts(f"report.category_name.{cid}") if cid in CATEGORIES else cid


def band_text(band: str, texts: Texts) -> str:
    """A band in words: "not enough information"."""
    return texts(f"report.band.{band}") if f"report.band.{band}" in UI else band


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


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, with its full stop; all of it if it has one only.

    A sentence ends at a full stop after a small letter, a digit or a closing mark, before
    a space and a capital (in any script), so "the U.S. Ask" and "8 U.S.C. 1804" are not
    cut."""
    for found in _FULL_STOP.finditer(text):
        before = text[found.start() - 1]
        after = text[found.end():].lstrip("\u00ab\u201c\"'\u00bf\u00a1([")[:1]
        if (before.islower() or before.isdigit() or before in ")]\"'\u00bb\u201d") \
                and after.isupper():
            return text[:found.start() + 1]
    return text


_FULL_STOP = re.compile(r"(?<=.)\.\s+(?=.)")


def days(count: int, texts: Texts) -> str:
    """``1 day``, ``2 days`` (``2 дня``, ``5 дней``)."""
    return texts.plural("report.days", count)


def deadline_when(row: Mapping[str, Any], milestone: bool, texts: Texts) -> str:
    """When a deadline row falls, in words. A milestone (the day a bar could start) gets no
    countdown: "in 105 days" under it would read as time left to act, e.g. to leave."""
    if row["status"] == "passed":
        return texts("report.when.passed")
    if row["status"] == "today":
        return texts("report.when.today")
    if milestone:
        return texts("report.when.not_reached")
    return texts("report.when.in", days=days(row["days_from_as_of"], texts))


def texts_of(words: Any) -> Texts:
    """The language a report is written in: the glossary's (see
    :func:`parole_screen.report.glossary`), else English."""
    found = getattr(words, "texts", None)
    return found if isinstance(found, Texts) else ENGLISH
