"""The report's first screen, worked out from the result: what it means, what to do first,
what it costs, the bands and the dates as pictures, and where to get help.

Nothing here is written for a case: each sentence is chosen by the result's status, top
category and band, its stop flags, its soonest deadline, its next steps and its fees, so a
new case in the pack gets a first screen without a line of code. The formatters lay the
sections out (:mod:`parole_screen.report_text`, :mod:`parole_screen.report_html`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .report_model import (
    AILA_SEARCH_URL,
    BAND_TEXT,
    CATEGORY_NAMES,
    CATEGORY_TITLES,
    EOIR_ROSTER_URL,
    FIRST,
    Line,
    Mark,
    Section,
    days,
    deadline_when,
    lower_first,
    money,
    short_label,
)

Result = Mapping[str, Any]
Glossary = Mapping[str, tuple[str, Mapping[str, str]]]

#: At most this many actions under "Do this first".
FIRST_ACTIONS = 3

#: What a band means for the person, after "... and it looks <band>".
BAND_MEANING = {
    "strong": "most of what this kind of parole asks for is there. Officials still decide "
              "each case and can say no.",
    "possible": "some of what it asks for is there, and something is missing or weighs "
                "against it.",
    "weak": "it could fit, but important things are missing or weigh against it.",
}

# How the pack writes its fees, read by the first screen's sum (tests/test_report_first.py
# pins the reading of every fee of the shipped pack, so a new fee that breaks the habit
# fails a test instead of being added up wrongly):
#: A fee a lawyer must first confirm (parole has ended): its label opens with this.
IF_LAWYER_OPENING = "only if a lawyer confirms"
#: A fee owed only on a further step (a work permit, asylum, TPS): its label or note opens
#: with one of these.
CONDITIONAL_OPENINGS = ("only if", "due each year")
PLAN, CONDITIONAL, IF_LAWYER = "plan", "conditional", "if_lawyer"


def fee_kind(fee: Mapping[str, Any]) -> str:
    """``plan`` (added to the expected total), ``conditional`` (owed only on a further step,
    e.g. a work permit or asylum) or ``if_lawyer`` (only if a lawyer confirms a filing is
    still possible): never added."""
    label = " ".join(str(fee.get("label") or "").split()).lower()
    note = " ".join(str(fee.get("note") or "").split()).lower()
    if label.startswith(IF_LAWYER_OPENING):
        return IF_LAWYER
    if label.startswith(CONDITIONAL_OPENINGS) or note.startswith(CONDITIONAL_OPENINGS):
        return CONDITIONAL
    return PLAN


def first_screen(result: Result, words: Glossary | None) -> list[Section]:
    """The sections of the first screen, in reading order (empty ones left out later)."""
    return [
        Section("Report", [Line(_reference(result), "dim")], key="header", part=FIRST),
        Section("What this means", _meaning(result, words), key="summary", part=FIRST),
        Section("Do this first", first_actions(result), key="do_first", part=FIRST,
                numbered=True),
        Section(f"Expected cost on {result['as_of']}", cost_lines(result), key="cost",
                part=FIRST),
        _bands(result),
        _timeline(result),
        Section("A screening, not legal advice", _help(result), key="help", part=FIRST),
    ]


def _reference(result: Result) -> str:
    shown = f"Reference: {result['id']}. " if result.get("id") else ""
    return f"{shown}Screened as of {result['as_of']}."


def _meaning(result: Result, words: Glossary | None) -> list[Line]:
    lines = []
    top = result["top_category"]
    if top:
        cat = result["categories"][top]
        basis = f" ({lower_first(cat['label'])})" if cat.get("label") else ""
        name = CATEGORY_NAMES[top]
        lines.append(Line(f"Of the four kinds of parole, {name} fits these answers best"
                          f"{basis}, and it looks {BAND_TEXT[cat['band']]}: "
                          f"{BAND_MEANING[cat['band']]}", "strong"))
    elif result["status"] == "incomplete":
        lines.append(Line("Some answers are missing, so no kind of parole can be named yet.",
                          "strong"))
    else:
        lines.append(Line("None of the four kinds of parole fits these answers.", "strong"))
    if result["status"] == "incomplete":
        count = len(result["missing"])
        asked = _question(result["missing"][0], words) if count == 1 else f"{count} questions"
        lines.append(Line(f"Not answered yet: {asked}. The result may change once "
                          f"{'it is' if count == 1 else 'they are'} (see What to find out).",
                          "warn"))
    return lines


def _question(qid: str, words: Glossary | None) -> str:
    return f"\u201c{words[qid][0]}\u201d" if words and qid in words else qid


def first_actions(result: Result) -> list[Line]:
    """The two or three things to do first: the stop flags (each whole: a stop flag's
    wording is the warning), then the soonest date to act by, then the next steps in the
    pack's order."""
    # Uncited here: each is the warning, date or step the details cite in full below.
    actions = [Line(f"STOP: {flag['text']}", "stop")
               for flag in result["flags"] if flag["severity"] == "stop"][:FIRST_ACTIONS - 1]
    soonest = min((row for row in result["deadlines"]
                   if row.get("kind", "deadline") == "deadline" and row["status"] != "passed"),
                  key=lambda row: row["date"], default=None)
    if soonest is not None:
        actions.append(Line(f"{_by_date(soonest)}: {soonest['label']}"
                            + (" (unverified: confirm)" if soonest["confidence"] == "unverified"
                               else ""), "warn"))
    for item in result["next_steps"]:
        if len(actions) >= FIRST_ACTIONS:
            break
        actions.append(Line(item["text"]))
    return actions


