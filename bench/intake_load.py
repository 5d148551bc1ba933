"""Lodging under load: N concurrent API clients against gunicorn and PostgreSQL, beside a bare Django view.

    .venv/bin/python bench/intake_load.py [--clients 16,64,256] [--seconds 15] [--workers 3]

For each N it runs, against the same gunicorn (as `bordercase serve` runs it: sync workers, production mode,
persistent database connections) on a fresh PostgreSQL database of its own:

- **lodging**: each client creates a request (`POST /api/v1/requests`) and lodges it (`POST .../lodge`),
  each with its own Idempotency-Key, retrying a failed or timed-out call with the same key; 5% of creates
  are deliberately sent twice with the same key, and must come back with the same reference;
- **bare**: the same clients post the same body to a bench-only view that parses it and inserts one row:
  the framework's own ceiling on this machine.

After each lodging run it counts in the database: every request the clients meant to lodge must be there
exactly once, lodged (lost and duplicated must both be zero). The clients are closed loops on the same two
cores as the server, so these are figures for this machine, not a capacity plan.

Results are printed as they come and written to bench/results/intake_load-<timestamp>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATABASE = "bordercase_bench"
PG = "postgres://postgres@127.0.0.1:5432"
RESULTS = ROOT / "bench" / "results"
VAR_DIR = tempfile.mkdtemp(prefix="bordercase-bench-")
ANSWERS = {"anzsco_code": "261313", "annual_salary_nzd": 145000, "employment_agreement_signed": True,
           "pipeline_programmes": ["Summer of Tech"], "industry_memberships": ["NZTech"]}


# --- the server -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env() -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": f"{PG}/{DATABASE}", "BORDERCASE_MODE": "production", "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
        "DATABASE_CONN_MAX_AGE": "60", "BORDERCASE_TASKS": "database", "BORDERCASE_VAR_DIR": VAR_DIR,
        "PYTHONPATH": f"{ROOT / 'bench' / 'site'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
    }


def database_create() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    print("Migrating a fresh database…", flush=True)
    subprocess.run([str(BIN / "bordercase"), "migrate", "-v", "0"], env=server_env(), check=True)  # noqa: S603
    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), body text)")


SETUP = """
import django, datetime as dt
django.setup()
from django.utils import timezone
from bordercase.accounts.models import User
from bordercase.accounts.tokens import token_create
from bordercase.cases.identifiers import nzbn_with_check_digit
from bordercase.cases.models import Scheme
from bordercase.cases.services.organisations import employer_create, membership_add
from bordercase.cases.services.windows import window_add
org = employer_create(name="Bench Limited", nzbn=nzbn_with_check_digit("942904199999"))
user = User.objects.create_user("bench@example.com", None, full_name="Bench")
membership_add(user=user, organisation=org, role="employer")
now = timezone.now()
window_add(scheme=Scheme.objects.get(code="tech-specialists-2022"), opens_at=now - dt.timedelta(days=1),
           closes_at=now + dt.timedelta(days=1))
print(org.nzbn, token_create(user=user, name="bench")[1])
"""


def employer_with_token() -> tuple[str, str]:
    # Our own script, in our own interpreter.
    out = subprocess.run([sys.executable, "-c", SETUP], env=server_env(), check=True,  # noqa: S603
                         capture_output=True, text=True).stdout.split()
    return out[-2], out[-1]


def gunicorn_start(port: int, workers: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - the virtual environment's own gunicorn
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--backlog", "2048",
         "--timeout", "60", "bordercase.wsgi:application"],
        env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")


# --- the clients ----------------------------------------------------------------------------------------------


class Retry(Exception):
    pass


async def http_post(port: int, path: str, body: dict[str, Any], headers: dict[str, str], timeout: float
                    ) -> tuple[int, dict[str, Any]]:
    """One POST over a fresh connection: gunicorn's sync workers close it after every answer."""
    payload = json.dumps(body).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(payload)}\r\nConnection: close\r\n{head}\r\n").encode() + payload

    async def exchange() -> tuple[int, dict[str, Any]]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        header, _, content = raw.partition(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1])
        return status, json.loads(content) if content else {}

    return await asyncio.wait_for(exchange(), timeout)


