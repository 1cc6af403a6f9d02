"""Submission runs its checks in a real Celery worker; with the broker down it is still saved
and the periodic sweep checks it later."""

from __future__ import annotations

import time

import pytest

from certification import services, tasks
from certification.models import Application, CheckResult
from config.celery import app as celery_app
from tests import model_factories as mf
from tests.certification.conftest import ready_basic


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_submission_is_checked_by_a_real_worker(celery_worker_process, reference_data, media):
    user = mf.UserFactory()
    factory = mf.FactoryFactory()
    mf.member_of(user, factory.enterprise)
    application = ready_basic(user, factory, media, level=1)  # fails maturity_level
    services.application_submit(actor=user, application=application)
    assert wait_for(lambda: CheckResult.objects.filter(application=application).count() == 8)
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    failed = list(
        CheckResult.objects.filter(application=application, passed=False).values_list(
            "rule", flat=True
        )
    )
    assert failed == ["maturity_level"]


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where no broker listens (then restore it)."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app.conf.task_always_eager = False
    celery_app._pool = None  # forget connections to the real broker
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        celery_app._pool = None


@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_submission_and_the_sweep_checks_it(
    reference_data, media, broker_down
):
    user = mf.UserFactory()
    factory = mf.FactoryFactory()
    mf.member_of(user, factory.enterprise)
    application = ready_basic(user, factory, media)
    started = time.monotonic()
    services.application_submit(actor=user, application=application)  # commits, queue fails
    assert time.monotonic() - started < 10
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.submission == 1
    assert not CheckResult.objects.filter(application=application).exists()
    # The periodic task (run here directly, as beat would through a worker) picks it up.
    assert tasks.sweep_unchecked_applications.run() == 1
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED
    assert CheckResult.objects.filter(application=application, submission=1).count() == 8
