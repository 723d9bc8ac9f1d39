"""The locked-down YAML reader refuses what safe_load would accept or choke on."""

from __future__ import annotations

from pathlib import Path

import pytest

from parole_screen.safeyaml import MAX_DEPTH, MAX_FILE_BYTES, LocatedDict, YamlRefused, parse_yaml


def refused(text: str) -> YamlRefused:
    with pytest.raises(YamlRefused) as info:
        parse_yaml(text)
    return info.value


def test_mappings_remember_their_line() -> None:
    data = parse_yaml("a: 1\nb:\n  c: 2\n")
    assert isinstance(data, LocatedDict)
    assert data.line == 1
    assert data["b"].line == 3
    assert data == {"a": 1, "b": {"c": 2}}


def test_python_tags_are_refused_before_anything_is_built(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    error = refused(f"a: !!python/object/apply:os.system ['touch {marker}']\n")
    assert "tags" in error.message and error.line == 1
    assert not marker.exists()


def test_any_explicit_tag_is_refused() -> None:
    assert "tags" in refused("a: !!str 5\n").message
    assert "tags" in refused("a: !custom x\n").message


def test_alias_bomb_is_refused_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        prev = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    error = refused("\n".join(lines))
    assert "anchors" in error.message and error.line == 1


def test_duplicate_keys_are_refused_with_their_line() -> None:
    error = refused("weight: 5\nname: x\nweight: -5\n")
    assert error.message == "duplicate key 'weight'"
    assert error.line == 3


def test_syntax_errors_name_the_line() -> None:
    error = refused("a: 1\nb: [1, 2\nc: 3\n")
    assert error.message.startswith("YAML syntax error")
    assert error.line >= 2


def test_nesting_past_the_cap_is_refused() -> None:
    text = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert "nesting deeper" in refused(text).message


def test_very_deep_nesting_never_raises_recursion_error() -> None:
    text = "[" * 20000 + "]" * 20000
    with pytest.raises(YamlRefused):
        parse_yaml(text)


def test_files_over_the_size_cap_are_refused() -> None:
    text = "a: '" + "x" * MAX_FILE_BYTES + "'\n"
    assert "cap" in refused(text).message


def test_non_text_keys_are_refused() -> None:
    assert "must be text" in refused("no: 1\n").message


def test_several_documents_are_refused() -> None:
    assert "one YAML document" in refused("a: 1\n---\nb: 2\n").message