@dataclass
class Tally:
    http_latencies: list[float] = field(default_factory=list)
    operation_latencies: list[float] = field(default_factory=list)
    started: int = 0
    completed: int = 0
    failed: int = 0
    retries: int = 0
    replays: int = 0
    replay_mismatches: int = 0
    passports: set[str] = field(default_factory=set)


async def call(tally: Tally, port: int, path: str, body: dict[str, Any], headers: dict[str, str],
               ok: set[int]) -> dict[str, Any]:
    """A POST retried with the same headers (and so the same Idempotency-Key) after a failure or a 5xx."""
    for attempt in range(6):
        began = time.perf_counter()
        try:
            status, answer = await http_post(port, path, body, headers, timeout=10)
        except (OSError, TimeoutError, ValueError, IndexError):
            status, answer = 599, {}
        tally.http_latencies.append(time.perf_counter() - began)
        if status in ok:
            return answer
        if status < 500 and status not in {409, 429}:
            raise Retry(f"{path} answered {status}: {answer}")
        tally.retries += 1
        await asyncio.sleep(0.05 * 2**attempt * random.random())  # noqa: S311 - jitter, not secrecy
    raise Retry(f"{path} failed after 6 attempts")


async def lodging_client(n: int, tally: Tally, port: int, deadline: float, run: str, nzbn: str, token: str
                         ) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    i = 0
    while time.monotonic() < deadline:
        i += 1
        passport = f"B{run}{n:03d}{i:05d}"
        tally.started += 1
        tally.passports.add(passport)
        body = {"scheme": "tech-specialists-2022", "organisation_nzbn": nzbn, "assessing_body": "nztech",
                "nominee": {"given_names": "Load", "family_name": f"Client{n}", "date_of_birth": "1988-04-12",
                            "nationality": "IND", "passport_number": passport, "email": f"{passport}@example.com"},
                "answers": ANSWERS}
        began = time.perf_counter()
        try:
            create_headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
            created = await call(tally, port, "/api/v1/requests", body, create_headers, {201})
            if random.random() < 0.05:  # noqa: S311 - which creates to repeat, not secrecy
                again = await call(tally, port, "/api/v1/requests", body, create_headers, {201})
                tally.replays += 1
                tally.replay_mismatches += again.get("reference") != created["reference"]
            lodge = f"/api/v1/requests/{created['reference']}/transitions/lodge"
            await call(tally, port, lodge, {}, {**auth, "Idempotency-Key": str(uuid.uuid4())}, {200})
        except Retry as exc:
            tally.failed += 1
            print(f"  gave up: {exc}", flush=True)
            continue
        tally.operation_latencies.append(time.perf_counter() - began)
        tally.completed += 1


async def bare_client(n: int, tally: Tally, port: int, deadline: float) -> None:
    body = {"scheme": "tech-specialists-2022", "nominee": {"passport_number": f"X{n}"}, "answers": ANSWERS}
    while time.monotonic() < deadline:
        tally.started += 1
        began = time.perf_counter()
        try:
            await call(tally, port, "/bench/bare/", body, {}, {201})
        except Retry:
            tally.failed += 1
            continue
        tally.operation_latencies.append(time.perf_counter() - began)
        tally.completed += 1


async def drive(kind: str, clients: int, seconds: float, port: int, run: str, nzbn: str, token: str
                ) -> tuple[Tally, float]:
    tally = Tally()
    began = time.monotonic()
    deadline = began + seconds
    if kind == "lodging":
        jobs = [lodging_client(n, tally, port, deadline, run, nzbn, token) for n in range(clients)]
    else:
        jobs = [bare_client(n, tally, port, deadline) for n in range(clients)]
    await asyncio.gather(*jobs)
    return tally, time.monotonic() - began


# --- checking and reporting ---------------------------------------------------------------------------------------


