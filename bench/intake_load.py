"""Lodging under load: N concurrent API clients against gunicorn and PostgreSQL, beside its floor and a bare view.

    .venv/bin/python bench/intake_load.py [--clients 16,64,256] [--seconds 20] [--workers 3]
    .venv/bin/python bench/intake_load.py --servers 2 --tasks redis   # two servers behind HAProxy, Redis shared

It makes a PostgreSQL database of its own (dropped at the end), migrates it, makes an employer with an API
token and an open tech-specialists-2022 intake window, and starts gunicorn as `bordercase serve` configures
it (sync workers, the same WSGI app; bench/site adds the bare view), with persistent database connections,
DEBUG off and email queued in the database (or in Redis, `--tasks redis`). (`--server serve` runs `bordercase
serve` itself instead: its database check before forking leaves a connection that, when persistent, the workers
inherit and share.) With `--servers N` it starts N such servers and HAProxy in front of them (bench/servers.py),
the servers sharing their cache through Redis, and every check below holds across them.
Then, for each N:

- **bare**: N clients post a create's JSON body to `bench/bare/`, a bench-only view (bench/site) that
  parses it and inserts one row: gunicorn, Django's middleware and one write, the ceiling on this machine;
- **floor**: N clients post the same body to `bench/floor/`, a bench-only view that makes, in one
  transaction and with plain SQL, the rows a lodging must write (nominee, request, event, evaluation,
  milestone, Idempotency-Key record, queued notification) and nothing else: the fair floor for a lodging;
- **one-call**: N clients each lodge in one call, `POST /api/v1/requests` with `"lodge": true`, with its own
  Idempotency-Key, resent as the create below is;
- **lodging**: N clients each create a request (`POST /api/v1/requests`) and lodge it
  (`POST /api/v1/requests/{reference}/transitions/lodge`), each call with its own Idempotency-Key. A call
  that fails to connect, times out or answers 5xx is retried with the same key (5 times, with backoff).
  A fraction of creates (`--resend`) is sent twice with the same key, half one after the other and half
  at the same moment, and of lodges once more afterwards: each pair must name the same request.

After each run it counts in the database: every lodging a client set out to make must be there exactly
once, lodged, with its two events and one evaluation (zero lost, zero duplicated); every floor lodging once,
with its one event and one evaluation; every bare insert once.

Throughput counts operations completed inside the --seconds window (operations still in flight at its end
are finished and checked, not counted). A lodging is two HTTP requests, a floor lodging and a bare insert one:
the report gives lodgings/s ÷ floor lodgings/s (the goal's ratio) beside lodgings/s ÷ bare inserts/s, and HTTP
requests/s ÷ HTTP requests/s. Clients, server
and database share this machine's cores, so the CPU each used is reported beside the figures.

Results are printed as they come and written to bench/results/intake_load-<UTC timestamp>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from servers import Fleet, children, fleet_start, proc_stat

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
SCHEME = "tech-specialists-2022"
ANSWERS = {"anzsco_code": "261313", "annual_salary_nzd": 145000, "employment_agreement_signed": True,
           "pipeline_programmes": ["Summer of Tech"], "industry_memberships": ["NZTech"]}
RETRIES = 5
PROGRESS_EVERY = 5.0
NOISY = 0.05
TICKS = os.sysconf("SC_CLK_TCK")


# --- the database and the server ------------------------------------------------------------------------------


@dataclass
class Setup:
    options: argparse.Namespace
    var_dir: Path

    @property
    def database_url(self) -> str:
        return f"{self.options.postgres}/{self.options.database}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "BORDERCASE_MODE": "development",
            # DEBUG keeps every query of a request in memory; no deployment runs with it, so nor does the bench.
            "DEBUG": "false",
            # What a deployment would set: a connection per worker kept open, not one opened per request.
            "DATABASE_CONN_MAX_AGE": str(self.options.conn_max_age),
            "BORDERCASE_TASKS": self.options.tasks,
            # Several servers share their cache as separate machines would: through Redis.
            **({"BORDERCASE_CACHE": "redis"} if self.options.servers > 1 else {}),
            "REDIS_URL": self.options.redis,
            # One token stands for the many employers of a busy window: its per-token limit, shared by every
            # worker through the cache, would otherwise throttle the bench rather than measure lodging.
            "BORDERCASE_API_RATE": "10000000/m",
            "BORDERCASE_VAR_DIR": str(self.var_dir),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH / "site"), os.environ.get("PYTHONPATH")])),
        }


def database_create(setup: Setup) -> dict[str, str]:
    name = sql.Identifier(setup.options.database)
    with psycopg.connect(f"{setup.options.postgres}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    say(f"Made database {setup.options.database}; migrating it…")
    subprocess.run([str(BIN / "bordercase"), "migrate", "-v", "0"], env=setup.env(), check=True)  # noqa: S603
    with psycopg.connect(setup.database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, run text NOT NULL, op_key text NOT NULL, "
                     "body jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())")
    fixture = subprocess.run([sys.executable, str(BENCH / "site" / "bench_fixture.py")],  # noqa: S603
                             env=setup.env(), check=True, capture_output=True, text=True)
    made: dict[str, str] = json.loads(fixture.stdout.strip().splitlines()[-1])
    return made


def database_drop(setup: Setup) -> None:
    with psycopg.connect(f"{setup.options.postgres}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(setup.options.database)))


# --- CPU: who used the machine during a run ---------------------------------------------------------------------


def _cpu_seconds(fields: list[str], reaped: bool = False) -> float:
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat (here the name is [0] and the state [1]);
    # cutime and cstime, 16 and 17, are its children that ended. Without persistent connections a backend
    # lives for one request and only the postmaster that reaped it still counts its CPU, along with that of
    # every other database's ended backends: so that is counted only when the bench has no persistent ones.
    return sum(int(fields[i]) for i in ((12, 13, 14, 15) if reaped else (12, 13))) / TICKS


# A process is its pid and its start time: a pid freed by a short-lived backend may be reused within a run.
Process = tuple[int, str]


@dataclass
class CpuSample:
    machine: float
    client: float
    server: dict[Process, float]
    postgres: dict[Process, float]


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy since boot: everything but idle and iowait."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICKS


def _ours(pid: int, database: str) -> bool:
    """A backend of the bench database, or PostgreSQL's own background work (WAL, checkpoints, autovacuum)."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return f" {database} " in title or not any(client in title for client in ("(", "[local]"))


