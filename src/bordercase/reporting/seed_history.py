"""A history shaped like the published figures of mid-2020, as the files `bordercase import` reads: the demo loads
it so /statistics/ shows those figures, and the tests check that importing it reports exactly them.

The figures are Immigration New Zealand's, as reported in June 2020 (see docs/domain-facts in the project's shared
documents: the second seed document):

"As of June 10, there had been 15,331 requests for a border exception; 2914 were invited to apply for a visa, and
2456 visa applications were approved." Up to 28 May, declines and invitations by EOI category; as of 27 May,
10,062 people ordinarily resident with a current work visa offshore, by visa type. Records after those dates, and
people not ordinarily resident, are mixed in so that only an as-at report gives the seed's figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from bordercase.reporting.imports import AlreadyImported, import_offshore, import_requests

NZ = ZoneInfo("Pacific/Auckland")
DECLINED_BY_28_MAY = {"eoi-family-2020": 4918, "eoi-humanitarian-2020": 2457, "eoi-essential-health-worker-2020": 486,
                      "eoi-essential-non-health-worker-2020": 1802, "eoi-australian-2020": 496,
                      "eoi-tongan-samoan-2020": 65}
INVITED_BY_28_MAY = {"eoi-family-2020": 1630, "eoi-humanitarian-2020": 276, "eoi-essential-health-worker-2020": 513,
                     "eoi-essential-non-health-worker-2020": 151, "eoi-australian-2020": 180,
                     "eoi-tongan-samoan-2020": 10}
LODGED_BY_10_JUNE, INVITED_BY_10_JUNE, APPROVED_BY_10_JUNE = 15331, 2914, 2456
OFFSHORE_27_MAY = {"Essential skills": 2950, "Post-study work": 2772, "Partnership": 298,
                   "Partner of a temporary visa holder": 124, "Other work visas": 2436, "Partner of a worker": 1401,
                   "Investment": 33, "Humanitarian work": 48}


def _at(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randrange(8, 18), rng.randrange(60)), tzinfo=NZ)


def _line(category: str, lodged: dt.datetime, decision: str = "", decided: dt.datetime | None = None,
          invited: dt.datetime | None = None, visa: str = "", visa_at: dt.datetime | None = None) -> str:
    record: dict[str, object] = {"category": category, "lodged_at": lodged.isoformat()}
    if decision and decided:
        record.update(decision=decision, decided_at=decided.isoformat())
    if invited:
        record["invited_at"] = invited.isoformat()
    if visa and visa_at:
        record.update(visa_decision=visa, visa_decided_at=visa_at.isoformat())
    return json.dumps(record, separators=(",", ":"))


def requests_jsonl(seed: int = 2020) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - the same made-up history every time, not a secret
    april, may_20, may_28 = dt.date(2020, 4, 1), dt.date(2020, 5, 20), dt.date(2020, 5, 28)
    june_10 = dt.date(2020, 6, 10)
    lines, invited = [], []
    for category, count in DECLINED_BY_28_MAY.items():
        for _ in range(count):
            lodged = _at(rng, april, may_20)
            lines.append(_line(category, lodged, "declined", lodged + dt.timedelta(days=rng.randrange(1, 8))))
    for category, count in INVITED_BY_28_MAY.items():
        for _ in range(count):
            lodged = _at(rng, april, may_20)
            decided = lodged + dt.timedelta(days=rng.randrange(1, 8))
            invited.append((category, lodged, decided, decided))
    late = INVITED_BY_10_JUNE - sum(INVITED_BY_28_MAY.values())
    for _ in range(late):  # invited between 29 May and 10 June
        decided = _at(rng, dt.date(2020, 5, 29), june_10)
        invited.append(("other-essential-worker-2020", decided - dt.timedelta(days=3), decided, decided))
    rng.shuffle(invited)
    for number, (category, lodged, decided, at) in enumerate(invited):
        if number < APPROVED_BY_10_JUNE:
            visa_at = min(at + dt.timedelta(days=rng.randrange(0, 3)), end_of(june_10) - dt.timedelta(hours=1))
            lines.append(_line(category, lodged, "eligible", decided, at, "granted", visa_at))
        elif number < APPROVED_BY_10_JUNE + 100:  # granted, but after 10 June
            lines.append(_line(category, lodged, "eligible", decided, at, "granted", end_of(june_10)
                               + dt.timedelta(days=2)))
        else:
            lines.append(_line(category, lodged, "eligible", decided, at))
    rest = LODGED_BY_10_JUNE - len(lines)
    for number in range(rest):  # lodged by 10 June; declined in June or not yet decided
        lodged = _at(rng, may_20, june_10)
        category = rng.choice([*DECLINED_BY_28_MAY, "other-essential-worker-2020"])
        if number % 2 and lodged.date() < june_10:
            decided = _at(rng, max(lodged.date(), dt.date(2020, 5, 29)), june_10 + dt.timedelta(days=5))
            lines.append(_line(category, lodged, "declined", max(decided, lodged + dt.timedelta(hours=1))))
        else:
            lines.append(_line(category, max(lodged, _at(rng, may_28, june_10))))
    for _ in range(500):  # lodged after 10 June
        lines.append(_line("eoi-family-2020", _at(rng, dt.date(2020, 6, 11), dt.date(2020, 6, 30))))
    rng.shuffle(lines)
    return [line + "\n" for line in lines]


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=NZ)


def offshore_csv(seed: int = 27) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - the same made-up history every time, not a secret
    rows = [["visa_type", "ordinarily_resident", "offshore_since"]]
    for visa_type, count in OFFSHORE_27_MAY.items():
        rows += [[visa_type, "yes", str(dt.date(2020, 3, 1) + dt.timedelta(days=rng.randrange(87)))]
                 for _ in range(count)]
        rows += [[visa_type, "no", "2020-04-01"] for _ in range(rng.randrange(5, 50))]
        rows += [[visa_type, "yes", "2020-06-02"] for _ in range(rng.randrange(5, 50))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines(keepends=True)


def history_import(by: str) -> int:
    """Import the history once (a second time is refused as a file already imported, and skipped); the rows added."""
    added = 0
    with tempfile.TemporaryDirectory(prefix="bordercase-history-") as folder:
        for name, lines, load in (("requests-2020.jsonl", requests_jsonl(), import_requests),
                                  ("offshore-visa-holders-2020.csv", offshore_csv(), import_offshore)):
            path = Path(folder) / name
            path.write_text("".join(lines), encoding="utf-8")
            try:
                added += load(path, by=by).run.imported
            except AlreadyImported:
                continue
    return added
