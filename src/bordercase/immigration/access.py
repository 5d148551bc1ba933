"""Who may do Immigration NZ's work, and which recommendation batches each person may see.

Like ``cases.access``, these are the only questions the pages and the API ask: anyone who may not do a thing
is answered as if it did not exist (a 404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.roles import roles_of
from bordercase.cases.models import Scheme
from bordercase.immigration.models import RecommendationBatch


def is_inz_officer(user: User) -> bool:
    return roles_of(user).inz_officer


def recommending_schemes() -> QuerySet[Scheme]:
    """The schemes whose assessing bodies recommend requests to Immigration NZ."""
    return Scheme.objects.filter(uses_recommendation=True).order_by("title")


def recommending_bodies(user: User) -> list[Organisation]:
    """The bodies this user may send recommendations for: their own (as an assessor), or all (as administrator)."""
    roles = roles_of(user)
    bodies = Organisation.objects.filter(schemes_assessed__in=recommending_schemes()).distinct().order_by("name")
    if roles.administrator:
        return list(bodies)
    return list(bodies.filter(pk__in=roles.assessor_at))


def may_recommend(user: User) -> bool:
    return bool(recommending_bodies(user))


def batches_for(user: User) -> QuerySet[RecommendationBatch]:
    """The batches this user may read: all of them for officers and administrators, their own body's else."""
    # The exports are sealed whole: opened only when one is downloaded, never to list or find a batch.
    batches = RecommendationBatch.objects.select_related("scheme", "assessing_body", "created_by") \
        .defer("export_csv", "export_json")
    roles = roles_of(user)
    if roles.user_id is None:
        return batches.none()
    if roles.inz_officer or roles.administrator:
        return batches
    return batches.filter(assessing_body__in=[b.pk for b in recommending_bodies(user)])


def may_read_batches(user: User) -> bool:
    roles = roles_of(user)
    return roles.inz_officer or may_recommend(user)
