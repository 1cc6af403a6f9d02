"""The HTTP benchmark harness: ``python -m tests.bench.http``.

It serves the portal with gunicorn and production settings (DEBUG off, plus the floor view and
the query-count header of ``tests.bench.http.settings``) on a database holding the generated
national data, loads every API list, lookup, detail and worklist endpoint from a second process
(``tests.bench.http.load``), and prints one row per endpoint and principal. Not a test: nothing
is asserted about time.

Environment:

- ``BENCH_DATABASE_URL``: the database with generated data (default
  ``postgres://postgres@127.0.0.1:5432/portal_bench``); ``DATABASE_URL`` is not used.
- ``BENCH_SECONDS`` (2), ``BENCH_ROUNDS`` (3): each round loads the floor, then the endpoint,
  for that many seconds; ``BENCH_WARMUP`` (0.25): seconds of each before the first round.
- ``BENCH_CLIENTS`` (8): concurrent clients; ``BENCH_WORKERS`` (3): gunicorn workers.
- ``BENCH_ONLY``: only the endpoints whose name contains this (case-insensitive).
- ``BENCH_OUTPUT``: a file to write the results to, as JSON.
- ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``): the cache, as in production.

The figures of each row (see ``tests.bench.http.load.JobResult``):

- queries: SQL queries per request (median of ``X-Bench-Queries``);
- req/s: requests per second the server completed for the endpoint, all clients together;
- floor req/s: the same for the floor view, in the same interleaved rounds;
- ratio: req/s over floor req/s. The floor costs what the framework costs (middleware, token
  authentication, DRF rendering); 1.0 means the endpoint costs no more, 0.25 that the
  endpoint's own work costs three times the framework's. An anonymous job's floor is the
  public one (no token to look up), as the public endpoints are requested;
- p50, p95, p99: the endpoint's latency percentiles under this load, in milliseconds;
- errors: endpoint requests that did not answer 200 during the load.

After the loads, the resident memory (VmRSS) of each gunicorn worker and the largest.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

from tests.bench.http.load import Job, Plan, Sample, fetch

BASE_DIR = Path(__file__).resolve().parents[3]
SETTINGS_MODULE = "tests.bench.http.settings"
HOST = "127.0.0.1"
FLOOR_PATH = "/bench/floor/"
PUBLIC_FLOOR_PATH = "/bench/floor/public/"  # the floor of anonymous jobs
PAGE_TWO = " (page 2)"
REGISTRY_CODES = 5000  # more than a registry job requests, so each code is seen about once
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

# The principals. The samples are taken in Jiangsu so that both officials can see them.
NATIONAL_USERNAME = "bench-miit"
PROVINCIAL_USERNAME = "gen-official-32"
SAMPLE_PROVINCE = "32"
# The steps at which the provincial department chooses experts.
EXPERT_CHOICE_STATES = ("provincial_review", "expert_review")


class BenchError(Exception):
    """The benchmark cannot go on (the message says why)."""


@dataclass(frozen=True)
class Config:
    """The benchmark's parameters, from the environment (see the module docstring)."""

    database_url: str
    redis_url: str
    seconds: float
    rounds: int
    clients: int
    workers: int
    warmup_seconds: float
    only: str
    output: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        return cls(
            database_url=environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=environ.get("REDIS_URL", DEFAULT_REDIS_URL),
            seconds=float(environ.get("BENCH_SECONDS") or 2),
            rounds=int(environ.get("BENCH_ROUNDS") or 3),
            clients=int(environ.get("BENCH_CLIENTS") or 8),
            workers=int(environ.get("BENCH_WORKERS") or 3),
            warmup_seconds=float(environ.get("BENCH_WARMUP") or 0.25),
            only=environ.get("BENCH_ONLY", "").strip(),
            output=environ.get("BENCH_OUTPUT", ""),
        )

    def matches(self, name: str) -> bool:
        """Whether the endpoint called ``name`` is to be measured (``BENCH_ONLY``)."""
        return self.only.lower() in name.lower()


