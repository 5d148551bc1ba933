"""The applicant's side of an information request: reading the assessor's question and answering it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bordercase.cases.lifecycle import LifecycleError, State
from bordercase.cases.models import Event, Request
from bordercase.cases.services.assessment import information_provide
from bordercase.cases.services.documents import document_kinds
from bordercase.lib.errors import ConcurrentChange, InvalidInput, NotEditable, Refused
from bordercase.web.intake_forms import InformationAnswerForm
from bordercase.web.intake_views import _applicants_request, _field_errors
from bordercase.web.plumbing import user_of


def question_of(request: Request) -> Event | None:
    """The assessor's question that is waiting for an answer, if one is."""
    if request.status != State.INFO_REQUESTED:
        return None
    return request.events.filter(transition="request_information").order_by("-position").first()


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    user = user_of(request)
    found = _applicants_request(user, reference)
    question = question_of(found)
    if question is None:
        raise Http404("No question is waiting for an answer on this request")
    kinds = document_kinds(found)
    form = InformationAnswerForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        documents = [(form.cleaned_data["kind"], upload)] if upload else []
        try:
            information_provide(request=found, by=user, text=form.cleaned_data["text"], documents=documents)
        except InvalidInput as exc:
            _field_errors(form, exc.errors, {"reason": "text"})
        except (LifecycleError, NotEditable, Refused, ConcurrentChange) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your answer has been sent to the assessor. You will be emailed when the "
                                      "request is decided.")
            return redirect("web:request", reference=found.reference)
    return render(request, "web/information.html", {"req": found, "question": question, "form": form})
