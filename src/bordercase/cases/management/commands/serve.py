from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

from bordercase.health import unapplied_migrations
from bordercase.lib.sealed import keys as sealing_keys


def served_base_url(host: str, port: int) -> str:
    """The address people reach a server bound to host:port on: every interface is reached on this machine's."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison, not a bind
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from bordercase.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve bordercase over HTTP with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("BORDERCASE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")),
                            help="gunicorn worker processes (default 3, or WEB_CONCURRENCY)")

    def handle(self, *args: Any, **options: Any) -> None:
        if unapplied_migrations():
            raise CommandError("The database is not up to date: run `bordercase migrate` first.")
        if settings.CACHE_KIND == "local":
            raise CommandError("BORDERCASE_CACHE=local keeps the cache in each process, so a window closed or a "
                               "person deactivated by a command or by another worker would go unseen by the server: "
                               "use file (the default) or redis.")
        try:
            # Without its keys production could take a request but never store its passport: refuse to start.
            sealing_keys()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        call_command("collectstatic", interactive=False, verbosity=0)
        # gunicorn forks its workers from this process: a connection opened by the checks above would be shared
        # by every worker, which with DATABASE_CONN_MAX_AGE > 0 interleaves their queries on one socket.
        connections.close_all()
        address = f"{options['host']}:{options['port']}"
        if not os.environ.get("BORDERCASE_BASE_URL"):
            # Links in emails point at the address served, unless the operator named the site's own address.
            settings.BORDERCASE_BASE_URL = served_base_url(options["host"], options["port"])
        self.stdout.write(f"bordercase is serving on http://{address} (Ctrl+C to stop)")
        _Gunicorn({
            "bind": address,
            "workers": options["workers"],
            "accesslog": "-",
            "errorlog": "-",
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }).run()
