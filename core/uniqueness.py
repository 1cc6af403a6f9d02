"""Writes guarded by a unique constraint: a duplicate is the client's conflict, never a 500.

A service looks for the clashing row before it writes, but two requests can both find none; the
database's unique constraint then refuses the second write with an IntegrityError.
``save_unless_exists`` answers both cases alike, with the row that exists, and the service raises
its ``Conflict`` naming it (``existing_id``), which the API answers as a 409.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a write for a unique constraint (not a foreign key, a check
    or a NOT NULL)."""
    cause = exc.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    if code is not None:
        return bool(code == UNIQUE_VIOLATION)
    return "UNIQUE constraint failed" in str(exc)  # SQLite, the embedded default


def save_unless_exists(instance: M, *, clash: models.QuerySet[M]) -> M | None:
    """Save ``instance`` unless a row of ``clash`` exists; return that row, or None once saved.

    ``clash`` is the rows the unique constraint allows only once with the instance (without the
    instance itself when it is being changed). A row that a concurrent transaction writes in the
    meantime is found too: PostgreSQL makes this write wait until that transaction commits, then
    refuses it, and the row is read again (visible at READ COMMITTED, Django's default). The
    write runs in a savepoint, so the caller's transaction goes on after a refusal.
    """
    existing = clash.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        existing = clash.first() if is_unique_violation(exc) else None
        if existing is None:
            raise
        return existing
    return None
