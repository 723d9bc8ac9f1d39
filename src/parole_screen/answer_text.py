"""Typed lines to answers and answers back to words, for the interview's prompts.

Numbered choices, y/n, YYYY-MM-DD dates, numbers with a range, countries by code or name,
"1,3" for several choices. No I/O; every value still goes through
:func:`~parole_screen.answers.coerce_answers`, the same check ``score`` applies.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .answers import MAX_YEAR, MIN_YEAR, coerce_answers, to_json_value
from .errors import AnswerError
from .messages import UI
from .models import Question
from .pack import RulePack
from .texts import BABEL_LOCALES, ENGLISH, Texts

#: Yes and no in each language, beside the English words (which always work): what the
#: interview's hint tells a person to type, and the words themselves.
_LOCAL_YES_NO = {"es": (frozenset({"s", "sí", "si"}), frozenset({"n", "no"})),
                 "ru": (frozenset({"д", "да"}), frozenset({"н", "нет"}))}
# Every language's whole words work in every language, as "yes" does (a Spanish speaker in
# an English interview typed "si" and was told to type y); one-letter ones only in their own.
_YES = frozenset({"y", "yes", "true"}).union(
    *({word for word in yes if len(word) > 1} for yes, _ in _LOCAL_YES_NO.values()))
_NO = frozenset({"n", "no", "false"}).union(
    *({word for word in no if len(word) > 1} for _, no in _LOCAL_YES_NO.values()))
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE_EXAMPLE = "2027-03-31"
# Common names that are not the pack's short country names (only used if the code exists).
_COUNTRY_ALIASES = {
    "usa": "US", "unitedstatesofamerica": "US", "america": "US", "uk": "GB",
    "britain": "GB", "greatbritain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "southkorea": "KR", "korea": "KR", "northkorea": "KP", "drc": "CD", "drcongo": "CD",
    "democraticrepublicofthecongo": "CD", "czechrepublic": "CZ", "burma": "MM",
    "ivorycoast": "CI", "turkey": "TR", "russia": "RU", "laos": "LA", "holland": "NL",
}


class InvalidAnswer(ValueError):
    """A typed line that does not answer the question: a message id (see
    :mod:`parole_screen.messages`) and its values; ``str()`` is the English message and
    :meth:`said` the message in a language."""

    def __init__(self, message_id: str, /, **values: Any) -> None:
        self.message_id = message_id
        self.values = values
        # A message that is no id (a library caller's own text) is shown as it is.
        super().__init__(ENGLISH(message_id, **values) if message_id in UI else message_id)

    def said(self, texts: Texts) -> str:
        return texts(self.message_id, **self.values) if self.message_id in UI else str(self)


_HINTS = {"yes_no": "ui.hint.yes_no", "multi_choice": "ui.hint.multi", "date": "ui.hint.date",
          "country": "ui.hint.country", "money": "ui.hint.money"}


def answer_hint(question: Question, *, required: bool = True, dont_know: bool = True,
                texts: Texts = ENGLISH) -> str:
    """One line telling the user how to type an answer to this question (and, with
    ``dont_know``, that "don't know" is an answer too), in the language of ``texts``."""
    kind = question.type
    low, high = question.min, question.max
    if kind in _HINTS:
        hint = texts(_HINTS[kind])
    elif kind == "choice":
        hint = texts("ui.hint.choice", count=len(question.choices))
    elif kind == "number" and low is not None and high is not None:
        hint = texts("ui.hint.number_range", low=f"{low:g}", high=f"{high:g}")
    elif kind == "number" and low is not None:
        hint = texts("ui.hint.number_min", low=f"{low:g}")
    elif kind == "number" and high is not None:
        hint = texts("ui.hint.number_max", high=f"{high:g}")
    elif kind == "number":
        hint = texts("ui.hint.number")
    else:
        hint = texts("ui.hint.text")
    hint += texts("ui.hint.or_dont_know") if dont_know else texts("ui.hint.end")
    if not required:
        hint += texts("ui.hint.skip")
    return hint


def _out_of_range(low: float | None, high: float | None) -> InvalidAnswer:
    if low is not None and high is not None:
        return InvalidAnswer("ui.invalid.range", low=f"{low:g}", high=f"{high:g}")
    if low is not None:
        return InvalidAnswer("ui.invalid.at_least", low=f"{low:g}")
    return InvalidAnswer("ui.invalid.at_most", high=f"{high:g}")


def parse_answer(pack: RulePack, question: Question, text: str, lang: str = "en") -> Any:
    """Turn a typed line into the typed answer to ``question``; raise InvalidAnswer.

    ``lang`` adds that language's words: yes and no, country and month names."""
    text = text.strip()
    kind = question.type
    if kind == "yes_no":
        value: Any = _parse_yes_no(text, lang)
    elif kind == "choice":
        value = _parse_choice(question, text)
    elif kind == "multi_choice":
        value = sorted(_parse_multi(question, text))
    elif kind == "date":
        value = _in_range(parse_date_text(text, lang).date)
    elif kind in ("number", "money"):
        value = _parse_number(question, text)
    elif kind == "country":
        value = parse_country(pack.countries, text, lang)
    else:
        if not text:
            raise InvalidAnswer("ui.invalid.empty")
        value = text
    try:
        return coerce_answers(pack, {question.id: to_json_value(value)})[question.id]
    except AnswerError as error:
        raise InvalidAnswer("ui.invalid.check", reason=error.reason) from None


