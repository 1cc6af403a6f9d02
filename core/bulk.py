"""Bulk writes for set-based batches: many rows without a model instance per row.

``bulk_create`` builds a model instance per row and prepares every value of every field
through the field, in one INSERT whose size grows with the rows; for the checks sweep (1,600
results and 200 audit events a batch) that costs more than the database's own work.
``insert_rows`` takes plain tuples of column values and, on PostgreSQL, writes them with one
COPY. Columns left out get the field's default (``auto_now``/``auto_now_add`` fields: now), as
``bulk_create`` would give them. Other databases (the embedded SQLite of ``make run``) use
``bulk_create``.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import DateField, Field, Model
from django.utils import timezone

_SERIAL = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
_INTEGERS = frozenset(
    {
        "BigIntegerField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        *_SERIAL,
    }
)
# COPY's text format: these characters are written as backslash escapes.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _default(field: Field) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        now = timezone.now()
        return now.date() if type(field) is DateField else now
    return field.get_default()


def _text(value: Any) -> str:
    if value is None:
        return _NULL
    text = str(value)
    # translate() looks up every character; most values have nothing to escape.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _encoder(field: Field) -> Callable[[Any], str]:
    """How a value of ``field`` is written in COPY's text format."""
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField"):
        return _text
    if kind in _INTEGERS:
        return lambda value: _NULL if value is None else str(int(value))
    if kind == "BooleanField":
        return lambda value: _NULL if value is None else ("t" if value else "f")
    if kind in ("DateTimeField", "DateField"):
        return lambda value: _NULL if value is None else value.isoformat()
    if kind == "JSONField":
        encoder = field.encoder  # type: ignore[attr-defined]
        return lambda value: _NULL if value is None else _text(json.dumps(value, cls=encoder))
    return lambda value: _text(field.get_db_prep_save(value, connection))


# Columns whose values may be encoded once per distinct value: equal values of these types
# always have the same text (rule codes and messages, states, the batch's one timestamp).
_REPEATED = frozenset({"CharField", "TextField", "DateTimeField", "DateField"})


def _column_text(field: Field, values: Sequence[Any]) -> list[str]:
    """The COPY text of one column's values, the column at once. A row-by-row encoder per
    value was most of the Python of a large batch (the checks sweep writes 1,600 results with
    their bilingual messages): plain integers and booleans are mapped by builtins, and values
    that repeat are encoded once."""
    kind = field.get_internal_type()
    types = set(map(type, values))
    if kind in _INTEGERS and types <= {int}:  # exactly int: a bool or a str goes through int()
        return list(map(str, values))
    if kind == "BooleanField" and types <= {bool}:
        return ["t" if value else "f" for value in values]
    if kind == "JSONField":
        # One encoder for the column (json.dumps(cls=...) makes one per value), same output.
        dumps = (field.encoder or json.JSONEncoder)().encode  # type: ignore[attr-defined]
        return [_NULL if value is None else _text(dumps(value)) for value in values]
    encode = _encoder(field)
    if kind in _REPEATED and len(types - {type(None)}) <= 1:
        text = {value: encode(value) for value in set(values)}
        return list(map(text.__getitem__, values))
    return [encode(value) for value in values]


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: bool = True,
) -> list[int]:
    """Insert ``rows`` (tuples of values for the fields named by ``columns``, by attname, e.g.
    ``application_id``) into ``model``'s table; returns the new primary keys in the order of the
    rows (unless ``returning`` is false: then nothing). The caller's transaction applies; no
    signals are sent.

    On PostgreSQL the rows go in by one ``COPY`` (the primary keys are taken from the table's
    sequence first, in one statement, when they are wanted): no statement grows with the rows
    and no value is prepared through its field. The COPY is added to the connection's query
    log like any statement, so query-count tests see it."""
    rows = list(rows)
    if not rows:
        return []
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    given = [by_attname[name] for name in columns]
    pk = model._meta.pk
    serial = pk is not None and pk.get_internal_type() in _SERIAL
    missing = [
        f
        for f in model._meta.concrete_fields
        if f.attname not in columns and not (f.primary_key and serial)
    ]
    if connection.vendor != "postgresql":
        defaults = {f.attname: _default(f) for f in missing}
        objects = model._default_manager.bulk_create(
            [model(**defaults, **dict(zip(columns, row, strict=True))) for row in rows]
        )
        return [obj.pk for obj in objects] if returning else []
    if set(map(len, rows)) != {len(given)}:
        raise ValueError(f"each row must have {len(given)} values, for {list(columns)}")
    quote = connection.ops.quote_name
    table = str(model._meta.db_table)
    ids: list[int] = []
    fields = [*given, *missing]
    if returning and serial:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), str(pk.column), len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        fields.insert(0, pk)
    by_column = zip(*rows, strict=True)
    texts = [_column_text(field, values) for field, values in zip(given, by_column, strict=True)]
    if ids:
        texts.insert(0, list(map(str, ids)))
    # The columns left out have the same text on every row: the end of each line.
    tail = "".join(f"\t{_encoder(field)(_default(field))}" for field in missing) + "\n"
    lines = io.StringIO(tail.join(map("\t".join, zip(*texts, strict=True))) + tail)
    names = ", ".join(quote(str(field.column)) for field in fields)
    sql = f"COPY {quote(table)} ({names}) FROM STDIN"
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, lines)  # psycopg's errors become Django's
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    if returning and not serial:
        return [row[columns.index(pk.attname)] for row in rows]
    return ids


def update_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Set the fields named by ``columns`` (attnames) of many rows, each to its own values:
    ``rows`` are tuples of the primary key and then the values. Returns how many rows there
    were. The caller's transaction applies; no signals are sent; ``auto_now`` is not applied.

    On PostgreSQL it is one ``UPDATE ... FROM unnest(...)``: a statement of fixed size whose
    arrays carry the values, where ``bulk_update`` builds a ``CASE`` of every row for every
    column (most of a sweep's time for a few hundred rows). Other databases use
    ``bulk_update``. For plain columns (numbers, text, dates, times): the values go to the
    driver as they are, not through the field."""
    rows = list(rows)
    if not rows:
        return 0
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    pk = model._meta.pk
    assert pk is not None
    if connection.vendor != "postgresql":
        objects = [model(pk=row[0], **dict(zip(columns, row[1:], strict=True))) for row in rows]
        model._default_manager.bulk_update(objects, [f.name for f in fields])
        return len(rows)
    quote = connection.ops.quote_name
    types = [pk.rel_db_type(connection), *(f.db_type(connection) for f in fields)]
    names = ["pk", *(f"v{i}" for i in range(len(fields)))]
    assignments = ", ".join(
        f"{quote(str(field.column))} = v.{name}"
        for field, name in zip(fields, names[1:], strict=True)
    )
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    # Identifiers from the model's metadata, quoted; every value is a parameter.
    sql = (
        f"UPDATE {quote(str(model._meta.db_table))} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.{quote(str(pk.column))} = v.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
    return len(rows)