def _by_date(row: Mapping[str, Any]) -> str:
    if row["status"] == "today":
        return f"Today, {row['date']}"
    return f"By {row['date']} (in {days(row['days_from_as_of'])})"


def cost_lines(result: Result) -> list[Line]:
    """The expected total for each person (the fees of the plan), then the fees owed only on
    a further step and those only a lawyer can confirm, neither added."""
    fees = result["fees"]
    plan = [fee for fee in fees if fee_kind(fee) == PLAN]
    lines = []
    if plan:
        total = sum(fee["amount"] for fee in plan
                    if isinstance(fee["amount"], int) and not isinstance(fee["amount"], bool))
        parts = [f"{short_label(fee['label'])} {money(fee['amount'])}{_qualified(fee)}"
                 for fee in plan]
        lines.append(Line(f"{money(total)} for each person who needs parole: "
                          + " + ".join(parts) + ".", "strong"))
    elif fees:
        owed = " or ".join(said for kind, said in ((CONDITIONAL, "only on a further step"),
                                                   (IF_LAWYER, "only if a lawyer confirms"))
                           if any(fee_kind(fee) == kind for fee in fees))
        lines.append(Line(f"Nothing is added up: each fee below is owed {owed}."))
    else:
        lines.append(Line("No fee is listed for these answers."))
    conditional = [fee for fee in fees if fee_kind(fee) == CONDITIONAL]
    if conditional:
        lines.append(Line("Not added, owed only on a further step: " + "; ".join(
            f"{short_label(fee['label'])} {money(fee['amount'])}" for fee in conditional)
            + ".", "dim"))
    if_lawyer = [fee for fee in fees if fee_kind(fee) == IF_LAWYER]
    if if_lawyer:
        lines.append(Line("Not added, only if a lawyer confirms a filing is still possible: "
                          + "; ".join(f"{short_label(_after_condition(fee['label']))} "
                                      f"{money(fee['amount'])}" for fee in if_lawyer) + ".",
                          "dim"))
    return lines


def _words(text: str) -> str:
    return " ".join(text.split())


def _after_condition(label: str) -> str:
    """"Only if a lawyer confirms ... (parole has ended): Form I-131 filing fee" -> the fee."""
    return label.split("): ", 1)[-1] if "): " in label else label


def _qualified(fee: Mapping[str, Any]) -> str:
    said = ["a fee waiver may be requested"] if fee["waivable"] else []
    if fee.get("exception_may_apply"):
        said.append("an exception may apply: see Fees")
    change = fee.get("reported_change")
    if change:
        said.append(f"a change to {money(change['amount'])} from {change['effective_from']} "
                    "is reported: confirm")
    elif fee.get("confirm_before_filing"):
        said.append("unverified: confirm before filing")
    return f" ({'; '.join(said)})" if said else ""


