"""The pack shorthand (named conditions, bases that extend others) and the YAML 1.1 trap.

The shorthand is written out before anything reads the pack, so a pack that uses it must
load to the very models its longhand does; every problem is one ``file:line: message``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import MINIMAL
from parole_screen import PackError, load_pack, screen
from parole_screen.pack import RulePack


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack(directory)
    return info.value.problems


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, count))


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def line_of_text(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def models(pack: RulePack) -> list[object]:
    """Every model of a loaded pack, for comparing two packs."""
    return [pack.meta, *pack.sources.values(), *pack.facts.values(),
            *(entry.question for entry in pack.questions),
            *(entry.category for entry in pack.categories),
            *(entry.flag for entry in pack.flags), *(entry.item for entry in pack.items),
            *(entry.fee for entry in pack.fees), *(entry.deadline for entry in pack.deadlines)]


# -- named conditions ---------------------------------------------------------------------------

DEFINITIONS = """
    # Conditions the pack names once.
    definitions:
      - {id: urgent_need, when: {q: urgency, in: [life_threatening, serious]}}
      - {id: life_threatening, when: {q: urgency, is: life_threatening}}
      - id: medical_and_urgent
        when:
          all:
            - {q: reason, is: medical}
            - {use: urgent_need}
"""


def test_a_used_definition_loads_as_its_longhand(pack_dir: Path,
                                                 minimal_pack: RulePack) -> None:
    write(pack_dir / "definitions.yaml", DEFINITIONS)
    categories = pack_dir / "categories.yaml"
    replace(categories, "when: {q: urgency, in: [life_threatening, serious]}",
            "when: {use: urgent_need}")
    replace(categories, "when: {q: urgency, is: life_threatening}",
            "when: {use: life_threatening}")
    replace(categories, "unless: {q: urgency, is: life_threatening}",
            "unless: {not: {not: {use: life_threatening}}}")
    replace(pack_dir / "extras.yaml", "exception_when: {q: urgency, is: life_threatening}",
            "exception_when: {any: [{use: medical_and_urgent}]}")
    pack = load_pack(pack_dir)
    [medical] = [c.category for c in pack.categories if c.category.id == "medical"]
    [expected] = [c.category for c in minimal_pack.categories if c.category.id == "medical"]
    basis = medical.bases[0]
    assert basis.requires == expected.bases[0].requires
    assert basis.strengthens == expected.bases[0].strengthens
    assert basis.weakens[0].unless == {"not": {"not": {"q": "urgency",
                                                       "is": "life_threatening"}}}
    [fee] = [entry.fee for entry in pack.fees]
    assert fee.exception_when == {"any": [{"all": [
        {"q": "reason", "is": "medical"},
        {"q": "urgency", "in": ["life_threatening", "serious"]}]}]}


def test_a_definition_may_sit_in_any_file_and_be_used_in_any(pack_dir: Path,
                                                             minimal_pack: RulePack) -> None:
    replace(pack_dir / "extras.yaml", "flags:\n",
            "definitions:\n  - {id: outside, when: {q: location, is: outside_us}}\nflags:\n")
    replace(pack_dir / "questions.yaml", "asked_when: {q: paroled, is: true}",
            "asked_when: {use: paroled}")
    write(pack_dir / "more.yaml", """
        definitions:
          - {id: paroled, when: {q: paroled, is: true}}
        items:
          - {id: i131_again, kind: form, text: Again., cite: [INA], when: {use: outside}}
        """)
    pack = load_pack(pack_dir)
    assert pack.question_index["expires_on"] == minimal_pack.question_index["expires_on"]
    assert [entry.item.when for entry in pack.items if entry.item.id == "i131_again"] == [
        {"q": "location", "is": "outside_us"}]


def test_an_unknown_name_is_refused_where_it_is_used(pack_dir: Path) -> None:
    write(pack_dir / "definitions.yaml", DEFINITIONS)
    categories = pack_dir / "categories.yaml"
    replace(categories, "when: {q: urgency, in: [life_threatening, serious]}",
            "when: {use: urgnt_need}")
    replace(categories, "when: {q: urgency, is: life_threatening}",
            "when: {use: life_threatening}")
    replace(pack_dir / "extras.yaml", "exception_when: {q: urgency, is: life_threatening}",
            "exception_when: {use: medical_and_urgent}")
    line = line_of_text(categories, "urgnt_need")
    assert problems_of(pack_dir) == [
        f"{categories}:{line}: unknown definition 'urgnt_need' (did you mean 'urgent_need'?)"]


def test_a_cycle_is_one_problem_at_the_definition(pack_dir: Path) -> None:
    definitions = write(pack_dir / "definitions.yaml", """
        definitions:
          - {id: first, when: {all: [{q: reason, is: medical}, {use: second}]}}
          - {id: second, when: {not: {use: first}}}
        """)
    replace(pack_dir / "extras.yaml", "when: {q: location, is: outside_us}}",
            "when: {use: first}}")
    assert problems_of(pack_dir) == [
        f"{definitions}:2: definition uses itself: first -> second -> first"]


def test_an_unused_definition_is_refused(pack_dir: Path) -> None:
    definitions = write(pack_dir / "definitions.yaml", """
        definitions:
          - {id: used, when: {q: reason, is: medical}}
          - {id: spare, when: {q: reason, is: family}}
          - {id: only_in_spare, when: {q: reason, is: other}}
          - {id: spare_too, when: {any: [{use: only_in_spare}]}}
        """)
    replace(pack_dir / "extras.yaml", "when: {q: location, is: outside_us}}",
            "when: {use: used}}")
    assert problems_of(pack_dir) == [
        f"{definitions}:3: definition 'spare' is not used; use it ({{use: spare}}) or remove it",
        f"{definitions}:4: definition 'only_in_spare' is not used; use it "
        "({use: only_in_spare}) or remove it",
        f"{definitions}:5: definition 'spare_too' is not used; use it ({{use: spare_too}}) "
        "or remove it"]


def test_a_broken_definition_is_reported_once_however_often_it_is_used(pack_dir: Path) -> None:
    definitions = write(pack_dir / "definitions.yaml", """
        definitions:
          - id: urgent_need
            when: {q: urgncy, in: [life_threatening, serious]}
        """)
    categories = pack_dir / "categories.yaml"
    replace(categories, "when: {q: urgency, in: [life_threatening, serious]}",
            "when: {use: urgent_need}")
    replace(categories, "when: {q: urgency, is: life_threatening}", "when: {use: urgent_need}")
    replace(pack_dir / "extras.yaml", "exception_when: {q: urgency, is: life_threatening}",
            "exception_when: {not: {use: urgent_need}}")
    assert problems_of(pack_dir) == [
        f"{definitions}:3: definition 'urgent_need' when.q: unknown question 'urgncy' "
        "(did you mean 'urgency'?)"]


def test_use_stands_alone(pack_dir: Path) -> None:
    write(pack_dir / "definitions.yaml", """
        definitions:
          - {id: outside, when: {q: location, is: outside_us}}
        """)
    extras = pack_dir / "extras.yaml"
    replace(extras, "when: {q: location, is: outside_us}}",
            "when: {use: outside, q: reason, is: medical}}")
    line = line_of_text(extras, "use: outside")
    assert problems_of(pack_dir) == [
        f"{extras}:{line}: 'use' stands alone, found it beside is, q; combine conditions "
        "with 'all' or 'any'"]


def test_a_definition_defined_twice(pack_dir: Path) -> None:
    definitions = write(pack_dir / "definitions.yaml", """
        definitions:
          - {id: outside, when: {q: location, is: outside_us}}
        """)
    extras = pack_dir / "extras.yaml"
    replace(extras, "flags:\n", "definitions:\n  - {id: outside, when: {q: reason, is: other}}"
                                "\nflags:\n")
    replace(extras, "when: {q: location, is: outside_us}}", "when: {use: outside}}")
    assert problems_of(pack_dir) == [
        f"{extras}:2: duplicate definition id 'outside' (first defined at {definitions}:2)"]


def test_malformed_definitions(pack_dir: Path) -> None:
    definitions = write(pack_dir / "definitions.yaml", """
        definitions:
          - {id: outside, when: {q: location, is: outside_us}}
          - {id: Bad-Name, when: {q: location, is: inside_us}}
          - {id: no_when, whne: {q: location, is: inside_us}}
        """)
    replace(pack_dir / "extras.yaml", "when: {q: location, is: outside_us}}",
            "when: {use: outside}}")
    problems = problems_of(pack_dir)
    assert any(p.startswith(f"{definitions}:3: definitions.1.id: String should match")
               for p in problems)
    assert f"{definitions}:4: definitions.2.whne: unknown key (did you mean 'when'?)" \
        in problems


def test_definitions_survive_the_cache(pack_dir: Path, tmp_path: Path) -> None:
    write(pack_dir / "definitions.yaml", DEFINITIONS)
    categories = pack_dir / "categories.yaml"
    replace(categories, "when: {q: urgency, in: [life_threatening, serious]}",
            "when: {use: urgent_need}")
    replace(categories, "when: {q: urgency, is: life_threatening}",
            "when: {use: life_threatening}")
    replace(pack_dir / "extras.yaml", "exception_when: {q: urgency, is: life_threatening}",
            "exception_when: {use: medical_and_urgent}")
    fresh = load_pack(pack_dir)
    for _ in range(2):  # fills the cache, then reads it
        assert models(load_pack(pack_dir, cache=tmp_path / "cache")) == models(fresh)
    assert len(list((tmp_path / "cache").glob("pack-*.json"))) == 1


# -- a basis that extends another ---------------------------------------------------------------

PARENT = """
  - id: donor
    label: Donor
    applies_when: {q: reason, is: other}
    cite: [INA]
    base_score: 45
    requires:
      - id: urgent
        text: Urgent.
        fail_text: Not urgent.
        when: {q: urgency, is: serious}
        cite: [INA]
    strengthens:
      - {id: provider, text: A provider., when: {q: provider, is: true}, weight: 15, cite: [INA]}
      - {id: life, text: Life., when: {q: urgency, is: life_threatening}, weight: 20, cite: [INA]}
    weakens:
      - id: long_stay
        text: Long.
        when: {q: months, gt: 24}
        unless: {q: funded, is: true}
        weight: 10
        cite: [INA]
    blocks:
      - {id: unfunded, text: Not funded., when: {q: funded, is: false}, cap: weak, cite: [INA]}
    evidence:
      - {id: letter, text: A letter, cite: [INA], have_when: {q: docs, contains: letter}}
      - {id: records, text: Records, cite: [INA]}
      - {id: photos, text: Photos, cite: [INA]}
