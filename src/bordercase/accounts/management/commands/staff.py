from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.accounts import staff
from bordercase.accounts.models import Membership, User
from bordercase.lib.errors import InvalidInput, Refused


def _administrator(email: str) -> User:
    found = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if found is None:
        raise CommandError(f"There is no active account {email!r}: --as names the administrator making the change.")
    return found


class Command(BaseCommand):
    help = ("Staff of the assessing bodies, Immigration NZ and the ministry: list; invite EMAIL to a body in a role; "
            "role EMAIL BODY ROLE; deactivate EMAIL. Changes need --as ADMINISTRATOR_EMAIL and --reason.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every body's staff, their role and whether their authenticator app is set up")
        invite = actions.add_parser("invite", help="email an invitation to work at a body in a role")
        invite.add_argument("body", help="the body's code: nztech, itpnz, inz or mbie")
        invite.add_argument("email")
        invite.add_argument("role", choices=[r.value for r in staff.STAFF_ROLES])
        role = actions.add_parser("role", help="change someone's role at a body")
        role.add_argument("email")
        role.add_argument("body")
        role.add_argument("role", choices=[r.value for r in staff.STAFF_ROLES])
        deactivate = actions.add_parser("deactivate", help="sign someone out everywhere and revoke their tokens")
        deactivate.add_argument("email")
        for sub in (invite, role, deactivate):
            sub.add_argument("--as", dest="by", required=True, help="the administrator making the change")
            sub.add_argument("--reason", required=True, help="why, kept in the activity record")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for body in staff.staff_bodies():
                self.stdout.write(f"{body.name} ({body.code}):")
                for s in staff.staff_of(body):
                    state = "deactivated" if not s.active else ("app set up" if s.second_factor else "app not set up")
                    self.stdout.write(f"  {s.user.email}  {s.membership.get_role_display()}  {state}")
            return
        by = _administrator(options["by"])
        try:
            if options["action"] == "invite":
                body = self._body(options["body"])
                staff.staff_invite(organisation=body, email=options["email"], role=options["role"], by=by,
                                   reason=options["reason"])
                self.stdout.write(f"Invitation emailed to {options['email']}.")
            elif options["action"] == "role":
                membership = Membership.objects.filter(user__email=options["email"].strip().lower(),
                                                       organisation=self._body(options["body"]),
                                                       role__in=staff.STAFF_ROLES).first()
                if membership is None:
                    raise CommandError(f"{options['email']} is not staff at {options['body']}.")
                staff.staff_role_change(membership=membership, role=options["role"], by=by, reason=options["reason"])
                self.stdout.write(f"{options['email']} is now {Membership.Role(options['role']).label.lower()}.")
            else:
                person = User.objects.filter(email=options["email"].strip().lower()).first()
                if person is None:
                    raise CommandError(f"There is no account {options['email']!r}.")
                staff.staff_deactivate(user=person, by=by, reason=options["reason"])
                self.stdout.write(f"{person.email} is deactivated: signed out everywhere, API tokens revoked.")
        except InvalidInput as exc:
            raise CommandError(" ".join(exc.errors.values())) from exc
        except Refused as exc:
            raise CommandError(str(exc)) from exc

    def _body(self, code: str) -> Any:
        return staff.body_by_code(code)
