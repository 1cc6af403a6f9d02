"""The transactional outbox (issue 13): side effects written as rows in the same transaction as
the change that causes them, and delivered afterwards.

``outbox_add(kind, **payload)`` writes the row in the caller's transaction (an audit event and
its notification commit or roll back together) and asks, once the transaction has committed,
for the dispatcher to run (``core.dispatch_outbox``; with the broker down nothing is lost: the
periodic run delivers the row once it is back). ``outbox_dispatch`` delivers the due rows in
batches, each batch in one transaction with its rows locked (``SKIP LOCKED``: two dispatchers
share the work), each row's handler in a savepoint: delivered rows are marked, a failing one is
tried again later with a growing delay and its error kept. Handlers are idempotent (a
notification per recipient and key), so a row delivered twice after a crash does its work once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.bulk import insert_rows
from core.dispatch import BROKER_ERRORS, _send
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

# kind -> the handler, by dotted path (the apps' services import this module, not the reverse);
# called with the row's payload as keyword arguments.
HANDLERS: dict[str, str] = {
    "application_event": "certification.services.notifications.application_notify",
    "assessment_submitted": "certification.services.deadlines.assessment_submitted",
    "deadline_notice": "certification.services.deadlines.deadline_notice",
    "prerequisite_recheck": "certification.services.reviews.applications_recheck_prerequisite",
    "enterprise_registered": "factories.services.enterprise_registered_notify",
    "notification_email": "accounts.services.notification_email",
    "webhook_event": "webhooks.services.webhook_event_fanout",
}
# kind -> a handler of many rows at once (called with the payloads of a batch's rows of the
# kind), where one exists: fewer queries than the handler per row. Should it fail, the rows
# are handled one by one, so one bad row fails alone.
BATCH_HANDLERS: dict[str, str] = {
    "webhook_event": "webhooks.services.webhook_events_fanout",
    "deadline_notice": "certification.services.deadlines.deadline_notices",
}
BATCH = 200
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
DISPATCH_TASK = "core.dispatch_outbox"


def outbox_add(kind: str, **payload: Any) -> None:
    """Write one side effect in the caller's transaction; the dispatcher is asked to run once
    it commits."""
    outbox_add_many(kind, [payload])


def outbox_add_many(kind: str, payloads: list[dict[str, Any]]) -> int:
    """Many side effects of one kind, in one statement (a COPY on PostgreSQL). Returns how
    many."""
    return outbox_add_kinds([(kind, payload) for payload in payloads])


def outbox_add_kinds(items: list[tuple[str, dict[str, Any]]]) -> int:
    """Many side effects of any kinds, as (kind, payload) pairs, in one statement and in this
    order (a batch's notifications and webhook events go in together). Returns how many."""
    unknown = {kind for kind, _payload in items} - HANDLERS.keys()
    if unknown:
        raise ValueError(f"no outbox handler for {sorted(unknown)!r}")
    if not items:
        return 0
    now = timezone.now()
    insert_rows(
        OutboxMessage,
        ("kind", "payload", "available_at"),
        ((kind, payload, now) for kind, payload in items),
        returning=False,
    )
    transaction.on_commit(_kick)
    return len(items)


def _kick() -> None:
    """Ask a worker to dispatch now. Never raised: with the broker down the periodic run
    delivers (the rows are in the database already)."""
    try:
        _send(DISPATCH_TASK, [])
    except BROKER_ERRORS:
        logger.warning("outbox: broker down; the periodic dispatch will deliver", exc_info=True)
    except Exception:  # an eager run's own failure: the row stays and is tried again
        logger.exception("outbox: dispatch on commit failed")


def _handler(kind: str) -> Callable[..., Any]:
    return import_string(HANDLERS[kind])


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS))


def outbox_dispatch(*, batch: int = BATCH, seconds: float = 50.0) -> int:
    """Deliver the due rows, a batch per transaction, until none is left or ``seconds`` have
    passed. Safe to run concurrently and again after a crash. Returns how many were delivered."""
    delivered = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, seen = _dispatch_batch(batch)
        delivered += done
        if seen < batch:
            break
    return delivered


@transaction.atomic
def _dispatch_batch(batch: int) -> tuple[int, int]:
    now = timezone.now()
    rows = list(
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(delivered_at__isnull=True, available_at__lte=now)
        .order_by("available_at", "pk")[:batch]
    )
    delivered_ids: list[int] = []
    by_kind: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for kind, handled in by_kind.items():
        if kind not in BATCH_HANDLERS or len(handled) < 2:
            continue
        try:
            with transaction.atomic():
                import_string(BATCH_HANDLERS[kind])([row.payload for row in handled])
        except Exception:
            logger.warning("outbox: the batch of %s %s rows failed; one by one", len(handled), kind)
        else:
            delivered_ids.extend(row.pk for row in handled)
    done = set(delivered_ids)
    for row in rows:
        if row.pk in done:
            continue
        try:
            with transaction.atomic():
                _handler(row.kind)(**row.payload)
        except Exception as exc:
            row.attempts += 1
            row.last_error = repr(exc)[:2000]
            row.available_at = now + _retry_delay(row.attempts)
            row.save(update_fields=["attempts", "last_error", "available_at"])
            logger.warning("outbox: %s %s failed (attempt %s)", row.kind, row.pk, row.attempts)
        else:
            delivered_ids.append(row.pk)
    if delivered_ids:
        OutboxMessage.objects.filter(pk__in=delivered_ids).update(delivered_at=timezone.now())
    return len(delivered_ids), len(rows)
