"""The retention schedule: how long each kind of record is kept, from when, what then happens, and on what authority.

Pure (no Django): the schedule is data in YAML (``schedule.yaml`` beside this module, or a deployment's own file),
read strictly so that a mistake is refused whole, naming the entry and the field, before anything is removed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

PACKAGED = Path(__file__).with_name("schedule.yaml")


class Kind(StrEnum):
    """Every kind of record the retention run acts on; a schedule must say what happens to each."""

    DRAFT_NEVER_LODGED = "draft_never_lodged"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"
    VISA_GRANTED = "visa_granted"
    VISA_DECLINED = "visa_declined"
    EVIDENCE = "evidence"
    TRAVEL_DETAILS = "travel_details"
    UNCONFIRMED_ACCOUNT = "unconfirmed_account"
    QUEUED_EMAIL = "queued_email"
    IDEMPOTENCY_RECORD = "idempotency_record"
    SESSION = "session"


class Then(StrEnum):
    DELETE = "delete"
    REDUCE = "reduce"  # the personal details removed; what the statistics and the audit read kept


# What the code does for each kind, counted from which moment: a schedule cannot ask for another, for nothing would
# do it. (A request that ends in a final state is dated by its decision, the moment it reached that state.)
_FIXED: dict[Kind, tuple[str, Then]] = {
    Kind.DRAFT_NEVER_LODGED: ("last_change", Then.REDUCE),
    Kind.DECLINED: ("decision", Then.REDUCE),
    Kind.WITHDRAWN: ("decision", Then.REDUCE),
    Kind.LAPSED: ("decision", Then.REDUCE),
    Kind.VISA_GRANTED: ("decision", Then.REDUCE),
    Kind.VISA_DECLINED: ("decision", Then.REDUCE),
    Kind.EVIDENCE: ("decision", Then.DELETE),
    Kind.TRAVEL_DETAILS: ("decision", Then.DELETE),
    Kind.UNCONFIRMED_ACCOUNT: ("sign_up", Then.DELETE),
    Kind.QUEUED_EMAIL: ("finished", Then.DELETE),
    Kind.IDEMPOTENCY_RECORD: ("created", Then.DELETE),
    Kind.SESSION: ("expiry", Then.DELETE),
}
# The kinds that end a lodged request, by the final state each is: its name is the state's.
REQUEST_OUTCOMES = (Kind.DECLINED, Kind.WITHDRAWN, Kind.LAPSED, Kind.VISA_GRANTED, Kind.VISA_DECLINED)

COUNTED_FROM_TEXT = {
    "last_change": "after it was last changed",
    "decision": "after the request's final decision",
    "sign_up": "after sign-up",
    "finished": "after it was sent (or finally failed)",
    "created": "after it was made",
    "expiry": "after it expires",
}

_PERIOD = re.compile(r"^(\d{1,4}) (day|week|month|year)s?$")
_ENTRY_FIELDS = {"kind", "title", "holds", "kept_for", "counted_from", "then", "keeps", "sources", "why"}
_SOURCE_FIELDS = {"title", "url"}


class ScheduleError(ValueError):
    """The schedule cannot be used; the message names where (the file, the entry, the field) and what to do."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # day, week, month or year

    def before(self, moment: dt.datetime) -> dt.datetime:
        """The moment this period before ``moment``: a record dated at or before it has been kept long enough.

        Months and years are calendar ones; the 31st of a shorter month is its last day."""
        if self.unit in ("day", "week"):
            return moment - dt.timedelta(days=self.amount * (7 if self.unit == "week" else 1))
        months = self.amount * (12 if self.unit == "year" else 1)
        year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str

    @property
    def short(self) -> str:
        """What the source is, without what it says: the title up to its first colon."""
        return self.title.partition(":")[0]


@dataclass(frozen=True)
class Rule:
    kind: Kind
    title: str
    holds: str
    kept_for: Period
    counted_from: str
    then: Then
    keeps: str
    sources: tuple[Source, ...]
    why: str

    @property
    def counted_from_text(self) -> str:
        return COUNTED_FROM_TEXT[self.counted_from]

    def cutoff(self, as_at: dt.datetime) -> dt.datetime:
        """Records of this kind dated at or before this moment go, as at ``as_at``."""
        return self.kept_for.before(as_at)


@dataclass(frozen=True)
class Schedule:
    origin: str  # the file it came from, for messages and the statement
    rules: tuple[Rule, ...]
    sources: tuple[Source, ...]

    def rule(self, kind: Kind) -> Rule:
        return next(r for r in self.rules if r.kind == kind)


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScheduleError(f"{where}: {field} must be some text; it is {value!r}.")
    return value.strip()


def period_parse(text: Any, where: str = "kept_for") -> Period:
    match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ScheduleError(f"{where}: {text!r} is not a period: write a whole number and a unit, such as "
                            "\"30 days\", \"6 months\" or \"2 years\".")
    return Period(int(match[1]), match[2])


