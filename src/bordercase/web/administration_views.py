"""The scheme administrator's console: intake windows (add, change one not yet open, close now, extend), history
imports (import, replace, undo) and the record of every change.

Only scheme administrators see these pages; anyone else gets a 404. Each view parses its form and calls one
service in cases.services (windows, administration), which decides and records; the view shows the result.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bordercase.accounts.administration import actions_recent
from bordercase.accounts.models import User
from bordercase.accounts.roles import Role, require_role
from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.services.windows import (
    scheme_intake,
    window_add,
    window_change,
    window_close,
    window_close_effect,
    window_extend,
)
from bordercase.cases.windows import NZ
from bordercase.lib.errors import InvalidInput
from bordercase.reporting.imports import (
    AlreadyImported,
    ImportRefused,
    NoSuchRun,
    import_offshore,
    import_requests,
    import_runs,
    import_undo,
)
from bordercase.reporting.models import ImportRun
from bordercase.web.forms import DatesForm, errors_onto

_REASON_HINT = "Kept in the activity record with your name, for anyone who later asks why."


def administrator_or_404(request: HttpRequest) -> User:
    """The scheme administrator signed in; anyone else is answered as if the page did not exist."""
    return require_role(request.user, Role.ADMINISTRATOR, "scheme administration")


def reason_field() -> forms.CharField:
    return forms.CharField(label="Why", help_text=_REASON_HINT, max_length=2000, widget=forms.Textarea,
                           error_messages={"required": "Say why: the activity record keeps the reason for every "
                                                       "change"})


class CloseForm(forms.Form):
    reason = reason_field()


class ExtendForm(DatesForm):
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "closes": ("New closing date", "Intake closes at 11:59 pm New Zealand time on this day. For example, "
                   "31 8 2022.", "Enter the new closing date")}
    reason = reason_field()


class WindowForm(DatesForm):
    """When a window opens (a day and a time) and the day it closes, at 11:59 pm, all in New Zealand time."""

    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "opens_at": ("Opening date", "For example, 1 3 2022.", "Enter the day the window opens"),
        "closes_at": ("Closing date", "Intake closes at 11:59 pm New Zealand time on this day. For example, "
                      "31 3 2022.", "Enter the day the window closes")}
    opens_time = forms.TimeField(
        label="Opening time", help_text="New Zealand time, on the 24-hour clock. For example, 09:00 or 14:30.",
        input_formats=["%H:%M", "%H.%M", "%H%M"], widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Enter the time the window opens, like 09:00",
                        "invalid": "Enter the opening time on the 24-hour clock, like 09:00 or 14:30"})
    reason = reason_field()
    field_order: ClassVar[list[str]] = ["opens_time"]

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        """The opening and closing as moments, from the valid form's New Zealand dates and time."""
        data = self.cleaned_data
        return (dt.datetime.combine(data["opens_at"], data["opens_time"], tzinfo=NZ),
                dt.datetime.combine(data["closes_at"], dt.time(23, 59), tzinfo=NZ))

    @classmethod
    def initial_for(cls, window: IntakeWindow | None) -> dict[str, Any]:
        if window is None:
            return {"opens_time": "09:00"}
        opens, closes = window.opens_at.astimezone(NZ), window.closes_at.astimezone(NZ)
        return {**cls.date_initial("opens_at", opens.date()), **cls.date_initial("closes_at", closes.date()),
                "opens_time": f"{opens:%H:%M}"}


@login_required
@require_GET
def windows_page(request: HttpRequest) -> HttpResponse:
    administrator_or_404(request)
    now = timezone.now()
    schemes = [{"scheme": s, "intake": scheme_intake(s, now), "windows": list(s.windows.all())}
               for s in Scheme.objects.prefetch_related("windows").order_by("title")]
    return render(request, "web/administration/windows.html", {"schemes": schemes, "now": now})


