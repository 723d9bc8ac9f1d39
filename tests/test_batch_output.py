"""Writing a chunk's rows: results come in pieces, gathered by ``writev`` where the output
is a descriptor and joined where it is not; either way the bytes are the join, whole and in
order, however little a pipe takes at a time."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from parole_screen.batch import output
from parole_screen.batch.output import Writer, write_rows
from parole_screen.batch.rows import Rows


def pieces(count: int, size: int = 7) -> list[bytes]:
    """``count`` distinct pieces, so a piece out of place or lost changes the join."""
    return [f"{number:0{size}d}|".encode() for number in range(count)]


def written_to_file(tmp_path: Path, data: Rows) -> bytes:
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        write_rows(fd, data)
    finally:
        os.close(fd)
    return path.read_bytes()


def test_more_pieces_than_one_writev_takes_are_all_written_in_order(tmp_path: Path) -> None:
    data = pieces(3 * output._IOV_MAX + 5)
    assert written_to_file(tmp_path, data) == b"".join(data)


def test_bytes_and_an_empty_list_are_written_as_they_are(tmp_path: Path) -> None:
    assert written_to_file(tmp_path, b"one row\n") == b"one row\n"
    assert written_to_file(tmp_path, []) == b""


def test_without_writev_the_pieces_are_joined(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "writev")
    data = pieces(2500)
    assert written_to_file(tmp_path, data) == b"".join(data)


def test_a_full_non_blocking_pipe_takes_the_rest_when_it_drains() -> None:
    """A pipe holds 64 KiB: writev writes part of a batch, or nothing (EAGAIN)."""
    data = pieces(60_000, size=60)  # some 3.6 MB
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    received = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 5000):  # slower than the writer
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        write_rows(write_end, data)
    finally:
        os.close(write_end)
        reader.join(timeout=60)
        os.close(read_end)
    assert not reader.is_alive()
    assert bytes(received) == b"".join(data)


def test_the_writer_gathers_into_a_file_after_what_it_buffered(tmp_path: Path) -> None:
    """What the caller wrote to the file object before (buffered there) comes first."""
    data = pieces(2100)
    path = tmp_path / "out.json"
    with path.open("wb") as out:
        out.write(b"before\n")
        writer = Writer(out, "json", [])
        writer.write(data)
        writer.write(b"tail")
        writer.close()
    assert path.read_bytes() == b"before\n[\n" + b"".join(data) + b",\ntail\n]\n"


def test_the_writer_joins_for_a_stream_without_a_descriptor() -> None:
    data = pieces(1500)
    out = io.BytesIO()
    writer = Writer(out, "jsonl", [])
    writer.write(data)
    writer.write([])
    writer.close()
    assert out.getvalue() == b"".join(data)


@pytest.mark.parametrize(("reported", "used"), [(1024, 1024), (2048, 1024), (16, 16),
                                                (-1, 16), (0, 16)])
def test_the_writev_batch_size_is_sane_whatever_the_system_says(
        monkeypatch: pytest.MonkeyPatch, reported: int, used: int) -> None:
    """sysconf says -1 when the limit is indeterminate: batches must still hold pieces."""
    monkeypatch.setattr(os, "sysconf", lambda name: reported)
    assert output._iov_max() == used


def test_no_sysconf_means_the_posix_least(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(name: str) -> int:
        raise ValueError(name)

    monkeypatch.setattr(os, "sysconf", unknown)
    assert output._iov_max() == 16


def _fill(fd: int) -> bytes:
    """Write to a non-blocking pipe until it is full; return what was written."""
    filler = bytearray()
    try:
        while True:
            filler += b"f" * os.write(fd, b"f" * 4096)
    except BlockingIOError:
        return bytes(filler)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_bytes_rows_reach_a_full_non_blocking_pipe_whole(fmt: str) -> None:
    """CSV and JSON chunks are bytes; they and their framing (the header, the brackets,
    the commas between chunks) must survive a non-blocking pipe that is full."""
    data = b"".join(pieces(40_000, size=50))  # some 2 MB, far past a pipe's 64 KiB
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    filler = _fill(write_end)  # full before the first framing is written
    received = bytearray()

    def drain() -> None:
        time.sleep(0.2)  # the writer meets the full pipe first
        while chunk := os.read(read_end, 5000):
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        with os.fdopen(write_end, "wb") as out:
            writer = Writer(out, fmt, ["id"])
            writer.write(data)
            writer.write(data)
            writer.close()
    finally:
        reader.join(timeout=60)
        os.close(read_end)
    assert not reader.is_alive()
    head = b"id\n" if fmt == "csv" else b"[\n"
    middle = data + (b",\n" if fmt == "json" else b"") + data
    tail = b"\n]\n" if fmt == "json" else b""
    assert bytes(received) == filler + head + middle + tail


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_every_byte_goes_to_the_descriptor_by_write_rows(tmp_path: Path, fmt: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Framing included: only ``write_rows`` finishes what a full non-blocking pipe leaves."""
    sent: list[bytes] = []

    def recorded(fd: int, data: Rows) -> None:
        sent.append(data if isinstance(data, bytes) else b"".join(data))
        write_rows(fd, data)

    monkeypatch.setattr(output, "write_rows", recorded)
    path = tmp_path / "out"
    with path.open("wb") as out:
        writer = Writer(out, fmt, ["id"])
        writer.write(pieces(3))
        writer.write(b"row\n")
        writer.close()
    assert b"".join(sent) == path.read_bytes() != b""