def _sources(raw: Any, origin: str) -> dict[str, Source]:
    if not isinstance(raw, Mapping) or not raw:
        raise ScheduleError(f"{origin}: sources must map each source's short name to its title and url.")
    found = {}
    for key, body in raw.items():
        where = f"{origin}, source {key!r}"
        if not isinstance(body, Mapping):
            raise ScheduleError(f"{where}: give its title and url.")
        unknown = set(body) - _SOURCE_FIELDS
        if unknown:
            raise ScheduleError(f"{where}: {', '.join(sorted(map(str, unknown)))} is not a field of a source: a "
                                "source has only a title and a url.")
        url = _text(body.get("url"), where, "url")
        if not url.startswith(("https://", "http://")):
            raise ScheduleError(f"{where}: url must be a web address, starting https:// or http://; it is {url!r}.")
        found[str(key)] = Source(str(key), _text(body.get("title"), where, "title"), url)
    return found


def _rule(raw: Any, number: int, origin: str, sources: dict[str, Source]) -> Rule:
    if not isinstance(raw, Mapping):
        raise ScheduleError(f"{origin}, entry {number}: each entry of records is a mapping of its fields.")
    kind_text = raw.get("kind")
    where = f"{origin}, entry {number} ({kind_text})" if kind_text else f"{origin}, entry {number}"
    unknown = set(raw) - _ENTRY_FIELDS
    if unknown:
        raise ScheduleError(f"{where}: {', '.join(sorted(map(str, unknown)))} is not a field of an entry; the "
                            f"fields are {', '.join(sorted(_ENTRY_FIELDS))}.")
    missing = _ENTRY_FIELDS - set(raw)
    if missing:
        raise ScheduleError(f"{where}: {', '.join(sorted(missing))} is missing.")
    try:
        kind = Kind(str(kind_text))
    except ValueError:
        raise ScheduleError(f"{where}: kind {kind_text!r} is not a kind of record bordercase keeps; the kinds are "
                            f"{', '.join(k.value for k in Kind)}.") from None
    counted_from, then = _FIXED[kind]
    if raw["counted_from"] != counted_from:
        raise ScheduleError(f"{where}: counted_from must be {counted_from!r} for {kind.value} (that is the date "
                            f"bordercase keeps for it), not {raw['counted_from']!r}.")
    if raw["then"] != then.value:
        raise ScheduleError(f"{where}: then must be {then.value!r} for {kind.value}, not {raw['then']!r}"
                            + (": a request's history and statistics need the request itself."
                               if then == Then.REDUCE else "."))
    listed = raw["sources"]
    if not isinstance(listed, list) or not listed:
        raise ScheduleError(f"{where}: sources must list at least one source by its short name.")
    for key in listed:
        if key not in sources:
            raise ScheduleError(f"{where}: sources names {key!r}, which is not among the schedule's sources "
                                f"({', '.join(sorted(sources))}).")
    return Rule(
        kind=kind, title=_text(raw["title"], where, "title"), holds=_text(raw["holds"], where, "holds"),
        kept_for=period_parse(raw["kept_for"], f"{where}: kept_for"), counted_from=counted_from, then=then,
        keeps=_text(raw["keeps"], where, "keeps"), sources=tuple(sources[k] for k in listed),
        why=_text(raw["why"], where, "why"),
    )


def schedule_parse(text: str, origin: str) -> Schedule:
    """The schedule in this YAML text; ScheduleError naming the entry and field of the first thing wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScheduleError(f"{origin} is not YAML: {exc}") from exc
    if not isinstance(raw, Mapping) or set(raw) != {"sources", "records"}:
        raise ScheduleError(f"{origin}: a schedule has exactly two parts, sources and records.")
    sources = _sources(raw["sources"], origin)
    if not isinstance(raw["records"], list):
        raise ScheduleError(f"{origin}: records must be a list of entries, one per kind of record.")
    rules: list[Rule] = []
    for number, entry in enumerate(raw["records"], start=1):
        rule = _rule(entry, number, origin, sources)
        if any(r.kind == rule.kind for r in rules):
            raise ScheduleError(f"{origin}, entry {number} ({rule.kind.value}): {rule.kind.value} is listed twice.")
        rules.append(rule)
    missing = [k.value for k in Kind if k not in {r.kind for r in rules}]
    if missing:
        raise ScheduleError(f"{origin}: no entry for {', '.join(missing)}: every kind needs one, for bordercase "
                            "acts on each (copy it from the packaged schedule.yaml).")
    return Schedule(origin, tuple(rules), tuple(sources.values()))


def schedule_load(path: str | Path | None = None) -> Schedule:
    """The schedule in a file (the packaged one by default); ScheduleError if it cannot be read or used."""
    where = Path(path) if path else PACKAGED
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"Cannot read the retention schedule {where}: {exc}. Check BORDERCASE_RETENTION_FILE.") \
            from exc
    return schedule_parse(text, str(where))
