from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_save


class TransparencyConfig(AppConfig):
    name = "bordercase.transparency"
    label = "transparency"
    verbose_name = "Transparency log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bordercase.transparency.deploy_checks import log_key_usable
        from bordercase.transparency.letters import letter_logged
        from bordercase.transparency.log import event_logged

        # Every event and every letter issued is a leaf of the log, written in the transaction that records it.
        post_save.connect(event_logged, sender="cases.Event", dispatch_uid="transparency.events")
        post_save.connect(letter_logged, sender="immigration.IssuedLetter", dispatch_uid="transparency.letters")
        checks.register(log_key_usable, deploy=True)
