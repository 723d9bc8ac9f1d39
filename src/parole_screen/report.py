"""Render a result as JSON, Markdown, HTML or terminal text: one outline, four skins.

:func:`outline` decides what the report says and in which order; the renderers only
format it. Text from the rule pack is escaped for every target (HTML entities, Markdown
is written as plain lines, rich text is never parsed as markup).

Every renderer takes the outline through :func:`safe_outline`, the one place where text
from a pack or an answer is made safe to show: control characters (ESC sequences, C1,
bidi overrides) are written as visible escapes, and a newline is kept only inside a line's
own text, where each renderer keeps it inside its item (indented under a text bullet, a
hard break in Markdown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from .engine import Result
from .errors import ParoleScreenError, printable
from .models import BANDS, Basis, Factor
from .pack import RulePack

FORMATS = ("text", "json", "markdown", "html")
CATEGORY_TITLES = {
    "humanitarian": "Humanitarian",
    "medical": "Medical",
    "public_benefit": "Significant public benefit",
    "re_parole": "Re-parole",
}
BAND_TEXT = {
    "strong": "strong",
    "possible": "possible",
    "weak": "weak",
    "not_indicated": "not indicated",
    "insufficient_information": "not enough information",
}
SEVERITY_TEXT = {"stop": "STOP", "warn": "WARNING", "info": "NOTE"}


class Line(NamedTuple):
    """One bullet or sentence; ``style`` is a hint (good, bad, warn, stop, dim, strong)."""

    text: str
    style: str = ""
    cite: Sequence[str] = ()
    url: str | None = None


class Section(NamedTuple):
    title: str
    lines: list[Line]
    intro: str = ""


Glossary = Mapping[str, tuple[str, Mapping[str, str]]]


class Words(dict[str, tuple[str, dict[str, str]]]):
    """Question id -> (question text, choice value -> label), and the pack they come from,
    whose base scores, weights and thresholds explain a result's bands."""

    pack: RulePack | None = None


def glossary(pack: RulePack) -> Words:
    """The pack's words for a report: questions and choices, to show answers in words, and
    (for an explained result) the arithmetic behind each band."""
    words = Words({entry.question.id: (entry.question.text,
                                       {choice.value: choice.label
                                        for choice in entry.question.choices})
                   for entry in pack.questions})
    words.pack = pack
    return words


def render(result: Result, fmt: str, words: Glossary | None = None) -> str:
    """Render ``result`` as ``json``, ``markdown``, ``html`` or plain ``text``.

    With ``words`` (see :func:`glossary`) answers and missing questions are shown as the
    questions and choices the person saw, not as ids, and a result scored with
    ``explain=True`` shows how each band was reached (:func:`band_lines`); JSON is never
    changed.
    """
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        return render_markdown(result, words)
    if fmt == "html":
        return render_html(result, words)
    if fmt == "text":
        return render_plain(result, words)
    raise ParoleScreenError(f"unknown report format '{printable(fmt)}'; use one of json, "
                            "markdown, html, text", kind="usage")


