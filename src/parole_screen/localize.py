"""A rule pack in a language: the same rules with every text a person reads translated.

Scoring a translated pack is scoring the pack: the conditions, ids, weights and dates are
the very objects of the English pack, only the texts differ (each looked up by its message
id, see :func:`parole_screen.i18n.english_messages`; a text not translated yet stays
English). So the interview, ``score``, ``batch`` and every report format speak the language
through the one code path that scores answers, and JSON keys, ids and stored answers never
change with it.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from .engine.compiled import RULE_GROUPS, note_ids
from .i18n import LANGUAGES, load_texts, localized_question
from .models import Factor
from .pack import (
    CompiledBasis,
    CompiledCategory,
    CompiledFactor,
    CompiledFee,
    CompiledFlag,
    CompiledQuestion,
    RulePack,
)
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
    if texts.lang == "en":
        return pack.english
    pack = pack.english
    text = texts.pack_text
    notes = note_ids(pack)

    def factor(rule: CompiledFactor, group: str) -> CompiledFactor:
        model = rule.factor
        update = {"text": text(f"note.{notes[rule.rule_id, group, False]}", model.text)}
        if group == "requires" and model.fail_text:
            update["fail_text"] = text(f"note.{notes[rule.rule_id, group, True]}",
                                       model.fail_text)
        return rule._replace(factor=model.model_copy(update=update))

    def basis(entry: CompiledBasis) -> CompiledBasis:
        groups = {group: tuple(factor(rule, group) for rule in getattr(entry, group))
                  for group in RULE_GROUPS}
        evidence = tuple(item._replace(evidence=item.evidence.model_copy(update={
            "text": text(f"evidence.{entry.rule_id}.{item.evidence.id}", item.evidence.text)}))
            for item in entry.evidence)
        model = entry.basis.model_copy(update={
            "label": text(f"basis.{entry.rule_id}", entry.basis.label),
            **{group: _models(rules) for group, rules in groups.items()},
            "evidence": tuple(item.evidence for item in evidence)})
        return entry._replace(basis=model, evidence=evidence, requires=groups["requires"],
                              strengthens=groups["strengthens"], weakens=groups["weakens"],
                              blocks=groups["blocks"])

    def category(compiled: CompiledCategory) -> CompiledCategory:
        bases = tuple(basis(entry) for entry in compiled.bases)
        model = compiled.category.model_copy(update={
            "label": text(f"category.{compiled.category.id}", compiled.category.label),
            "bases": tuple(entry.basis for entry in bases)})
        return compiled._replace(category=model, bases=bases)

    meta = pack.meta.model_copy(update={
        "disclaimer": text("pack.disclaimer", pack.meta.disclaimer),
        "always": tuple(text(f"pack.always.{number}", line)
                        for number, line in enumerate(pack.meta.always, 1))})
    return dataclasses.replace(
        pack,
        texts=texts,
        source=pack,
        meta=meta,
        questions=tuple(_question(entry, texts) for entry in pack.questions),
        categories=tuple(category(compiled) for compiled in pack.categories),
        flags=tuple(_flag(entry, texts) for entry in pack.flags),
        items=tuple(entry._replace(item=entry.item.model_copy(update={
            "text": text(f"item.{entry.item.id}", entry.item.text)})) for entry in pack.items),
        fees=tuple(_fee(entry, texts) for entry in pack.fees),
        deadlines=tuple(entry._replace(deadline=entry.deadline.model_copy(update={
            "label": text(f"deadline.{entry.deadline.id}.label", entry.deadline.label)}))
            for entry in pack.deadlines),
    )


def _models(rules: tuple[CompiledFactor, ...]) -> tuple[Factor, ...]:
    return tuple(rule.factor for rule in rules)


def _question(entry: CompiledQuestion, texts: Texts) -> CompiledQuestion:
    return entry._replace(question=localized_question(entry.question, texts))


def _flag(entry: CompiledFlag, texts: Texts) -> CompiledFlag:
    return entry._replace(flag=entry.flag.model_copy(update={
        "text": texts.pack_text(f"flag.{entry.flag.id}", entry.flag.text)}))


def _fee(entry: CompiledFee, texts: Texts) -> CompiledFee:
    fee = entry.fee
    update = {"label": texts.pack_text(f"fee.{fee.id}.label", fee.label)}
    if fee.note:
        update["note"] = texts.pack_text(f"fee.{fee.id}.note", fee.note)
    if fee.exception_text:
        update["exception_text"] = texts.pack_text(f"fee.{fee.id}.exception",
                                                   fee.exception_text)
    return entry._replace(fee=fee.model_copy(update=update))


__all__ = ["localized_pack", "pack_in"]
