"""Correction of personal information (IPP 7): the person asks on their request's page; the staff of the body
holding the request read and answer at /corrections/. The rules (who may ask, who holds a request, what a
complete answer is) are privacy.corrections'; these views only show and post."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from bordercase.cases import access
from bordercase.lib.errors import InvalidInput, NotFound, Refused
from bordercase.privacy import corrections, reads
from bordercase.privacy.corrections import CorrectionRequest
from bordercase.web.forms import errors_onto
from bordercase.web.plumbing import posted_data, user_of


class AskForm(forms.Form):
    """The boxes of a correction request; what makes them acceptable is corrections.asked_check's."""

    information = forms.ChoiceField(label="Which information is wrong?", widget=forms.RadioSelect,
                                    choices=CorrectionRequest.Information.choices, required=False)
    should_say = forms.CharField(label="What should it say?", widget=forms.Textarea, required=False, strip=False,
                                 help_text="Write the information as it should be, for example your name exactly "
                                           "as your passport shows it.")
    why = forms.CharField(label="Why is it wrong?", widget=forms.Textarea, required=False, strip=False,
                          help_text="For example, a typing mistake, or your passport has been renewed.")


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label="What did you decide?", widget=forms.RadioSelect, required=False,
                                choices=[("corrected", "Corrected: we changed the information"),
                                         ("declined", "Declined: the information stays as it is")])
    answer = forms.CharField(label="What you changed, or why you declined", widget=forms.Textarea, required=False,
                             strip=False, help_text="The person reads this. If you corrected the information, say "
                             "what you changed and where; if you declined, give your reasons.")


@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, reference: str) -> HttpResponse:
    user = user_of(request)
    found = access.request_get(user, reference)
    if not corrections.may_ask(user, found):
        raise Http404("No request that you can ask to correct")
    form = AskForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            corrections.correction_ask(user=user, reference=found.reference, **form.cleaned_data)
        except InvalidInput as exc:
            errors_onto(form, exc)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your correction request has been sent. You will be emailed the decision.")
            return redirect(f"{_request_url(found.reference)}#corrections")
    body = corrections.holding_body(found)
    return render(request, "web/privacy/correction_ask.html", {"req": found, "form": form, "body": body})


@login_required
@require_POST
def statement(request: HttpRequest, reference: str, correction_id: int) -> HttpResponse:
    user = user_of(request)
    found = access.request_get(user, reference)
    try:
        corrections.statement_attach(user=user, request=found, correction_id=correction_id)
    except Refused:
        # A second press finds the statement attached already, and the button is offered only after a decline:
        # either way there is nothing to attach, and the request's page shows where the correction stands.
        pass
    else:
        messages.success(request, "Your statement of the correction you asked for is now attached to your "
                                  "information.")
    return redirect(f"{_request_url(found.reference)}#corrections")


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    bodies = corrections.bodies_served(user)
    if not bodies:
        raise Http404("There are no correction requests for you: only staff of a body that holds requests have them")
    found = corrections.for_staff(user)
    waiting = found.filter(outcome="").order_by("asked_at", "pk")
    answered = Paginator(found.exclude(outcome="").order_by("-answered_at", "-pk"), 25).get_page(
        request.GET.get("page"))
    return render(request, "web/privacy/corrections_staff.html",
                  {"bodies": bodies, "waiting": waiting, "answered": answered})


@login_required
@require_http_methods(["GET", "POST"])
def staff_answer(request: HttpRequest, correction_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        correction = corrections.correction_for_staff(user, correction_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    # What the person says their information should be is personal information: staff reading it is a read.
    reads.record_read(user, correction.request, f"{reads.REQUEST_DETAILS}: correction request {correction.pk}")
    form = AnswerForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            corrections.correction_answer(user=user, correction_id=correction.pk, **form.cleaned_data)
        except InvalidInput as exc:
            errors_onto(form, exc)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Your decision is recorded and {correction.asked_by.full_name or 'the person'}"
                                      " has been emailed.")
            return redirect("web:corrections")
    context: dict[str, Any] = {"correction": correction, "form": form}
    return render(request, "web/privacy/correction_answer.html", context)


def _request_url(reference: str) -> str:
    return reverse("web:request", args=[reference])