def render_json(result: Result) -> str:
    return json.dumps(result, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def _answers_text(answers: dict[str, Any], words: Glossary | None) -> str:
    shown = []
    for qid, value in answers.items():
        question, labels = words[qid] if words and qid in words else (qid, {})
        if value is None:
            answer = "not answered"
        elif isinstance(value, bool):
            answer = "yes" if value else "no"
        elif isinstance(value, list):
            answer = ", ".join(labels.get(v, str(v)) for v in value) or "none"
        else:
            answer = labels.get(value, str(value))
        shown.append(f"{question} {answer}" if words else f"{question}: {answer}")
    return "; ".join(shown)


def _money(amount: Any) -> str:
    return f"${amount:,}" if isinstance(amount, int) else str(amount)


def outline(result: Result, words: Glossary | None = None) -> tuple[str, list[Section]]:
    """The report's title and its sections, in reading order (empty sections left out)."""
    reasons, concerns, evidence = _assessment(result, words)
    sections = [
        _summary(result, words),
        Section("Flags and referrals", _flag_lines(result)),
        Section("Why", reasons),
        Section("What weakens it", concerns),
        Section(f"Forms and fees (as of {result['as_of']})",
                _item_lines(result, "forms") + _fee_lines(result)),
        Section("Evidence checklist",
                [Line(f"Still needed: {line.text}", "warn") for line in evidence]
                + _item_lines(result, "documents")),
        Section("Deadlines", _deadline_lines(result, "deadline")),
        Section("Dates to know (not dates to act by)", _deadline_lines(result, "milestone")),
        *(Section(title, _item_lines(result, key)) for key, title in ITEM_SECTIONS),
        Section("Keep in mind", [Line(text) for text in result.get("always") or ()]),
        *_explain_sections(result, words),
        *_source_sections(result["sources"]),
        _about(result),
    ]
    title = "Parole screening report" + (f" for {result['id']}" if result.get("id") else "")
    labels = _source_labels(result["sources"])
    return title, [section._replace(lines=[_cited(line, labels) for line in section.lines])
                   for section in sections if section.lines]


# How far a reader can trust a source, best first: a line cites its official sources first.
AUTHORITY_RANK = {"official": 0, "secondary": 1, "unverified": 2}
UNVERIFIED_MARK = "(unverified)"


def _source_labels(sources: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[int, str]]:
    """Each source id -> (rank, how a line cites it): an official source by its legal
    citation, an unverified one by its id marked "(unverified)", any other by its id.

    A source without an authority (a result written before sources had one) is cited by its
    id and ranked with the secondary ones: the report claims nothing about it."""
    labels = {}
    for sid, source in sources.items():
        authority = source.get("authority")
        if authority == "official" and source.get("citation"):
            labels[sid] = (0, str(source["citation"]))
        elif authority == "unverified":
            labels[sid] = (2, f"{sid} {UNVERIFIED_MARK}")
        else:
            labels[sid] = (1, sid)
    return labels


def _cited(line: Line, labels: Mapping[str, tuple[int, str]]) -> Line:
    """``line`` citing its sources as a reader sees them: official first, each once."""
    if not line.cite:
        return line
    found = [labels.get(sid, (1, sid)) for sid in dict.fromkeys(line.cite)]
    ordered = sorted(range(len(found)), key=lambda index: found[index][0])  # stable
    return line._replace(cite=list(dict.fromkeys(found[index][1] for index in ordered)))


def _source_sections(sources: Mapping[str, Mapping[str, Any]]) -> list[Section]:
    """The official sources, by legal citation, then every other source consulted, apart:
    a reader must never take a law firm's page or an upload for the law itself."""
    official, others = [], []
    for sid, source in sorted(sources.items(), key=_natural):
        dated = f" ({source['dated']})"
        if source.get("authority") == "official" and source.get("citation"):
            official.append((str(source["citation"]),
                             Line(f"[{source['citation']}] {source['title']}{dated}", "dim",
                                  url=source.get("url"))))
        else:
            mark = f" {UNVERIFIED_MARK}" if source.get("authority") == "unverified" else ""
            others.append(Line(f"[{sid}]{mark} {source['title']}{dated}", "dim",
                               url=source.get("url")))
    official.sort(key=lambda pair: _natural(pair))
    return [
        Section("Sources", [line for _, line in official],
                "The law, regulations, notices and agency pages behind this report, cited by "
                "their legal citation."),
        Section("Other sources consulted", others,
                "Reports and copies by lawyers, advocates, journalists and others: they point "
                "to the law but are not the law. Those marked (unverified) have not been "
                "checked against the original."),
    ]


ITEM_SECTIONS = (("next_steps", "Next steps"), ("alternatives", "Other routes to consider"),
                 ("after_approval", "After approval"), ("if_denied", "If it is denied"))


def _headline(result: Result) -> str:
    top = result["top_category"]
    if top:
        best = result["categories"][top]
        return (f"Likely category: {CATEGORY_TITLES[top]} ({BAND_TEXT[best['band']]}"
                f"{', ' + best['label'] if best.get('label') else ''})")
    if result["status"] == "incomplete":
        return "Not enough answers yet to name a likely category"
    return "No parole category is indicated by these answers"


def _summary(result: Result, words: Glossary | None) -> Section:
    summary = [Line(_headline(result), "strong")]
    for cid, title in CATEGORY_TITLES.items():
        cat = result["categories"][cid]
        basis = f" ({cat['label']})" if cat.get("label") else ""
        summary.append(Line(f"{title}: {BAND_TEXT[cat['band']]}{basis}",
                            _band_style(cat["band"])))
    if result["status"] == "incomplete":
        missing = [words[qid][0] if words and qid in words else qid
                   for qid in result["missing"]]
        summary.append(Line("Some answers are missing, so this result may change: "
                            + "; ".join(missing), "warn"))
    return Section("Summary", summary, "Bands describe how likely each category is to fit, "
                                       "not whether a request will be granted.")


def _flag_lines(result: Result) -> list[Line]:
    return [Line(f"{SEVERITY_TEXT[flag['severity']]}: {flag['text']}", flag["severity"],
                 flag["cite"]) for flag in result["flags"]]


def _assessment(result: Result, words: Glossary | None
                ) -> tuple[list[Line], list[Line], list[Line]]:
    """What supports each category, what weakens it, and the top one's missing evidence."""
    why: list[Line] = []
    weakens: list[Line] = []
    evidence: list[Line] = []
    for cid, title in CATEGORY_TITLES.items():
        cat = result["categories"][cid]
        if cat["band"] == "not_indicated" and not cat["concerns"]:
            continue
        for reason in cat["reasons"]:
            why.append(Line(f"{title}: {reason['text']} (based on: "
                            f"{_answers_text(reason['answers'], words)})", "good", reason["cite"]))
        for concern in cat["concerns"]:
            basis = _answers_text(concern["answers"], words)
            weakens.append(Line(f"{title}: {concern['text']} (based on: {basis})", "bad",
                                concern["cite"]))
        if cid == result["top_category"]:
            evidence = [Line(item["text"]) for item in cat["missing_evidence"]]
    return why, weakens, evidence


def _item_lines(result: Result, key: str) -> list[Line]:
    return [Line(item["text"], cite=item["cite"]) for item in result[key]]


def _fee_lines(result: Result) -> list[Line]:
    lines = []
    for fee in result["fees"]:
        parts = [f"{fee['label']}: {_money(fee['amount'])} (in force from "
                 f"{fee['effective_from']})"]
        change = fee.get("reported_change")
        if change:
            parts.append(f"A change to {_money(change['amount'])} from "
                         f"{change['effective_from']} is reported but not confirmed: confirm "
                         "the amount before filing")
        elif fee["confirm_before_filing"]:
            parts.append("This amount is unverified: confirm it before filing")
        if fee["exception"]:
            parts.append(fee["exception"])
        if fee["waivable"]:
            parts.append("A fee waiver (Form I-912) may be requested")
        if fee["note"]:
            parts.append(fee["note"])
        lines.append(Line(_sentences(parts), cite=[fee["source"], *fee["cite"]]))
    return lines


def _deadline_lines(result: Result, kind: str) -> list[Line]:
    """The deadlines of one kind. A milestone (the day a bar could start) gets no countdown:
    "in 105 days" under it would read as time left to act, e.g. to leave."""
    lines = []
    for row in result["deadlines"]:
        if row.get("kind", "deadline") != kind:
            continue
        if row["status"] == "passed":
            when = "passed"
        elif row["status"] == "today":
            when = "today"
        else:
            when = "not yet reached" if kind == "milestone" else f"in {row['days_from_as_of']} days"
        note = " - unverified, confirm" if row["confidence"] == "unverified" else ""
        lines.append(Line(f"{row['date']}: {row['label']} ({when}){note}",
                          "warn" if row["soon"] or row["status"] == "passed" else "",
                          row["cite"]))
    return lines


def _explain_sections(result: Result, words: Glossary | None) -> list[Section]:
    """With ``--explain``: how each band was reached (when the pack is known), and the trace."""
    if not result.get("trace"):
        return []
    sections = []
    pack = getattr(words, "pack", None)
    if pack is not None:
        sections.append(Section("How each band was reached",
                                [Line(text, "dim") for text in band_lines(result, pack)],
                                "The score of the basis shown, the bands' thresholds and "
                                "any cap."))
    sections.append(Section("Rule trace", _trace_lines(result["trace"])))
    return sections


def _about(result: Result) -> Section:
    pack = result["rule_pack"]
    return Section("About this screening", [
        Line(f"Rule pack {pack['id']} version {pack['version']}, facts as of {pack['as_of']} "
             f"(content {pack['hash']}); screened as of {result['as_of']}.", "dim"),
        Line(result["disclaimer"], "strong"),
    ])


def band_lines(result: Result, pack: RulePack) -> list[str]:
    """One line per category: how its band was reached, from the basis the result shows and
    the pack's base score, rule weights, band thresholds and caps, e.g.
    ``medical (treatment): base 40 + life_threatening 15 - no_provider 10 = 45 -> possible
    (possible >= 45)``."""
    return [_band_line(cid, result["categories"][cid], pack) for cid in CATEGORY_TITLES]


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
    return BAND_TEXT.get(band, band)


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


def _band_style(band: str) -> str:
    return {"strong": "good", "possible": "good", "weak": "warn"}.get(band, "dim")


def _natural(item: tuple[str, Any]) -> tuple[Any, ...]:
    """Sort S2 before S10."""
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r"(\d+)", item[0]))


