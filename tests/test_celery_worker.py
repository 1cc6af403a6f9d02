"""A real Celery worker on Redis runs a task queued by a service after commit: the outbox's
dispatcher, delivering the side effect written with the registration."""

from __future__ import annotations

import time

import pytest

from accounts.models import Notification
from core.models import OutboxMessage
from factories import services
from factories.models import Industry
from regions.models import City
from tests import model_factories as mf


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
    # Through the outbox: written with the registration, delivered by the worker's dispatcher.
    message = OutboxMessage.objects.get(payload={"enterprise_id": enterprise.pk})
    assert message.kind == "enterprise_registered" and message.delivered_at is not None
