"""`--explain` shows how each band was reached: base score, weights, thresholds and caps,
one line per category, worked out from the result and the pack."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import AS_OF, REPO, record_generator, run_cli
from parole_screen import RulePack, load_pack, screen, screen_many
from parole_screen.report import band_lines, glossary, render

DANGER = REPO / "examples" / "danger_strong.json"


def answers_of(path: Path) -> dict[str, object]:
    answers: dict[str, object] = json.loads(path.read_text())["answers"]
    return answers


def test_the_lines_of_a_capped_band(shipped_pack: RulePack) -> None:
    result = screen(shipped_pack, answers_of(DANGER), dt.date(2026, 2, 15))
    assert band_lines(result, shipped_pack) == [
        "humanitarian (danger): base 30 + recent_harm 15 + not_safe_now 15 + threat_evidence 10 "
        "+ refugee_route_tried 5 = 75 -> strong (strong >= 70) -> possible "
        "(capped by rarely_granted)",
        "medical: no basis applies -> not indicated",
        "public_benefit: no basis applies -> not indicated",
        "re_parole: no basis applies -> not indicated",
    ]


def test_lines_for_the_minimal_pack(minimal_pack: RulePack) -> None:
    def line(answers: dict[str, object]) -> str:
        return band_lines(screen(minimal_pack, answers, AS_OF), minimal_pack)[1]

    medical = {"location": "outside_us", "reason": "medical"}
    assert line({**medical, "urgency": "not_urgent"}) == (
        "medical (treatment): required but not met: urgent -> not indicated")
    assert line({**medical, "provider": True}) == (
        "medical (treatment): base 40 + provider 15 = 55 -> not enough information "
        "(required, not answered: urgent)")
    assert line({**medical, "urgency": "serious", "months": 30, "funded": False}) == (
        "medical (treatment): base 40 - long_stay 10 = 30 -> weak (below possible 45) "
        "(unfunded caps at weak: no change)")
    assert line({**medical, "urgency": "life_threatening", "provider": True,
                 "funded": False}) == (
        "medical (treatment): base 40 + life 20 + provider 15 = 75 -> strong (strong >= 70) "
        "-> weak (capped by unfunded)")
    assert band_lines(screen(minimal_pack, {"location": "outside_us"}, AS_OF),
                      minimal_pack)[0] == (
        "humanitarian: not enough answers to tell whether a basis applies -> "
        "not enough information")


@pytest.mark.parametrize("skip_rate", [0.04, 0.3])
def test_every_line_agrees_with_the_result(shipped_pack: RulePack, skip_rate: float) -> None:
    """Over generated records, the arithmetic gives the result's own score and band."""
    generator = record_generator()(shipped_pack, seed=5, skip_rate=skip_rate)
    records = [{"id": str(n), "answers": generator.answers()} for n in range(1500)]
    seen: set[str] = set()
    for result in screen_many(shipped_pack, records, dt.date(2026, 2, 15)):
        assert isinstance(result, dict)
        lines = band_lines(result, shipped_pack)
        assert len(lines) == 4
        for line, (cid, outcome) in zip(lines, result["categories"].items(), strict=True):
            assert line.startswith(cid)
            assert "the result says" not in line, line
            if " = " in line:
                assert re.search(rf"= (-?\d+, kept within 0-100: )?{outcome['score']} ->", line)
            for branch in ("capped by", "no change", "kept within 0-100", "not answered",
                           "another basis may apply", "required but not met", "no basis"):
                if branch in line:
                    seen.add(branch)
    if skip_rate > 0.1:  # every way to reach a band shows up (but the next test's)
        assert seen == {"capped by", "no change", "kept within 0-100", "not answered",
                        "required but not met", "no basis"}


def test_another_basis_may_apply_once_answered(pack_dir: Path) -> None:
    categories = pack_dir / "categories.yaml"
    text = categories.read_text()
    anchor = "  - id: humanitarian\n"
    categories.write_text(text.replace(anchor, (
        "      - {id: second, label: Second, applies_when: {q: provider, is: true}, "
        "cite: [INA]}\n") + anchor, 1))
    pack = load_pack(pack_dir)
    result = screen(pack, {"location": "outside_us", "reason": "medical",
                           "urgency": "not_urgent"}, AS_OF)
    assert result["categories"]["medical"]["band"] == "insufficient_information"
    assert band_lines(result, pack)[1] == (
        "medical (treatment): required but not met: urgent -> not indicated -> not enough "
        "information (another basis may apply once more is answered)")


def test_a_result_from_another_pack_is_flagged(shipped_pack: RulePack,
                                              minimal_pack: RulePack) -> None:
    result = screen(shipped_pack, answers_of(DANGER), dt.date(2026, 2, 15))
    result["categories"]["humanitarian"]["score"] = 80
    assert band_lines(result, shipped_pack)[0].endswith(
        "[the result says 80, possible: was it scored with another pack?]")


def test_reports_show_it_only_when_explained(shipped_pack: RulePack) -> None:
    words = glossary(shipped_pack)
    plain = screen(shipped_pack, answers_of(DANGER), dt.date(2026, 2, 15))
    explained = screen(shipped_pack, answers_of(DANGER), dt.date(2026, 2, 15), explain=True)
    line = "humanitarian (danger): base 30 + recent_harm 15"
    for fmt in ("text", "markdown", "html"):
        assert line not in render(plain, fmt, words)
        assert "How each band was reached" not in render(plain, fmt, words)
        assert "How each band was reached" in render(explained, fmt, words)
        assert line.replace("_", "\\_") in render(explained, "markdown", words)
    assert line in render(explained, "text", words)
    assert render(explained, "json", words) == render(explained, "json")  # JSON never changes
    assert "How each band was reached" not in render(explained, "text")  # no pack, no sums


def test_score_explain_prints_the_arithmetic() -> None:
    done = run_cli("score", "--explain", "--as-of", "2026-02-15", str(DANGER))
    assert done.returncode == 0, done.stderr
    assert ("humanitarian (danger): base 30 + recent_harm 15 + not_safe_now 15 + "
            "threat_evidence 10 + refugee_route_tried 5 = 75 -> strong (strong >= 70) -> "
            "possible (capped by rarely_granted)") in done.stdout
    assert done.stdout.index("How each band was reached") < done.stdout.index("Rule trace")
