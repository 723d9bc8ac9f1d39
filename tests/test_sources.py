"""Sources a client can trust (issue 16): every source says how far it can be trusted, the
official texts are cited by their legal citation, and copies and reports are listed apart."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import orjson
import pytest

from conftest import MINIMAL, REPO, run_cli
from parole_screen import RulePack, load_pack, screen_record
from parole_screen.engine import Scored, expand_row, score_records, text_catalog
from parole_screen.errors import PackError
from parole_screen.report import outline, render_html, render_markdown, render_plain
from parole_screen.scenarios import load_scenarios

SCENARIOS = {case.scenario.name: case.scenario for case in load_scenarios(REPO / "rules" / "tests")}
EXAMPLES = sorted((REPO / "examples").glob("*.json"))

# Where an official text is published: the statute, the eCFR and the Federal Register, the
# agencies, the courts, and the library archive that keeps old agency pages as published.
OFFICIAL_HOSTS = ("uscode.house.gov", "www.ecfr.gov", "www.govinfo.gov", "www.federalregister.gov",
                  "www.uscis.gov", "uscis.gov", "www.dhs.gov", "www.cbp.gov", "www.ice.gov",
                  "fam.state.gov", "www.ca1.uscourts.gov", "webarchive.library.unt.edu",
                  "www.justice.gov")
# Document-sharing sites: what is uploaded there is nobody's publication of record.
UPLOAD_HOSTS = ("scribd.com", "pdfslide.net", "slideshare.net", "fdocuments.us")
# A copy or report -> the official texts it copies or reports, one of which a line citing the
# copy must cite before it.
COPIES = {
    "S1": {"USC1182d5A", "USC1182d5B"},
    "S2": {"CFR212.5d", "CFR212.5e"},
    "S17": {"USC1804"},
    "S19": {"FR90-48317"},
    "S22": {"FR89-6194"},
    "S25": {"FR2022-09087", "USCIS-U4U-FAQ"},
    "S34": {"CFR208.4"},
    "S38": {"EO14165"},
    "U10": {"FR90-5936"},
}


def cite_lists(pack: RulePack) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every list of source ids the pack cites, named."""
    for category in pack.categories:
        for entry in category.bases:
            basis = entry.basis
            yield entry.rule_id, basis.cite
            for group in ("requires", "strengthens", "weakens", "blocks"):
                for factor in getattr(basis, group):
                    yield f"{entry.rule_id}.{factor.id}", factor.cite
            for proof in basis.evidence:
                yield f"{entry.rule_id} evidence {proof.id}", proof.cite
    for flag in pack.flags:
        yield f"flag {flag.flag.id}", flag.flag.cite
    for item in pack.items:
        yield f"item {item.item.id}", item.item.cite
    for fee in pack.fees:
        yield f"fee {fee.fee.id}", fee.fee.cite
    for deadline in pack.deadlines:
        yield f"deadline {deadline.deadline.id}", deadline.deadline.cite


def cites_of(pack: RulePack, kind: str, entry_id: str) -> tuple[str, ...]:
    [found] = [cite for name, cite in cite_lists(pack) if name == f"{kind} {entry_id}"]
    return found


# -- The shipped pack ---------------------------------------------------------------------

def test_every_official_source_has_a_citation_and_an_official_address(
        shipped_pack: RulePack) -> None:
    official = {sid: s for sid, s in shipped_pack.sources.items() if s.authority == "official"}
    assert len(official) >= 25
    for sid, source in official.items():
        assert source.citation, sid
        if source.url:  # none is given where no official address was confirmed
            assert urlparse(source.url).hostname in OFFICIAL_HOSTS, (sid, source.url)