def _scheme(code: str) -> Scheme:
    found = Scheme.objects.filter(code=code).first()
    if found is None:
        raise Http404("No scheme by that code")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def window_close_page(request: HttpRequest, code: str) -> HttpResponse:
    user = administrator_or_404(request)
    scheme = _scheme(code)
    try:
        effect = window_close_effect(scheme)
    except InvalidInput:
        messages.info(request, f"{scheme.title} has no window open now, so there is nothing to close.")
        return redirect("web:admin-windows")
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            window_close(scheme=scheme, by=user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"{scheme.title}'s intake is closed: no request can be lodged from now on.")
            return redirect("web:admin-windows")
    return render(request, "web/administration/window_close.html",
                  {"scheme": scheme, "effect": effect, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def window_add_page(request: HttpRequest, code: str) -> HttpResponse:
    user = administrator_or_404(request)
    scheme = _scheme(code)
    form = WindowForm(request.POST or None, initial=WindowForm.initial_for(None))
    if request.method == "POST" and form.is_valid():
        opens, closes = form.times()
        try:
            window_add(scheme=scheme, opens_at=opens, closes_at=closes, by=user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"{scheme.title} takes requests from {opens:%-I:%M %p, %-d %B %Y} to 11:59 pm, "
                                      f"{closes:%-d %B %Y} (New Zealand time).")
            return redirect("web:admin-windows")
    return render(request, "web/administration/window_form.html", {"scheme": scheme, "window": None, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def window_change_page(request: HttpRequest, window_id: int) -> HttpResponse:
    user = administrator_or_404(request)
    window = get_object_or_404(IntakeWindow.objects.select_related("scheme"), pk=window_id)
    form = WindowForm(request.POST or None, initial=WindowForm.initial_for(window))
    if request.method == "POST" and form.is_valid():
        opens, closes = form.times()
        try:
            window_change(window=window, opens_at=opens, closes_at=closes, by=user,
                          reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"{window.scheme.title}'s window {window.pk} now opens "
                                      f"{opens:%-I:%M %p, %-d %B %Y} and closes at 11:59 pm, {closes:%-d %B %Y} "
                                      "(New Zealand time).")
            return redirect("web:admin-windows")
    return render(request, "web/administration/window_form.html",
                  {"scheme": window.scheme, "window": window, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def window_extend_page(request: HttpRequest, window_id: int) -> HttpResponse:
    user = administrator_or_404(request)
    window = get_object_or_404(IntakeWindow.objects.select_related("scheme"), pk=window_id)
    form = ExtendForm(request.POST or None, initial=ExtendForm.date_initial("closes", window.closes_at.astimezone(
        NZ).date()))
    if request.method == "POST" and form.is_valid():
        day: dt.date = form.cleaned_data["closes"]
        closes = dt.datetime.combine(day, dt.time(23, 59), tzinfo=NZ)
        try:
            window_extend(window=window, closes_at=closes, by=user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"{window.scheme.title}'s window now closes at 11:59 pm on "
                                      f"{day:%-d %B %Y} (New Zealand time).")
            return redirect("web:admin-windows")
    return render(request, "web/administration/window_extend.html", {"window": window, "form": form})


@login_required
@require_GET
def activity_page(request: HttpRequest) -> HttpResponse:
    administrator_or_404(request)
    context: dict[str, Any] = {"actions": actions_recent()}
    return render(request, "web/administration/activity.html", context)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", widget=forms.RadioSelect, choices=[
        ("requests", "Requests (JSON Lines, one request's milestones a line)"),
        ("offshore_visa_holders", "Offshore visa holders (CSV: visa_type, ordinarily_resident, offshore_since)")],
        error_messages={"required": "Select what the file holds"})
    file = forms.FileField(label="The file", error_messages={
        "required": "Choose the file to import", "empty": "The file is empty: choose the file again"})
    replaces = forms.TypedChoiceField(label="Replaces an import run", required=False, coerce=int, empty_value=None,
                                      help_text="Only to load a corrected version of a file already imported: the "
                                                "run chosen is undone in the same step.")

    def __init__(self, *args: Any, runs: list[ImportRun], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].choices = [("", "None: this is a new file")] + [
            (run.pk, f"Run {run.pk}: {run.file_name}, {run.imported:,} records") for run in runs if not run.undone_at]


class UndoForm(forms.Form):
    reason = reason_field()


@login_required
@require_http_methods(["GET", "POST"])
def imports_page(request: HttpRequest) -> HttpResponse:
    user = administrator_or_404(request)
    runs = import_runs()
    form = ImportForm(request.POST or None, request.FILES or None, runs=runs)
    bad: list[Any] = []
    if request.method == "POST" and form.is_valid():
        load = import_requests if form.cleaned_data["kind"] == "requests" else import_offshore
        upload = form.cleaned_data["file"]
        try:
            with tempfile.TemporaryDirectory(prefix="bordercase-upload-") as folder:
                # The import reads a file twice (check, then load); the upload is copied once to read from.
                path = Path(folder) / Path(upload.name).name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                done = load(path, by=user, replaces=form.cleaned_data["replaces"])
        except AlreadyImported as exc:
            form.add_error("file", f"{exc} To load a corrected version, choose the run it replaces.")
        except ImportRefused as exc:
            bad = exc.bad[:20]
            form.add_error("file", f"{exc} Correct the lines listed below and import the file again.")
        except (NoSuchRun, UnicodeDecodeError) as exc:
            form.add_error("file" if isinstance(exc, UnicodeDecodeError) else "replaces",
                           "The file is not UTF-8 text: save it as UTF-8 and import it again."
                           if isinstance(exc, UnicodeDecodeError) else str(exc))
        else:
            messages.success(request, f"Imported {done.run.imported:,} records from {done.run.file_name} as import "
                                      f"run {done.run.pk}.")
            return redirect("web:admin-imports")
    return render(request, "web/administration/imports.html", {"runs": runs, "form": form, "bad": bad})


@login_required
@require_http_methods(["GET", "POST"])
def import_undo_page(request: HttpRequest, run_id: int) -> HttpResponse:
    user = administrator_or_404(request)
    run = ImportRun.objects.filter(pk=run_id, undone_at__isnull=True).first()
    if run is None:
        raise Http404("No such import run still in the figures")
    form = UndoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            import_undo(run.pk, by=user, reason=form.cleaned_data["reason"])
        except NoSuchRun as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Import run {run.pk} is undone: its {run.imported:,} records are out of the "
                                      "figures.")
            return redirect("web:admin-imports")
    return render(request, "web/administration/import_undo.html", {"run": run, "form": form})