def cpu_sample(server_pids: list[int], database: str, reaped: bool) -> CpuSample:
    busy = machine_busy()
    server: dict[Process, float] = {}
    postgres: dict[Process, float] = {}
    for pid in (*server_pids, *(child for parent in server_pids for child in children(parent))):
        if fields := proc_stat(pid):
            server[pid, fields[20]] = _cpu_seconds(fields)
    for entry in Path("/proc").iterdir():
        if (entry.name.isdigit() and (fields := proc_stat(int(entry.name))) and fields[0] == "postgres"
                and _ours(int(entry.name), database)):
            postgres[int(entry.name), fields[20]] = _cpu_seconds(fields, reaped)
    return CpuSample(machine=busy, client=time.process_time(), server=server, postgres=postgres)


class CpuWatch(threading.Thread):
    """Samples the server's and PostgreSQL's processes through a run, every half second.

    Sampling only at the start and the end would miss a process that ended between: a backend whose
    connection reached its maximum age and was replaced takes its CPU with it when it goes.
    """

    def __init__(self, server_pids: list[int], database: str, reaped: bool) -> None:
        super().__init__(daemon=True)
        self.args = (server_pids, database, reaped)
        self.first = cpu_sample(*self.args)
        self.last = self.first
        # A process first seen after the first sample was born during the run: it counts from zero.
        self.start_of = {group: dict(getattr(self.first, group)) for group in ("server", "postgres")}
        self.end_of = {group: dict(getattr(self.first, group)) for group in ("server", "postgres")}
        self.done = threading.Event()

    def sample(self) -> None:
        self.last = cpu_sample(*self.args)
        for group in ("server", "postgres"):
            for process, seconds in getattr(self.last, group).items():
                self.start_of[group].setdefault(process, 0.0)
                self.end_of[group][process] = seconds

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.sample()

    def used(self) -> dict[str, float]:
        self.done.set()
        self.join()
        self.sample()
        spent = {group: sum(end - self.start_of[group][process] for process, end in self.end_of[group].items())
                 for group in ("server", "postgres")}
        used = {"client": self.last.client - self.first.client, **spent,
                "machine": self.last.machine - self.first.machine}
        used["other"] = max(0.0, used["machine"] - used["client"] - used["server"] - used["postgres"])
        return {k: round(v, 2) for k, v in used.items()}


# --- the clients ----------------------------------------------------------------------------------------------


class ProtocolError(Exception):
    pass


class Refused(Exception):
    """An answer no retry can change (a 4xx), or a reply that contradicts an earlier one."""


