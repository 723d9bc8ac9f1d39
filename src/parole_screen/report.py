"""Render a result as JSON, Markdown, HTML or terminal text: one outline, four skins.

:func:`outline` decides what the report says and in which order: first the first screen
(what the result means, what to do first, what it costs, the bands and the dates as
pictures, where to get help; see :mod:`parole_screen.report_first`), then the details in
the order a person acts on them, then what comes later, then the sources. The formatters
(:mod:`parole_screen.report_text`, :mod:`parole_screen.report_markdown`,
:mod:`parole_screen.report_html`) only lay it out. Text from the rule pack is escaped for
every target (HTML entities, Markdown is written as plain lines, rich text is never parsed
as markup).

Every renderer takes the outline through :func:`safe_outline`, the one place where text
from a pack or an answer is made safe to show: control characters (ESC sequences, C1,
bidi overrides) are written as visible escapes, and a newline is kept only inside a line's
own text, where each renderer keeps it inside its item (indented under a text bullet, a
hard break in Markdown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from .engine import Result
from .errors import ParoleScreenError, printable
from .models import BANDS, Basis, Factor
from .pack import RulePack
from .report_first import change_lines, first_screen, missing_lines
from .report_model import (
    CATEGORIES,
    LATER,
    SOURCES,
    Line,
    Mark,
    Section,
    band_text,
    category_title,
    deadline_when,
    first_sentence,
    lower_first,
    texts_of,
)
from .texts import ENGLISH, Texts

FORMATS = ("text", "json", "markdown", "html")
#: Other names ``render`` and ``score -f`` take for a format.
FORMAT_ALIASES = {"md": "markdown", "txt": "text", "htm": "html"}


Glossary = Mapping[str, tuple[str, Mapping[str, str]]]


class Words(dict[str, tuple[str, dict[str, str]]]):
    """Question id -> (question text, choice value -> label), and the pack they come from,
    whose base scores, weights and thresholds explain a result's bands."""

    pack: RulePack | None = None
    #: The report's language (texts not translated yet stay English).
    texts: Texts = ENGLISH


def glossary(pack: RulePack) -> Words:
    """The pack's words for a report: questions and choices, to show answers in words, and
    (for an explained result) the arithmetic behind each band; in the pack's language
    (a pack from :func:`parole_screen.pack_in` writes its report in that language)."""
    words = Words({entry.question.id: (
        entry.question.text, {choice.value: choice.label for choice in entry.question.choices})
        for entry in pack.questions})
    words.pack = pack
    words.texts = pack.texts
    return words


def render(result: Result, fmt: str, words: Glossary | None = None) -> str:
    """Render ``result`` as ``json``, ``markdown`` (or ``md``), ``html`` or plain ``text``.

    With ``words`` (see :func:`glossary`) answers and missing questions are shown as the
    questions and choices the person saw, not as ids, and a result scored with
    ``explain=True`` shows how each band was reached (:func:`band_lines`); JSON is never
    changed.
    """
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        return render_markdown(result, words)
    if fmt == "html":
        return render_html(result, words)
    if fmt == "text":
        return render_plain(result, words)
    raise ParoleScreenError(f"unknown report format '{printable(fmt)}'; use one of json, "
                            "markdown (md), html, text", kind="usage")