@dataclass(frozen=True)
class Endpoint:
    """An endpoint to measure. ``path`` is formatted with the samples (see ``pick_samples``);
    each principal in ``principals`` requests it ("anonymous": no token, for public endpoints).
    A list's second page is found by following the ``next`` link of its first page."""

    name: str
    path: str
    principals: tuple[str, ...] = ("national", "provincial")
    # A sample holding many values for one placeholder of ``path`` (``(placeholder, sample)``):
    # the requests go through them in turn, so that a cache sees mostly first visits.
    spread: tuple[str, str] | None = None


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("enterprises list", "/api/v1/enterprises/"),
    Endpoint("USCC lookup", "/api/v1/enterprises/?search={uscc}"),
    Endpoint("enterprise detail", "/api/v1/enterprises/{enterprise}/"),
    Endpoint("factories list", "/api/v1/factories/"),
    Endpoint("factory detail", "/api/v1/factories/{factory}/"),
    Endpoint("eligibility", "/api/v1/factories/{factory}/eligibility/?tier=advanced"),
    Endpoint("factory assessments", "/api/v1/factories/{factory}/assessments/"),
    Endpoint("assessments list", "/api/v1/assessments/"),
    Endpoint("assessment detail", "/api/v1/assessments/{assessment}/"),
    Endpoint("applications list", "/api/v1/applications/"),
    Endpoint("worklist", "/api/v1/applications/?waiting_for=me"),
    Endpoint("application detail", "/api/v1/applications/{application}/"),
    Endpoint("application experts", "/api/v1/applications/{review_application}/experts/"),
    Endpoint("certificates list", "/api/v1/certificates/"),
    Endpoint("certificate detail", "/api/v1/certificates/{certificate}/"),
    Endpoint("campaigns list", "/api/v1/campaigns/"),
    Endpoint("campaign detail", "/api/v1/campaigns/{campaign}/"),
    # A unit's ranked list for MIIT's latest campaign (the province's own; MIIT: every list
    # submitted to it).
    Endpoint("recommendation lists", "/api/v1/recommendations/?campaign={national_campaign}"),
    # The public registry (no sign-in): the lookup by credit code (the same code again and
    # again, then thousands of codes in turn, each seen about once), and the verification of a
    # certificate by its printed token.
    Endpoint("registry lookup", "/api/v1/registry/?uscc={uscc}", principals=("anonymous",)),
    Endpoint(
        "registry lookup, many codes",
        "/api/v1/registry/?uscc={uscc}",
        principals=("anonymous",),
        spread=("uscc", "registry_usccs"),
    ),
    Endpoint(
        "registry verify",
        "/api/v1/registry/certificates/{certificate_number}/?t={certificate_token}",
        principals=("anonymous",),
    ),
)


@dataclass(frozen=True)
class ProbeRow:
    """The answer to one request of an endpoint before the load (``body``: when not 200)."""

    name: str
    principal: str
    path: str
    status: int
    milliseconds: float
    queries: int | None
    body: str


# --- Django -----------------------------------------------------------------------------------


def portal_environment(config: Config, secret_key: str) -> dict[str, str]:
    """The environment of the portal in production, on local HTTP (no TLS redirect, no secure
    cookies) and with the bench settings. The anonymous rate limit is lifted so that public
    endpoints are measured, not throttled."""
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "API_ANON_RATE": "1000000/second",
        "API_USER_RATE": "1000000/second",
    }


def setup_django(environment: Mapping[str, str]) -> None:
    os.environ.update(environment)
    import django

    django.setup()


def generated_data_missing() -> str | None:
    """Why the database cannot be benchmarked, or None when it holds generated data."""
    from django.db import DatabaseError

    from demo.national import already_generated

    try:
        return None if already_generated() else "it holds no generated national data"
    except DatabaseError as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"


def how_to_generate(database_url: str, reason: str) -> str:
    parts = urlsplit(database_url)
    createdb = (
        f"createdb -h {parts.hostname or '127.0.0.1'} -p {parts.port or 5432} "
        f"-U {parts.username or 'postgres'} {parts.path.lstrip('/')}"
    )
    return (
        f"No benchmark data in {safe_url(database_url)} ({reason}). Make it with:\n"
        f"  {createdb}  # if it does not exist\n"
        f"  export DEBUG=1 DATABASE_URL={database_url}\n"
        "  python manage.py migrate && python manage.py load_reference_data "
        "&& python manage.py generate_national_data --scale 1.0\n"
        "then run the benchmark again."
    )


