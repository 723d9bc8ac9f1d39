"""Which questions are asked: the one rule the interview and the engine share.

Questions go in interview order, and a question with ``asked_when`` is asked only where
that condition holds for the answers kept so far (it reads only earlier questions: the
loader checks). An answer to a question that would not have been asked is dropped, so it
counts for nothing, exactly as if the interview had never shown the question; a required
question that is asked and unanswered is *missing*. Where ``asked_when`` is unknown (it
reads an unanswered question) the question is neither asked nor dropped: it joins the
interview's path when that branch opens.

:func:`ask` applies this to a chunk of records at once (the engine); :func:`asked_questions`
to one set of answers (the interview, scenarios). Both are the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..columns import AnswerColumns, EvalContext, positions
from ..pack import RulePack


class AskedChunk(NamedTuple):
    """What :func:`ask` found for a chunk."""

    missing: list[list[str]]  # by record: the required questions asked and unanswered
    asked: dict[str, int]  # by question: the mask of records it is asked of


def ask(pack: RulePack, columns: AnswerColumns) -> AskedChunk:
    """Blank the answers each record would not have been asked; say what is asked and what
    is missing.

    ``columns`` is changed in place (before anything else reads it), so each condition sees
    the answers the interview would have kept.
    """
    missing: list[list[str]] = [[] for _ in range(columns.n)]
    asked: dict[str, int] = {}
    for entry in pack.questions:
        qid = entry.question.id
        known = columns.known(qid)
        if entry.asked_when is None:
            asked_true = columns.full
        else:
            asked_true, asked_false = entry.asked_when.masks(columns)
            if known & asked_false:
                columns.drop(qid, known & asked_false)
                known = columns.known(qid)
        asked[qid] = asked_true
        if entry.question.required:
            for index in positions(asked_true & ~known, columns.n):
                missing[index].append(qid)
    return AskedChunk(missing, asked)


class AskedQuestions(NamedTuple):
    """What :func:`asked_questions` found for one set of answers."""

    kept: dict[str, Any]  # the typed answers to questions asked, in interview order
    asked: list[str]  # the questions asked, in interview order
    missing: list[str]  # the required questions asked and unanswered


def asked_questions(pack: RulePack, typed: Mapping[str, Any],
                    ctx: EvalContext) -> AskedQuestions:
    """Which questions one set of typed answers is asked, what it keeps, what it misses."""
    columns = AnswerColumns.of_one(typed, ctx)
    found = ask(pack, columns)
    questions = [entry.question.id for entry in pack.questions]
    kept = {qid: value for qid in questions if (value := columns.column(qid)[0]) is not None}
    return AskedQuestions(kept, [qid for qid in questions if found.asked[qid] & 1],
                          found.missing[0])


def effective_answers(pack: RulePack, typed: Mapping[str, Any], ctx: EvalContext
                      ) -> tuple[dict[str, Any], list[str]]:
    """Drop answers to questions that would not be asked; list required ones still missing."""
    found = asked_questions(pack, typed, ctx)
    return found.kept, found.missing
