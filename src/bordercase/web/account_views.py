"""Account pages: sign up, confirm an email address, set a forgotten password, set up an organisation, invite
and accept colleagues."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bordercase.accounts import services, throttle
from bordercase.accounts.models import Invitation, Membership, Organisation
from bordercase.lib.errors import InvalidInput, Refused
from bordercase.web.account_forms import (
    InviteForm,
    NewPasswordForm,
    OrganisationForm,
    PasswordPairForm,
    ResendForm,
    SignUpForm,
)
from bordercase.web.forms import errors_onto
from bordercase.web.plumbing import posted_data, user_of

_BACKEND = "django.contrib.auth.backends.ModelBackend"




def _unusable(request: HttpRequest, exc: services.LinkUnusable, kind: str) -> HttpResponse:
    """What to do instead, for a confirmation, password or invitation link that no longer works."""
    return render(request, "web/account/link_unusable.html", {"message": str(exc), "kind": kind}, status=400)


@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:requests")
    form = SignUpForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_up(email=form.cleaned_data["email"], full_name=form.cleaned_data["full_name"],
                             password=form.cleaned_data["password"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            request.session["signed_up_email"] = form.cleaned_data["email"]
            return redirect("web:check-email")
    return render(request, "web/account/sign_up.html", {"form": form})


@require_http_methods(["GET", "POST"])
def check_email(request: HttpRequest) -> HttpResponse:
    email = request.session.get("signed_up_email", "")
    form = ResendForm(posted_data(request), initial={"email": email})
    resent = False
    if request.method == "POST" and form.is_valid():
        services.confirmation_resend(form.cleaned_data["email"])
        resent = True
    return render(request, "web/account/check_email.html", {
        "form": form, "email": email, "resent": resent, "days": services.CONFIRMATION_DAYS})


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_confirm(token)
    except services.LinkUnusable as exc:
        return _unusable(request, exc, "confirmation")
    login(request, user, backend=_BACKEND)
    request.session["just_confirmed"] = True
    return redirect("web:account-ready")


@login_required
def account_ready(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    employer = Membership.objects.filter(user=user, role=Membership.Role.EMPLOYER).exists()
    return render(request, "web/account/ready.html",
                  {"just_confirmed": request.session.pop("just_confirmed", False), "employer": employer})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not services.may_register_organisation(user):
        return redirect("web:organisations")
    form = OrganisationForm(posted_data(request), initial={"contact_email": user.email})
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_register(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            errors_onto(form, exc)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("web:organisation", organisation_id=organisation.pk)
    return render(request, "web/account/organisation_new.html", {"form": form})


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    mine = list(Organisation.objects.filter(memberships__user=user, memberships__role=Membership.Role.EMPLOYER))
    if len(mine) == 1:
        return redirect("web:organisation", organisation_id=mine[0].pk)
    if not mine:
        return redirect("web:organisation-new")
    return render(request, "web/account/organisations.html", {"organisations": mine})


@login_required
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        found = services.employer_organisation(user, organisation_id)
    except Organisation.DoesNotExist as exc:
        raise Http404("No such organisation for this user") from exc
    form = InviteForm(posted_data(request))
    invited = ""
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(organisation=found, email=form.cleaned_data["email"],
                                                    invited_by=user)
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            invited = invitation.email
            form = InviteForm()
    members = found.memberships.filter(role=Membership.Role.EMPLOYER).select_related("user").order_by("user__email")
    pending = [i for i in found.invitations.select_related("invited_by").filter(
        accepted_at__isnull=True, revoked_at__isnull=True) if i.is_pending]
    return render(request, "web/account/organisation.html", {
        "organisation": found, "members": members, "pending": pending, "form": form, "invited": invited})


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, organisation_id: int, invitation_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        found = services.employer_organisation(user, organisation_id)
        invitation = found.invitations.get(pk=invitation_id)
    except (Organisation.DoesNotExist, Invitation.DoesNotExist) as exc:
        raise Http404("No such invitation for this user") from exc
    services.invitation_revoke(invitation=invitation, by=user)
    return redirect("web:organisation", organisation_id=found.pk)


@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.invitation_find(token)
    except services.LinkUnusable as exc:
        return _unusable(request, exc, "invitation")
    context: dict[str, Any] = {"invitation": found, "path": request.path,
                               "role_label": Membership.Role(found.role).label}
    # Staff land where their work is; the second-factor middleware first has them set up their app.
    onward = (redirect("web:organisation", organisation_id=found.organisation_id)
              if found.role == Membership.Role.EMPLOYER else redirect("web:requests"))
    if request.user.is_authenticated:
        user = user_of(request)
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=found, user=user)
            except (Refused, services.LinkUnusable) as exc:
                context["refused"] = str(exc)
            else:
                return onward
        context["matches"] = user.email.lower() == found.email.lower()
        return render(request, "web/account/invitation.html", context)
    if services.invitation_needs_sign_in(found):
        context["sign_in"] = f"{reverse('web:sign-in')}?next={request.path}"
        return render(request, "web/account/invitation.html", context)
    form = PasswordPairForm(posted_data(request), email=found.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_sign_up(invitation=found, full_name=form.cleaned_data["full_name"],
                                               password=form.cleaned_data["password"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            login(request, user, backend=_BACKEND)
            return onward
    context["form"] = form
    return render(request, "web/account/invitation.html", context)


# --- forgotten passwords -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = ResendForm(posted_data(request), initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(form.cleaned_data["email"])
        request.session["reset_email"] = form.cleaned_data["email"]
        return redirect("web:password-reset-sent")
    return render(request, "web/account/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account/password_reset_sent.html", {
        "email": request.session.get("reset_email", ""), "days": services.PASSWORD_LINK_DAYS})


@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = services.password_reset_user(uidb64, token)
    except services.LinkUnusable as exc:
        return _unusable(request, exc, "password")
    form = NewPasswordForm(posted_data(request), account=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set(user=user, password=form.cleaned_data["password"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            # The emailed link proved the owner, so wrong passwords (theirs or a guesser's) no longer lock them out.
            throttle.lift_after_password_reset(request, user.email)
            return redirect("web:password-reset-done")
    return render(request, "web/account/password_new.html", {"form": form, "account": user})


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account/password_done.html")


# --- how status changes are emailed -----------------------------------------------------------------------------


class EmailSettingsForm(forms.Form):
    notices = forms.ChoiceField(
        label="How should we email you about your requests?", widget=forms.RadioSelect,
        choices=[("each", "Each change, as it happens"), ("daily", "One email a day, listing the day's changes")],
        help_text="Invitations to apply and visa decisions, with their letters, are always emailed at once.",
        error_messages={"required": "Select how you want to be emailed"})


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = EmailSettingsForm(posted_data(request), initial={"notices": "daily" if user.notices_daily else "each"})
    if request.method == "POST" and form.is_valid():
        services.notices_daily_set(user=user, daily=form.cleaned_data["notices"] == "daily")
        messages.success(request, "Saved: from now on we email you "
                         + ("one email a day." if form.cleaned_data["notices"] == "daily" else "each change."))
        return redirect("web:email-settings")
    return render(request, "web/account/email_settings.html", {"form": form})