def _sentences(parts: list[str]) -> str:
    """Join phrases into sentences without doubling full stops."""
    return " ".join(part.strip().rstrip(".") + "." for part in parts if part.strip())


def _cites(line: Line, escape: Callable[[str], str] = str) -> str:
    """`` [a; b]``: the line's sources as :func:`outline` labelled them (a legal citation
    may hold a comma, so they are joined with semicolons)."""
    unique = list(dict.fromkeys(line.cite))  # each source once, in first-cited order
    return (" [" + "; ".join(map(escape, unique)) + "]") if unique else ""


def safe_outline(result: Result, words: Glossary | None = None
                 ) -> tuple[str, list[Section]]:
    """:func:`outline`, with everything in it that a pack or an answer wrote made safe for a
    terminal, a text file or Markdown (see :func:`~parole_screen.errors.printable`): a
    title, a citation or a link on one line, a line's text with its newlines (each renderer
    keeps them inside the item)."""
    title, sections = outline(result, words)
    return printable(title), [
        Section(printable(section.title),
                [Line(printable(line.text, newlines=True), line.style,
                      tuple(map(printable, line.cite)),
                      None if line.url is None else printable(line.url))
                 for line in section.lines],
                printable(section.intro, newlines=True))
        for section in sections]


def _continued(text: str, indent: str) -> str:
    """A line's text with each line after its first indented under the first, so a newline
    (from an answer, say) stays inside its item instead of starting a line of its own."""
    return text.replace("\n", "\n" + indent) if "\n" in text else text


