"""The report's first screen, worked out from the result: what it means, what to do first,
what it costs, the bands and the dates as pictures, and where to get help.

Nothing here is written for a case: each sentence is chosen by the result's status, top
category and band, its stop flags, its soonest deadline, its next steps and its fees, so a
new case in the pack gets a first screen without a line of code. The formatters lay the
sections out (:mod:`parole_screen.report_text`, :mod:`parole_screen.report_html`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .report_model import (
    AILA_SEARCH_URL,
    CATEGORIES,
    EOIR_ROSTER_URL,
    FIRST,
    Line,
    Mark,
    Section,
    band_text,
    category_name,
    category_title,
    days,
    deadline_when,
    lower_first,
    short_label,
    texts_of,
)
from .texts import ENGLISH, Texts

if TYPE_CHECKING:
    from .pack import RulePack

Result = Mapping[str, Any]
Glossary = Mapping[str, tuple[str, Mapping[str, str]]]

#: At most this many actions under "Do this first".
FIRST_ACTIONS = 3

# How the pack writes its fees, read by the first screen's sum (tests/test_report_first.py
# pins the reading of every fee of the shipped pack, so a new fee that breaks the habit
# fails a test instead of being added up wrongly):
#: A fee a lawyer must first confirm (parole has ended): its label opens with this.
IF_LAWYER_OPENING = "only if a lawyer confirms"
#: A fee owed only on a further step (a work permit, asylum, TPS): its label or note opens
#: with one of these.
CONDITIONAL_OPENINGS = ("only if", "due each year")
PLAN, CONDITIONAL, IF_LAWYER = "plan", "conditional", "if_lawyer"


def fee_kind(fee: Mapping[str, Any], pack: RulePack | None = None) -> str:
    """``plan`` (added to the expected total), ``conditional`` (owed only on a further step,
    e.g. a work permit or asylum) or ``if_lawyer`` (only if a lawyer confirms a filing is
    still possible): never added. Read from the fee's English: the ``pack``'s, for a result
    scored in another language."""
    english = next((entry.fee for entry in pack.english.fees if entry.fee.id == fee.get("id")),
                   None) if pack is not None else None
    label = english.label if english is not None else fee.get("label") or ""
    note = english.note if english is not None else fee.get("note") or ""
    label = " ".join(str(label).split()).lower()
    note = " ".join(str(note).split()).lower()
    if label.startswith(IF_LAWYER_OPENING):
        return IF_LAWYER
    if label.startswith(CONDITIONAL_OPENINGS) or note.startswith(CONDITIONAL_OPENINGS):
        return CONDITIONAL
    return PLAN


def first_screen(result: Result, words: Glossary | None) -> list[Section]:
    """The sections of the first screen, in reading order (empty ones left out later)."""
    texts = texts_of(words)
    return [
        Section(texts("report.header"), [Line(_reference(result, texts), "dim")], key="header",
                part=FIRST),
        Section(texts("report.summary"), _meaning(result, words, texts), key="summary",
                part=FIRST),
        Section(texts("report.do_first"), first_actions(result, texts), key="do_first",
                part=FIRST, numbered=True),
        Section(texts("report.cost", date=texts.date(result["as_of"])),
                cost_lines(result, texts, getattr(words, "pack", None)), key="cost",
                part=FIRST),
        _bands(result, texts),
        _timeline(result, texts),
        Section(texts("report.help"), _help(result, texts), key="help", part=FIRST),
    ]


def _reference(result: Result, texts: Texts) -> str:
    day = texts.date(result["as_of"])
    if result.get("id"):
        return texts("report.reference", id=result["id"], date=day)
    return texts("report.screened", date=day)


def _meaning(result: Result, words: Glossary | None, texts: Texts) -> list[Line]:
    lines = []
    top = result["top_category"]
    if top:
        cat = result["categories"][top]
        basis = f" ({lower_first(cat['label'])})" if cat.get("label") else ""
        lines.append(Line(texts("report.meaning", name=category_name(top, texts), basis=basis,
                                band=band_text(cat["band"], texts),
                                meaning=texts(f"report.meaning.{cat['band']}")), "strong"))
    elif result["status"] == "incomplete":
        lines.append(Line(texts("report.some_missing"), "strong"))
    else:
        lines.append(Line(texts("report.none_fits"), "strong"))
    if result["status"] == "incomplete":
        count = len(result["missing"])
        if count == 1:
            said = texts("report.not_answered_question",
                         question=_question(result["missing"][0], words, texts))
        else:
            said = texts.plural("report.not_answered", count)
        lines.append(Line(said, "warn"))
    return lines


def _question(qid: str, words: Glossary | None, texts: Texts) -> str:
    return texts("report.quoted", text=words[qid][0]) if words and qid in words else qid


def first_actions(result: Result, texts: Texts | None = None) -> list[Line]:
    """The two or three things to do first: the stop flags (each whole: a stop flag's
    wording is the warning), then the soonest dates to act by, then the next steps in the
    pack's order."""
    texts = texts or ENGLISH
    # Uncited here: each is the warning, date or step the details cite in full below.
    stop = texts("report.severity.stop")
    actions = [Line(f"{stop}: {flag['text']}", "stop")
               for flag in result["flags"] if flag["severity"] == "stop"][:FIRST_ACTIONS - 1]
    ahead = [row for row in result["deadlines"]
             if row.get("kind", "deadline") == "deadline" and row["status"] != "passed"]
    soonest = min((row["date"] for row in ahead), default=None)
    # Every date due that day: a parole ending on the asylum deadline's day was left out (a
    # lawyer's reading, session 13).
    for row in (row for row in ahead if row["date"] == soonest):
        if len(actions) >= FIRST_ACTIONS:
            break
        unsure = (f" ({texts('report.unverified_confirm')})"
                  if row["confidence"] == "unverified" else "")
        actions.append(Line(f"{_by_date(row, texts)}: {row['label']}{unsure}", "warn"))
    for item in result["next_steps"]:
        if len(actions) >= FIRST_ACTIONS:
            break
        actions.append(Line(item["text"]))
    return actions


