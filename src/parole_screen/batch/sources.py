"""The inputs of a batch, checked before anything is read, and the outputs they refuse."""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..errors import ParoleScreenError
from ..files import STDIN, STDIN_LABEL, private_output

INPUT_FORMATS = ("json", "jsonl")
INPUT_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl"}


@dataclass(frozen=True)
class InputSource:
    """One INPUT argument: a file, a folder, or ``-`` (then ``stream`` is read)."""

    name: str
    label: str
    kind: str  # "json", "jsonl", "folder" or "auto" (stdin or an unknown suffix: sniffed)
    size: int | None  # bytes, for the progress bar (None for stdin)
    stream: IO[bytes] | None = field(default=None, compare=False, repr=False)


def resolve_inputs(names: Sequence[str], input_format: str | None = None, *,
                   stdin: IO[bytes] | None = None) -> list[InputSource]:
    """Check every INPUT up front so a typo fails before any output is written; ``-`` is
    the ``stdin`` stream (the caller's, never this process's own unless passed)."""
    _check_arguments(names, input_format)
    return [_source(name, input_format, stdin) for name in names]


def _check_arguments(names: Sequence[str], input_format: str | None) -> None:
    """Refuse what is wrong whatever the files hold: no input, stdin twice, a bad format."""
    if not names:
        raise ParoleScreenError("no input given; pass files, folders or - for stdin",
                                kind="no_input")
    if list(names).count(STDIN) > 1:
        raise ParoleScreenError("stdin (-) can be read only once", kind="usage")
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise ParoleScreenError(f"unknown input format '{input_format}' "
                                f"(use one of: {', '.join(INPUT_FORMATS)})", kind="usage")


def _source(name: str, input_format: str | None, stdin: IO[bytes] | None) -> InputSource:
    if name == STDIN:
        if stdin is None:
            raise ParoleScreenError("- (stdin) is not available here", kind="no_stdin")
        return InputSource(name, STDIN_LABEL, input_format or "auto", None, stdin)
    return _path_source(name, input_format)


def _path_source(name: str, input_format: str | None) -> InputSource:
    """A file or a folder that exists and can be read."""
    path = Path(name)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ParoleScreenError(f"{name}: file not found", kind="not_found") from None
    except OSError as error:
        raise ParoleScreenError(f"{name}: cannot read: {error.strerror}",
                                kind="unreadable") from None
    if path.is_dir():
        files = folder_files(path)
        return InputSource(name, name, "folder", sum(_size(file) for file in files))
    if not os.access(path, os.R_OK):
        raise ParoleScreenError(f"{name}: cannot read: permission denied",
                                kind="unreadable")
    if stat.S_ISREG(info.st_mode):  # a pipe's first bytes are not ours to take
        _refuse_archive(path, name)
    kind = input_format or INPUT_SUFFIXES.get(path.suffix.lower(), "auto")
    return InputSource(name, name, kind, info.st_size)


#: How a compressed file or archive starts. Read as text, each would become a run of
#: ``not_utf8`` error rows and exit 3, which a script reads as "done, some records bad".
_ARCHIVES = ((b"\x1f\x8b", "gzip-compressed", "gunzip -c"),
             (b"PK\x03\x04", "a zip archive", "unzip -p"),
             (b"BZh", "bzip2-compressed", "bunzip2 -c"),
             (b"\xfd7zXZ\x00", "xz-compressed", "xz -dc"),
             (b"(\xb5/\xfd", "zstd-compressed", "zstd -dc"))


def _refuse_archive(path: Path, name: str) -> None:
    """Refuse a compressed file or archive up front, saying how to pass what it holds."""
    try:
        with path.open("rb") as handle:
            head = handle.read(6)
    except OSError:
        return  # read as it comes, as before: reading it reports the error
    for magic, what, command in _ARCHIVES:
        if head.startswith(magic):
            raise ParoleScreenError(
                f"{name}: the file is {what}, not JSON or JSONL text; pass what it holds, "
                f"e.g. `{command} {shlex.quote(name)} | parole-screen batch -`",
                kind="unreadable")


def folder_files(folder: Path) -> list[Path]:
    """Every ``*.json`` entry but subfolders: one that cannot be read (a broken link, a FIFO)
    becomes an error row, rather than a record missing from the caseload without a word."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json"
                      and not p.is_dir())
    except OSError as error:
        raise ParoleScreenError(f"{folder}: cannot list folder: {error.strerror}",
                                kind="unreadable") from None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def splittable(source: InputSource) -> bool:
    """True for a regular file read as JSONL, which workers can read by ranges of lines."""
    if source.name == STDIN or source.kind not in ("jsonl", "auto"):
        return False
    path = Path(source.name)
    try:
        # Checked before opening: opening a FIFO would wait for a writer.
        if not stat.S_ISREG(path.stat().st_mode):
            return False  # a FIFO or a device: read once, in order, by the main process
        if source.kind == "jsonl":
            return True
        with path.open("rb") as handle:
            return sniff(handle) == "jsonl"
    except OSError:
        return False  # the ordinary reader reports it


def sniff(stream: IO[bytes]) -> str:
    """``json`` when the first non-blank character opens an array, or opens an object that
    its first line does not close (one pretty-printed record, as ``score -`` reads it);
    else ``jsonl``."""
    head: bytes = stream.peek(4096)[:4096]  # type: ignore[attr-defined]
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head.startswith(b"["):
        return "json"
    first, newline, _ = head.partition(b"\n")
    # A JSON Lines record is a whole object on its line; one whose first line ends opening
    # something ("{", "[", ",", or a key's ":") is a document written over several lines.
    if head.startswith(b"{") and newline and first.rstrip(b" \t\r").endswith(
            (b"{", b"[", b",", b":")):
        return "json"
    return "jsonl"


@contextlib.contextmanager
def output_file(path: Path, sources: Sequence[InputSource], *,
                force: bool = False) -> Iterator[IO[bytes]]:
    """A batch's ``-o``: a private (0600) file put in place only when the block ends without
    an error, never one of the ``sources`` (see :func:`refuse_inputs_as_output`), and an
    existing file only with ``force``."""
    refuse_inputs_as_output(path, sources)
    with private_output(path, force=force) as handle:
        yield handle


def refuse_inputs_as_output(out: Path, sources: Sequence[InputSource]) -> None:
    """Raise if ``out`` names an input, which replacing would lose the answers the rows
    came from (even with --force); or is a ``*.json`` in an input folder, where the next
    run would read the rows as a record."""
    target = _identity(out)  # None: not there yet
    folder = _identity(out.parent)
    for source in sources:
        named = _identity(source.stream if source.stream is not None else Path(source.name))
        if target is not None and named is not None and os.path.samestat(target, named):
            raise ParoleScreenError(f"{out}: is an input of this batch ({source.label}); "
                                    "write the rows elsewhere", kind="output_is_input")
        if (source.kind == "folder" and out.suffix.lower() == ".json" and named is not None
                and folder is not None and os.path.samestat(folder, named)):
            raise ParoleScreenError(f"{out}: is in {source.label}, an input folder of this "
                                    "batch, where it would be read as a record; write the "
                                    "rows elsewhere", kind="output_is_input")


def _identity(where: Path | IO[bytes]) -> os.stat_result | None:
    """What a file or stream is (its device and inode), or None: gone, or not a file."""
    try:
        return where.stat() if isinstance(where, Path) else os.fstat(where.fileno())
    except (OSError, ValueError):
        return None
