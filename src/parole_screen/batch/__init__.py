"""Batch scoring: stream many answers records through the engine, in order, into one output.

The pipeline, one module per stage::

    sources   the INPUT arguments, checked up front (and the -o they refuse)
    readers   their records one at a time, capped (json_arrays: a JSON file's elements)
    records   a record on its way, and parsing its JSON
    chunks    a chunk of records scored into rows and counts (compare: change rows)
    rows      rows as bytes: results, error rows, CSV cells
    output    the output's framing, and rows written straight to its descriptor
    workers   forked workers that write their chunks in turn, round a ring of pipes
    runner    run_batch: in this process, or through the workers

No terminal I/O here: ``parole_screen.cli.batch`` owns the progress bar and the summary.
"""

from .records import MAX_RECORD_BYTES
from .rows import ERROR_KINDS, ERROR_SCHEMA, OUTPUT_FORMATS
from .runner import (
    CHUNK_RECORDS,
    BatchOptions,
    BatchStats,
    output_format_for,
    resolve_jobs,
    run_batch,
)
from .sources import InputSource, output_file, refuse_inputs_as_output, resolve_inputs

__all__ = [
    "CHUNK_RECORDS",
    "ERROR_KINDS",
    "ERROR_SCHEMA",
    "MAX_RECORD_BYTES",
    "OUTPUT_FORMATS",
    "BatchOptions",
    "BatchStats",
    "InputSource",
    "output_file",
    "output_format_for",
    "refuse_inputs_as_output",
    "resolve_inputs",
    "resolve_jobs",
    "run_batch",
]
