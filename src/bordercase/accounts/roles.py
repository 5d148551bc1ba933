"""Who a user is to bordercase: the organisations they act for, by role, read once per call."""

from __future__ import annotations

from dataclasses import dataclass

from bordercase.accounts.models import Membership, Organisation, User
from bordercase.lib.errors import NotFound
from bordercase.lib.held import Held

Role = Membership.Role


@dataclass(frozen=True)
class Roles:
    """The organisations a user acts for, by role, read once per call."""

    user_id: int | None
    employer_of: frozenset[int]
    assessor_at: frozenset[int]
    inz_officer: bool
    administrator: bool
    employers: tuple[Organisation, ...] = ()  # the organisations of employer_of, read with them

    def employer(self, nzbn: str) -> Organisation | None:
        """The employer with this NZBN that the user acts for, or None: a foreign NZBN finds nothing."""
        return next((o for o in self.employers if o.nzbn == nzbn), None)

    @property
    def sees_all_lodged(self) -> bool:
        return self.inz_officer or self.administrator


def roles_of(user: User) -> Roles:
    if not user.is_authenticated or not user.is_active:
        return Roles(None, frozenset(), frozenset(), False, False)
    roles = held_roles.get(user.pk, lambda: _read(user))
    assert roles is not None  # noqa: S101 - _read always answers
    return roles


# Held per process (lib.held): read on nearly every call, changed when someone joins or leaves an organisation.
held_roles: Held[Roles] = Held("roles")


def _read(user: User) -> Roles:
    memberships = list(Membership.objects.filter(user_id=user.pk).select_related("organisation"))
    rows = [(m.role, m.organisation_id, m.organisation.kind) for m in memberships]
    # Acting for an employer: an employer's membership of an employer (one rule for the pages, the API, lodging).
    employers = tuple(m.organisation for m in memberships
                      if m.role == Role.EMPLOYER and m.organisation.kind == Organisation.Kind.EMPLOYER)
    return Roles(
        user_id=user.pk,
        employer_of=frozenset(o.pk for o in employers),
        assessor_at=frozenset(org for role, org, _ in rows if role == Role.ASSESSOR),
        inz_officer=any(r == Role.INZ_OFFICER and k == Organisation.Kind.IMMIGRATION for r, _, k in rows),
        administrator=any(r == Role.ADMINISTRATOR and k == Organisation.Kind.MINISTRY for r, _, k in rows),
        employers=employers,
    )


def is_administrator(user: User) -> bool:
    return roles_of(user).administrator


def has_role(roles: Roles, role: str) -> bool:
    return {Role.ADMINISTRATOR: roles.administrator, Role.INZ_OFFICER: roles.inz_officer,
            Role.ASSESSOR: bool(roles.assessor_at), Role.EMPLOYER: bool(roles.employer_of)}[Role(role)]


_WHO = {Role.ADMINISTRATOR: "scheme administrators", Role.INZ_OFFICER: "Immigration NZ officers",
        Role.ASSESSOR: "assessors", Role.EMPLOYER: "employers"}


def require_role(user: object, role: str, what: str) -> User:
    """The user, if they hold this role somewhere; otherwise NotFound ("no ``what`` for you"), a 404 in both
    interfaces, so the pages and calls of a role do not exist for anyone without it."""
    if not isinstance(user, User) or not has_role(roles_of(user), role):
        raise NotFound(f"There is no {what} for you: only {_WHO[Role(role)]} have one.")
    return user
