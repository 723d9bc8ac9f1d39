"""The report as one HTML page a client can keep: self-contained (inline styles, the bands
and the dates as inline SVG, no external assets), titled with what it is (the person's id
only as a reference), the disclaimer on page 1, and printable: each part of the report
starts a new page.

Lays out an outline :func:`parole_screen.report.safe_outline` has already made safe; every
text is escaped here as HTML (text and attributes alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from .report_model import FIRST, Line, Mark, Section, band_text
from .report_text import BAR_CELLS, BAR_FILL, cites
from .texts import Texts

#: The parts after the first screen, each a printed page (or more) of its own: the
#: message id of each part's title.
PART_TITLES = {"act": "report.details", "later": "report.part.later",
               "sources": "report.part.sources"}

_CSS = """body{font-family:system-ui,"DejaVu Sans",sans-serif;max-width:50rem;margin:2rem auto;
padding:0 1rem;line-height:1.45;color:#111}h1{font-size:1.5rem;margin:0 0 .2rem}
.ref{color:#555;margin:0 0 .8rem}.disclaimer{border:2px solid #8a1c1c;padding:.4rem .8rem;
margin:.6rem 0;background:#fff8f8}h2{font-size:1.12rem;border-bottom:1px solid #ccc;
margin:1.2rem 0 .4rem}.part-title{font-size:1.3rem;margin-top:2.5rem;padding-top:1rem;
border-top:3px double #999}p{margin:.3rem 0}ul,ol{margin:.3rem 0;padding-left:1.6rem}
li{margin:.2rem 0}ul.details{margin:.15rem 0 .3rem;padding-left:1.2rem;list-style:disc}
ul.details ul{list-style:circle}.good{color:#05602b}.bad{color:#8a1c1c}.warn{color:#7a4b00}
.stop{color:#8a1c1c;font-weight:bold}.dim{color:#555}.strong{font-weight:bold}
.cite{color:#555;font-size:.85em;font-weight:normal}figure{margin:.4rem 0}
svg{max-width:100%;height:auto}svg text{font-family:system-ui,"DejaVu Sans",sans-serif;
font-size:13px;fill:#111}
@page{size:letter;margin:14mm 14mm 16mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:10pt;line-height:1.32}
.part~.part{break-before:page}.part-title{margin-top:0;padding-top:0;border:0}
h2{break-after:avoid;margin-top:.8rem}li,figure,.disclaimer{break-inside:avoid}
a{color:inherit;text-decoration:none}}"""

BAND_COLOURS = {"strong": "#1b7837", "possible": "#5aae61", "weak": "#e08214"}
TIMELINE_COLOURS = {"deadline": "#8a1c1c", "fee": "#7a4b00", "today": "#1f4e9c",
                    "milestone": "#666666"}


def esc(text: str) -> str:
    return escape(text, quote=True)


def html(title: str, sections: Sequence[Section], texts: Texts) -> str:
    """The page, in the language of ``texts`` (its ``lang`` tells screen readers and
    fonts)."""
    lang = texts.lang
    header = next((section for section in sections if section.key == "header"), None)
    help_ = next((section for section in sections if section.key == "help"), None)
    out = ["<!DOCTYPE html>", f'<html lang="{esc(lang)}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           "<header>", f"<h1>{esc(title)}</h1>"]
    if header is not None:
        out.append(f'<p class="ref">{" ".join(esc(line.text) for line in header.lines)}</p>')
    if help_ is not None and help_.lines:
        # The disclaimer first, on page 1 whatever follows; where to find help stays in its
        # place at the end of the first screen.
        out.append(f'<p class="disclaimer" id="disclaimer"><strong>'
                   f"{esc(help_.lines[0].text)}</strong></p>")
    out.append("</header>")
    part = None
    for section in sections:
        if section.key == "header":
            continue
        if section.part != part:
            if part is not None:
                out.append("</section>")
            part = section.part
            out.append(f'<section class="part" id="part-{esc(part)}">')
            if part != FIRST:
                out.append(f'<h1 class="part-title">{esc(texts(PART_TITLES[part]))}</h1>')
        lines = section.lines[1:] if section is help_ else section.lines
        out += _section(section, lines, texts)
    if part is not None:
        out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _section(section: Section, lines: Sequence[Line], texts: Texts) -> list[str]:
    out = [f'<section id="{esc(section.key)}">' if section.key else "<section>",
           f"<h2>{esc(section.title)}</h2>"]
    if section.intro:
        out.append(f'<p class="dim">{_text(section.intro)}</p>')
    if section.key == "bands" and section.figure:
        out.append(bands_svg(section.figure, texts))
    elif section.key == "timeline" and section.figure:
        out.append(timeline_svg(section.figure, texts))
    elif section.key == "summary":
        out += [f"<p{_css(line)}>{_text(line.text)}</p>" for line in lines]
    elif lines:
        tag = "ol" if section.numbered else "ul"
        out.append(f"<{tag}>")
        out += [_item(line) for line in lines]
        out.append(f"</{tag}>")
    out.append("</section>")
    return out


def _css(line: Line) -> str:
    return f' class="{esc(line.style)}"' if line.style else ""


def _text(text: str) -> str:
    return esc(text).replace("\n", "<br>")  # a line break stays in its item


def _item(line: Line) -> str:
    cite = f' <span class="cite">{esc(cites(line).strip())}</span>' if line.cite else ""
    link = (f' <a href="{esc(line.url)}">{esc(line.url)}</a>'
            if line.url and line.url.startswith(("https://", "http://")) else "")
    return f"<li{_css(line)}>{_text(line.text)}{cite}{link}{_details(line.details)}</li>"


def _details(details: Sequence[tuple[int, str]]) -> str:
    """A line's sub-items as nested lists (depth 2 under the depth-1 item before it)."""
    if not details:
        return ""
    out, open_inner = ['<ul class="details">'], False
    for depth, text in details:
        if depth > 1 and not open_inner:
            out[-1] = out[-1].removesuffix("</li>")
            out.append("<ul>")
            open_inner = True
        elif depth == 1 and open_inner:
            out.append("</ul></li>")
            open_inner = False
        out.append(f"<li>{_text(text)}</li>")
    if open_inner:
        out.append("</ul></li>")
    out.append("</ul>")
    return "".join(out)


# -- Pictures -------------------------------------------------------------------------------

def bands_svg(marks: Sequence[Mark], texts: Texts) -> str:
    """The four bands as bars: full for strong, two thirds for possible, a third for weak,
    an empty track for not indicated, a dashed one for not enough information."""
    row, name_width, track = 26, 200, 200
    height = row * len(marks) + 6
    words = "; ".join(f"{mark.label}: {band_text(mark.value, texts)}" for mark in marks)
    out = [f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 700 {height}" '
           f'width="700" height="{height}" role="img" aria-label="{esc(words)}">']
    for index, mark in enumerate(marks):
        y = index * row + 4
        fill = BAR_FILL.get(mark.value)
        out.append(f'<text x="0" y="{y + 15}">{esc(mark.label)}</text>')
        dashed = ' stroke="#999" stroke-dasharray="4 3"' if fill is None else ""
        out.append(f'<rect x="{name_width}" y="{y + 2}" width="{track}" height="16" '
                   f'fill="{"none" if fill is None else "#e6e6e6"}"{dashed}/>')
        if fill:
            out.append(f'<rect x="{name_width}" y="{y + 2}" width="{track * fill // BAR_CELLS}" '
                       f'height="16" fill="{BAND_COLOURS.get(mark.value, "#999")}"/>')
        said = band_text(mark.value, texts) + (f": {mark.note}" if mark.note else "")
        out.append(f'<text x="{name_width + track + 10}" y="{y + 15}">{esc(_clip(said, 46))}'
                   "</text>")
    out.append("</svg></figure>")
    return "".join(out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def timeline_svg(marks: Sequence[Mark], texts: Texts) -> str:
    """The dates on a line, earliest left: the dates to act by (and a reported fee change)
    above it, today as a blue tick, the dates to know below it in grey, hollow, with no
    countdown. Each date has a text row of its own, so labels never overlap."""
    days = [dt.date.fromisoformat(mark.value) for mark in marks]
    start, end = min(days), max(days)
    span = max((end - start).days, 1)
    left, right, row = 20, 680, 17

    def x(day: dt.date) -> float:
        if start == end:
            return (left + right) / 2
        return left + (right - left) * (day - start).days / span

    above = [(mark, day) for mark, day in zip(marks, days, strict=True)
             if mark.kind != "milestone"]
    below = [(mark, day) for mark, day in zip(marks, days, strict=True)
             if mark.kind == "milestone"]
    axis = 10 + row * len(above) + 12
    height = axis + 16 + row * len(below) + (row if below else 0) + 4
    words = "; ".join(f"{texts.date(mark.value)} {mark.label} ({mark.note})" for mark in marks)
    out = [f'<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 700 {height}" '
           f'width="700" height="{height}" role="img" aria-label="{esc(words)}">',
           f'<line x1="{left}" y1="{axis}" x2="{right}" y2="{axis}" stroke="#444" '
           'stroke-width="2"/>']
    for index, (mark, day) in enumerate(above):
        text_y = 10 + row * index + 12
        out += _dated(mark, x(day), axis, text_y, axis - 6, texts)
    if below:
        out.append(f'<text x="{left}" y="{axis + 16 + row - 4}" fill="#555" '
                   f'style="fill:#555;font-style:italic">{esc(texts("report.milestones"))}:'
                   "</text>")
    for index, (mark, day) in enumerate(below):
        text_y = axis + 16 + row * (index + 1) + 12
        out += _dated(mark, x(day), axis, text_y, axis + 6, texts)
    out.append("</svg></figure>")
    return "".join(out)


def _dated(mark: Mark, at: float, axis: int, text_y: int, symbol_y: int, texts: Texts
           ) -> list[str]:
    colour = TIMELINE_COLOURS.get(mark.kind, "#444")
    passed = mark.status == "passed"
    out = [f'<line x1="{at:.1f}" y1="{text_y + (4 if text_y < axis else -13)}" x2="{at:.1f}" '
           f'y2="{symbol_y}" stroke="#bbb" stroke-width="1"/>']
    if mark.kind == "milestone":
        out.append(f'<path d="M{at:.1f} {axis - 6} l6 6 l-6 6 l-6 -6 z" fill="#fff" '
                   f'stroke="{colour}" stroke-width="1.5"/>')
    elif mark.kind == "today":
        out.append(f'<rect x="{at - 1.5:.1f}" y="{axis - 9}" width="3" height="18" '
                   f'fill="{colour}"/>')
    else:
        out.append(f'<circle cx="{at:.1f}" cy="{axis}" r="5.5" '
                   f'fill="{"#fff" if passed else colour}" stroke="{colour}" '
                   'stroke-width="1.5"/>')
    said = (f"{texts('report.when.today')}: {texts('report.timeline.screened')}"
            if mark.kind == "today" else f"{mark.label} ({mark.note})")
    anchor = "start" if at < 350 else "end"
    shift = 4 if anchor == "start" else -4
    style = f' style="fill:{colour}"' if mark.kind in ("today", "milestone") or passed else ""
    out.append(f'<text x="{at + shift:.1f}" y="{text_y}" text-anchor="{anchor}"{style}>'
               f"<tspan font-weight=\"bold\">{esc(texts.date(mark.value))}</tspan> "
               f"{esc(_clip(said, 70))}</text>")
    return out
