"""The lapse sweep in a real Celery worker killed with SIGKILL half-way (issue 13): the
batches it committed stay done, the one it was in leaves nothing, and a new worker running the
sweep again finishes the rest. Every certificate is suspended once, with one audit event and
one notice, and none twice."""

from __future__ import annotations

import copy
import os
import signal
import time
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from assessments.models import Assessment
from certification.models import Application, AuditEvent, Certificate, Deadline
from certification.services.deadlines import lapse_deadlines_refresh
from certification.tasks import sweep_deadlines
from core.models import OutboxMessage
from factories.models import Factory
from tests.certification.helpers import certified_basic
from tests.conftest import celery_worker_start, celery_worker_stop

COUNT = 1500
BATCH = "15"
LAPSE = Deadline.Kind.ASSESSMENT_LAPSE


def _clones(instance, count: int, **per_copy):
    """``count`` unsaved copies of a saved row, each with the values ``per_copy`` gives it."""
    rows = []
    for i in range(count):
        row = copy.copy(instance)
        row.pk = row.id = None
        for name, make in per_copy.items():
            setattr(row, name, make(i))
        rows.append(row)
    return rows


def _certified_factories(application: Application, count: int) -> None:
    """``count`` more factories like the application's, each certified on an assessment that
    expired yesterday (written in bulk: this test is about the sweep, not the certifying)."""
    factory = application.factory
    factories = Factory.objects.bulk_create(
        _clones(factory, count, name=lambda i: f"停产测试工厂{i}")
    )
    assessment = Assessment.objects.get(pk=application.assessment_id)
    assessments = Assessment.objects.bulk_create(
        _clones(assessment, count, factory_id=lambda i: factories[i].pk)
    )
    applications = Application.objects.bulk_create(
        _clones(
            application,
            count,
            factory_id=lambda i: factories[i].pk,
            assessment_id=lambda i: assessments[i].pk,
        )
    )
    certificate = Certificate.objects.get(application=application)
    Certificate.objects.bulk_create(
        _clones(
            certificate,
            count,
            factory_id=lambda i: factories[i].pk,
            application_id=lambda i: applications[i].pk,
            number=lambda i: f"{certificate.number}-K{i:05d}",
        )
    )
    Assessment.objects.filter(factory__enterprise=factory.enterprise).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    lapse_deadlines_refresh()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_mid_way_loses_nothing_and_repeats_nothing(
    request, enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = certified_basic(
        enterprise_user, applicant, media, django_capture_on_commit_callbacks
    )
    celery_queue = request.getfixturevalue("celery_queue")  # tasks go to a worker from here
    _certified_factories(application, COUNT)
    total = COUNT + 1
    due = Deadline.objects.filter(kind=LAPSE, next_on__lte=timezone.localdate())
    assert due.count() == total

    worker = celery_worker_start(celery_queue, DEADLINE_SWEEP_BATCH_SIZE=BATCH)
    try:
        sweep_deadlines.delay(LAPSE)
        stop = time.monotonic() + 60
        while time.monotonic() < stop and due.count() > total * 0.7:
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        if worker.poll() is None:
            celery_worker_stop(worker)
    left = due.count()
    assert 0 < left < total, f"the worker was not killed half-way ({left} of {total} left)"
    suspended = Certificate.objects.filter(status=Certificate.Status.SUSPENDED).count()
    assert suspended == total - left  # each committed batch whole, the cut one not at all

    worker = celery_worker_start(celery_queue, DEADLINE_SWEEP_BATCH_SIZE=BATCH)
    try:
        sweep_deadlines.delay(LAPSE)
        stop = time.monotonic() + 120
        while time.monotonic() < stop and due.count():
            time.sleep(0.1)
    finally:
        celery_worker_stop(worker)
    assert due.count() == 0
    assert Certificate.objects.filter(status=Certificate.Status.SUSPENDED).count() == total
    events = AuditEvent.objects.filter(event_type="suspend")
    assert events.count() == total
    assert not events.values("certificate").annotate(n=Count("pk")).filter(n__gt=1).exists()
    notices = OutboxMessage.objects.filter(kind="deadline_notice", payload__act="lapse")
    assert notices.count() == total
    assert notices.values("payload__deadline_id").distinct().count() == total
    grace = Deadline.objects.filter(kind=Deadline.Kind.SUSPENSION_GRACE)
    assert grace.count() == total
