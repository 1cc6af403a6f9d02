"""Querysets compiled once per process and run again with other values.

Turning a queryset into SQL costs the ORM more than PostgreSQL spends running a small indexed
query; on a hot path that reads a few rows by key (eligibility, asked by banks and subsidy
systems for one factory at a time) the compilation is most of the request. A ``PreparedQuery``
builds its queryset once with sentinel values standing for the parameters, compiles it, notes
where each sentinel landed among the SQL parameters, and from then on only substitutes the real
values and runs the SQL. The queryset is still the reference: the rows are those it would give
(its ``values_list`` rows, converted by the backend's converters as the ORM would).

On PostgreSQL the SQL is also prepared on the server (``PREPARE``), once per database
connection, and run with ``EXECUTE``: PostgreSQL then plans it once, not on every request (the
plan of a three-table join by key took longer than running it). Prepared statements live as
long as the session and are not undone by a rollback. Behind a pooler that hands one client
several server sessions (PgBouncer in transaction mode) a statement prepared in one session is
missing in the next: set ``DATABASE_SERVER_PREPARE=0`` there.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators
from django.db.models.query_utils import DeferredAttribute


class PreparedQuery:
    """``PreparedQuery(build, factory=-1)``: ``build(factory=-1)`` must return the queryset,
    and each sentinel must reach the SQL parameters as itself (unchanged by the field) and not
    equal any other parameter. ``rows(factory=42)`` then runs the compiled SQL."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **sentinels: Any) -> None:
        self.build = build
        self.sentinels = sentinels
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def compile(self, using: str = "default") -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                queryset = self.build(**self.sentinels)
                compiler = queryset.query.get_compiler(using=using)
                sql, params = compiler.as_sql()
                params = list(params)
                positions = {
                    name: [i for i, param in enumerate(params) if _same(param, sentinel)]
                    for name, sentinel in self.sentinels.items()
                }
                missing = [name for name, found in positions.items() if not found]
                if missing:
                    raise ValueError(f"sentinels not among the SQL parameters: {missing}")
                # The backend's own conversions of the selected columns (none for the plain
                # columns on PostgreSQL; SQLite's text datetimes, say, for ``make run``).
                columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
                converters = compiler.get_converters(columns)
                compiled = _Compiled(
                    sql, params, positions, converters, compiler, *_server_statement(sql, params)
                )
                self._compiled[using] = compiled
        return compiled

    def objects(self, using: str = "default", **values: Any) -> list[Any]:
        """For a queryset of model instances (``select_related`` and annotations included):
        the instances it would give, made from the rows as Django's ModelIterable makes them."""
        compiler = self.compile(using).compiler
        rows = self.rows(using, **values)
        select, klass_info = compiler.select, compiler.klass_info
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # stubs: Django 6
        make = _maker(model, names, using)
        instances = []
        for row in rows:
            instance = make(row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in (compiler.annotation_col_map or {}).items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def rows(self, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        if set(values) != set(self.sentinels):
            raise TypeError(f"values for {sorted(self.sentinels)} expected")
        compiled = self.compile(using)
        params = list(compiled.params)
        for name, value in values.items():
            for index in compiled.positions[name]:
                params[index] = value
        connection = connections[using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.DATABASE_SERVER_PREPARE:
                prepared = _prepared_on(connection)
                if compiled.name not in prepared:
                    cursor.execute(compiled.prepare_sql)
                    prepared.add(compiled.name)
                cursor.execute(compiled.execute_sql, params)
            else:
                cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        converted = []
        for row in rows:
            values_ = list(row)
            for position, (functions, expression) in compiled.converters.items():
                value = values_[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                values_[position] = value
            converted.append(tuple(values_))
        return converted

    def reset(self) -> None:
        """Forget the compiled SQL (after the schema changed, as in tests). The statements
        compiled afterwards are prepared under new names."""
        self._compiled.clear()
        global _generation
        _generation = next(_generations)


# Set on a new instance, these only store the value (a foreign key's also forgets a cached
# related object, which a new instance does not have).
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _maker(model: type[Model], names: list[str], using: str) -> Callable[[Any], Model]:
    """How an instance is made from its columns: ``model.from_db``, or, when that is Django's
    own and nothing listens to the model's init signals, the same instance made directly.
    ``Model.__init__`` walks every field of the model to mark the columns not selected as
    deferred; for a batch of a few hundred instances with a few of their columns (the checks
    sweep's locked applications) that walk cost more than reading the rows. A column left out
    of the instance's ``__dict__`` is what Django calls deferred, as after ``from_db``."""
    if (
        getattr(model.from_db, "__func__", None) is not Model.from_db.__func__  # type: ignore[attr-defined]
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
        # Only columns whose attribute keeps the value as given (a file's, say, does more).
        or any(type(getattr(model, name, None)) not in _PLAIN_ATTRIBUTES for name in names)
    ):
        return lambda values: model.from_db(using, names, values)
    new = model.__new__

    def make(values: Any) -> Model:
        instance = new(model)
        instance.__dict__.update(zip(names, values, strict=True))
        state = instance._state = ModelState()
        state.adding = False
        state.db = using
        return instance

    return make


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: list[Any]
    positions: dict[str, list[int]]
    converters: dict[int, tuple[list[Any], Any]]
    compiler: Any
    # The server-side statement (PostgreSQL): its name, the PREPARE (no parameters) and the
    # EXECUTE (the same parameters as ``sql``).
    name: str
    prepare_sql: str
    execute_sql: str


_generations = itertools.count()
_generation = next(_generations)
_PLACEHOLDER = re.compile(r"%%|%s")


def _server_statement(sql: str, params: list[Any]) -> tuple[str, str, str]:
    """The name, PREPARE and EXECUTE of ``sql``: its ``%s`` become ``$1``, ``$2``... (and
    ``%%`` a plain ``%``, since the PREPARE is sent without parameters)."""
    numbers = itertools.count(1)
    body = _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
    digest = hashlib.sha256(sql.encode()).hexdigest()[:20]
    name = f"pq_{digest}_{_generation}"
    execute = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    return name, f"PREPARE {name} AS {body}", execute


def _prepared_on(connection: BaseDatabaseWrapper) -> set[str]:
    """The statements prepared on the connection's current database session (a new session,
    after a reconnection, starts with none)."""
    raw = connection.connection
    state: tuple[Any, set[str]] | None = getattr(connection, "_prepared_statements", None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        connection._prepared_statements = state  # type: ignore[attr-defined]
    return state[1]


def _same(param: Any, sentinel: Any) -> bool:
    return type(param) is type(sentinel) and param == sentinel
