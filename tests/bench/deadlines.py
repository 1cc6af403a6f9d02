"""Benchmark: the assessment-lapse sweep on national data against the raw SQL that does the same.

Not a test: it prints figures. Run against a database filled by ``generate_national_data
--scale 1.0`` (it rolls every run back, so it can be run again):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DEBUG=1 SECRET_KEY=x \\
        python -m tests.bench.deadlines

For each sweep day (``BENCH_DEADLINE_DAYS`` days from today, default "45,60"), it times two runs:
"first", the first sweep ever on that day (every reminder and lapse due by then, at once: the
catch-up after an outage), and "daily", the sweep of that day after the sweep of the day before
(about a 365th of the certified factories reach each stage each day). Each is timed, alternately
and ``BENCH_ROUNDS`` times (default 5), in a transaction rolled back after each:

- the sweep: ``deadlines_sweep("assessment_lapse", today=day)`` at the default batch size;
- the raw SQL: the same reads and writes in hand-written statements (lock the due rows and the
  factories' active certificates, suspend the lapsed ones, write their audit events, the
  notices and the grace deadlines, move the rows on), with the same plans computed in Python.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from certification import deadlines as plans  # noqa: E402
from certification.models import Deadline  # noqa: E402
from certification.selectors import tier_edition_current  # noqa: E402
from certification.services.deadlines import deadlines_sweep  # noqa: E402

DAYS = [int(d) for d in os.environ.get("BENCH_DEADLINE_DAYS", "45,60").split(",") if d.strip()]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ISSUE_SECONDS = 5.0
ISSUE_RATIO = 3.0


class Rollback(Exception):
    pass


def _timed(run, prep=None) -> tuple[float, object]:
    """``run`` timed after ``prep`` (untimed), in a transaction rolled back after."""
    elapsed, result = 0.0, None
    try:
        with transaction.atomic():
            if prep is not None:
                prep()
            start = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


def raw_sweep(day) -> dict[str, int]:
    """The lapse sweep's work in hand-written SQL, one pass over every due row."""
    edition = tier_edition_current()
    days = edition.lapse_reminder_days
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, factory_id, due_on, step FROM certification_deadline "
            "WHERE kind = 'assessment_lapse' AND next_on <= %s ORDER BY next_on, id "
            "FOR UPDATE SKIP LOCKED",
            [day],
        )
        rows = cursor.fetchall()
        planned = {
            pk: plans.lapse_plan(due_on=due, step=step, today=day, days=days)
            for pk, _factory, due, step in rows
        }
        factory_row = {factory: pk for pk, factory, _due, _step in rows}
        cursor.execute(
            "SELECT id, factory_id FROM certification_certificate "
            "WHERE factory_id = ANY(%s) AND status = 'active' ORDER BY id FOR UPDATE",
            [list(factory_row)],
        )
        active = cursor.fetchall()
        lapsing = [pk for pk, f in active if planned[factory_row[f]].act is plans.Act.LAPSE]
        now = timezone.now()
        cursor.execute(
            "UPDATE certification_certificate SET status = 'suspended', suspended_for = 'lapse', "
            "status_reason = 'lapsed', status_changed_at = %s WHERE id = ANY(%s)",
            [now, lapsing],
        )
        cursor.execute(
            "INSERT INTO certification_auditevent (certificate_id, event_type, from_status, "
            "to_status, reason, extra_data, at) SELECT unnest(%s::bigint[]), 'suspend', "
            "'active', 'suspended', 'lapsed', '{}'::jsonb, %s",
            [lapsing, now],
        )
        cursor.execute(
            "INSERT INTO core_outboxmessage (kind, payload, available_at, attempts, "
            "last_error, created_at) SELECT 'webhook_event', jsonb_build_object('audit_event_id', "
            "1), %s, 0, '', %s FROM unnest(%s::bigint[])",
            [now, now, lapsing],
        )
        grace = plans.grace_end(day, edition.suspension_grace_days)
        cursor.execute(
            "INSERT INTO certification_deadline (kind, certificate_id, due_on, next_on, step, "
            "updated_at) SELECT 'suspension_grace', unnest(%s::bigint[]), %s, %s, 0, %s",
            [lapsing, grace, grace, now],
        )
        acted = [pk for pk, plan in planned.items() if plan.act is not plans.Act.NOTHING]
        cursor.execute(
            "INSERT INTO core_outboxmessage (kind, payload, available_at, attempts, "
            "last_error, created_at) SELECT 'deadline_notice', jsonb_build_object('deadline_id', "
            "id), %s, 0, '', %s FROM unnest(%s::bigint[]) AS id",
            [now, now, acted],
        )
        cursor.execute(
            "UPDATE certification_deadline AS d SET step = v.step, next_on = v.next_on, "
            "updated_at = %s FROM unnest(%s::bigint[], %s::int[], %s::date[]) AS v(id, step, "
            "next_on) WHERE d.id = v.id",
            [
                now,
                list(planned),
                [plan.step for plan in planned.values()],
                [plan.next_on for plan in planned.values()],
            ],
        )
    return {"rows": len(rows), "acted": len(acted), "suspended": len(lapsing)}


def main() -> None:
    today = timezone.localdate()
    certified = Deadline.objects.filter(kind=Deadline.Kind.ASSESSMENT_LAPSE).count()
    print(f"lapse deadlines: {certified}")
    deadlines_sweep("assessment_lapse", today=today - timedelta(days=400))  # warm the caches
    for offset in DAYS:
        day = today + timedelta(days=offset)
        for mode in ("first", "daily"):

            def prep(day=day, mode=mode):
                if mode == "daily":
                    deadlines_sweep("assessment_lapse", today=day - timedelta(days=1))

            sweep_times, raw_times = [], []
            result: object = None
            counts: object = None
            for _ in range(ROUNDS):
                elapsed, result = _timed(
                    lambda day=day: dict(deadlines_sweep("assessment_lapse", today=day)), prep
                )
                sweep_times.append(elapsed)
                elapsed, counts = _timed(lambda day=day: raw_sweep(day), prep)
                raw_times.append(elapsed)
            sweep, raw = statistics.median(sweep_times), statistics.median(raw_times)
            print(
                f"day +{offset} ({mode}): raw {counts}; sweep {result}\n"
                f"  sweep median {sweep:.3f} s (min {min(sweep_times):.3f}), raw SQL median "
                f"{raw:.3f} s (min {min(raw_times):.3f}): {sweep / raw:.2f}x the raw SQL "
                f"(issue: under {ISSUE_SECONDS:.0f} s and within {ISSUE_RATIO:.0f}x)"
            )


if __name__ == "__main__":
    main()
