"""The answers contract: split a record into id and answers, and check each answer's type.

Errors name the field and what was expected, never the value itself: answers can hold
private facts, and error lines end up in logs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, repeat
from typing import Any, NamedTuple

from .conditions import suggest
from .errors import AnswerError
from .jsonbytes import HugeNumber, whole_number_text
from .models import Question
from .pack import RulePack

MAX_TEXT_CHARS = 2000
#: The most digits a number may have: Python's own limit for converting one to text (an
#: answer or id past it could not be written in a result, an error row or a report).
MAX_DIGITS = 4300
_HUGE = 10 ** MAX_DIGITS
#: The years a date may have, in an answer or as the day a screening speaks for (--as-of):
#: dates outside them are typing mistakes, and adding years to them would overflow.
MIN_YEAR, MAX_YEAR = 1900, 2200
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Coercer = Callable[[Any], Any]


def split_record(record: Any) -> tuple[str | None, Mapping[str, Any]]:
    """Accept ``{"id": ..., "answers": {...}}`` or a bare mapping of question ids to values."""
    if type(record) is dict and type(answers := record.get("answers")) is dict and (
            len(record) == 1 or (len(record) == 2 and "id" in record)):
        # The usual shape, checked cheaply (a batch splits every record).
        record_id = record.get("id")
        if record_id is None or (type(record_id) is str and record_id.isascii()):
            return record_id, answers
        if type(record_id) is int and (text := whole_number_text(record_id)) is not None:
            return text, answers
    if not isinstance(record, Mapping):
        raise AnswerError("a record must be a JSON object", kind="not_an_object")
    if "answers" not in record:
        record_id = record.get("id")
        answers = {key: value for key, value in record.items() if key != "id"}
    else:
        extra = sorted(set(record) - {"id", "answers"})
        if extra:
            raise AnswerError("unexpected top-level key beside 'id' and 'answers'",
                              kind="bad_record", field=extra[0])
        record_id = record.get("id")
        answers = record["answers"]
        if not isinstance(answers, Mapping):
            raise AnswerError("must be a JSON object of question ids to values",
                              kind="bad_record", field="answers")
    return _checked_id(record_id), answers


def _checked_id(record_id: Any) -> str | None:
    """A record's id as text: text (valid Unicode), a whole number, or None."""
    if record_id is None or (isinstance(record_id, str) and is_clean_text(record_id)):
        return record_id
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        text = whole_number_text(record_id)
        if text is not None:
            return text
    if isinstance(record_id, HugeNumber | int) and not isinstance(record_id, bool):
        raise AnswerError(f"must be a whole number of at most {MAX_DIGITS:,} digits, or text",
                          kind="bad_record", field="id")
    raise AnswerError("must be text (valid Unicode) or a whole number", kind="bad_record",
                      field="id")


def split_plain_records(records: Sequence[Any]
                        ) -> tuple[list[str | None], list[Mapping[str, Any]]] | None:
    """:func:`split_record` for a chunk where every record has the usual shape,
    ``{"id": <ASCII text>, "answers": {...}}`` (the id may be left out), a few passes at C
    speed instead of a call a record; None if some record has another shape (then split
    each)."""
    if set(map(type, records)) != {dict}:
        return None
    answers: list[Any] = list(map(dict.get, records, repeat("answers")))
    if set(map(type, answers)) != {dict}:
        return None
    # Each record holds its answers, and may hold an id: nothing else.
    if sum(map(len, records)) != len(records) + sum(map(dict.__contains__, records,
                                                            repeat("id"))):
        return None
    ids: list[Any] = list(map(dict.get, records, repeat("id")))
    if not _ID_TYPES.issuperset(map(type, ids)) or not all(map(str.isascii,
                                                              filter(None, ids))):
        return None
    return ids, answers


_ID_TYPES = frozenset({str, type(None)})


def is_clean_text(text: str) -> bool:
    """False for strings holding lone surrogates, which no output encoding can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def coerce_answers(pack: RulePack, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check every answer against its question and return typed values.

    Dates become :class:`datetime.date`, multi-choice lists become frozensets, and ``null``
    means "not answered" and is dropped. Raises :class:`AnswerError` naming the field.
    """
    coercers = _coercers(pack)
    typed: dict[str, Any] = {}
    for qid, value in answers.items():
        coerce = coercers.get(qid)
        if coerce is None:
            raise AnswerError(f"unknown question id{suggest(str(qid), coercers)}",
                              kind="unknown_question", field=str(qid))
        if value is None:
            continue
        typed[qid] = coerce(value)
    return typed