def test_uploads_and_mirrors_are_never_official(shipped_pack: RulePack) -> None:
    for sid, source in shipped_pack.sources.items():
        host = urlparse(source.url or "").hostname or ""
        if host.endswith(UPLOAD_HOSTS) or host == "usciss.us":
            assert source.authority == "unverified", (sid, host)
        elif source.authority == "official":
            assert host in OFFICIAL_HOSTS or not host, (sid, host)
    # The officer training module and the prosecutors' tool kit are scribd uploads.
    assert shipped_pack.sources["S12"].authority == "unverified"
    assert shipped_pack.sources["S14"].authority == "unverified"
    # A law firm's page quoting USCIS is a report of the page, not the page.
    assert shipped_pack.sources["S6"].authority == "secondary"


def test_the_statute_is_cited_from_uscode_not_from_a_copy(shipped_pack: RulePack) -> None:
    for sid, citation in (("USC1182d5A", "8 U.S.C. 1182(d)(5)(A)"), ("USC1804", "8 U.S.C. 1804"),
                          ("USC1182a9B", "8 U.S.C. 1182(a)(9)(B)(i)")):
        source = shipped_pack.sources[sid]
        assert (source.authority, source.citation) == ("official", citation)
        assert urlparse(source.url or "").hostname == "uscode.house.gov"
    assert shipped_pack.sources["S1"].authority == "secondary"  # the omb.report copy
    assert shipped_pack.sources["S17"].authority == "secondary"  # the customsmobile copy


@pytest.mark.parametrize("copy", sorted(COPIES))
def test_a_copy_is_cited_after_the_official_text(shipped_pack: RulePack, copy: str) -> None:
    citing = [(name, cite) for name, cite in cite_lists(shipped_pack) if copy in cite]
    assert citing, copy
    for name, cite in citing:
        official = [index for index, sid in enumerate(cite) if sid in COPIES[copy]]
        assert official and official[0] < cite.index(copy), (name, cite)


def test_every_evidence_line_cites_a_source(shipped_pack: RulePack) -> None:
    evidence = [(name, cite) for name, cite in cite_lists(shipped_pack) if " evidence " in name]
    assert len(evidence) >= 51
    assert [name for name, cite in evidence if not cite] == []


def test_the_notario_warning_cites_uscis(shipped_pack: RulePack) -> None:
    cite = cites_of(shipped_pack, "item", "next.legal_advice")
    first = shipped_pack.sources[cite[0]]
    assert first.authority == "official"
    assert urlparse(first.url or "").hostname == "www.uscis.gov"
    assert "notario" in first.title.lower()
    assert "S1" not in cite  # the parole statute says nothing about notarios


@pytest.mark.parametrize("kind, entry_id", [
    ("flag", "unlawful_presence_up_to_180_days"),
    ("flag", "unlawful_presence_over_180_days"),
    ("flag", "unlawful_presence_one_year"),
    ("item", "next.no_departure_without_counsel"),
])
def test_the_unlawful_presence_bars_cite_the_statute(shipped_pack: RulePack, kind: str,
                                                     entry_id: str) -> None:
    """The lawyer's finding: U21 (Delcarmen-Lara) and W4 (a practitioner's story) do not
    support the 3- and 10-year bars; INA 212(a)(9)(B)(i) does."""
    cite = cites_of(shipped_pack, kind, entry_id)
    assert cite[0] == "USC1182a9B"
    assert not {"U21", "W4"} & set(cite)


# -- rules check ----------------------------------------------------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_rules_check_refuses_a_source_without_authority(pack_dir: Path) -> None:
    _edit(pack_dir / "sources.yaml", ', authority: secondary}', '}')
    done = run_cli("rules", "check", str(pack_dir))
    assert done.returncode == 1
    problems = [line for line in done.stdout.splitlines() + done.stderr.splitlines()
                if "authority" in line]
    assert len(problems) == 1
    assert re.search(r"sources\.yaml:\d+: .*source 'FEE' has no authority", problems[0])


def test_an_official_source_without_a_citation_is_refused(pack_dir: Path) -> None:
    """Refused, not warned: a report cites an official source by its citation, so without
    one it would have nothing to print."""
    _edit(pack_dir / "sources.yaml", ", citation: 8 U.S.C. 1182(d)(5)(A)}", "}")
    with pytest.raises(PackError) as raised:
        load_pack(pack_dir)
    [problem] = raised.value.problems
    assert re.search(r"sources\.yaml:\d+: .*source 'INA' is official but has no citation",
                     problem)


