"""New rows written with a statement built once per model: the ORM's insert without building it on every save.

A lodging writes seven rows in one call, on the busiest path bordercase has. Django builds each INSERT anew on every
save (its columns, their quoting, its placeholders, its compiler), which costs more than PostgreSQL takes to run
it. Here each model's statement is built once per process and database, and the values are still made by the
fields themselves (``pre_save``, ``get_db_prep_save``), so a row reads back exactly as one saved by the ORM.
No signal is sent: a caller that needs one sends it, as for ``bulk_create``.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED, Field, Model


class _Insert(NamedTuple):
    sql: str
    fields: list[Field[Any, Any]]
    returning: bool


_built: dict[tuple[type[Model], int, str], _Insert] = {}


def rows_insert(*rows: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert these new rows in order, giving each its id as ``save`` would; rows of one model next to each other go
    in one statement, as ``bulk_create`` sends them."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for model, group in groupby(rows, key=type):
            together = list(group)
            for row in together:
                pk = row._meta.pk
                assert pk is not None  # noqa: S101 - every model has one
                if not row._state.adding or (pk.db_returning and row.pk is not None):
                    raise ValueError(f"{row!r} is not a new row waiting for its id: save it instead.")
                # Takes the id of a related row inserted just before, as save() and bulk_create() do.
                row._prepare_related_fields_for_save(operation_name="rows_insert")
            insert = _insert_for(model, len(together), connection)
            cursor.execute(insert.sql, [field.get_db_prep_save(field.pre_save(row, True), connection)
                                        for row in together for field in insert.fields])
            if insert.returning:
                for row, (pk_value,) in zip(together, cursor.fetchall(), strict=True):
                    row.pk = pk_value
            elif pk.db_returning:  # one row at a time where the database cannot say the ids it gave
                (row,) = together
                row.pk = connection.ops.last_insert_id(cursor, model._meta.db_table, pk.column)
            for row in together:
                row._state.adding, row._state.db = False, using


def _insert_for(model: type[Model], count: int, connection: BaseDatabaseWrapper) -> _Insert:
    key = (model, count, connection.alias)
    built = _built.get(key)
    if built is None:
        meta, quote = model._meta, connection.ops.quote_name
        pk = meta.pk
        if meta.parents or any(f.generated or f.db_default is not NOT_PROVIDED for f in meta.local_concrete_fields):
            # Rows over several tables, and values the database makes, are what the ORM's compiler is for.
            raise ValueError(f"{meta.label} has inherited tables or database-made values: save its rows instead.")
        fields = [f for f in meta.local_concrete_fields if f is not pk or not f.db_returning]
        row = f"({', '.join(['%s'] * len(fields))})"
        # Only the model's own table and column names, quoted by the database's rules; every value is a parameter.
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
               f"VALUES {', '.join([row] * count)}")
        returning = bool(pk is not None and pk.db_returning and connection.features.can_return_rows_from_bulk_insert)
        if returning:
            sql += f" RETURNING {quote(meta.db_table)}.{quote(pk.column)}"
        elif count > 1 and pk is not None and pk.db_returning:
            raise ValueError(f"This database cannot say the ids of several new {meta.verbose_name_plural} at once.")
        built = _built[key] = _Insert(sql, fields, returning)
    return built
