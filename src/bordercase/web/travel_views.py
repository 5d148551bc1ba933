"""The worker's pages: the invitation link, then the request to travel as a task list, check your answers, lodge.

The link page is for anyone holding the link. The request-to-travel pages are only for the request's nominee
while it is invited to apply; anyone else, even someone who may see the request, gets a 404. Every change goes
through ``immigration.services.travel``, which holds the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from bordercase.accounts.models import User
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.services.documents import WORKERS_EVIDENCE
from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.immigration.services import claims, travel, travel_checks
from bordercase.immigration.services.tokens import InvitationUnusable
from bordercase.lib.errors import InvalidInput, NotEditable, Refused
from bordercase.web.account_forms import NewPasswordForm
from bordercase.web.forms import errors_onto
from bordercase.web.intake_views import request_as
from bordercase.web.plumbing import posted_data, user_of
from bordercase.web.travel_forms import (
    AgreementForm,
    DeclarationsForm,
    FamilyMemberForm,
    JourneyForm,
    PassportForm,
    PersonalDetailsForm,
)
from bordercase.web.travel_summary import summary_sections

_BACKEND = "django.contrib.auth.backends.ModelBackend"

# Each task's page, in the order the task list gives them; "Save and continue" goes to the next.
TASK_PAGES = {"personal": "web:travel-personal", "passport": "web:travel-passport",
              "agreement": "web:travel-agreement", "family": "web:travel-family", "journey": "web:travel-journey",
              "declarations": "web:travel-declarations", "check": "web:travel-check"}
_ORDER = list(TASK_PAGES)
# Where on its page a problem's field is, for the links on check your answers.
_ANCHORS = {**{d: f"{d}_day" for d in ("date_of_birth", "passport_expiry", "travel_date", "isolation_from",
                                        "isolation_to")},
            "declarations": "true_and_complete", "family": ""}




# --- the invitation link -------------------------------------------------------------------------------------------


def _link_unusable(request: HttpRequest, message: str) -> HttpResponse:
    # A 200: the page is the answer the person needs, and a browser should show it like any other.
    return render(request, "web/travel/link_unusable.html", {"message": message})


@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def invitation_to_apply(request: HttpRequest, token: str) -> HttpResponse:
    signed_in = request.user if isinstance(request.user, User) else None
    try:
        invitation = claims.invitation_open(token)
    except InvitationUnusable as exc:
        # The worker's own second click (or coming back to the email) goes where the first one did.
        claimed = claims.claimed_by(token, signed_in) if signed_in else None
        if claimed is not None:
            return redirect("web:travel", reference=claimed.reference)
        return _link_unusable(request, str(exc))
    context: dict[str, Any] = {"invitation": invitation, "req": invitation.request}
    if signed_in is not None:
        context["matches"] = signed_in.email.lower() == invitation.worker_email.strip().lower()
        if request.method == "POST":
            try:
                claimed = claims.invitation_claim(token=token, user=signed_in)
            except InvitationUnusable as exc:
                return _link_unusable(request, str(exc))
            except Refused as exc:
                context["refused"] = str(exc)
            else:
                return redirect("web:travel", reference=claimed.reference)
        return render(request, "web/travel/invitation.html", context)
    if claims.account_exists(invitation):
        context["sign_in"] = f"{reverse('web:sign-in')}?next={request.path}"
        return render(request, "web/travel/invitation.html", context)
    nominee = invitation.request.nominee
    form = NewPasswordForm(posted_data(request), account=User(email=invitation.worker_email,
                                                          full_name=nominee.full_name if nominee else ""))
    if request.method == "POST" and form.is_valid():
        try:
            user = claims.worker_sign_up(token=token, password=form.cleaned_data["password"])
        except InvitationUnusable as exc:
            return _link_unusable(request, str(exc))
        except InvalidInput as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            login(request, user, backend=_BACKEND)
            return redirect("web:travel", reference=invitation.request.reference)
    context["form"] = form
    return render(request, "web/travel/invitation.html", context)


# --- the request to travel -----------------------------------------------------------------------------------------

TravelView = Callable[..., HttpResponse]


def _travelling(after: str = "web:request") -> Callable[[TravelView], TravelView]:
    """Open the request to travel for its worker while invited; once it is not, the page ``after`` instead."""

    def decorate(view: TravelView) -> TravelView:
        @login_required
        @require_http_methods(["GET", "POST"])
        def wrapped(request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponse:
            user = user_of(request)
            found = request_as(user, reference, Party.NOMINEE)
            if found.status != State.INVITED:
                return redirect(after, reference=found.reference)
            try:
                opened = travel.travel_request_open(request=found, by=user)
                return view(request, user, opened, **kwargs)
            except NotEditable:  # lodged, withdrawn or lapsed while this page was being answered
                return redirect(after, reference=found.reference)

        wrapped.__name__ = view.__name__
        return wrapped

    return decorate


def _next(request: HttpRequest, opened: TravelRequest, task: str) -> HttpResponse:
    """After saving: the task list if they will come back later, else the next task's page."""
    if "later" in request.POST:
        return redirect("web:travel", reference=opened.request.reference)
    following = _ORDER[_ORDER.index(task) + 1]
    return redirect(TASK_PAGES[following], reference=opened.request.reference)


