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
        from bordercase.transparency.records import import_logged, round_logged

        # Every event and every letter issued is a leaf of the log, written in the transaction that records it.
        post_save.connect(event_logged, sender="cases.Event", dispatch_uid="transparency.events")
        post_save.connect(letter_logged, sender="immigration.IssuedLetter", dispatch_uid="transparency.letters")
        # And every allocation round's published files and historical import, as each is saved.
        post_save.connect(round_logged, sender="cases.AllocationRound", dispatch_uid="transparency.rounds")
        post_save.connect(import_logged, sender="reporting.ImportRun", dispatch_uid="transparency.imports")
        checks.register(log_key_usable, deploy=True)
