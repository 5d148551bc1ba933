"""Sending email through Django's email API, after the change it reports has committed.

A message is two templates under ``templates/emails/``: ``<name>_subject.txt`` (one line) and ``<name>.txt``
(the plain-text body). Delivery is a task (django-tasks): run in-process straight after the commit by default,
or queued in the database and sent by ``bordercase worker`` when ``BORDERCASE_TASKS=database``, so a slow mail
server never slows a lodging and a change that rolls back sends nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task


def absolute_url(path: str) -> str:
    """A link for an email, which is read outside the site: ``BORDERCASE_BASE_URL`` plus the path."""
    return settings.BORDERCASE_BASE_URL.rstrip("/") + path


# A file sent with an email: its name, its bytes and its MIME type, such as ("letter.pdf", b"%PDF…", "application/pdf").
Attachment = tuple[str, bytes, str]


@task()
def deliver(to: list[str], subject: str, body: str, attachments: Sequence[Sequence[str]] = ()) -> None:
    """Send one message; ``attachments`` are (name, base64 text, MIME type), as a task's arguments must be JSON."""
    message = EmailMessage(subject, body, None, to)
    for name, content, mimetype in attachments:
        message.attach(name, base64.b64decode(content), mimetype)
    message.send()


def email_send(*, to: str | list[str], template: str, context: dict[str, Any],
               attachments: Sequence[Attachment] = (), carries_secret: bool = False) -> None:
    """Render ``template`` and send it to each address separately, once the current transaction commits.

    ``carries_secret``: the message holds a link that is itself a credential (an invitation to apply, kept by us
    only as a hash). It is then sent in-process after the commit, never queued, so the link is not written into
    the task table where a copy of the database would hold it.
    """
    recipients = [to] if isinstance(to, str) else to
    context = {"service_url": absolute_url("/"), **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    files = [(name, base64.b64encode(content).decode("ascii"), mimetype) for name, content, mimetype in attachments]
    # One message per person: recipients at different organisations must not see each other's addresses.
    for address in dict.fromkeys(a.strip().lower() for a in recipients if a and a.strip()):
        send = deliver.call if carries_secret else deliver.enqueue
        transaction.on_commit(lambda address=address, send=send: send([address], subject, body, files))
