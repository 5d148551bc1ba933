"""The maintained table of current ICT titles (policy/anzsco/ict-titles.yaml): its content and its strict loading."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bordercase.policy.anzsco import Anzsco, Match, anzsco, normalise
from bordercase.policy.anzsco.titles import TABLE, Source, TitleEntry, TitleTable, TitleTableError, title_table


def _index_titles() -> set[str]:
    """Every title ANZSCO's own index has (principal and alternative), folded as the coder compares them."""
    titles = {normalise(o.title, keep_seniority=True) for o in anzsco().occupations.values()}
    with (TABLE.parent / "alternative-titles.csv").open(encoding="utf-8", newline="") as f:
        titles |= {normalise(row["title"], keep_seniority=True) for row in csv.DictReader(f)}
    return titles


# The class's unit groups (domain facts §2): a title coded to one of them alone is in the class with no assessor.
CLASS_UNIT_GROUPS = {"1351", "2612", "2613", "2621"}


def test_every_title_and_spelling_in_the_table_codes_to_its_occupation() -> None:
    data = anzsco()
    in_index = _index_titles()
    assert len(data.table.entries) >= 20
    for entry in data.table.entries:
        for spelling in entry.spellings:
            coding = data.code_title(spelling)
            table_hits = [c for c in coding.candidates if c.match is Match.TABLE]
            assert [c.occupation.code for c in table_hits] == list(entry.occupations), spelling
            assert all(c.entry == entry for c in table_hits)
            if normalise(spelling, keep_seniority=True) in in_index:
                continue
            # Nothing in ANZSCO's own index competes, so the table settles the occupation, or says who chooses.
            if entry.occupation is not None:
                assert coding.match is Match.TABLE and coding.occupation is not None, spelling
                assert coding.occupation.code == entry.occupation
            else:
                assert coding.match is Match.AMBIGUOUS and coding.occupation is None, spelling
                assert [o.code for o in coding.occupations] == sorted(entry.occupations)


def _entry_for(table: TitleTable, title: str) -> TitleEntry:
    folded = normalise(title, keep_seniority=True)
    (entry,) = [e for e in table.entries if folded in {normalise(s, keep_seniority=True) for s in e.spellings}]
    return entry


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
    # The table as the file says it, read on its own: the coder must agree with it.
    entry = _entry_for(title_table(TABLE, known=anzsco().occupations.__contains__), title)
    assert entry.occupation == code and entry.sources and entry.reasoning
    coding = anzsco().code_title(title)
    assert coding.match is Match.TABLE
    assert coding.occupation is not None and coding.occupation.code == code
    (candidate,) = coding.candidates
    assert candidate.entry is not None and candidate.entry.line == entry.line


def test_product_manager_is_offered_in_both_senses_for_an_assessor_to_choose() -> None:
    entry = _entry_for(title_table(TABLE, known=anzsco().occupations.__contains__), "Product Manager")
    assert entry.occupation == "135199"
    coding = anzsco().code_title("Product Manager")
    assert coding.match is Match.AMBIGUOUS
    assert [(c.occupation.code, c.match) for c in coding.candidates] == [
        ("225113", Match.ALTERNATIVE), ("135199", Match.TABLE)]
    # Said plainly as a software product manager, it is one occupation.
    technical = anzsco().code_title("Technical Product Manager")
    assert technical.occupation is not None and technical.occupation.code == "135199"


@pytest.mark.parametrize(("title", "codes"), [
    # Engineering heads: software development (135112) or engineering works (133211).
    ("Head of Engineering", {"133211", "135112"}),
    ("Director of Engineering", {"133211", "135112"}),
    ("VP Engineering", {"133211", "135112"}),
    ("Senior Director of Engineering", {"133211", "135112"}),
    ("Reliability Engineer", {"233513", "261399"}),
    ("Infrastructure Engineer", {"233211", "261399", "263111"}),
    ("Security Engineer", {"262112", "342313"}),
    ("Head of Security", {"139999", "262112"}),
    # ANZSCO's own title is 263211 ICT Quality Assurance Engineer; most employers mean 261314 Software Tester.
    ("QA Engineer", {"261314", "263211"}),
    ("Quality Assurance Engineer", {"261314", "263211"}),
    ("Cloud Architect", {"261313", "263111"}),
])
def test_a_title_that_could_be_ict_or_not_is_left_to_an_assessor(title: str, codes: set[str]) -> None:
    coding = anzsco().code_title(title)
    assert coding.match is Match.AMBIGUOUS and coding.occupation is None
    assert {o.code for o in coding.occupations} == codes
    # At least one of them is outside the class, so the rules cannot settle the role without an assessor.
    assert {o.unit_group for o in coding.occupations} - CLASS_UNIT_GROUPS
    assert all(c.entry is not None and c.entry.reasoning for c in coding.candidates)