def yes_no_word(text: str, lang: str = "en") -> bool | None:
    """True for yes, False for no (in English or in ``lang``), None for anything else."""
    word = " ".join(text.lower().split())
    yes, no = _LOCAL_YES_NO.get(lang, (frozenset(), frozenset()))
    if word in _YES or word in yes:
        return True
    if word in _NO or word in no:
        return False
    return None


def _parse_yes_no(text: str, lang: str = "en") -> bool:
    answer = yes_no_word(text, lang)
    if answer is None:
        # (the interview says this in the person's language: ui.invalid.yes_no)
        raise InvalidAnswer("ui.invalid.yes_no")
    return answer


def is_small_number(text: str) -> bool:
    """A list number as typed: ASCII digits only (not '²'), and few of them."""
    return text.isascii() and text.isdecimal() and len(text) <= 4


def _match_choice(question: Question, token: str) -> str | None:
    choices = question.choices
    if is_small_number(token):
        number = int(token)
        return choices[number - 1].value if 1 <= number <= len(choices) else None
    folded = token.casefold()
    for choice in choices:
        # The label whole, accents aside: "si" for "Sí" (an applicant's trial).
        if folded in (choice.value.casefold(), choice.label.casefold()) or (
                _fold(token) and _fold(token) == _fold(choice.label)):
            return choice.value
    # A yes or no word in any language, where the choices are "yes" and "no".
    said = yes_no_word(token)
    values = {choice.value for choice in choices}
    if said is not None and {"yes", "no"} <= values:
        return "yes" if said else "no"
    # A unique start of a value: "y" or "n" for choices such as yes / no / unsure.
    starts = [choice.value for choice in choices if choice.value.startswith(folded)]
    return starts[0] if len(starts) == 1 and folded else None


def _parse_choice(question: Question, text: str) -> str:
    value = _match_choice(question, text)
    if value is None:
        raise InvalidAnswer("ui.invalid.choice", count=len(question.choices))
    return value


def _parse_multi(question: Question, text: str) -> set[str]:
    tokens = [token.strip() for token in re.split(r"[,;]", text)]
    tokens = [token for token in tokens if token]
    if len(tokens) == 1 and " " in tokens[0] and _match_choice(question, tokens[0]) is None:
        tokens = tokens[0].split()  # "1 3" as well as "1,3"
    if not tokens:
        raise InvalidAnswer("ui.invalid.multi_none")
    chosen: set[str] = set()
    for token in tokens:
        value = _match_choice(question, token)
        if value is None:
            raise InvalidAnswer("ui.invalid.multi_token", token=token,
                                count=len(question.choices))
        chosen.add(value)
    alone = [choice for choice in question.choices if choice.exclusive and choice.value in chosen]
    if alone and len(chosen) > 1:  # "none of these" with others
        raise InvalidAnswer("ui.invalid.exclusive", choice=alone[0].label)
    return chosen


def _in_range(day: dt.date) -> dt.date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidAnswer("ui.invalid.date_range", low=MIN_YEAR, high=MAX_YEAR)
    return day


_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), 1) for name in names}
#: Words that may sit in a date written with the month's name: "15 de enero de 2027",
#: "15 января 2027 г." (Russian writes "г." or "года" for "year").  # noqa: RUF003
_DATE_FILLER = {"es": frozenset({"de", "del"}), "ru": frozenset({"г", "года", "год"})}


@functools.lru_cache(maxsize=8)
def _month_names(lang: str) -> dict[str, int]:
    """The month names of ``lang`` (every form CLDR knows: wide and abbreviated, as in a
    date and standing alone: "января" and "январь"), lowercase, without a final dot."""
    names: dict[str, int] = {}
    if lang != "en":
        from babel.dates import get_month_names

        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, lang).items():
                    names[name.lower().rstrip(".")] = number
    return names


_NUMERIC = re.compile(r"^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})$")
_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")
_WEEKDAYS = frozenset({"monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed",
                       "thursday", "thu", "thurs", "friday", "fri", "saturday", "sat",
                       "sunday", "sun"})
