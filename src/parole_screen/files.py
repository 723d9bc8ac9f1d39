"""Reading answers files with a size cap, and writing private (0600) files atomically."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .errors import AnswerError, OutputExistsError, ParoleScreenError
from .jsonbytes import json_problem, loads_text

MAX_ANSWERS_BYTES = 1024 * 1024
STDIN = "-"
STDIN_LABEL = "<stdin>"


class NotARegularFile(OSError):
    """Raised by :func:`read_capped` with ``regular_only`` for a FIFO, socket or device."""


def read_capped(source: Path | IO[bytes], limit: int, *, regular_only: bool = False) -> bytes:
    """At most ``limit + 1`` bytes of a file or stream: more than ``limit`` means it is too
    large, and the rest is never read. Raises OSError.

    With ``regular_only``, a FIFO, socket or device raises :class:`NotARegularFile` without
    being waited on: should one take a file's place between the look and the open, the open
    does not block and the check is made again on what was opened.
    """
    if not isinstance(source, Path):
        return source.read(limit + 1)
    if not regular_only:
        with source.open("rb") as handle:
            return handle.read(limit + 1)
    if not stat.S_ISREG(source.stat().st_mode):
        raise NotARegularFile("not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    with open(os.open(source, flags), "rb") as handle:  # noqa: PTH123 - a descriptor
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotARegularFile("not a regular file")
        return handle.read(limit + 1)


def read_input(source: str, max_bytes: int = MAX_ANSWERS_BYTES, *,
               stdin: IO[bytes] | None = None) -> str:
    """Read a whole file (or the ``stdin`` stream for ``-``) as UTF-8, refusing anything
    over ``max_bytes``."""
    label = STDIN_LABEL if source == STDIN else source
    if source == STDIN and stdin is None:
        raise ParoleScreenError("- (stdin) is not available here", kind="no_stdin")
    stdin = stdin if source == STDIN else None
    try:
        data = read_capped(Path(source) if stdin is None else stdin, max_bytes)
    except FileNotFoundError:
        raise ParoleScreenError(f"{label}: file not found", kind="not_found") from None
    except IsADirectoryError:
        raise ParoleScreenError(f"{label}: is a directory, not a file", kind="unreadable"
                                ) from None
    except OSError as error:
        raise ParoleScreenError(f"{label}: cannot read: {error.strerror}", kind="unreadable"
                                ) from None
    if len(data) > max_bytes:
        raise ParoleScreenError(f"{label}: larger than the {max_bytes // 1024} KiB limit",
                                kind="too_large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParoleScreenError(f"{label}: not UTF-8 text (byte {error.start})",
                                kind="not_utf8") from None


def parse_json(text: str, label: str) -> Any:
    """Parse JSON, turning errors into one line that names the file, line and column."""
    try:
        return loads_text(text)
    except json.JSONDecodeError as error:
        raise AnswerError(json_problem(error.msg, f"line {error.lineno}, column {error.colno}"),
                          kind="invalid_json", source=label) from None
    except RecursionError:
        raise AnswerError("JSON is nested too deeply", kind="invalid_json", source=label
                          ) from None


def read_json_record(source: str, *, stdin: IO[bytes] | None = None) -> Any:
    """Read one answers record from a file, or from the ``stdin`` stream for ``-``."""
    label = STDIN_LABEL if source == STDIN else source
    return parse_json(read_input(source, stdin=stdin), label)


def is_devnull(path: Path) -> bool:
    """True for the system's null device (``-o /dev/null``: run, and keep nothing)."""
    try:
        return path == Path(os.devnull) or (path.exists() and path.samefile(os.devnull))
    except OSError:
        return False


def write_private(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600.

    Refuses to replace an existing file unless ``force``; a crash mid-write leaves the
    old file (or nothing) in place, never half a file. The null device is written to as
    it is (nothing is kept, nothing is replaced).
    """
    if is_devnull(path):
        with Path(os.devnull).open("wb") as sink:
            sink.write(text.encode("utf-8"))
        return
    check_output_path(path, force=force)
    write_atomic(path, text.encode("utf-8"))


def check_output_path(path: Path, *, force: bool,
                      inputs: Sequence[tuple[str, Path]] = ()) -> None:
    """Refuse an existing file without ``force``, and anything but a regular file ever.

    A device, a FIFO or a symlink is never replaced, even with ``force``: ``--out
    /dev/stdout --force`` must not swap a device node for a file. Nor is a file this
    command reads, ``inputs`` (what it is, and its path), even with ``force``: ``score
    in.json --out in.json --force`` replaced the answers with their report.
    """
    if is_devnull(path):
        return  # written to as it is, never replaced
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputExistsError(f"{path}: not a regular file; refusing to replace it")
    for what, source in inputs:
        if _same_file(path, source):
            raise ParoleScreenError(f"{path}: is {what}; write it elsewhere",
                                    kind="output_is_input")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists; use --force to replace it")
    if not path.parent.is_dir():
        raise ParoleScreenError(f"{path}: the folder {path.parent} does not exist",
                                kind="no_folder")


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samestat(one.stat(), other.stat())
    except (OSError, ValueError):  # one of them is not there (or not a path): not the same
        return False


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a 0600 temporary file in the same folder (made,
    with any missing folders above it, private: 0700)."""
    try:
        make_private_folders(path.parent if str(path.parent) else Path())
    except OSError as error:
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}", kind="unwritable"
                                ) from None
    with atomic_file(path) as handle:
        handle.write(data)