@pytest.mark.parametrize("title", ["Head of Engineering (Civil)", "Infrastructure Engineer (Civil)",
                                   "Security Engineer (Physical)", "Head of Security (Physical)"])
def test_a_title_qualified_outside_ict_is_never_coded_to_one_ict_occupation(title: str) -> None:
    coding = anzsco().code_title(title)
    assert coding.occupation is None or coding.occupation.unit_group not in CLASS_UNIT_GROUPS, coding
    assert {o.unit_group for o in coding.occupations} - CLASS_UNIT_GROUPS


@pytest.mark.parametrize(("title", "code"), [
    ("Infrastructure Engineer (Software)", "261399"),
    ("infrastructure engineer ( software )", "261399"),
    ("Senior Infrastructure Engineer (Software)", "261399"),
    ("Head of Security (ICT)", "262112"),
    ("Engineering Manager (Software)", "135112"),
    ("Reliability Engineer (Software)", "261399"),
])
def test_a_qualified_spelling_typed_as_written_codes_to_its_occupation(title: str, code: str) -> None:
    coding = anzsco().code_title(title)
    assert coding.match is Match.TABLE and coding.occupation is not None and coding.occupation.code == code


def test_no_qualified_spelling_is_offered_as_a_close_match() -> None:
    data = anzsco()
    qualified = [s for e in data.table.entries for s in e.spellings if "(" in s]
    assert len(qualified) >= 5
    for spelling in qualified:
        bare = spelling.split("(")[0].strip()
        for typed in (bare, f"{bare}s", f"Senior {bare} Lead"):
            assert spelling not in {c.matched_title for c in data.code_title(typed).candidates}, (typed, spelling)


# The ABS and the New Zealand and Australian governments, and beside them only ACS (the Australian Government's
# assessing authority for ICT occupations) and NZTech (the class's nominating industry body): no commercial blog.
OFFICIAL = (".abs.gov.au", ".govt.nz", ".gov.au")
ALSO_ALLOWED = {"acs.org.au", "nztech.org.nz"}


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def test_every_source_is_official_or_the_assessor_s_and_every_entry_cites_an_official_one() -> None:
    table = anzsco().table
    for source in table.sources.values():
        host = _host(source.url)
        assert f".{host}".endswith(OFFICIAL) or host in ALSO_ALLOWED, source
    for entry in table.entries:
        assert entry.reasoning and entry.sources, entry.title
        assert any(f".{_host(s.url)}".endswith(OFFICIAL) for s in entry.sources), entry.title


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
    assert table.entries == (TitleEntry("DevOps Engineer", (), ("261399",), (table.sources["abs"],), "Because.", 6),)
    assert table.entries[0].occupation == "261399"


def test_a_title_in_two_senses_loads_with_every_occupation_and_none_settled(tmp_path: Path) -> None:
    table = _load(tmp_path, GOOD.replace('occupation: "261399"', 'occupations: ["133211", "135112"]'))
    (entry,) = table.entries
    assert entry.occupations == ("133211", "135112") and entry.occupation is None


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
    pytest.param(('occupation: "261399"', 'occupation: "261399"\n    occupations: ["261399", "261313"]'),
                 "line 6 (DevOps Engineer): give occupation (one code) or occupations", id="both-one-and-several"),
    pytest.param(('occupation: "261399"', 'occupations: ["261399"]'),
                 "line 6 (DevOps Engineer): occupations must list two or more codes", id="several-of-one"),
    pytest.param(('occupation: "261399"', 'occupations: "261399"'),
                 "line 6 (DevOps Engineer): occupations must list two or more codes", id="several-not-a-list"),
    pytest.param(('occupation: "261399"', 'occupations: ["261399", "261399"]'),
                 "line 6 (DevOps Engineer): occupations lists a code twice", id="several-twice"),
    pytest.param(('occupation: "261399"', 'occupations: ["261399", "999999"]'),
                 "line 6 (DevOps Engineer): occupation 999999 is not in ANZSCO 2013", id="several-unknown"),
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
