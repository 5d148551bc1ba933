"""Encryption at rest: the passport numbers and machine-readable zones of workers travelling and of their families,
sealed (bordercase.lib.sealed). Nothing finds these rows by passport, so no keyed index is needed beside them."""

from django.db import migrations

import bordercase.lib.sealed
from bordercase.lib.sealed import seal_in_place

SEALED = {"immigration_travelrequest": ["passport_number", "passport_mrz"],
          "immigration_familymember": ["passport_number", "passport_mrz"]}


def seal(apps, schema_editor):
    for table, columns in SEALED.items():
        seal_in_place(schema_editor.connection, table, columns)


def open_(apps, schema_editor):
    for table, columns in SEALED.items():
        seal_in_place(schema_editor.connection, table, columns, opening=True)


class Migration(migrations.Migration):

    dependencies = [
        ('immigration', '0003_issuedletter'),
    ]

    operations = [
        migrations.AlterField(
            model_name='familymember',
            name='passport_mrz',
            field=bordercase.lib.sealed.SealedCharField(max_length=44),
        ),
        migrations.AlterField(
            model_name='familymember',
            name='passport_number',
            field=bordercase.lib.sealed.SealedCharField(max_length=20),
        ),
        migrations.AlterField(
            model_name='travelrequest',
            name='passport_mrz',
            field=bordercase.lib.sealed.SealedCharField(blank=True, help_text='The second MRZ line, as entered.',
                                                        max_length=44),
        ),
        migrations.AlterField(
            model_name='travelrequest',
            name='passport_number',
            field=bordercase.lib.sealed.SealedCharField(blank=True, max_length=20),
        ),
        migrations.RunPython(seal, open_),
    ]
