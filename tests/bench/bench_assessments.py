"""Benchmark: scoring the full illustrative set, and submitting an assessment.

Not a test: it prints figures and asserts nothing about time. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import scoring, selectors, services
from tests import model_factories as mf
from tests.assessments.conftest import answer_all, level_of

pytestmark = pytest.mark.django_db


def test_bench_scoring_full_illustrative_set():
    version = selectors.model_version_current()
    spec = selectors.model_spec_for(version, "discrete")
    answers = {r.code: (1 if level_of(r.code) <= 3 else 0.5) for r in spec.requirements}
    runs = []
    for _ in range(2000):
        start = time.perf_counter()
        scoring.score(spec, answers)
        runs.append(time.perf_counter() - start)
    runs.sort()
    print(
        f"\nscoring {len(spec.requirements)} requirements x 2000 runs: "
        f"median {statistics.median(runs) * 1000:.3f} ms, "
        f"p95 {runs[int(len(runs) * 0.95)] * 1000:.3f} ms, max {runs[-1] * 1000:.3f} ms"
    )


def test_bench_submit_queries_and_time():
    user = mf.UserFactory()
    timings, counts = [], []
    for _ in range(20):
        factory = mf.FactoryFactory()
        mf.member_of(user, factory.enterprise)
        assessment = services.assessment_start(actor=user, factory=factory)
        answer_all(assessment, user, value_for=lambda c: 1 if level_of(c) <= 2 else 0.8)
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            services.assessment_submit(actor=user, assessment=assessment)
            timings.append(time.perf_counter() - start)
        counts.append(len(queries))
    print(
        f"\nsubmit (full illustrative set, PostgreSQL): queries {min(counts)}-{max(counts)}, "
        f"median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
    )
