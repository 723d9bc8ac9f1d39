"""How each fixed part of the pack is spelt in a document, in each of the two details.

A ``full`` document is a ``parole-screen/result@1`` result: every text written out. A
``compact`` document is a ``parole-screen/row@1`` row: the same JSON with the pack's fixed
texts named by id (see :mod:`parole_screen.engine.catalog`, which expands a row back). In
key order, both are::

    after_approval  alternatives  [always]  as_of  <each category, by id>  deadlines
    [disclaimer]  documents  fees  flags  forms  id  if_denied  missing  next_steps
    rule_pack  schema  sources  status  top_category  [trace]

(``always`` and ``disclaimer`` only in full). What differs, part by part:

=================  ===========================================  ========================
part               full (result@1)                              compact (row@1)
=================  ===========================================  ========================
item               ``{"cite":[..],"id":..,"text":..}``          ``"id"``
note (reason)      ``{"answers":{..},"cite":..,"rule":..,       ``{"answers":{..},
                   "text":..}``                                 "note":"<note id>"}``
flag               ``{"answers":{..},"cite":..,"id":..,         ``{"answers":{..},
                   "severity":..,"text":..}``                   "id":..}``
category outcome   band, basis, cite, concerns, label,          band, basis, concerns,
                   missing_evidence, reasons, score             missing_evidence, reasons,
                                                                score
evidence           ``{"id":..,"text":..}``                      ``"id"``
fee                every member                                 what varies by record
                                                                and date (amount, dates
                                                                in force, exception...)
deadline           every member                                 date, days_from_as_of,
                                                                id, soon, status
sources            ``{"S1":{"authority":..,..},..}``            ``["S1",..]``
=================  ===========================================  ========================

A document is written as pieces gathered by ``writev`` (see
:class:`~parole_screen.engine.ScoredChunk`), and every piece costs, so the fixed text
between varying parts is folded into them as a :class:`Frame`: once per table entry into
parts made from small tables (items, fees, status), and into parts joined for each record
anyway (category outcomes) for free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from ..jsonbytes import dumps, key, members
from ..models import BANDS, Deadline, Item, Source

Detail = Literal["full", "compact"]
DETAILS: tuple[Detail, ...] = ("full", "compact")
RESULT_SCHEMA = "parole-screen/result@1"
ROW_SCHEMA = "parole-screen/row@1"
#: The members of a fee row that the pack fixes (a compact row leaves them to the catalogue).
FEE_FIXED = ("cite", "currency", "exception", "label", "note", "waivable")
#: The members of a deadline row that the pack fixes.
DEADLINE_FIXED = ("cite", "confidence", "kind", "label")


class Frame(NamedTuple):
    """The fixed text before and after a varying part."""

    head: bytes
    tail: bytes


NO_FRAME = Frame(b"", b"")


class Spelling:
    """The JSON of each fixed fragment in one detail (see the table above)."""

    def __init__(self, detail: Detail) -> None:
        self.detail = detail
        self.full = detail == "full"
        self.schema = RESULT_SCHEMA if self.full else ROW_SCHEMA
        # The sources: an object of source rows, or a list of ids.
        self.sources_open, self.sources_close = (b"{", b"}") if self.full else (b"[", b"]")
        self.empty_outcomes = {band: dumps(self._empty_outcome(band))
                               for band in ("insufficient_information", "not_indicated")}

    def _empty_outcome(self, band: str) -> dict[str, Any]:
        """A category's outcome when no basis applies."""
        outcome = {"band": band, "score": 0, "basis": None, "reasons": [], "concerns": [],
                   "missing_evidence": []}
        return {**outcome, "label": None, "cite": []} if self.full else outcome

    def note_tail(self, note_id: str, fixed: Mapping[str, Any]) -> bytes:
        """All of a rule's note but the answers it quotes (``fixed``: cite, rule, text)."""
        return b"}," + members(fixed if self.full else {"note": note_id}) + b"}"

    def flag_tail(self, fixed: Mapping[str, Any]) -> bytes:
        """All of a flag's note but the answers it quotes (cite, id, severity, text)."""
        return b"}," + members(fixed if self.full else {"id": fixed["id"]}) + b"}"

    def basis_head(self, basis_id: str, cite: Sequence[str]) -> bytes:
        """The members between a category outcome's band and its concerns."""
        return members({"basis": basis_id, "cite": list(cite)} if self.full
                       else {"basis": basis_id})

    def basis_label(self, label: str) -> bytes:
        """The members between an outcome's concerns and its missing evidence, with their
        comma (none in compact)."""
        return members({"label": label}) + b"," if self.full else b""

    def evidence(self, evidence_id: str, text: str) -> bytes:
        return dumps({"id": evidence_id, "text": text} if self.full else evidence_id)

    def item(self, item: Item) -> bytes:
        if not self.full:
            return dumps(item.id)
        row: dict[str, Any] = {"id": item.id, "text": item.text, "cite": list(item.cite)}
        if item.url:
            row["url"] = item.url
        return dumps(row)

    def source(self, source_id: str, source: Source) -> bytes:
        """A source as one member of ``sources`` (full) or one id in its list (compact)."""
        if not self.full:
            return dumps(source_id)
        return key(source_id) + dumps(source_row(source))

    def fee(self, row: Mapping[str, Any]) -> bytes:
        return dumps(row if self.full else
                     {name: value for name, value in row.items() if name not in FEE_FIXED})

    def deadline(self, deadline: Deadline, row: Mapping[str, Any]) -> bytes:
        """A deadline row: ``row`` holds what varies (date, days_from_as_of, soon, status)."""
        if self.full:
            row = {**row, "label": deadline.label, "confidence": deadline.confidence,
                   "kind": deadline.kind, "cite": list(deadline.cite)}
        return dumps({"id": deadline.id, **row})

    def item_frames(self, static: Mapping[str, bytes]) -> dict[str, Frame]:
        """The frame of each kind of item's list, and of the fees' (``"fees"``).

        ``static`` holds the JSON of the fixed members: always, disclaimer (full only),
        rule_pack, schema. The alternatives end just before the as-of date, where the first
        category takes over.
        """
        always = b'"always":' + static["always"] + b"," if self.full else b""
        disclaimer = b'"disclaimer":' + static["disclaimer"] + b"," if self.full else b""
        return {
            "after_approval": Frame(b'{"after_approval":[', b'],"alternatives":['),
            "alternative": Frame(b"", b"]," + always + b'"as_of":'),
            "document": Frame(b"]," + disclaimer + b'"documents":[', b'],"fees":['),
            "fees": Frame(b"", b'],"flags":['),
            "form": Frame(b'],"forms":[', b'],"id":'),
            "if_denied": Frame(b',"if_denied":[', b'],"missing":'),
            "next_step": Frame(b',"next_steps":[', b'],"rule_pack":' + static["rule_pack"]
                               + b',"schema":' + static["schema"] + b',"sources":'
                               + self.sources_open),
        }

    @property
    def status_head(self) -> bytes:
        """Before the status, after the sources."""
        return self.sources_close + b',"status":'


SPELLINGS: dict[Detail, Spelling] = {detail: Spelling(detail) for detail in DETAILS}


def source_row(source: Source) -> dict[str, Any]:
    """A source as a result's ``sources`` and the text catalogue give it: ``authority``,
    ``dated``, ``title``, ``url``, and ``citation`` where the source has one (an official
    source always does). One function, so that a compact row expands to the same bytes."""
    row: dict[str, Any] = {"authority": source.authority, "dated": source.dated,
                           "title": source.title, "url": source.url}
    if source.citation:
        row["citation"] = source.citation
    return row


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


#: ``{"band":"<band>",`` by band, and ``],"score":<n>}`` by score: an outcome's ends.
BAND_OPEN: dict[str, bytes] = {band: b'{"band":"' + band.encode() + b'",' for band in BANDS}
SCORE_CLOSE = [b'],"score":' + str(score).encode() + b"}" for score in range(101)]