def prepare_principals() -> dict[str, str | None]:
    """The API token of each principal, creating the national reviewer if needed. Tokens are
    stored hashed, so each run creates a new one (and revokes the previous runs' ones). The
    provincial official is the generated one of Jiangsu."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import ApiToken, Role, User
    from accounts.services import api_token_create
    from regions.models import Authority

    authority = (
        Authority.objects.filter(level=Authority.Level.NATIONAL, kind=Authority.Kind.INDUSTRY_IT)
        .order_by("pk")
        .first()
    )
    if authority is None:
        raise BenchError("No national industry-and-IT authority: run load_reference_data.")
    reviewer, _created = User.objects.get_or_create(
        username=NATIONAL_USERNAME,
        defaults={
            "role": Role.MIIT_REVIEWER,
            "authority": authority,
            "password": make_password(None),
        },
    )
    if (reviewer.role, reviewer.authority_id, reviewer.is_active) != (
        Role.MIIT_REVIEWER,
        authority.pk,
        True,
    ):
        reviewer.role, reviewer.authority, reviewer.is_active = Role.MIIT_REVIEWER, authority, True
        reviewer.save(update_fields=["role", "authority", "is_active"])
    official = User.objects.filter(username=PROVINCIAL_USERNAME).first()
    if official is None:
        raise BenchError(f"No user {PROVINCIAL_USERNAME}: is the generated data complete?")
    principals = (("national", reviewer), ("provincial", official))
    ApiToken.objects.filter(user__in=[user for _name, user in principals], name="bench").delete()
    tokens: dict[str, str | None] = {
        name: api_token_create(user=user, name="bench")[1] for name, user in principals
    }
    tokens["anonymous"] = None
    return tokens


def pick_samples() -> dict[str, Any]:
    """Ids for the detail endpoints, all in Jiangsu: a basic certificate (its number and
    verification token too) and its application, factory, enterprise (and USCC) and the
    factory's latest assessment; an application at a step where the provincial department
    chooses experts. A sample that does not exist is left out (its endpoints are skipped).
    Only the columns needed are read."""
    from assessments.models import Assessment
    from certification.models import Application, Campaign, Certificate, Tier
    from certification.verification import certificate_token

    samples: dict[str, Any] = {}
    certificate = (
        Certificate.objects.filter(
            factory__city__province_id=SAMPLE_PROVINCE,
            tier=Tier.BASIC,
            status=Certificate.Status.ACTIVE,
        )
        .order_by("pk")
        .values(
            "pk",
            "number",
            "application_id",
            "factory_id",
            "factory__enterprise_id",
            "factory__enterprise__uscc",
        )
        .first()
    )
    if certificate is not None:
        samples.update(
            certificate=certificate["pk"],
            application=certificate["application_id"],
            factory=certificate["factory_id"],
            enterprise=certificate["factory__enterprise_id"],
            uscc=quote(certificate["factory__enterprise__uscc"]),
            certificate_number=quote(certificate["number"], safe=""),
            certificate_token=certificate_token(certificate["number"]),
        )
        assessment = (
            Assessment.objects.filter(factory_id=certificate["factory_id"])
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if assessment is not None:
            samples["assessment"] = assessment
    samples["registry_usccs"] = registry_usccs()
    campaigns = Campaign.objects.order_by("-year", "-pk")
    campaign = campaigns.values_list("pk", flat=True).first()
    if campaign is not None:
        samples["campaign"] = campaign
    national = (
        campaigns.filter(tier__in=(Tier.EXCELLENT, Tier.LEADING))
        .values_list("pk", flat=True)
        .first()
    )
    if national is not None:
        samples["national_campaign"] = national
    review = (
        Application.objects.filter(
            factory__city__province_id=SAMPLE_PROVINCE, status__in=EXPERT_CHOICE_STATES
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if review is not None:
        samples["review_application"] = review
    return samples


def registry_usccs(count: int = REGISTRY_CODES) -> list[str]:
    """Credit codes of enterprises with certificates, all over the country, in an order that
    is the same from run to run but unrelated to the lookup's indexes."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import MD5

    from certification.models import Certificate
    from factories.models import Enterprise

    certified = Certificate.objects.filter(factory__enterprise=OuterRef("pk"))
    codes = (
        Enterprise.objects.filter(Exists(certified))
        .order_by(MD5("uscc"))
        .values_list("uscc", flat=True)[:count]
    )
    return [quote(code) for code in codes]