class TypedColumns(NamedTuple):
    """Typed answers of many records, one column per question.

    ``coded`` holds, for columns with fewer than 256 distinct answers, one code byte per
    record and the typed value of each code (code 0 is None, unanswered), as
    :class:`~parole_screen.columns.AnswerColumns` takes them.
    """

    values: dict[str, list[Any]]
    coded: dict[str, tuple[bytes, list[Any]]]


def coerce_columns(pack: RulePack, records: Sequence[Mapping[str, Any]]
                   ) -> tuple[TypedColumns, dict[int, AnswerError]]:
    """:func:`coerce_answers` for many records at once, as one column per question.

    Returns the columns of the records that pass (in order, the others left out) and the
    error of each record that does not, by its position in ``records``. The common case,
    where every answer fits, checks each column's distinct values once; a column that fails
    is then checked record by record, so each error is exactly :func:`coerce_answers`'s.
    """
    columns, suspects = _fast_columns(pack, records)
    if not suspects:
        return columns, {}
    errors: dict[int, AnswerError] = {}
    for index in sorted(suspects):
        try:
            coerce_answers(pack, records[index])
        except AnswerError as error:
            errors[index] = error.detached()
    kept = [record for index, record in enumerate(records) if index not in errors]
    columns, suspects = _fast_columns(pack, kept)
    if suspects:  # pragma: no cover - the fast checks reject only what coerce_answers does
        typed = [coerce_answers(pack, record) for record in kept]
        columns = TypedColumns({qid: [row.get(qid) for row in typed] for qid in _coercers(pack)},
                               {})
    return columns, errors


Coded = tuple[list[Any], bytes | None, list[Any] | None]  # typed column, codes, code values
ColumnCoercer = Callable[[list[Any]], "Coded | None"]


def _fast_columns(pack: RulePack, records: Sequence[Mapping[str, Any]]
                  ) -> tuple[TypedColumns, set[int]]:
    """Typed columns, and the positions of records that may hold a bad answer."""
    coercers = _coercers(pack)
    known = frozenset(coercers)
    # One pass over every key of the chunk; only a chunk with an unknown key looks closer.
    suspects = (set() if known.issuperset(chain.from_iterable(records)) else
                {index for index, record in enumerate(records) if not known.issuperset(record)})
    columns = TypedColumns({}, {})
    plain = all(type(record) is dict for record in records)
    fixed = _fixed_codes(pack) if plain else {}
    gathered = _gathered(records, coercers) if plain and not suspects else None
    for qid, coerce_column in _column_coercers(pack).items():
        if gathered is not None:
            column = gathered[qid]
        elif plain:
            column = list(map(dict.get, records, repeat(qid)))  # type: ignore[arg-type]
        else:
            column = [record.get(qid) for record in records]
        codes_of = fixed.get(qid)
        if codes_of is not None:
            fixed_column = _fixed_column(codes_of, column)
            if fixed_column is not None:  # no column: AnswerColumns builds it from the codes
                columns.coded[qid] = fixed_column
                continue
        coded = coerce_column(column)
        if coded is None:
            coerce = coercers[qid]
            for index, value in enumerate(column):
                if value is not None and not _fits(coerce, value):
                    suspects.add(index)
            coded = ([None if index in suspects else value for index, value in enumerate(column)],
                     None, None)
        typed, codes, values = coded
        columns.values[qid] = typed
        if codes is not None and values is not None:
            columns.coded[qid] = (codes, values)
    return columns, suspects


def _gathered(records: Sequence[Mapping[str, Any]], qids: Iterable[str]) -> dict[str, list[Any]]:
    """Each question's column of answers (None where unanswered), record by record: a
    record holds a fraction of the questions, so this visits fewer cells than asking every
    record for every question (2.5 times fewer with the benchmark's records)."""
    n = len(records)
    columns = {qid: [None] * n for qid in qids}
    for index, record in enumerate(records):
        for qid, value in record.items():
            columns[qid][index] = value
    return columns


FixedCodes = tuple[dict[Any, int], list[Any], bool]  # answer -> code, typed values, check types