def render_json(result: Result) -> str:
    return json.dumps(result, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def _answers_text(answers: dict[str, Any], words: Glossary | None, texts: Texts) -> str:
    """The answers a rule read, as the person gave them. A question left unanswered that
    did not decide it (the rule held or failed on the others) is left out: "not answered"
    beside a question never asked reads as if it were missing."""
    given = {qid: value for qid, value in answers.items() if value is not None}
    shown = []
    for qid, value in (given or answers).items():
        question, labels = words[qid] if words and qid in words else (qid, {})
        if value is None:
            answer = texts("report.answer.not_answered")
        elif isinstance(value, bool):
            answer = texts("report.yes") if value else texts("report.no")
        elif isinstance(value, list):
            answer = (", ".join(labels.get(v, str(v)) for v in value)
                      or texts("report.answer.none"))
        elif isinstance(value, str) and question != qid and _ISO_DATE.match(value):
            answer = texts.date(value)
        else:
            answer = labels.get(value, str(value))
        shown.append(f"{question} {answer}" if words else f"{question}: {answer}")
    return "; ".join(shown)


def outline(result: Result, words: Glossary | None = None, *, all_sources: bool = True
            ) -> tuple[str, list[Section]]:
    """The report's title and its sections, in reading order (empty sections left out).

    With ``all_sources`` false (a terminal), the sources are the citations used and their
    count, not the list of titles and links.
    """
    texts = texts_of(words)
    labels = _source_labels(result["sources"], texts)
    lang = (result.get("rule_pack") or {}).get("lang", "en")
    if lang != texts.lang:
        # A report in one language around texts in another would also add up the fees
        # wrongly (their kind is read from the English; see report_first.fee_kind).
        raise ParoleScreenError(
            f"this result's texts are in '{printable(str(lang))}' and the report's in "
            f"'{texts.lang}': render it with glossary(pack_in(pack, '{printable(str(lang))}'))",
            kind="usage")
    assessed = _assessment(result, words, texts)
    as_of = texts.date(result["as_of"])
    sections = [
        *first_screen(result, words),
        Section(texts("report.what_would_change"), change_lines(result, words),
                texts("report.intro.what_would_change"), key="what_would_change"),
        Section(texts("report.to_find_out"), missing_lines(result, words),
                texts("report.intro.to_find_out"), key="to_find_out"),
        Section(texts("report.flags"), _flag_lines(result, texts), key="flags"),
        Section(texts("report.next_steps"), _item_lines(result, "next_steps"),
                key="next_steps"),
        Section(texts("report.deadlines"), _deadline_lines(result, "deadline", texts),
                key="deadlines"),
        Section(texts("report.milestones"), _deadline_lines(result, "milestone", texts),
                key="milestones"),
        Section(texts("report.why"), assessed.why, key="why"),
        Section(texts("report.weakens"), assessed.weakens, key="weakens"),
        Section(texts("report.not_enough"), assessed.not_enough, " ".join(assessed.because),
                key="not_enough"),
        Section(texts("report.evidence"),
                [Line(texts("report.still_needed", text=line.text), "warn")
                 for line in assessed.evidence] + _item_lines(result, "documents"),
                key="evidence"),
        Section(texts("report.forms"), _item_lines(result, "forms"), key="forms"),
        Section(texts("report.fees", date=as_of), _fee_lines(result, texts),
                texts("report.intro.fees"), key="fees"),
        *(Section(texts(f"report.{key}"), _item_lines(result, key), key=key, part=LATER)
          for key in ITEM_SECTIONS),
        Section(texts("report.always"), [Line(text) for text in result.get("always") or ()],
                key="always", part=LATER),
        *_explain_sections(result, words, texts),
        *(_source_sections(result["sources"], labels, texts) if all_sources
          else _sources_used(labels, texts)),
        _about(result, texts),
    ]
    return texts("report.title"), [
        section._replace(lines=[_cited(line, labels) for line in section.lines])
        for section in sections if section.lines]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# How far a reader can trust a source, best first: a line cites its official sources first.
OFFICIAL, OTHER, UNVERIFIED = 0, 1, 2


def _source_labels(sources: Mapping[str, Mapping[str, Any]], texts: Texts
                   ) -> dict[str, tuple[int, str]]:
    """Each source id -> (rank, how a line cites it): an official source by its legal
    citation, an unverified one by its id marked "(unverified)", any other by its id.

    A source without an authority (a result written before sources had one) is cited by its
    id and ranked with the secondary ones: the report claims nothing about it."""
    labels = {}
    for sid, source in sources.items():
        authority = source.get("authority")
        if authority == "official" and source.get("citation"):
            labels[sid] = (OFFICIAL, str(source["citation"]))
        elif authority == "unverified":
            labels[sid] = (UNVERIFIED, f"{sid} {texts('report.unverified_mark')}")
        else:
            labels[sid] = (OTHER, sid)
    return labels


def _cited(line: Line, labels: Mapping[str, tuple[int, str]]) -> Line:
    """``line`` citing its sources as a reader sees them: official first, each once."""
    if not line.cite:
        return line
    found = [labels.get(sid, (OTHER, sid)) for sid in dict.fromkeys(line.cite)]
    ordered = sorted(range(len(found)), key=lambda index: found[index][0])  # stable
    return line._replace(cite=list(dict.fromkeys(found[index][1] for index in ordered)))


def _source_sections(sources: Mapping[str, Mapping[str, Any]],
                     labels: Mapping[str, tuple[int, str]], texts: Texts) -> list[Section]:
    """The official sources, by legal citation, then every other source consulted, apart:
    a reader must never take a law firm's page or an upload for the law itself."""
    official, others = [], []
    for sid, source in sorted(sources.items(), key=_natural):
        rank, label = labels[sid]
        shown = f"{source['title']} ({source['dated']})"
        if rank == OFFICIAL:
            official.append((label, Line(f"[{label}] {shown}", "dim", url=source.get("url"))))
        else:
            mark = f" {texts('report.unverified_mark')}" if rank == UNVERIFIED else ""
            others.append(Line(f"[{sid}]{mark} {shown}", "dim", url=source.get("url")))
    official.sort(key=lambda pair: _natural(pair))
    return [
        Section(texts("report.sources"), [line for _, line in official],
                texts("report.intro.sources"), key="sources", part=SOURCES),
        Section(texts("report.other_sources"), others, texts("report.intro.other_sources"),
                key="other_sources", part=SOURCES),
    ]


def _sources_used(labels: Mapping[str, tuple[int, str]], texts: Texts) -> list[Section]:
    """For a terminal: how many sources the report cites and the citations, official first,
    instead of ninety lines of titles and web addresses (``--sources`` shows them)."""
    ranked = sorted(labels.values(), key=lambda pair: (pair[0], *_natural((pair[1], None))))
    official = [label for rank, label in ranked if rank == OFFICIAL]
    others = [label for rank, label in ranked if rank != OFFICIAL]
    lines = [Line(texts.plural("report.cites", len(ranked), official=len(official),
                               others=len(others)), "dim")]
    if official:
        lines.append(Line(texts("report.cites.official", list="; ".join(official)), "dim"))
    if others:
        lines.append(Line(texts("report.cites.others", list="; ".join(others)), "dim"))
    lines.append(Line(texts("report.cites.more"), "dim"))
    return [Section(texts("report.sources"), lines, key="sources", part=SOURCES)]


#: The later parts' item sections, by the result's key (the heading's message id too).
ITEM_SECTIONS = ("alternatives", "after_approval", "if_denied")


def _flag_lines(result: Result, texts: Texts) -> list[Line]:
    return [Line(f"{texts('report.severity.' + flag['severity'])}: {flag['text']}",
                 flag["severity"], flag["cite"]) for flag in result["flags"]]


class _Assessed(NamedTuple):
    why: list[Line]
    weakens: list[Line]
    not_enough: list[Line]  # reasons under a category that is not indicated
    because: list[str]  # why each such category is not indicated, in a sentence
    evidence: list[Line]  # the top category's missing evidence


def _assessment(result: Result, words: Glossary | None, texts: Texts) -> _Assessed:
    """What supports each category, what weakens it, and the top one's missing evidence.

    Under a category that is not indicated, what speaks for it is no reason: those points
    move below the concerns, as "points in favour, but not enough", with why."""
    assessed = _Assessed([], [], [], [], [])
    for cid in CATEGORIES:
        title = category_title(cid, texts)
        cat = result["categories"][cid]
        if cat["band"] == "not_indicated" and not cat["concerns"]:
            continue
        against = cat["band"] == "not_indicated"
        for reason in cat["reasons"]:
            said = texts("report.based_on", text=reason["text"],
                         answers=_answers_text(reason["answers"], words, texts))
            line = Line(f"{title}: {said}", "dim" if against else "good", reason["cite"])
            (assessed.not_enough if against else assessed.why).append(line)
        if against and cat["reasons"]:
            decisive = _decisive(cid, cat, words)
            assessed.because.append(texts(
                "report.not_indicated_because", category=title,
                reason=lower_first(first_sentence(decisive["text"]))))
        for concern in cat["concerns"]:
            said = texts("report.based_on", text=concern["text"],
                         answers=_answers_text(concern["answers"], words, texts))
            assessed.weakens.append(Line(f"{title}: {said}", "bad", concern["cite"]))
        if cid == result["top_category"]:
            assessed.evidence[:] = [Line(item["text"]) for item in cat["missing_evidence"]]
    return assessed


def _decisive(cid: str, cat: Mapping[str, Any], words: Glossary | None) -> Mapping[str, Any]:
    """The concern that keeps a category out: a requirement not met or a block that held
    (known from the pack, when the report has it), else the first concern."""
    concerns = cat["concerns"]
    pack = getattr(words, "pack", None)
    basis = _basis(pack, cid, cat.get("basis")) if pack is not None else None
    if basis is not None:
        rules = {f"{cid}.{basis.id}.{factor.id}" for factor in (*basis.requires, *basis.blocks)}
        deciding = [concern for concern in concerns if concern["rule"] in rules]
        if deciding:
            concerns = deciding
    found: Mapping[str, Any] = concerns[0]
    return found


def _item_lines(result: Result, key: str) -> list[Line]:
    return [Line(item["text"], cite=item["cite"]) for item in result[key]]


def _fee_lines(result: Result, texts: Texts) -> list[Line]:
    """One entry per fee: its name and amount, then its facts one to a line (in force from,
    a reported change, a waiver, the exceptions one to a bullet, the note)."""
    lines = []
    for fee in result["fees"]:
        details: list[tuple[int, str]] = [
            (1, texts("report.fee.in_force", date=texts.date(fee["effective_from"])))]
        change = fee.get("reported_change")
        if change:
            details.append((1, texts("report.fee.change", amount=texts.money(change["amount"]),
                                     date=texts.date(change["effective_from"]))))
        elif fee["confirm_before_filing"]:
            details.append((1, texts("report.fee.unverified")))
        if fee["waivable"]:
            details.append((1, texts("report.fee.waiver")))
        if fee["exception"]:
            # The pack writes a list of exceptions as one text with "•" bullets: one a line.
            head, *bullets = (part.strip() for part in str(fee["exception"]).split("\u2022"))
            details.append((1, texts("report.fee.exceptions", text=head) if head
                            else texts("report.fee.exceptions_head")))
            details += [(2, bullet) for bullet in bullets if bullet]
        if fee["note"]:
            details.append((1, " ".join(str(fee["note"]).split())))
        lines.append(Line(f"{fee['label']}: {texts.money(fee['amount'])}", "strong",
                          [fee["source"], *fee["cite"]], details=details))
    return lines


def _deadline_lines(result: Result, kind: str, texts: Texts) -> list[Line]:
    """The deadlines of one kind (milestones without a countdown: :func:`deadline_when`)."""
    lines = []
    for row in result["deadlines"]:
        if row.get("kind", "deadline") != kind:
            continue
        when = deadline_when(row, kind == "milestone", texts)
        note = (texts("report.deadline_unverified")
                if row["confidence"] == "unverified" else "")
        lines.append(Line(f"{texts.date(row['date'])}: {row['label']} ({when}){note}",
                          "warn" if row["soon"] or row["status"] == "passed" else "",
                          row["cite"]))
    return lines


def _explain_sections(result: Result, words: Glossary | None, texts: Texts) -> list[Section]:
    """With ``--explain``: how each band was reached (when the pack is known), and the trace.
    The lines themselves are the pack's arithmetic by rule id, for staff: not translated."""
    if not result.get("trace"):
        return []
    sections = []
    pack = getattr(words, "pack", None)
    if pack is not None:
        sections.append(Section(texts("report.explain"),
                                [Line(text, "dim") for text in band_lines(result, pack)],
                                texts("report.intro.explain"), key="band_arithmetic",
                                part=LATER))
    sections.append(Section(texts("report.trace"), _trace_lines(result["trace"]), key="trace",
                            part=LATER))
    return sections


def _about(result: Result, texts: Texts) -> Section:
    pack = result["rule_pack"]
    return Section(texts("report.about"), [
        Line(texts("report.about.line", id=pack["id"], version=pack["version"],
                   facts=texts.date(pack["as_of"]), hash=pack["hash"],
                   date=texts.date(result["as_of"])), "dim"),
        Line(result["disclaimer"], "strong"),
    ], key="about", part=SOURCES)


def band_lines(result: Result, pack: RulePack) -> list[str]:
    """One line per category: how its band was reached, from the basis the result shows and
    the pack's base score, rule weights, band thresholds and caps, e.g.
    ``medical (treatment): base 40 + life_threatening 15 - no_provider 10 = 45 -> possible
    (possible >= 45)``."""
    return [_band_line(cid, result["categories"][cid], pack) for cid in CATEGORIES]


def _band_line(cid: str, outcome: Mapping[str, Any], pack: RulePack) -> str:
    band = outcome["band"]
    basis = _basis(pack, cid, outcome.get("basis"))
    if basis is None:
        if band == "insufficient_information":
            return f"{cid}: not enough answers to tell whether a basis applies -> {_said(band)}"
        return f"{cid}: no basis applies -> {_said(band)}"
    prefix = f"{cid}.{basis.id}."
    reasons = {note["rule"] for note in outcome["reasons"]}
    concerns = {note["rule"] for note in outcome["concerns"]}

    def held(factors: tuple[Factor, ...], notes: set[str]) -> list[Factor]:
        return [factor for factor in factors if prefix + factor.id in notes]

    head = f"{cid} ({basis.id}): "
    unmet = held(basis.requires, concerns)
    score = 0
    if unmet:
        found: str = "not_indicated"
        line = head + f"required but not met: {_ids(unmet)} -> {_said(found)}"
    else:
        terms = [f"base {basis.base_score}"]
        terms += [f"+ {factor.id} {factor.weight}" for factor in held(basis.strengthens, reasons)]
        terms += [f"- {factor.id} {factor.weight}" for factor in held(basis.weakens, concerns)]
        raw = (basis.base_score + sum(f.weight for f in held(basis.strengthens, reasons))
               - sum(f.weight for f in held(basis.weakens, concerns)))
        score = max(0, min(100, raw))
        total = f"{raw}, kept within 0-100: {score}" if raw != score else str(score)
        line = head + " ".join(terms) + f" = {total}"
        unknown = [factor for factor in basis.requires
                   if prefix + factor.id not in reasons | concerns]
        # A block that held and caps at weak or lower decides the band even with a
        # requirement unanswered (the engine's rule; see engine.decide).
        deciding = [factor for factor in held(basis.blocks, concerns)
                    if BANDS.index(factor.cap or "weak") >= BANDS.index("weak")]
        if unknown and not deciding:
            found = "insufficient_information"
            line += f" -> {_said(found)} (required, not answered: {_ids(unknown)})"
        else:
            found, capping = _capped_band(score, held(basis.blocks, concerns), pack)
            line += capping
            if unknown:
                line += (f" (required, not answered: {_ids(unknown)}; the cap of "
                         f"{_ids(deciding)} decides the band)")
    if found == "not_indicated" and band == "insufficient_information":
        found = band
        line += f" -> {_said(band)} (another basis may apply once more is answered)"
    if found != band or (not unmet and score != outcome["score"]):
        line += (f" [the result says {outcome['score']}, {_said(band)}: was it scored with "
                 "another pack?]")
    return line


def _capped_band(score: int, blocks: list[Factor], pack: RulePack) -> tuple[str, str]:
    """The band ``score`` reaches, lowered by the ``blocks`` that held, and how it was said."""
    found, threshold = _banded(score, pack)
    line = f" -> {_said(found)} ({threshold})"
    for factor in blocks:
        cap = factor.cap or "weak"
        if BANDS.index(cap) > BANDS.index(found):
            found = cap
            line += f" -> {_said(found)} (capped by {factor.id})"
        else:
            line += f" ({factor.id} caps at {_said(cap)}: no change)"
    return found, line


def _basis(pack: RulePack, cid: str, basis_id: str | None) -> Basis | None:
    for entry in pack.categories:
        if entry.category.id == cid:
            return next((b for b in entry.category.bases if b.id == basis_id), None)
    return None


def _banded(score: int, pack: RulePack) -> tuple[str, str]:
    bands = pack.meta.bands
    if score >= bands.strong:
        return "strong", f"strong >= {bands.strong}"
    if score >= bands.possible:
        return "possible", f"possible >= {bands.possible}"
    return "weak", f"below possible {bands.possible}"


def _said(band: str) -> str:
    return band_text(band, ENGLISH)


def _ids(factors: list[Factor]) -> str:
    return ", ".join(factor.id for factor in factors)


def _trace_lines(trace: list[dict[str, Any]]) -> list[Line]:
    lines = []
    for entry in trace:
        outcome = {True: "true", False: "false", None: "unknown"}[entry["result"]]
        clauses = "; ".join(
            f"{c['q']} {c['op']} {json.dumps(c['operand'])} -> "
            f"{ {True: 'true', False: 'false', None: 'unknown'}[c['result']] }"
            for c in entry["clauses"])
        lines.append(Line(f"{entry['rule']}: {outcome}" + (f" [{clauses}]" if clauses else ""),
                          "dim"))
    return lines


def _natural(item: tuple[str, Any]) -> tuple[Any, ...]:
    """Sort S2 before S10."""
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r"(\d+)", item[0]))


