"""The report as Markdown: a file a client keeps or a case system stores.

Lays out an outline :func:`parole_screen.report.safe_outline` has already made safe for
text; here pack text is also kept from turning into Markdown (links, emphasis, HTML,
headings, list items). The bands are drawn as bars of block characters beside their words;
the timeline is its list of dates (the dates to know apart, with no countdown).
"""

from __future__ import annotations

import re

from .report_model import FIRST, Section
from .report_text import BAR_CELLS, BAR_FILL, cites
from .texts import Texts


def markdown(title: str, sections: list[Section], texts: Texts) -> str:
    """The outline as Markdown, its part headings in the language of ``texts``."""
    out = [f"# {_md(title)}", ""]
    first = True
    for section in sections:
        if first and section.part != FIRST:
            out += ["---", "", f"# {_md(texts('report.details'))}", ""]
            first = False
        if section.key == "header":
            out += [" ".join(_md(line.text) for line in section.lines), ""]
            continue
        out += [f"## {_md(section.title)}", ""]
        if section.intro:
            out += [_md_lines(section.intro), ""]
        if section.key == "bands" and section.figure:
            out += [f"- {_md(line.text)} `{_bar(mark.value)}`"
                    for line, mark in zip(section.lines, section.figure, strict=True)]
            out.append("")
            continue
        for number, line in enumerate(section.lines, 1):
            bullet = f"{number}." if section.numbered else "-"
            indent = " " * (len(bullet) + 1)
            out.append(f"{bullet} {_md_lines(line.text)}{cites(line, _md)}"
                       + (f" <{line.url}>" if line.url else ""))
            out += [f"{indent}{'  ' * (depth - 1)}- {_md_lines(text)}"
                    for depth, text in line.details]
        out.append("")
    return "\n".join(out)


def _bar(band: str) -> str:
    fill = BAR_FILL.get(band)
    if fill is None:
        return "\u00b7" * BAR_CELLS
    return "\u2588" * fill + "\u2591" * (BAR_CELLS - fill)


#: What would start a block of its own at the start of a line in a list item: a list
#: marker, a heading or thematic-break underline, a fence, a table row, an ordered item.
_MD_BLOCK_START = re.compile(r"^(?:[-+=~|]|\d+[.)])")


def _md_lines(text: str) -> str:
    """:func:`_md` for a text that may hold newlines: each line after the first becomes a
    hard line break inside the same item, its leading spaces dropped (four would start
    code) and a character that would open a block of its own escaped."""
    if "\n" not in text:
        return _md(text)
    first, *rest = text.split("\n")
    lines = [_md(first)]
    for line in rest:
        line = _md(line.strip())
        if line:  # (a blank line would end the item)
            lines.append(_MD_BLOCK_START.sub(_md_unblock, line))
    return "\\\n  ".join(lines)


def _md_unblock(found: re.Match[str]) -> str:
    """``-`` as ``\\-``, ``12.`` as ``12\\.``: shown as written, opening nothing."""
    return found.group()[:-1] + "\\" + found.group()[-1]


def _md(text: str) -> str:
    # Pack text is data: stop it from turning into links, emphasis or HTML in a viewer.
    for char in ("\\", "`", "*", "_", "[", "]", "<", ">", "#"):
        text = text.replace(char, "\\" + char)
    return text
