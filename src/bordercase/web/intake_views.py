"""Lodging pages: start a request, the task list, each task, check your answers, lodge, confirm, withdraw.

Every page finds the request through cases.access and changes it through a service; what counts as done or
missing is decided in cases.services.drafts, never here.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from bordercase.accounts.models import Organisation, User
from bordercase.cases import access, lifecycle
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.models import Document, Request, Scheme
from bordercase.cases.services import drafts, idempotency
from bordercase.cases.services.documents import document_add, document_kinds, document_remove
from bordercase.cases.services.evaluations import policy_of
from bordercase.cases.services.lodging import request_lodge
from bordercase.cases.services.requests import request_create, request_update_draft
from bordercase.cases.services.transitions import request_withdraw
from bordercase.cases.services.windows import scheme_intake
from bordercase.cases.services.workers import same_worker_requests
from bordercase.cases.windows import intake_message
from bordercase.lib.errors import InvalidInput, NotEditable, OutsideWindow, Refused
from bordercase.lib.identifiers import reference_normalise
from bordercase.web import rules_carry
from bordercase.web.intake_forms import (
    AssessingBodyForm,
    DeclarationForm,
    EvidenceForm,
    PersonForm,
    StartForm,
    WithdrawForm,
)
from bordercase.web.plumbing import posted_data, user_of
from bordercase.web.questions import QuestionsForm, answer_rows


def request_as(user: User, reference: str, party: Party) -> Request:
    """The request if this user stands to it as ``party``; anyone else, even someone who may see it, gets a 404."""
    return access.request_get(user, reference, as_party=party)


def _applicants_request(user: User, reference: str) -> Request:
    return request_as(user, reference, Party.APPLICANT)


def _draft(user: User, reference: str) -> Request:
    found = _applicants_request(user, reference)
    if found.status != State.DRAFT:
        raise NotEditable(found.reference)
    return found


def _field_errors(form: Any, errors: dict[str, str], fields: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form field they are about (or on the form as a whole)."""
    for key, message in errors.items():
        name = (fields or {}).get(key, key)
        form.add_error(name if name in form.fields else None, message)


def _after_save(request: HttpRequest, draft: Request, next_page: str) -> HttpResponse:
    if "later" in request.POST:
        return redirect("web:request", reference=draft.reference)
    return redirect(next_page, reference=draft.reference)


def _next_after_person(draft: Request) -> str:
    return "web:apply-assessing-body" if drafts.chooses_assessing_body(draft) else "web:apply-questions"


