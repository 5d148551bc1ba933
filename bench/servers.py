"""The servers a load bench drives: one gunicorn as `bordercase serve` configures it, or several behind HAProxy.

With ``--servers 1`` the clients reach the one server directly. With more, each is a separate gunicorn (as separate
machines would each run `bordercase serve`), and HAProxy, from Debian's package (`apt-get install haproxy`),
balances between them: least connections, each server held to as many requests at once as it has workers (the
rest wait in HAProxy's queue, not in a busy server's backlog), each checked on `/healthz`. The servers then share
what must be shared through Redis (``BORDERCASE_CACHE=redis``), never through a process's memory or one machine's
files; sessions and the sign-in throttle are in the database already.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def proc_stat(pid: int) -> list[str] | None:
    """A process's /proc/<pid>/stat: its name, then the fields after it (state, parent, …); None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; the fields after its closing one are fixed.
    name = text[text.index("(") + 1 : text.rindex(")")]
    return [name, *text[text.rindex(")") + 2 :].split()]


def children(parent: int) -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and (fields := proc_stat(int(entry.name))) and int(fields[2]) == parent]


def server_command(kind: str, port: int, workers: int) -> list[str]:
    if kind == "serve":
        return [str(BIN / "bordercase"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                str(workers)]
    # What `bordercase serve` hands gunicorn (bordercase/cases/management/commands/serve.py), minus its database
    # check before the fork: with persistent connections the workers would inherit and share that connection.
    # No control socket: its default path is shared with every other gunicorn on the machine.
    return [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--access-logfile", "-", "--error-logfile", "-", "--forwarded-allow-ips", "127.0.0.1",
            "--no-control-socket", "bordercase.wsgi:application"]


def haproxy_config(front: int, backends: list[int], workers: int) -> str:
    servers = "\n".join(f"    server bordercase{n} 127.0.0.1:{port} check inter 2s fall 5 rise 2 maxconn {workers}"
                        for n, port in enumerate(backends, start=1))
    return f"""global
    maxconn 8192

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout queue 60s
    # A busy server answers its check late, not never: it waits its turn behind the requests it is serving.
    timeout check 10s
    option forwardfor

frontend bordercase
    bind 127.0.0.1:{front}
    default_backend servers

backend servers
    balance leastconn
    option httpchk GET /healthz
{servers}
"""


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Fleet:
    """The servers, and the balancer in front of them when there are several; clients connect to ``port``."""

    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    balancer: subprocess.Popen[bytes] | None = None
    port: int = 0
    backend_ports: list[int] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        """Every process that serves: each server (with its workers, found as its children) and the balancer."""
        return [s.pid for s in self.servers] + ([self.balancer.pid] if self.balancer else [])

    def stop(self) -> None:
        for process in [*self.servers, *([self.balancer] if self.balancer else [])]:
            process.terminate()
        for process in [*self.servers, *([self.balancer] if self.balancer else [])]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def fleet_start(*, kind: str, servers: int, workers: int, env: dict[str, str], log_dir: Path) -> Fleet:
    fleet = Fleet()
    try:
        for number in range(1, servers + 1):
            port = free_port()
            with (log_dir / f"server{number}.log").open("wb") as out:
                fleet.servers.append(subprocess.Popen(server_command(kind, port, workers), env=env,  # noqa: S603
                                                      stdout=out, stderr=subprocess.STDOUT))
            fleet.backend_ports.append(port)
        _wait(fleet, workers, log_dir)
        if servers == 1:
            fleet.port = fleet.backend_ports[0]
            return fleet
        haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
        if haproxy is None:
            raise SystemExit("--servers above 1 puts HAProxy in front of them: install Debian's package "
                             "(apt-get install haproxy) and run the bench again.")
        fleet.port = free_port()
        config = log_dir / "haproxy.cfg"
        config.write_text(haproxy_config(fleet.port, fleet.backend_ports, workers))
        subprocess.run([haproxy, "-c", "-q", "-f", str(config)], check=True)  # noqa: S603 - its own config
        with (log_dir / "haproxy.log").open("wb") as out:
            fleet.balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)],  # noqa: S603
                                              stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not _listening(fleet.port):
            if fleet.balancer.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"HAProxy did not start:\n{(log_dir / 'haproxy.log').read_text()[-3000:]}")
            time.sleep(0.2)
        return fleet
    except BaseException:
        fleet.stop()
        raise


def _wait(fleet: Fleet, workers: int, log_dir: Path) -> None:
    deadline = time.monotonic() + 60
    waiting = list(enumerate(zip(fleet.servers, fleet.backend_ports, strict=True), start=1))
    while waiting:
        for entry in list(waiting):
            number, (server, port) = entry
            if server.poll() is not None:
                log = log_dir / f"server{number}.log"
                raise SystemExit(f"Server {number} exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            if len(children(server.pid)) >= workers and _listening(port):
                waiting.remove(entry)
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(waiting)} server(s) did not listen within 60 s: see the logs in {log_dir}")
        time.sleep(0.2)
