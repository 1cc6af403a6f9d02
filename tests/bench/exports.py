"""Benchmark: an XLSX export of 50,000 rows through a real Celery worker.

Not a test: it prints figures. It needs PostgreSQL and Redis, and makes its own scratch
database (dropped at the end, unless ``BENCH_KEEP_DB=1``)::

    python -m tests.bench.exports

Environment:

- ``BENCH_DATABASE_URL``: the server and name of the scratch database (default
  ``postgres://postgres@127.0.0.1:5432/portal_bench_exports``); it is dropped and made again.
- ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``): the broker.
- ``BENCH_EXPORT_ROWS`` (50,000): the applications written (in bulk) for a provincial
  official's list; a quarter of them are basic.
- ``EXPORT_CHUNK_ROWS``: the task's batch size (the setting's default otherwise).

It starts one ``celery worker -P solo`` (the task runs in the worker's own process), reads its
resident memory idle, then runs two XLSX exports of the application list in turn: the basic
applications only (a quarter of the rows, with the filter of the page), then every row. For
each it prints the time, the rows per second, the progress updates observed (the job row read
every 5 ms, as the job page's polling would see it) and the worker's peak resident memory
(VmHWM) after it. Memory is bounded when the full export's peak is about that of the quarter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_exports"
ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "50000"))
TIERS = ("basic", "advanced", "excellent", "leading")
# (tier, status, workflow) of the applications of each factory: one per tier.
APPLICATIONS = (
    ("basic", "certified", "basic_2025"),
    ("advanced", "city_review", "advanced_2025"),
    ("excellent", "provincial_review", "excellent_2025"),
    ("leading", "miit_review", "leading_2025"),
)
PER_ENTERPRISE = 10


def _scratch_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def _drop_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    admin.close()


def _fill(rows: int) -> int:
    """``rows`` applications of Jiangsu factories, written in bulk; returns the official's
    user id (a provincial official of Jiangsu)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, User
    from certification.models import Application
    from certification.selectors import tier_edition_current
    from factories.models import Enterprise, Factory, Industry
    from factories.validators import uscc_check_character
    from regions.models import Authority, City

    cities = list(City.objects.filter(province_id="32").order_by("code"))
    industry = Industry.objects.get(code="35")
    owner = User.objects.create(username="bench-owner", role=Role.ENTERPRISE_USER)
    official = User.objects.create(
        username="bench-jiangsu",
        role=Role.PROVINCIAL_OFFICIAL,
        authority=Authority.objects.get(code="32-industry-it"),
    )
    factories_needed = -(-rows // len(APPLICATIONS))
    enterprises = []
    for i in range(-(-factories_needed // PER_ENTERPRISE)):
        body = f"91320500MA{i:07d}"
        city = cities[i % len(cities)]
        enterprises.append(
            Enterprise(
                uscc=body + uscc_check_character(body),
                name=f"基准测试企业{i}有限公司",
                city=city,
                province_id="32",
                industry=industry,
                above_designated_size=True,
            )
        )
    enterprises = Enterprise.objects.bulk_create(enterprises, batch_size=5000)
    factories = Factory.objects.bulk_create(
        [
            Factory(
                enterprise=enterprises[i // PER_ENTERPRISE],
                name=f"基准测试工厂{i}",
                address="测试路 1 号",
                city_id=enterprises[i // PER_ENTERPRISE].city_id,
                province_id="32",
                industry=industry,
            )
            for i in range(factories_needed)
        ],
        batch_size=5000,
    )
    edition = tier_edition_current()
    now = timezone.now()
    batch: list[Application] = []
    written = 0
    for index in range(rows):
        factory = factories[index // len(APPLICATIONS)]
        tier, status, workflow = APPLICATIONS[index % len(APPLICATIONS)]
        batch.append(
            Application(
                factory=factory,
                province_id="32",
                city_id=factory.city_id,
                tier=tier,
                tier_edition=edition,
                status=status,
                workflow=workflow,
                submission=1,
                submitted_at=now,
                decided_at=now if status == "certified" else None,
                state_changed_at=now,
                created_by=owner,
            )
        )
        if len(batch) == 5000:
            written += len(Application.objects.bulk_create(batch))
            batch = []
    written += len(Application.objects.bulk_create(batch))
    assert written == rows
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load: real row estimates
    return official.pk


def _memory(pid: int) -> dict[str, int]:
    """The process's VmRSS and VmHWM (peak), in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def _start_worker(queue: str, environment: dict[str, str]) -> subprocess.Popen:
    from config.celery import app

    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - the worker writes to it until it stops
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return worker
        if worker.poll() is not None:
            log.seek(0)
            raise SystemExit(f"the worker exited:\n{log.read()}")
    worker.kill()
    raise SystemExit("the worker did not answer within 60 s")


def _export(user_id: int, filters: dict[str, list[str]], pid: int) -> dict[str, float]:
    from accounts.models import User
    from exports import services
    from exports.models import ExportJob

    user = User.objects.get(pk=user_id)
    start = time.perf_counter()
    job = services.export_job_create(
        actor=user, kind="applications", format="xlsx", filters=filters, language="zh-hans"
    )
    updates, last, timeout = 0, -1, time.monotonic() + 1800
    while time.monotonic() < timeout:
        status, written = ExportJob.objects.values_list("status", "rows_written").get(pk=job.pk)
        if status == ExportJob.Status.RUNNING and written != last:
            if written > 0:
                updates += 1
            last = written
        if status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
            break
        time.sleep(0.005)
    wall = time.perf_counter() - start
    job.refresh_from_db()
    if job.status != ExportJob.Status.DONE:
        raise SystemExit(f"the export did not finish: {job.status} {job.error}")
    assert job.started_at and job.finished_at
    return {
        "rows": job.rows_written,
        "wall": wall,
        "task": (job.finished_at - job.started_at).total_seconds(),
        "updates": updates,
        "batches": -(-job.rows_written // _chunk()),
        "bytes": job.file.size,
        "peak_kib": _memory(pid)["VmHWM"],
    }


def _chunk() -> int:
    from django.conf import settings

    return int(settings.EXPORT_CHUNK_ROWS)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    media = tempfile.mkdtemp(prefix="bench-exports-")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": media,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(environment)
    _scratch_database(url)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from config.celery import app

        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
        started = time.perf_counter()
        user_id = _fill(ROWS)
        print(
            f"scratch database {urlunsplit(urlsplit(url)._replace(netloc='…'))}: "
            f"{ROWS:,} applications written in {time.perf_counter() - started:.1f} s"
        )
        queue = f"bench-exports-{uuid.uuid4().hex[:8]}"
        app.conf.task_default_queue = queue
        app.conf.task_always_eager = False
        worker = _start_worker(queue, environment)
        try:
            time.sleep(1.0)
            idle = _memory(worker.pid)
            print(f"worker idle: RSS {idle['VmRSS'] / 1024:.1f} MiB, batch {_chunk():,} rows")
            print(
                f"{'export':<22}{'rows':>8}{'task s':>9}{'wall s':>9}{'rows/s':>10}"
                f"{'updates':>9}{'batches':>9}{'file MiB':>10}{'peak RSS MiB':>14}{'over idle':>11}"
            )
            for name, filters in (("basic only (quarter)", {"tier": ["basic"]}), ("all rows", {})):
                result = _export(user_id, filters, worker.pid)
                print(
                    f"{name:<22}{result['rows']:>8,}{result['task']:>9.1f}{result['wall']:>9.1f}"
                    f"{result['rows'] / result['task']:>10,.0f}{result['updates']:>9}"
                    f"{result['batches']:>9}{result['bytes'] / 2**20:>10.1f}"
                    f"{result['peak_kib'] / 1024:>14.1f}"
                    f"{(result['peak_kib'] - idle['VmRSS']) / 1024:>+11.1f}"
                )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP_DB") != "1":
            _drop_database(url)


if __name__ == "__main__":
    main()