def test_evidence_without_a_cite_is_refused(pack_dir: Path) -> None:
    _edit(pack_dir / "categories.yaml", "text: A doctor letter, cite: [INA],",
          "text: A doctor letter,")
    with pytest.raises(PackError) as raised:
        load_pack(pack_dir)
    [problem] = raised.value.problems
    assert re.search(r"categories\.yaml:\d+: .*evidence 'letter' cites no source", problem)


def test_evidence_citing_an_unknown_source_is_refused(pack_dir: Path) -> None:
    _edit(pack_dir / "categories.yaml", "text: A doctor letter, cite: [INA],",
          "text: A doctor letter, cite: [INAA],")
    with pytest.raises(PackError) as raised:
        load_pack(pack_dir)
    assert any("cites unknown source 'INAA'" in problem for problem in raised.value.problems)


def test_the_minimal_pack_and_its_copy_still_load() -> None:
    assert load_pack(MINIMAL).sources["INA"].citation == "8 U.S.C. 1182(d)(5)(A)"


# -- Results and reports ------------------------------------------------------------------

def example(name: str) -> tuple[dict[str, Any], Any]:
    record = json.loads((REPO / "examples" / f"{name}.json").read_text())
    return record, SCENARIOS[name].as_of


def test_result_sources_say_their_authority(shipped_pack: RulePack) -> None:
    record, day = example("medical_treatment_strong")
    sources = screen_record(shipped_pack, record, day)["sources"]
    assert sources["USC1182d5A"] == {
        "authority": "official", "citation": "8 U.S.C. 1182(d)(5)(A)",
        "dated": shipped_pack.sources["USC1182d5A"].dated,
        "title": shipped_pack.sources["USC1182d5A"].title,
        "url": shipped_pack.sources["USC1182d5A"].url}
    assert sources["S11"]["authority"] == "unverified" and "citation" not in sources["S11"]
    assert all(source["authority"] in ("official", "secondary", "unverified")
               for source in sources.values())


def test_a_compact_row_still_expands_to_the_full_result_bytes(shipped_pack: RulePack) -> None:
    """Sources now carry authority and citation: a row's catalogue must give them back."""
    catalog = json.loads(json.dumps(text_catalog(shipped_pack)))
    for path in EXAMPLES:
        record, day = json.loads(path.read_text()), SCENARIOS[path.stem].as_of
        [full] = score_records(shipped_pack, [record], day)
        [row] = score_records(shipped_pack, [record], day, detail="compact")
        assert isinstance(full, Scored) and isinstance(row, Scored)
        expanded = expand_row(orjson.loads(row.json), catalog)
        assert orjson.dumps(expanded, option=orjson.OPT_SORT_KEYS) == full.json, path.stem
        assert "authority" in next(iter(expanded["sources"].values()))


def sections(result: dict[str, Any]) -> dict[str, list[str]]:
    _, found = outline(result)
    return {section.title: [line.text for line in section.lines] for section in found}


def test_a_report_cites_the_statute_and_lists_the_scribd_upload_apart(
        shipped_pack: RulePack) -> None:
    record, day = example("medical_treatment_strong")
    result = screen_record(shipped_pack, record, day)
    shown = sections(result)
    assert any(line.startswith("[8 U.S.C. 1182(d)(5)(A)] ") for line in shown["Sources"])
    assert not any(line.startswith("[S") for line in shown["Sources"])
    scribd = [line for line in shown["Other sources consulted"] if line.startswith("[S11]")]
    assert scribd == [f"[S11] (unverified) {shipped_pack.sources['S11'].title} "
                      f"({shipped_pack.sources['S11'].dated})"]
    # A law-firm page is consulted, not the law, and is not marked unverified.
    [firm] = [line for line in shown["Other sources consulted"] if line.startswith("[S39]")]
    assert "(unverified)" not in firm
    for fmt in (render_plain, render_markdown, render_html):
        text = fmt(result)
        assert "Other sources consulted" in text
        assert text.index("8 U.S.C. 1182(d)(5)(A)") < text.index("Other sources consulted")