_FILLER = _WEEKDAYS | {"of"}
NO_DATE_WORDS = frozenset({"asap", "as soon as possible", "no fixed date", "no date",
                           "none", "soon", "any time", "anytime"})


@dataclass(frozen=True)
class DateReading:
    """How a typed date was read: the date, and whether to ask back before taking it (the
    text could mean another day: ``15/01/2027`` read day first, a two-digit year)."""

    date: dt.date
    ask_back: bool = False


def date_words(day: dt.date, lang: str = "en") -> str:
    """A date in words, with no order to misread: ``Friday, 15 January 2027`` (in another
    language CLDR's full form: ``viernes, 15 de enero de 2027``)."""
    if lang != "en":
        from babel.dates import format_date

        return str(format_date(day, "full", locale=BABEL_LOCALES.get(lang, lang)))
    return f"{day:%A}, {day.day} {day:%B} {day.year}"


def parse_date_text(text: str, lang: str = "en") -> DateReading:
    """Read a typed date: ``2027-01-15``, ``01/15/2027`` (month first, the U.S. order),
    ``15.01.2027`` (day first, with dots), or with the month's name (``15 January 2027``,
    ``Jan 15 2027``, ``January 15, 2027``). Raise InvalidAnswer if it is not a date."""
    cleaned = " ".join(text.strip().lower().replace(",", " ").split())
    if cleaned in NO_DATE_WORDS:
        raise InvalidAnswer("ui.invalid.date_none")
    match = _NUMERIC.match(cleaned)
    reading = (_numeric_date(match, text, lang) if match
               else _named_date(cleaned, text, lang))
    if reading is None:
        raise InvalidAnswer("ui.invalid.date_format", example=_DATE_EXAMPLE)
    return reading