def _by_date(row: Mapping[str, Any], texts: Texts) -> str:
    day = texts.date(row["date"])
    if row["status"] == "today":
        return texts("report.today_date", date=day)
    return texts("report.by_date", date=day, days=days(row["days_from_as_of"], texts))


def cost_lines(result: Result, texts: Texts | None = None, pack: RulePack | None = None
               ) -> list[Line]:
    """The expected total for each person (the fees of the plan), then the fees owed only on
    a further step and those only a lawyer can confirm, neither added (see :func:`fee_kind`:
    a result in another language needs the ``pack`` it was scored with)."""
    texts = texts or ENGLISH
    fees = result["fees"]
    kinds = [fee_kind(fee, pack) for fee in fees]
    plan = [fee for fee, kind in zip(fees, kinds, strict=True) if kind == PLAN]
    lines = []
    if plan and not result["top_category"] and result["status"] != "incomplete":
        # No kind of parole fits: a total would read as the price of a request these
        # answers do not support (an immigration lawyer's reading).
        lines.append(Line(texts("report.cost.none_fits", fees=_fee_items(plan, texts))))
    elif plan:
        total = sum(fee["amount"] for fee in plan
                    if isinstance(fee["amount"], int) and not isinstance(fee["amount"], bool))
        parts = [texts("report.cost.item", label=short_label(fee["label"]),
                       amount=texts.money(fee["amount"])) + _qualified(fee, texts)
                 for fee in plan]
        lines.append(Line(texts("report.cost.total", total=texts.money(total),
                                parts=" + ".join(parts)), "strong"))
    elif fees:
        owed = ("both" if CONDITIONAL in kinds and IF_LAWYER in kinds
                else "step" if CONDITIONAL in kinds else "lawyer")
        lines.append(Line(texts(f"report.cost.none_added_{owed}")))
    else:
        lines.append(Line(texts("report.cost.no_fee")))
    conditional = [fee for fee, kind in zip(fees, kinds, strict=True) if kind == CONDITIONAL]
    if conditional:
        lines.append(Line(texts("report.cost.conditional",
                                fees=_fee_items(conditional, texts)), "dim"))
    if_lawyer = [fee for fee, kind in zip(fees, kinds, strict=True) if kind == IF_LAWYER]
    if if_lawyer:
        lines.append(Line(texts("report.cost.if_lawyer", fees=_fee_items(
            if_lawyer, texts, lambda label: short_label(_after_condition(label)))), "dim"))
    return lines


def _fee_items(fees: list[Mapping[str, Any]], texts: Texts,
               label: Callable[[str], str] = short_label) -> str:
    """Fees as "label amount; label amount", for a cost line."""
    return "; ".join(texts("report.cost.item", label=label(fee["label"]),
                           amount=texts.money(fee["amount"])) for fee in fees)


def _words(text: str) -> str:
    return " ".join(text.split())


def _after_condition(label: str) -> str:
    """"Only if a lawyer confirms ... (parole has ended): Form I-131 filing fee" -> the fee."""
    return label.split("): ", 1)[-1] if "): " in label else label


def _qualified(fee: Mapping[str, Any], texts: Texts) -> str:
    said = [texts("report.cost.waiver_may")] if fee["waivable"] else []
    if fee.get("exception_may_apply"):
        said.append(texts("report.cost.exception_may"))
    change = fee.get("reported_change")
    if change:
        said.append(texts("report.cost.change_reported", amount=texts.money(change["amount"]),
                          date=texts.date(change["effective_from"])))
    elif fee.get("confirm_before_filing"):
        said.append(texts("report.cost.unverified"))
    return f" ({'; '.join(said)})" if said else ""


