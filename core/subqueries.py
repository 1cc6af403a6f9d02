"""A related row's column read by a subquery in the select list, for the API's list pages.

A list that shows one column of a related row (a factory's name) joins the related table for
every row the database reads. When the page is sorted (a plan that reads the rows of a region,
then sorts them), every one of them is joined before the limit keeps the page; a subquery in the
select list is run after the sort and the limit, for the rows of the page only. Without the
joins PostgreSQL also plans the query in about half the time, and Django makes no object of the
related model per row.

The subquery is written out (``RawSQL``) rather than built as a ``Subquery``: the ORM resolves a
Subquery's inner query anew for every request, and that cost about as much as the joins saved.
"""

from __future__ import annotations

from django.db.models import Field, ForeignKey, Model
from django.db.models.expressions import RawSQL


def related_value(model: type[Model], relation: str, name: str) -> RawSQL:
    """``name`` of the row that ``model``'s foreign key ``relation`` points to (null when the
    key is null), to ``annotate`` a queryset of ``model`` whose table is not aliased (a list's
    own query)."""
    foreign_key = model._meta.get_field(relation)
    assert isinstance(foreign_key, ForeignKey)
    related = foreign_key.related_model
    assert isinstance(related, type) and issubclass(related, Model)
    field = related._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the related table, not a reverse relation
    table, key = related._meta.db_table, foreign_key.target_field.column
    outer = model._meta.db_table
    # Names of tables and columns only: no value is ever put into the text.
    sql = (
        f'SELECT "{table}"."{field.column}" FROM "{table}" '  # noqa: S608
        f'WHERE "{table}"."{key}" = "{outer}"."{foreign_key.column}"'
    )
    return RawSQL(sql, (), output_field=field)  # noqa: S611
