"""A real Celery worker on Redis runs a task queued by a service after commit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Notification
from config.celery import app as celery_app
from factories import services
from factories.models import Industry
from regions.models import City
from tests import model_factories as mf

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def celery_worker_process(reference_data):
    """Start ``celery worker`` on a private queue against the test database; stop it after."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a running Redis for this test")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
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
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=0.5)
            if replies:
                break
            if worker.poll() is not None:
                pytest.fail(f"worker exited: {worker.stdout.read()}")
        else:
            pytest.fail("the Celery worker did not answer within 60 s")
        yield worker
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_registration_side_effect_runs_in_a_real_worker(celery_worker_process, reference_data):
    official = mf.official("city_official", "320500-industry-it")
    user = mf.UserFactory()
    enterprise = services.enterprise_register(
        actor=user,
        uscc=mf.make_uscc(),
        name="队列测试有限公司",
        city=City.objects.get(code="320500"),
        industry=Industry.objects.get(code="35"),
        above_designated_size=True,
        factory_name="队列工厂",
        factory_address="苏州",
        factory_city=City.objects.get(code="320500"),
    )
    key = f"enterprise-registered:{enterprise.pk}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Notification.objects.filter(key=key).exists():
        time.sleep(0.2)
    note = Notification.objects.get(key=key)
    assert note.recipient == official and "队列测试有限公司" in note.subject
