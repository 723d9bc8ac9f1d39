"""JSON as bytes, the one place orjson is imported: compact documents with sorted keys, and
a fast parser for untrusted input. Where orjson is missing (a source checkout without it)
or unsafe, the stdlib's json does the same work, more slowly."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

orjson: Any
try:  # orjson is a dependency; the fallback keeps a source checkout without it working.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is missing
    orjson = None


def usable_orjson(module: Any) -> Any:
    """``module`` (orjson), or None where it is older than 3.9.15: those versions crash the
    process on deeply nested JSON (CVE-2024-27454). The dependency asks for a newer one, but
    an environment may keep an old one."""
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", str(getattr(module, "__version__", "")))
    return module if found and tuple(map(int, found.groups())) >= (3, 9, 15) else None


#: orjson's parser where it is safe on any input, else None (then json parses). It raises a
#: ValueError (orjson.JSONDecodeError is one) or RecursionError on what it refuses, and
#: reads an integer past 64 bits as a float where json keeps it exact.
fast_loads: Callable[[bytes | str], Any] | None = (
    orjson.loads if usable_orjson(orjson) is not None else None)


def _dumps_stdlib(value: Any, newline: bool = False) -> bytes:
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=False)
    return (data + "\n" if newline else data).encode("utf-8", "backslashreplace")


dumps_plain: Callable[[Any], bytes]

if orjson is not None:
    _SORTED = orjson.OPT_SORT_KEYS
    _SORTED_LINE = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

    def dumps(value: Any, newline: bool = False) -> bytes:
        """Compact JSON with sorted keys, as bytes (and a newline, without a copy)."""
        try:
            data: bytes = orjson.dumps(value, option=_SORTED_LINE if newline else _SORTED)
            return data
        except TypeError:  # an integer past 64 bits, or a lone surrogate from the input
            return _dumps_stdlib(value, newline)

    # Text, null and lists of text: nothing to sort, no integer past 64 bits.
    dumps_plain = orjson.dumps
else:  # pragma: no cover
    dumps = dumps_plain = _dumps_stdlib


class HugeNumber(float):
    """A JSON integer with more digits than Python converts (4,300 by default), read as an
    infinity of its sign: every check of an answer or an id refuses it and names the field,
    where converting it raised a ValueError that ended a whole batch."""


def _parse_int(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:  # past sys.get_int_max_str_digits()
        return HugeNumber("-inf" if text.startswith("-") else "inf")


_TOLERANT = json.JSONDecoder(parse_int=_parse_int)
_PLAIN = json.JSONDecoder()


def loads_text(text: str | bytes) -> Any:
    """``json.loads`` for untrusted text, with the stdlib's errors (JSONDecodeError,
    RecursionError) but one: an integer too long to convert is a :class:`HugeNumber`.

    Only a document that holds such a number is parsed a second time, by a decoder that
    converts integers in Python: the usual one pays nothing.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return _TOLERANT.decode(text)


def json_problem(message: str, where: str) -> str:
    """One line for invalid JSON: ``invalid JSON at <where>: <message>``.

    The stdlib ends some messages naming a place it leaves to its own suffix ("Unterminated
    string starting at", "Invalid control character at"); those read ``invalid JSON:
    <message> <where>`` instead, or the line would end on a dangling "at".
    """
    if message.endswith(" at"):
        return f"invalid JSON: {message} {where}"
    return f"invalid JSON at {where}: {message}"


def raw_decode(text: str, start: int = 0) -> tuple[Any, int]:
    """``json.JSONDecoder().raw_decode`` with :func:`loads_text`'s tolerance of long
    integers."""
    try:
        return _PLAIN.raw_decode(text, start)
    except json.JSONDecodeError:
        raise
    except ValueError:
        return _TOLERANT.raw_decode(text, start)


def whole_number_text(number: int) -> str | None:
    """``str(number)``, or None for an integer with more digits than Python converts."""
    try:
        return str(number)
    except ValueError:
        return None


def loads(data: bytes) -> Any:
    """Parse JSON bytes."""
    if fast_loads is not None:
        try:
            return fast_loads(data)
        except ValueError:  # an integer past 64 bits, written by _dumps_stdlib
            pass
    return loads_text(data)


def key(name: str) -> bytes:
    """``"name":``, an object member's key."""
    return dumps(name) + b":"


def members(value: Mapping[str, Any]) -> bytes:
    """``"a":1,"b":2``: an object's members, in key order, without the braces."""
    return dumps(dict(value))[1:-1]