class GaveUp(Exception):
    """Every attempt failed to connect, timed out or answered 5xx."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One client's HTTP/1.1 connection: kept alive if the server allows it, reopened when it closes.

    gunicorn's sync workers close every connection after its answer, so under `bordercase serve` each
    request pays for a connect; a threaded or async worker would keep it.
    """

    def __init__(self, port: int, counts: Counter[str]) -> None:
        self.port = port
        self.counts = counts
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: bytes, headers: dict[str, str]) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.counts["connections"] += 1
        assert self.reader is not None  # noqa: S101 - opened together with the writer
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(payload)}\r\n{lines}\r\n".encode() + payload)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ProtocolError(f"not an HTTP status line: {status_line!r}")
        answer = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        if "content-length" in answer:
            body = await self.reader.readexactly(int(answer["content-length"]))
        elif answer.get("transfer-encoding", "").lower() == "chunked":
            raise ProtocolError("chunked answers are not expected from these views")
        else:
            body = await self.reader.read()
            answer["connection"] = "close"
        if answer.get("connection", "").lower() == "close":
            self.close()
        return Reply(int(parts[1]), answer, body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    """What one run's clients saw, with times relative to the run's start."""

    kind: str
    clients: int
    window: float
    began: float = field(default_factory=time.perf_counter)
    http_latencies: list[float] = field(default_factory=list)
    http_in_window: int = 0
    op_latencies: list[float] = field(default_factory=list)
    ops_in_window: int = 0
    intended: list[str] = field(default_factory=list)
    completed: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # retries by cause, resends, connections
    errors: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.perf_counter() - self.began

    @property
    def open(self) -> bool:
        return self.now() < self.window


@dataclass
class Client:
    number: int
    tally: Tally
    port: int
    timeout: float
    rng: random.Random
    resend_fraction: float = 0.0

    def __post_init__(self) -> None:
        self.connection = Connection(self.port, self.tally.counts)

    async def send(self, path: str, payload: bytes, headers: dict[str, str], expect: int,
                   connection: Connection | None = None) -> Reply:
        """POST, retrying with the very same headers (so the same Idempotency-Key) until a definite answer."""
        connection = connection or self.connection
        for attempt in range(RETRIES + 1):
            started = time.perf_counter()
            cause = None
            try:
                reply = await asyncio.wait_for(connection.post(path, payload, headers), self.timeout)
                if reply.status >= 500:
                    cause = "5xx"
            except TimeoutError:
                # The answer may still come on this socket, after we stopped listening for it.
                connection.close()
                cause = "timeout"
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ProtocolError):
                connection.close()
                cause = "connection"
            self.tally.http_latencies.append(time.perf_counter() - started)
            self.tally.http_in_window += self.tally.open
            if cause is None:
                if reply.status != expect:
                    raise Refused(f"{path} answered {reply.status}: {reply.body[:300].decode(errors='replace')}")
                return reply
            if attempt < RETRIES:
                self.tally.counts[f"retry_{cause}"] += 1
                # Exponential, with jitter, so a crowd of failed clients does not come back in step.
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt) * (0.5 + self.rng.random() / 2))
        raise GaveUp(f"{path} failed {RETRIES + 1} times (last: {cause})")

    async def send_twice_at_once(self, path: str, payload: bytes, headers: dict[str, str], expect: int
                                 ) -> tuple[Reply, Reply]:
        spare = Connection(self.port, self.tally.counts)
        try:
            replies = await asyncio.gather(self.send(path, payload, headers, expect),
                                           self.send(path, payload, headers, expect, spare),
                                           return_exceptions=True)
        finally:
            spare.close()
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
        first, second = replies
        assert isinstance(first, Reply) and isinstance(second, Reply)  # noqa: S101 - exceptions raised above
        return first, second

    def resend(self) -> str:
        """Whether to send this call again with the same key: "after" its answer, "at_once" beside it, or not."""
        roll = self.rng.random()
        return "after" if roll < self.resend_fraction / 2 else "at_once" if roll < self.resend_fraction else ""


def _same_request(kind: str, first: Reply, second: Reply, tally: Tally) -> None:
    tally.counts[f"resend_{kind}"] += 1
    replayed = [r.headers.get("idempotent-replayed") == "true" for r in (first, second)]
    if first.json()["reference"] != second.json()["reference"] or not any(replayed):
        tally.counts["resend_mismatch"] += 1
        raise Refused(f"{kind}: the same key answered {first.json()['reference']} (replayed {replayed[0]}) and "
                      f"{second.json()['reference']} (replayed {replayed[1]})")


def create_body(client: int, passport: str, nzbn: str, *, lodge: bool = False) -> bytes:
    nominee = {"given_names": "Load Test", "family_name": f"Client {client}", "date_of_birth": "1988-04-12",
               "nationality": "IND", "passport_number": passport, "email": f"{passport.lower()}@load-test.example"}
    return json.dumps({"scheme": SCHEME, "organisation_nzbn": nzbn, "assessing_body": "nztech", "nominee": nominee,
                       "answers": ANSWERS, **({"lodge": True} if lodge else {})}).encode()


def _set_out(client: Client, run: str) -> str:
    """A new worker's passport number for this client's next lodging, counted as one set out on."""
    passport = f"Z{run}{client.number:03d}{len(client.tally.intended):06d}"
    client.tally.intended.append(passport)
    return passport


async def _create(client: Client, body: bytes, headers: dict[str, str]) -> Reply:
    """`POST /api/v1/requests`, sent again with the same key after its answer or beside it, as --resend says."""
    again = client.resend()
    if again == "at_once":
        created, twin = await client.send_twice_at_once("/api/v1/requests", body, headers, 201)
        _same_request("create_at_once", created, twin, client.tally)
        return created
    created = await client.send("/api/v1/requests", body, headers, 201)
    if again == "after":
        _same_request("create_after", created, await client.send("/api/v1/requests", body, headers, 201),
                      client.tally)
    return created