def enterprise_count() -> int:
    from factories.models import Enterprise

    return Enterprise.objects.count()


def tables_never_analyzed() -> list[str]:
    """The large tables PostgreSQL has no current planner statistics for: never analyzed (say
    with autovacuum off after a bulk load), or analyzed before most of their rows arrived (by
    autovacuum during the load). Their plans, and so the figures, are not production's."""
    from django.db import connection

    from assessments.models import Answer, Assessment
    from certification.models import Application, Certificate
    from factories.models import Enterprise, Factory

    if connection.vendor != "postgresql":
        return []
    models = (Enterprise, Factory, Assessment, Answer, Application, Certificate)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND ((last_analyze IS NULL AND last_autoanalyze IS NULL) "
            "OR n_mod_since_analyze > n_live_tup / 2) ORDER BY relname",
            [[model._meta.db_table for model in models]],
        )
        return [row[0] for row in cursor.fetchall()]


def prepare_database() -> tuple[dict[str, str | None], dict[str, Any], int]:
    """The principals' tokens, the samples and the number of enterprises; a database error
    (a schema behind the code, say) stops the benchmark with its message."""
    from django.db import DatabaseError, connection

    try:
        unanalyzed = tables_never_analyzed()
        if unanalyzed:
            print(
                f"Warning: no current planner statistics: {', '.join(unanalyzed)}. "
                "Run ANALYZE on the database for production-like figures."
            )
        return prepare_principals(), pick_samples(), enterprise_count()
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise BenchError(
            f"Preparing the database failed ({first_line}); is it migrated to the code?"
        ) from exc
    finally:
        connection.close()  # the harness needs no connection during the load


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return int(stat.rsplit(")", 1)[1].split()[1])


def rss_megabytes(pid: int) -> float | None:
    """Resident memory of a process (VmRSS), in MB; None if it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


class Server:
    """gunicorn serving the portal with the bench settings on a free local port. A context
    manager: it is always stopped on leaving, on an error or Ctrl-C too."""

    def __init__(self, config: Config, environment: Mapping[str, str]) -> None:
        self.config = config
        self.environment = {**os.environ, **environment}
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"bench-http-gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--workers",
            str(self.config.workers),
            "--bind",
            f"{HOST}:{self.port}",
        ]
        with self.log_path.open("wb") as log:
            # Its own session: Ctrl-C reaches the harness only, which then stops the server.
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def fetch(self, path: str, token: str | None) -> Sample:
        return fetch(HOST, self.port, path, token, keep_body=True)

    def wait_ready(self, token: str | None, timeout: float = 60.0) -> None:
        """Wait until the floor view answers 200 (and the public one, to no token)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise BenchError(f"gunicorn exited; its log:\n{self.log_tail()}")
            sample = self.fetch(FLOOR_PATH, token)
            if sample.status == 200:
                self._check_public_floor()
                return
            if sample.status:
                raise BenchError(
                    f"The floor view answered {sample.status}: {excerpt(sample.body)}\n"
                    f"gunicorn log:\n{self.log_tail()}"
                )
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer in {timeout:.0f} s:\n{self.log_tail()}")

    def _check_public_floor(self) -> None:
        sample = self.fetch(PUBLIC_FLOOR_PATH, None)
        if sample.status != 200:
            raise BenchError(
                f"The public floor view answered {sample.status}: {excerpt(sample.body)}\n"
                f"gunicorn log:\n{self.log_tail()}"
            )

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        master = self.process.pid
        pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
        return sorted(pid for pid in pids if parent_pid(pid) == master)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to its process group if needed."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- probing and loading ----------------------------------------------------------------------


def excerpt(body: bytes, length: int = 200) -> str:
    return body.decode("utf-8", errors="replace")[:length].replace("\n", " ")


