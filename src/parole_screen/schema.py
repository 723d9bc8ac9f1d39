"""JSON Schema of an answers record, generated from the rule pack's questions."""

from __future__ import annotations

from typing import Any

from .answers import MAX_TEXT_CHARS
from .models import Question
from .pack import RulePack

SCHEMA_ID = "https://parole-screen.invalid/schema/answers@1"


def answers_schema(pack: RulePack) -> dict[str, Any]:
    """The exact contract for ``score``, ``batch`` and ``interview --answers`` input."""
    properties = {entry.question.id: _property(entry.question, pack)
                  for entry in pack.questions}
    answers = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "description": "Question id -> answer. Omit questions that were not asked; "
                       "null means not answered.",
    }
    record_id = {"type": ["string", "integer"], "description": "Optional record id."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"Answers record for rule pack {pack.meta.id} {pack.meta.version}",
        "anyOf": [
            {"type": "object",
             "properties": {"id": record_id, "answers": {"$ref": "#/$defs/answers"}},
             "required": ["answers"], "additionalProperties": False},
            {"allOf": [{"$ref": "#/$defs/answers_with_id"}]},
        ],
        "$defs": {
            "answers": answers,
            "answers_with_id": {**answers, "properties": {"id": record_id, **properties}},
        },
    }


def _property(question: Question, pack: RulePack) -> dict[str, Any]:
    base: dict[str, Any] = {"description": question.text}
    kind = question.type
    if kind == "yes_no":
        base["type"] = ["boolean", "null"]
    elif kind == "choice":
        base["enum"] = [*(c.value for c in question.choices), None]
    elif kind == "multi_choice":
        base.update(_multi_choice(question))
    elif kind == "date":
        base["type"] = ["string", "null"]
        base["format"] = "date"
        # The years answers may hold (answers.MIN_YEAR to MAX_YEAR): a date the schema
        # accepts is one the answers contract accepts.
        base["pattern"] = r"^(19\d\d|2[01]\d\d|2200)-\d{2}-\d{2}$"
    elif kind in ("number", "money"):
        base.update(_number(question))
    elif kind == "country":
        base["enum"] = [*pack.countries, None]
    else:
        base["type"] = ["string", "null"]
        base["maxLength"] = MAX_TEXT_CHARS
    return base


def _multi_choice(question: Question) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["array", "null"],
                              "items": {"enum": [c.value for c in question.choices]},
                              "uniqueItems": True}
    for choice in question.choices:
        if choice.exclusive:  # e.g. "none": alone or not at all
            schema.setdefault("allOf", []).append({
                "if": {"contains": {"const": choice.value}},
                "then": {"maxItems": 1}})
    return schema


def _number(question: Question) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["number", "null"]}
    if question.min is not None:
        schema["minimum"] = question.min
    if question.max is not None:
        schema["maximum"] = question.max
    return schema
