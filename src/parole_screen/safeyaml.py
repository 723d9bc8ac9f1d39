"""A locked-down YAML reader for rule packs and scenario files.

Rule packs are untrusted data. On top of PyYAML's safe loader this reader refuses every
explicit tag, every anchor and alias (the "billion laughs" expansion), duplicate keys
(which safe_load silently resolves to the last value), files over a size cap and nesting
past a depth cap. Mappings come back as :class:`LocatedDict` so later checks can name the
line a problem sits on, and how YAML 1.1 booleans in them were spelled (``no``, ``on``...)
so they can name that trap too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 40
#: Numbers of more digits than Python converts to text (its default limit) are refused.
_HUGE = 10 ** 4300
_HUGE_NUMBER = "a number of more than 4,300 digits"

# The C parser is several times faster; fall back to the pure-Python one where libyaml is absent.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlRefused(Exception):
    """The document is malformed or uses a construct we refuse. Carries a 1-based line."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


_BOOL_TAG = "tag:yaml.org,2002:bool"
# YAML 1.1 reads these as booleans too; true and false are what a reader means by one.
_PLAIN_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_NO_SPELLINGS: Mapping[str, str] = MappingProxyType({})


class LocatedDict(dict[str, Any]):
    """A mapping that remembers the 1-based line it started on.

    ``spelled`` maps a key whose value YAML read as a boolean from a word other than
    true/false (``no``, ``Yes``, ``on``, ``OFF``...), or whose list of values holds one, to
    that word as written: where text was meant, a message can say what YAML did.
    """

    line: int = 0
    spelled: Mapping[str, str] = _NO_SPELLINGS


def yaml_trap(text: str) -> str:
    """The message for a word YAML 1.1 read as a boolean where text was meant."""
    value = "true" if text.lower() in ("yes", "on", "y") else "false"
    return f"YAML read `{text}` as {value}; quote it: '{text}'"


def _bool_word(node: yaml.Node) -> str | None:
    """The word of a plain scalar YAML reads as a boolean, if not true/false."""
    if (isinstance(node, yaml.ScalarNode) and node.tag == _BOOL_TAG
            and node.value not in _PLAIN_BOOLS):
        return str(node.value)
    return None


class _PackLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that builds LocatedDicts and rejects duplicate keys."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value YAML cannot build (an integer of more than 4,300 digits, a date such
        as 2026-02-30) is refused at its line, not raised as a bare ValueError."""
        line = node.start_mark.line + 1
        try:
            value = super().construct_object(node, deep=deep)
        except ValueError as error:
            if "integer string conversion" in str(error):
                raise YamlRefused(line, _HUGE_NUMBER) from None
            raise YamlRefused(line, f"cannot read the value: {error}") from None
        # A hexadecimal or binary one converts, but could then never be written out.
        if type(value) is int and not -_HUGE < value < _HUGE:
            raise YamlRefused(line, _HUGE_NUMBER)
        return value


def _construct_mapping(loader: _PackLoader, node: yaml.MappingNode) -> Iterable[LocatedDict]:
    data = LocatedDict()
    data.line = node.start_mark.line + 1
    yield data
    spelled: dict[str, str] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, bool) and _bool_word(key_node):
            raise YamlRefused(line, f"a key must be text: {yaml_trap(key_node.value)}")
        if not isinstance(key, str):
            raise YamlRefused(line, f"key {key!r} must be text; put it in quotes")
        if key in data:
            raise YamlRefused(line, f"duplicate key '{key}'")
        data[key] = loader.construct_object(value_node, deep=True)
        items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        word = next((found for item in items if (found := _bool_word(item))), None)
        if word is not None:
            spelled[key] = word
    if spelled:
        data.spelled = spelled


_PackLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _screen_events(text: str) -> None:
    """Refuse tags, anchors and aliases, and cap nesting, before anything is constructed."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(line, "aliases (*name) are not allowed in rule files")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlRefused(line, f"anchors (&{anchor}) are not allowed in rule files")
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise YamlRefused(line, f"YAML tags ({tag}) are not allowed in rule files")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlRefused(line, f"nesting deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str) -> Any:
    """Parse one YAML document under the rules above. Raises :class:`YamlRefused`."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise YamlRefused(1, f"file is larger than the {MAX_FILE_BYTES // 1024} KiB cap")
    try:
        _screen_events(text)
        documents = list(yaml.load_all(text, Loader=_PackLoader))  # a SafeLoader subclass
    except YamlRefused:
        raise
    except yaml.reader.ReaderError as error:
        raise _unreadable_character(text, error) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None and hasattr(mark, "line") else 1
        raise YamlRefused(line, f"YAML syntax error: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlRefused(1, f"YAML error: {error}") from None
    if len(documents) > 1:
        raise YamlRefused(1, "a file must hold one YAML document, not several")
    return documents[0] if documents else None


def _unreadable_character(text: str, error: yaml.reader.ReaderError) -> YamlRefused:
    """A character YAML refuses (a raw BEL, NUL or C1 control), at its own line and column:
    PyYAML's message spans two lines and counts from the start of the file."""
    position = error.position if isinstance(error.position, int) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    found = error.character
    code = found if isinstance(found, int) else ord(str(found)[:1] or "?")
    return YamlRefused(line, f"column {column}: the control character U+{code:04X} is not "
                             "allowed in a rule file; remove it")


def read_yaml(path: Path) -> Any:
    """Read and parse a YAML file, checking its size before reading it whole."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise YamlRefused(1, f"cannot read file: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise YamlRefused(1, f"file is larger than the {MAX_FILE_BYTES // 1024} KiB cap")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlRefused(1, "file is not valid UTF-8 text") from None
    except OSError as error:
        raise YamlRefused(1, f"cannot read file: {error.strerror}") from None
    return parse_yaml(text)


def line_of(data: Any, path: Sequence[str | int], default: int = 1) -> int:
    """Return the line of the deepest located mapping along ``path`` inside ``data``."""
    line = data.line if isinstance(data, LocatedDict) else default
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, LocatedDict):
            line = node.line
    return line
