"""Encryption at rest: people's passport numbers sealed (bordercase.lib.sealed), and the worker identity keyed.

The worker identity was a plain SHA-256 of passport number, nationality and date of birth, which anyone could
recompute by trying passport numbers; it becomes an HMAC under BORDERCASE_INDEX_KEY, computed again here for every
lodged request from its nominee, while the passport numbers are still in clear. Allocation rounds already frozen keep
the beneficiary ids they were given (stored with their entries), so no round's published files change.
"""

import datetime as dt
import hashlib

from django.db import migrations, models

import bordercase.cases.models.people
import bordercase.lib.sealed
from bordercase.lib.identifiers import worker_identity
from bordercase.lib.sealed import index_key, seal_in_place

BATCH = 1000


def _people(connection):  # the nominees' identities as written, read from the columns (plaintext here)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, passport_number, nationality, date_of_birth FROM cases_person "
                           "WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH])
            rows = cursor.fetchall()
        if not rows:
            return
        for pk, number, nationality, born in rows:
            yield pk, number, nationality, born if isinstance(born, dt.date) else dt.date.fromisoformat(str(born))
        last = rows[-1][0]


def _identify_again(connection, identity):
    with connection.cursor() as cursor:
        for pk, number, nationality, born in _people(connection):
            # Only requests lodged before: a draft has no identity until it is lodged.
            cursor.execute("UPDATE cases_request SET worker_identity = %s WHERE nominee_id = %s "
                           "AND worker_identity <> ''", [identity(number, nationality, born), pk])


def keyed(apps, schema_editor):
    key = index_key()
    _identify_again(schema_editor.connection, lambda number, nationality, born: worker_identity(
        passport_number=number, nationality=nationality, date_of_birth=born, key=key))


def unkeyed(apps, schema_editor):
    # As it was computed before this migration.
    _identify_again(schema_editor.connection, lambda number, nationality, born: hashlib.sha256("|".join((
        "".join(number.split()).upper(), nationality.strip().upper(), born.isoformat())).encode()).hexdigest())


def seal(apps, schema_editor):
    seal_in_place(schema_editor.connection, "cases_person", ["passport_number"], batch_size=BATCH)


def open_(apps, schema_editor):
    seal_in_place(schema_editor.connection, "cases_person", ["passport_number"], batch_size=BATCH, opening=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0014_occupation_finding'),
    ]

    operations = [
        # An index of sealed values finds nothing; the same worker is found by the request's keyed identity.
        migrations.RemoveIndex(
            model_name='person',
            name='person_identity',
        ),
        migrations.AlterField(
            model_name='request',
            name='worker_identity',
            field=models.CharField(
                blank=True, editable=False, max_length=64,
                help_text="A keyed hash of the nominee's passport number, nationality and date of birth, set at "
                          "lodging: the same person nominated twice under one scheme shares it, so the ballot counts "
                          "them once."),
        ),
        migrations.RunPython(keyed, unkeyed),
        migrations.AlterField(
            model_name='person',
            name='passport_number',
            field=bordercase.lib.sealed.SealedCharField(
                max_length=20, validators=[bordercase.cases.models.people.validate_passport_number]),
        ),
        migrations.RunPython(seal, open_),
    ]
