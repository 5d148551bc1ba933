from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bordercase.cases.errors import InvalidInput
from bordercase.cases.models import Scheme
from bordercase.cases.services.windows import scheme_intake, window_add
from bordercase.cases.windows import NZ, intake_message, nz_time


def _nz_moment(text: str, option: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f"{option} {text!r} is not a date and time: write it as 'YYYY-MM-DD HH:MM' in New "
                           "Zealand time, such as '2022-02-18 09:00'.") from exc
    # Administrators think in New Zealand time; a time given with an offset is taken as given.
    return moment.replace(tzinfo=NZ) if moment.tzinfo is None else moment


class Command(BaseCommand):
    help = "List schemes' intake windows, or add one. Times are New Zealand time unless they carry an offset."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every scheme's windows and whether it takes requests now")
        add = actions.add_parser("add", help="add a window to a scheme")
        add.add_argument("scheme", help="the scheme's code, such as tech-specialists-2022")
        add.add_argument("--opens", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")
        add.add_argument("--closes", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
            return
        scheme = Scheme.objects.filter(code=options["scheme"]).first()
        if scheme is None:
            codes = ", ".join(Scheme.objects.values_list("code", flat=True))
            raise CommandError(f"There is no scheme {options['scheme']!r}. The schemes are: {codes}.")
        opens, closes = _nz_moment(options["opens"], "--opens"), _nz_moment(options["closes"], "--closes")
        try:
            window_add(scheme=scheme, opens_at=opens, closes_at=closes)
        except InvalidInput as exc:
            raise CommandError(" ".join(exc.errors.values())) from exc
        self.stdout.write(f"{scheme.code}: opens {nz_time(opens)}, closes {nz_time(closes)}.")

    def _list(self) -> None:
        now = timezone.now()
        for scheme in Scheme.objects.prefetch_related("windows").order_by("code"):
            intake = scheme_intake(scheme, now)
            self.stdout.write(f"{scheme.code} [{intake.state}]: {intake_message(scheme.title, intake)}")
            for window in scheme.windows.all():
                self.stdout.write(f"  {nz_time(window.opens_at)}  to  {nz_time(window.closes_at)}")
