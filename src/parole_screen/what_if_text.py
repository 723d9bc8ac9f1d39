"""What would change the result, in plain sentences: for the report and anyone who shows it.

A result scored with ``what_if=True`` holds ``what_would_change`` (see
:mod:`parole_screen.engine.what_if`): entries a program reads. :func:`change_sentences`
turns each into one sentence a person reads, "If the answer to ... is ..., then ... is
likely ...", in the order of the result (by category, the best band first). No I/O, no
markup: the caller escapes and styles the text for its target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .report_model import BAND_TEXT, CATEGORY_NAMES

#: Question id -> (question text, choice value -> label), as ``parole_screen.glossary`` gives.
Words = Mapping[str, tuple[str, Mapping[str, str]]]


class ChangeSentence(NamedTuple):
    """One entry of ``what_would_change`` as a sentence, with what a renderer may group or
    style by."""

    category: str
    band_now: str
    band_if: str
    kind: str  # "answer" or "evidence"
    text: str


def change_sentences(result: Mapping[str, Any], words: Words | None = None
                     ) -> list[ChangeSentence]:
    """The result's ``what_would_change`` as sentences, in its order; none if it has none.

    With ``words`` (``parole_screen.glossary(pack)``), questions and answers are shown as the
    person saw them; without, by their ids and values.
    """
    return [ChangeSentence(entry["category"], entry["band_now"], entry["band_if"],
                           entry["kind"], _sentence(entry, words))
            for entry in result.get("what_would_change") or ()]


def _sentence(entry: Mapping[str, Any], words: Words | None) -> str:
    qid = entry["question"]
    question, labels = words[qid] if words and qid in words else (qid, {})
    if entry["kind"] == "evidence":
        document = labels.get(entry["answer"], str(entry["answer"]))
        condition = f"If they get {_lower_first(document)}"
    else:
        answer_range = entry.get("range")
        if answer_range == {}:  # every answer gives it: answering is what counts
            condition = f"If \u201c{question}\u201d is answered"
        else:
            answer = _answer_words(entry["answer"], answer_range, labels)
            condition = f"If the answer to \u201c{question}\u201d is {answer}"
    category = CATEGORY_NAMES.get(entry["category"], entry["category"])
    return (f"{condition}, then {category} is likely {BAND_TEXT[entry['band_if']]} "
            f"(now: {BAND_TEXT[entry['band_now']]}).")


def _answer_words(answer: Any, answer_range: Mapping[str, Any] | None,
                  labels: Mapping[str, str]) -> str:
    if answer_range is not None:
        return _range_words(answer_range)
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, list):
        return " and ".join(_quoted(labels.get(value, str(value))) for value in answer)
    return _quoted(labels.get(answer, str(answer)))


def _range_words(bounds: Mapping[str, Any]) -> str:
    """A range (``gte``/``gt``/``lte``/``lt``) in words: dates and numbers alike."""
    low = _bound(bounds, "gte", "gt", "on or after", "more than")
    high = _bound(bounds, "lte", "lt", "on or before", "less than")
    if "gte" in bounds and bounds.get("gte") == bounds.get("lte"):
        return str(bounds["gte"])
    if low and high:
        if "gte" in bounds and "lte" in bounds:
            return f"from {bounds['gte']} to {bounds['lte']}"
        return f"{low} and {high}"
    return low or high


def _bound(bounds: Mapping[str, Any], closed: str, open_: str, closed_words: str,
           open_words: str) -> str:
    if closed in bounds:
        value = bounds[closed]
        # "on or after" for a date; "at least" / "at most" for a number.
        if not isinstance(value, str):
            closed_words = "at least" if closed == "gte" else "at most"
        return f"{closed_words} {value}"
    if open_ in bounds:
        value = bounds[open_]
        if isinstance(value, str):
            open_words = "after" if open_ == "gt" else "before"
        return f"{open_words} {value}"
    return ""


def _quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def _lower_first(text: str) -> str:
    """``A copy of ...`` -> ``a copy of ...``, leaving ``I-94 ...`` and the like alone."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and text[1] != "-":
        return text[0].lower() + text[1:]
    return text


def sentences_by_category(sentences: Sequence[ChangeSentence]
                          ) -> dict[str, list[ChangeSentence]]:
    """The sentences grouped by category, each group in the result's order."""
    found: dict[str, list[ChangeSentence]] = {}
    for sentence in sentences:
        found.setdefault(sentence.category, []).append(sentence)
    return found
