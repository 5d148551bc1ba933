from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.services.windows import (
    ClosingEffect,
    scheme_intake,
    window_add,
    window_change,
    window_close,
    window_close_effect,
    window_extend,
)
from bordercase.cases.windows import NZ, intake_message, nz_time
from bordercase.lib.errors import InvalidInput


def _nz_moment(text: str, option: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f"{option} {text!r} is not a date and time: write it as 'YYYY-MM-DD HH:MM' in New "
                           "Zealand time, such as '2022-02-18 09:00'.") from exc
    # Administrators think in New Zealand time; a time given with an offset is taken as given.
    return moment.replace(tzinfo=NZ) if moment.tzinfo is None else moment


def _scheme(code: str) -> Scheme:
    scheme = Scheme.objects.filter(code=code).first()
    if scheme is None:
        codes = ", ".join(Scheme.objects.values_list("code", flat=True))
        raise CommandError(f"There is no scheme {code!r}. The schemes are: {codes}.")
    return scheme


def _window(number: int) -> IntakeWindow:
    window = IntakeWindow.objects.select_related("scheme").filter(pk=number).first()
    if window is None:
        raise CommandError(f"There is no window {number}: `bordercase window list` shows each window's number.")
    return window


class Command(BaseCommand):
    help = ("Intake windows: list; add; change one not yet open; extend; close the open one now. Times are New "
            "Zealand time unless they carry an offset. Every change needs --reason, kept in the activity record.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every scheme's windows, by number, and whether it takes requests now")
        add = actions.add_parser("add", help="add a window to a scheme")
        add.add_argument("scheme", help="the scheme's code, such as tech-specialists-2022")
        add.add_argument("--opens", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")
        add.add_argument("--closes", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")
        add.add_argument("--reason", required=True, help="why, kept in the activity record")
        change = actions.add_parser("change", help="move a window that has not opened yet")
        change.add_argument("window", type=int, help="the window's number, from `window list`")
        change.add_argument("--opens", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")
        change.add_argument("--closes", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")
        change.add_argument("--reason", required=True, help="why, kept in the activity record")
        extend = actions.add_parser("extend", help="close a window later than planned")
        extend.add_argument("window", type=int, help="the window's number, from `window list`")
        extend.add_argument("--closes", required=True, help="'YYYY-MM-DD HH:MM', New Zealand time")
        extend.add_argument("--reason", required=True, help="why, kept in the activity record")
        close = actions.add_parser("close", help="close a scheme's open window now (shows what it does first)")
        close.add_argument("scheme", help="the scheme's code, such as tech-specialists-2022")
        close.add_argument("--reason", required=True, help="why, kept in the activity record")
        close.add_argument("--confirm", action="store_true", help="close it; without this, only say what it would do")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list()
            return
        try:
            if action == "add":
                scheme = _scheme(options["scheme"])
                window = window_add(scheme=scheme, opens_at=_nz_moment(options["opens"], "--opens"),
                                    closes_at=_nz_moment(options["closes"], "--closes"), reason=options["reason"])
            elif action == "change":
                window = window_change(window=_window(options["window"]), by=None, reason=options["reason"],
                                       opens_at=_nz_moment(options["opens"], "--opens"),
                                       closes_at=_nz_moment(options["closes"], "--closes"))
            elif action == "extend":
                window = window_extend(window=_window(options["window"]), by=None, reason=options["reason"],
                                       closes_at=_nz_moment(options["closes"], "--closes"))
            else:
                scheme = _scheme(options["scheme"])
                effect = window_close_effect(scheme)
                self.stdout.write(self._effect(scheme, effect))
                if not options["confirm"]:
                    self.stdout.write("Nothing was changed: run again with --confirm to close it.")
                    return
                window = window_close(scheme=scheme, by=None, reason=options["reason"])
        except InvalidInput as exc:
            raise CommandError(" ".join(exc.errors.values())) from exc
        self.stdout.write(f"{window.scheme.code}: window {window.pk} opens {nz_time(window.opens_at)}, closes "
                          f"{nz_time(window.closes_at)}.")

    def _effect(self, scheme: Scheme, effect: ClosingEffect) -> str:
        after = (f"The next window opens {nz_time(effect.next_window.opens_at)}." if effect.next_window
                 else "No other window is announced, so they cannot be lodged unless one is added.")
        return (f"Closing {scheme.title}'s window {effect.window.pk} now stops lodging at once. "
                f"{effect.lodged_in_window:,} requests lodged in it go on as they are; {effect.drafts:,} drafts stay "
                f"drafts. {after}")

    def _list(self) -> None:
        now = timezone.now()
        for scheme in Scheme.objects.prefetch_related("windows").order_by("code"):
            intake = scheme_intake(scheme, now)
            self.stdout.write(f"{scheme.code} [{intake.state}]: {intake_message(scheme.title, intake)}")
            for window in scheme.windows.all():
                self.stdout.write(f"  {window.pk:>4}  {nz_time(window.opens_at)}  to  {nz_time(window.closes_at)}")
