"""The staff of the assessing bodies, Immigration NZ and the ministry, run by scheme administrators: invited by email,
given another role, or deactivated at once; each change recorded with who made it and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts.administration import action_record, administrator_require, reason_require
from bordercase.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from bordercase.accounts.services import invitation_issue, normalised_email
from bordercase.accounts.tokens import held_tokens
from bordercase.lib.errors import InvalidInput, NotFound, Refused

STAFF_ROLES = (Membership.Role.ASSESSOR, Membership.Role.INZ_OFFICER, Membership.Role.ADMINISTRATOR)


@dataclass(frozen=True)
class StaffMember:
    user: User
    membership: Membership
    second_factor: bool  # an authenticator app is set up and confirmed
    active: bool


def staff_bodies() -> list[Organisation]:
    """The organisations whose people are staff: assessing bodies, Immigration NZ and the ministry."""
    return list(Organisation.objects.exclude(kind=Organisation.Kind.EMPLOYER).order_by("name"))


def body_by_code(code: str) -> Organisation:
    """A body with staff by its code, or InvalidInput naming the codes there are."""
    found = next((o for o in staff_bodies() if o.code == code), None)
    if found is None:
        codes = ", ".join(o.code for o in staff_bodies() if o.code)
        raise InvalidInput({"organisation": f"There is no body {code[:40]!r} with staff: use one of {codes}."})
    return found


def roles_for(organisation: Organisation) -> list[Membership.Role]:
    allowed = Membership.ROLES_BY_KIND.get(organisation.kind, frozenset())
    return [role for role in STAFF_ROLES if role in allowed]


def staff_of(organisation: Organisation) -> list[StaffMember]:
    memberships = (Membership.objects.filter(organisation=organisation, role__in=STAFF_ROLES)
                   .select_related("user", "organisation").order_by("user__full_name", "user__email"))
    confirmed = set(TOTPDevice.objects.filter(
        user__memberships__organisation=organisation, confirmed=True).values_list("user_id", flat=True))
    return [StaffMember(m.user, m, m.user_id in confirmed, m.user.is_active) for m in memberships]


def staff_membership(membership_id: int) -> Membership:
    """A member of staff's membership by its id, with its user and body; NotFound (a 404) for any other id."""
    found = (Membership.objects.select_related("user", "organisation")
             .filter(pk=membership_id, role__in=STAFF_ROLES).first())
    if found is None:
        raise NotFound("No member of staff by that membership id: the staff list names each one.")
    return found


def staff_member(membership: Membership) -> StaffMember:
    """One member of staff as staff_of lists them, read on its own (for an answer about one change)."""
    confirmed = TOTPDevice.objects.filter(user_id=membership.user_id, confirmed=True).exists()
    return StaffMember(membership.user, membership, confirmed, membership.user.is_active)


def invitations_open(organisation: Organisation) -> list[Invitation]:
    return list(Invitation.objects.filter(organisation=organisation, role__in=STAFF_ROLES, accepted_at__isnull=True,
                                          revoked_at__isnull=True, expires_at__gt=timezone.now()))


def _check_role(organisation: Organisation, role: str) -> None:
    allowed = roles_for(organisation)
    if role not in allowed:
        names = " or ".join(Membership.Role(r).label.lower() for r in allowed) or "nobody"
        raise InvalidInput({"role": f"At {organisation.name} a person can be {names}: choose one of those."})


def staff_invite(*, organisation: Organisation, email: str, role: str, by: User, reason: str) -> Invitation:
    """Email an invitation to work at the body in the role; the person sets a second factor at first sign-in."""
    administrator_require(by, "invite staff")
    why = reason_require(reason)
    _check_role(organisation, role)
    address = normalised_email(email)
    if Membership.objects.filter(organisation=organisation, user__email=address, role=role,
                                 user__is_active=True).exists():
        raise InvalidInput({"email": f"{address} is {Membership.Role(role).label.lower()} at {organisation.name} "
                                     "already. Enter someone else's email address."})
    with transaction.atomic():
        invitation = invitation_issue(organisation=organisation, email=address, role=role, invited_by=by)
        action_record(by=by, action="staff_invite", subject=f"{address}, {Membership.Role(role).label.lower()} at "
                      f"{organisation.name}", reason=why, details={"organisation": organisation.pk, "role": role})
    return invitation


def staff_role_change(*, membership: Membership, role: str, by: User, reason: str) -> Membership:
    administrator_require(by, "change a role")
    why = reason_require(reason)
    _check_role(membership.organisation, role)
    if membership.role not in STAFF_ROLES:
        raise Refused("Only staff roles are changed here; employers manage their own organisation's people.")
    if membership.user_id == by.pk:
        raise Refused("You cannot change your own role: ask another administrator.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        before = locked.role
        if Membership.objects.filter(user=locked.user, organisation=locked.organisation, role=role).exists():
            raise InvalidInput({"role": f"{locked.user.email} is {Membership.Role(role).label.lower()} there "
                                        "already."})
        locked.role = role
        locked.save(update_fields=["role"])
        action_record(by=by, action="staff_role", subject=f"{locked.user.email} at {locked.organisation.name}: "
                      f"{Membership.Role(before).label.lower()} to {Membership.Role(role).label.lower()}",
                      reason=why, details={"membership": locked.pk, "before": before, "after": role})
    return locked


def staff_deactivate(*, user: User, by: User, reason: str) -> User:
    """Stop the person at once: their sessions no longer sign them in and their API tokens stop working."""
    administrator_require(by, "deactivate staff")
    why = reason_require(reason)
    if user.pk == by.pk:
        raise Refused("You cannot deactivate yourself: ask another administrator.")
    if not Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists():
        raise Refused(f"{user.email} is not staff: only staff are deactivated here.")
    with transaction.atomic():
        # Django signs a session in only while the account is active, so every session ends on its next request.
        User.objects.filter(pk=user.pk).update(is_active=False)
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        held_tokens.changed()  # updates send no signal
        action_record(by=by, action="staff_deactivate", subject=user.email, reason=why,
                      details={"user": user.pk, "tokens_revoked": revoked})
    user.refresh_from_db()
    return user