"""

CHILD = """
  - id: helper
    extends: donor
    label: Helper
    applies_when: {q: reason, is: family}
    base_score: null
    strengthens:
      - {id: life, text: Life (the helper's)., weight: 25}
      - id: funded
        after: provider
        text: Funded.
        when: {q: funded, is: true}
        weight: 5
        cite: [INA]
    weakens:
      - {id: long_stay, unless: null}
    evidence:
      - {id: records, drop: true}
      - {id: consent, after: letter, text: Consent, cite: [INA]}
      - {id: letter, text: A helper's letter}
"""

CHILD_LONGHAND = """
  - id: helper
    label: Helper
    applies_when: {q: reason, is: family}
    cite: [INA]
    requires:
      - id: urgent
        text: Urgent.
        fail_text: Not urgent.
        when: {q: urgency, is: serious}
        cite: [INA]
    strengthens:
      - {id: provider, text: A provider., when: {q: provider, is: true}, weight: 15, cite: [INA]}
      - {id: funded, text: Funded., when: {q: funded, is: true}, weight: 5, cite: [INA]}
      - id: life
        text: Life (the helper's).
        when: {q: urgency, is: life_threatening}
        weight: 25
        cite: [INA]
    weakens:
      - {id: long_stay, text: Long., when: {q: months, gt: 24}, weight: 10, cite: [INA]}
    blocks:
      - {id: unfunded, text: Not funded., when: {q: funded, is: false}, cap: weak, cite: [INA]}
    evidence:
      - {id: letter, text: A helper's letter, cite: [INA], have_when: {q: docs, contains: letter}}
      - {id: consent, text: Consent, cite: [INA]}
      - {id: photos, text: Photos, cite: [INA]}
"""


def with_bases(pack_dir: Path, *bases: str) -> Path:
    """The minimal pack with these bases added to its public_benefit category."""
    categories = pack_dir / "categories.yaml"
    anchor = ("      - {id: other, label: Other, applies_when: {q: reason, is: other}, "
              "cite: [INA], base_score: 10}\n")
    replace(categories, anchor, anchor + "".join(
        textwrap.indent(textwrap.dedent(basis).lstrip("\n"), "      ") for basis in bases))
    return categories


def basis_models(pack: RulePack, *ids: str) -> list[object]:
    [category] = [c.category for c in pack.categories if c.category.id == "public_benefit"]
    return [basis for basis in category.bases if basis.id in ids]


def test_an_extending_basis_loads_as_its_longhand(tmp_path: Path, pack_dir: Path) -> None:
    with_bases(pack_dir, PARENT, CHILD)
    longhand = tmp_path / "longhand"
    shutil.copytree(MINIMAL, longhand)
    with_bases(longhand, PARENT, CHILD_LONGHAND)
    short, long = load_pack(pack_dir), load_pack(longhand)
    assert basis_models(short, "donor", "helper") == basis_models(long, "donor", "helper")
    [helper] = basis_models(short, "helper")
    assert helper.base_score == 40  # `null` put the default back
    assert [rule.id for rule in helper.strengthens] == ["provider", "funded", "life"]
    assert [item.id for item in helper.evidence] == ["letter", "consent", "photos"]


def test_extends_may_chain(pack_dir: Path) -> None:
    with_bases(pack_dir, PARENT, CHILD, """
        - id: second_helper
          extends: helper
          blocks:
            - {id: unfunded, cap: possible}
        """)
    [helper, second] = basis_models(load_pack(pack_dir), "helper", "second_helper")
    assert second.label == helper.label and second.strengthens == helper.strengthens
    assert [rule.cap for rule in second.blocks] == ["possible"]


def test_broken_extends_are_refused(pack_dir: Path) -> None:
    categories = with_bases(pack_dir, PARENT, """
        - id: typo
          extends: doner
          label: Typo
        - id: loop_a
          extends: loop_b
        - id: loop_b
          extends: loop_a
        - id: helper
          extends: donor
          strengthens:
            - {id: nothing, drop: true}
            - {id: new, after: nowhere, text: New., when: {q: funded, is: true}, cite: [INA]}
            - {id: provider, drop: true, weight: 3}
            - {id: life, drop: false}
        """)
    line = line_of_text
    assert problems_of(pack_dir) == [
        f"{categories}:{line(categories, 'id: typo')}: basis 'typo' extends 'doner', which is "
        "not a basis of category 'public_benefit' (did you mean 'donor'?)",
        f"{categories}:{line(categories, 'id: loop_b')}: extends forms a cycle: "
        "loop_b -> loop_a -> loop_b",
        f"{categories}:{line(categories, 'id: nothing')}: helper.strengthens inherits no rule "
        "'nothing' from 'donor' to drop",
        f"{categories}:{line(categories, 'id: new')}: 'after: nowhere': helper.strengthens "
        "has no rule 'nowhere'",
        f"{categories}:{line(categories, 'id: provider, drop')}: a dropped rule takes only its "
        "id and 'drop: true', found weight",
        f"{categories}:{line(categories, 'id: life, drop')}: 'drop' takes true (leave it out "
        "to keep the rule)",
    ]


def test_after_and_drop_need_extends(pack_dir: Path) -> None:
    categories = pack_dir / "categories.yaml"
    replace(categories, "{id: unfunded, text:", "{id: unfunded, drop: true, text:")
    line = line_of_text(categories, "drop: true")
    assert problems_of(pack_dir) == [
        f"{categories}:{line}: 'drop' works only in a basis that extends another "
        "(extends: <basis id>)"]


def test_a_problem_in_an_inherited_rule_is_reported_once(pack_dir: Path) -> None:
    categories = with_bases(pack_dir, PARENT.replace("{q: months, gt: 24}", "{q: monts, gt: 24}")
                            .replace("weight: 15, cite: [INA]", "weight: 15, cite: [IAN]"),
                            CHILD)
    assert problems_of(pack_dir) == [
        f"{categories}:{line_of_text(categories, 'cite: [IAN]')}: cites unknown source 'IAN' "
        "(did you mean 'INA'?)",
        f"{categories}:{line_of_text(categories, 'monts')}: rule "
        "'public_benefit.donor.long_stay' when.q: unknown question 'monts' "
        "(did you mean 'months'?)",
    ]


def test_an_extending_basis_is_scored_with_its_own_rule_ids(pack_dir: Path) -> None:
    with_bases(pack_dir, PARENT, CHILD.replace("{q: reason, is: family}",
                                               "{q: reason, is: medical}"))
    result = screen(load_pack(pack_dir), {"location": "outside_us", "reason": "medical",
                                          "urgency": "serious", "funded": True},
                    dt.date(2026, 2, 1))
    outcome = result["categories"]["public_benefit"]
    assert (outcome["basis"], outcome["band"], outcome["score"]) == ("helper", "possible", 45)
    assert [reason["rule"] for reason in outcome["reasons"]] == [
        "public_benefit.helper.urgent", "public_benefit.helper.funded"]


# -- the YAML 1.1 trap --------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, word", [
    ("when: {q: urgency, is: life_threatening}", "when: {q: urgency, is: no}", "no"),
    ("when: {q: urgency, in: [life_threatening, serious]}",
     "when: {q: urgency, in: [serious, Off]}", "Off"),
])
def test_a_yes_no_word_where_a_choice_belongs(pack_dir: Path, old: str, new: str,
                                              word: str) -> None:
    categories = pack_dir / "categories.yaml"
    replace(categories, old, new)
    line = line_of_text(categories, new)
    value = "false"
    [problem] = problems_of(pack_dir)
    assert problem.startswith(f"{categories}:{line}: rule 'medical.treatment.")
    assert problem.endswith(f": YAML read `{word}` as {value}; quote it: '{word}'")


def test_the_country_code_of_norway(pack_dir: Path) -> None:
    countries = pack_dir / "countries.yaml"
    countries.write_text("countries: {UA: Ukraine, HT: Haiti, CU: Cuba, MX: Mexico, NO: Norway}\n")
    assert problems_of(pack_dir) == [
        f"{countries}:1: a key must be text: YAML read `NO` as false; quote it: 'NO'"]
    countries.write_text("countries: {UA: Ukraine, HT: Haiti, CU: Cuba, MX: Mexico, "
                         "'NO': Norway}\n")
    extras = pack_dir / "extras.yaml"
    replace(extras, "when: {q: location, is: outside_us}}", "when: {q: nationality, is: NO}}")
    assert problems_of(pack_dir) == [
        f"{extras}:{line_of_text(extras, 'is: NO')}: item 'i131' when.is: YAML read `NO` as "
        "false; quote it: 'NO'"]
    replace(extras, "value: [HT, CU]", "value: [HT, NO]")  # schema problems come first
    assert problems_of(pack_dir) == [
        f"{extras}:{line_of_text(extras, '[HT, NO]')}: facts.1.values.0.value: YAML read `NO` "
        "as false; quote it: 'NO'"]


def test_a_choice_value_that_yaml_read_as_a_boolean(pack_dir: Path) -> None:
    questions = pack_dir / "questions.yaml"
    replace(questions, "{value: inside_us, label: Inside}", "{value: yes, label: Inside}")
    [problem] = problems_of(pack_dir)
    assert problem == (f"{questions}:{line_of_text(questions, 'value: yes')}: "
                       "questions.0.choices.1.value: YAML read `yes` as true; quote it: 'yes'")


def test_yes_and_no_are_fine_where_a_yes_no_answer_belongs(pack_dir: Path) -> None:
    categories = pack_dir / "categories.yaml"
    replace(categories, "when: {q: provider, is: true}", "when: {q: provider, is: yes}")
    replace(categories, "when: {q: funded, is: false}", "when: {q: funded, is: No}")
    assert load_pack(pack_dir).categories


def test_a_scenario_answer_that_yaml_read_as_a_boolean(pack_dir: Path,
                                                       minimal_pack: RulePack) -> None:
    from parole_screen.scenarios import load_scenarios, run_scenarios

    cases = pack_dir / "tests" / "cases.yaml"
    replace(cases, "nationality: UA", "nationality: NO")
    [outcome, *_] = run_scenarios(minimal_pack, load_scenarios(cases.parent))
    [failure] = outcome.failures
    assert failure.startswith("answers rejected: field 'nationality': ")
    assert failure.endswith(" (YAML read `NO` as false; quote it: 'NO')")
