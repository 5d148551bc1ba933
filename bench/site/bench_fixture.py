"""The employer, user, API token and open intake window the intake benches lodge with.

Made through bordercase's own services, as a real employer's account would be. Run by bench/intake_load.py
in a subprocess whose environment points at the bench database (it prints one JSON line, {"nzbn": …,
"token": …}), and imported by bench/intake_queries.py.
"""

from __future__ import annotations

import datetime as dt
import json

import django


def employer_with_token() -> dict[str, str]:
    """Call with Django set up and DATABASE_URL pointing at a bench database."""
    from django.utils import timezone

    from bordercase.accounts.models import Membership, User
    from bordercase.accounts.organisations import employer_create, membership_add
    from bordercase.accounts.tokens import token_create
    from bordercase.cases.models import Scheme
    from bordercase.cases.services.windows import window_add
    from bordercase.lib.identifiers import nzbn_with_check_digit

    organisation = employer_create(name="Load Test Limited", nzbn=nzbn_with_check_digit("942904100001"),
                                   contact_email="hr@load-test.example")
    user = User.objects.create_user("bench@load-test.example", None, full_name="Load Test")
    membership_add(user=user, organisation=organisation, role=Membership.Role.EMPLOYER)
    now = timezone.now()
    # Open around now and for a day, so no run can outlast it.
    window_add(scheme=Scheme.objects.get(code="tech-specialists-2022"), opens_at=now - dt.timedelta(hours=1),
               closes_at=now + dt.timedelta(days=1))
    _, token = token_create(user=user, name="intake load bench")
    return {"nzbn": str(organisation.nzbn), "token": token}


def main() -> None:
    django.setup()
    print(json.dumps(employer_with_token()))


if __name__ == "__main__":
    main()
