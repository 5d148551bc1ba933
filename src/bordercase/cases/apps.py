from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import m2m_changed, post_migrate


def _sync_schemes(sender: AppConfig, **kwargs: Any) -> None:
    """Every `migrate` brings the scheme rows up to date with the policy files, which may have changed."""
    from bordercase.accounts.models import Organisation
    from bordercase.cases.models import Scheme
    from bordercase.cases.reference_data import seed

    seed(Organisation, Scheme)


class CasesConfig(AppConfig):
    name = "bordercase.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from bordercase.cases.models import IntakeWindow, Scheme
        from bordercase.cases.services.scheme_cache import held_schemes
        from bordercase.deploy_checks import site_address_named, virus_scanner_answers

        post_migrate.connect(_sync_schemes, sender=self)
        # What lodging reads from the scheme cache: a change to any of it is read afresh everywhere.
        held_schemes.follow(Scheme, IntakeWindow, "accounts.Organisation")
        m2m_changed.connect(held_schemes.changed, sender=Scheme.assessing_bodies.through, weak=False,
                            dispatch_uid="scheme_cache.bodies")
        checks.register(site_address_named, deploy=True)
        checks.register(virus_scanner_answers, deploy=True)