def _bands(result: Result, texts: Texts) -> Section:
    lines, marks = [], []
    for cid in CATEGORIES:
        title = category_title(cid, texts)
        cat = result["categories"][cid]
        # The basis is named where it fits: under "not indicated" it names what did not.
        label = (cat.get("label") or "") if cat["band"] != "not_indicated" else ""
        style = band_style(cat["band"])
        lines.append(Line(f"{title}: {band_text(cat['band'], texts)}"
                          + (f" ({label})" if label else ""), style))
        marks.append(Mark(title, cat["band"], "band", label, style))
    return Section(texts("report.bands"), lines, key="bands", part=FIRST, figure=marks)


def band_style(band: str) -> str:
    return {"strong": "good", "possible": "good", "weak": "warn"}.get(band, "dim")


def _timeline(result: Result, texts: Texts) -> Section:
    """The dates that matter, in date order: dates to act by (with a countdown), a reported
    fee change, and the dates to know (no countdown: "in 105 days" under the day a bar to
    returning could start would read as time left to act, e.g. to leave)."""
    rows: list[tuple[str, int, Line, Mark]] = []
    for row in result["deadlines"]:
        milestone = row.get("kind", "deadline") == "milestone"
        when = deadline_when(row, milestone, texts)
        label = short_label(row["label"])
        unsure = (f" ({texts('report.unverified_confirm')})"
                  if row["confidence"] == "unverified" else "")
        style = "dim" if milestone or row["status"] == "passed" else (
            "warn" if row["soon"] else "")
        kind = "milestone" if milestone else "deadline"
        day = texts.date(row["date"])
        text = (texts("report.timeline.milestone", date=day, label=label, when=when)
                if milestone else f"{day} ({when}): {label}{unsure}")
        rows.append((row["date"], 1 if milestone else 0, Line(text, style, row["cite"]),
                     Mark(label, row["date"], kind, when, style, row["status"])))
    as_of = str(result["as_of"])
    for fee in result["fees"]:
        change = fee.get("reported_change")
        if change:  # a newer amount reported but not confirmed: its date is worth knowing
            day = str(change["effective_from"])
            label = texts("report.timeline.fee_reported",
                          label=short_label(_after_condition(fee["label"])),
                          amount=texts.money(change["amount"]))
            between = _between(as_of, day)
            when = (texts("report.when.since") if between < 0
                    else texts("report.when.today") if between == 0
                    else texts("report.when.in", days=days(between, texts)))
            rows.append((day, 0, Line(f"{texts.date(day)} ({when}): {label} "
                                      f"({texts('report.unverified_confirm')})", "dim",
                                      [change["source"]]),
                         Mark(label, day, "fee", when, "dim",
                              "today" if between == 0 else "")))
    # Dates to act by first, the dates to know after them: kept apart, as the pictures keep them.
    rows.sort(key=lambda row: (row[1], row[0]))
    marks = [mark for *_, mark in rows]
    if marks and not any(mark.status == "today" for mark in marks):
        marks.append(Mark(texts("report.timeline.today"), as_of, "today",
                          texts("report.timeline.screened"), status="today"))
        marks.sort(key=lambda mark: (mark.value, mark.kind != "today"))
    return Section(texts("report.timeline"), [line for _, _, line, _ in rows], key="timeline",
                   part=FIRST, figure=marks)


def _between(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def _help(result: Result, texts: Texts) -> list[Line]:
    return [
        Line(_words(str(result["disclaimer"])), "strong"),
        Line(texts("report.find_help", eoir=EOIR_ROSTER_URL, aila=AILA_SEARCH_URL)),
    ]


# -- What would change the result -----------------------------------------------------------

def change_lines(result: Result, words: Glossary | None) -> list[Line]:
    """The result's ``what_would_change`` (when it has one) as sentences, grouped by
    category in the report's order: "Medical: If the answer to ... is yes, then medical parole
    is likely possible (now: weak)."."""
    from .what_if_text import change_sentences

    found = change_sentences(result, words)
    texts = texts_of(words)
    lines = []
    for cid in CATEGORIES:
        title = category_title(cid, texts)
        lines += [Line(f"{title}: {entry.text}", "good") for entry in found
                  if entry.category == cid]
    return lines


def missing_lines(result: Result, words: Glossary | None) -> list[Line]:
    """What to find out: the questions not answered, as the person was asked them."""
    return [Line(words[qid][0] if words and qid in words else qid, "warn")
            for qid in result.get("missing") or ()]
