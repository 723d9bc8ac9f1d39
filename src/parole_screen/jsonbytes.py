"""Compact JSON with sorted keys, as bytes: the one encoding of every document we write."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

orjson: Any
try:  # orjson is a dependency; the fallback keeps a source checkout without it working.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is missing
    orjson = None


def _dumps_stdlib(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=False).encode("utf-8", "backslashreplace")


def _loads_stdlib(data: bytes) -> Any:
    return json.loads(data)


dumps: Callable[[Any], bytes]
dumps_plain: Callable[[Any], bytes]
loads: Callable[[bytes], Any]

if orjson is not None:
    _SORTED = orjson.OPT_SORT_KEYS

    def dumps(value: Any) -> bytes:
        """Compact JSON with sorted keys, as bytes."""
        try:
            data: bytes = orjson.dumps(value, option=_SORTED)
            return data
        except TypeError:  # an integer past 64 bits
            return _dumps_stdlib(value)

    # Text, null and lists of text: nothing to sort, no integer past 64 bits.
    dumps_plain = orjson.dumps

    def loads(data: bytes) -> Any:
        """Parse JSON bytes."""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:  # an integer past 64 bits, written by _dumps_stdlib
            return json.loads(data)
else:  # pragma: no cover
    dumps = dumps_plain = _dumps_stdlib
    loads = _loads_stdlib


def key(name: str) -> bytes:
    """``"name":``, an object member's key."""
    return dumps(name) + b":"


def members(value: Mapping[str, Any]) -> bytes:
    """``"a":1,"b":2``: an object's members, in key order, without the braces."""
    return dumps(dict(value))[1:-1]
