"""Counting ahead of time what the dashboards sum (``dashboard.models``), set-based."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from assessments.models import Assessment
from certification.models import Application, AuditEvent, Certificate
from dashboard.models import COUNT_COLUMNS, CountRun, RegionCount, StepDuration
from factories.models import Enterprise, Factory

# Each factory's best level among its valid self-assessments, one row per assessed factory.
_VALID_LEVELS = (
    f"SELECT factory_id, MAX(maturity_level) AS level FROM {Assessment._meta.db_table} "
    "WHERE status = %s AND valid_until >= %s AND maturity_level IS NOT NULL "
    "GROUP BY factory_id"
)


def _ones(prefix: str, expression: str) -> str:
    """The count columns, with 1 in the column of ``prefix`` whose value ``expression`` has
    and 0 in every other."""
    parts = []
    for column in COUNT_COLUMNS:
        kind, _sep, value = column.partition("_")
        if kind != prefix:
            parts.append(f"0 AS {column}")
        else:
            literal = value if value.isdigit() else f"'{value}'"
            parts.append(f"CASE WHEN {expression} = {literal} THEN 1 ELSE 0 END AS {column}")
    return ", ".join(parts)


@transaction.atomic
def region_counts_refresh(*, today: date | None = None) -> CountRun:
    """Count every enterprise and factory at each maturity level as of ``today`` (default:
    today), and the current certificates of each tier, by city, industry and size, in one
    INSERT ... SELECT; then drop the earlier counts. A reader keeps the run it started with;
    safe to rerun at any time."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    run = CountRun.objects.create(counted_on=today)
    enterprises = Enterprise._meta.db_table
    factories = Factory._meta.db_table
    certificates = Certificate._meta.db_table
    keys = "province_id, city_id, industry_id, above_designated_size"
    sums = ", ".join(f"SUM({column})" for column in COUNT_COLUMNS)
    sql = f"""
        INSERT INTO {RegionCount._meta.db_table} (run_id, {keys}, {", ".join(COUNT_COLUMNS)})
        SELECT %s, {keys}, {sums} FROM (
            SELECT e.province_id, e.city_id, e.industry_id, e.above_designated_size,
                   {_ones("enterprises", "COALESCE(l.level, 0)")}
            FROM {enterprises} e
            LEFT JOIN (
                SELECT f.enterprise_id, MAX(v.level) AS level
                FROM ({_VALID_LEVELS}) v JOIN {factories} f ON f.id = v.factory_id
                GROUP BY f.enterprise_id
            ) l ON l.enterprise_id = e.id
            UNION ALL
            SELECT f.province_id, f.city_id, f.industry_id, e.above_designated_size,
                   {_ones("factories", "COALESCE(v.level, 0)")}
            FROM {factories} f
            JOIN {enterprises} e ON e.id = f.enterprise_id
            LEFT JOIN ({_VALID_LEVELS}) v ON v.factory_id = f.id
            UNION ALL
            SELECT c.province_id, c.city_id, f.industry_id, e.above_designated_size,
                   {_ones("certificates", "c.tier")}
            FROM {certificates} c
            JOIN {factories} f ON f.id = c.factory_id
            JOIN {enterprises} e ON e.id = f.enterprise_id
            WHERE c.status IN (%s, %s)
        ) x
        GROUP BY {keys}
    """
    valid: list[Any] = [Assessment.Status.SUBMITTED, today]
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                run.pk,
                *valid,
                *valid,
                Certificate.Status.ACTIVE,
                Certificate.Status.SUSPENDED,
            ],
        )
    _step_durations_count(run)
    RegionCount.objects.filter(run__lt=run.pk).delete()
    StepDuration.objects.filter(run__lt=run.pk).delete()
    CountRun.objects.filter(pk__lt=run.pk).delete()
    run.seconds = round(time.perf_counter() - started, 3)
    run.save(update_fields=["seconds"])
    return run


STEP_HISTORY_DAYS = 365


def _transitions_sql() -> str:
    """Each step an application left: the step, the application's province and city, when it
    entered the step and when it left. Only transitions count (an event that keeps the state,
    such as a score, neither enters nor leaves a step): each one leaves the step its predecessor
    entered."""
    return f"""
        SELECT x.step, x.province_id, x.city_id, x.entered_at, x.left_at FROM (
            SELECT e.from_status AS step, a.province_id, a.city_id, e.at AS left_at,
                   LAG(e.at) OVER w AS entered_at, LAG(e.to_status) OVER w AS entered
            FROM {AuditEvent._meta.db_table} e
            JOIN {Application._meta.db_table} a ON a.id = e.application_id
            WHERE e.application_id IS NOT NULL AND e.from_status <> e.to_status
            WINDOW w AS (PARTITION BY e.application_id ORDER BY e.at, e.id)
        ) x
        WHERE x.entered = x.step AND x.left_at >= %s
    """


def _step_durations_count(run: CountRun) -> None:
    """The median time in each step over the last year, for the country, each province and
    each city: one grouped statement on PostgreSQL, the medians taken here elsewhere."""
    since = run.computed_at - timedelta(days=STEP_HISTORY_DAYS)
    table = StepDuration._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                INSERT INTO {table} (run_id, region, step, "left", median_days)
                SELECT %s, COALESCE(t.city_id, t.province_id, ''), t.step, COUNT(*),
                       percentile_cont(0.5) WITHIN GROUP (
                           ORDER BY EXTRACT(EPOCH FROM (t.left_at - t.entered_at)) / 86400.0)
                FROM ({_transitions_sql()}) t
                GROUP BY GROUPING SETS ((t.step), (t.province_id, t.step), (t.city_id, t.step))
                """,
                [run.pk, since],
            )
            return
        cursor.execute(_transitions_sql(), [since])
        spans: dict[tuple[str, str], list[float]] = {}
        for step, province, city, entered, left in cursor.fetchall():
            days = (_moment(left) - _moment(entered)).total_seconds() / 86400
            for region in ("", province, city):
                spans.setdefault((region, step), []).append(days)
    StepDuration.objects.bulk_create(
        StepDuration(
            run=run, region=region, step=step, left=len(days), median_days=statistics.median(days)
        )
        for (region, step), days in spans.items()
    )


def _moment(value: Any) -> datetime:
    """A timestamp as the embedded database returns it (text, or naive in UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
