"""The scheme administrator's staff pages: who works at each body (with their second factor), inviting someone,
changing a role and deactivating. Each view parses its form and calls one service in accounts.staff."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from bordercase.accounts import staff
from bordercase.accounts.models import Membership, Organisation, User
from bordercase.lib.errors import InvalidInput, Refused
from bordercase.web.administration_views import administrator_or_404, reason_field
from bordercase.web.forms import errors_onto


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254,
                             help_text="Their work address: the invitation goes there.",
                             error_messages={"required": "Enter the email address to invite",
                                             "invalid": "Enter an email address in the correct format, like "
                                                        "name@example.com"})
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect,
                             error_messages={"required": "Select the role they will have"})
    reason = reason_field()

    def __init__(self, *args: object, roles: list[Membership.Role], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.fields["role"].error_messages["invalid_choice"] = "Select one of the roles shown: no other is had there"


class RoleForm(InviteForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        del self.fields["email"]


class DeactivateForm(forms.Form):
    reason = reason_field()


def _body(organisation_id: int) -> Organisation:
    found = next((o for o in staff.staff_bodies() if o.pk == organisation_id), None)
    if found is None:
        raise Http404("No such body")
    return found


@login_required
@require_GET
def staff_page(request: HttpRequest) -> HttpResponse:
    administrator_or_404(request)
    bodies = [{"body": body, "staff": staff.staff_of(body), "invited": staff.invitations_open(body)}
              for body in staff.staff_bodies()]
    return render(request, "web/administration/staff.html", {"bodies": bodies})


@login_required
@require_http_methods(["GET", "POST"])
def staff_invite_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = administrator_or_404(request)
    body = _body(organisation_id)
    form = InviteForm(request.POST or None, roles=staff.roles_for(body))
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_invite(organisation=body, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                               by=user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}. The link works for 14 days.")
            return redirect("web:admin-staff")
    return render(request, "web/administration/staff_invite.html", {"body": body, "form": form})



@login_required
@require_http_methods(["GET", "POST"])
def staff_role_page(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = administrator_or_404(request)
    membership = staff.staff_membership(membership_id)
    form = RoleForm(request.POST or None, roles=staff.roles_for(membership.organisation),
                    initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_role_change(membership=membership, role=form.cleaned_data["role"], by=user,
                                    reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{membership.user.email}'s role is changed.")
            return redirect("web:admin-staff")
    return render(request, "web/administration/staff_role.html", {"membership": membership, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def staff_deactivate_page(request: HttpRequest, user_id: int) -> HttpResponse:
    by = administrator_or_404(request)
    person = User.objects.filter(pk=user_id, memberships__role__in=staff.STAFF_ROLES).distinct().first()
    if person is None:
        raise Http404("No such member of staff")
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_deactivate(user=person, by=by, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{person.email} is deactivated: signed out everywhere, API tokens revoked.")
            return redirect("web:admin-staff")
    return render(request, "web/administration/staff_deactivate.html", {"person": person, "form": form})
