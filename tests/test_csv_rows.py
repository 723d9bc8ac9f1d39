"""CSV rows made column by column are the lines ``csv.writer`` writes."""

from __future__ import annotations

import csv
import io

from parole_screen.batch.rows import csv_bytes, csv_lines

AWKWARD = ["", "plain", "R0001", "not_indicated", "a,b", 'say "hi"', "two\nlines", "cr\rhere",
           " lead", "trail ", "tab\there", "'=SUM(A1)", "é ünï", "日本", "a;b;c", "\x00nul", ",",
           '"', "\r\n", "x" * 300]


def written(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def test_lines_made_by_columns_are_the_csv_modules() -> None:
    rows = [[AWKWARD[(row + column) % len(AWKWARD)] for column in range(7)]
            for row in range(len(AWKWARD) * 2)]
    columns = [[row[column] for row in rows] for column in range(7)]
    assert csv_bytes(list(csv_lines(columns))) == written(rows)


def test_lines_and_cell_rows_mix_in_order() -> None:
    rows = [["R1", "a,b", ""], ["R2", "x", 'q"'], ["R3", "", "plain"]]
    lines = list(csv_lines([["R1"], ["a,b"], [""]]))
    assert csv_bytes([lines[0], rows[1], *csv_lines([["R3"], [""], ["plain"]])]) == written(rows)
    assert csv_bytes([]) == b""