def render_markdown(result: Result, words: Glossary | None = None) -> str:
    title, sections = safe_outline(result, words)
    out = [f"# {_md(title)}", ""]
    for section in sections:
        out += [f"## {_md(section.title)}", ""]
        if section.intro:
            out += [_md_lines(section.intro), ""]
        out += [f"- {_md_lines(line.text)}{_cites(line, _md)}"
                + (f" <{line.url}>" if line.url else "") for line in section.lines]
        out.append("")
    return "\n".join(out)


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


_CSS = """body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#111}h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;
margin-top:1.6rem}li{margin:.2rem 0}.good{color:#05602b}.bad{color:#8a1c1c}.warn{color:#7a4b00}
.stop{color:#8a1c1c;font-weight:bold}.dim{color:#555}.strong{font-weight:bold}
.cite{color:#555;font-size:.85em}@media print{body{margin:0}}"""


def render_html(result: Result, words: Glossary | None = None) -> str:
    from html import escape as esc  # here: html.entities costs every other format ~3 ms

    title, sections = safe_outline(result, words)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{esc(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>{esc(title)}</h1>"]
    for section in sections:
        out.append(f"<h2>{esc(section.title)}</h2>")
        if section.intro:
            out.append(f"<p>{esc(section.intro)}</p>")
        out.append("<ul>")
        for line in section.lines:
            cite = f' <span class="cite">{esc(_cites(line).strip())}</span>' if line.cite else ""
            css = f' class="{line.style}"' if line.style else ""
            link = (f' <a href="{esc(line.url)}">{esc(line.url)}</a>'
                    if line.url and line.url.startswith(("https://", "http://")) else "")
            text = esc(line.text).replace("\n", "<br>")  # a line break stays in its item
            out.append(f"<li{css}>{text}{cite}{link}</li>")
        out.append("</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def render_plain(result: Result, words: Glossary | None = None) -> str:
    """Plain text with no colour and no box drawing: safe for screen readers and files."""
    title, sections = safe_outline(result, words)
    out = [title, "=" * len(title), ""]
    for section in sections:
        out += [section.title, "-" * len(section.title)]
        if section.intro:
            out.append(section.intro)
        out += [f"* {_continued(line.text, '  ')}{_cites(line)}"
                + (f" <{line.url}>" if line.url else "") for line in section.lines]
        out.append("")
    return "\n".join(out)


_RICH_STYLES = {"good": "green", "bad": "red", "warn": "yellow", "stop": "bold red",
                "dim": "dim", "strong": "bold", "info": "cyan"}


def print_rich(result: Result, console: Any, words: Glossary | None = None) -> None:
    """Print the report to a rich console, styling lines but never parsing pack text."""
    from rich.text import Text

    title, sections = safe_outline(result, words)
    console.print(Text(title, style="bold underline"))
    for section in sections:
        console.print()
        console.print(Text(section.title, style="bold"))
        if section.intro:
            console.print(Text(section.intro, style="dim"))
        for line in section.lines:
            text = Text("  * ")
            text.append(_continued(line.text, "    "), style=_RICH_STYLES.get(line.style, ""))
            if line.cite:
                text.append(_cites(line), style="dim")
            if line.url:
                text.append(f" {line.url}", style=f"dim link {line.url}")
            console.print(text)
