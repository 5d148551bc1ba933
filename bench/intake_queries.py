"""What one lodging costs inside Django: every SQL statement of a create and of a lodge, and where the time goes.

    .venv/bin/python bench/intake_queries.py [--lodgings 300] [--path one-call|two-call] [--profile 40]

The companion of bench/intake_load.py, for reading its figures: on a PostgreSQL database of its own
(dropped at the end) it makes the same employer, token and intake window, then, through Django's test client
(the whole middleware and API stack, no HTTP server), lists the statements of one `POST /api/v1/requests`
and one `POST …/transitions/lodge`, and times --lodgings lodgings made one after another: wall and CPU time
per lodging, the part spent waiting on SQL, and the part spent in the scheme's rules (check and evaluate).

Results are printed and written to bench/results/intake_queries-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"')


def label(statement: str) -> str:
    """`SELECT cases_request (3 joins, for update)`: enough to tell the statements of a lodging apart."""
    verb = statement.split(None, 1)[0].upper()
    table = _TABLE.search(statement)
    notes = []
    if joins := statement.count(" JOIN "):
        notes.append(f"{joins} join{'s' * (joins > 1)}")
    if "FOR UPDATE" in statement:
        notes.append("for update")
    if verb == "SELECT" and statement.rstrip().endswith("LIMIT 1") and 'SELECT 1 AS "a"' in statement:
        notes.append("exists")
    return " ".join([verb, table.group(1) if table else "", f"({', '.join(notes)})" if notes else ""]).strip()


class Timer:
    """Adds up the seconds spent in wrapped calls."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - began
                self.calls += 1
        return timed

    def sql(self, execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
        return self.wrap(execute)(statement, params, many, context)


@contextmanager
def database(options: argparse.Namespace) -> Iterator[str]:
    name = sql.Identifier(options.database)
    with psycopg.connect(f"{options.postgres}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        yield f"{options.postgres}/{options.database}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{options.postgres}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def database_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default=name,
                        help="database to create and drop; must start with bordercase_bench")


def parsed(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The options, refusing a --database that is not the bench's own: the bench drops and re-creates it."""
    options = parser.parse_args()
    if not options.database.startswith("bordercase_bench"):
        parser.error("--database must start with bordercase_bench: the script drops and re-creates it")
    return options


@contextmanager
def django_on_bench_database(options: argparse.Namespace, prefix: str, **env: str) -> Iterator[None]:
    """Django set up on a new database of the bench's own (dropped afterwards), as a deployment runs it: DEBUG
    off, persistent connections, and a var directory of its own; ``env`` adds to the environment."""
    with database(options) as url, tempfile.TemporaryDirectory(prefix=prefix) as var_dir:
        # The settings read the environment once, at import: it must be complete before Django starts.
        os.environ.update({"DATABASE_URL": url, "DEBUG": "false", "BORDERCASE_MODE": "development",
                           "DATABASE_CONN_MAX_AGE": "60", "BORDERCASE_VAR_DIR": var_dir,
                           "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "bordercase.settings", **env})
        sys.path.insert(0, str(BENCH / "site"))
        import django

        django.setup()
        yield


def written(name: str, report: dict[str, Any], markdown: str | None = None) -> Path:
    """The report saved as bench/results/<name>-<UTC timestamp>.json (and .md when given); the stem."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{name}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    if markdown is not None:
        stem.with_suffix(".md").write_text(markdown)
    return stem


def _profile(lodging: Callable[[], None], options: argparse.Namespace) -> None:
    """Where a lodging's CPU goes in this process, by function: its own time and with what it calls."""
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
    profiler.enable()
    for _ in range(options.lodgings):
        lodging()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    print(f"\nProfile of {options.lodgings} more lodgings (cProfile, CPU time of this process; "
          "its own overhead inflates small calls):")
    stats.sort_stats("cumulative").print_stats(options.profile)
    if options.callees:
        stats.print_callees(options.callees)
    stats.sort_stats("tottime").print_stats(options.profile)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--lodgings", type=int, default=300, help="lodgings timed, one after another")
    parser.add_argument("--path", choices=("one-call", "two-call"), default="one-call",
                        help="one-call: POST /api/v1/requests with \"lodge\": true; two-call: create, then lodge")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="then profile as many lodgings again and print the N functions costing most")
    parser.add_argument("--callees", default="", help="with --profile, also what the functions matching this call")
    database_arguments(parser, "bordercase_bench_queries")
    options = parsed(parser)
    # One token makes every lodging here: its per-token limit would stop the bench.
    with django_on_bench_database(options, "bordercase-intake-queries-", BORDERCASE_TASKS="database",
                                  BORDERCASE_API_RATE="10000000/m"):
        report = measure(options)
    print(f"\nWritten to {written('intake_queries', report)}.json")


def measure(options: argparse.Namespace) -> dict[str, Any]:
    from bench_fixture import employer_with_token
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bordercase.policy.scheme import Scheme as Policy

    call_command("migrate", verbosity=0)
    made = employer_with_token()
    client = Client(headers={"Authorization": f"Bearer {made['token']}"})
    answers = {"anzsco_code": "261313", "annual_salary_nzd": 145000, "employment_agreement_signed": True,
               "pipeline_programmes": ["Summer of Tech"], "industry_memberships": ["NZTech"]}

    def create(*, lodge: bool = False) -> Any:
        passport = f"Q{uuid.uuid4().hex[:12].upper()}"
        body = {"scheme": "tech-specialists-2022", "organisation_nzbn": made["nzbn"], "assessing_body": "nztech",
                "nominee": {"given_names": "Query", "family_name": "Count", "date_of_birth": "1988-04-12",
                            "nationality": "IND", "passport_number": passport, "email": "q@load-test.example"},
                "answers": answers, **({"lodge": True} if lodge else {})}
        reply = client.post("/api/v1/requests", body, content_type="application/json",
                            headers={"Idempotency-Key": str(uuid.uuid4())})
        if reply.status_code != 201:
            raise SystemExit(f"create answered {reply.status_code}: {reply.content[:300]!r}")
        return reply.json()["reference"]

    def lodge(reference: str) -> None:
        reply = client.post(f"/api/v1/requests/{reference}/transitions/lodge", {}, content_type="application/json",
                            headers={"Idempotency-Key": str(uuid.uuid4())})
        if reply.status_code != 200:
            raise SystemExit(f"lodge answered {reply.status_code}: {reply.content[:300]!r}")

    def lodging() -> None:
        if options.path == "one-call":
            create(lodge=True)
        else:
            lodge(create())

    for _ in range(30):  # load the rules, fill the caches, open the connection: as a worker that has run a while
        lodging()

    statements: dict[str, list[str]] = {}
    if options.path == "one-call":
        with CaptureQueriesContext(connection) as captured:
            create(lodge=True)
        statements["one-call lodging"] = [label(q["sql"]) for q in captured.captured_queries]
    else:
        with CaptureQueriesContext(connection) as captured:
            reference = create()
        statements["create"] = [label(q["sql"]) for q in captured.captured_queries]
        with CaptureQueriesContext(connection) as captured:
            lodge(reference)
        statements["lodge"] = [label(q["sql"]) for q in captured.captured_queries]
    for step, found in statements.items():
        print(f"{step}: {len(found)} statements")
        for number, text in enumerate(found, start=1):
            print(f"  {number:2}. {text}")
    every = Counter(s for found in statements.values() for s in found)
    print("\nRepeated within one lodging:")
    for text, count in every.most_common():
        if count > 1:
            print(f"  {count} times: {text}")

    sql_time, rules = Timer(), Timer()
    originals = Policy.check, Policy.evaluate
    Policy.check, Policy.evaluate = rules.wrap(Policy.check), rules.wrap(Policy.evaluate)  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(sql_time.sql):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(options.lodgings):
                lodging()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        Policy.check, Policy.evaluate = originals  # type: ignore[method-assign]
    if options.profile:
        _profile(lodging, options)
    n = options.lodgings

    def per(seconds: float) -> float:
        return round(1000 * seconds / n, 2)

    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "lodgings": n, "path": options.path,
        "statements": {step: {"count": len(found), "each": found} for step, found in statements.items()},
        "per_lodging_ms": {"wall": per(wall), "cpu": per(cpu), "sql_wall": per(sql_time.seconds),
                           "rules": per(rules.seconds), "rest": per(wall - sql_time.seconds - rules.seconds)},
        "sql_statements_per_lodging": round(sql_time.calls / n, 1),
    }
    t = report["per_lodging_ms"]
    how = "one call each" if options.path == "one-call" else "create + lodge"
    print(f"\nOne client, {n} lodgings one after another ({how}, through the test client):")
    print(f"  {t['wall']} ms a lodging ({t['cpu']} ms CPU in this process); {t['sql_wall']} ms of it in "
          f"{report['sql_statements_per_lodging']} SQL statements (sent, run, answered), {t['rules']} ms in the "
          f"scheme's rules (check + evaluate), {t['rest']} ms in the rest: Django (building the SQL too), ninja "
          "and bordercase's own Python")
    return report


if __name__ == "__main__":
    main()
