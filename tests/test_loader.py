"""Loading a pack: every problem reported at once, each as file:line: message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parole_screen import PackError, load_pack


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack(directory)
    return info.value.problems


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1))


def line_of_text(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_minimal_pack_loads(minimal_pack) -> None:  # type: ignore[no-untyped-def]
    assert minimal_pack.meta.id == "minimal"
    assert [c.category.id for c in minimal_pack.categories] == [
        "humanitarian", "medical", "public_benefit", "re_parole"]
    assert re.fullmatch(r"[0-9a-f]{16}", minimal_pack.content_hash)


def test_content_hash_changes_with_content(pack_dir: Path, minimal_pack) -> None:  # type: ignore[no-untyped-def]
    replace(pack_dir / "categories.yaml", "weight: 20", "weight: 25")
    assert load_pack(pack_dir).content_hash != minimal_pack.content_hash


def test_unknown_question_with_suggestion_and_line(pack_dir: Path) -> None:
    file = pack_dir / "categories.yaml"
    replace(file, "when: {q: provider, is: true}", "when: {q: providr, is: true}")
    [problem] = problems_of(pack_dir)
    line = line_of_text(file, "providr")
    assert problem.startswith(f"{file}:{line}: ")
    assert "unknown question 'providr' (did you mean 'provider'?)" in problem


def test_operator_that_does_not_fit_the_type(pack_dir: Path) -> None:
    replace(pack_dir / "categories.yaml", "when: {q: provider, is: true}",
            "when: {q: provider, gte: 3}")
    [problem] = problems_of(pack_dir)
    assert "operator 'gte' does not fit yes_no question 'provider'" in problem


def test_choice_value_that_does_not_exist(pack_dir: Path) -> None:
    replace(pack_dir / "categories.yaml", "is: life_threatening}", "is: life_threatning}")
    [problem] = problems_of(pack_dir)
    assert "'life_threatning' is not a choice of 'urgency'" in problem
    assert "did you mean 'life_threatening'" in problem


def test_yaml_one_one_surprises_are_type_errors(pack_dir: Path) -> None:
    # `is: no` reads as the boolean false in YAML 1.1; comparing a choice with it must fail,
    # and the message says what YAML did.
    file = pack_dir / "categories.yaml"
    replace(file, "is: life_threatening}", "is: no}")
    [problem] = problems_of(pack_dir)
    assert problem == (f"{file}:{line_of_text(file, 'is: no}')}: rule 'medical.treatment.life' "
                       "when.is: YAML read `no` as false; quote it: 'no'")


def test_dangling_citation(pack_dir: Path) -> None:
    replace(pack_dir / "extras.yaml", "No appeal., cite: [INA]", "No appeal., cite: [IAN]")
    [problem] = problems_of(pack_dir)
    assert "cites unknown source 'IAN' (did you mean 'INA'?)" in problem


def test_cycle_in_asked_when(pack_dir: Path) -> None:
    replace(pack_dir / "questions.yaml", "    text: Where are they?\n",
            "    text: Where are they?\n    asked_when: {q: paroled, is: true}\n")
    problems = problems_of(pack_dir)
    assert any("asked_when forms a cycle: location -> paroled -> location" in p for p in problems)


def test_question_depending_on_a_later_one_is_unreachable(pack_dir: Path) -> None:
    replace(pack_dir / "questions.yaml", "    text: Months?\n",
            "    text: Months?\n    asked_when: {q: note, answered: true}\n")
    [problem] = problems_of(pack_dir)
    assert "question 'months' is unreachable: its asked_when reads 'note', which is asked later" \
        in problem


def test_duplicate_ids(pack_dir: Path) -> None:
    replace(pack_dir / "questions.yaml", "  - id: note\n", "  - id: months\n")
    problems = problems_of(pack_dir)
    assert any("duplicate question id 'months'" in p and "first defined at" in p
               for p in problems)


def test_unknown_key_is_refused_with_a_suggestion(pack_dir: Path) -> None:
    file = pack_dir / "categories.yaml"
    replace(file, "        requires:\n", "        requries:\n")
    [problem] = problems_of(pack_dir)
    assert problem.startswith(f"{file}:")
    assert "requries: unknown key (did you mean 'requires'?)" in problem


def test_an_entry_that_is_not_a_mapping_is_refused(pack_dir: Path) -> None:
    file = pack_dir / "questions.yaml"
    file.write_text(file.read_text() + "  - just a word\n")
    [problem] = problems_of(pack_dir)
    assert problem.startswith(f"{file}:")
    assert problem.endswith(": Input should be a mapping of keys and values")


def test_missing_category_is_reported(pack_dir: Path) -> None:
    text = (pack_dir / "categories.yaml").read_text()
    cut = text.index("  - id: re_parole")
    (pack_dir / "categories.yaml").write_text(text[:cut])
    assert any("category 're_parole' is not defined" in p for p in problems_of(pack_dir))


def test_all_cross_check_problems_are_reported_together(pack_dir: Path) -> None:
    replace(pack_dir / "categories.yaml", "{q: provider, is: true}", "{q: providr, is: true}")
    replace(pack_dir / "extras.yaml", "No appeal., cite: [INA]", "No appeal., cite: [X]")
    replace(pack_dir / "questions.yaml", "  - id: note\n", "  - id: months\n")
    problems = problems_of(pack_dir)
    assert len(problems) == 3
    assert all(re.match(r"^\S+\.yaml:\d+: ", problem) for problem in problems)


def test_all_files_with_syntax_or_schema_errors_are_reported_together(pack_dir: Path) -> None:
    (pack_dir / "broken.yaml").write_text("flags: [\n")
    (pack_dir / "typo.yaml").write_text("flgs: []\n")
    problems = problems_of(pack_dir)
    assert [Path(p.split(":")[0]).name for p in problems] == ["broken.yaml", "typo.yaml"]


@pytest.mark.parametrize("text, words", [
    ("sources: !!python/object/apply:os.system ['echo hi']\n", "tags"),
    ("a: &x [1]\nsources: *x\n", "anchors"),
    ("sources: []\nsources: []\n", "duplicate key 'sources'"),
    ("sources: [\n", "YAML syntax error"),
])
def test_hostile_files_are_refused_in_one_line(pack_dir: Path, text: str, words: str) -> None:
    file = pack_dir / "evil.yaml"
    file.write_text(text)
    [problem] = problems_of(pack_dir)
    assert problem.startswith(f"{file}:") and words in problem
    assert "\n" not in problem


def test_missing_directory_and_non_pack(tmp_path: Path) -> None:
    assert "not found" in problems_of(tmp_path / "nope")[0]
    assert "not a rule pack" in problems_of(tmp_path)[0]


def test_fee_must_name_a_usd_fee_fact(pack_dir: Path) -> None:
    replace(pack_dir / "extras.yaml", "fact: parole_fee", "fact: hold_list")
    [problem] = problems_of(pack_dir)
    assert "which is not a fee in usd" in problem


def test_facts_must_be_in_date_order(pack_dir: Path) -> None:
    replace(pack_dir / "extras.yaml", "effective_from: 2026-01-01, value: 1020",
            "effective_from: 2025-01-01, value: 1020")
    [problem] = problems_of(pack_dir)
    assert "oldest first" in problem


def test_oversized_pack_file_is_refused_before_reading(pack_dir: Path) -> None:
    big = pack_dir / "big.yaml"
    big.write_text("# " + "x" * (1024 * 1024 + 10) + "\n")
    [problem] = problems_of(pack_dir)
    assert problem == f"{big}:1: file is larger than the 1024 KiB cap"
