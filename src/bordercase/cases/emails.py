"""Sending email through Django's email API, after the change it reports has committed.

A message is two templates under ``templates/emails/``: ``<name>_subject.txt`` (one line) and ``<name>.txt``
(the plain-text body). Delivery is a task (django-tasks): run in-process straight after the commit by default,
or queued in the database and sent by ``bordercase worker`` when ``BORDERCASE_TASKS=database``, so a slow mail
server never slows a lodging and a change that rolls back sends nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task


def absolute_url(path: str) -> str:
    """A link for an email, which is read outside the site: ``BORDERCASE_BASE_URL`` plus the path."""
    return settings.BORDERCASE_BASE_URL.rstrip("/") + path


@task()
def deliver(to: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, None, to)


def email_send(*, to: str | list[str], template: str, context: dict[str, Any]) -> None:
    """Render ``template`` and send it to each address separately, once the current transaction commits."""
    recipients = [to] if isinstance(to, str) else to
    context = {"service_url": absolute_url("/"), **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    # One message per person: recipients at different organisations must not see each other's addresses.
    for address in dict.fromkeys(a.strip().lower() for a in recipients if a and a.strip()):
        transaction.on_commit(lambda address=address: deliver.enqueue([address], subject, body))
