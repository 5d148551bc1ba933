"""The retention schedule read strictly (pure): the packaged one loads; each mistake is refused naming the entry and
the field and what to write instead; periods count back in calendar months and years."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bordercase.retention.schedule import (
    PACKAGED,
    Kind,
    Period,
    ScheduleError,
    Then,
    period_parse,
    schedule_load,
    schedule_parse,
)

TEXT = PACKAGED.read_text(encoding="utf-8")


def edited(change: dict[str, object], entry: int = 0, drop: str | None = None) -> str:
    """The packaged schedule with one entry changed (or a field of it dropped)."""
    raw = yaml.safe_load(TEXT)
    raw["records"][entry].update(change)
    if drop:
        del raw["records"][entry][drop]
    return yaml.safe_dump(raw, allow_unicode=True)


def test_the_packaged_schedule_covers_every_kind_with_a_source() -> None:
    schedule = schedule_load()
    assert {r.kind for r in schedule.rules} == set(Kind)
    for rule in schedule.rules:
        assert rule.sources and all(s.url.startswith(("https://", "http://")) for s in rule.sources)
    # Requests are reduced, never deleted: their history and the statistics need them.
    assert {r.kind for r in schedule.rules if r.then == Then.REDUCE} == {
        Kind.DRAFT_NEVER_LODGED, Kind.DECLINED, Kind.WITHDRAWN, Kind.LAPSED, Kind.VISA_GRANTED, Kind.VISA_DECLINED}
    # Every decided request cites the Public Records Act and the agency's own disposal authority it needs.
    for kind in (Kind.DECLINED, Kind.VISA_GRANTED, Kind.EVIDENCE):
        assert {"pra-s18", "agency-authority"} <= {s.key for s in schedule.rule(kind).sources}


@pytest.mark.parametrize(("text", "message"), [
    (edited({"kept_for": "two years"}, 1), "entry 2 (declined): kept_for: 'two years' is not a period: write a whole "
                                           "number and a unit"),
    (edited({"kept_for": "-1 days"}, 1), "entry 2 (declined): kept_for: '-1 days' is not a period"),
    (edited({"then": "delete"}, 1), "entry 2 (declined): then must be 'reduce' for declined, not 'delete': a "
                                    "request's history and statistics need the request itself."),
    (edited({"counted_from": "lodging"}, 1), "entry 2 (declined): counted_from must be 'decision' for declined"),
    (edited({"sources": ["ipp9", "gda99"]}, 1), "entry 2 (declined): sources names 'gda99', which is not among the "
                                                "schedule's sources"),
    (edited({"sources": []}, 1), "entry 2 (declined): sources must list at least one source"),
    (edited({"kind": "passports"}, 1), "entry 2 (passports): kind 'passports' is not a kind of record bordercase "
                                       "keeps; the kinds are draft_never_lodged, declined"),
    (edited({"colour": "red"}, 0), "entry 1 (draft_never_lodged): colour is not a field of an entry"),
    (edited({}, 3, drop="why"), "entry 4 (lapsed): why is missing."),
    (edited({"title": "  "}, 0), "entry 1 (draft_never_lodged): title must be some text"),
    (edited({"kind": "declined"}, 2), "entry 3 (declined): declined is listed twice."),
    ("sources: {}\n", "a schedule has exactly two parts, sources and records."),
    ("records: [\n", "is not YAML"),
])
def test_a_bad_schedule_is_refused_naming_the_entry_and_the_field(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(message)):
        schedule_parse(text, "own.yaml")


def test_a_schedule_without_a_kind_is_refused_naming_it() -> None:
    raw = yaml.safe_load(TEXT)
    raw["records"] = [r for r in raw["records"] if r["kind"] != "session"]
    with pytest.raises(ScheduleError, match=r"own.yaml: no entry for session: every kind needs one"):
        schedule_parse(yaml.safe_dump(raw), "own.yaml")


def test_a_source_without_a_web_address_is_refused() -> None:
    raw = yaml.safe_load(TEXT)
    raw["sources"]["ipp9"]["url"] = "privacy.org.nz"
    with pytest.raises(ScheduleError, match=r"source 'ipp9': url must be a web address"):
        schedule_parse(yaml.safe_dump(raw), "own.yaml")


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match=r"Cannot read the retention schedule .*missing.yaml.*"
                                            r"BORDERCASE_RETENTION_FILE"):
        schedule_load(tmp_path / "missing.yaml")


@pytest.mark.parametrize(("period", "moment", "before"), [
    ("6 months", dt.datetime(2026, 8, 31, 9, 0, tzinfo=dt.UTC), dt.datetime(2026, 2, 28, 9, 0, tzinfo=dt.UTC)),
    ("1 year", dt.datetime(2028, 2, 29, tzinfo=dt.UTC), dt.datetime(2027, 2, 28, tzinfo=dt.UTC)),
    ("2 years", dt.datetime(2026, 12, 6, tzinfo=dt.UTC), dt.datetime(2024, 12, 6, tzinfo=dt.UTC)),
    ("14 months", dt.datetime(2026, 1, 15, tzinfo=dt.UTC), dt.datetime(2024, 11, 15, tzinfo=dt.UTC)),
    ("30 days", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 30, tzinfo=dt.UTC)),
    ("2 weeks", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 15, tzinfo=dt.UTC)),
    ("0 days", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
])
def test_a_period_counts_back_in_calendar_months_and_years(period: str, moment: dt.datetime,
                                                           before: dt.datetime) -> None:
    assert period_parse(period).before(moment) == before


def test_a_period_reads_back_as_written() -> None:
    assert [str(period_parse(t)) for t in ("1 year", "2 years", "1 day", "6 months")] == [
        "1 year", "2 years", "1 day", "6 months"]
    assert Period(3, "month") == period_parse("3 months")