@login_required
@require_http_methods(["GET", "POST"])
def start_request(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    organisations = list(Organisation.objects.filter(
        memberships__user=user, memberships__role="employer", kind=Organisation.Kind.EMPLOYER).order_by("name"))
    kinds = [Scheme.Kind.EOI_CATEGORY] + ([Scheme.Kind.CLASS_EXCEPTION, Scheme.Kind.ESSENTIAL_WORKER]
                                          if organisations else [])
    listed = []
    for scheme in Scheme.objects.filter(kind__in=kinds).prefetch_related("windows").order_by("kind", "title"):
        intake = scheme_intake(scheme)
        listed.append((scheme, intake, intake_message(scheme.title, intake)))
    startable = [s for s, intake, _ in listed if intake.takes_drafts]
    # Answers kept by the eligibility checker wait for a request under their scheme, which is chosen for the person.
    carried = rules_carry.carried_scheme(request.session)
    form = StartForm(posted_data(request), schemes=startable, organisations=organisations,
                     initial={"submission": uuid.uuid4().hex, "scheme": carried or None})
    if request.method == "POST" and form.is_valid():
        scheme = next(s for s in startable if s.code == form.cleaned_data["scheme"])
        organisation = None
        if scheme.kind != Scheme.Kind.EOI_CATEGORY:
            chosen = form.cleaned_data.get("on_behalf_of") or (str(organisations[0].pk) if len(organisations) == 1
                                                                else "")
            organisation = next((o for o in organisations if str(o.pk) == chosen), None)
            if organisation is None:
                form.add_error("on_behalf_of", "Select the organisation nominating the worker")
        if form.is_valid():
            def create() -> tuple[int, dict[str, Any]]:
                created = request_create(by=user, scheme=scheme, organisation=organisation,
                                         answers=rules_carry.answers_carried(request.session, scheme.code))
                return 201, {"reference": created.reference}

            try:
                # A double click or a resubmitted page carries the same hidden key, so it finds the same draft.
                _, made, _ = idempotency.once(
                    user=user, key=f"web-start:{form.cleaned_data['submission']}", operation="web-start",
                    payload={"scheme": scheme.code, "organisation": organisation.pk if organisation else None},
                    action=create)
            except InvalidInput as exc:
                _field_errors(form, exc.errors, {"organisation": "on_behalf_of"})
            except OutsideWindow as exc:
                form.add_error("scheme", str(exc))
            else:
                if scheme.code == carried:
                    rules_carry.answers_forget(request.session)
                return redirect("web:request", reference=made["reference"])
    context = {"form": form, "listed": listed, "organisations": organisations,
               "choose_organisation": len(organisations) > 1,
               "carried": next((s.title for s in startable if s.code == carried), "")}
    return render(request, "web/intake/start.html", context)


def task_list(request: HttpRequest, draft: Request) -> HttpResponse:
    """The draft's own page: called by the request page when the applicant opens a draft."""
    intake = scheme_intake(draft.scheme)
    context = {
        "req": draft, "tasks": drafts.draft_tasks(draft), "intake": intake,
        "intake_message": intake_message(draft.scheme.title, intake),
        "individual": drafts.is_individual(draft),
    }
    return render(request, "web/intake/task_list.html", context)


def _editing(view: Any) -> Any:
    """Open a draft for its applicant; a request already lodged goes back to its own page instead."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def wrapped(request: HttpRequest, reference: str) -> HttpResponse:
        user = user_of(request)
        try:
            draft = _draft(user, reference)
        except NotEditable:
            return redirect("web:request", reference=reference_normalise(reference))
        return view(request, user, draft)

    wrapped.__name__ = view.__name__
    return wrapped


@_editing
def person(request: HttpRequest, user: User, draft: Request) -> HttpResponse:
    initial = PersonForm.initial_from(draft.nominee)
    if not initial and drafts.is_individual(draft):
        given, _, family = user.full_name.partition(" ")
        initial = {"given_names": given, "family_name": family, "email": user.email}
    form = PersonForm(posted_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            request_update_draft(request=draft, by=user, nominee=form.person())
        except InvalidInput as exc:
            _field_errors(form, {k.removeprefix("nominee."): v for k, v in exc.errors.items()},
                          {"date_of_birth": "dob_day"})
        else:
            return _after_save(request, draft, _next_after_person(draft))
    return render(request, "web/intake/person.html",
                  {"req": draft, "form": form, "individual": drafts.is_individual(draft)})


@_editing
def assessing_body(request: HttpRequest, user: User, draft: Request) -> HttpResponse:
    bodies = list(draft.scheme.assessing_bodies.order_by("name"))
    current = draft.assessing_body.code if draft.assessing_body else None
    form = AssessingBodyForm(posted_data(request), bodies=bodies, initial={"assessing_body": current})
    if request.method == "POST" and form.is_valid():
        chosen = next(b for b in bodies if b.code == form.cleaned_data["assessing_body"])
        try:
            request_update_draft(request=draft, by=user, assessing_body=chosen)
        except InvalidInput as exc:
            _field_errors(form, exc.errors)
        else:
            return _after_save(request, draft, "web:apply-questions")
    return render(request, "web/intake/assessing_body.html", {"req": draft, "form": form})


@_editing
def questions(request: HttpRequest, user: User, draft: Request) -> HttpResponse:
    policy = policy_of(draft.scheme)
    if policy is None:
        return redirect("web:apply-evidence", reference=draft.reference)
    form = QuestionsForm(policy, draft.answers, data=posted_data(request))
    if request.method == "POST" and form.is_valid():
        given = form.answers()
        # Questions left empty on this page are removed, so clearing an answer clears it.
        changes = {name: given.get(name) for name in policy.questions if name != "lodged_on"}
        try:
            request_update_draft(request=draft, by=user, answers=changes)
        except InvalidInput as exc:
            _field_errors(form, {k.removeprefix("answers."): v for k, v in exc.errors.items()})
        else:
            return _after_save(request, draft, "web:apply-pre-assessment")
    return render(request, "web/intake/questions.html", {"req": draft, "form": form, "policy": policy})


@_editing
def pre_assessment(request: HttpRequest, user: User, draft: Request) -> HttpResponse:
    evaluation = drafts.draft_pre_assessment(draft)
    missing = [m for m in drafts.draft_missing(draft) if m.task == "questions"]
    return render(request, "web/intake/pre_assessment.html",
                  {"req": draft, "evaluation": evaluation, "missing": missing})


@_editing
def evidence(request: HttpRequest, user: User, draft: Request) -> HttpResponse:
    kinds = document_kinds(draft)
    form = EvidenceForm(posted_data(request), request.FILES if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST":
        if "continue" in request.POST or "later" in request.POST:
            return _after_save(request, draft, "web:apply-check")
        if form.is_valid():
            try:
                document_add(request=draft, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=user)
            except InvalidInput as exc:
                _field_errors(form, exc.errors)
            else:
                return redirect("web:apply-evidence", reference=draft.reference)
    labels = dict(kinds)
    uploaded = [(d, labels.get(d.kind, d.kind)) for d in draft.documents.order_by("uploaded_at", "pk")]
    return render(request, "web/intake/evidence.html", {
        "req": draft, "form": form, "uploaded": uploaded, "outstanding": drafts.documents_outstanding(draft),
    })


@login_required
@require_POST
def evidence_remove(request: HttpRequest, reference: str, document_id: int) -> HttpResponse:
    user = user_of(request)
    draft = _applicants_request(user, reference)
    try:
        document = draft.documents.get(pk=document_id)
    except Document.DoesNotExist as exc:
        raise Http404("No such document on this request") from exc
    try:
        document_remove(document=document, by=user)
    except (NotEditable, Refused):
        return redirect("web:request", reference=draft.reference)
    return redirect("web:apply-evidence", reference=draft.reference)


@_editing
def check_answers(request: HttpRequest, user: User, draft: Request) -> HttpResponse:
    form = DeclarationForm(posted_data(request))
    missing = drafts.draft_missing(draft)
    if request.method == "POST" and not missing and form.is_valid():
        try:
            request_lodge(request=draft, by=user)
        except OutsideWindow as exc:
            return render(request, "web/intake/window.html", {"req": draft, "message": str(exc)})
        except lifecycle.IllegalTransition:
            # A second click on "Lodge" arrives after the first lodged it: show what the first one did.
            return redirect("web:request-lodged", reference=draft.reference)
        except InvalidInput as exc:
            _field_errors(form, exc.errors)
        else:
            return redirect("web:request-lodged", reference=draft.reference)
    policy = policy_of(draft.scheme)
    context = {
        "req": draft, "form": form, "missing": missing, "individual": drafts.is_individual(draft),
        "rows": answer_rows(policy, draft.answers) if policy else [],
        "evaluation": drafts.draft_pre_assessment(draft), "documents": draft.documents.order_by("uploaded_at"),
        "outstanding": drafts.documents_outstanding(draft), "chooses_body": drafts.chooses_assessing_body(draft),
        "intake": scheme_intake(draft.scheme),
    }
    context["intake_message"] = intake_message(draft.scheme.title, context["intake"])
    return render(request, "web/intake/check.html", context)


@login_required
def lodged(request: HttpRequest, reference: str) -> HttpResponse:
    user = user_of(request)
    found = _applicants_request(user, reference)
    if found.status == State.DRAFT:
        return redirect("web:request", reference=found.reference)
    return render(request, "web/intake/lodged.html", {
        "req": found, "same_worker": same_worker_requests(found).exists(),
        "individual": drafts.is_individual(found),
    })


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    user = user_of(request)
    found = _applicants_request(user, reference)
    may = lifecycle.available(state=found.state, parties=access.parties(user, found), steps=found.scheme.steps)
    if "withdraw" not in {t.name for t in may}:
        return redirect("web:request", reference=found.reference)
    form = WithdrawForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        # Withdrawn or decided a moment ago by someone else: the request's page says which.
        with contextlib.suppress(lifecycle.IllegalTransition):
            request_withdraw(request=found, by=user, reason=form.cleaned_data["reason"])
        return redirect(reverse("web:request", kwargs={"reference": found.reference}))
    return render(request, "web/intake/withdraw.html", {"req": found, "form": form})
