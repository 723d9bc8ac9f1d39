"""The report as text: plain lines for files, pipes and screen readers, and the terminal's
view (wrapped to its width with hanging indents, the bands as bars, the dates on a
timeline).

Both lay out an outline :func:`parole_screen.report.safe_outline` has already made safe;
nothing here reads a result. No colour codes are written here: a terminal row is a list of
``(text, style)`` chunks that :func:`parole_screen.report.print_rich` styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .report_model import FIRST, Line, Mark, Section, band_text
from .texts import Texts

Chunk = tuple[str, str]  # (text, style)
Row = list[Chunk]

#: Where a terminal is wider, the text still wraps here: long lines are hard to read.
MAX_WIDTH = 120
BAR_CELLS = 12
#: How much of a bar each band fills (not enough information: none, drawn dotted).
BAR_FILL = {"strong": 12, "possible": 8, "weak": 4, "not_indicated": 0}
TIMELINE_MARKS = {"deadline": "\u25cf", "passed": "\u25cb", "today": "\u25b6",
                  "milestone": "\u25c7", "fee": "$"}


def cites(line: Line, escape: Callable[[str], str] = str) -> str:
    """`` [a; b]``: the line's sources as the outline labelled them (a legal citation may
    hold a comma, so they are joined with semicolons)."""
    unique = list(dict.fromkeys(line.cite))  # each source once, in first-cited order
    return (" [" + "; ".join(map(escape, unique)) + "]") if unique else ""


def continued(text: str, indent: str) -> str:
    """A line's text with each line after its first indented under the first, so a newline
    (from an answer, say) stays inside its item instead of starting a line of its own."""
    return text.replace("\n", "\n" + indent) if "\n" in text else text


# -- Plain text ---------------------------------------------------------------------------

def plain_text(title: str, sections: Sequence[Section], texts: Texts) -> str:
    """Plain text, one item a line (never wrapped: made for files, pipes and screen
    readers), no colour and no box drawing."""
    out = [title, "=" * len(title), ""]
    first = True
    details = texts("report.details")
    for section in sections:
        if first and section.part != FIRST:
            out += [details, "=" * len(details), ""]
            first = False
        if section.key == "header":
            out += [line.text for line in section.lines] + [""]
            continue
        out += [section.title, "-" * len(section.title)]
        if section.intro:
            out.append(section.intro)
        for number, line in enumerate(section.lines, 1):
            bullet = f"{number}. " if section.numbered else "* "
            out.append(f"{bullet}{continued(line.text, '  ')}{cites(line)}"
                       + (f" <{line.url}>" if line.url else ""))
            out += [f"{'  ' * depth}{'-' if depth == 1 else chr(0x2022)} "
                    f"{continued(text, '  ' * depth + '  ')}" for depth, text in line.details]
        out.append("")
    return "\n".join(out)


# -- The terminal -------------------------------------------------------------------------

def terminal_rows(title: str, sections: Sequence[Section], texts: Texts, width: int
                  ) -> list[Row]:
    """The report as a terminal ``width`` columns wide shows it: one row a list of chunks."""
    width = max(20, min(width, MAX_WIDTH))
    rows: list[Row] = []
    first = True
    for section in sections:
        if first and section.part != FIRST:
            rows += [[], [(texts("report.details"), "title")]]
            first = False
        if section.key == "header":  # on the title's row where it fits
            rows += wrap([(title, "title"), (" \u00b7", "dim"), *((f" {line.text}", line.style)
                                              for line in section.lines)], width, "", "")
            continue
        rows += [[] if rows else [(title, "title")], [(section.title, "heading")]]
        if section.intro:
            rows += wrap([(section.intro, "dim")], width, "  ", "  ")
        if section.key == "summary":
            for line in section.lines:
                rows += wrap([(line.text, line.style)], width, "  ", "  ")
        elif section.figure and section.key == "bands":
            rows += _bars(section.figure, width, texts)
        elif section.figure and section.key == "timeline":
            rows += _timeline(section.figure, width, texts)
        else:
            rows += _items(section, width)
    rows.append([])
    rows += wrap([(texts("report.scroll_up"), "dim")], width, "", "")
    return rows


def _items(section: Section, width: int) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(section.lines, 1):
        bullet = f"{number}. " if section.numbered else "\u2022 "
        chunks = [(line.text, line.style)]
        if line.cite:
            chunks.append((cites(line), "dim"))
        if line.url:
            chunks.append((": " if line.text.endswith(tuple("abcdefghijklmnopqrstuvwxyz")) else
                           " ", line.style))
            chunks.append((line.url, "dim"))
        rows += wrap(chunks, width, "  " + bullet, "  " + " " * len(bullet))
        for depth, text in line.details:
            lead = "    " * depth
            marker = "- " if depth == 1 else "\u2022 "
            rows += wrap([(text, "")], width, lead + marker, lead + "  ")
    return rows


def wrap(chunks: Sequence[Chunk], width: int, first: str, rest: str) -> list[Row]:
    """Chunks filled into rows of at most ``width`` columns at word boundaries, the first row
    led by ``first`` and the others by ``rest`` (a hanging indent). A word longer than a row
    (a web address) gets a row of its own, unbroken; a newline inside a text starts a new
    row under the same indent. Chunks meet where their texts meet: ``"law"`` then ``"."``
    stay one word."""
    rows: list[Row] = []
    row: Row = [(first, "")] if first else []
    used, fresh = len(first), True
    for word in _words(chunks):
        size = sum(len(piece) for piece, _ in word)
        if not word or (not fresh and used + 1 + size > width):
            rows.append(row)
            row, used, fresh = ([(rest, "")] if rest else []), len(rest), True
        if not word:  # a newline
            continue
        if not fresh:
            row.append((" ", word[0][1]))
            used += 1
        row += word
        used += size
        fresh = False
    rows.append(row)
    return [_merged(row) for row in rows]


def _words(chunks: Sequence[Chunk]) -> list[Row]:
    """The chunks' words, each as its styled pieces (a word split between two chunks has
    two); an empty word stands for a newline."""
    words: list[Row] = []
    spaced = False
    for text, style in chunks:
        for part in _SPACES.split(text):
            if part == "\n":
                words.append([])
                spaced = False
            elif part.startswith(" "):
                spaced = True
            elif part:
                if not spaced and words and words[-1]:
                    words[-1].append((part, style))  # glued to the word before
                else:
                    words.append([(part, style)])
                spaced = False
    return words


_SPACES = re.compile(r"(\n| +)")


def _merged(row: Row) -> Row:
    """Neighbouring chunks of one style as one (fewer, longer spans for the terminal)."""
    merged: Row = []
    for text, style in row:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


def _bars(marks: Sequence[Mark], width: int, texts: Texts) -> list[Row]:
    """Each category's band as a bar: full for strong, two thirds for possible, a third for
    weak, empty for not indicated, dotted for not enough information."""
    name_width = max(len(mark.label) for mark in marks) + 2
    rows: list[Row] = []
    for mark in marks:
        fill = BAR_FILL.get(mark.value)
        bar: Row = ([("\u2588" * fill, mark.style or "good"),
                     ("\u2591" * (BAR_CELLS - fill), "dim")]
                    if fill is not None else [("\u00b7" * BAR_CELLS, "dim")])
        band = band_text(mark.value, texts)
        lead = "  " + mark.label.ljust(name_width)
        tail = [(band, mark.style)]
        if mark.note:
            tail.append((f": {mark.note}", "dim"))
        wrapped = wrap(tail, width - len(lead) - BAR_CELLS - 2, "", "  ")
        rows.append([(lead, ""), *bar, ("  ", ""), *wrapped[0]])
        indent = " " * (len(lead) + BAR_CELLS + 2)
        rows += [[(indent, ""), *more] for more in wrapped[1:]]
    return rows


def _timeline(marks: Sequence[Mark], width: int, texts: Texts) -> list[Row]:
    """The dates on a timeline, earliest first, today among them; the dates to know apart,
    under their own heading, with no countdown."""
    acts = [mark for mark in marks if mark.kind != "milestone"]
    known = [mark for mark in marks if mark.kind == "milestone"]
    when_width = max(len(mark.note) for mark in marks if mark.kind != "today") if len(
        marks) > 1 else 0
    date_width = max(len(texts.date(mark.value)) for mark in marks) if marks else 0
    rows: list[Row] = []
    for mark in acts:
        rows += _dated(mark, when_width, date_width, width, texts)
    if known:
        rows.append([(f"  {texts('report.milestones')}:", "dim")])
        for mark in known:
            rows += _dated(mark, when_width, date_width, width, texts)
    return rows


def _dated(mark: Mark, when_width: int, date_width: int, width: int, texts: Texts
           ) -> list[Row]:
    if mark.kind == "today":
        symbol, when, style = TIMELINE_MARKS["today"], texts("report.when.today"), "strong"
        label = texts("report.timeline.screened_label")
    else:
        passed = mark.status == "passed"
        symbol = TIMELINE_MARKS["passed" if passed and mark.kind == "deadline" else mark.kind]
        when, style, label = mark.note, mark.style, mark.label
    lead = f"  {texts.date(mark.value).ljust(date_width)}  {symbol}  {when.ljust(when_width)}  "
    body_width = width - len(lead)
    wrapped = wrap([(label, style)], body_width, "", "")
    return [[(lead, style if mark.kind == "today" else "dim"), *wrapped[0]],
            *[[(" " * len(lead), ""), *more] for more in wrapped[1:]]]
