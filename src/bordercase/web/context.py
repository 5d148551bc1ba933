"""What every page's navigation needs to know about the person signed in."""

from __future__ import annotations

from django.http import HttpRequest

from bordercase.accounts.models import User
from bordercase.accounts.roles import roles_of
from bordercase.immigration import access as immigration_access


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"nav_applicant": False, "nav_employer": False, "nav_assessor": False, "nav_administrator": False,
                "nav_recommender": False, "nav_inz_officer": False}
    roles = roles_of(user)
    return {
        # Staff of assessing bodies, Immigration NZ and the ministry do not apply from their work accounts.
        "nav_applicant": not (roles.assessor_at or roles.inz_officer or roles.administrator),
        # Someone with no organisation yet finds "set up your organisation" on the start-a-request page.
        "nav_employer": bool(roles.employer_of),
        "nav_assessor": bool(roles.assessor_at),
        "nav_administrator": roles.administrator,
        # Asked only of assessors and administrators: the one extra query is theirs alone.
        "nav_recommender": bool(roles.assessor_at or roles.administrator) and immigration_access.may_recommend(user),
        "nav_inz_officer": roles.inz_officer,
    }