def test_every_official_source_is_listed_by_citation_and_no_other(shipped_pack: RulePack) -> None:
    for path in EXAMPLES:
        result = screen_record(shipped_pack, json.loads(path.read_text()),
                               SCENARIOS[path.stem].as_of)
        shown = sections(result)
        for sid, source in result["sources"].items():
            if source["authority"] == "official":
                assert any(line.startswith(f"[{source['citation']}] ")
                           for line in shown["Sources"]), (path.stem, sid)
            else:
                mark = " (unverified)" if source["authority"] == "unverified" else ""
                assert any(line.startswith(f"[{sid}]{mark} ")
                           for line in shown["Other sources consulted"]), (path.stem, sid)


def test_a_line_cites_its_official_sources_first_by_citation(shipped_pack: RulePack) -> None:
    record, day = example("medical_treatment_strong")
    text = render_plain(screen_record(shipped_pack, record, day))
    [fee] = [line for line in text.splitlines()
             if line.startswith("* Immigration parole fee (8 U.S.C. 1804)")]
    assert fee.endswith("[8 U.S.C. 1804; 90 FR 48317; U8; S17; S19]")
    [notario] = [line for line in text.splitlines() if "notarios" in line and "[" in line]
    assert notario.endswith("[USCIS, Common Scams; 8 CFR 292.1]")
    assert "S11 (unverified)" in text  # marked where it is cited, not only in the list


def test_the_bars_are_cited_by_the_statute_in_an_expired_parole_report(
        shipped_pack: RulePack) -> None:
    record, day = example("reparole_expired")
    text = render_plain(screen_record(shipped_pack, record, day))
    bars = [line for line in text.splitlines()
            if line.startswith(("* STOP:", "* WARNING:")) and "INA 212(a)(9)(B)" in line]
    assert bars
    for line in bars:
        assert "[8 U.S.C. 1182(a)(9)(B)(i); " in line
        assert not re.search(r"\b(U21|W4)\b", line.rsplit("[", 1)[1])


def test_citations_are_pack_text_and_escaped_in_markdown(minimal_pack: RulePack) -> None:
    record = {"answers": {"reason": "medical", "urgency": "serious"}}
    result = screen_record(minimal_pack, record, SCENARIOS["medical_treatment_strong"].as_of)
    assert result["sources"]["INA"]["citation"] == "8 U.S.C. 1182(d)(5)(A)"
    result["sources"]["INA"]["citation"] = "*bold* [link](x)"
    text = render_markdown(result)
    assert "*bold*" not in text and r"\*bold\*" in text
    assert "](x)" not in text.replace(r"\]", "")


def test_a_result_from_before_sources_had_an_authority_still_renders(
        minimal_pack: RulePack) -> None:
    record = {"answers": {"reason": "medical", "urgency": "serious"}}
    result = screen_record(minimal_pack, record, SCENARIOS["medical_treatment_strong"].as_of)
    for source in result["sources"].values():
        source.pop("authority"), source.pop("citation", None)
    shown = sections(result)
    assert "Sources" not in shown
    assert any(line.startswith("[INA] ") for line in shown["Other sources consulted"])


def test_a_copy_of_the_shipped_pack_without_one_authority_fails(tmp_path: Path) -> None:
    pack_dir = tmp_path / "rules"
    shutil.copytree(REPO / "rules", pack_dir)
    _edit(pack_dir / "sources.yaml", "    dated: 2025-03-25; 2025-05-30\n    authority: official\n",
          "    dated: 2025-03-25; 2025-05-30\n")
    with pytest.raises(PackError) as raised:
        load_pack(pack_dir)
    assert [p for p in raised.value.problems if "'S27' has no authority" in p]
