"""Languages (issue 19): the locale files, their checks, and the language chosen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from parole_screen import load_pack
from parole_screen.i18n import (
    UI,
    check_locales,
    english_messages,
    load_texts,
    resolve_lang,
    text_hash,
)

RULES = REPO / "rules"


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_locales_pass_and_count_what_is_untranslated() -> None:
    pack = load_pack(RULES)
    report = check_locales(pack)
    assert report.errors == [] and report.warnings == []
    english = english_messages(pack)
    assert 0 < report.untranslated["es"] < len(english)
    done = run_cli("rules", "check")
    assert done.returncode == 0, done.stderr
    assert f"translations es (Spanish): {report.untranslated['es']} messages not translated" \
        in done.stdout


def test_every_ui_message_is_translated_with_the_same_placeholders() -> None:
    pack = load_pack(RULES)
    for lang in ("es", "ru"):
        texts = load_texts(pack, lang)
        for mid in UI:
            assert mid in texts.translated, (lang, mid)


def _check(pack: Path) -> tuple[int, list[str]]:
    done = run_cli("rules", "check", str(pack))
    return done.returncode, done.stderr.splitlines()


def test_missing_required_key_fails_naming_file_and_key(shipped_copy: Path) -> None:
    es = shipped_copy / "locales" / "es.yaml"
    lines = es.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  ui.progress:\n")
    es.write_text("".join(lines[:start] + lines[start + 3:]), encoding="utf-8")
    code, lines = _check(shipped_copy)
    assert code == 1
    assert lines[0].startswith(f"{es}:") and lines[0].endswith(
        "ui.progress: missing key (required in this language)")


def test_extra_key_fails(shipped_copy: Path) -> None:
    es = shipped_copy / "locales" / "es.yaml"
    _edit(es, "messages:\n", 'messages:\n  ui.no_such_thing:\n    en: "00000000"\n'
                             '    text: "algo"\n')
    code, lines = _check(shipped_copy)
    assert code == 1
    assert lines[0] == f"{es}:11: ui.no_such_thing: extra key (no English message has this id)"


def test_placeholder_lost_or_added_fails(shipped_copy: Path) -> None:
    ru = shipped_copy / "locales" / "ru.yaml"
    _edit(ru, "вопрос {number} из примерно {total}", "вопрос {number} из {count}")
    code, lines = _check(shipped_copy)
    assert code == 1
    assert len(lines) == 2 and lines[0].startswith(f"{ru}:")
    assert lines[0].endswith("ui.progress: placeholder missing {total}; added {count}")


def test_stale_translation_is_reported_not_failed(shipped_copy: Path) -> None:
    # The English changed: the translation's hash no longer matches.
    ru = shipped_copy / "locales" / "ru.yaml"
    _edit(ru, f'en: "{text_hash(UI["ui.at_start"])}"', 'en: "12345678"')
    done = run_cli("rules", "check", str(shipped_copy))
    assert done.returncode == 0
    (warning,) = [line for line in done.stderr.splitlines() if "stale" in line]
    assert warning.startswith(f"warning: {ru}:") and "ui.at_start: stale" in warning


def test_no_locale_file_falls_back_to_english(shipped_copy: Path) -> None:
    (shipped_copy / "locales" / "ru.yaml").unlink()
    pack = load_pack(shipped_copy)
    texts = load_texts(pack, "ru")
    assert not texts.complete and texts("ui.at_start") == "This is the first question."
    assert "ru" not in check_locales(pack).untranslated


@pytest.mark.parametrize(("given", "env", "expected"), [
    ("ru", {"PAROLE_SCREEN_LANG": "es", "LANG": "es_MX.UTF-8"}, "ru"),
    (None, {"PAROLE_SCREEN_LANG": "es", "LANG": "ru_RU.UTF-8"}, "es"),
    (None, {"LANG": "ru_RU.UTF-8"}, "ru"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {}, "en"),
])
def test_language_from_option_then_environment(given: str | None, env: dict[str, str],
                                                expected: str) -> None:
    assert resolve_lang(given, env) == expected
