"""The pack compiled for scoring many records at once, with its text pre-encoded.

The engine evaluates every condition over a whole chunk of records (bit masks, see
:mod:`parole_screen.columns`) and then writes each record's document from pieces the
compiled pack holds ready, spelt in one detail (see :mod:`~parole_screen.engine.fragments`):

* The items of each kind and the fees are :class:`Section` s. Over a chunk, a section's
  conditions pack into one code per record (bit j: entry j is shown), and the section
  keeps what each code means: the entries, their citations and their JSON. Few codes
  occur (which items apply follows from a few answers), so most records reuse one.
  Flags vary too much for that: each is read through its own mask, and a record's flags
  from one byte per eight flags (:class:`FlagByte`).
* Each basis of a category keeps its conditions in order (applies, requirements,
  strengtheners, weakeners, blocks, evidence): its *slots*. A record's slot results,
  one byte each (0 false, 1 true, 2 unknown), decide the basis.
* The pack's text is encoded to JSON once: item rows, the tail of every note and flag
  (all of it but the answers it quotes), sources, the fixed members of a document (folded
  into the items' and fees' JSON as frames). Sources are numbered in id order, so a set
  of citations is an integer with a bit per source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache, reduce
from itertools import chain
from operator import or_
from typing import Any, Generic, NamedTuple, TypeVar

from ..answers import to_json_value
from ..columns import AnswerColumns
from ..conditions import ALWAYS, NEVER, Condition, except_when
from ..jsonbytes import dumps, key
from ..models import ITEM_KINDS, Deadline
from ..pack import CompiledBasis, RulePack, fee_value_on
from .fragments import NO_FRAME, SPELLINGS, Detail, Frame, Spelling

SEVERITY_RANK = {"stop": 0, "warn": 1, "info": 2}
GROUP = 8  # conditions packed per byte
# Notes remembered per rule or flag, by the answers they quote. A pack has a few hundred
# notes, most with a handful of combinations; the bound keeps a batch's memory flat.
NOTES_KEPT = 1024
DEADLINE_ROWS_KEPT = 4096  # rows remembered per deadline, by start date
RULE_GROUPS = ("requires", "strengthens", "weakens", "blocks")

E = TypeVar("E")


class Note:
    """A note a rule or flag writes: ``{"answers":{"a":1,"b":2},<tail>``.

    ``tail`` is all of it but the answers it quotes. ``written`` keeps the note for each
    combination of answers met, across chunks; it is bounded (see :meth:`text`).
    """

    __slots__ = ("cite", "head", "joins", "numbers", "qids", "tail", "written")

    def __init__(self, qids: Sequence[str], tail: bytes, cite: int,
                 numeric: frozenset[str]) -> None:
        self.qids = tuple(qids)
        # Where a number is quoted: its key is (type, value), as 1 and 1.0 are equal keys
        # spelt differently.
        self.numbers = tuple(qid in numeric for qid in qids)
        self.head = b'{"answers":{' + (key(qids[0]) if qids else b"")
        self.joins = tuple(b"," + key(qid) for qid in qids[1:])  # before each later answer
        self.tail = tail
        self.cite = cite  # source bits
        self.written: dict[tuple[Any, ...], bytes] = {}

    def text(self, values: tuple[Any, ...]) -> bytes:
        """The note quoting these typed answers (one per question it quotes, in order; a
        number as ``(type, value)``)."""
        found = self.written.get(values)
        if found is None:
            if len(self.written) >= NOTES_KEPT:  # bounded: a batch's memory stays flat
                self.written = {}
            found = self.written[values] = self.spell([
                answer_json(value[1] if number else value)
                for value, number in zip(values, self.numbers, strict=True)])
        return found

    def spell(self, answers: Sequence[bytes]) -> bytes:
        """The note quoting these answers, each already JSON."""
        if not self.joins:
            return b"".join((self.head, *answers, self.tail))
        parts = [self.head, answers[0]]
        for join, answer in zip(self.joins, answers[1:], strict=True):
            parts += (join, answer)
        parts.append(self.tail)
        return b"".join(parts)


def answer_json(value: Any) -> bytes:
    """A typed answer as the JSON a note quotes."""
    return dumps(to_json_value(value))


class Factor:
    """A rule of a basis. A plain slotted class: read per record, where slot attributes
    are the fastest (a NamedTuple's are slower there, a dataclass slower to define)."""

    __slots__ = ("cap", "cite", "condition", "fail_note", "note", "rule_id", "slot", "weight")

    def __init__(self, *, rule_id: str, condition: Condition, slot: int, weight: int,
                 cap: str | None, cite: int, note: Note, fail_note: Note) -> None:
        self.rule_id = rule_id
        self.condition = condition  # when, except unless
        self.slot = slot  # in its basis
        self.weight = weight
        self.cap = cap
        self.cite = cite  # source bits
        self.note = note  # with the rule's text
        self.fail_note = fail_note  # with the text shown when a requirement is unmet


class Evidence(NamedTuple):
    slot: int  # in its basis; true when needed and not yet held
    json: bytes


class Basis(NamedTuple):
    rule_id: str
    slots: tuple[Condition, ...]  # slot 0 is applies_when
    cite: int
    base_score: int
    bands: tuple[int, int]  # the lowest scores of "strong" and "possible"
    requires: tuple[Factor, ...]
    strengthens: tuple[Factor, ...]
    weakens: tuple[Factor, ...]
    blocks: tuple[Factor, ...]
    evidence: tuple[Evidence, ...]
    head: bytes  # the outcome's members between band and concerns (see Spelling)
    label: bytes  # the outcome's members between concerns and missing_evidence
    # The outcome weighed for each pattern of slot results met (few occur), kept across
    # chunks: ``decide.Weighed`` by pattern.
    weighed: dict[bytes, Any]

    @property
    def applies(self) -> Condition:
        return self.slots[0]


class Category(NamedTuple):
    id: str
    priority: int
    bases: tuple[Basis, ...]


class Flag:
    """A flag, read chunk by chunk through its mask (see ``decide.flag_column``)."""

    __slots__ = ("cite", "id", "note", "shown")

    def __init__(self, *, id: str, shown: Condition, cite: int, note: Note) -> None:
        self.id = id
        self.shown = shown  # when, except unless
        self.cite = cite
        self.note = note


class Shown(NamedTuple, Generic[E]):
    """What one code of a section means: the entries shown, their citations, their JSON."""

    entries: tuple[E, ...]
    cite: int
    json: bytes


class Section(Generic[E]):
    """Entries shown where their conditions hold, decided for a record by one code.

    Over a chunk, eight conditions at a time pack into one byte per record (bit j: the
    j-th is true); the bytes of a record make its code, and ``meanings`` keeps what each
    code seen so far means. Codes repeat a lot (which items apply follows from a few answers).
    """

    __slots__ = ("cites", "conditions", "entries", "frame", "jsons", "keep", "meanings",
                 "parts")

    def __init__(self, conditions: tuple[Condition, ...], entries: tuple[E, ...],
                 cites: tuple[int, ...], jsons: tuple[bytes, ...], keep: int = 1024,
                 frame: Frame = NO_FRAME) -> None:
        self.conditions = conditions
        self.entries = entries
        self.cites = cites
        self.jsons = jsons
        self.keep = keep  # codes remembered; items' JSON runs to a few KiB per code
        self.frame = frame  # the document's fixed text around the JSON of a code's entries
        # What each code seen so far means, in a one-slot holder: when it grows too big a
        # new dict replaces it, so a thread still reading the old one is never cut short.
        self.meanings: list[dict[tuple[int, ...], Shown[E]]] = [{}]
        # What each byte of a code means, by group (256 each, filled as met): bounded.
        self.parts: list[list[Shown[E] | None]] = [
            [None] * 256 for _ in range(-(-len(conditions) // GROUP))]

    def _part(self, group: int, byte: int) -> Shown[E]:
        """What one byte of a code means (entries 8 * group to 8 * group + 7)."""
        parts = self.parts[group]
        found = parts[byte]
        if found is None:
            chosen = [GROUP * group + bit for bit in range(GROUP) if byte >> bit & 1]
            cite = 0
            for position in chosen:
                cite |= self.cites[position]
            found = parts[byte] = Shown(tuple(self.entries[position] for position in chosen),
                                        cite, b",".join([self.jsons[position]
                                                         for position in chosen]))
        return found

    def codes(self, columns: AnswerColumns) -> list[tuple[int, ...]]:
        """Each record's code: byte g, bit j set where condition 8g + j is true."""
        packed_groups = []
        for first in range(0, len(self.conditions), GROUP):
            packed = 0
            for bit, condition in enumerate(self.conditions[first:first + GROUP]):
                packed |= condition.masks(columns)[0] << bit
            packed_groups.append(packed.to_bytes(columns.n, "little"))
        if not packed_groups:  # a section with no entries: every record's code is empty
            return [()] * columns.n
        return list(zip(*packed_groups, strict=True))

    def column(self, columns: AnswerColumns) -> list[Shown[E]]:
        """What is shown for each record of the chunk."""
        codes = self.codes(columns)
        shown = self.meanings[0]
        new = set(codes).difference(shown)
        if len(shown) + len(new) > self.keep:  # bounded: a batch's memory stays flat
            shown = self.meanings[0] = {}
            new = set(codes)
        for code in new:
            parts = [self._part(group, byte) for group, byte in enumerate(code)]
            cite = 0
            for part in parts:
                cite |= part.cite
            shown[code] = Shown(tuple(chain.from_iterable(part.entries for part in parts)),
                                cite, b"".join((self.frame.head, b",".join(
                                    [part.json for part in parts if part.json]),
                                    self.frame.tail)))
        return list(map(shown.__getitem__, codes))


def _section(entries: Sequence[tuple[Condition, E, int, bytes]],
             frame: Frame = NO_FRAME) -> Section[E]:
    return Section(tuple(entry[0] for entry in entries), tuple(entry[1] for entry in entries),
                   tuple(entry[2] for entry in entries), tuple(entry[3] for entry in entries),
                   frame=frame)


class DeadlineRule(NamedTuple):
    deadline: Deadline
    when: Condition
    cite: int
    # By as-of date (ordinal): (date, id, JSON row) by start date, or None past the calendar.
    rows: dict[int, dict[Any, tuple[str, str, bytes] | None]]


class FlagByte(NamedTuple):
    """What one byte of a record's flags means: bit b stands for ``flags[b]`` (up to 8; see
    ``decide.flag_column``). ``ids`` and ``cites`` map each byte value met to those flags'
    ids and to their citations."""

    flags: tuple[Flag, ...]
    ids: dict[int, tuple[str, ...]]
    cites: dict[int, int]


class CompiledPack:
    """What scoring needs from a pack, spelt in one detail; get one with
    :func:`compiled_pack`."""

    __slots__ = ("categories", "category_keys", "deadlines", "fee_frame", "fees", "flag_bytes",
                 "flags", "items", "numeric", "pack", "source_bits", "source_bytes",
                 "source_json", "spelling")

    def __init__(self, *, pack: RulePack, spelling: Spelling,
                 categories: tuple[Category, ...],
                 category_keys: tuple[tuple[int, bytes], ...], flags: tuple[Flag, ...],
                 items: Mapping[str, Section[None]], fees: Section[int], fee_frame: Frame,
                 deadlines: tuple[DeadlineRule, ...], source_json: tuple[bytes, ...],
                 source_bits: Mapping[str, int],
                 numeric: frozenset[str]) -> None:
        self.pack = pack
        self.spelling = spelling
        self.categories = categories
        self.category_keys = category_keys  # in key order: (position, '"id":')
        self.flags = flags  # in output order: by severity, then pack order
        # Flags by eights, each eight read from one byte a record.
        self.flag_bytes = tuple(_flag_byte(flags[first:first + 8])
                                for first in range(0, len(flags), 8))
        self.items = items  # by kind, in pack order, each in its frame
        self.fees = fees  # bits 2k, 2k + 1: fee entries[2k] applies, its exception may
        self.fee_frame = fee_frame  # around a record's fees (the section has no JSON)
        self.deadlines = deadlines
        self.source_json = source_json  # by bit: '"S1":{...}' (full) or '"S1"' (compact)
        self.source_bits = source_bits
        self.numeric = numeric  # number and money questions: 1 and 1.0 are spelt differently
        # For each byte of a citation set, the sources each of its 256 values names, joined;
        # filled as met (building them all up front was most of the cost of compiling a pack
        # for one record).
        self.source_bytes = tuple(_Sources(source_json[first:first + 8])
                                  for first in range(0, len(source_json), 8))

    def cite_bits(self, cite: Sequence[str]) -> int:
        return _cite_bits(self.source_bits, cite)

    def sources_members(self, cite: int) -> bytes:
        """The sources for a set of citations (bit k: the k-th source by id), without the
        braces or brackets: some 7 KiB a record in full, so not copied again."""
        data = cite.to_bytes(len(self.source_bytes), "little")
        return b",".join(filter(None, map(_getitem, self.source_bytes, data)))

    def fee_rows(self, as_of: dt.date) -> tuple[tuple[bytes, bytes, int] | None, ...]:
        """Each fee's row as of a date, without and with its exception, and its citations."""
        return _fee_rows(self, as_of)


def _flag_byte(flags: Sequence[Flag]) -> FlagByte:
    flags = tuple(flags)
    return FlagByte(flags, _ByFlagBits(flags, lambda shown: tuple(flag.id for flag in shown)),
                    _ByFlagBits(flags, lambda shown: reduce(or_, [flag.cite for flag in shown],
                                                            0)))


class _ByFlagBits(dict[int, E]):
    """``make`` of the flags a byte value names, made as met."""

    def __init__(self, flags: tuple[Flag, ...], make: Callable[[list[Flag]], E]) -> None:
        super().__init__()
        self.flags = flags
        self.make = make

    def __missing__(self, value: int) -> E:
        found = self[value] = self.make(
            [flag for bit, flag in enumerate(self.flags) if value >> bit & 1])
        return found


class _Sources(dict[int, bytes]):
    """The sources named by each value of one byte of a citation set, joined, made as met."""

    def __init__(self, sources: Sequence[bytes]) -> None:
        super().__init__({0: b""})
        self.sources = sources  # by bit

    def __missing__(self, value: int) -> bytes:
        joined = self[value] = b",".join([source for bit, source in enumerate(self.sources)
                                          if value >> bit & 1])
        return joined


_getitem = dict.__getitem__


def _cite_bits(source_bits: Mapping[str, int], cite: Sequence[str]) -> int:
    """A set of citations as an integer: one bit per source."""
    found = 0
    for sid in cite:
        found |= source_bits[sid]
    return found


def note_ids(pack: RulePack) -> dict[tuple[str, str, bool], str]:
    """The catalogue id of each rule's note, by (rule id, group, unmet).

    A note is named by its rule id (``:unmet`` added for the text shown when a requirement
    is unmet). A rule id is unique within its group only: the rare rule sharing its id with
    one in another group, but not its text and citations, is named ``<id>@<group>``. Names
    come from the English pack, so a translated pack's rows use the same ids.
    """
    found: dict[tuple[str, str, bool], str] = {}
    content: dict[str, tuple[str, tuple[str, ...]]] = {}
    for compiled in pack.english.categories:
        for entry in compiled.bases:
            for group in RULE_GROUPS:
                for rule in getattr(entry, group):
                    factor = rule.factor
                    texts = [(False, factor.text)]
                    if group == "requires" and factor.fail_text:
                        texts.append((True, factor.fail_text))
                    for unmet, text in texts:
                        name = rule.rule_id + (":unmet" if unmet else "")
                        held = content.setdefault(name, (text, tuple(factor.cite)))
                        if held != (text, tuple(factor.cite)):
                            name = f"{name}@{group}"
                            content[name] = (text, tuple(factor.cite))
                        found[rule.rule_id, group, unmet] = name
    return found


def compiled_pack(pack: RulePack, detail: Detail = "full") -> CompiledPack:
    """The pack compiled for scoring, its text spelt in ``detail``; built once per pack
    and detail."""
    if detail not in SPELLINGS:
        raise ValueError(f"detail must be one of {', '.join(SPELLINGS)}, not {detail!r}")
    return _compiled_pack(pack, detail)


@lru_cache(maxsize=16)  # called with both arguments always: one entry per pack and detail
def _compiled_pack(pack: RulePack, detail: Detail) -> CompiledPack:
    spelling = SPELLINGS[detail]
    source_ids = sorted(pack.sources)
    source_bits = {sid: 1 << bit for bit, sid in enumerate(source_ids)}
    numeric = frozenset(entry.question.id for entry in pack.questions
                        if entry.question.type in ("number", "money"))
    names = note_ids(pack)

    def bits(cite: Sequence[str]) -> int:
        return _cite_bits(source_bits, cite)

    categories = tuple(
        Category(compiled.category.id, compiled.category.priority,
                 tuple(_basis(entry, pack, spelling, names, bits, numeric)
                       for entry in compiled.bases))
        for compiled in pack.categories)

    flags = []
    for flag_entry in sorted(pack.flags, key=lambda entry: SEVERITY_RANK[entry.flag.severity]):
        flag = flag_entry.flag
        tail = spelling.flag_tail({"cite": list(flag.cite), "id": flag.id,
                                   "severity": flag.severity, "text": flag.text})
        flags.append(Flag(id=flag.id, shown=except_when(flag_entry.when, flag_entry.unless),
                          cite=bits(flag.cite),
                          note=Note(flag_entry.reads, tail, bits(flag.cite), numeric)))

    static = {"always": dumps(list(pack.meta.always)), "disclaimer": dumps(pack.meta.disclaimer),
              "rule_pack": dumps(pack.info()), "schema": dumps(spelling.schema)}
    frames = spelling.item_frames(static)
    items: dict[str, Section[None]] = {}
    for kind in ITEM_KINDS:
        items[kind] = _section([(entry.when or ALWAYS, None, bits(entry.item.cite),
                                 spelling.item(entry.item))
                                for entry in pack.items if entry.item.kind == kind], frames[kind])

    # A fee takes two bits: it applies, and an exception may apply. Its JSON depends on the
    # date, so the groups only say which bits are set (see CompiledPack.fee_rows).
    fee_bits: list[tuple[Condition, int, int, bytes]] = []
    for position, fee_entry in enumerate(pack.fees):
        fee_bits += [(fee_entry.when or ALWAYS, position, 0, b""),
                     (fee_entry.exception or NEVER, position, 0, b"")]

    deadlines = tuple(DeadlineRule(entry.deadline, entry.when or ALWAYS,
                                   bits(entry.deadline.cite), {}) for entry in pack.deadlines)
    source_json = tuple(spelling.source(sid, pack.sources[sid]) for sid in source_ids)
    order = sorted(range(len(categories)), key=lambda position: categories[position].id)
    return CompiledPack(
        pack=pack, spelling=spelling, categories=categories,
        category_keys=tuple((position, key(categories[position].id)) for position in order),
        flags=tuple(flags),
        items=items, fees=_section(fee_bits), fee_frame=frames["fees"], deadlines=deadlines,
        source_json=source_json, source_bits=source_bits,
        numeric=numeric)


def _basis(entry: CompiledBasis, pack: RulePack, spelling: Spelling,
           names: Mapping[tuple[str, str, bool], str], bits: Callable[[Sequence[str]], int],
           numeric: frozenset[str]) -> Basis:
    """One basis: its conditions in slots, its rules' notes spelt."""
    basis = entry.basis
    slots: list[Condition] = [entry.applies]

    def note(rule: Any, group: str, unmet: bool) -> Note:
        model = rule.factor
        text = model.fail_text if unmet else model.text
        tail = spelling.note_tail(names[rule.rule_id, group, unmet],
                                  {"cite": list(model.cite), "rule": rule.rule_id, "text": text})
        return Note(rule.reads, tail, bits(model.cite), numeric)

    def factors(group: str) -> tuple[Factor, ...]:
        found = []
        for rule in getattr(entry, group):
            model = rule.factor
            condition = except_when(rule.when, rule.unless)
            slots.append(condition)
            shown = note(rule, group, False)
            found.append(Factor(
                rule_id=rule.rule_id, condition=condition, slot=len(slots) - 1,
                weight=model.weight, cap=model.cap, cite=bits(model.cite), note=shown,
                fail_note=note(rule, group, True) if group == "requires" and model.fail_text
                else shown))
        return tuple(found)

    requires, strengthens, weakens, blocks = map(factors, RULE_GROUPS)
    evidence = []
    for proof in entry.evidence:
        slots.append(except_when(proof.needed, proof.have or NEVER))
        evidence.append(Evidence(len(slots) - 1,
                                 spelling.evidence(proof.evidence.id, proof.evidence.text)))
    return Basis(
        rule_id=entry.rule_id, slots=tuple(slots), cite=bits(basis.cite),
        base_score=basis.base_score, bands=(pack.meta.bands.strong, pack.meta.bands.possible),
        requires=requires, strengthens=strengthens, weakens=weakens, blocks=blocks,
        evidence=tuple(evidence), head=spelling.basis_head(basis.id, basis.cite),
        label=spelling.basis_label(basis.label), weighed={})


@lru_cache(maxsize=64)
def _fee_rows(compiled: CompiledPack, as_of: dt.date
              ) -> tuple[tuple[bytes, bytes, int] | None, ...]:
    rows: list[tuple[bytes, bytes, int] | None] = []
    for entry in compiled.pack.fees:
        fee = entry.fee
        fact = compiled.pack.facts[fee.fact]
        shown, reported = fee_value_on(fact, as_of)
        if shown is None or shown.value is None:
            rows.append(None)
            continue
        row: dict[str, Any] = {
            "id": fee.id, "label": fee.label, "amount": shown.value, "currency": "USD",
            "effective_from": shown.effective_from.isoformat(), "source": shown.source,
            "confidence": shown.confidence, "waivable": fee.waivable,
            "exception_may_apply": False, "exception": None,
            "confirm_before_filing": shown.confidence == "unverified" or reported is not None,
            "reported_change": None if reported is None else {
                "amount": reported.value, "effective_from": reported.effective_from.isoformat(),
                "source": reported.source, "confidence": reported.confidence},
            "note": fee.note, "cite": list(fee.cite),
        }
        cite = [shown.source, *fee.cite, *([reported.source] if reported else [])]
        excepted = {**row, "exception_may_apply": True, "exception": fee.exception_text}
        spell = compiled.spelling.fee
        rows.append((spell(row), spell(excepted), compiled.cite_bits(cite)))
    return tuple(rows)
