"""A rule pack in a language: the same rules with every text a person reads translated.

Scoring a translated pack is scoring the pack: the conditions, ids, weights and dates are
the very objects of the English pack, only the texts differ (each looked up by its message
id, see :mod:`parole_screen.pack_texts`; a text not translated yet stays
English). So the interview, ``score``, ``batch`` and every report format speak the language
through the one code path that scores answers, and JSON keys, ids and stored answers never
change with it.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from .i18n import LANGUAGES, load_texts
from .pack import RulePack
from .pack_texts import rewritten
from .texts import Texts


def pack_in(pack: RulePack, lang: str) -> RulePack:
    """``pack`` with its texts in ``lang``, one of :data:`~parole_screen.LANGUAGES` (English:
    the English pack); built once per pack and language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    english = pack.english
    return english if lang == "en" else _pack_in(english, lang)


@lru_cache(maxsize=8)
def _pack_in(pack: RulePack, lang: str) -> RulePack:
    return localized_pack(pack, load_texts(pack, lang))


def localized_pack(pack: RulePack, texts: Texts) -> RulePack:
    """``pack`` with every text in the language of ``texts`` (English where untranslated)."""
    english = pack.english
    if texts.lang == "en":
        return english
    return dataclasses.replace(rewritten(english, texts.pack_text), texts=texts,
                               source=english)


__all__ = ["localized_pack", "pack_in"]