async def lodging(client: Client, run: str, nzbn: str, token: str) -> None:
    create = create_body(client.number, _set_out(client, run), nzbn)
    auth = f"Bearer {token}"
    created = await _create(client, create, {"Authorization": auth, "Idempotency-Key": f"{run}-c-{uuid.uuid4()}"})
    reference = created.json()["reference"]
    path = f"/api/v1/requests/{reference}/transitions/lodge"
    headers = {"Authorization": auth, "Idempotency-Key": f"{run}-l-{uuid.uuid4()}"}
    lodged = await client.send(path, b"{}", headers, 200)
    if client.resend():
        _same_request("lodge_after", lodged, await client.send(path, b"{}", headers, 200), client.tally)
    if lodged.json()["status"] != "lodged":
        raise Refused(f"{reference} answered the lodge with status {lodged.json()['status']}")


async def one_call(client: Client, run: str, nzbn: str, token: str) -> None:
    """A lodging in one call: `POST /api/v1/requests` with "lodge": true."""
    body = create_body(client.number, _set_out(client, run), nzbn, lodge=True)
    lodged = await _create(client, body, {"Authorization": f"Bearer {token}",
                                          "Idempotency-Key": f"{run}-o-{uuid.uuid4()}"})
    if lodged.json()["status"] != "lodged":
        raise Refused(f"{lodged.json()['reference']} answered the one-call lodging with {lodged.json()['status']}")


async def bare(client: Client, run: str, nzbn: str, token: str) -> None:
    key = f"{run}-b-{uuid.uuid4()}"
    client.tally.intended.append(key)
    passport = f"Z{run}{client.number:03d}{len(client.tally.intended):06d}"
    body = create_body(client.number, passport, nzbn)
    await client.send("/bench/bare/", body, {"Authorization": f"Bearer {token}", "Idempotency-Key": key,
                                             "X-Bench-Run": run}, 201)


async def floor(client: Client, run: str, nzbn: str, token: str) -> None:
    body = create_body(client.number, _set_out(client, run), nzbn)
    await client.send("/bench/floor/", body, {"Authorization": f"Bearer {token}",
                                              "Idempotency-Key": f"{run}-f-{uuid.uuid4()}"}, 201)


Operation = Callable[[Client, str, str, str], Awaitable[None]]
LODGINGS = ("lodging", "one-call")  # the targets that lodge through bordercase's API
OPERATIONS: dict[str, Operation] = {"bare": bare, "floor": floor, "lodging": lodging, "one-call": one_call}


async def client_loop(client: Client, operation: Operation, run: str, nzbn: str, token: str) -> None:
    tally = client.tally
    # Operations start only inside the window; one under way at its end is finished, so it can be checked.
    while tally.open:
        started = time.perf_counter()
        try:
            await operation(client, run, nzbn, token)
        except (Refused, GaveUp) as exc:
            tally.counts["failed"] += 1
            if len(tally.errors) < 20:
                tally.errors.append(str(exc))
            continue
        tally.op_latencies.append(time.perf_counter() - started)
        tally.completed += 1
        tally.ops_in_window += tally.open
    client.connection.close()


async def progress(tally: Tally) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        retries = sum(v for k, v in tally.counts.items() if k.startswith("retry_"))
        say(f"    {tally.now():5.1f} s: {tally.completed:6} done, {len(tally.http_latencies):6} HTTP requests, "
            f"{retries} retries, {tally.counts['failed']} failed")


async def drive(kind: str, clients: int, seconds: float, options: argparse.Namespace, port: int, run: str,
                nzbn: str, token: str, seed: int, quiet: bool = False) -> Tally:
    tally = Tally(kind=kind, clients=clients, window=seconds)
    operation = OPERATIONS[kind]
    resend = options.resend if kind in LODGINGS else 0.0
    # Seeded, so two runs of the bench resend the same share of the same operations.
    team = [Client(n, tally, port, options.timeout, random.Random(seed * 1000 + n), resend)  # noqa: S311
            for n in range(clients)]
    reporter = None if quiet else asyncio.create_task(progress(tally))
    try:
        await asyncio.gather(*(client_loop(c, operation, run, nzbn, token) for c in team))
    finally:
        if reporter is not None:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
    return tally


# --- checking the database ------------------------------------------------------------------------------------------