def _bands(result: Result) -> Section:
    lines, marks = [], []
    for cid, title in CATEGORY_TITLES.items():
        cat = result["categories"][cid]
        # The basis is named where it fits: under "not indicated" it names what did not.
        label = (cat.get("label") or "") if cat["band"] != "not_indicated" else ""
        style = band_style(cat["band"])
        lines.append(Line(f"{title}: {BAND_TEXT[cat['band']]}" + (f" ({label})" if label else ""),
                          style))
        marks.append(Mark(title, cat["band"], "band", label, style))
    return Section("How each kind of parole fits", lines, key="bands", part=FIRST, figure=marks)


def band_style(band: str) -> str:
    return {"strong": "good", "possible": "good", "weak": "warn"}.get(band, "dim")


def _timeline(result: Result) -> Section:
    """The dates that matter, in date order: dates to act by (with a countdown), a reported
    fee change, and the dates to know (no countdown: "in 105 days" under the day a bar to
    returning could start would read as time left to act, e.g. to leave)."""
    rows: list[tuple[str, int, Line, Mark]] = []
    for row in result["deadlines"]:
        milestone = row.get("kind", "deadline") == "milestone"
        when = deadline_when(row, milestone)
        label = short_label(row["label"])
        unsure = " (unverified: confirm)" if row["confidence"] == "unverified" else ""
        style = "dim" if milestone or row["status"] == "passed" else (
            "warn" if row["soon"] else "")
        kind = "milestone" if milestone else "deadline"
        text = (f"{row['date']}: {label} - a date to know, not a date to act by ({when})"
                if milestone else f"{row['date']} ({when}): {label}{unsure}")
        rows.append((row["date"], 1 if milestone else 0, Line(text, style, row["cite"]),
                     Mark(label, row["date"], kind, when, style)))
    as_of = str(result["as_of"])
    for fee in result["fees"]:
        change = fee.get("reported_change")
        if change:  # a newer amount reported but not confirmed: its date is worth knowing
            day = str(change["effective_from"])
            label = (f"{short_label(_after_condition(fee['label']))} reported as "
                     f"{money(change['amount'])}")
            between = _between(as_of, day)
            when = ("since then" if between < 0 else "today" if between == 0
                    else f"in {days(between)}")
            rows.append((day, 0, Line(f"{day} ({when}): {label} (unverified: confirm)", "dim",
                                      [change["source"]]),
                         Mark(label, day, "fee", when, "dim")))
    # Dates to act by first, the dates to know after them: kept apart, as the pictures keep them.
    rows.sort(key=lambda row: (row[1], row[0]))
    marks = [mark for *_, mark in rows]
    if marks and not any(mark.note == "today" for mark in marks):
        marks.append(Mark("Today", as_of, "today", "screened as of this date"))
        marks.sort(key=lambda mark: (mark.value, mark.kind != "today"))
    return Section("Dates that matter", [line for _, _, line, _ in rows], key="timeline",
                   part=FIRST, figure=marks)


def _between(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def _help(result: Result) -> list[Line]:
    return [
        Line(_words(str(result["disclaimer"])), "strong"),
        Line(f"To find an accredited representative: the Justice Department's list of "
             f"recognized organizations and accredited representatives ({EOIR_ROSTER_URL}). "
             f"To find an immigration lawyer: the American Immigration Lawyers Association's "
             f"lawyer search ({AILA_SEARCH_URL})."),
    ]


# -- What would change the result -----------------------------------------------------------

def change_lines(result: Result, words: Glossary | None) -> list[Line]:
    """The result's ``what_would_change`` (when it has one) as sentences, grouped by
    category in the report's order: "Medical: If the answer to ... is yes, then medical parole
    is likely possible (now: weak)."."""
    from .what_if_text import change_sentences

    found = change_sentences(result, words)
    lines = []
    for cid, title in CATEGORY_TITLES.items():
        lines += [Line(f"{title}: {entry.text}", "good") for entry in found
                  if entry.category == cid]
    return lines


def missing_lines(result: Result, words: Glossary | None) -> list[Line]:
    """What to find out: the questions not answered, as the person was asked them."""
    return [Line(words[qid][0] if words and qid in words else qid, "warn")
            for qid in result.get("missing") or ()]
