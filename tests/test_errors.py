"""Error messages are one printable line whatever the input names hold."""

from __future__ import annotations

import json

import pytest

from conftest import AS_OF
from parole_screen import AnswerError, RulePack, screen_record
from parole_screen.errors import printable


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain_id", "plain_id"),
    ("Україна", "Україна"),
    ("two\nlines", "two\\nlines"),
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
    ("line\u2028sep\r", "line\\u2028sep\\r"),
    ("nul\x00", "nul\\x00"),
])
def test_printable_escapes_what_a_terminal_acts_on(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_a_newline_in_a_key_cannot_forge_a_second_error_line(minimal_pack: RulePack) -> None:
    record = {"id": "r\n1", "answers": {"x\nerror: forged": True}}
    with pytest.raises(AnswerError) as caught:
        screen_record(minimal_pack, record, AS_OF)
    message = str(caught.value)
    assert "\n" not in message
    assert "field 'x\\nerror: forged'" in message and "record r\\n1" in message
    # the key itself is kept as it was for programs (error rows are JSON)
    assert caught.value.field == "x\nerror: forged"
    assert json.loads(json.dumps(caught.value.field)) == "x\nerror: forged"