def check_lodgings(setup: Setup, run: str, tally: Tally, *, events: int = 2, keys_each: int = 2) -> dict[str, int]:
    """Every lodging set out on is there once, lodged, with ``events`` events (two through the API: create and
    lodge; one from the floor view) and one evaluation, and ``keys_each`` Idempotency-Key records."""
    with psycopg.connect(setup.database_url) as conn:
        rows = conn.execute(
            "SELECT p.passport_number, p.id, r.id, r.status, r.events_count, "
            "(SELECT count(*) FROM cases_event e WHERE e.request_id = r.id), "
            "(SELECT count(*) FROM cases_evaluation v WHERE v.request_id = r.id) "
            "FROM cases_person p LEFT JOIN cases_request r ON r.nominee_id = p.id "
            "WHERE p.passport_number LIKE %s", [f"Z{run}%"]).fetchall()
        keys = conn.execute(
            "SELECT count(*) FROM cases_idempotencyrecord WHERE key LIKE %s",
            [f"{run}-%"]).fetchone()
    people: dict[str, set[int]] = {}
    requests: dict[str, dict[int, tuple[str, int, int, int]]] = {}
    for passport, person, request, status, anchor, recorded, evaluations in rows:
        people.setdefault(passport, set()).add(person)
        if request is not None:
            requests.setdefault(passport, {})[request] = (status, anchor, recorded, evaluations)
    intended = set(tally.intended)
    assert keys is not None  # noqa: S101 - an aggregate always answers one row
    return {
        "in_database": sum(len(found) for found in requests.values()),
        "lost": len(intended - requests.keys()),
        "duplicated": sum(len(found) - 1 for found in requests.values()),
        "duplicated_people": sum(len(found) - 1 for found in people.values()),
        "not_lodged": sum(1 for found in requests.values() for status, *_ in found.values() if status != "lodged"),
        # Its events, an anchor that agrees, and one evaluation: a lodging done once.
        "bad_history": sum(1 for found in requests.values() for _, anchor, made, evaluations in found.values()
                           if (anchor, made, evaluations) != (events, events, 1)),
        "unexpected": len(requests.keys() - intended),
        # One create and one lodge per lodging set out on: a resend or a retry must not add one.
        "idempotency_records": int(keys[0]), "idempotency_records_expected": keys_each * len(intended),
    }


def check_bare(setup: Setup, run: str, tally: Tally) -> dict[str, int]:
    with psycopg.connect(setup.database_url) as conn:
        rows = conn.execute("SELECT op_key, count(*) FROM bench_bare WHERE run = %s GROUP BY op_key", [run]).fetchall()
    found = {key: count for key, count in rows}
    intended = set(tally.intended)
    return {"in_database": sum(found.values()), "lost": len(intended - found.keys()),
            "duplicated": sum(count - 1 for count in found.values()), "unexpected": len(found.keys() - intended)}


# --- reporting ------------------------------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


