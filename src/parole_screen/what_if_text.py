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

from .report_model import band_text, category_name, texts_of
from .texts import Texts

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
    texts = texts_of(words)
    return [ChangeSentence(entry["category"], entry["band_now"], entry["band_if"],
                           entry["kind"], _sentence(entry, words, texts))
            for entry in result.get("what_would_change") or ()]


def _sentence(entry: Mapping[str, Any], words: Words | None, texts: Texts) -> str:
    qid = entry["question"]
    question, labels = words[qid] if words and qid in words else (qid, {})
    if entry["kind"] == "evidence":
        document = labels.get(entry["answer"], str(entry["answer"]))
        condition = texts("change.if_document", document=_lower_first(document))
    else:
        answer_range = entry.get("range")
        if answer_range == {}:  # every answer gives it: answering is what counts
            condition = texts("change.if_answered", question=question)
        else:
            answer = _answer_words(entry["answer"], answer_range, labels, texts)
            condition = texts("change.if_answer", question=question, answer=answer)
    return texts("change.sentence", condition=condition,
                 category=category_name(entry["category"], texts),
                 band_if=band_text(entry["band_if"], texts),
                 band_now=band_text(entry["band_now"], texts))


def _answer_words(answer: Any, answer_range: Mapping[str, Any] | None,
                  labels: Mapping[str, str], texts: Texts) -> str:
    if answer_range is not None:
        return _range_words(answer_range, texts)
    if isinstance(answer, bool):
        return texts("report.yes") if answer else texts("report.no")
    if isinstance(answer, list):
        quoted = [_quoted(labels.get(value, str(value)), texts) for value in answer]
        said = quoted[0] if quoted else ""
        for more in quoted[1:]:
            said = texts("change.and", first=said, second=more)
        return said
    return _quoted(labels.get(answer, str(answer)), texts)


def _range_words(bounds: Mapping[str, Any], texts: Texts) -> str:
    """A range (``gte``/``gt``/``lte``/``lt``) in words: dates and numbers alike."""
    shown = {key: texts.date(value) if isinstance(value, str) else value
             for key, value in bounds.items()}
    low = _bound(shown, "gte", "gt", texts)
    high = _bound(shown, "lte", "lt", texts)
    if "gte" in bounds and bounds.get("gte") == bounds.get("lte"):
        return str(shown["gte"])
    if low and high:
        if "gte" in bounds and "lte" in bounds:
            return texts("change.from_to", low=shown["gte"], high=shown["lte"])
        return texts("change.between", low=low, high=high)
    return low or high


#: How a bound is said: (closed, open) message ids for a date, then for a number.
_BOUND_WORDS = {
    ("gte", "gt"): (("change.on_or_after", "change.after"),
                    ("change.at_least", "change.more_than")),
    ("lte", "lt"): (("change.on_or_before", "change.before"),
                    ("change.at_most", "change.less_than")),
}


def _bound(bounds: Mapping[str, Any], closed: str, open_: str, texts: Texts) -> str:
    for key, which in ((closed, 0), (open_, 1)):
        if key in bounds:
            value = bounds[key]
            # A date (shown as text) is "on or after"; a number is "at least".
            words = _BOUND_WORDS[closed, open_][0 if isinstance(value, str) else 1]
            return texts(words[which], value=value)
    return ""


def _quoted(text: str, texts: Texts) -> str:
    return texts("report.quoted", text=text)


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
