"""A private on-disk cache that keeps loading a rule pack (and so ``score``) fast.

Two kinds of entry, both JSON (data, never pickle: nothing read from the cache can run code):

* the parsed YAML tree of one file, keyed by the file's bytes and by the YAML reader's code,
  so that only a changed file is parsed again;
* a whole pack that passed every check, keyed by the names and bytes of all its files and by
  the source of the code that checked it. Its models are rebuilt as they were stored,
  without validation, which skips parsing, validating and most cross-checks, and with them
  importing pydantic at all (conditions are still compiled afresh).

The folder is created 0700; entries are written 0600 and atomically, and are read only when
they and their folder are owned by this user and writable by nobody else, and the entry is a
regular file. A malformed entry, or one that names anything but the model expected where it
stands, is a miss, and a miss only costs time. A well-formed entry is trusted like the user's
own files: whoever can write it can already change the user's packs and Python path.

The cache is used only when the caller asks for it (``load_pack(cache=True)``, as the CLI
does): the library writes nothing of its own accord. :func:`cache_folder` says where it
lives: ``PAROLE_SCREEN_CACHE=DIR`` moves it and ``PAROLE_SCREEN_CACHE=off`` turns it off.
Every function here takes that folder (None: no cache) and the fingerprint of the code
that checks packs from its caller, so this module imports nothing of the loader's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import os
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from . import models
from .files import home_folder, make_private_folders
from .jsonbytes import dumps_plain, loads
from .safeyaml import LocatedDict

CACHE_ENV = "PAROLE_SCREEN_CACHE"
# Bump a tag whenever what is stored under it changes shape.
_TREE_TAG = b"parole-screen parsed-yaml 3\0"
_PACK_TAG = b"parole-screen checked-pack 2\0"
_KEEP = 256  # entries; the oldest go first
_MAX_BYTES = 8 * 1024 * 1024


class CheckedPack(NamedTuple):
    """A pack's models after every check passed, before its conditions are compiled."""

    meta: Any  # models.PackMeta
    entries: dict[str, list[tuple[str, models.Model]]]  # kind -> (file name, model), in file order
    countries: dict[str, str]


class _Uncacheable(Exception):
    """A value the cache cannot represent exactly: that entry is not written."""


# -- parsed YAML, one file at a time -----------------------------------------------------------

def cached_tree(folder: Path | None, data: bytes, parse: Callable[[], Any]) -> Any:
    """``parse()`` (the YAML tree of ``data``), from the cache in ``folder`` when these bytes
    were seen there."""
    reader = _reader_fingerprint()
    if folder is None or reader is None:
        return parse()
    entry = folder / (hashlib.sha256(_TREE_TAG + reader + data).hexdigest() + ".json")
    with contextlib.suppress(Exception):  # a missing or doubtful entry is simply a miss
        return _decode_tree(loads(_read_private(entry)))
    tree = parse()
    with contextlib.suppress(_Uncacheable, OSError, TypeError, ValueError):
        _write_private(folder, entry, dumps_plain(_encode_tree(tree)))
    return tree


def _encode_tree(node: Any) -> Any:
    """A parsed tree as JSON: a mapping carries its line under "\\0" (and how YAML 1.1
    booleans in it were spelled under "\\0b"), a date is {"\\0d": iso}."""
    if isinstance(node, LocatedDict):
        out: dict[str, Any] = {"\0": node.line}
        if node.spelled:
            out["\0b"] = dict(node.spelled)
        for key, value in node.items():
            if key.startswith("\0"):
                raise _Uncacheable(key)
            out[key] = _encode_tree(value)
        return out
    if isinstance(node, list):
        return [_encode_tree(value) for value in node]
    return _encode_scalar(node)


def _decode_tree(node: Any) -> Any:
    if type(node) is dict:
        if "\0d" in node:
            return dt.date.fromisoformat(node["\0d"])
        mapping = LocatedDict()
        mapping.line = node.pop("\0")
        spelled = node.pop("\0b", None)
        if spelled:
            mapping.spelled = {str(key): str(text) for key, text in spelled.items()}
        for key, value in node.items():
            mapping[key] = _decode_tree(value)
        return mapping
    if type(node) is list:
        return [_decode_tree(value) for value in node]
    return node


# -- whole checked packs -----------------------------------------------------------------------