def percentile_ms(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return round(ordered[int(rank) - 1] * 1000, 1)


def summary(tally: Tally, elapsed: float, cpu: dict[str, float], checked: dict[str, int]) -> dict[str, Any]:
    retries = {k.removeprefix("retry_"): v for k, v in tally.counts.items() if k.startswith("retry_")}
    resends = {k.removeprefix("resend_"): v for k, v in tally.counts.items() if k.startswith("resend_")}
    ops_per_s = tally.ops_in_window / tally.window
    server_cpu = cpu["server"] + cpu["postgres"]
    return {
        "target": tally.kind, "clients": tally.clients, "window_s": tally.window, "elapsed_s": round(elapsed, 2),
        "operations": tally.ops_in_window, "operations_started": len(tally.intended),
        "operations_completed": tally.completed, "operations_per_s": round(ops_per_s, 1),
        "http_requests": tally.http_in_window, "http_requests_total": len(tally.http_latencies),
        "http_per_s": round(tally.http_in_window / tally.window, 1),
        "http_p50_ms": percentile_ms(tally.http_latencies, 50), "http_p99_ms": percentile_ms(tally.http_latencies, 99),
        "http_max_ms": percentile_ms(tally.http_latencies, 100),
        "operation_p50_ms": percentile_ms(tally.op_latencies, 50),
        "operation_p99_ms": percentile_ms(tally.op_latencies, 99),
        "errors": tally.counts["failed"], "error_samples": tally.errors,
        "retries": sum(retries.values()), "retries_by_cause": retries, "resends": resends,
        "connections": tally.counts["connections"], "cpu_s": cpu,
        # The share of the machine other processes took: above a few percent, this run's figures are low.
        "other_cpu_share": round(cpu["other"] / (elapsed * len(os.sched_getaffinity(0))), 3),
        # gunicorn and PostgreSQL together, per operation: the cost of one, whatever the clients did.
        "server_cpu_ms_per_operation": round(1000 * server_cpu / tally.completed, 2) if tally.completed else None,
        **checked,
    }


def machine(setup: Setup) -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    with psycopg.connect(f"{setup.options.postgres}/postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "python": platform.python_version(),
            "postgresql": str(row[0]) if row else "unknown", "django": version("Django"),
            "gunicorn": version("gunicorn"), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def fmt(value: Any) -> str:
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


COLUMNS = [("clients", "clients"), ("target", "target"), ("operations", "ops"), ("window_s", "s"),
           ("operations_per_s", "ops/s"), ("http_per_s", "HTTP req/s"), ("http_p50_ms", "HTTP p50 ms"),
           ("http_p99_ms", "HTTP p99 ms"), ("operation_p50_ms", "op p50 ms"), ("operation_p99_ms", "op p99 ms"),
           ("errors", "errors"), ("retries", "retries"), ("lost", "lost"), ("duplicated", "duplicated"),
           ("server_cpu_ms_per_operation", "server CPU ms/op")]


def row_line(row: dict[str, Any]) -> str:
    return "| " + " | ".join(fmt(row.get(key)) for key, _ in COLUMNS) + " |"


SERVERS = {"gunicorn": "gunicorn with `bordercase serve`'s options", "serve": "`bordercase serve`"}


def markdown(report: dict[str, Any]) -> str:
    m, o = report["machine"], report["options"]
    lines = [
        f"# Intake under load, {report['when']}", "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"Django {m['django']}, gunicorn {m['gunicorn']} ({m['platform']}).", "",
        f"Server: {o.get('servers', 1)} of {SERVERS[o['server']]}"
        f"{' behind HAProxy, sharing their cache through Redis' if o.get('servers', 1) > 1 else ''}, "
        f"{o['workers']} sync workers each, BORDERCASE_MODE=development with DEBUG off, "
        f"DATABASE_CONN_MAX_AGE={o['conn_max_age']}, BORDERCASE_TASKS={o['tasks']}. Clients: asyncio, closed "
        f"loops with no pause, {o['seconds']:g} s a run, timeout {o['timeout']:g} s, up to {RETRIES} retries "
        f"with the same Idempotency-Key, {o['resend']:.0%} of creates and lodges sent again with the same key.",
        "", "A lodging is two HTTP requests (create, lodge), plus the deliberate resends; a bare operation is one "
        "request that inserts one row. ops and the rates count what completed inside the window; latencies "
        "cover every operation and every HTTP attempt.", "",
        "| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + "---|" * len(COLUMNS),
        *(row_line(row) for row in report["runs"]), "",
        "Lodgings below are the one-call runs (`one-call`) where they were run, else create-then-lodge.", "",
        "| clients | lodgings/s ÷ floor lodgings/s | server CPU per floor lodging ÷ per lodging | lodgings/s ÷ "
        "bare inserts/s | HTTP req/s ÷ HTTP req/s | server CPU per bare insert ÷ per lodging |", "|---" * 6 + "|",
        *(f"| {n} | {fmt(r['throughput_floor'])} | {fmt(r['server_cpu_floor'])} | {fmt(r['throughput'])} | "
          f"{fmt(r['http'])} | {fmt(r['server_cpu'])} |" for n, r in report["ratios"].items()),
        "",
    ]
    if goal := report.get("goal"):
        lines += [f"Goals at {goal['clients']} clients: lodgings/s at least half the floor's: "
                  f"{fmt(goal['throughput_ratio_floor'])} ({'met' if goal['throughput_met'] else 'not met'}); "
                  f"HTTP p99 under {goal['http_p99_limit_ms']:g} ms and lodging p99 under "
                  f"{goal['lodging_p99_limit_ms']:g} ms: {goal['http_p99_ms']} and {goal['lodging_p99_ms']} ms "
                  f"({'met' if goal['p99_met'] else 'not met'}); server CPU per lodging at most "
                  f"{goal['cpu_limit_ms']:g} ms: {goal['server_cpu_ms_per_lodging']} "
                  f"({'met' if goal['cpu_met'] else 'not met'}).", ""]
    checked = [r for r in report["runs"] if r["target"] in LODGINGS]
    if checked:
        lines += ["Checks after each lodging run: requests found for the lodgings set out on, drafts left, histories "
                  "not exactly (create, lodge) with one evaluation, people recorded twice, Idempotency-Key records "
                  "(found / expected), and the deliberate resends (after the answer / at the same moment / of the "
                  "lodge) with how many named a different request:", "",
                  "| clients | set out | in database | not lodged | bad history | people twice | key records | "
                  "resends | resend mismatches |", "|---" * 9 + "|",
                  *(f"| {r['clients']} | {r['operations_started']} | {r['in_database']} | {r['not_lodged']} | "
                    f"{r['bad_history']} | {r['duplicated_people']} | {r['idempotency_records']} / "
                    f"{r['idempotency_records_expected']} | {r['resends'].get('create_after', 0)} / "
                    f"{r['resends'].get('create_at_once', 0)} / {r['resends'].get('lodge_after', 0)} | "
                    f"{r['resends'].get('mismatch', 0)} |" for r in checked), ""]
    if noisy := [f"{r['target']} at {r['clients']}" for r in report["runs"] if r["other_cpu_share"] > NOISY]:
        lines += [f"Other processes took more than {NOISY:.0%} of the machine during: {', '.join(noisy)}; "
                  "those figures understate what this machine can do.", ""]
    if "notices_queued_in_redis" in report:
        lines += [f"Notices queued in Redis for `bordercase worker`: {report['notices_queued_in_redis']}.", ""]
    lines += ["CPU seconds used in each run: the clients, gunicorn, PostgreSQL (the bench database's backends and "
              "the background processes), and anything else on the machine:", "",
              "| clients | target | client | gunicorn | postgres | other | machine busy |", "|---" * 7 + "|",
              *(f"| {r['clients']} | {r['target']} | {c['client']} | {c['server']} | {c['postgres']} | "
                f"{c['other']} | {c['machine']} |" for r in report["runs"] for c in [r["cpu_s"]])]
    return "\n".join(lines) + "\n"


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 3) if top and bottom else None


def ratios(runs: list[dict[str, Any]]) -> dict[int, dict[str, float | None]]:
    out: dict[int, dict[str, float | None]] = {}
    for n in dict.fromkeys(r["clients"] for r in runs):
        found = {r["target"]: r for r in runs if r["clients"] == n}
        lo = found.get("one-call") or found.get("lodging")
        if lo is None:
            continue
        b, fl = found.get("bare", {}), found.get("floor", {})
        out[n] = {
            "lodging": lo["target"],  # the one-call lodging where it was run, else create-then-lodge
            "throughput_floor": _ratio(lo["operations_per_s"], fl.get("operations_per_s")),
            "server_cpu_floor": _ratio(fl.get("server_cpu_ms_per_operation"), lo["server_cpu_ms_per_operation"]),
            "throughput": _ratio(lo["operations_per_s"], b.get("operations_per_s")),
            "http": _ratio(lo["http_per_s"], b.get("http_per_s")),
            "server_cpu": _ratio(b.get("server_cpu_ms_per_operation"), lo["server_cpu_ms_per_operation"]),
        }
    return out


def goal(runs: list[dict[str, Any]], ratio: dict[int, dict[str, float | None]], clients: int = 64,
         http_limit_ms: float = 250, lodging_limit_ms: float = 500, cpu_limit_ms: float = 10) -> dict[str, Any] | None:
    """Issue 16's goals at 64 clients: lodgings/s at least half the floor's, HTTP p99 under 250 ms, lodging p99
    under 500 ms, server CPU per lodging at most 10 ms."""
    lodging_run = next((r for r in runs if r["clients"] == clients and r["target"] == "one-call"),
                       next((r for r in runs if r["clients"] == clients and r["target"] == "lodging"), None))
    if lodging_run is None or clients not in ratio:
        return None
    throughput = ratio[clients]["throughput_floor"]
    http_p99, op_p99 = lodging_run["http_p99_ms"], lodging_run["operation_p99_ms"]
    cpu = lodging_run["server_cpu_ms_per_operation"]
    return {"clients": clients, "http_p99_limit_ms": http_limit_ms, "lodging_p99_limit_ms": lodging_limit_ms,
            "cpu_limit_ms": cpu_limit_ms, "throughput_ratio_floor": throughput,
            "throughput_met": throughput is not None and throughput >= 0.5, "http_p99_ms": http_p99,
            "lodging_p99_ms": op_p99,
            "p99_met": http_p99 is not None and op_p99 is not None and http_p99 < http_limit_ms
            and op_p99 < lodging_limit_ms,
            "server_cpu_ms_per_lodging": cpu, "cpu_met": cpu is not None and cpu <= cpu_limit_ms}


# --- the run ----------------------------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     epilog="Results: bench/results/intake_load-<timestamp>.json and .md. "
                                            "See the top of bench/intake_load.py for what is measured and how.")
    parser.add_argument("--clients", default="16,64,256", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each run starts new operations")
    parser.add_argument("--workers", type=int, default=3, choices=range(1, 9), metavar="{1..8}",
                        help="gunicorn worker processes (bordercase serve's default is 3)")
    parser.add_argument("--targets", default="bare,floor,one-call,lodging",
                        help="which to run for each N, of bare, floor, one-call (a lodging in one call) and lodging "
                        "(create, then lodge)")
    parser.add_argument("--resend", type=float, default=0.05,
                        help="fraction of creates and of lodges sent again with the same Idempotency-Key")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a client gives up on an answer "
                        "and retries with the same key")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured traffic first")
    parser.add_argument("--server", choices=("gunicorn", "serve"), default="gunicorn",
                        help="gunicorn: serve.py's gunicorn options run by gunicorn; serve: `bordercase serve` itself, "
                        "whose pre-fork database check shares one connection between the workers when "
                        "--conn-max-age is above 0")
    parser.add_argument("--settle", type=float, default=20.0, help="before each run, wait up to this many seconds "
                        "for other processes on the machine to go quiet")
    parser.add_argument("--tasks", choices=("database", "redis", "immediate"), default="database",
                        help="BORDERCASE_TASKS for the server: database or redis queue email for `bordercase worker`")
    parser.add_argument("--servers", type=int, default=1, choices=range(1, 5), metavar="{1..4}",
                        help="separate servers of --workers each; above 1, behind HAProxy, sharing their cache "
                        "through Redis (see bench/servers.py)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9",
                        help="REDIS_URL for the servers' cache (--servers above 1) and queue (--tasks redis): a "
                        "database the bench empties at its start")
    parser.add_argument("--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE for the server")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="bordercase_bench_intake",
                        help="database to create and drop; must start with bordercase_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database and the server log afterwards")
    options = parser.parse_args()
    # The bench drops this database on every start: never let it be one somebody else uses.
    if not options.database.startswith("bordercase_bench"):
        parser.error("--database must start with bordercase_bench: the bench drops and re-creates it")
    try:
        options.client_counts = [int(c) for c in options.clients.split(",") if c.strip()]
    except ValueError:
        parser.error("--clients is a comma-separated list of whole numbers, such as 16,64,256")
    options.target_list = [t.strip() for t in options.targets.split(",") if t.strip()]
    if not options.target_list or set(options.target_list) - OPERATIONS.keys():
        parser.error("--targets is a comma-separated list of bare, floor, one-call and lodging")
    if not 0 <= options.resend <= 1 or options.seconds <= 0 or not options.client_counts:
        parser.error("--resend is a fraction from 0 to 1, --seconds positive, --clients not empty")
    return options


