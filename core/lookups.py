"""``<field>__any=[...]``: membership in a list sent as one array parameter.

``__in`` writes one placeholder per value and prepares each value through the field in Python;
for a scope of a few hundred ids that is repeated in each query of a page, that costs more than
the query. On PostgreSQL ``__any`` sends the values as a single array (``col = ANY(%s)``, which
is how PostgreSQL plans an IN list anyway); elsewhere (SQLite, for ``make run``) it is ``IN``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignKey, ForeignObject, IntegerField, Lookup
from django.db.models.lookups import In


@ForeignObject.register_lookup  # foreign keys by their column: application_id__any=[...]
@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"

    def get_prep_lookup(self) -> Any:
        field = self.lhs.output_field
        values = list(self.rhs)
        # Integers for an integer column are already what the field would make of them; a
        # scope's ids are hundreds of them, prepared again for each query of a page.
        target = field.target_field if isinstance(field, ForeignKey) else field
        if isinstance(target, IntegerField) and all(type(value) is int for value in values):
            return values
        prepare = field.get_prep_value
        return [prepare(value) for value in values]

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if not self.rhs:
            raise EmptyResultSet  # as for __in: a query that can match nothing is not sent
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))