def _fixed_column(codes_of: FixedCodes, column: list[Any]) -> tuple[bytes, list[Any]] | None:
    """A yes/no, choice or country column coded in one pass, when every answer is one of
    the question's own (else None, and the column is checked the general way)."""
    mapping, values, check_types = codes_of
    # True == 1: a yes/no answer must be a bool, not just equal to one. (Coding by the
    # identity of None/False/True instead measured 40% slower: their ids collide in a dict.)
    if check_types and not _BOOL_TYPES.issuperset(map(type, column)):
        return None
    try:
        return bytes(map(mapping.__getitem__, column)), values
    except (KeyError, TypeError):  # an answer that is not one of them, or unhashable
        return None


_BOOL_TYPES = frozenset({bool, type(None)})


@lru_cache(maxsize=8)
def _fixed_codes(pack: RulePack) -> dict[str, FixedCodes]:
    """For questions with a closed set of answers: each accepted answer's code."""
    found: dict[str, FixedCodes] = {}
    countries = sorted(pack.countries)
    for entry in pack.questions:
        question = entry.question
        if question.type == "yes_no":
            found[question.id] = ({None: 0, False: 1, True: 2}, [None, False, True], True)
        elif question.type == "choice" and len(question.choices) < 256:
            values = [None, *(choice.value for choice in question.choices)]
            found[question.id] = ({value: code for code, value in enumerate(values)}, values,
                                  False)
        elif question.type == "country" and len(countries) < 256:
            values = [None, *countries]
            mapping: dict[Any, int] = {None: 0}
            for code, country in enumerate(countries, 1):
                mapping[country] = mapping[country.lower()] = code
            found[question.id] = (mapping, values, False)
    return found


def _fits(coerce: Coercer, value: Any) -> bool:
    try:
        coerce(value)
    except AnswerError:
        return False
    return True


@lru_cache(maxsize=8)
def _column_coercers(pack: RulePack) -> dict[str, ColumnCoercer]:
    coercers = _coercers(pack)
    return {entry.question.id: _column_coercer(entry.question.type, coercers[entry.question.id])
            for entry in pack.questions}


_NONE = type(None)
_COLUMN_TYPES = {"yes_no": frozenset({bool, _NONE}), "multi_choice": frozenset({list, _NONE}),
                 "number": frozenset({int, float, _NONE}), "money": frozenset({int, float, _NONE})}
_TEXT_TYPES = frozenset({str, _NONE})
_TYPE_CHECKED = frozenset({"yes_no", "multi_choice", "number", "money"})


def _column_coercer(kind: str, coerce: Coercer) -> ColumnCoercer:
    """Type a whole column by checking each distinct answer once; None if one fails.

    Answers checked before are remembered (a bounded number), so most chunks check few.
    Columns with fewer than 256 distinct answers are coded on the way (see :class:`TypedColumns`).
    """
    allowed = _COLUMN_TYPES.get(kind, _TEXT_TYPES)
    as_given = kind not in ("multi_choice", "date", "country")  # typed value is the answer
    remember = not as_given  # worth remembering: lists, dates and countries take some work
    # Answer (a list as a tuple) -> typed value, in a one-slot holder: when it grows too big
    # a new dict replaces it, so a thread still reading the old one is never cut short.
    holder: list[dict[Any, Any]] = [{None: None}]

    def coerce_column(column: list[Any]) -> Coded | None:
        # A value of a wrong type shows up among the distinct values and fails there, unless
        # it equals a right one: True == 1 and [..] vs "..", so those kinds check types.
        if kind in _TYPE_CHECKED and not allowed.issuperset(map(type, column)):
            return None
        keys = column
        if kind == "multi_choice":
            keys = [None if value is None else tuple(value) for value in column]
        try:
            distinct = set(keys)
        except TypeError:  # an unhashable member of a list
            return None
        seen = holder[0]
        new = distinct.difference(seen)
        if len(seen) + len(new) > _SEEN_KEPT or not remember:  # bounded: memory stays flat
            seen = {None: None}
            if remember:
                holder[0] = seen
            new = distinct.difference(seen)
        for key in new:
            try:
                seen[key] = coerce(list(key) if kind == "multi_choice" else key)
            except AnswerError:
                return None
        typed = column if as_given else list(map(seen.__getitem__, keys))
        distinct.discard(None)
        if len(distinct) > 255:  # code 0 is None's: at most 255 answers fit a byte
            return typed, None, None
        order = [None, *distinct]
        codes = bytes(map(dict(zip(order, range(len(order)), strict=True)).__getitem__, keys))
        return typed, codes, list(map(seen.__getitem__, order))
    return coerce_column