def pack_key(content: bytes, checkers: Iterable[Path]) -> bytes | None:
    """The cache key of a pack whose files (names and bytes) hash to ``content``, checked by
    the code in the source files ``checkers``; None when that source cannot be read (then
    no pack is cached)."""
    fingerprint = _code_fingerprint(tuple(checkers))
    if fingerprint is None:
        return None
    return hashlib.sha256(_PACK_TAG + fingerprint + content).digest()


def load_checked(folder: Path | None, key: bytes | None,
                 names: Iterable[str]) -> CheckedPack | None:
    """The checked pack stored in ``folder`` under ``key`` (a pack of the files ``names``)."""
    if folder is None or key is None:
        return None
    with contextlib.suppress(Exception):  # a missing or doubtful entry is simply a miss
        stored = loads(_read_private(folder / _pack_entry(key)))
        classes = _stored_classes()
        known = set(names)
        meta = _decode_model(stored["meta"])
        if type(meta) is not classes["meta"]:
            return None
        entries: dict[str, list[tuple[str, models.Model]]] = {}
        for kind, items in stored["entries"].items():
            expected = classes[kind]
            entries[kind] = decoded = [(name, _decode_model(model)) for name, model in items]
            if any(name not in known or type(model) is not expected
                   for name, model in decoded):
                return None
        countries = dict(stored["countries"])
        if not all(type(code) is str and type(name) is str for code, name in countries.items()):
            return None
        return CheckedPack(meta, entries, countries)
    return None


def store_checked(folder: Path | None, key: bytes | None, checked: CheckedPack) -> None:
    """Keep ``checked`` in ``folder`` under ``key``; a pack the cache cannot represent is not
    kept."""
    if folder is None or key is None:
        return
    with contextlib.suppress(_Uncacheable, OSError, TypeError, ValueError):
        payload = {
            "meta": _encode_model(checked.meta),
            "entries": {kind: [[name, _encode_model(model)] for name, model in items]
                        for kind, items in checked.entries.items()},
            "countries": list(checked.countries.items()),
        }
        _write_private(folder, folder / _pack_entry(key), dumps_plain(payload))


def _pack_entry(key: bytes) -> str:
    return "pack-" + key.hex() + ".json"


@lru_cache(maxsize=1)
def _reader_fingerprint() -> bytes | None:
    """What decides a file's parsed tree: the YAML reader's source and PyYAML's build."""
    import yaml

    from . import safeyaml

    digest = hashlib.sha256(f"{yaml.__version__} {safeyaml._BaseLoader.__name__}".encode())
    try:
        digest.update(Path(str(safeyaml.__file__)).read_bytes())
    except (OSError, TypeError):
        return None
    return digest.digest()


@lru_cache(maxsize=4)
def _code_fingerprint(checkers: tuple[Path, ...]) -> bytes | None:
    """The source of the code whose checks a cached pack passed (``checkers``, this module
    and the models), and the versions of pydantic and pydantic-core that ran them.

    A changed check (even in an editable install, where the version number stays put) must
    not be skipped for a pack that was only checked by the old code. None when the source
    cannot be read (say, from a zip archive).
    """
    reader = _reader_fingerprint()  # what a pack's files parse to is part of its checks
    # pydantic's version.py names its own version and the one pydantic-core it accepts;
    # read, not imported: a pack from the cache needs no pydantic (a fifth of start-up).
    checker = importlib.util.find_spec("pydantic")
    if reader is None or checker is None or checker.origin is None:
        return None
    digest = hashlib.sha256(reader)
    try:
        for source in (*checkers, Path(str(models.__file__)), Path(__file__),
                       Path(checker.origin).with_name("version.py")):
            digest.update(source.read_bytes())
    except (OSError, TypeError):
        return None
    return digest.digest()


@lru_cache(maxsize=1)
def _stored_classes() -> dict[str, type[models.Model]]:
    """The model that stands for ``meta`` and for each kind of entry in a checked pack."""
    return {"meta": models.PackMeta, "sources": models.Source, "questions": models.Question,
            "categories": models.Category, "flags": models.Flag, "items": models.Item,
            "facts": models.Fact, "fees": models.Fee, "deadlines": models.Deadline}


