from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "bordercase.privacy"
    label = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bordercase.accounts.models import Membership, Organisation
        from bordercase.privacy.reads import held_bodies

        held_bodies.follow(Membership, Organisation)