def redis_used(options: argparse.Namespace) -> bool:
    return options.servers > 1 or options.tasks == "redis"


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_queued(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).llen("rq:queue:default"))


def redis_pids(options: argparse.Namespace) -> list[int]:
    """Redis serves the servers when they use it, so its CPU counts as theirs."""
    if not redis_used(options):
        return []
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and (f := proc_stat(int(e.name)))
            and f[0] == "redis-server"]


def settle(patience: float) -> None:
    """Wait, up to `patience` seconds, for other work on a shared machine to stop: the server is idle now."""
    deadline = time.monotonic() + patience
    while True:
        began, at = machine_busy(), time.monotonic()
        time.sleep(1.0)
        share = (machine_busy() - began) / ((time.monotonic() - at) * len(os.sched_getaffinity(0)))
        if share < NOISY * 2 or time.monotonic() >= deadline:
            break
        say(f"    the machine is {share:.0%} busy with other work; waiting for it to settle…")


def run_once(setup: Setup, fleet: Fleet, kind: str, clients: int, made: dict[str, str],
             seed: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6].upper()
    say(f"  {kind}, {clients} clients, {setup.options.seconds:g} s (run {run})…")
    settle(setup.options.settle)
    reaped = setup.options.conn_max_age == 0
    watch = CpuWatch(fleet.pids + redis_pids(setup.options), setup.options.database, reaped)
    watch.start()
    began = time.perf_counter()
    tally = asyncio.run(drive(kind, clients, setup.options.seconds, setup.options, fleet.port, run, made["nzbn"],
                              made["token"], seed))
    elapsed = time.perf_counter() - began
    cpu = watch.used()
    checked = (check_bare(setup, run, tally) if kind == "bare" else
               check_lodgings(setup, run, tally, events=1, keys_each=1) if kind == "floor" else
               check_lodgings(setup, run, tally, keys_each=1) if kind == "one-call" else
               check_lodgings(setup, run, tally))
    row = summary(tally, elapsed, cpu, checked)
    say(f"  {kind}, {clients} clients: {fmt(row['operations'])} ops, {row['operations_per_s']} ops/s, "
        f"{row['http_per_s']} HTTP req/s, HTTP p50/p99 {row['http_p50_ms']}/{row['http_p99_ms']} ms, "
        f"op p50/p99 {row['operation_p50_ms']}/{row['operation_p99_ms']} ms, errors {row['errors']}, "
        f"retries {row['retries']}, lost {row['lost']}, duplicated {row['duplicated']}, "
        f"server CPU {row['server_cpu_ms_per_operation']} ms/op, CPU s {cpu}")
    if row["other_cpu_share"] > NOISY:
        say(f"    warning: other processes used {row['other_cpu_share']:.0%} of the machine during this run")
    for sample in tally.errors[:3]:
        say(f"    error: {sample}")
    return row


