"""Official statistics from records: the seed's figures as at its dates, periods, processing times, small counts,
and reading historical files with every bad line reported."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from bordercase.reporting import seed_history
from bordercase.stats.disclosure import Disclosure, round_base3
from bordercase.stats.records import BadLine, OffshoreHolder, RequestRecord, read_offshore, read_requests
from bordercase.stats.reports import Period, offshore_by_visa_type, processing_times, summary

KNOWN = frozenset({*seed_history.DECLINED_BY_28_MAY, "other-essential-worker-2020", "tech-specialists-2022"})


def seed_records() -> list[RequestRecord]:
    records = list(read_requests(iter(seed_history.requests_jsonl()), KNOWN))
    assert not [r for r in records if isinstance(r, BadLine)]
    return records  # type: ignore[return-value]


def test_the_seed_dataset_reports_exactly_the_seeds_figures_as_at_its_dates() -> None:
    records = seed_records()
    june_10 = summary(records, Period(dt.date(2020, 6, 10))).total
    assert (june_10.lodged, june_10.invited, june_10.visas_granted) == (15331, 2914, 2456)
    may_28 = summary(records, Period(dt.date(2020, 5, 28)))
    assert {c: n.declined for c, n in may_28.by_category.items() if c.startswith("eoi")} == \
        seed_history.DECLINED_BY_28_MAY
    assert {c: n.invited for c, n in may_28.by_category.items() if c.startswith("eoi")} == \
        seed_history.INVITED_BY_28_MAY
    assert sum(n.declined for c, n in may_28.by_category.items() if c.startswith("eoi")) == 10224
    # A day later the figures have moved on: the report is as at its date, not a fixed table.
    june_11 = summary(records, Period(dt.date(2020, 6, 11))).total
    assert june_11.lodged > 15331


def test_the_seed_offshore_visa_holders_as_at_27_may() -> None:
    holders = [h for h in read_offshore(iter(seed_history.offshore_csv())) if isinstance(h, OffshoreHolder)]
    by_type = offshore_by_visa_type(holders, dt.date(2020, 5, 27))
    assert dict(by_type) == seed_history.OFFSHORE_27_MAY and sum(by_type.values()) == 10062


def test_a_period_counts_only_what_happened_in_it() -> None:
    records = seed_records()
    early_june = summary(records, Period(dt.date(2020, 6, 10), since=dt.date(2020, 5, 29))).total
    assert early_june.invited == 2914 - 2760
    assert early_june.lodged == 15331 - summary(records, Period(dt.date(2020, 5, 28))).total.lodged


def test_processing_times_are_working_days_from_lodging_to_decision() -> None:
    nz = seed_history.NZ
    records = [RequestRecord("eoi-family-2020", dt.datetime(2020, 5, 29, 10, tzinfo=nz), "declined",
                             dt.datetime(2020, 6, 2, 10, tzinfo=nz))]  # Friday to Tuesday, Queen's Birthday Monday
    times = processing_times(records, Period(dt.date(2020, 6, 30)))
    assert (times.decided, times.median_working_days) == (1, 1.0)
    many = [RequestRecord("x", dt.datetime(2022, 3, 7, 9, tzinfo=nz), "eligible",
                          dt.datetime(2022, 3, 7, 9, tzinfo=nz) + dt.timedelta(days=d)) for d in range(1, 11)]
    spread = processing_times(many, Period(dt.date(2022, 4, 30)))
    assert spread.decided == 10 and spread.median_working_days is not None and spread.p90_working_days is not None
    assert spread.median_working_days < spread.p90_working_days


@pytest.mark.parametrize(("line", "words"), [
    ('{"category": "eoi-family-2020"}', "lodged_at"),
    ('{"category": "nope", "lodged_at": "2020-05-01T10:00:00+12:00"}', "category 'nope'"),
    ('{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00"}', "no time zone"),
    ('{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00Z", "decision": "declined"}', "go together"),
    ('{"category": "eoi-family-2020", "lodged_at": "2020-05-02T10:00:00Z", "decision": "declined", '
     '"decided_at": "2020-05-01T10:00:00Z"}', "decided_at is before lodged_at"),
    ('{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00Z", "visa_decision": "granted", '
     '"visa_decided_at": "2020-05-03T10:00:00Z"}', "never invited"),
    ('{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00Z", "invited_at": "2020-05-03T10:00:00Z"}',
     "invited to apply was found eligible first"),
    ('{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00Z", "colour": "red"}', "unknown field colour"),
    ("not json", "not JSON"),
])
def test_each_bad_request_line_is_reported_by_number_with_its_problem(line: str, words: str) -> None:
    good = '{"category": "eoi-family-2020", "lodged_at": "2020-05-01T10:00:00+12:00"}'
    results = list(read_requests(iter([good + "\n", line + "\n", good + "\n"]), KNOWN))
    bad = [r for r in results if isinstance(r, BadLine)]
    assert len(results) == 3 and len(bad) == 1
    assert bad[0].number == 2 and words in bad[0].problem


def test_bad_offshore_rows_are_reported_by_line() -> None:
    rows = ["visa_type,ordinarily_resident,offshore_since\n", "Essential skills,yes,2020-05-01\n",
            "Essential skills,maybe,2020-05-01\n", ",yes,2020-05-01\n", "Investment,no,May\n"]
    bad = [r for r in read_offshore(iter(rows)) if isinstance(r, BadLine)]
    assert [(b.number, b.problem.split()[0]) for b in bad] == [(3, "ordinarily_resident"), (4, "visa_type"),
                                                              (5, "offshore_since")]
    header = list(read_offshore(iter(["type,resident,since\n"])))
    assert isinstance(header[0], BadLine) and "header" in header[0].problem


def test_small_counts_are_suppressed_or_randomly_rounded_to_base_3_and_stay_fixed() -> None:
    suppress = Disclosure("suppress", threshold=6)
    assert [suppress.apply(n, "cell") for n in (0, 1, 5, 6, 40)] == [0, None, None, 6, 40]
    rounding = Disclosure("round3", key=b"published-statistics")
    outcomes = Counter(rounding.apply(7, f"cell {i}") for i in range(6000))
    assert set(outcomes) == {6, 9}
    assert 0.62 < outcomes[6] / 6000 < 0.71  # the nearer multiple, two times in three
    assert all(rounding.apply(n, "c") % 3 == 0 and abs(rounding.apply(n, "c") - n) < 3 for n in range(100))
    assert round_base3(7, b"k", "same cell") == round_base3(7, b"k", "same cell")
    assert Disclosure().apply(7, "cell") == 7
