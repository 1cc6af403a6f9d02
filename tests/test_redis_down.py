"""With Redis down (cache and broker at a port where nothing listens), the portal keeps reading
and writing, keeps queued side effects for later, and /healthz says what is down. Nothing is
mocked: the settings point at a closed port."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Notification
from config.celery import app as celery_app
from factories.models import Enterprise
from tests import model_factories as mf
from tests.factories.test_api import registration

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:6390/0"
PASSWORD = "pw-for-tests-1"


def point_cache_at(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def broker_at():
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)

    def forget_connections() -> None:
        # The connection pool and the producer pool (cached by an earlier test's publish) both
        # hold connections to the previous broker.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    def point(url: str, *, eager: bool = False) -> None:
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = eager
        forget_connections()

    yield point
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    forget_connections()


@pytest.fixture
def redis_down(settings, broker_at):
    point_cache_at(settings, CLOSED)
    broker_at(CLOSED)
    return broker_at


def test_sign_in_works_and_failures_still_count(redis_down, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = mf.UserFactory(username="someone")
    client = Client(REMOTE_ADDR="10.1.2.3")
    response = client.post("/accounts/login/", {"username": "someone", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    for _ in range(2):
        Client(REMOTE_ADDR="10.1.2.3").post(
            "/accounts/login/", {"username": "someone", "password": "wrong"}
        )
    locked = Client(REMOTE_ADDR="10.1.2.3").post(
        "/accounts/login/", {"username": "someone", "password": PASSWORD}
    )
    assert locked.status_code == 429


def test_the_throttled_schema_and_api_reads_answer(redis_down):
    assert APIClient().get("/api/schema/").status_code == 200
    user = mf.UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/me/").status_code == 200
    assert APIClient().get("/api/v1/me/").status_code == 401


def test_registration_succeeds_and_its_notification_waits_for_the_broker(
    redis_down, suzhou_official, django_capture_on_commit_callbacks
):
    from core.models import OutboxMessage
    from core.outbox import outbox_dispatch

    user = mf.UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/enterprises/", registration(), format="json")
    assert response.status_code == 201, response.content
    enterprise = Enterprise.objects.get(pk=response.json()["id"])
    # Written with the registration; the broker could not take the dispatcher on commit.
    kept = OutboxMessage.objects.get()
    assert (kept.kind, kept.payload) == ("enterprise_registered", {"enterprise_id": enterprise.pk})
    assert kept.delivered_at is None
    assert not Notification.objects.filter(recipient=suzhou_official).exists()

    # The broker is back: the periodic dispatch delivers it, once.
    redis_down("memory://", eager=True)
    assert outbox_dispatch() == 1
    assert outbox_dispatch() == 0
    assert OutboxMessage.objects.get().delivered_at is not None
    assert (
        Notification.objects.filter(
            recipient=suzhou_official, key=f"enterprise-registered:{enterprise.pk}"
        ).count()
        == 1
    )


def test_registration_through_the_page_succeeds(
    redis_down, reference_data, django_capture_on_commit_callbacks
):
    from core.models import OutboxMessage

    user = mf.UserFactory()
    client = Client()
    client.force_login(user)
    body = registration()
    factory = body.pop("factory")
    form = {**body, **{f"factory_{key}": value for key, value in factory.items()}}
    form["above_designated_size"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enterprises/register/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Enterprise.objects.filter(uscc=body["uscc"]).exists()
    assert OutboxMessage.objects.filter(kind="enterprise_registered", delivered_at=None).exists()


def test_healthz_says_what_is_down(redis_down):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"] == {"database": "ok", "cache": "down", "broker": "down"}


def test_healthz_when_all_is_up(settings, broker_at):
    point_cache_at(settings, settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    broker_at(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        "pending_tasks": 0,
        "outbox_waiting": 0,
    }


def test_the_registry_lookup_answers_from_the_database(redis_down, settings, tmp_path):
    """With Redis down, the public registry still answers (its anonymous throttle, kept in the
    cache, lets the request through) and a certificate can still be issued."""
    from certification import services
    from certification.models import Certificate
    from tests.certification.conftest import ready_basic

    settings.MEDIA_ROOT = tmp_path
    user = mf.UserFactory(role="enterprise_user")
    factory = mf.FactoryFactory()
    mf.member_of(user, factory.enterprise)
    application = ready_basic(user, factory, settings)
    services.application_submit(actor=user, application=application)
    services.application_run_checks(application_id=application.pk, submission=1)
    certificate = Certificate.objects.get(application=application)
    answer = APIClient().get(f"/api/v1/registry/?uscc={factory.enterprise.uscc}")
    assert answer.status_code == 200
    assert answer.json()["results"][0]["certificates"][0]["number"] == certificate.number
