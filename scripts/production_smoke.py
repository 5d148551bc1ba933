"""Start bordercase the way the README's production start does, on PostgreSQL, and try it from outside.

1. Install it from this checkout into a new virtual environment with `pip install .` (built assets included), make a
   secret key file, and run `bordercase check --deploy`, `migrate` and `serve` with the README's variables.
2. Fetch the home page, its hashed CSS and JS, /statistics/, /api/v1/openapi.json, /healthz and /readyz, as the
   load balancer in front would pass them on (Host and X-Forwarded-Proto), asserting 200 and the security headers.
3. Load the demo data, put nginx in front with deploy/nginx.conf (TLS with a certificate made for the run), and walk
   the administrator's day in Chromium through it (tests/production_journey.py), email arriving over SMTP here.
4. Sign the transparency log beside the server (`transparency checkpoint --every`), as the README says, keep the
   checkpoint it serves, check its signature with the key it serves, and hold the database to it with
   `bordercase audit verify --checkpoint`.
5. Fuzz the API with schemathesis (from this checkout's .venv) with an employer's and an assessor's token: any
   server error, answer outside its schema or undocumented status fails the run.

Run by .ci/run after the test suite: `.venv/bin/python scripts/production_smoke.py` (PostgreSQL at DATABASE_ADMIN_URL,
default postgres://postgres@127.0.0.1:5432/postgres). Exit status 1 on any failure, with what failed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests import production_journey
from tests.mail import MailServer

ROOT = Path(__file__).resolve().parent.parent
HOST = "bordercase.example.nz"
DATABASE = "bordercase_smoke"
ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=",
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
FUZZ_EXAMPLES = int(os.environ.get("BORDERCASE_FUZZ_EXAMPLES", "25"))
FUZZ_SEED = 20261204
failures: list[str] = []


def step(message: str) -> None:
    print(f"== {message}", flush=True)


def check(ok: bool, what: str) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


def secret_file(path: Path, text: str) -> None:
    """Write a secret into a file readable by its owner alone from the moment it exists."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text + "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(command: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("  $ " + " ".join(command), flush=True)
    return subprocess.run(command, env=env, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def fetch(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers.items()), answer.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fresh_database() -> str:
    admin = ["psql", ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-q"]
    subprocess.run([*admin, "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"], check=True)
    subprocess.run([*admin, "-c", f"CREATE DATABASE {DATABASE}"], check=True)
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def install(work: Path) -> Path:
    """A virtual environment with bordercase installed as an operator would: `pip install .`, no editable link."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
                   check=True)
    return venv / "bin"


def wait_until_alive(base: str, server: subprocess.Popen[str]) -> None:
    for _ in range(60):
        if server.poll() is not None:
            raise SystemExit(f"bordercase serve stopped with status {server.returncode} before it answered")
        try:
            if fetch(f"{base}/healthz", {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("bordercase serve did not answer /healthz within 60 seconds")


def check_pages(base: str) -> None:
    proxied = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    status, headers, body = fetch(f"{base}/", proxied)
    check(status == 200, f"GET / answers 200 (got {status})")
    for name, expected in SECURITY_HEADERS.items():
        check(expected in headers.get(name, ""), f"GET / sends {name}: …{expected}… (got {headers.get(name)!r})")
    page = body.decode("utf-8", "replace")
    assets = re.findall(r'(?:href|src)="(/static/bordercase/build/[^"]+)"', page)
    check(any(re.search(r"app\.[0-9a-f]{12}\.css$", a) for a in assets), f"the page links hashed CSS ({assets})")
    check(any(re.search(r"govuk-frontend\.[0-9a-f]{12}\.js$", a) for a in assets), f"and hashed JS ({assets})")
    for asset in assets:
        status, headers, body = fetch(f"{base}{asset}", proxied)
        check(status == 200 and len(body) > 1000, f"GET {asset} answers 200 with its bytes (got {status})")
        check("immutable" in headers.get("Cache-Control", "") or "max-age=315360000" in headers.get(
            "Cache-Control", ""), f"{asset} is cached for good (got {headers.get('Cache-Control')!r})")
    for path in ("/statistics/", "/api/v1/openapi.json"):
        status, headers, body = fetch(f"{base}{path}", proxied)
        check(status == 200, f"GET {path} answers 200 (got {status})")
        check(headers.get("X-Content-Type-Options") == "nosniff", f"GET {path} sends nosniff")
        check("max-age=" in headers.get("Strict-Transport-Security", ""), f"GET {path} sends HSTS")
    check(json.loads(body)["info"]["title"] == "bordercase API", "the OpenAPI document is bordercase's")
    # A load balancer probes over plain HTTP, by address: no redirect, no host name needed.
    for path, expected in (("/healthz", "alive"), ("/readyz", "ready")):
        status, headers, body = fetch(f"{base}{path}", {"Host": "10.0.0.7"})
        check(status == 200 and json.loads(body)["status"] == expected,
              f"GET {path} over plain HTTP by address answers 200 {expected} (got {status} {body[:200]!r})")
        check(headers.get("X-Content-Type-Options") == "nosniff", f"GET {path} sends nosniff")
    status, headers, _ = fetch(f"{base}/", {"Host": HOST})
    check(status == 301 and headers.get("Location", "").startswith(f"https://{HOST}/"),
          f"plain HTTP to a page is sent to HTTPS (got {status} {headers.get('Location')!r})")


def check_log(base: str, bordercase: Path, env: dict[str, str], work: Path) -> None:
    """The log signed beside the server: its checkpoint, checked with its key, and the database held to it."""
    from bordercase.lib.signed_note import Checkpoint, NoteError, Verifier

    proxied = {"Host": HOST, "X-Forwarded-Proto": "https"}
    deadline, note = time.monotonic() + 30, b""
    while time.monotonic() < deadline:  # the demo's events are all in the tree once the signer has been round
        status, _, note = fetch(f"{base}/transparency/checkpoint", proxied)
        if status == 200 and not note.startswith(b"The log has no checkpoint"):
            break
        time.sleep(1)
    status, _, key = fetch(f"{base}/transparency/key", proxied)
    check(status == 200, f"GET /transparency/key answers 200 (got {status})")
    try:
        signed = Checkpoint.from_text(Verifier.from_text(key.decode()).open(note.decode()))
    except (NoteError, UnicodeDecodeError) as exc:
        check(False, f"the checkpoint served is signed by the key served: {exc}")
        return
    check(signed.size > 100, f"the checkpoint is signed by the key served and covers the demo ({signed.size} entries)")
    status, _, page = fetch(f"{base}/transparency/", proxied)
    check(status == 200 and key.decode().strip().encode() in page, "/transparency/ shows the public key")
    kept = work / "kept-checkpoint.txt"
    kept.write_bytes(note)
    verified = subprocess.run([str(bordercase), "audit", "verify", "--checkpoint", str(kept), "--key",
                               key.decode().strip()], env=env, text=True, capture_output=True, check=False)
    check(verified.returncode == 0 and "as recorded" in verified.stdout,
          f"bordercase audit verify --checkpoint holds the database to it ({verified.stdout[-300:]!r} "
          f"{verified.stderr[-300:]!r})")


def demo_sign_ins(printed: str) -> dict[str, tuple[str, str]]:
    """Each demo account's password and authenticator key ("" for none), from the table `demo` prints."""
    found = {}
    for line in printed.splitlines():
        cells = line.split()
        at = next((i for i, cell in enumerate(cells) if re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", cell)), None)
        if at is not None and at + 1 < len(cells):
            found[cells[at]] = (cells[at + 1], cells[at + 2] if at + 2 < len(cells) else "")
    return found


def nginx_in_front(work: Path, port: int, tls_port: int, http_port: int) -> subprocess.Popen[bytes]:
    """nginx with the repository's deploy/nginx.conf, on these ports, with a certificate made for this run."""
    subprocess.run([str(ROOT / "scripts" / "ensure-nginx")], check=True)
    cert, key = work / "tls.pem", work / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}"],
                   check=True, capture_output=True)
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for shipped, here in (("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;"),
                          ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                          ("/etc/ssl/certs/bordercase.example.nz.pem", str(cert)),
                          ("/etc/ssl/private/bordercase.example.nz.key", str(key)),
                          ("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")):
        check(shipped in site, f"deploy/nginx.conf has {shipped!r}")
        site = site.replace(shipped, here)
    temp = work / "nginx"
    temp.mkdir()
    # The workers run as root only here, so they can use this run's private folder for their buffers.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (work / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/nginx-error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log {work}/nginx-access.log;\n"
        + "".join(f"  {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                     "scgi"))
        + site + "\n}\n", encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen([nginx, "-c", str(work / "nginx.conf"), "-p", str(work)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nginx did not listen on port {port} within 10 seconds")


def tokens(bordercase: Path, env: dict[str, str]) -> dict[str, str]:
    made = run([str(bordercase), "manage", "shell", "-c", (
        "from bordercase.accounts.models import User\n"
        "from bordercase.accounts.tokens import token_create\n"
        "for email in ('aroha@kowhai.example', 'mere@nztech.example'):\n"
        "    print(email, token_create(user=User.objects.get(email=email), name='smoke')[1])\n")],
        env, capture_output=True)
    return dict(line.split() for line in made.stdout.splitlines() if line.startswith(("aroha@", "mere@")))


def fuzz_config(bordercase: Path, env: dict[str, str], work: Path) -> Path:
    """Real references, scheme codes and ids for the fuzzer to use half the time, so it reaches past the 404s."""
    found = run([str(bordercase), "manage", "shell", "-c", (
        "import json\n"
        "from bordercase.cases.models import Request, Scheme\n"
        "from bordercase.immigration.models import RecommendationBatch\n"
        "print(json.dumps({'references': list(Request.objects.values_list('reference', flat=True)[:40]),"
        " 'schemes': list(Scheme.objects.values_list('code', flat=True)),"
        " 'batches': list(RecommendationBatch.objects.values_list('pk', flat=True)) or [1]}))\n")],
        env, capture_output=True)
    known = json.loads(found.stdout.strip().splitlines()[-1])

    def values(items: list[object]) -> str:
        return "[" + ", ".join(json.dumps(item) for item in items) + "]"

    config = work / "schemathesis.toml"
    config.write_text(
        f"[dictionaries.references]\nvalues = {values(known['references'])}\n"
        f"[dictionaries.schemes]\nvalues = {values(known['schemes'])}\n"
        f"[dictionaries.batches]\nvalues = {values(known['batches'])}\n"
        "[dictionaries.rounds]\nvalues = [1]\n"
        "[parameters]\n"
        '"path.reference" = { dictionary = "references", probability = 0.6 }\n'
        '"path.code" = { dictionary = "schemes", probability = 0.6 }\n'
        '"query.scheme" = { dictionary = "schemes", probability = 0.5 }\n'
        '"path.batch_id" = { dictionary = "batches", probability = 0.6 }\n'
        '"path.number" = { dictionary = "rounds", probability = 0.6 }\n',
        encoding="utf-8")
    return config


def fuzz(base: str, token: str, who: str, config: Path, work: Path) -> None:
    schemathesis = Path(sys.executable).parent / "schemathesis"
    report = work / f"schemathesis-{who}.json"
    command = [str(schemathesis), "--config-file", str(config), "run", f"{base}/api/v1/openapi.json",
               "--header", f"Authorization: Bearer {token}", "--header", f"Host: {HOST}",
               "--header", "X-Forwarded-Proto: https",
               "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance",
               # One worker: hypothesis reads its lambdas' source with ast, which Python 3.11 can trip over when
               # two threads do it at once ("AST constructor recursion depth mismatch"), failing the run.
               "--seed", str(FUZZ_SEED), "--max-examples", str(FUZZ_EXAMPLES), "--workers", "1",
               "--report", "json", "--report-json-path", str(report), "--no-color"]
    print("  $ " + " ".join(c if token not in c else "Authorization: Bearer …" for c in command), flush=True)
    finished = subprocess.run(command, text=True, capture_output=True, check=False)
    summary = finished.stdout[finished.stdout.rfind("SUMMARY"):] if "SUMMARY" in finished.stdout else finished.stdout
    print(summary[-4000:], flush=True)
    if finished.returncode != 0:
        print(finished.stdout[-30000:], finished.stderr[-5000:], flush=True)
    counts = re.search(r"(\d+) generated, (.*)", finished.stdout)
    check(finished.returncode == 0, f"schemathesis as the {who}: {counts.group(0) if counts else 'no counts'}")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bordercase-smoke-"))
    step(f"Installing bordercase with `pip install .` into {work / 'venv'}")
    bin_dir = install(work)
    bordercase = bin_dir / "bordercase"
    key_file = work / "bordercase-key"
    key_file.write_text(secrets.token_urlsafe(64) + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    port, tls_port, http_port = free_port(), free_port(), free_port()
    # Email goes over real SMTP, to a server here that keeps what it receives for the journey to read.
    mail = MailServer()
    smtp, smtp_port = mail.start()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
           "BORDERCASE_MODE": "production", "SECRET_KEY_FILE": str(key_file), "ALLOWED_HOSTS": HOST,
           "BORDERCASE_BASE_URL": f"https://{HOST}:{tls_port}",
           "DATABASE_URL": fresh_database(), "BEHIND_TLS_PROXY": "true", "BORDERCASE_VAR_DIR": str(work / "var"),
           "PORT": str(port), "WEB_CONCURRENCY": "2", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port),
           # The fuzzer makes thousands of calls a minute with one token: the limit is tried by the test suite.
           "BORDERCASE_API_RATE": "1000000/m"}
    for name in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    log_key = work / "bordercase-log.key"
    env["BORDERCASE_LOG_KEY_FILE"] = str(log_key)
    # The keys that seal passport numbers, each in a file of the operator's alone, as the README says.
    data_keys, index_key = work / "bordercase-data-keys", work / "bordercase-index-key"
    server: subprocess.Popen[str] | None = None
    signer: subprocess.Popen[str] | None = None
    nginx: subprocess.Popen[bytes] | None = None
    try:
        step("The transparency log's signing key: bordercase transparency key, owner-only")
        made_key = run([str(bordercase), "transparency", "key"], env, capture_output=True).stdout
        # Owner-only from the moment it exists, as the README's `umask 077` makes it.
        descriptor = os.open(log_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(made_key)
        step("The keys that seal passport numbers: bordercase keys new, owner-only")
        key_a = run([str(bordercase), "keys", "new"], env, capture_output=True).stdout.strip()
        secret_file(data_keys, key_a)
        secret_file(index_key, run([str(bordercase), "keys", "new"], env, capture_output=True).stdout.strip())
        # Named only once they exist: settings read a _FILE named, and refuse one that cannot be read.
        env["BORDERCASE_DATA_KEYS_FILE"], env["BORDERCASE_INDEX_KEY_FILE"] = str(data_keys), str(index_key)
        step("bordercase check --deploy --fail-level WARNING && bordercase migrate")
        run([str(bordercase), "check", "--deploy", "--fail-level", "WARNING"], env)
        run([str(bordercase), "migrate"], env, capture_output=True)
        step("Loading the demo data, and API tokens for an employer and an assessor")
        sign_ins = demo_sign_ins(run([str(bordercase), "demo", "--no-serve"], env, capture_output=True).stdout)
        made = tokens(bordercase, env)
        step("Rotating the data key as the README says: a new key first, keys rotate, the old key out, keys check")
        secret_file(data_keys, f"{run([str(bordercase), 'keys', 'new'], env, capture_output=True).stdout.strip()},"
                               f"{key_a}")
        rotated = run([str(bordercase), "keys", "rotate"], env, capture_output=True).stdout
        check("cases.Person (passport_number):" in rotated and "values sealed again" in rotated,
              f"keys rotate sealed the demo's passports again: {rotated.splitlines()[-2:]}")
        secret_file(data_keys, data_keys.read_text(encoding="utf-8").split(",")[0])
        run([str(bordercase), "keys", "check"], env, capture_output=True)
        config = fuzz_config(bordercase, env, work)
        step(f"bordercase serve --host 0.0.0.0 (port {port})")
        server_log = (work / "serve.log").open("w")
        server = subprocess.Popen([str(bordercase), "serve", "--host", "0.0.0.0"], env=env, text=True,  # noqa: S104
                                  start_new_session=True, stdout=server_log, stderr=subprocess.STDOUT)
        step("bordercase transparency checkpoint --every 2, beside serve")
        signer = subprocess.Popen([str(bordercase), "transparency", "checkpoint", "--every", "2"], env=env, text=True,
                                  start_new_session=True, stdout=server_log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_until_alive(base, server)
        step("Pages, static files, OpenAPI and health, through the proxy's headers")
        check_pages(base)
        step(f"nginx in front with deploy/nginx.conf, HTTPS on port {tls_port}; the administrator's day in Chromium")
        nginx = nginx_in_front(work, port, tls_port, http_port)
        try:
            wait_for_port(tls_port)
            production_journey.walk(f"https://{HOST}:{tls_port}", sign_ins, mail, work, HOST)
            check(True, "the administrator's day, through nginx over HTTPS, in Chromium")
        except AssertionError as failed:
            check(False, f"the administrator's day: {failed}")
        except Exception as failed:  # Playwright's timeouts say which element never came
            check(False, f"the administrator's day: {type(failed).__name__}: {str(failed)[:2000]}")
        step("The transparency log: a checkpoint served, signed by the key served, and the database held to it")
        check_log(base, bordercase, env, work)
        step(f"schemathesis: {FUZZ_EXAMPLES} examples an operation, seed {FUZZ_SEED}")
        fuzz(base, made["aroha@kowhai.example"], "employer", config, work)
        fuzz(base, made["mere@nztech.example"], "assessor", config, work)
    finally:
        for process in (server, signer):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=30)
        smtp.stop()
        served = work / "serve.log"
        if failures and served.exists():
            # Each failure's traceback is in the server's log: the last of it says what went wrong.
            print("\nThe server's log ends:\n" + served.read_text(encoding="utf-8", errors="replace")[-20000:])
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"\nThe production smoke test failed {len(failures)} check(s):", *failures, sep="\n  ")
        return 1
    print("\nThe production smoke test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