def build_jobs(
    config: Config, samples: Mapping[str, Any], tokens: Mapping[str, str | None]
) -> tuple[list[Job], list[str]]:
    """One job per endpoint and principal, and the endpoints skipped for want of a sample.
    A first page is kept when its second page is wanted, so that its ``next`` link is known."""
    jobs: list[Job] = []
    skipped: list[str] = []
    for endpoint in ENDPOINTS:
        if not (config.matches(endpoint.name) or config.matches(endpoint.name + PAGE_TWO)):
            continue
        try:
            path = endpoint.path.format(**samples)
        except KeyError as missing:
            skipped.append(f"{endpoint.name}: no sample {missing} in the database")
            continue
        paths: list[str] = []
        if endpoint.spread is not None:
            placeholder, key = endpoint.spread
            values = samples.get(key) or []
            if not values:
                skipped.append(f"{endpoint.name}: no sample {key!r} in the database")
                continue
            paths = [endpoint.path.format(**{**samples, placeholder: value}) for value in values]
            path = paths[0]
        for principal in endpoint.principals:
            token = tokens[principal]
            # An anonymous job is compared with the public floor, requested anonymously too.
            floor_path = FLOOR_PATH if token is not None else PUBLIC_FLOOR_PATH
            jobs.append(Job(endpoint.name, principal, path, token, floor_path, token, paths))
    return jobs, skipped


