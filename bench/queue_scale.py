"""The assessment queue over 100,000 lodged requests in PostgreSQL: how long its page takes, with the clocks.

    .venv/bin/python bench/queue_scale.py [--requests 100000] [--repeats 9]

On a PostgreSQL database of its own (dropped at the end) it lodges one tech nomination through bordercase's own
one-call lodging, then copies it, with its rules' evaluation, into --requests lodged requests at NZTech: lodged
over the last 90 days, most waiting, some in assessment, some waiting for the applicant, some decided, each with
the clock its transitions would have kept (``cases.assessment.clock_after``). Then, through Django's test client
(the whole middleware stack, signed in as an NZTech assessor with the second factor given, no HTTP server), it
times the queue page as an assessor opens it, sorted by working days waited, filtered to the overdue, and a page
deep in the list; and in the same run the baseline: a bare ``SELECT`` of the same 50 rows the first page shows,
the least any page could do. Goal: every page under 300 ms. Results are printed and written to
bench/results/queue_scale-<UTC timestamp>.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from typing import Any

from intake_queries import database_arguments, django_on_bench_database, parsed, written
from stats import machine, timed, timed_table

GOAL_MS = 300.0
PAGES = {
    "queue as opened (open requests, oldest first)": "/assessment/",
    "sorted by working days waited": "/assessment/?sort=waited",
    "overdue only": "/assessment/?overdue=yes",
    "waited at least 20 working days, newest first": "/assessment/?waited=20&sort=newest",
    "page 1,000 of the open requests": "/assessment/?page=1000",
}


def _assessor_client() -> Any:
    """A client signed in as an NZTech assessor who gave the code from their authenticator app."""
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bordercase.accounts.models import Membership, User
    from bordercase.accounts.organisations import membership_add, organisation_by_code

    user = User.objects.create_user("assessor@nztech.example", None, full_name="Queue Bench")
    membership_add(user=user, organisation=organisation_by_code("nztech"), role=Membership.Role.ASSESSOR)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client = Client()
    client.force_login(user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():0{device.digits}d}"
    response = client.post("/sign-in/code/", {"code": code, "next": "/"})
    if response.status_code != 302:
        raise SystemExit(f"the second step answered {response.status_code}: the bench cannot sign in")
    return client


def load(count: int) -> float:
    """``count`` lodged requests at NZTech, copied from one lodged through the service."""
    from bench_fixture import employer_with_token
    from django.utils import timezone
    from intake_load import ANSWERS

    from bordercase.accounts.models import Organisation, User
    from bordercase.accounts.organisations import organisation_by_code
    from bordercase.cases.assessment import clock_after
    from bordercase.cases.lifecycle import State
    from bordercase.cases.models import Evaluation, Request, Scheme
    from bordercase.cases.services.lodging import request_create_lodged
    from bordercase.lib.identifiers import reference_new

    started = time.perf_counter()
    nzbn = employer_with_token()["nzbn"]
    organisation = Organisation.objects.get(nzbn=nzbn)
    by = User.objects.get(email="bench@load-test.example")
    scheme = Scheme.objects.get(code="tech-specialists-2022")
    nominee = {"given_names": "Queue", "family_name": "Bench", "date_of_birth": dt.date(1988, 4, 12),
               "nationality": "IND", "passport_number": "Q1234567", "email": "queue@load-test.example"}
    first, evaluation = request_create_lodged(
        by=by, scheme=scheme, organisation=organisation, nominee=nominee, answers=ANSWERS,
        assessing_body=organisation_by_code("nztech"))
    assert evaluation is not None  # noqa: S101 - the tech scheme has rules
    assessor = User.objects.get(email="assessor@nztech.example")
    rng = random.Random(100_000)  # noqa: S311 - made-up data, the same on every run
    now = timezone.now()
    references: set[str] = {first.reference}
    batch: list[Request] = []
    made = 0
    while made < count - 1:
        reference = reference_new()
        if reference in references:
            continue
        references.add(reference)
        lodged = now - dt.timedelta(minutes=rng.randrange(90 * 24 * 60))
        roll = rng.random()
        # Most wait to be claimed; some are in assessment, some wait for the applicant, a few are decided.
        status, moves = ((State.LODGED, []) if roll < 0.55 else (State.IN_ASSESSMENT, []) if roll < 0.8 else
                         (State.INFO_REQUESTED, ["request_information"]) if roll < 0.9 else
                         (State.DECLINED, ["decline"]) if roll < 0.95 else (State.ELIGIBLE, ["find_eligible"]))
        clock = clock_after("lodge", lodged, None)
        moment = lodged
        for name in moves:
            moment = min(now, moment + dt.timedelta(days=rng.randrange(1, 30)))
            clock = clock_after(name, moment, clock)
        request = Request(reference=reference, scheme=scheme, organisation=organisation, created_by=by,
                          nominee_id=first.nominee_id, assessing_body_id=first.assessing_body_id,
                          assignee=assessor if status != State.LODGED and rng.random() < 0.3 else None,
                          answers=first.answers, worker_identity=first.worker_identity, status=status.value,
                          lodged_at=lodged, status_changed_at=moment, events_count=2,
                          events_head_hash=first.events_head_hash, clock_target=first.clock_target)
        request.stored_clock = clock
        batch.append(request)
        made += 1
        if len(batch) == 5000 or made == count - 1:
            Request.objects.bulk_create(batch)
            Evaluation.objects.bulk_create(
                Evaluation(request=r, policy_version=evaluation.policy_version, as_at=evaluation.as_at,
                           outcome=rng.choice(["eligible", "eligible", "needs_review", "ineligible"]),
                           criteria=evaluation.criteria, answers=evaluation.answers) for r in batch)
            batch = []
            print(f"  lodged {made + 1:,} of {count:,}", file=sys.stderr, flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table that has settled
    return time.perf_counter() - started


def measure(options: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from bordercase.accounts.organisations import organisation_by_code
    from bordercase.cases.services.queue import OPEN_STATES

    call_command("migrate", verbosity=0)
    client = _assessor_client()
    load_seconds = load(options.requests)
    body = organisation_by_code("nztech").pk

    def page(path: str) -> Any:
        def get() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        return get

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM cases_request WHERE assessing_body_id = %s AND status = ANY(%s) "
                           "ORDER BY lodged_at, id LIMIT 50", [body, list(OPEN_STATES)])
            cursor.fetchall()

    results: dict[str, Any] = {"baseline: a bare SELECT of the first page's 50 rows": timed(baseline, options.repeats)}
    for name, path in PAGES.items():
        results[name] = timed(page(path), options.repeats)
    if options.profile:
        _profile(client)
    shown = client.get(PAGES["queue as opened (open requests, oldest first)"]).content.decode()
    base = results["baseline: a bare SELECT of the first page's 50 rows"]["median_ms"]
    for figures in results.values():
        figures["ratio_to_baseline"] = round(figures["median_ms"] / base, 1) if base else None
    worst = max(r["max_ms"] for n, r in results.items() if not n.startswith("baseline"))
    return {"requests": options.requests, "load_seconds": round(load_seconds, 1), "repeats": options.repeats,
            "machine": machine(), "results": results, "worst_page_ms": worst, "goal_ms": GOAL_MS,
            "goal_met": worst < GOAL_MS, "first_page_shows_clocks": "working day" in shown}


def _profile(client: Any) -> None:
    """Each page's statements with their times, to see where the milliseconds go."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, path in PAGES.items():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(path)
            total = (time.perf_counter() - started) * 1000
        spent = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"\n{name}: {total:.0f} ms, {len(queries)} statements taking {spent:.0f} ms", file=sys.stderr)
        for q in queries.captured_queries:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}", file=sys.stderr)
            if float(q["time"]) > 0.02:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN ANALYZE {q['sql']}")
                    print("\n".join(f"      {line}" for (line,) in cursor.fetchall()), file=sys.stderr)


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# The assessment queue over {report['requests']:,} lodged requests "
             f"(PostgreSQL {report['machine']['postgresql']})", "",
             f"{report['machine']['cpu']}, {report['machine']['cores']} cores, Python {report['machine']['python']};"
             f" loaded in {report['load_seconds']} s; first call, then median and max of {report['repeats']}.", "",
             *timed_table(report["results"]), "",
             f"Slowest page call: {report['worst_page_ms']} ms; goal under {report['goal_ms']:.0f} ms: "
             f"{'met' if report['goal_met'] else 'NOT met'}. The first page shows working-day clocks: "
             f"{'yes' if report['first_page_shows_clocks'] else 'NO'}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="print each page's statements and their times")
    database_arguments(parser, "bordercase_bench_queue")
    options = parsed(parser)
    with django_on_bench_database(options, "bordercase-queue-"):
        report = measure(options)
    print(markdown(report))
    print(f"Written to {written('queue_scale', report, markdown(report))}.json and .md")
    if not report["goal_met"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