def _page(request: HttpRequest, template: str, opened: TravelRequest, **context: Any) -> HttpResponse:
    return render(request, f"web/travel/{template}.html", {"req": opened.request, "travel": opened, **context})


@_travelling()
def task_list(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    terms = travel.terms_for(opened)
    tasks = [(task, reverse(TASK_PAGES[task.id], kwargs={"reference": opened.request.reference}))
             for task in travel_checks.travel_tasks(opened, terms)]
    return _page(request, "task_list", opened, tasks=tasks, terms=terms)


@_travelling()
def personal(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    form = PersonalDetailsForm(posted_data(request), initial=PersonalDetailsForm.initial_from(opened))
    if request.method == "POST" and form.is_valid():
        try:
            travel.personal_details_save(travel=opened, by=user, **form.values(
                "given_names", "family_name", "date_of_birth", "nationality", "phone"))
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            return _next(request, opened, "personal")
    return _page(request, "personal", opened, form=form)


@_travelling()
def passport(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    if not travel_checks.personal_done(opened):
        return redirect("web:travel-personal", reference=opened.request.reference)
    form = PassportForm(posted_data(request), initial=PassportForm.initial_from(opened))
    if request.method == "POST" and form.is_valid():
        try:
            travel.passport_save(travel=opened, by=user, **form.values(
                "passport_number", "passport_country", "passport_expiry", "passport_mrz"))
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            return _next(request, opened, "passport")
    return _page(request, "passport", opened, form=form)


@_travelling()
def agreement(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    form = AgreementForm(posted_data(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST":
        if "continue" in request.POST or "later" in request.POST:
            return _next(request, opened, "agreement")
        if form.is_valid():
            try:
                travel.employment_agreement_add(travel=opened, by=user, upload=form.cleaned_data["file"])
            except InvalidInput as exc:
                for field, message in exc.errors.items():
                    form.add_error("file" if field in {"file", "kind"} else None, message)
            else:
                return redirect("web:travel-agreement", reference=opened.request.reference)
    return _page(request, "agreement", opened, form=form, terms=travel.terms_for(opened),
                 label=WORKERS_EVIDENCE[1])


@_travelling()
def family(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        if "no_family" in request.POST:
            try:
                travel.no_family_say(travel=opened, by=user)
            except InvalidInput as exc:
                errors = exc.errors
            else:
                return redirect("web:travel-journey", reference=opened.request.reference)
        else:
            return _next(request, opened, "family")
    members = travel_checks.family_of(opened)
    return _page(request, "family", opened, members=members, errors=errors, terms=travel.terms_for(opened),
                 has_partner=any(m.relationship == FamilyMember.Relationship.PARTNER for m in members))


def _member_of(opened: TravelRequest, member_id: int | None) -> FamilyMember | None:
    if member_id is None:
        return None
    try:
        return opened.family.get(pk=member_id)
    except FamilyMember.DoesNotExist as exc:
        raise Http404("No such person on this request to travel") from exc


@_travelling()
def family_member(request: HttpRequest, user: User, opened: TravelRequest, relationship: str = "",
                  member_id: int | None = None) -> HttpResponse:
    member = _member_of(opened, member_id)
    relationship = member.relationship if member else relationship
    if relationship not in FamilyMember.Relationship.values:
        raise Http404("No such kind of family member")
    form = FamilyMemberForm(posted_data(request), initial=FamilyMemberForm.initial_from(member))
    if request.method == "POST" and form.is_valid():
        try:
            travel.family_member_save(travel=opened, by=user, relationship=relationship, member=member,
                                      **form.values(*FamilyMemberForm.saved))
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            return redirect("web:travel-family", reference=opened.request.reference)
    return _page(request, "family_member", opened, form=form, member=member,
                 partner=relationship == FamilyMember.Relationship.PARTNER)


@_travelling()
def family_remove(request: HttpRequest, user: User, opened: TravelRequest, member_id: int) -> HttpResponse:
    member = _member_of(opened, member_id)
    if member is None:
        raise Http404("No such person on this request to travel")
    if request.method == "POST":
        travel.family_member_remove(travel=opened, by=user, member=member)
        return redirect("web:travel-family", reference=opened.request.reference)
    return _page(request, "family_remove", opened, member=member)


@_travelling()
def journey(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    terms = travel.terms_for(opened)
    form = JourneyForm(posted_data(request), initial=JourneyForm.initial_from(opened), payers=terms.paid_by)
    if request.method == "POST" and form.is_valid():
        try:
            travel.journey_save(travel=opened, by=user, **form.values(*JourneyForm.saved))
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            return _next(request, opened, "journey")
    return _page(request, "journey", opened, form=form, terms=terms)


def _problem_links(opened: TravelRequest, problems: list[travel_checks.Problem]) -> list[tuple[str, str]]:
    reference = opened.request.reference
    links = []
    for p in problems:
        if p.member is not None:
            page = reverse("web:travel-family-member", kwargs={"reference": reference, "member_id": p.member})
        else:
            page = reverse(TASK_PAGES[p.task], kwargs={"reference": reference})
        anchor = _ANCHORS.get(p.field, p.field)
        links.append((f"{page}#id_{anchor}" if anchor else page, p.message))
    return links


@_travelling()
def declarations(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    terms = travel.terms_for(opened)
    tasks = {t.id: t.status for t in travel_checks.travel_tasks(opened, terms)}
    if tasks["declarations"] == "cannot_start":
        return redirect("web:travel", reference=opened.request.reference)
    form = DeclarationsForm(posted_data(request), isolation_days=terms.isolation_days)
    if request.method == "POST" and form.is_valid():
        try:
            travel.declarations_make(travel=opened, by=user)
        except InvalidInput as exc:
            form.add_error(None, " ".join(exc.errors.values()))
        else:
            return redirect("web:travel-check", reference=opened.request.reference)
    return _page(request, "declarations", opened, form=form)


@_travelling(after="web:travel-lodged")
def check_answers(request: HttpRequest, user: User, opened: TravelRequest) -> HttpResponse:
    terms = travel.terms_for(opened)
    if request.method == "POST":
        try:
            travel.travel_lodge(travel=opened, by=user)
        except InvalidInput:
            pass  # the problems are listed below, each linked to the page that fixes it
        else:
            return redirect("web:travel-lodged", reference=opened.request.reference)
        opened.refresh_from_db()
    problems = travel_checks.lodging_problems(opened, terms, travel.today())
    return _page(request, "check", opened, problems=_problem_links(opened, problems),
                 sections=summary_sections(opened, terms), attempted=request.method == "POST")


@login_required
def lodged(request: HttpRequest, reference: str) -> HttpResponse:
    user = user_of(request)
    found = request_as(user, reference, Party.NOMINEE)
    opened = TravelRequest.objects.filter(request=found, lodged_at__isnull=False).first()
    if opened is None:
        return redirect("web:request", reference=found.reference)
    return render(request, "web/travel/lodged.html", {"req": found, "travel": opened})
