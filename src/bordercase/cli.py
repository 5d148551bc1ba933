"""The `bordercase` command: one entry point for people and operators, wrapping Django's commands."""

from __future__ import annotations

import gc
import os
import sys

from bordercase import __version__

COMMANDS: dict[str, str] = {
    "serve": "Serve bordercase over HTTP with gunicorn (http://127.0.0.1:8000 unless told otherwise).",
    "migrate": "Create or update the database tables.",
    "demo": "Load the demo world (every role, every step of the journey, a round drawn and one to draw), print "
            "each account's sign-in details and serve it (--port, or PORT).",
    "createadmin": "Create a scheme administrator's account.",
    "transparency": "`transparency checkpoint [--every SECONDS]` signs the transparency log as it is now (and again "
                    "every SECONDS, beside `serve`), `transparency key` makes a signing key, `transparency public-key` "
                    "prints the key to check with.",
    "audit": "`audit verify [--checkpoint FILE|URL]`: re-compute every request's event chain and, against a kept "
             "checkpoint, the log and every event, letter, round file and import it recorded; `audit consistency "
             "OLD NEW`: the newer checkpoint extends the older.",
    "policy": "Scheme rules: `policy list|show|evaluate|test|simulate` (what-if over lodged requests).",
    "ballot": "`ballot draw ENTRIES --places N --seed HEX` and `ballot verify MANIFEST ENTRIES RESULTS`: run or "
              "check an allocation round from its published files alone.",
    "import": "`import requests FILE.jsonl` and `import offshore-visa-holders FILE.csv`: historical records for "
              "the statistics, checked line by line (--skip-bad REJECTS to import the rest); `import runs`, "
              "`import undo RUN --reason WHY`.",
    "stats": "`stats summary --as-at DATE [--since DATE] [--format table|json|csv]`: the official figures.",
    "window": "Intake windows: `window list`, `window add SCHEME`, `window change|extend WINDOW` and `window close "
              "SCHEME`, each change with --reason (New Zealand time).",
    "staff": "`staff list`, `staff invite BODY EMAIL ROLE`, `staff role EMAIL BODY ROLE`, `staff deactivate EMAIL`, "
             "each change with --as ADMINISTRATOR and --reason.",
    "activity": "Every administrator's change (windows, imports, staff), newest first, with who and why.",
    "retention": "`retention plan [--as-at DATE]`: what the retention schedule would remove and why, each request "
                 "with its rule and date; `retention apply`: remove it, an event in each request's history (run it "
                 "daily from a timer).",
    "invitations": "`invitations expire`: lapse every request whose invitation to apply expired unused (run it "
                   "from a timer).",
    "notices": "`notices digest`: email each person who chose one email a day their requests' changes (run it "
               "daily from a timer).",
    "keys": "The keys that seal passport numbers at rest: `keys new` prints a fresh key, `keys rotate` seals every "
            "value again under the newest of BORDERCASE_DATA_KEYS (in batches; safe to run again), `keys check` "
            "counts what is not under it yet.",
    "worker": "Send queued email and other background work (with BORDERCASE_TASKS=database or redis).",
    "check": "Check the configuration; add --deploy to check it is safe for production.",
    "manage": "Run any other Django management command, such as `manage shell`.",
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        f"bordercase {__version__}: runs border-exception schemes end to end.",
        "",
        "Usage: bordercase COMMAND [OPTIONS]   (bordercase COMMAND --help for its options)",
        "",
        "Commands:",
        *(f"  {name.ljust(width)}  {summary}" for name, summary in COMMANDS.items()),
        "",
        "Configuration comes from the environment: DATABASE_URL, SECRET_KEY, BORDERCASE_MODE, ALLOWED_HOSTS,",
        "DEBUG and BORDERCASE_VAR_DIR. See README.md.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return
    if args[0] == "--version":
        print(__version__)
        return
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"bordercase: there is no command {command!r}.\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        raise SystemExit(2)
    if command == "ballot":
        # Checking a round needs its files and nothing else: no settings, no database.
        from bordercase.ballot.cli import main as ballot_main

        if argv is None:
            # The process is the command's alone, and what is made so far (the modules, mostly) lasts until it ends:
            # the collector need not walk it again, here or in the workers a draw forks (whose pages it would copy
            # by touching them).
            gc.freeze()
            status = ballot_main(rest)
            # Every file is written and closed: ending here spares winding down an interpreter holding a large
            # draw's arrays, some 10 ms of a draw of a second.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        raise SystemExit(ballot_main(rest))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bordercase.settings")
    from django.core.management import execute_from_command_line

    if command == "manage":
        argv = rest
    elif command == "worker":
        argv = _worker(rest)
    else:
        argv = [command, *rest]
    execute_from_command_line(["bordercase", *argv])


def _worker(rest: list[str]) -> list[str]:
    """The queue's own worker for the task backend configured: django-tasks-db's, or django-rq's running
    django-tasks-rq's jobs."""
    from django.conf import settings

    if settings.TASKS_KIND == "redis":
        return ["rqworker", "--job-class", "django_tasks_rq.backend.Job", *rest]
    return ["db_worker", *rest]


if __name__ == "__main__":
    main()
