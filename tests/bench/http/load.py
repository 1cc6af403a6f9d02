"""The load generator of the HTTP benchmark, run as its own process so that its work does not
share an interpreter with the harness: ``python -m tests.bench.http.load < plan.json``.

It reads a plan (JSON on stdin, see ``Plan``), runs it, and writes one result per job (JSON on
stdout, see ``JobResult``); progress goes to stderr. Standard library only: it never imports
Django.

Each job is an endpoint requested as one principal. It is measured against the floor view in
interleaved rounds, so that both see the same machine: a short warm-up of each, then ``rounds``
times the floor for ``seconds`` and the endpoint for ``seconds``. In each phase ``clients``
threads send requests back to back, each on a new connection (gunicorn's sync workers close the
connection after every response anyway).
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

QUERIES_HEADER = "X-Bench-Queries"
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Sample:
    """One request: its status (0 when the connection failed), its latency from connecting to
    reading the last byte of the body, and the query count the server reported (if any)."""

    status: int
    seconds: float
    queries: int | None
    body: bytes = b""


@dataclass(frozen=True)
class Job:
    """An endpoint requested as a principal, and the floor request to compare it with.

    ``token`` is the principal's API token (None: anonymous). ``floor_token`` is the token the
    floor is requested with: the principal's own; an anonymous principal requests the public
    floor (``bench/floor/public/``) with no token.
    """

    name: str
    principal: str
    path: str
    token: str | None
    floor_path: str
    floor_token: str | None
    # When given, the endpoint's requests go through these paths in turn (``path`` is the
    # first), so that a cache keyed by the request sees mostly first visits.
    paths: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    host: str
    port: int
    clients: int
    seconds: float
    rounds: int
    warmup_seconds: float
    jobs: list[Job]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(**{**data, "jobs": [Job(**job) for job in data["jobs"]]})


@dataclass
class Phase:
    """What the requests of one phase (one path, ``clients`` threads, fixed time) gave."""

    samples: list[Sample] = field(default_factory=list)
    elapsed: float = 0.0


@dataclass(frozen=True)
class JobResult:
    """The figures of one job.

    - ``requests_per_second``: endpoint requests completed per second of the endpoint's phases,
      all clients together (non-200 answers included, see ``errors``).
    - ``floor_requests_per_second``: the same for the floor, in the same interleaved rounds.
    - ``ratio``: endpoint over floor; 1.0 means the endpoint costs what the framework costs.
    - ``p50_ms``, ``p95_ms``, ``p99_ms``: percentiles of the endpoint's latency under this load
      (connect to last byte), in milliseconds; ``floor_p50_ms`` the floor's median.
    - ``errors``: endpoint requests that did not answer 200 (status 0: connection failed);
      ``floor_errors`` the same for the floor.
    - ``queries``: median of the endpoint's ``X-Bench-Queries`` (SQL queries per request);
      ``floor_queries`` the floor's (its token authentication).
    - ``round_requests_per_second`` / ``round_floor_requests_per_second``: per round, to see
      how steady the figures are.
    """

    name: str
    principal: str
    path: str
    requests: int
    requests_per_second: float
    floor_requests_per_second: float
    ratio: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    floor_p50_ms: float | None
    errors: int
    floor_errors: int
    queries: float | None
    floor_queries: float | None
    round_requests_per_second: list[float]
    round_floor_requests_per_second: list[float]


def fetch(host: str, port: int, path: str, token: str | None, *, keep_body: bool = False) -> Sample:
    """One GET on a new connection. Never raises for a network error: status 0 instead."""
    headers = {"Accept": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = f"Token {token}"
    start = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        status, queries = response.status, response.getheader(QUERIES_HEADER)
    except (OSError, http.client.HTTPException) as exc:
        body, status, queries = f"{type(exc).__name__}: {exc}".encode(), 0, None
    finally:
        connection.close()
    seconds = time.perf_counter() - start
    count = int(queries) if queries and queries.isdigit() else None
    return Sample(status, seconds, count, body if keep_body else b"")


def run_phase(
    plan: Plan, path: str, token: str | None, seconds: float, paths: Iterator[str] | None = None
) -> Phase:
    """``plan.clients`` threads request ``path`` (or the next of ``paths`` each time) back to
    back until ``seconds`` have passed; requests in flight at the deadline are completed and
    counted."""
    phase = Phase()
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client() -> None:
        mine = []
        while time.perf_counter() < deadline:
            if paths is None:
                target = path
            else:
                with lock:
                    target = next(paths)
            mine.append(fetch(plan.host, plan.port, target, token))
        with lock:
            phase.samples.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(plan.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.elapsed = time.perf_counter() - start
    return phase


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def rate(phases: list[Phase]) -> float:
    """Requests completed per second over the phases."""
    elapsed = sum(phase.elapsed for phase in phases)
    return sum(len(phase.samples) for phase in phases) / elapsed if elapsed else 0.0


def median_queries(samples: list[Sample]) -> float | None:
    counts = [s.queries for s in samples if s.status == 200 and s.queries is not None]
    return statistics.median(counts) if counts else None


def milliseconds(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def summarize(job: Job, endpoint: list[Phase], floor: list[Phase]) -> JobResult:
    samples = [s for phase in endpoint for s in phase.samples]
    floor_samples = [s for phase in floor for s in phase.samples]
    latencies = sorted(s.seconds for s in samples)
    floor_latencies = sorted(s.seconds for s in floor_samples)
    endpoint_rate, floor_rate = rate(endpoint), rate(floor)
    return JobResult(
        name=job.name,
        principal=job.principal,
        path=job.path,
        requests=len(samples),
        requests_per_second=round(endpoint_rate, 1),
        floor_requests_per_second=round(floor_rate, 1),
        ratio=round(endpoint_rate / floor_rate, 3) if floor_rate else None,
        p50_ms=milliseconds(percentile(latencies, 0.50)),
        p95_ms=milliseconds(percentile(latencies, 0.95)),
        p99_ms=milliseconds(percentile(latencies, 0.99)),
        floor_p50_ms=milliseconds(percentile(floor_latencies, 0.50)),
        errors=sum(1 for s in samples if s.status != 200),
        floor_errors=sum(1 for s in floor_samples if s.status != 200),
        queries=median_queries(samples),
        floor_queries=median_queries(floor_samples),
        round_requests_per_second=[round(rate([phase]), 1) for phase in endpoint],
        round_floor_requests_per_second=[round(rate([phase]), 1) for phase in floor],
    )


def run_job(plan: Plan, job: Job) -> JobResult:
    """Warm-up, then ``plan.rounds`` × (floor, endpoint). A job with ``paths`` goes through
    them once, in order, across its phases (then again from the start)."""
    paths = itertools.cycle(job.paths) if job.paths else None
    if plan.warmup_seconds > 0:
        run_phase(plan, job.floor_path, job.floor_token, plan.warmup_seconds)
        run_phase(plan, job.path, job.token, plan.warmup_seconds, paths)
    floor: list[Phase] = []
    endpoint: list[Phase] = []
    for _ in range(plan.rounds):
        floor.append(run_phase(plan, job.floor_path, job.floor_token, plan.seconds))
        endpoint.append(run_phase(plan, job.path, job.token, plan.seconds, paths))
    return summarize(job, endpoint, floor)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    plan = Plan.from_json(json.load(sys.stdin))
    results = []
    for number, job in enumerate(plan.jobs, start=1):
        result = run_job(plan, job)
        progress(
            f"  [{number}/{len(plan.jobs)}] {job.name} as {job.principal}: "
            f"{result.requests_per_second} req/s, floor {result.floor_requests_per_second}"
        )
        results.append(asdict(result))
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