def safe_outline(result: Result, words: Glossary | None = None, *, all_sources: bool = True
                 ) -> tuple[str, list[Section]]:
    """:func:`outline`, with everything in it that a pack or an answer wrote made safe for a
    terminal, a text file or Markdown (see :func:`~parole_screen.errors.printable`): a
    title, a citation, a link or a picture's label on one line, a line's text and its
    details with their newlines (each renderer keeps them inside the item)."""
    title, sections = outline(result, words, all_sources=all_sources)
    return printable(title), [
        section._replace(
            title=printable(section.title),
            # The header names the record: on one line, as a title is.
            lines=[Line(printable(line.text, newlines=section.key != "header"), line.style,
                        tuple(map(printable, line.cite)),
                        None if line.url is None else printable(line.url),
                        tuple((depth, printable(text, newlines=True))
                              for depth, text in line.details))
                   for line in section.lines],
            intro=printable(section.intro, newlines=True),
            figure=tuple(Mark(*map(printable, mark)) for mark in section.figure))
        for section in sections]


def render_markdown(result: Result, words: Glossary | None = None) -> str:
    """The report as Markdown: every section, every source."""
    from .report_markdown import markdown

    return markdown(*safe_outline(result, words), texts_of(words))


def render_html(result: Result, words: Glossary | None = None) -> str:
    """The report as one self-contained HTML page (inline styles and SVG pictures, no
    external assets), printable: the first screen and the disclaimer on page 1."""
    from .report_html import html

    return html(*safe_outline(result, words), texts_of(words))


