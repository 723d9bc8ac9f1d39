"""Scoring one chunk of records into its rows and counts: the same code in-process and in
every worker, so every ``--jobs`` gives the same bytes."""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any

from ..engine import Detail, ScoredChunk, score_chunk
from ..pack import RulePack
from .compare import compare_chunk
from .records import Item, as_input, parse_many
from .rows import ChunkRows, RowFormat, Rows, cell, csv_lines


class ChunkScorer:
    """Parse, score, encode and count one chunk at a time; with a ``baseline`` pack, keep
    only the records whose decision changed (change rows)."""

    def __init__(self, pack: RulePack, as_of: dt.date, output_format: str, *,
                 detail: Detail = "compact", fail_fast: bool = False,
                 baseline: RulePack | None = None, what_if: bool = False) -> None:
        self.pack = pack
        self.what_if = what_if
        self.baseline = baseline
        self.as_of = as_of
        # CSV rows take only the decisions: no documents are written for them.
        self.detail: Detail | None = None if output_format == "csv" else detail
        self.fail_fast = fail_fast
        self.rows = RowFormat(output_format, [entry.category.id for entry in pack.categories],
                              compare=baseline is not None)

    def score(self, items: Sequence[Item]) -> ChunkRows:
        records = parse_many([item.payload for item in items])
        if self.baseline is not None:
            return compare_chunk(self.rows, self.pack, self.baseline, self.as_of, items,
                                 records, fail_fast=self.fail_fast)
        outcome = score_chunk(self.pack, [as_input(record) for record in records], self.as_of,
                              detail=self.detail, what_if=self.what_if)
        counts: Counter[str] = Counter()
        scored = outcome.scored
        stop = len(items)
        if self.fail_fast and outcome.errors:
            stop = min(outcome.errors) + 1  # up to and including the first rejected record
        kept = sum(place < stop for place in outcome.places)
        if scored is not None:
            count_scored(scored, kept, counts)
        errors = {place: self.rows.error_row(items[place], records[place], error, counts)
                  for place, error in outcome.errors.items() if place < stop}
        if not errors and scored is not None and self.rows.fmt == "jsonl":
            # The usual case: every record scored, written as pieces gathered by writev.
            # (Compact rows joined first measured slower through the CLI: a fresh buffer
            # of some 6 MB a chunk costs its page faults.)
            data: Rows = scored.jsonl_pieces()
        else:
            data = self._rows(scored, outcome.places, errors, items, stop)
        rows = kept + len(errors)
        ids, no_id = hashed_ids(scored.ids[:kept] if scored is not None else ())
        stopped_by = ""
        if self.fail_fast and errors:
            last = stop - 1
            stopped_by = self.rows.rejection(items[last], records[last],
                                             outcome.errors[last])[2]
        return ChunkRows(data, rows, rows, len(errors), counts, bool(stopped_by), ids, no_id,
                         stopped_by)

    def _rows(self, scored: ScoredChunk | None, places: list[int], errors: dict[int, Any],
              items: Sequence[Item], stop: int) -> Rows:
        """The chunk's rows in input order, results and error rows, up to ``stop``."""
        rows: list[Any] = [None] * stop
        for place, row in errors.items():
            rows[place] = row
        if scored is not None:
            if self.rows.fmt == "csv":
                results: Iterable[Any] = self._csv_rows(scored, places, items)
            else:
                results = scored.pieces()
            for place, row in zip(places, results, strict=True):
                if place < stop:
                    rows[place] = row
        return self.rows.join([row for row in rows if row is not None])

    def _csv_rows(self, scored: ScoredChunk, places: list[int],
                  items: Sequence[Item]) -> Iterator[str]:
        """The scored records' CSV rows, as lines: made column by column (see
        :func:`~parole_screen.batch.rows.csv_lines`)."""
        placed = [items[place] for place in places]
        n = len(places)
        return csv_lines([
            [cell(record_id or "") for record_id in scored.ids],
            [cell(item.source) for item in placed],
            [str(item.line) for item in placed],
            scored.statuses(),
            [top or "" for top in scored.tops],
            *(scored.bands[cid] for cid in self.rows.category_ids),
            map(";".join, scored.flags), map(";".join, scored.missing),
            repeat("", n), repeat("", n)])


def hashed_ids(ids: Iterable[str | None]) -> tuple[bytes, int]:
    """The ids that are set, hashed to 8 bytes each, and how many records had none.

    ``hash()`` of a string is salted per process; worker processes are forked from the
    batch's process, so every hash of one batch uses the same salt.
    """
    hashes = array("q", [hash(record_id) for record_id in ids if record_id])
    return hashes.tobytes(), sum(1 for record_id in ids if not record_id)


def count_scored(scored: ScoredChunk, kept: int, counts: Counter[str]) -> None:
    """Add what the summary counts of the first ``kept`` scored records: statuses, top
    categories, bands and flags."""
    for status, count in Counter(scored.statuses()[:kept]).items():
        counts["status:" + status] += count
    for top, count in Counter(scored.tops[:kept]).items():
        counts["top:" + (top or "none")] += count
    for cid, bands in scored.bands.items():
        for band, count in Counter(bands[:kept]).items():
            counts[f"band:{cid}:{band}"] += count
    first = (1 << 8 * kept) - 1  # the masks' bits of the first ``kept`` records
    for flag, mask in scored.flag_masks:
        if count := (mask & first).bit_count():
            counts["flag:" + flag] += count


def warm(pack: RulePack, as_of: dt.date, detail: Detail | None = "full") -> None:
    """Build what scoring with ``pack`` builds once (its compiled plan) by scoring an empty
    record, so that forked workers share it instead of each building its own."""
    score_chunk(pack, [{}], as_of, detail=detail)

