"""Where each part of a result document sits, and the fixed text around it.

A result is JSON with sorted keys. Most of it is fixed for a pack (and a date); the rest
varies by record. Each record's document is written as pieces gathered by ``writev`` (see
:class:`~parole_screen.engine.ScoredChunk`), and every piece costs, so the fixed text is
folded into the varying part beside it: once per table entry into parts made from small
tables (items, fees, status), and into parts joined for each record anyway (category
outcomes) for free. A document is then these pieces, in this order (see
``Writer.document``)::

    after_approval  alternatives  <each category, by id>  deadlines  documents  fees
    flags  forms  id  if_denied  missing  next_steps  sources  status

The parts framed by :func:`item_frames` and :func:`category_frames`, and the status (after
:data:`STATUS_HEAD`), carry the fixed text; the rest (deadlines, flags, id, missing,
sources) are bare values, whose keys the frames around them hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

#: Before the status, after the sources.
STATUS_HEAD = b'},"status":'


class Frame(NamedTuple):
    """The fixed text before and after a varying part."""

    head: bytes
    tail: bytes


NO_FRAME = Frame(b"", b"")


def item_frames(static: Mapping[str, bytes]) -> dict[str, Frame]:
    """The frame of each kind of item's list, and of the fees' (``"fees"``).

    ``static`` holds the JSON of the fixed members: always, disclaimer, rule_pack, schema.
    The alternatives end just before the as-of date, where the first category takes over.
    """
    return {
        "after_approval": Frame(b'{"after_approval":[', b'],"alternatives":['),
        "alternative": Frame(b"", b'],"always":' + static["always"] + b',"as_of":'),
        "document": Frame(b'],"disclaimer":' + static["disclaimer"] + b',"documents":[',
                          b'],"fees":['),
        "fees": Frame(b"", b'],"flags":['),
        "form": Frame(b'],"forms":[', b'],"id":'),
        "if_denied": Frame(b',"if_denied":[', b'],"missing":'),
        "next_step": Frame(b',"next_steps":[', b'],"rule_pack":' + static["rule_pack"]
                           + b',"schema":' + static["schema"] + b',"sources":{'),
    }


def category_frames(keys: Sequence[bytes], as_of_json: bytes) -> list[Frame]:
    """The frame of each category's outcome, in key order (each key is ``"id":``).

    The first opens the categories after the as-of date (so it varies by date), the last
    closes them and opens the deadlines. A pack has every category (the loader checks).
    """
    if not keys:
        raise ValueError("a result needs at least one category")
    frames = [Frame(b"," + key, b"") for key in keys]
    frames[0] = Frame(as_of_json + b',"categories":{' + keys[0], b"")
    frames[-1] = Frame(frames[-1].head, b'},"deadlines":[')
    return frames