@lru_cache(maxsize=1)
def _model_classes() -> dict[str, tuple[type[models.Model], frozenset[str]]]:
    """The only classes an entry may name (the models a pack is made of, not PackFile),
    each with its fields' names."""
    return {name: (cls, frozenset(field.name for field in dataclasses.fields(cls)))
            for name, cls in vars(models).items()
            if isinstance(cls, type) and issubclass(cls, models.Model)
            and cls not in (models.Model, models.PackFile)}


def _encode_model(node: Any) -> Any:
    """Validated models as JSON that rebuilds them exactly, types included.

    A model is {"\\0m": class name, field: value...}; a tuple is
    {"\\0t": [...]}, a plain mapping {"\\0o": {...}} and a date {"\\0d": iso}.
    """
    if isinstance(node, models.Model):
        out: dict[str, Any] = {"\0m": type(node).__name__}
        for field in dataclasses.fields(node):
            out[field.name] = _encode_model(getattr(node, field.name))
        return out
    if isinstance(node, tuple):
        return {"\0t": [_encode_model(value) for value in node]}
    if isinstance(node, list):
        return [_encode_model(value) for value in node]
    if isinstance(node, dict):
        if type(node) is not dict and not isinstance(node, LocatedDict):
            raise _Uncacheable(type(node))
        return {"\0o": {str(key): _encode_model(value) for key, value in node.items()}}
    return _encode_scalar(node)


def _decode_model(node: Any) -> Any:
    if type(node) is list:
        return [value if type(value) not in _NESTED else _decode_model(value) for value in node]
    if "\0m" in node:
        cls, names = _model_classes()[node.pop("\0m")]
        if node.keys() != names:
            raise _Uncacheable(cls)  # not what this version's model holds
        for name, value in node.items():
            if type(value) in _NESTED:
                node[name] = _decode_model(value)
        return cls(**node)
    if "\0t" in node:
        return tuple([value if type(value) not in _NESTED else _decode_model(value)
                      for value in node["\0t"]])
    if "\0d" in node:
        return dt.date.fromisoformat(node["\0d"])
    return {key: value if type(value) not in _NESTED else _decode_model(value)
            for key, value in node["\0o"].items()}


_NESTED = (dict, list)


def _encode_scalar(node: Any) -> Any:
    kind = type(node)
    if kind is dt.date:
        return {"\0d": node.isoformat()}
    if kind is float and node - node != 0:  # inf and nan have no JSON form
        raise _Uncacheable(node)
    if node is None or kind in (str, bool, int, float):
        return node
    raise _Uncacheable(kind)


# -- the folder --------------------------------------------------------------------------------

def cache_folder() -> Path | None:
    """Where entries live, or None when the cache is off (or cannot be trusted here)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - ownership checks need POSIX
        return None
    setting = os.environ.get(CACHE_ENV)
    if setting is not None:
        folder = Path(setting)
        if setting.lower() in _OFF or not folder.is_absolute():
            return None  # a relative folder would follow the working directory around
        return folder
    base = os.environ.get("XDG_CACHE_HOME", "")
    if base and Path(base).is_absolute():  # a relative one is ignored, as the XDG spec says
        return Path(base) / "parole-screen"
    home = home_folder()  # an empty HOME is no home (it was "/": /.cache)
    return None if home is None else home / ".cache" / "parole-screen"


_OFF = frozenset({"", "0", "off", "no", "false", "none"})


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _read_private(entry: Path) -> bytes:
    import stat

    # O_NONBLOCK: a FIFO planted at an entry's path must not hang the load.
    fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if (not stat.S_ISREG(info.st_mode) or not _private(info)
                or not _private(entry.parent.stat()) or info.st_size > _MAX_BYTES):
            raise _Uncacheable(entry)
        return handle.read()


def _write_private(folder: Path, entry: Path, payload: bytes) -> None:
    import tempfile

    if len(payload) > _MAX_BYTES:
        raise _Uncacheable(entry)
    make_private_folders(folder)  # ~/.cache too, if it is made here: 0700 whatever the umask
    if not _private(folder.stat()):
        return
    fd, name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")  # mode 0600
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        temp.replace(entry)
    finally:
        temp.unlink(missing_ok=True)
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-_KEEP]:
        old.unlink(missing_ok=True)
    for stale in folder.glob(".*.tmp"):  # left by a writer that was killed an hour ago
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < time.time() - 3600:
                stale.unlink()