_SEEN_KEPT = 16_384  # per question: about 45 years of distinct dates


def to_json_value(value: Any) -> Any:
    """The JSON form of a typed answer (the inverse of coercion)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    return value


@lru_cache(maxsize=8)
def _coercers(pack: RulePack) -> dict[str, Coercer]:
    countries = frozenset(pack.countries)
    return {entry.question.id: _coercer_for(entry.question, countries)
            for entry in pack.questions}


def _coercer_for(question: Question, countries: frozenset[str]) -> Coercer:
    """The function that checks and types one answer to ``question``."""
    make = _COERCER_MAKERS.get(question.type, _text_coercer)
    return make(question, countries)


def _wrong_type(question: Question, expected: str) -> AnswerError:
    return AnswerError(f"expected {expected}", kind="wrong_type", field=question.id)


def _yes_no_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    def coerce_bool(value: Any) -> bool:
        if not isinstance(value, bool):
            raise _wrong_type(question, "true or false")
        return value
    return coerce_bool


def _choice_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    values = frozenset(choice.value for choice in question.choices)
    listed = ", ".join(choice.value for choice in question.choices)

    def coerce_choice(value: Any) -> str:
        if not isinstance(value, str) or value not in values:
            raise _wrong_type(question, f"one of: {listed}")
        return value
    return coerce_choice


def _multi_choice_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    values = frozenset(choice.value for choice in question.choices)
    listed = ", ".join(choice.value for choice in question.choices)
    exclusive = frozenset(choice.value for choice in question.choices if choice.exclusive)

    def coerce_many(value: Any) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _wrong_type(question, f"a list drawn from: {listed}")
        chosen = frozenset(value)
        if not chosen <= values:
            raise _wrong_type(question, f"a list drawn from: {listed}")
        if len(chosen) != len(value):
            raise AnswerError("lists a choice more than once", kind="wrong_type",
                              field=question.id)
        alone = chosen & exclusive
        if alone and len(chosen) > 1:
            raise AnswerError(f"'{min(alone)}' cannot be combined with other choices",
                              kind="wrong_type", field=question.id)
        return chosen
    return coerce_many


def _date_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    def coerce_date(value: Any) -> dt.date:
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise _wrong_type(question, "a date as YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise _wrong_type(question, "a real calendar date as YYYY-MM-DD") from None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise _wrong_type(question, f"a date between {MIN_YEAR} and {MAX_YEAR}")
        return day
    return coerce_date


def _number_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    low, high = question.min, question.max

    def coerce_number(value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_type(question, "a number")
        if type(value) is HugeNumber or (type(value) is int and not -_HUGE < value < _HUGE):
            raise _wrong_type(question, f"a number of at most {MAX_DIGITS:,} digits")
        if value != value or value in (float("inf"), float("-inf")):
            raise _wrong_type(question, "a finite number")
        if low is not None and value < low:
            raise _wrong_type(question, f"a number of at least {low:g}")
        if high is not None and value > high:
            raise _wrong_type(question, f"a number of at most {high:g}")
        return value
    return coerce_number


def _country_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    def coerce_country(value: Any) -> str:
        if not isinstance(value, str) or value.upper() not in countries:
            raise _wrong_type(question, "a two-letter ISO country code such as UA or HT")
        return value.upper()
    return coerce_country


def _text_coercer(question: Question, countries: frozenset[str]) -> Coercer:
    def coerce_text(value: Any) -> str:
        if not isinstance(value, str) or not is_clean_text(value):
            raise _wrong_type(question, "text (valid Unicode)")
        if len(value) > MAX_TEXT_CHARS:
            raise _wrong_type(question, f"text of at most {MAX_TEXT_CHARS} characters")
        return value
    return coerce_text


_COERCER_MAKERS: dict[str, Callable[[Question, frozenset[str]], Coercer]] = {
    "yes_no": _yes_no_coercer,
    "choice": _choice_coercer,
    "multi_choice": _multi_choice_coercer,
    "date": _date_coercer,
    "number": _number_coercer,
    "money": _number_coercer,
    "country": _country_coercer,
    "text": _text_coercer,
}
