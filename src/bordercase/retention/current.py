"""The schedule in force: the deployment's own file (BORDERCASE_RETENTION_FILE), or the packaged one."""

from __future__ import annotations

from django.conf import settings

from bordercase.retention.schedule import Schedule, schedule_load


def schedule_current() -> Schedule:
    """Read afresh on each call (a few milliseconds): the privacy statement and a run always say what the file says."""
    return schedule_load(settings.RETENTION_FILE or None)
