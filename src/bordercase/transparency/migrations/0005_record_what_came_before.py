"""Records made before the log existed, or before it recorded their kind, become its leaves: every event, letter,
allocation round file and import run the database holds and the log does not, oldest first, placed at the tree's
end by the next checkpoint. A database upgraded is then held to its checkpoints like one that began with the log.

The leaves are made by the functions that make them as records are saved, so that they are the same bytes.
"""

from django.db import migrations
from django.utils import timezone


def record(apps, schema_editor):
    from bordercase.lib.merkle import leaf_hash
    from bordercase.transparency.letters import KIND as LETTER
    from bordercase.transparency.letters import letter_fields
    from bordercase.transparency.log import EVENT, entry_data, event_fields
    from bordercase.transparency.records import import_leaves, round_leaves

    models = {name: apps.get_model(*name.split(".")) for name in (
        "cases.Event", "cases.AllocationRound", "reporting.ImportRun", "immigration.IssuedLetter",
        "transparency.LogEntry")}
    entry = models["transparency.LogEntry"]
    held = {bytes(h) for h in entry.objects.values_list("leaf_hash", flat=True)}
    now, new = timezone.now(), []

    def add(kind, fields):
        data = entry_data(kind, fields)
        hashed = leaf_hash(data)
        if hashed not in held:
            held.add(hashed)
            new.append(entry(kind=kind, data=data, leaf_hash=hashed, recorded_at=now))

    for event in models["cases.Event"].objects.select_related("request").order_by("pk").iterator(2000):
        add(EVENT, event_fields(event))
    for letter in models["immigration.IssuedLetter"].objects.select_related("request").order_by("pk"):
        add(LETTER, letter_fields(letter))
    for round_ in models["cases.AllocationRound"].objects.select_related("scheme").order_by("pk"):
        for kind, fields in round_leaves(round_):
            add(kind, fields)
    for run in models["reporting.ImportRun"].objects.order_by("pk"):
        for kind, fields in import_leaves(run):
            add(kind, fields)
    entry.objects.bulk_create(new, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("transparency", "0004_leaf_hash_index"),
        ("cases", "0013_ballot_v2"),
        ("immigration", "0003_issuedletter"),
        ("reporting", "0004_each_file_imported_once"),
    ]
    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