def check_database(run: str, tally: Tally) -> dict[str, int]:
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        rows = conn.execute(
            "SELECT p.passport_number, r.status FROM cases_request r JOIN cases_person p ON p.id = r.nominee_id "
            "WHERE p.passport_number LIKE %s", [f"B{run}%"]).fetchall()
    found: dict[str, list[str]] = {}
    for passport, status in rows:
        found.setdefault(passport, []).append(status)
    duplicated = sum(len(v) - 1 for v in found.values())
    lodged = {p for p, statuses in found.items() if "lodged" in statuses}
    # A lodging the client completed must be in the database, lodged; one it gave up on may be a draft.
    completed_missing = tally.completed - len(lodged & tally.passports)
    return {"rows": len(rows), "lodged": len(lodged), "duplicated": duplicated, "lost": max(completed_missing, 0)}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def summary(kind: str, clients: int, tally: Tally, elapsed: float) -> dict[str, Any]:
    return {
        "kind": kind, "clients": clients, "seconds": round(elapsed, 2), "operations": tally.completed,
        "operations_per_s": round(tally.completed / elapsed, 1),
        "http_requests": len(tally.http_latencies), "http_per_s": round(len(tally.http_latencies) / elapsed, 1),
        "http_p50_ms": round(percentile(tally.http_latencies, 50), 1),
        "http_p99_ms": round(percentile(tally.http_latencies, 99), 1),
        "operation_p50_ms": round(percentile(tally.operation_latencies, 50), 1),
        "operation_p99_ms": round(percentile(tally.operation_latencies, 99), 1),
        "failed": tally.failed, "retries": tally.retries, "replays": tally.replays,
        "replay_mismatches": tally.replay_mismatches,
    }


def machine() -> dict[str, str]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    with psycopg.connect(f"{PG}/postgres") as conn:
        pg_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    return {"cpus": str(os.cpu_count()), "cpu": model, "python": platform.python_version(),
            "postgresql": pg_version, "platform": platform.platform()}


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Intake load, {report['when']}", "", f"Machine: {report['machine']}", "",
             f"gunicorn: {report['workers']} sync workers, production settings, DATABASE_CONN_MAX_AGE=60, "
             "email queued in the database (BORDERCASE_TASKS=database).", "",
             "| clients | target | ops/s | HTTP req/s | HTTP p50 ms | HTTP p99 ms | op p50 ms | op p99 ms | "
             "failed | retries | lost | duplicated |", "|" + "---|" * 12]
    for row in report["runs"]:
        lines.append(f"| {row['clients']} | {row['kind']} | {row['operations_per_s']} | {row['http_per_s']} | "
                     f"{row['http_p50_ms']} | {row['http_p99_ms']} | {row['operation_p50_ms']} | "
                     f"{row['operation_p99_ms']} | {row['failed']} | {row['retries']} | {row.get('lost', '-')} | "
                     f"{row.get('duplicated', '-')} |")
    lines += ["", "| clients | lodgings/s ÷ bare inserts/s | lodging HTTP req/s ÷ bare HTTP req/s |", "|---|---|---|"]
    for clients, ratio in report["ratios"].items():
        lines.append(f"| {clients} | {ratio['operations']:.2f} | {ratio['http']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="16,64,256", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each run lasts (default 15)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as bordercase serve)")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]

    database_create()
    nzbn, token = employer_with_token()
    port = free_port()
    server = gunicorn_start(port, args.workers)
    report: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
                              "workers": args.workers, "seconds_per_run": args.seconds, "runs": [], "ratios": {}}
    try:
        for clients in counts:
            results = {}
            for kind in ("bare", "lodging"):
                run = secrets.token_hex(3).upper()
                print(f"{kind:>8} x {clients:>3} clients for {args.seconds:.0f} s…", flush=True)
                tally, elapsed = asyncio.run(drive(kind, clients, args.seconds, port, run, nzbn, token))
                row = summary(kind, clients, tally, elapsed)
                if kind == "lodging":
                    row.update(check_database(run, tally))
                results[kind] = row
                report["runs"].append(row)
                print(f"         {row['operations_per_s']:>7} ops/s, {row['http_per_s']:>7} HTTP req/s, "
                      f"HTTP p50 {row['http_p50_ms']} ms, p99 {row['http_p99_ms']} ms, failed {row['failed']}, "
                      f"retries {row['retries']}"
                      + (f", lost {row['lost']}, duplicated {row['duplicated']}" if kind == "lodging" else ""),
                      flush=True)
            report["ratios"][clients] = {
                "operations": results["lodging"]["operations_per_s"] / results["bare"]["operations_per_s"],
                "http": results["lodging"]["http_per_s"] / results["bare"]["http_per_s"],
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"intake_load-{stamp}.json").write_text(json.dumps(report, indent=2))
    (RESULTS / f"intake_load-{stamp}.md").write_text(markdown(report))
    print()
    print(markdown(report))
    print(f"Written to {RESULTS}/intake_load-{stamp}.json and .md")


if __name__ == "__main__":
    main()
