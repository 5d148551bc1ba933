from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


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
        from bordercase.deploy_checks import site_address_named

        post_migrate.connect(_sync_schemes, sender=self)
        checks.register(site_address_named, deploy=True)
