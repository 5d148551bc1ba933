"""How long bordercase keeps each kind of record and what then happens to it (Privacy Act 2020, IPP 9)."""
from typing import Any

from django.apps import AppConfig
from django.core import checks


class RetentionConfig(AppConfig):
    name = "bordercase.retention"
    label = "retention"
    verbose_name = "Retention"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(_schedule_check)


def _schedule_check(*_: Any, **__: Any) -> list[checks.CheckMessage]:
    """A schedule that cannot be used is found at start (`bordercase check`, `serve`), not at the first run."""
    from bordercase.retention.current import schedule_current
    from bordercase.retention.schedule import ScheduleError

    try:
        schedule_current()
    except ScheduleError as exc:
        return [checks.Error(str(exc), hint="Correct the file named by BORDERCASE_RETENTION_FILE, or unset it to "
                                            "use the packaged schedule.", id="retention.E001")]
    return []