def _real(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidAnswer("ui.invalid.date_unreal", text=text.strip(),
                            example=_DATE_EXAMPLE) from None


def _year(part: str) -> tuple[int, bool]:
    """A year as typed, and whether it was shortened (two digits: 27 is 2027)."""
    if len(part) == 4:
        return int(part), False
    if len(part) == 2:
        return 2000 + int(part), True
    return -1, False


def _numeric_date(match: re.Match[str], text: str, lang: str = "en") -> DateReading | None:
    """A date in digits. Month first with slashes in English (the U.S. order); day first
    with dots, and with slashes in Spanish and Russian (05/03/2027 is 5 March there). Where
    the other order would give a date too, the reading is asked back."""
    first, separator, middle, last = match.groups()
    if len(first) == 4:  # year first: always year-month-day
        return DateReading(_real(int(first), int(middle), int(last), text))
    year, short = _year(last)
    if year < 0:
        return None
    a, b = int(first), int(middle)
    if separator == "." or lang != "en":  # 15.01.2027, 15/01/2027: day first
        if b > 12 and a <= 12:
            return DateReading(_real(year, a, b, text), ask_back=True)
        return DateReading(_real(year, b, a, text), ask_back=short or (a <= 12 and a != b))
    if a > 12 and b <= 12:  # 15/01/2027 is not month first: ask whether it is day first
        return DateReading(_real(year, b, a, text), ask_back=True)
    # 10/12/2026 is October 12 to a U.S. reader and 10 December to most of the world, which
    # many of the people this is for come from: asked back, in words (an applicant's
    # December date was read as a past October one and the report said it was too late).
    return DateReading(_real(year, a, b, text), ask_back=short or (b <= 12 and a != b))


def _named_date(cleaned: str, text: str, lang: str = "en") -> DateReading | None:
    words = cleaned.replace("-", " ").replace("/", " ").replace(".", " ").split()
    local = _month_names(lang)
    filler = _FILLER | _DATE_FILLER.get(lang, frozenset())
    known = {**_MONTHS, **local}
    # "Friday, 15 of May 2027"; a weekday in the language is filler too
    tokens = [word for word in words if word not in filler and word not in _weekdays(lang)]
    months = [known[token] for token in tokens if token in known]
    numbers = [token for token in tokens if token not in known]
    if len(months) == 1 and len(tokens) == 2 and _ORDINAL.match(numbers[0]):
        # "15 de enero": said back that the year is missing (an applicant's trial).
        raise InvalidAnswer("ui.invalid.date_no_year", text=text.strip())
    if len(months) != 1 or len(numbers) != 2 or len(tokens) != 3:
        return None
    years = [token for token in numbers if len(token) == 4 and token.isdigit()]
    days = [m.group(1) for token in numbers if (m := _ORDINAL.match(token))]
    if len(years) != 1 or len(days) != 1:
        return None
    return DateReading(_real(int(years[0]), months[0], int(days[0]), text))


@functools.lru_cache(maxsize=8)
def _weekdays(lang: str) -> frozenset[str]:
    if lang == "en":
        return frozenset()
    from babel.dates import get_day_names

    return frozenset(name.lower().rstrip(".") for width in ("wide", "abbreviated")
                     for name in get_day_names(width, "format", lang).values())


def _parse_number(question: Question, text: str) -> int | float:
    cleaned = text.replace(" ", "")
    if question.type == "money":
        cleaned = re.sub(r"(?i)^(usd|us\$|\$)|(usd|dollars?)$", "", cleaned)
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.match(cleaned):
        raise InvalidAnswer("ui.invalid.money_digits" if question.type == "money"
                            else "ui.invalid.number_digits")
    number = float(cleaned)
    value: int | float = int(number) if number.is_integer() else number
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise _out_of_range(low, high)
    return value


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


@functools.lru_cache(maxsize=8)
def country_names(lang: str) -> Mapping[str, str]:
    """CLDR's country names in ``lang`` by two-letter code (empty for English: the pack's
    names are English)."""
    if lang == "en":
        return {}
    from babel import Locale

    return dict(Locale.parse(lang).territories)


def parse_country(countries: Mapping[str, str], text: str, lang: str = "en") -> str:
    """A country code from a code (``ua``) or a name (``Ukraine``, ``viet nam``, ``Russia``;
    with ``lang``, also in that language: ``Украина``, ``México``). Yes and no are refused,
    not read as codes: an applicant's "si", meant for "Did you mean Guatemala?", became
    Slovenia (SI), and "no" Norway (NO)."""
    if yes_no_word(text, lang) is not None:
        raise InvalidAnswer("ui.invalid.country_yes_no")
    code = text.strip().upper()
    if code in countries:
        return code
    folded = _fold(text)
    if not folded:
        raise InvalidAnswer("ui.invalid.country_empty")
    names = {_fold(name): code for code, name in countries.items()}
    if folded in names:
        return names[folded]
    local = {_fold(name): code for code, name in country_names(lang).items()
             if code in countries}
    if folded in local:
        return local[folded]
    names.update(local)
    alias = _COUNTRY_ALIASES.get(folded)
    if alias is not None and alias in countries:
        return alias
    starts = sorted({code for name, code in names.items() if name.startswith(folded)})
    if len(starts) == 1 and len(folded) >= 3:
        return starts[0]
    raise _no_country(countries, names, starts, text, lang)


def _no_country(countries: Mapping[str, str], names: Mapping[str, str], starts: list[str],
                text: str, lang: str) -> InvalidAnswer:
    """Why ``text`` names no one country: several start so, some are spelt close, or none."""
    folded = _fold(text)
    shown = country_names(lang)

    def named(code: str) -> str:
        return f"{shown.get(code) or countries[code]} ({code})"

    if len(starts) > 1 and len(folded) >= 3:
        return InvalidAnswer("ui.invalid.country_many", text=text.strip(),
                             names=", ".join(named(code) for code in starts[:5]))
    close = list(dict.fromkeys(names[name] for name in difflib.get_close_matches(
        folded, list(names), n=3, cutoff=0.7)))
    if close:
        return InvalidAnswer("ui.invalid.country_close", text=text.strip(),
                             names=", ".join(named(code) for code in close))
    return InvalidAnswer("ui.invalid.country_unknown", text=text.strip())


def display_value(pack: RulePack, question: Question, value: Any,
                  texts: Texts = ENGLISH) -> str:
    """A typed answer as the user would read it (choice labels, country names), in the
    language of ``texts``."""
    kind = question.type
    labels = {choice.value: choice.label for choice in question.choices}
    if kind == "yes_no":
        return texts("ui.yes") if value else texts("ui.no")
    if kind == "choice":
        return str(labels.get(value, value))
    if kind == "multi_choice":
        chosen = [labels.get(choice.value, choice.value) for choice in question.choices
                  if choice.value in value]
        return "; ".join(chosen) or texts("report.answer.none")
    if kind == "date":
        return (f"{value.isoformat()} ({date_words(value, texts.lang)})"
                if isinstance(value, dt.date) else str(value))
    if kind == "country":
        name = country_names(texts.lang).get(value) or pack.countries.get(value, value)
        return f"{name} ({value})"
    if kind == "money":
        return texts.money(value) if isinstance(value, int) else f"${value:,.2f}"
    return str(value)


def choice_number(question: Question, value: Any) -> str:
    """The number(s) a user would type to give ``value`` again (for prompts)."""
    numbers = [str(index) for index, choice in enumerate(question.choices, 1)
               if choice.value == value or (isinstance(value, frozenset | set | list)
                                            and choice.value in value)]
    return ",".join(numbers)
