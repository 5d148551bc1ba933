"""The maintained table of current ICT titles (policy/anzsco/ict-titles.yaml): its content and its strict loading."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bordercase.policy.anzsco import Anzsco, Match, anzsco, normalise
from bordercase.policy.anzsco.titles import TABLE, Source, TitleEntry, TitleTable, TitleTableError, title_table


def _index_titles() -> set[str]:
    """Every title ANZSCO's own index has (principal and alternative), folded as the coder compares them."""
    titles = {normalise(o.title, keep_seniority=True) for o in anzsco().occupations.values()}
    with (TABLE.parent / "alternative-titles.csv").open(encoding="utf-8", newline="") as f:
        titles |= {normalise(row["title"], keep_seniority=True) for row in csv.DictReader(f)}
    return titles


def test_every_title_and_spelling_in_the_table_codes_to_its_occupation() -> None:
    data = anzsco()
    in_index = _index_titles()
    assert len(data.table.entries) >= 20
    for entry in data.table.entries:
        for spelling in entry.spellings:
            coding = data.code_title(spelling)
            table_hits = [c for c in coding.candidates if c.match is Match.TABLE]
            assert [c.occupation.code for c in table_hits] == [entry.occupation], spelling
            assert table_hits[0].entry == entry
            if normalise(spelling, keep_seniority=True) not in in_index:
                # Nothing in ANZSCO's own index competes, so the table settles the occupation.
                assert coding.match is Match.TABLE and coding.occupation is not None, spelling
                assert coding.occupation.code == entry.occupation


@pytest.mark.parametrize(("title", "code"), [
    ("DevOps Engineer", "261399"),
    ("Site Reliability Engineer", "261399"),
    ("Full stack developer", "261312"),
    ("Data Scientist", "224999"),
    ("Cyber Security Analyst", "262112"),
    ("Penetration Tester", "262112"),
    ("CTO", "135111"),
    ("Software Engineering Manager", "135112"),
])
def test_the_issue_s_titles_code_as_the_table_says(title: str, code: str) -> None:
    coding = anzsco().code_title(title)
    assert coding.match is Match.TABLE
    assert coding.occupation is not None and coding.occupation.code == code
    (candidate,) = coding.candidates
    assert candidate.entry is not None and candidate.entry.sources and candidate.entry.reasoning


def test_product_manager_is_offered_in_both_senses_for_an_assessor_to_choose() -> None:
    coding = anzsco().code_title("Product Manager")
    assert coding.match is Match.AMBIGUOUS
    assert [(c.occupation.code, c.match) for c in coding.candidates] == [
        ("225113", Match.ALTERNATIVE), ("135199", Match.TABLE)]
    # Said plainly as a software product manager, it is one occupation.
    technical = anzsco().code_title("Technical Product Manager")
    assert technical.occupation is not None and technical.occupation.code == "135199"


def test_every_source_is_cited_and_every_entry_cites_one_with_an_address() -> None:
    table = anzsco().table
    cited = {s.id for e in table.entries for s in e.sources}
    assert cited == set(table.sources)
    assert all(s.url.startswith(("https://", "http://")) for s in table.sources.values())


GOOD = """\
sources:
  abs:
    title: ABS index
    url: https://example.org/abs
titles:
  - title: DevOps Engineer
    occupation: "261399"
    sources: [abs]
    reasoning: Because.
"""


def _load(tmp_path: Path, text: str) -> TitleTable:
    path = tmp_path / "ict-titles.yaml"
    path.write_text(text, encoding="utf-8")
    return title_table(path, known=anzsco().occupations.__contains__,
                       fold=lambda t: normalise(t, keep_seniority=True))


def test_a_good_table_loads_as_written(tmp_path: Path) -> None:
    table = _load(tmp_path, GOOD)
    assert table.sources == {"abs": Source("abs", "ABS index", "https://example.org/abs")}
    assert table.entries == (TitleEntry("DevOps Engineer", (), "261399", (table.sources["abs"],), "Because.", 6),)


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(('"261399"', '"999999"'), "line 6 (DevOps Engineer): occupation 999999 is not in ANZSCO 2013",
                 id="unknown-code"),
    pytest.param(('"261399"', '"2613"'), "line 6 (DevOps Engineer): occupation '2613' is not a 6-digit",
                 id="unit-group-is-not-an-occupation"),
    pytest.param(("    sources: [abs]\n", ""), "line 6 (DevOps Engineer): sources is missing", id="missing-source"),
    pytest.param(("[abs]", "[]"), "line 6 (DevOps Engineer): sources is missing", id="empty-sources"),
    pytest.param(("[abs]", "[nowhere]"), "line 6 (DevOps Engineer): source nowhere is not listed", id="unknown-source"),
    pytest.param(("    reasoning: Because.\n", ""), "line 6 (DevOps Engineer): reasoning is missing",
                 id="missing-reasoning"),
    pytest.param(("    reasoning:", "    colour: blue\n    reasoning:"), "line 6: colour is not part of an entry",
                 id="unknown-field"),
    pytest.param(("url: https://example.org/abs", "url: example.org"), "source abs): url 'example.org' is not",
                 id="source-without-address"),
])
def test_a_bad_entry_is_refused_naming_its_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(TitleTableError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _load(tmp_path, GOOD.replace(*change))


def test_a_title_listed_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    twice = GOOD + '  - title: SRE\n    also: [devops-engineer]\n    occupation: "261399"\n    sources: [abs]\n' \
                   "    reasoning: Again.\n"
    with pytest.raises(TitleTableError, match=r"line 10: 'devops-engineer' is already listed at line 6"):
        _load(tmp_path, twice)


def test_the_coder_will_not_start_on_a_broken_table(tmp_path: Path) -> None:
    broken = tmp_path / "ict-titles.yaml"
    broken.write_text(GOOD.replace('"261399"', '"123456"'), encoding="utf-8")
    with pytest.raises(TitleTableError, match="line 6"):
        Anzsco(table=broken)
