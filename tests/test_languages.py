"""Spanish and Russian end to end (issue 19): the interview on a real terminal from its first
line to the report, with no English but official names; the printed PDF in Cyrillic; batch
rows and the catalogue in a language; every pack text translated."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pexpect
import pytest

from parole_screen import (
    ParoleScreenError,
    check_locales,
    glossary,
    load_pack,
    load_texts,
    pack_in,
    render,
    screen_record,
)
from parole_screen.answer_text import InvalidAnswer, country_names, parse_answer, parse_date_text
from parole_screen.i18n import english_messages
from parole_screen.models import Question
from parole_screen.pack import RulePack
from test_interview_pty import AS_OF, MEDICAL_PLAN, REPO, cli, default_answer, environment

#: Words only English has among these texts: one of them outside a parenthesis (where an
#: official English name stands beside its translation), a URL or a command is English
#: left untranslated.
ENGLISH_WORDS = frozenset({
    "the", "and", "you", "your", "please", "type", "question", "questions", "answer",
    "answers", "they", "their", "this", "that", "with", "what", "which", "would", "should",
    "have", "has", "must", "from", "before", "after", "report", "fee", "fees", "lawyer",
    "help", "here", "there", "when", "will", "not", "is", "are", "of", "to", "or",
})
_PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # (official names), [citations]

_NOT_WORDS = re.compile(r"https?://[^\s()\[\]]+|[^\s()\[\]]+\.(?:gov|com|org)[^\s()\[\]]*"
                        r"|--[a-z-]+|\S+\.(?:html|json)")


def english_left(text: str) -> list[str]:
    """The lines of ``text`` that still hold English words once parentheses and brackets
    (official names, citations: they may wrap onto the next line), links, options and file
    names are set aside."""
    bare = _NOT_WORDS.sub(" ", text.replace("\r", ""))
    while _PARENTHESES.search(bare):
        bare = _PARENTHESES.sub(" ", bare)
    return [line.strip() for line in bare.splitlines()
            if set(re.findall(r"[A-Za-z]+", line.lower())) & ENGLISH_WORDS]


def test_the_english_detector_finds_english_and_spares_official_names() -> None:
    assert english_left("Please type a number.") == ["Please type a number."]
    assert english_left("Formulario I-131 (Application for Travel Documents, Parole "
                        "Documents, and Arrival/Departure Records), https://www.uscis.gov/"
                        "i-131 --sources report.html") == []


def test_every_pack_text_and_message_is_translated_and_none_is_stale() -> None:
    pack = load_pack(REPO / "rules")
    report = check_locales(pack)
    assert report.errors == []
    assert not [w for w in report.warnings if "stale" in w]
    assert set(report.translated) == {"es", "ru"}
    for lang in ("es", "ru"):
        texts = load_texts(pack, lang)
        assert texts.complete
        assert set(english_messages(pack)) <= set(texts.translated)


# -- the interview on a terminal, in each language ----------------------------------------

YES = {"es": "sí", "ru": "да"}
NO = {"es": "no", "ru": "нет"}


def typed(pack: RulePack, question: Question, value: Any, lang: str) -> str:
    values = [choice.value for choice in question.choices]
    if question.type == "yes_no":
        return YES[lang] if value else NO[lang]
    if question.type == "choice":
        return str(values.index(value) + 1)
    if question.type == "multi_choice":
        return ",".join(str(values.index(v) + 1) for v in value)
    if question.type == "country":
        return country_names(lang)[value]  # by its name in the language: Украина, Ucrania
    return str(value)


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_interview_runs_in_the_language_from_first_line_to_report(tmp_path: Path,
                                                                   lang: str) -> None:
    pack = pack_in(load_pack(REPO / "rules"), lang)
    texts = pack.texts
    progress = re.escape(texts("ui.progress", number="N", total="M")).replace(
        "N", r"(\d+)").replace("M", r"(\d+)")
    question_line = re.compile(progress + r"\r\n([^\r\n]+)\r\n")
    review = re.escape(texts("ui.review.footer_report"))
    by_text = {entry.question.text: entry.question for entry in pack.questions}
    command = cli()
    child = pexpect.spawn(command[0], [*command[1:], "interview", "--lang", lang, "--session",
                                       str(tmp_path / "s.json"), "--as-of", AS_OF],
                          env=environment(tmp_path), cwd=str(tmp_path), encoding="utf-8",
                          timeout=30, dimensions=(200, 120))
    transcript = []
    sent: dict[str, Any] = {}
    for _ in range(80):
        index = child.expect([question_line, review])
        transcript.append(child.before + child.after)
        if index == 1:
            child.sendline("")  # the answers are right: the report
            break
        first_row = child.match.group(3).strip()  # a long question wraps: its first row
        [question] = [found for text, found in by_text.items() if text.startswith(first_row)]
        child.expect_exact("\r\n> ")
        transcript.append(child.before)
        value = MEDICAL_PLAN.get(question.id, default_answer(question))
        child.sendline(typed(pack, question, value, lang))
        sent[question.id] = value
    else:
        pytest.fail("the interview did not reach its review")
    child.expect(pexpect.EOF, timeout=60)
    transcript.append(child.before)
    child.close()
    assert child.exitstatus == 0, "".join(transcript)[-2000:]
    shown = "".join(transcript)
    assert texts("report.title") in shown and texts("report.summary") in shown
    # The sources list citations, which keep the language they were published in.
    before_sources = re.split(rf"\r?\n{re.escape(texts('report.sources'))}\r?\n", shown)[0]
    assert english_left(before_sources) == []
    assert sent["beneficiary_location"] == "outside_us" and "nationality" in sent


@pytest.mark.parametrize("lang", ["es", "ru"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_example_report_has_no_english_but_official_names(lang: str, fmt: str) -> None:
    for example in sorted((REPO / "examples").glob("*.json"))[::4]:
        done = subprocess.run([*cli(), "score", str(example), "--as-of", AS_OF, "--lang", lang,
                               "-f", fmt], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        # A source's title is a citation: it keeps the language it was published in.
        heading = texts_of(lang)("report.sources")
        body = re.split(rf"\n(?:## |<h2>)?{re.escape(heading)}(?:</h2>)?\n", done.stdout)[0]
        if fmt == "html":
            body = re.sub(r"<[^>]+>", "\n", re.sub(r"<style>.*?</style>", "", body,
                                                    flags=re.DOTALL))
        assert english_left(body) == [], example.name


def texts_of(lang: str) -> Any:
    return load_texts(load_pack(REPO / "rules"), lang)


def test_batch_rows_and_catalogue_in_a_language(tmp_path: Path) -> None:
    example = REPO / "examples" / "family_dying_parent_strong.json"
    full = subprocess.run([*cli(), "batch", str(example), "--as-of", AS_OF, "--lang", "ru",
                           "--detail", "full", "-q"], capture_output=True, text=True,
                          check=False)
    assert full.returncode == 0, full.stderr
    row = json.loads(full.stdout)
    assert row["rule_pack"]["lang"] == "ru"
    assert re.search("[а-я]", row["disclaimer"])
    compact = subprocess.run([*cli(), "batch", str(example), "--as-of", AS_OF, "--lang", "es",
                              "-q"], capture_output=True, text=True, check=False)
    catalogue = subprocess.run([*cli(), "rules", "catalog", "--lang", "es"],
                               capture_output=True, text=True, check=False)
    assert compact.returncode == 0 and catalogue.returncode == 0
    ids = json.loads(compact.stdout)["after_approval"]
    texts = json.loads(catalogue.stdout)["items"]
    assert ids and all(texts[item]["text"] != "" for item in ids)
    assert "parole" in json.loads(catalogue.stdout)["disclaimer"]
    assert json.loads(catalogue.stdout)["disclaimer"].startswith("Esta es una evaluación")


@pytest.mark.parametrize(("lang", "typed", "day", "asked_back"), [
    ("es", "05/03/2027", "2027-03-05", True),    # day first, the other order asked back
    ("ru", "05/03/2027", "2027-03-05", True),
    ("es", "15/03/2027", "2027-03-15", False),   # only day first gives a date
    ("en", "05/03/2027", "2027-05-03", True),    # the U.S. order in English, the other asked
    ("en", "15/03/2027", "2027-03-15", True),    # not month first: asked whether day first
    ("ru", "05.03.2027", "2027-03-05", True),
])
def test_dates_with_slashes_are_read_the_local_way(lang: str, typed: str, day: str,
                                                   asked_back: bool) -> None:
    reading = parse_date_text(typed, lang)
    assert (reading.date.isoformat(), reading.ask_back) == (day, asked_back)


def test_a_bad_date_is_explained_in_the_language_with_no_english() -> None:
    for lang in ("es", "ru"):
        texts = load_texts(load_pack(REPO / "rules"), lang)
        for typed in ("32/13/2027", "mañana"):
            with pytest.raises(InvalidAnswer) as raised:
                parse_date_text(typed, lang)
            said = raised.value.said(texts)
            assert english_left(said) == [] and "2027-03-31" in said, said


# -- what the code review of the language change found ------------------------------------

def test_a_translated_result_is_rendered_only_with_its_own_language() -> None:
    pack = load_pack(REPO / "rules")
    record = json.loads((REPO / "examples" / "asylum_one_year_inside.json").read_text())
    spanish = screen_record(pack_in(pack, "es"), record, dt.date(2026, 12, 1))
    with pytest.raises(ParoleScreenError, match="glossary\\(pack_in\\(pack, 'es'\\)\\)"):
        render(spanish, "text")  # English words around Spanish fees: and a wrong total
    shown = render(spanish, "text", glossary(pack_in(pack, "es")))
    assert "No se suma nada" in shown
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        pack_in(pack, "fr")
    assert pack_in(pack_in(pack, "es"), "ru") is pack_in(pack, "ru")
    assert pack_in(pack_in(pack, "ru"), "en") is pack


def test_compact_rows_name_the_same_ids_in_every_language() -> None:
    example = REPO / "examples" / "family_dying_parent_strong.json"
    rows = {}
    for lang in ("en", "es", "ru"):
        done = subprocess.run([*cli(), "batch", str(example), "--as-of", AS_OF, "--lang", lang,
                               "-q"], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        rows[lang] = json.loads(done.stdout)
        rows[lang]["rule_pack"].pop("lang", None)
    assert rows["es"] == rows["en"] == rows["ru"]


def test_the_locale_sets_what_a_person_reads_but_not_machine_output(tmp_path: Path) -> None:
    example = str(REPO / "examples" / "family_dying_parent_strong.json")
    env = {**environment(tmp_path), "LANG": "es_MX.UTF-8"}
    env.pop("PAROLE_SCREEN_LANG", None)

    def run(*args: str) -> str:
        done = subprocess.run([*cli(), *args], capture_output=True, text=True, env=env,
                              check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "Qué significa esto" in run("score", example, "--as-of", AS_OF, "-f", "text")
    assert "lang" not in json.loads(run("score", example, "--as-of", AS_OF, "-f",
                                        "json"))["rule_pack"]
    assert "lang" not in json.loads(run("batch", example, "--as-of", AS_OF, "-q"))["rule_pack"]
    env["PAROLE_SCREEN_LANG"] = "ru"  # a deliberate setting: machine output follows it
    assert json.loads(run("batch", example, "--as-of", AS_OF, "-q"))["rule_pack"]["lang"] == "ru"


def test_every_plural_form_of_the_language_is_required(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(REPO / "rules", copy)
    ui = copy / "locales" / "ru" / "ui.yaml"
    lines = ui.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  report.days.few:\n")
    ui.write_text("".join(lines[:start] + lines[start + 3:]), encoding="utf-8")
    done = subprocess.run([*cli(), "rules", "check", str(copy)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    assert f"{ui.parent}: report.days.few: missing key" in done.stderr
    todo = subprocess.run([*cli(), "rules", "translate", "ru", str(copy), "--only",
                           "report.days"], capture_output=True, text=True, check=True).stdout
    assert "  report.days.few:\n" in todo


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_answers_refused_by_the_rules_are_explained_in_the_language(lang: str) -> None:
    pack = pack_in(load_pack(REPO / "rules"), lang)  # the questions as the person sees them
    texts = pack.texts
    question = pack.question_index["program_interest"]
    none = next(choice for choice in question.choices if choice.exclusive)
    typed = f"1,{[c.value for c in question.choices].index(none.value) + 1}"
    for qid, line in (("program_interest", typed), ("date_needed_by", "15/03/1850")):
        with pytest.raises(InvalidAnswer) as raised:
            parse_answer(pack, pack.question_index[qid], line, lang)
        said = raised.value.said(texts)
        assert english_left(said) == [] and raised.value.message_id != "ui.invalid.check", said
    assert str(InvalidAnswer("A caller's own words.")) == "A caller's own words."


@pytest.mark.parametrize(("typed", "lang"), [("15 de enero", "es"), ("20 января", "ru"),
                                             ("January 15", "en")])
def test_a_date_without_its_year_is_asked_for_the_year(typed: str, lang: str) -> None:
    """"15 de enero" got the generic format message, which never said the year was missing
    (an applicant's trial)."""
    with pytest.raises(InvalidAnswer) as refused:
        parse_date_text(typed, lang)
    assert refused.value.message_id == "ui.invalid.date_no_year"
    assert parse_date_text(f"{typed} 2027", lang).date.year == 2027  # as the message says
