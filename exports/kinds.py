"""The registry of export kinds: one small declaration per official list.

A kind names the list, the page it is exported from, who may export it, the rows (the SAME
scoped selector and on-screen filter form as the list page, so an export never holds a row the
page would not show) and the columns. Registering another list is a few lines::

    register(ExportKind(
        name="cultivation_pool",
        label=gettext_lazy("City cultivation pool"),
        page="cultivation-pool",
        rows=lambda user, params: pool_for(user),
        columns=(Column(gettext_lazy("Factory"), "factory__name"), ...),
    ))

Rows are read with ``values()`` over the columns' fields in primary-key order (newest first
for ``descending`` kinds): that order lets the task read in keyset batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.functional import Promise

from accounts.models import ScopeLevel
from accounts.selectors import AnyUser, scope_for


class ColumnKind:
    TEXT = "text"
    CHOICE = "choice"  # a stored value shown by its label (``choices``), in the job's language
    DATE = "date"
    DATETIME = "datetime"
    BILINGUAL = "bilingual"  # a reference row's name: ``<field>__name_zh`` / ``<field>__name_en``
    NUMBER = "number"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    header: str | Promise  # a gettext_lazy string, translated in the job's language
    field: str  # the values() path (for BILINGUAL, the relation whose names are read)
    kind: str = ColumnKind.TEXT
    choices: Any = None  # a TextChoices class, for CHOICE columns
    officials_only: bool = False  # not in an enterprise user's export

    def paths(self) -> tuple[str, ...]:
        if self.kind == ColumnKind.BILINGUAL:
            return (f"{self.field}__name_zh", f"{self.field}__name_en")
        return (self.field,)


RowsSource = Callable[[AnyUser, QueryDict], QuerySet[Any]]


def _anyone(user: AnyUser) -> bool:
    return True


@dataclass(frozen=True)
class ExportKind:
    name: str
    label: str | Promise
    page: str  # the URL name of the list page (the job page links back to it)
    rows: RowsSource
    columns: tuple[Column, ...]
    may_export: Callable[[AnyUser], bool] = _anyone
    descending: bool = True

    def columns_for(self, user: AnyUser) -> list[Column]:
        """The columns this user's export has: officials see the region and enterprise
        columns an enterprise user's own list does not need."""
        official = scope_for(user).level in (
            ScopeLevel.CITY,
            ScopeLevel.PROVINCE,
            ScopeLevel.NATIONAL,
        )
        return [column for column in self.columns if official or not column.officials_only]


_REGISTRY: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    if kind.name in _REGISTRY and _REGISTRY[kind.name] is not kind:
        raise ValueError(f"export kind {kind.name!r} is registered twice")
    _REGISTRY[kind.name] = kind
    return kind


def kind_get(name: str) -> ExportKind | None:
    return _REGISTRY.get(name)


def kind_names() -> list[str]:
    return sorted(_REGISTRY)
