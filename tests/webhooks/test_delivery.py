"""Deliveries to a real HTTP receiver on loopback (tests/webhooks/conftest.py), which checks
every signature with its own implementation of the published algorithm: a real event is
delivered signed, once per subscription that should have it; a receiver that fails twice gets
the same delivery three times and it is logged delivered once; deliveries wait out a broker
outage; an endpoint that fails for a day is disabled, its owner told, and enabled again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification
from certification import services as certification_services
from core.models import OutboxMessage
from core.outbox import outbox_dispatch
from tests.test_redis_down import CLOSED, broker_at  # noqa: F401  (fixture)
from tests.webhooks.conftest import signature_valid
from webhooks import services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from webhooks.tasks import deliver_due

pytestmark = pytest.mark.django_db


def subscribe(owner, receiver, path, event_types, **scope) -> WebhookSubscription:
    subscription, secret = services.webhook_subscription_create(
        owner=owner, name=path, url=receiver.url(path), event_types=event_types, **scope
    )
    receiver.secrets[path] = secret
    return subscription


def suspend(certificate, official, capture, reason="年度自评估逾期"):
    with capture(execute=True):
        certification_services.certificate_suspend(
            actor=official, certificate=certificate, reason=reason
        )


def test_a_real_event_reaches_each_subscribed_endpoint_signed(
    loopback_allowed,
    receiver,
    certificate,
    enterprise_user,
    suzhou_official,
    miit_reviewer,
    django_capture_on_commit_callbacks,
):
    city = subscribe(
        suzhou_official,
        receiver,
        "/city",
        ["certificate.suspended", "certificate.revoked"],
        authority_id=suzhou_official.authority_id,
    )
    mine = subscribe(
        enterprise_user,
        receiver,
        "/enterprise",
        ["certificate.suspended"],
        enterprise_id=certificate.factory.enterprise_id,
    )
    # Subscribed to other events only: sent nothing.
    subscribe(
        miit_reviewer,
        receiver,
        "/national",
        ["certificate.issued", "application.state_changed"],
        authority_id=miit_reviewer.authority_id,
    )

    suspend(certificate, suzhou_official, django_capture_on_commit_callbacks)

    assert sorted(r.path for r in receiver.received) == ["/city", "/enterprise"]
    assert all(r.valid and r.answered == 200 for r in receiver.received)
    for subscription, path in ((city, "/city"), (mine, "/enterprise")):
        (request,) = receiver.at(path)
        delivery = WebhookDelivery.objects.get(subscription=subscription)
        assert delivery.status == "delivered" and delivery.attempts == 1
        assert request.headers["webhook-id"] == delivery.message_id
        assert request.headers["content-type"] == "application/json"
        body = request.json
        assert body["type"] == "certificate.suspended"
        assert body["data"] == {
            "number": certificate.number,
            "tier": "basic",
            "status": "suspended",
            "factory": certificate.factory_id,
            "enterprise_uscc": certificate.factory.enterprise.uscc,
            "issued_on": certificate.issued_on.isoformat(),
            "status_changed_at": body["timestamp"],
        }
        (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
        assert attempt.response_code == 200 and attempt.latency_ms >= 0 and attempt.error == ""
    # Each endpoint has its own secret: the other's does not verify its request.
    (city_request,) = receiver.at("/city")
    assert not signature_valid(
        receiver.secrets["/enterprise"],
        city_request.headers,
        city_request.body,
        int(city_request.headers["webhook-timestamp"]),
    )
    # Running the outbox and the deliveries again sends nothing twice.
    OutboxMessage.objects.filter(kind="webhook_event").update(delivered_at=None)
    outbox_dispatch()
    assert deliver_due() == 0
    assert len(receiver.received) == 2 and WebhookDelivery.objects.count() == 2


def test_a_receiver_that_fails_twice_gets_the_same_delivery_three_times_and_one_success(
    loopback_allowed,
    receiver,
    certificate,
    suzhou_official,
    django_capture_on_commit_callbacks,
):
    subscription = subscribe(
        suzhou_official,
        receiver,
        "/flaky",
        ["certificate.suspended"],
        authority_id=suzhou_official.authority_id,
    )
    receiver.plan = [500, 500]

    suspend(certificate, suzhou_official, django_capture_on_commit_callbacks)  # run 1: 500
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == "pending" and delivery.attempts == 1
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=23) < wait < timedelta(seconds=37)  # 30 s ± 20 %
    assert deliver_due() == 0  # not due yet

    with time_machine.travel(timezone.now() + timedelta(seconds=40), tick=False):
        assert deliver_due() == 1  # run 2: 500
        delivery.refresh_from_db()
        wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=47) < wait < timedelta(seconds=73)  # 60 s ± 20 %
    with time_machine.travel(timezone.now() + timedelta(seconds=40 + 80), tick=False):
        assert deliver_due() == 1  # run 3: 200
        assert deliver_due() == 0

    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert delivery.next_attempt_at is None and delivery.delivered_at is not None
    codes = list(
        WebhookAttempt.objects.filter(delivery=delivery)
        .order_by("attempted_at", "pk")
        .values_list("response_code", flat=True)
    )
    assert codes == [500, 500, 200]
    assert WebhookDelivery.objects.filter(status="delivered").count() == 1
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery.message_id}
    assert all(r.valid for r in receiver.received)
    # Each attempt is signed anew (its own timestamp) over the same body.
    assert len({r.headers["webhook-timestamp"] for r in receiver.received}) == 3
    assert len({r.body for r in receiver.received}) == 1
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.is_active


def test_deliveries_wait_out_a_broker_outage(
    loopback_allowed,
    receiver,
    certificate,
    suzhou_official,
    broker_at,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    subscription = subscribe(
        suzhou_official,
        receiver,
        "/outage",
        ["certificate.suspended", "certificate.reinstated"],
        authority_id=suzhou_official.authority_id,
    )
    broker_at(CLOSED)
    suspend(certificate, suzhou_official, django_capture_on_commit_callbacks)
    # The suspension is committed; its webhook is an outbox row the broker could not dispatch.
    kept = OutboxMessage.objects.get(kind="webhook_event", delivered_at__isnull=True)
    assert not WebhookDelivery.objects.exists() and receiver.received == []

    # A worker that is still running dispatches the outbox: the delivery is made, but the
    # broker cannot take the task that would send it.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_dispatch() == 1
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == "pending" and receiver.received == []

    # The broker is back: the periodic run delivers it, once.
    broker_at("memory://", eager=True)
    assert deliver_due() == 1
    assert deliver_due() == 0
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [r.json["type"] for r in receiver.received] == ["certificate.suspended"]
    assert receiver.received[0].valid
    kept.refresh_from_db()
    assert kept.delivered_at is not None

    # An event while the broker is down and nothing runs: once it is back, dispatching the
    # outbox delivers it on commit.
    broker_at(CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        certification_services.certificate_reinstate(
            actor=suzhou_official, certificate=certificate, reason="已补交"
        )
    assert len(receiver.received) == 1
    broker_at("memory://", eager=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_dispatch() == 1
    assert [r.json["type"] for r in receiver.received] == [
        "certificate.suspended",
        "certificate.reinstated",
    ]
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def _run_until_settled(delivery: WebhookDelivery, limit: int = 200) -> int:
    """Run the task each time the delivery is due, until it is no longer pending."""
    runs = 0
    while delivery.status == "pending" and runs < limit:
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
            deliver_due()
        delivery.refresh_from_db()
        runs += 1
    return runs


def test_an_endpoint_failing_for_a_day_is_disabled_its_owner_told_and_enabled_again(
    loopback_allowed,
    receiver,
    certificate,
    suzhou_official,
    django_capture_on_commit_callbacks,
):
    loopback_allowed.WEBHOOK_DISABLE_AFTER_FAILURES = 5
    subscription = subscribe(
        suzhou_official,
        receiver,
        "/down",
        ["certificate.suspended", "certificate.reinstated"],
        authority_id=suzhou_official.authority_id,
    )
    receiver.plan = [503] * 1000
    started = timezone.now()
    suspend(certificate, suzhou_official, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    _run_until_settled(delivery)

    assert delivery.status == "failed" and delivery.next_attempt_at is None
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("attempted_at"))
    assert len(attempts) == delivery.attempts == len(receiver.received)
    assert all(a.response_code == 503 for a in attempts)
    # Retried for the day, no longer: the gaps grow to an hour, and the last attempt is inside.
    assert attempts[-1].attempted_at - started < timedelta(hours=24)
    assert attempts[-1].attempted_at - started > timedelta(hours=22)
    gaps = [b.attempted_at - a.attempted_at for a, b in zip(attempts, attempts[1:], strict=False)]
    # At most an hour +20 % jitter, plus the second _run_until_settled waits past each due time.
    assert max(gaps) <= timedelta(hours=1.2, seconds=1) and gaps[-1] >= timedelta(minutes=48)
    assert len(attempts) >= 20  # the default threshold is always reached within a day

    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at is not None
    assert subscription.consecutive_failures == len(attempts)
    note = Notification.objects.get(recipient=suzhou_official, key__startswith="webhook-disabled:")
    assert note.link == f"/webhooks/{subscription.pk}/"
    assert subscription.url in note.body

    # Disabled: a new event is not delivered to it.
    with django_capture_on_commit_callbacks(execute=True):
        certification_services.certificate_reinstate(
            actor=suzhou_official, certificate=certificate, reason="已补交"
        )
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1
    received = len(receiver.received)

    # The owner enables it and sends the failed delivery again: the receiver works now.
    receiver.plan = []
    services.webhook_subscription_enable(actor=suzhou_official, subscription_id=subscription.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_delivery_redeliver(
            actor=suzhou_official, subscription_id=subscription.pk, delivery_id=delivery.pk
        )
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert len(receiver.received) == received + 1
    assert receiver.received[-1].headers["webhook-id"] == delivery.message_id
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0


def test_a_burst_of_failures_disables_nothing_while_deliveries_are_still_retried(
    loopback_allowed,
    receiver,
    certificate,
    suzhou_official,
    django_capture_on_commit_callbacks,
):
    loopback_allowed.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    subscription = subscribe(
        suzhou_official,
        receiver,
        "/blip",
        ["certificate.suspended", "certificate.reinstated"],
        authority_id=suzhou_official.authority_id,
    )
    receiver.plan = [500, 500, 500, 500]
    suspend(certificate, suzhou_official, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        certification_services.certificate_reinstate(
            actor=suzhou_official, certificate=certificate, reason="已补交"
        )
    with time_machine.travel(timezone.now() + timedelta(seconds=40), tick=False):
        deliver_due()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 4  # above the threshold, yet nothing failed
    assert subscription.is_active
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        assert deliver_due() == 2
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.is_active


def test_an_address_that_became_private_is_refused_at_delivery(
    loopback_allowed,
    receiver,
    certificate,
    suzhou_official,
    django_capture_on_commit_callbacks,
):
    """Checked again before every attempt (a name can be made to point elsewhere later)."""
    subscription = subscribe(
        suzhou_official,
        receiver,
        "/moved",
        ["certificate.suspended"],
        authority_id=suzhou_official.authority_id,
    )
    loopback_allowed.WEBHOOK_ALLOW_PRIVATE_URLS = False
    suspend(certificate, suzhou_official, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.response_code is None and "127.0.0.1" in attempt.error
    assert delivery.status == "pending" and receiver.received == []


def test_an_attempt_connects_to_the_address_that_was_checked(receiver):
    """The request goes to the checked address, never to a second resolution of the name (here
    a name that resolves nowhere), while the Host header still names the host."""
    from webhooks.addresses import Endpoint
    from webhooks.transport import webhook_post

    port = int(receiver.base_url.rsplit(":", 1)[1])
    endpoint = Endpoint("http", "receiver.invalid", port, "/pinned?x=1", "127.0.0.1")
    result = webhook_post(endpoint, body=b"{}", headers={}, timeout=5)
    assert result.status == 401 and not result.ok  # unsigned: the receiver refuses it
    (request,) = receiver.received
    assert request.path == "/pinned?x=1"
    assert request.headers["host"] == f"receiver.invalid:{port}"
    # Nothing listens: no answer, and the error says why.
    closed = Endpoint("http", "receiver.invalid", 9, "/", "127.0.0.1")
    refused = webhook_post(closed, body=b"{}", headers={}, timeout=5)
    assert refused.status is None and "Connection" in refused.error
