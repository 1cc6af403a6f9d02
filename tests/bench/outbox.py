"""Benchmark: dispatching 10,000 outbox rows, against the raw SQL that claims and marks them.

Not a test: it prints figures. Run against any migrated database with reference data (the
national one is best: the rows point at its certificates):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DEBUG=1 SECRET_KEY=x \\
        python -m tests.bench.outbox

In a transaction rolled back after each run (``BENCH_ROUNDS``, default 3, alternately), it
writes ``BENCH_OUTBOX_ROWS`` (default 10,000) rows as a lapse sweep writes them, for
certificates the database holds: for each, the ``webhook_event`` of its audit event and its
``deadline_notice``. Then it times:

- ``outbox_dispatch()``: every row's handler run in its savepoint (the fan-out to webhook
  subscriptions, here one national subscription to certificate events; the notices written
  in the inbox, with an email row for each recipient with an address) and the rows marked;
- the raw SQL floor: claiming the same rows in batches of 200 (``FOR UPDATE SKIP LOCKED``) and
  marking them delivered, with no handler at all.

The ratio says what the handlers cost over the bookkeeping; rows per second, what a worker
drains.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from certification.models import AuditEvent, Certificate, Deadline  # noqa: E402
from core.bulk import insert_rows  # noqa: E402
from core.models import OutboxMessage  # noqa: E402
from core.outbox import outbox_dispatch  # noqa: E402
from regions.models import Authority  # noqa: E402
from webhooks.models import WebhookSubscription  # noqa: E402

ROWS = int(os.environ.get("BENCH_OUTBOX_ROWS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


class Rollback(Exception):
    pass


def _setup() -> None:
    """The rows a lapse sweep of ROWS / 2 certificates writes, and one subscriber (made
    first: a subscription gets the events that happen after it)."""
    owner = User.objects.create(
        username=f"bench-hook-{time.monotonic_ns()}",
        role=Role.MIIT_REVIEWER,
        authority=Authority.objects.filter(level="national", kind="industry_it").first(),
    )
    WebhookSubscription.objects.create(
        owner=owner,
        name="bench",
        url="https://receiver.example.org/hooks",
        secret="whsec_" + "A" * 43 + "=",
        event_types=["certificate.suspended"],
        authority=owner.authority,
    )
    certificates = list(
        Certificate.objects.filter(status=Certificate.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "factory_id")[: ROWS // 2]
    )
    events = insert_rows(
        AuditEvent,
        ("certificate_id", "event_type", "from_status", "to_status", "reason", "extra_data"),
        ((pk, "suspend", "active", "suspended", "bench", {}) for pk, _f in certificates),
    )
    deadlines = dict(
        Deadline.objects.filter(
            kind=Deadline.Kind.ASSESSMENT_LAPSE, factory_id__in=[f for _pk, f in certificates]
        ).values_list("factory_id", "pk")
    )
    now = timezone.now()
    rows = [
        OutboxMessage(kind="webhook_event", payload={"audit_event_id": e}, available_at=now)
        for e in events
    ]
    rows += [
        OutboxMessage(
            kind="deadline_notice",
            payload={"deadline_id": deadlines[f], "step": 1, "act": "remind"},
            available_at=now,
        )
        for _pk, f in certificates
        if f in deadlines
    ]
    OutboxMessage.objects.bulk_create(rows, batch_size=2000)


def _raw() -> int:
    done = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id FROM core_outboxmessage WHERE delivered_at IS NULL AND "
                "available_at <= clock_timestamp() ORDER BY available_at, id LIMIT 200 "
                "FOR UPDATE SKIP LOCKED"
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return done
            cursor.execute(
                "UPDATE core_outboxmessage SET delivered_at = now() WHERE id = ANY(%s)", [ids]
            )
            done += len(ids)


def _timed(run) -> tuple[float, object]:
    elapsed, result = 0.0, None
    try:
        with transaction.atomic():
            _setup()
            start = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


def main() -> None:
    waiting = OutboxMessage.objects.filter(delivered_at__isnull=True).count()
    if waiting:
        print(f"note: {waiting} rows were waiting before the bench; they are dispatched too")
    dispatch_times, raw_times = [], []
    made: Counter[str] = Counter()
    for _ in range(ROUNDS):
        elapsed, done = _timed(lambda: outbox_dispatch(seconds=3600))
        dispatch_times.append(elapsed)
        made["dispatched"] = int(done or 0)
        elapsed, done = _timed(_raw)
        raw_times.append(elapsed)
        made["raw"] = int(done or 0)
    dispatch, raw = statistics.median(dispatch_times), statistics.median(raw_times)
    print(
        f"outbox rows: {dict(made)}\n"
        f"  dispatch median {dispatch:.2f} s ({made['dispatched'] / dispatch:.0f} rows/s), "
        f"raw claim-and-mark median {raw:.2f} s ({made['raw'] / raw:.0f} rows/s): "
        f"{dispatch / raw:.1f}x"
    )


if __name__ == "__main__":
    main()
