"""A language's texts: the tool's messages in it (English where untranslated), and how it
writes dates, money and plurals (Babel's CLDR data). Small and free of the pack, so every
module that shows text can use it; loading and checking translations is
:mod:`parole_screen.i18n`'s job."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .messages import UI

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders a message holds."""
    return set(_PLACEHOLDER.findall(text))


def fill(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each ``{name}`` replaced; other braces are left as they are. A value
    that ends a sentence itself (a Russian date ends with a dot) takes the place of the text's
    full stop after it."""
    if not values:
        return text
    out, at = [], 0
    for found in _PLACEHOLDER.finditer(text):
        name = found.group(1)
        out.append(text[at:found.start()])
        at = found.end()
        if name not in values:
            out.append(found.group(0))
            continue
        value = str(values[name])
        out.append(value)
        if value.endswith(".") and text.startswith(".", at):
            at += 1
    out.append(text[at:])
    return "".join(out)


#: The CLDR locale each language formats dates and money with: Spanish as written in the
#: U.S. (``$1,020``, ``5 de marzo de 2027``), where the fees are paid.
BABEL_LOCALES = {"es": "es_US", "ru": "ru"}


@dataclass(frozen=True)
class Texts:
    """The messages of one language; any message not translated is shown in English."""

    lang: str = "en"
    translated: Mapping[str, str] = field(default_factory=dict)
    #: False when some message of the pack has no translation (a front end says so once).
    complete: bool = True

    def __call__(self, message_id: str, /, **values: Any) -> str:
        """The :data:`UI` message ``message_id`` in this language, placeholders filled."""
        return fill(self.translated.get(message_id) or UI[message_id], values)

    def plural(self, base_id: str, count: int, /, **values: Any) -> str:
        """The plural message ``base_id`` for ``count`` (``{count}`` filled): the form the
        language's CLDR rules give (Russian: one, few, many), else ``other``."""
        values = {"count": count, **values}
        if self.lang != "en":
            for form in (plural_form(self.lang, count), "other"):
                found = self.translated.get(f"{base_id}.{form}")
                if found:
                    return fill(found, values)
        return fill(UI[f"{base_id}.{'one' if count == 1 else 'other'}"], values)

    def pack_text(self, message_id: str, english: str) -> str:
        """A pack text by its id (see :func:`english_messages`), else ``english``."""
        return self.translated.get(message_id) or english

    def date(self, iso: str) -> str:
        """An ISO date as the language writes it (``5 de marzo de 2027``, and so in Russian);
        English keeps ``2027-03-05``, which no reader misreads. Not a date: as it is."""
        if self.lang == "en":
            return iso
        try:
            day = dt.date.fromisoformat(iso)
        except (TypeError, ValueError):
            return iso
        from babel.dates import format_date

        return str(format_date(day, "long", locale=BABEL_LOCALES[self.lang]))

    def money(self, amount: Any) -> str:
        """Whole U.S. dollars as the language writes them (``$1,020``, ``1 020 $``);
        anything else as it is."""
        if not isinstance(amount, int) or isinstance(amount, bool):
            return str(amount)
        if self.lang == "en":
            return f"${amount:,}"
        return _money(self.lang, amount)


@functools.lru_cache(maxsize=4096)
def _money(lang: str, amount: int) -> str:
    from babel import Locale
    from babel.numbers import format_currency

    locale = BABEL_LOCALES[lang]
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    return str(format_currency(amount, "USD", locale=locale, currency_digits=False,
                               format=pattern.replace(".00", "")))


@functools.lru_cache(maxsize=256)
def plural_form(lang: str, count: int) -> str:
    """The CLDR plural category of ``count`` in ``lang``: one, few, many, other..."""
    from babel import Locale

    return str(Locale.parse(lang).plural_form(count))


ENGLISH = Texts()


__all__ = ["BABEL_LOCALES", "ENGLISH", "Texts", "fill", "placeholders"]
