"""Reading answers files and writing private files atomically."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import AnswerError, OutputExistsError, ParoleScreenError

MAX_ANSWERS_BYTES = 1024 * 1024
STDIN = "-"


def read_input(source: str, max_bytes: int = MAX_ANSWERS_BYTES) -> str:
    """Read a whole file (or stdin for ``-``) as UTF-8, refusing anything over ``max_bytes``."""
    label = "<stdin>" if source == STDIN else source
    try:
        if source == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise ParoleScreenError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise ParoleScreenError(f"{label}: is a directory, not a file") from None
    except OSError as error:
        raise ParoleScreenError(f"{label}: cannot read: {error.strerror}") from None
    if len(data) > max_bytes:
        raise ParoleScreenError(f"{label}: larger than the {max_bytes // 1024} KiB limit")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParoleScreenError(f"{label}: not UTF-8 text (byte {error.start})") from None


def parse_json(text: str, label: str) -> Any:
    """Parse JSON, turning errors into one line that names the file, line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise AnswerError(f"invalid JSON at line {error.lineno}, column {error.colno}: "
                          f"{error.msg}", source=label) from None
    except RecursionError:
        raise AnswerError("JSON is nested too deeply", source=label) from None


def read_json_record(source: str) -> Any:
    """Read one answers record from a file or stdin."""
    label = "<stdin>" if source == STDIN else source
    return parse_json(read_input(source), label)


def write_private(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600.

    Refuses to replace an existing file unless ``force``; a crash mid-write leaves the
    old file (or nothing) in place, never half a file.
    """
    check_output_path(path, force=force)
    write_atomic(path, text.encode("utf-8"))


def check_output_path(path: Path, *, force: bool) -> None:
    """Refuse an existing file without ``force``, and anything but a regular file ever.

    A device, a FIFO or a symlink is never replaced, even with ``force``: ``--out
    /dev/stdout --force`` must not swap a device node for a file.
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputExistsError(f"{path}: not a regular file; refusing to replace it")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists; use --force to replace it")
    if not path.parent.is_dir():
        raise ParoleScreenError(f"{path}: the folder {path.parent} does not exist")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a 0600 temporary file in the same folder."""
    directory = path.parent if str(path.parent) else Path()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).chmod(0o600)
        Path(temp).replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None


@contextlib.contextmanager
def private_output(path: Path, *, force: bool = False) -> Iterator[IO[bytes]]:
    """Stream into a 0600 temporary file beside ``path``; replace ``path`` only on success.

    Refuses an existing ``path`` unless ``force``. On any error (or Ctrl-C) the temporary
    file is removed and ``path`` is left as it was.
    """
    # Not check_output_path: batch's --out keeps its own messages (a hint to redirect
    # stdout instead); like it, a symlink, device or FIFO is never replaced.
    # What --force could never replace is said first, so it is not suggested in vain.
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ParoleScreenError(f"{path}: not a regular file; write to stdout and redirect "
                                "instead")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists; use --force to replace it")
    directory = path.parent if str(path.parent) else Path()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        handle = os.fdopen(fd, "wb", buffering=1024 * 1024)
    except OSError as error:  # pragma: no cover - a fresh descriptor
        _discard(temp)
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists() and not force:
            raise OutputExistsError(f"{path}: appeared while the batch ran; use --force to "
                                    "replace it")
        Path(temp).replace(path)
    except OSError as error:
        _discard(temp)
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}") from None
    except BaseException:
        _discard(temp)
        raise


def _discard(temp: str) -> None:
    with contextlib.suppress(OSError):
        Path(temp).unlink()
