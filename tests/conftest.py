"""Shared fixtures. The suite runs against real PostgreSQL and Redis (see Makefile)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from config.celery import app as celery_app
from core import refcache
from tests import model_factories as mf


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data is loaded once into the test database, as in production."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def reference_data(db):
    """For transactional tests, whose database is flushed between tests: load it again."""
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_client_for(user, language: str = "en") -> APIClient:
    """An API client authenticated as ``user``; messages in English unless asked otherwise."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


@pytest.fixture
def english():
    """Messages in English for assertions on their wording (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise_user(db):
    return mf.UserFactory(role=Role.ENTERPRISE_USER)


@pytest.fixture
def suzhou_official(db):
    return mf.official(Role.CITY_OFFICIAL, "320500-industry-it")


@pytest.fixture
def jiangsu_official(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")


@pytest.fixture
def miit_reviewer(db):
    return mf.official(Role.MIIT_REVIEWER, "miit")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Chinese), as a request does: one that switched
    the thread's language (a page in English, say) never leaves it to the next."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_reference_cache():
    """Each test's database is rolled back or flushed: nothing it loaded may outlive it."""
    refcache.clear()
    yield
    refcache.clear()


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test keys the shared cache under its own prefix: throttle counters and other cached
    values of one test (or of another test process on the same Redis) never reach another."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROOT = Path(__file__).resolve().parent.parent


def celery_worker_start(queue: str, **extra_env: str) -> subprocess.Popen:
    """Start ``celery worker`` on ``queue`` against the test database; returns once it
    answers a ping. The caller stops it."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra_env,
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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=0.5)
        if replies:
            return worker
        if worker.poll() is not None:
            pytest.fail(f"worker exited: {worker.stdout.read() if worker.stdout else ''}")
    worker.kill()
    pytest.fail("the Celery worker did not answer within 60 s")


def celery_worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=20)


@pytest.fixture
def celery_queue(reference_data):
    """A private queue the project's tasks go to (not run eagerly) during the test."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a running Redis for this test")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved


@pytest.fixture
def celery_worker_process(celery_queue):
    """A ``celery worker`` on the test's private queue against the test database; stopped
    after the test."""
    worker = celery_worker_start(celery_queue)
    try:
        yield worker
    finally:
        celery_worker_stop(worker)