def main() -> None:
    options = arguments()
    var_dir = Path(tempfile.mkdtemp(prefix="bordercase-intake-load-"))
    setup = Setup(options, var_dir)
    fleet: Fleet | None = None
    report: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(setup),
                              "options": {k: v for k, v in vars(options).items() if not k.endswith("_list")
                                          and k != "client_counts"}, "runs": []}
    say(f"Machine: {report['machine']}")
    try:
        if redis_used(options):
            redis_flush(options.redis)
        made = database_create(setup)
        fleet = fleet_start(kind=options.server, servers=options.servers, workers=options.workers, env=setup.env(),
                            log_dir=var_dir)
        say(f"Serving ({options.server}) on 127.0.0.1:{fleet.port}: {options.servers} server(s) of "
            f"{options.workers} workers{' behind HAProxy' if fleet.balancer else ''}; warming up…")
        # Each worker imports the app, loads the schemes' rules and opens its connection on its first requests.
        for kind in options.target_list:
            asyncio.run(drive(kind, options.servers * options.workers * 2, options.warmup, options, fleet.port,
                              "WARM" + kind[0].upper(), made["nzbn"], made["token"], 0, quiet=True))
        for seed, clients in enumerate(options.client_counts, start=1):
            for kind in options.target_list:
                report["runs"].append(run_once(setup, fleet, kind, clients, made, seed))
        if options.tasks == "redis":
            report["notices_queued_in_redis"] = redis_queued(options.redis)
    finally:
        if fleet is not None:
            fleet.stop()
        if not options.keep:
            database_drop(setup)
    report["ratios"] = ratios(report["runs"])
    report["goal"] = goal(report["runs"], report["ratios"])
    report["server_5xx_logged"] = sum(1 for log in var_dir.glob("server*.log")
                                      for line in log.read_text(errors="replace").splitlines() if '" 50' in line)
    if options.keep:
        say(f"Kept database {options.database} and the servers' logs in {var_dir}")
    else:
        shutil.rmtree(var_dir, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"intake_load-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    say("")
    say(markdown(report))
    say(f"Written to {stem}.json and .md")


if __name__ == "__main__":
    main()
