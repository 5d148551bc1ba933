from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from bordercase.accounts.models import User
from bordercase.accounts.organisations import membership_add, organisation_by_code


class Command(BaseCommand):
    help = "Create a scheme administrator's account at the Ministry (MBIE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="The administrator's full name")
        parser.add_argument("--password-from-env", metavar="VARIABLE",
                            help="read the password from this environment variable instead of asking")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(
                f"--email {email!r} is not an email address: give the administrator's work email."
            ) from exc
        if User.objects.filter(email=email).exists():
            raise CommandError(f"There is already an account for {email}: choose another email.")
        if options["password_from_env"]:
            password = os.environ.get(options["password_from_env"], "")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                raise CommandError("The two passwords differ: run the command again.")
        candidate = User(email=email, full_name=options["name"])
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError("The password is not strong enough: " + " ".join(exc.messages)) from exc
        user = User.objects.create_user(email, password, full_name=options["name"], is_staff=True)
        membership_add(user=user, organisation=organisation_by_code("mbie"), role="administrator")
        self.stdout.write(self.style.SUCCESS(f"Created scheme administrator {email}."))
        # Staff must give a code from an authenticator app; the app is set up on the first sign-in, not here.
        self.stdout.write("At their first sign-in they will set up two-step verification with an authenticator app.")