def second_page(job: Job, body: bytes) -> Job | None:
    """The job for the page behind the ``next`` link of a list's first page, if any."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    link = data.get("next") if isinstance(data, dict) else None
    if not isinstance(link, str) or not link:
        return None
    parts = urlsplit(link)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return replace(job, name=job.name + PAGE_TWO, path=path)


def probe_one(server: Server, job: Job) -> tuple[Sample, ProbeRow]:
    sample = server.fetch(job.path, job.token)
    row = ProbeRow(
        name=job.name,
        principal=job.principal,
        path=job.path,
        status=sample.status,
        milliseconds=round(sample.seconds * 1000, 1),
        queries=sample.queries,
        body="" if sample.status == 200 else excerpt(sample.body),
    )
    queries = "-" if row.queries is None else str(row.queries)
    print(
        f"  {row.status:3d}  {row.name:<30} {row.principal:<10} {row.milliseconds:8.1f} ms  "
        f"{queries:>3} queries  {row.path}"
    )
    if row.status != 200:
        print(f"       skipped: {row.body}")
    return sample, row


def probe(server: Server, config: Config, jobs: list[Job]) -> tuple[list[Job], list[ProbeRow]]:
    """Request every endpoint once, and each list's second page; the jobs that answered 200
    (and are wanted) are the ones to load. Nothing here raises for a failing endpoint."""
    print("Probe (one request each; an endpoint that does not answer 200 is skipped):")
    measured: list[Job] = []
    rows: list[ProbeRow] = []
    for job in jobs:
        sample, row = probe_one(server, job)
        rows.append(row)
        if sample.status != 200:
            continue
        if config.matches(job.name):
            measured.append(job)
        page = second_page(job, sample.body)
        if page is not None and config.matches(page.name):
            page_sample, page_row = probe_one(server, page)
            rows.append(page_row)
            if page_sample.status == 200:
                measured.append(page)
    if any(row.status >= 500 for row in rows):
        print(f"  (server errors: their tracebacks are in {server.log_path})")
    return measured, rows


def run_load(server: Server, config: Config, jobs: list[Job]) -> list[dict[str, Any]]:
    """Run the load generator in its own process and return its results (one per job)."""
    plan = Plan(
        host=HOST,
        port=server.port,
        clients=config.clients,
        seconds=config.seconds,
        rounds=config.rounds,
        warmup_seconds=config.warmup_seconds,
        jobs=jobs,
    )
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench.http.load"],
        input=json.dumps(asdict(plan)),
        stdout=subprocess.PIPE,
        text=True,
        cwd=BASE_DIR,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"The load generator failed (exit status {completed.returncode}).")
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results


# --- output -----------------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{decimals}f}"


def format_table(results: list[dict[str, Any]]) -> str:
    """One row per endpoint and principal (the figures are explained in the module docstring)."""
    width = max([len("endpoint"), *(len(r["name"]) for r in results)])
    header = (
        f"{'endpoint':<{width}}  {'principal':<10} {'queries':>7} {'req/s':>8} "
        f"{'floor req/s':>11} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        queries = r["queries"]
        lines.append(
            f"{r['name']:<{width}}  {r['principal']:<10} "
            f"{number(queries, 0 if queries is None or queries == int(queries) else 1):>7} "
            f"{number(r['requests_per_second']):>8} {number(r['floor_requests_per_second']):>11} "
            f"{number(r['ratio'], 2):>6} {number(r['p50_ms']):>8} {number(r['p95_ms']):>8} "
            f"{number(r['p99_ms']):>8} {r['errors']:>6}"
        )
    return "\n".join(lines)


def format_memory(rss: Mapping[int, float | None]) -> str:
    known = [value for value in rss.values() if value is not None]
    workers = ", ".join(f"{pid}: {number(value)}" for pid, value in rss.items())
    largest = number(max(known)) if known else "-"
    return f"gunicorn workers' resident memory (VmRSS, MB): {workers}; max {largest}"


def write_output(path: str, report: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"Results written to {path}")


# --- the run ----------------------------------------------------------------------------------


def describe(config: Config, enterprises: int, samples: Mapping[str, Any], jobs: int) -> None:
    print(
        f"HTTP benchmark: {safe_url(config.database_url)} ({enterprises} enterprises); "
        f"gunicorn {config.workers} workers, {config.clients} clients, {config.rounds} rounds "
        f"x (floor {config.seconds:g} s, endpoint {config.seconds:g} s), "
        f"{os.cpu_count()} CPUs shared by server, database and load."
    )
    print(
        f"Samples (province {SAMPLE_PROVINCE}): {summarized(samples)}; {jobs} endpoint x principal"
    )


def summarized(samples: Mapping[str, Any]) -> dict[str, Any]:
    """The samples, with a list of many values shown by its length."""
    return {
        key: f"<{len(value)} values>" if isinstance(value, list) else value
        for key, value in samples.items()
    }


def benchmark(config: Config, environment: Mapping[str, str]) -> dict[str, Any] | None:
    """The whole run; the report for BENCH_OUTPUT, or None when there is nothing to measure."""
    missing = generated_data_missing()
    if missing:
        print(how_to_generate(config.database_url, missing))
        return None
    tokens, samples, enterprises = prepare_database()
    jobs, skipped = build_jobs(config, samples, tokens)
    describe(config, enterprises, samples, len(jobs))
    for reason in skipped:
        print(f"  skipped {reason}")
    with Server(config, environment) as server:
        server.wait_ready(tokens["national"])
        measured, probes = probe(server, config, jobs)
        if not measured:
            print("Nothing to measure.")
            return None
        per_job = 2 * config.warmup_seconds + 2 * config.rounds * config.seconds
        print(
            f"Loading {len(measured)} endpoint x principal, about "
            f"{len(measured) * per_job / 60:.1f} min (gunicorn log: {server.log_path}):"
        )
        results = run_load(server, config, measured)
        rss = {pid: rss_megabytes(pid) for pid in server.worker_pids()}
    print()
    print(format_table(results))
    print()
    print(format_memory(rss))
    known = [value for value in rss.values() if value is not None]
    return {
        "database": safe_url(config.database_url),
        "config": {k: v for k, v in asdict(config).items() if k != "database_url"},
        "cpus": os.cpu_count(),
        "samples": summarized(samples),
        "skipped": skipped,
        "probe": [asdict(row) for row in probes],
        "results": results,
        "workers_rss_mb": {str(pid): value for pid, value in rss.items()},
        "max_rss_mb": max(known) if known else None,
    }


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # SIGTERM ends the run as Ctrl-C does: the load generator and gunicorn are stopped too.
    signal.signal(signal.SIGTERM, interrupt)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # in step with the load's progress (stderr)
    config = Config.from_env(os.environ)
    environment = portal_environment(config, secrets.token_urlsafe(50))
    setup_django(environment)
    try:
        report = benchmark(config, environment)
    except BenchError as exc:
        print(f"HTTP benchmark stopped: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("HTTP benchmark interrupted; gunicorn stopped.", file=sys.stderr)
        return 130
    if report is not None and config.output:
        write_output(config.output, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