def render_plain(result: Result, words: Glossary | None = None) -> str:
    """Plain text with no colour and no box drawing: safe for screen readers and files."""
    from .report_text import plain_text

    return plain_text(*safe_outline(result, words), texts_of(words))


def render_terminal(result: Result, words: Glossary | None = None, *, width: int = 120,
                    all_sources: bool = False) -> str:
    """The report as a terminal ``width`` columns wide shows it, without colour: wrapped
    with hanging indents, the bands as bars, the dates on a timeline, the citations used
    (or, with ``all_sources``, every source)."""
    from .report_text import terminal_rows

    title, sections = safe_outline(result, words, all_sources=all_sources)
    return "".join("".join(text for text, _ in row) + "\n"
                   for row in terminal_rows(title, sections, texts_of(words), width=width))


_RICH_STYLES = {"good": "green", "bad": "red", "warn": "yellow", "stop": "bold red",
                "dim": "dim", "strong": "bold", "info": "cyan", "title": "bold underline",
                "heading": "bold"}


def print_rich(result: Result, console: Any, words: Glossary | None = None, *,
               all_sources: bool = False) -> None:
    """Print the report to a rich console at its width, styling lines but never parsing
    pack text (see :func:`render_terminal`)."""
    from rich.text import Text

    from .report_text import terminal_rows

    title, sections = safe_outline(result, words, all_sources=all_sources)
    for row in terminal_rows(title, sections, texts_of(words), width=console.width):
        text = Text()
        for chunk, style in row:
            text.append(chunk, style=_RICH_STYLES.get(style, ""))
        console.print(text, soft_wrap=True)  # already wrapped to the width
