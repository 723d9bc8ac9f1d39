"""The texts a person reads in a rule pack, each under its message id, walked in one place.

:func:`rewritten` walks the pack and asks ``text(message_id, english)`` for every text it
holds: questions (``question.<id>.text``, ``.help``, ``.choice.<value>``, ``.help``), the
disclaimer and "keep in mind" lines (``pack.disclaimer``, ``pack.always.N``), flags, items,
fees (``fee.<id>.label``, ``.note``, ``.exception``), deadlines, and the rules: category and
basis names, each rule's note (``note.<catalogue id>``, the ids compact rows use) and each
piece of evidence. Translating the pack (:mod:`parole_screen.localize`) and listing its
English (:func:`pack_messages`) are that one walk, so the two can never disagree on an id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache

from .engine.compiled import RULE_GROUPS, note_ids
from .models import Question
from .pack import (
    CompiledBasis,
    CompiledCategory,
    CompiledFactor,
    CompiledFee,
    RulePack,
)

#: ``(message id, English) -> the text to show``.
TextFor = Callable[[str, str], str]


def pack_messages(pack: RulePack) -> dict[str, str]:
    """Every text of ``pack`` (of the English pack it translates, if it is translated) by
    message id, in the pack's order."""
    return dict(_pack_messages(pack.english))


@lru_cache(maxsize=8)
def _pack_messages(pack: RulePack) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []

    def record(message_id: str, english: str) -> str:
        found.append((message_id, english))
        return english

    rewritten(pack, record)
    return tuple(found)


def rewritten(pack: RulePack, text: TextFor) -> RulePack:
    """``pack`` with every text a person reads replaced by ``text(message_id, english)``;
    its rules, ids and conditions are the very same objects."""
    notes = note_ids(pack)

    def factor(rule: CompiledFactor, group: str) -> CompiledFactor:
        model = rule.factor
        update = {"text": text(f"note.{notes[rule.rule_id, group, False]}", model.text)}
        if group == "requires" and model.fail_text:
            update["fail_text"] = text(f"note.{notes[rule.rule_id, group, True]}",
                                       model.fail_text)
        return rule._replace(factor=model.replace(**update))

    def basis(entry: CompiledBasis) -> CompiledBasis:
        groups = {group: tuple(factor(rule, group) for rule in getattr(entry, group))
                  for group in RULE_GROUPS}
        evidence = tuple(item._replace(evidence=item.evidence.replace(
            text=text(f"evidence.{entry.rule_id}.{item.evidence.id}", item.evidence.text)))
            for item in entry.evidence)
        model = entry.basis.replace(
            label=text(f"basis.{entry.rule_id}", entry.basis.label),
            evidence=tuple(item.evidence for item in evidence),
            **{group: tuple(rule.factor for rule in rules) for group, rules in groups.items()})
        return entry._replace(basis=model, evidence=evidence, requires=groups["requires"],
                              strengthens=groups["strengthens"], weakens=groups["weakens"],
                              blocks=groups["blocks"])

    def category(compiled: CompiledCategory) -> CompiledCategory:
        label = text(f"category.{compiled.category.id}", compiled.category.label)
        bases = tuple(basis(entry) for entry in compiled.bases)
        return compiled._replace(category=compiled.category.replace(
            label=label, bases=tuple(entry.basis for entry in bases)), bases=bases)

    def fee(entry: CompiledFee) -> CompiledFee:
        model = entry.fee
        update = {"label": text(f"fee.{model.id}.label", model.label)}
        if model.note:
            update["note"] = text(f"fee.{model.id}.note", model.note)
        if model.exception_text:
            update["exception_text"] = text(f"fee.{model.id}.exception", model.exception_text)
        return entry._replace(fee=model.replace(**update))

    meta = pack.meta.replace(
        # Compared and hashed with its line breaks as single spaces, as a report shows it.
        disclaimer=text("pack.disclaimer", " ".join(pack.meta.disclaimer.split())),
        always=tuple(text(f"pack.always.{number}", line)
                     for number, line in enumerate(pack.meta.always, 1)))
    return dataclasses.replace(
        pack,
        meta=meta,
        questions=tuple(entry._replace(question=question_rewritten(entry.question, text))
                        for entry in pack.questions),
        flags=tuple(entry._replace(flag=entry.flag.replace(
            text=text(f"flag.{entry.flag.id}", entry.flag.text))) for entry in pack.flags),
        items=tuple(entry._replace(item=entry.item.replace(
            text=text(f"item.{entry.item.id}", entry.item.text))) for entry in pack.items),
        fees=tuple(fee(entry) for entry in pack.fees),
        deadlines=tuple(entry._replace(deadline=entry.deadline.replace(
            label=text(f"deadline.{entry.deadline.id}.label", entry.deadline.label)))
            for entry in pack.deadlines),
        categories=tuple(category(compiled) for compiled in pack.categories),
    )


def question_rewritten(question: Question, text: TextFor) -> Question:
    """``question`` with its text, help and choice labels (and their help) replaced by
    ``text(message_id, english)``; its id, type and choice values are kept."""
    prefix = f"question.{question.id}"
    label = text(f"{prefix}.text", question.text)
    help_ = text(f"{prefix}.help", question.help) if question.help else ""
    choices = tuple(choice.replace(
        label=text(f"{prefix}.choice.{choice.value}", choice.label),
        help=(text(f"{prefix}.choice.{choice.value}.help", choice.help) if choice.help
              else choice.help))
        for choice in question.choices)
    return question.replace(text=label, help=help_, choices=choices)


__all__ = ["TextFor", "pack_messages", "question_rewritten", "rewritten"]
