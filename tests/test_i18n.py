"""Languages (issue 19): the locale files, their checks, and the language chosen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

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


def test_shipped_locales_pass_and_translate_every_message() -> None:
    pack = load_pack(RULES)
    report = check_locales(pack)
    assert report.errors == [] and report.warnings == []
    english = english_messages(pack)
    # Russian adds plural forms English has not (report.days.few, .many).
    assert len(english) <= report.translated["es"] < report.translated["ru"]
    done = run_cli("rules", "check")
    assert done.returncode == 0, done.stderr
    assert f"translations: es (Spanish) {report.translated['es']} messages, ru (Russian) " \
        f"{report.translated['ru']} messages" in done.stdout


def test_every_ui_message_is_translated_with_the_same_placeholders() -> None:
    pack = load_pack(RULES)
    for lang in ("es", "ru"):
        texts = load_texts(pack, lang)
        for mid in UI:
            assert mid in texts.translated, (lang, mid)


def _check(pack: Path) -> tuple[int, list[str]]:
    done = run_cli("rules", "check", str(pack))
    return done.returncode, done.stderr.splitlines()


def test_missing_key_fails_naming_folder_and_key(shipped_copy: Path) -> None:
    es = shipped_copy / "locales" / "es" / "ui.yaml"
    lines = es.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  ui.progress:\n")
    es.write_text("".join(lines[:start] + lines[start + 3:]), encoding="utf-8")
    code, lines = _check(shipped_copy)
    assert code == 1
    assert lines == [f"{es.parent}: ui.progress: missing key (`parole-screen rules translate "
                     "es` lists what to translate)", "1 problem found"]
    listed = run_cli("rules", "translate", "es", str(shipped_copy)).stdout
    assert listed.splitlines()[2:] == ["  ui.progress:", "    # en: question {number} of about "
                                       "{total}", f'    en: "{text_hash(UI["ui.progress"])}"',
                                       '    text: ""']


def test_extra_key_fails(shipped_copy: Path) -> None:
    es = shipped_copy / "locales" / "es" / "ui.yaml"
    _edit(es, "messages:\n", 'messages:\n  ui.no_such_thing:\n    en: "00000000"\n'
                             '    text: "algo"\n')
    code, lines = _check(shipped_copy)
    assert code == 1
    assert lines[0] == f"{es}:7: ui.no_such_thing: extra key (no English message has this id)"


def test_placeholder_lost_or_added_fails(shipped_copy: Path) -> None:
    ru = shipped_copy / "locales" / "ru" / "ui.yaml"
    _edit(ru, "вопрос {number} из примерно {total}", "вопрос {number} из {count}")
    code, lines = _check(shipped_copy)
    assert code == 1
    assert len(lines) == 2 and lines[0].startswith(f"{ru}:")
    assert lines[0].endswith("ui.progress: placeholder missing {total}; added {count}")


def test_stale_translation_is_reported_not_failed(shipped_copy: Path) -> None:
    # The English changed: the translation's hash no longer matches.
    ru = shipped_copy / "locales" / "ru" / "ui.yaml"
    _edit(ru, f'en: "{text_hash(UI["ui.at_start"])}"', 'en: "12345678"')
    done = run_cli("rules", "check", str(shipped_copy))
    assert done.returncode == 0
    (warning,) = [line for line in done.stderr.splitlines() if "stale" in line]
    assert warning.startswith(f"warning: {ru}:") and "ui.at_start: stale" in warning


def test_no_locale_file_falls_back_to_english(shipped_copy: Path) -> None:
    shutil.rmtree(shipped_copy / "locales" / "ru")
    pack = load_pack(shipped_copy)
    texts = load_texts(pack, "ru")
    assert not texts.complete and texts("ui.at_start") == "This is the first question."
    assert "ru" not in check_locales(pack).translated


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


# -- the interview and the report in a language ------------------------------------------

INTERVIEW_PACK = REPO / "tests" / "data" / "interview_pack"
SPANISH_LINES = ["2", "5 de enero de 2026", "1", "1", "sí", "no", "Ucrania", "6", "", "1,2",
                 "", ""]
RUSSIAN_LINES = ["2", "5 января 2026 г.", "1", "1", "да", "нет", "Украина", "6", "", "1,2",
                 "", ""]
EXPECTED = {"location": "inside_us", "arrival_date": "2026-01-05", "reason": "medical",
            "urgency": "life_threatening", "provider": True, "funded": False,
            "stay_months": 6, "documents": ["doctor_letter", "provider_letter"]}


@pytest.fixture
def translated_pack(tmp_path: Path) -> Path:
    """The interview fixture pack with the shipped locale files (its own texts untranslated:
    they fall back to English; the interview's and the report's are translated)."""
    target = tmp_path / "pack"
    shutil.copytree(INTERVIEW_PACK, target)
    shutil.copytree(RULES / "locales", target / "locales")
    return target


def _interview(pack: Path, tmp_path: Path, lines: list[str], *args: str,
               env: dict[str, str] | None = None) -> tuple[int, str, str]:
    (tmp_path / "a.json").unlink(missing_ok=True)
    done = run_cli("--rules", str(pack), "interview", "--as-of", "2026-02-01",
                   "--session", str(tmp_path / "s.json"), *args,
                   input="".join(f"{line}\n" for line in lines),
                   env={"PAROLE_SCREEN_LANG": "", "LANG": "C.UTF-8", **(env or {})})
    return done.returncode, done.stdout, done.stderr


def _saved(tmp_path: Path) -> dict[str, object]:
    saved = json.loads((tmp_path / "a.json").read_text())
    return saved.get("answers", saved)  # type: ignore[no-any-return]


def test_spanish_interview_reads_si_ucrania_and_spanish_dates(translated_pack: Path,
                                                           tmp_path: Path) -> None:
    code, _, err = _interview(translated_pack, tmp_path, SPANISH_LINES, "--lang", "es",
                              "-f", "json", "--save-answers", str(tmp_path / "a.json"))
    assert code == 0, err
    assert _saved(tmp_path) == {**EXPECTED, "nationality": "UA"}
    assert "pregunta 1 de unas" in err
    assert "Escriba s para sí o n para no, o «no sé»." in err
    assert "Se entendió: lunes, 5 de enero de 2026." in err
    assert "Revise sus respuestas" in err
    assert "Escriba ? para ver ayuda" in err


def test_russian_interview_reads_da_ukraine_and_russian_dates(translated_pack: Path,
                                                            tmp_path: Path) -> None:
    code, _, err = _interview(translated_pack, tmp_path, RUSSIAN_LINES, "--lang", "ru",
                              "-f", "json", "--save-answers", str(tmp_path / "a.json"))
    assert code == 0, err
    assert _saved(tmp_path) == {**EXPECTED, "nationality": "UA"}
    assert "вопрос 1 из примерно" in err and "Проверьте свои ответы" in err


def test_report_language_apart_from_the_interview(translated_pack: Path,
                                                  tmp_path: Path) -> None:
    code, out, err = _interview(translated_pack, tmp_path, SPANISH_LINES, "--lang", "es",
                                "--report-lang", "en", "-f", "md")
    assert code == 0, err
    assert "pregunta 1 de unas" in err
    assert out.startswith("# Immigration parole screening report")
    code, out, err = _interview(translated_pack, tmp_path, SPANISH_LINES, "--lang", "es",
                                "-f", "md")
    assert code == 0, err
    assert out.startswith("# Informe de evaluación preliminar de parole de inmigración")


def test_the_session_keeps_its_language(translated_pack: Path, tmp_path: Path) -> None:
    code, _, err = _interview(translated_pack, tmp_path, ["2", "выход"], "--lang", "ru",
                              "--keep-session")
    assert code == 0, err
    assert "Интервью остановлено." in err
    session = json.loads((tmp_path / "s.json").read_text())
    assert session["lang"] == "ru" and session["answers"] == {"location": "inside_us"}
    # Resumed with no --lang (and English in the environment): still Russian.
    code, _, err = _interview(translated_pack, tmp_path, RUSSIAN_LINES[1:], "--resume",
                              "-f", "json", "--save-answers", str(tmp_path / "a.json"),
                              env={"LANG": "en_US.UTF-8"})
    assert code == 0, err
    assert "Продолжаем сохранённое интервью. Ответов уже дано: 1." in err
    assert _saved(tmp_path)["nationality"] == "UA"


def test_language_from_the_environment(translated_pack: Path, tmp_path: Path) -> None:
    code, _, err = _interview(translated_pack, tmp_path, SPANISH_LINES, "-f", "json",
                              env={"LANG": "es_MX.UTF-8"})
    assert code == 0, err
    assert "pregunta 1 de unas" in err


EXAMPLE = REPO / "examples" / "family_dying_parent_strong.json"


def _shape(value: Any) -> Any:
    """A result with every text blanked: its keys, ids, values, dates and numbers."""
    if isinstance(value, dict):
        return {key: "<text>" if key in TEXT_KEYS and isinstance(item, str) else _shape(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return value


#: The keys of a result whose strings are texts a person reads (they follow the language).
TEXT_KEYS = {"text", "label", "note", "exception", "disclaimer"}


def test_json_keeps_keys_ids_and_values_and_translates_only_texts() -> None:
    outputs = {lang: run_cli("score", str(EXAMPLE), "--as-of", "2026-12-01", "-f", "json",
                             "--lang", lang) for lang in ("en", "es", "ru")}
    assert all(done.returncode == 0 for done in outputs.values())
    results = {lang: json.loads(done.stdout) for lang, done in outputs.items()}
    for lang in ("es", "ru"):
        result = results[lang]
        assert result["rule_pack"].pop("lang") == lang
        assert len(result.pop("always")) == len(results["en"]["always"])
        english = {key: value for key, value in results["en"].items() if key != "always"}
        assert _shape(result) == _shape(english)
        assert result["disclaimer"] != results["en"]["disclaimer"]
        reasons = [r["categories"]["humanitarian"]["reasons"][0]["text"]
                   for r in (result, results["en"])]
        assert reasons[0] != reasons[1]
    assert "lang" not in results["en"]["rule_pack"]


@pytest.mark.parametrize(("lang", "heading", "disclaimer"), [
    ("es", "<h2>Qué significa esto</h2>", "Esta es una evaluación preliminar, no asesoría"),
    ("ru", "<h2>Что это значит</h2>", "Это предварительная проверка, а не юридическая"),
    ("en", "<h2>What this means</h2>", "This is a screening, not legal advice."),
])
def test_report_headings_disclaimer_and_html_lang(lang: str, heading: str,
                                                  disclaimer: str) -> None:
    done = run_cli("score", str(EXAMPLE), "--as-of", "2026-12-01", "-f", "html",
                   "--lang", lang)
    assert done.returncode == 0, done.stderr
    assert f'<html lang="{lang}">' in done.stdout
    assert heading in done.stdout and disclaimer in done.stdout


def test_questions_in_a_language_keep_ids_and_values() -> None:
    english = json.loads(run_cli("--rules", str(INTERVIEW_PACK), "questions", "-f",
                                 "json").stdout)
    spanish = json.loads(run_cli("questions", "-f", "json", "--lang", "es").stdout)
    shipped = json.loads(run_cli("questions", "-f", "json", "--lang", "en").stdout)
    assert english and [q["id"] for q in spanish] == [q["id"] for q in shipped]
    assert [[c["value"] for c in q.get("choices", [])] for q in spanish] == [
        [c["value"] for c in q.get("choices", [])] for q in shipped]


@pytest.mark.parametrize(("lang", "typed", "code"), [
    ("es", "México", "MX"), ("es", "mexico", "MX"), ("es", "Estados Unidos", "US"),
    ("ru", "Украина", "UA"), ("ru", "украина", "UA"), ("ru", "Мексика", "MX"),
    ("en", "Ukraine", "UA"), ("ru", "Ukraine", "UA"),
])
def test_country_names_in_the_language(lang: str, typed: str, code: str) -> None:
    from parole_screen.answer_text import parse_country

    assert parse_country(load_pack(RULES).countries, typed, lang) == code


@pytest.mark.parametrize(("lang", "typed", "value"), [
    ("es", "sí", True), ("es", "Si", True), ("es", "s", True), ("es", "no", False),
    ("ru", "да", True), ("ru", "Нет", False), ("ru", "д", True), ("ru", "yes", True),
    # The full words work in every language (a Spanish speaker typed "si" in English); the
    # one-letter ones only in their own.
    ("en", "да", True), ("en", "si", True), ("en", "нет", False), ("en", "д", None),
    ("en", "s", None), ("en", "y", True),
])
def test_yes_and_no_in_the_language(lang: str, typed: str, value: bool | None) -> None:
    from parole_screen.answer_text import yes_no_word

    assert yes_no_word(typed, lang) is value


@pytest.mark.parametrize(("lang", "typed", "iso"), [
    ("es", "15 de enero de 2027", "2027-01-15"), ("es", "15 ene 2027", "2027-01-15"),
    ("es", "viernes, 15 de enero de 2027", "2027-01-15"),
    ("ru", "15 января 2027", "2027-01-15"), ("ru", "15 января 2027 г.", "2027-01-15"),
    ("ru", "пятница, 15 января 2027 г.", "2027-01-15"), ("ru", "3 сентября 2027", "2027-09-03"),
    ("ru", "15 January 2027", "2027-01-15"),
])
def test_month_names_in_the_language(lang: str, typed: str, iso: str) -> None:
    from parole_screen.answer_text import parse_date_text

    assert parse_date_text(typed, lang).date.isoformat() == iso
