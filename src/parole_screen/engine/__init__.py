"""The engine: score answers against a compiled rule pack, many records at once.

Three entry points, one code path for every front end (``score``, the interview, ``batch``,
the library): :func:`screen` scores one set of answers and returns the
``parole-screen/result@1`` result as a dict; :func:`screen_many` scores an iterable lazily;
:func:`score_chunk` scores a chunk (a few hundred records) into a :class:`ScoredChunk`, the
batch's unit of work, whose rows are written straight to output.

Why columns. Python spends its time per call, not per bit, so the engine does as little
per record as it can. A chunk's answers become one column per question
(:class:`~parole_screen.columns.AnswerColumns`), and each condition of the pack is
evaluated once per chunk into bit masks: a byte per record, so ``all``/``any``/``not`` over
256 records are a few integer operations. Only then does the engine go record by record,
and only where it must: weighing the bases that apply (from one byte per condition) and
quoting answers in notes. The JSON is joined from fragments encoded once per pack, with
sorted keys, so the bytes are those of ``orjson.dumps(result, option=OPT_SORT_KEYS)``.

The modules, in the order a chunk meets them:

* :mod:`.asked`: which questions are asked (shared with the interview); drops the answers
  to the others and lists the required ones missing.
* :mod:`.compiled`: the pack compiled for scoring (conditions in slots, sections of items
  and fees, notes with their text pre-encoded), built once per pack and detail.
* :mod:`.decide`: bands, scores, the top category, flags and fees.
* :mod:`.fragments`: how each fixed part is spelt in each detail, and the frames of fixed
  text around the varying parts.
* :mod:`.result_bytes`: writes the documents: notes quoting answers, deadlines, the
  template of a chunk's documents.
* :mod:`.catalog`: the pack's text catalogue, and a compact row expanded back into the
  result it stands for.
* :mod:`.scoring`: the entry points and :class:`ScoredChunk`.
* :mod:`.what_if`: what would change the result (``what_if=True``): each record's
  unanswered questions and missing documents tried, the variants decided as one more chunk
  by the same step as every chunk.

Two details: ``"full"`` documents are ``parole-screen/result@1`` results, every text written
out (some 20 KB). ``"compact"`` ones are ``parole-screen/row@1`` rows (a few KB): the same
JSON with the pack's fixed texts and sources named by id, keeping what varies per record.
:func:`text_catalog` gives those texts, and :func:`expand_row` turns a row back into its
result. And no detail at all: ``score_chunk(..., detail=None)`` decides without writing any
document (the decisions are all a CSV row holds; writing the documents is most of the work).
"""

from __future__ import annotations

from .asked import AskedQuestions, ask, asked_questions, effective_answers
from .catalog import CATALOG_SCHEMA, RowError, expand_row, text_catalog
from .compiled import CompiledPack, compiled_pack
from .fragments import DETAILS, RESULT_SCHEMA, ROW_SCHEMA, Detail
from .scoring import (
    ChunkOutcome,
    Result,
    Scored,
    ScoredChunk,
    score_chunk,
    score_records,
    screen,
    screen_many,
    screen_record,
)

__all__ = ["CATALOG_SCHEMA", "DETAILS", "RESULT_SCHEMA", "ROW_SCHEMA", "AskedQuestions",
           "ChunkOutcome", "CompiledPack", "Detail", "Result", "RowError", "Scored",
           "ScoredChunk", "ask", "asked_questions", "compiled_pack", "effective_answers",
           "expand_row", "score_chunk", "score_records", "screen", "screen_many",
           "screen_record", "text_catalog"]
