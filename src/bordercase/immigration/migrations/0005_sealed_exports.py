"""Encryption at rest: the CSV and JSON each recommendation batch was sent to Immigration NZ as, which list every
worker's name, birth date and passport number, sealed (bordercase.lib.sealed). The columns stay binary, so only their
values change, batch by batch; the SHA-256 kept beside each is of the bytes as sent, which opening gives back."""

from django.db import migrations

import bordercase.lib.sealed
from bordercase.lib.sealed import seal_in_place

TABLE, COLUMNS = "immigration_recommendationbatch", ["export_csv", "export_json"]
# An export holds a row per request recommended: fewer rows to a batch than the passport migrations read.
BATCH_SIZE = 100


def seal(apps, schema_editor):
    seal_in_place(schema_editor.connection, TABLE, COLUMNS, batch_size=BATCH_SIZE)


def open_(apps, schema_editor):
    seal_in_place(schema_editor.connection, TABLE, COLUMNS, batch_size=BATCH_SIZE, opening=True)


class Migration(migrations.Migration):

    dependencies = [
        ('immigration', '0004_sealed_passports'),
    ]

    operations = [
        migrations.AlterField(
            model_name='recommendationbatch',
            name='export_csv',
            field=bordercase.lib.sealed.SealedBinaryField(help_text='The batch as CSV, exactly as sent.'),
        ),
        migrations.AlterField(
            model_name='recommendationbatch',
            name='export_json',
            field=bordercase.lib.sealed.SealedBinaryField(help_text='The batch as JSON, exactly as sent.'),
        ),
        migrations.RunPython(seal, open_),
    ]