def make_private_folders(folder: Path) -> None:
    """Make ``folder`` and every missing folder above it with mode 0700, whatever the
    umask: ``mkdir(mode=0o700, parents=True)`` gives only the last one that mode, and under
    ``umask 000`` the others (``~/.local``, ``~/.local/share``) came out 0777. Folders
    already there are left as they are. Raises OSError."""
    missing: list[Path] = []
    current = folder
    while not current.is_dir() and current != current.parent:
        missing.append(current)
        current = current.parent
    for each in reversed(missing):
        try:
            each.mkdir(mode=0o700)
        except FileExistsError:
            if not each.is_dir():
                raise
        else:
            # mkdir's mode passes through the umask; a umask never widens 0700, but a
            # filesystem's default ACL may: say it once more.
            each.chmod(0o700)


def home_folder() -> Path | None:
    """The user's home folder: ``$HOME`` when it is an absolute path, else the account's
    (from the password database), else None. ``HOME=''`` made ``Path.home()`` answer
    ``/``, and saved interviews went to ``/.local/share``."""
    home = os.environ.get("HOME", "")
    if home and Path(home).is_absolute():
        return Path(home)
    try:
        import pwd

        found = pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, AttributeError):  # no such account, or no pwd at all
        return None
    return Path(found) if found and Path(found).is_absolute() and found != "/" else None


@contextlib.contextmanager
def atomic_file(path: Path, *, keep_existing: bool = False,
                buffering: int = -1) -> Iterator[IO[bytes]]:
    """Stream into a 0600 temporary file beside ``path``; replace ``path`` with it only when
    the block ends without an error (on any error, or Ctrl-C, the temporary file is removed
    and ``path`` is left as it was).

    With ``keep_existing``, a ``path`` that appeared meanwhile is not replaced.

    The temporary file is locked (``flock``) while it is written: one left by a writer
    that was killed (``kill -9``, the OOM killer: nothing of ours runs then) is no longer
    locked, and the next write of ``path`` removes it (:func:`remove_stale_temps`). A
    killed ``batch -o`` left up to 785 MB of rows, answers in them, hidden beside the output.
    """
    remove_stale_temps(path)
    try:  # mkstemp makes the file 0600 whatever the umask
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                    dir=path.parent if str(path.parent) else Path())
    except OSError as error:
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}", kind="unwritable"
                                ) from None
    _locked(fd)
    try:
        with os.fdopen(fd, "wb", buffering=buffering) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if keep_existing and path.exists():
            raise OutputExistsError(f"{path}: appeared while the batch ran; use --force to "
                                    "replace it")
        Path(temp).replace(path)
    except OSError as error:
        _discard(temp)
        raise ParoleScreenError(f"{path}: cannot write: {error.strerror}", kind="unwritable"
                                ) from None
    except BaseException:
        _discard(temp)
        raise


@contextlib.contextmanager
def private_output(path: Path, *, force: bool = False) -> Iterator[IO[bytes]]:
    """:func:`atomic_file` for a batch's ``-o``: refuses an existing ``path`` unless
    ``force``, and a symlink, device or FIFO ever."""
    # Not check_output_path: batch's --out keeps its own messages (a hint to redirect
    # stdout instead). What --force could never replace is said first, so it is not
    # suggested in vain. The null device is written to as it is: a dry run.
    if is_devnull(path):
        with Path(os.devnull).open("wb", buffering=1024 * 1024) as sink:
            yield sink
        return
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ParoleScreenError(f"{path}: not a regular file; write to stdout and redirect "
                                "instead", kind="output_exists")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists; use --force to replace it")
    with atomic_file(path, keep_existing=not force, buffering=1024 * 1024) as handle:
        yield handle


#: How old (by its last change) a temporary file must be before it is taken for stale: a
#: writer locks its file at once, but not in the same instant it makes it.
_STALE_AFTER = 2.0


def remove_stale_temps(path: Path) -> int:
    """Remove the temporary files a killed writer of ``path`` left beside it; how many.

    Only ours: named as :func:`atomic_file` names them (``.NAME.XXXXXXXX.tmp``), regular
    files of this user, not changed in the last two seconds and not locked, so that no
    writer is still at work on them. Best effort: a file that cannot be looked at is left.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock tells a live writer apart
        return 0
    folder = path.parent if str(path.parent) else Path()
    ours = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    removed = 0
    with contextlib.suppress(OSError):
        for entry in folder.glob(glob.escape(f".{path.name}.") + "*.tmp"):
            if ours.fullmatch(entry.name) and _remove_if_stale(entry, fcntl):
                removed += 1
    return removed


def _remove_if_stale(entry: Path, fcntl: Any) -> bool:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(entry, flags)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid()
                or info.st_mtime > time.time() - _STALE_AFTER):
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError: a live writer holds it
        if not os.path.samestat(info, entry.stat()):
            return False
        entry.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _locked(fd: int) -> None:
    """Lock a temporary file for as long as it is open (see :func:`atomic_file`)."""
    with contextlib.suppress(ImportError, OSError):
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _discard(temp: str) -> None:
    with contextlib.suppress(OSError):
        Path(temp).unlink()
