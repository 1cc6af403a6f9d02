"""Webhooks through the API (/api/v1/webhooks/): the secret shown once; a scope never beyond
the owner's; another user's subscription not found; the delivery log in bounded queries at
any page size; redelivery and enabling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import api_token_create
from regions.models import Authority
from tests import model_factories as mf
from tests.conftest import api_client_for
from webhooks import services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


def body(receiver, **values):
    return {
        "name": "ERP",
        "url": receiver.url("/erp"),
        "event_types": ["certificate.suspended", "publicity.opened"],
        **values,
    }


def test_create_answers_the_secret_once_and_lists_without_it(
    loopback_allowed, receiver, suzhou_official
):
    client = api_client_for(suzhou_official)
    created = client.post(
        URL, body(receiver, authority=suzhou_official.authority_id), format="json"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["secret"].startswith("whsec_") and "no-store" in created["Cache-Control"]
    assert data["event_types"] == ["certificate.suspended", "publicity.opened"]
    assert (data["authority"], data["enterprise"], data["is_active"]) == (
        suzhou_official.authority_id,
        None,
        True,
    )
    stored = WebhookSubscription.objects.get(pk=data["id"])
    assert stored.secret == data["secret"] and stored.owner == suzhou_official
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]
    assert "secret" not in listed["results"][0]
    assert "secret" not in client.get(f"{URL}{data['id']}/").json()


def test_an_api_token_subscribes_as_its_owner(loopback_allowed, receiver, enterprise_user):
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    secret = api_token_create(user=enterprise_user, name="erp")[1]
    from rest_framework.test import APIClient

    client = APIClient(HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.post(URL, body(receiver, enterprise=enterprise.pk), format="json")
    assert response.status_code == 201, response.content
    assert WebhookSubscription.objects.get().owner == enterprise_user


@pytest.mark.parametrize(
    ("who", "scope", "field"),
    [
        ("suzhou", {"authority": "32-industry-it"}, "authority"),  # the province: above a city
        ("suzhou", {"authority": "320200-industry-it"}, "authority"),  # a neighbouring city
        ("jiangsu", {"authority": "33-industry-it"}, "authority"),  # another province
        ("jiangsu", {"authority": "miit"}, "authority"),  # national
        ("enterprise", {"authority": "320500-industry-it"}, "authority"),
        ("enterprise", {"enterprise": "other"}, "enterprise"),
        ("wuxi", {"enterprise": "suzhou"}, "enterprise"),  # not in Wuxi
        ("suzhou", {}, "authority"),  # no scope
        ("suzhou", {"authority": "320500-industry-it", "enterprise": "suzhou"}, "authority"),
        ("expert", {"enterprise": "suzhou"}, "enterprise"),
        ("suzhou", {"authority": 99999999}, "authority"),  # unknown
    ],
)
def test_a_scope_beyond_the_owners_is_refused_at_the_field(
    loopback_allowed, receiver, english, enterprise_user, who, scope, field
):
    suzhou_enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, suzhou_enterprise)
    other = mf.EnterpriseFactory()
    users = {
        "suzhou": lambda: mf.official(Role.CITY_OFFICIAL, "320500-industry-it"),
        "wuxi": lambda: mf.official(Role.CITY_OFFICIAL, "320200-industry-it"),
        "jiangsu": lambda: mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it"),
        "enterprise": lambda: enterprise_user,
        "expert": lambda: mf.UserFactory(role=Role.EXPERT),
    }
    values = {}
    for key, value in scope.items():
        if key == "authority":
            values[key] = value if isinstance(value, int) else Authority.objects.get(code=value).pk
        else:
            values[key] = {"suzhou": suzhou_enterprise, "other": other}[value].pk
    response = api_client_for(users[who]()).post(URL, body(receiver, **values), format="json")
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "invalid" and list(data["fields"]) == [field], data
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("who", "authority"),
    [
        ("suzhou", "320500-industry-it"),
        ("jiangsu", "32-industry-it"),
        ("jiangsu", "320200-industry-it"),  # a city of the province
        ("miit", "320200-industry-it"),
        ("miit", "miit"),
    ],
)
def test_a_scope_within_the_owners_is_accepted(loopback_allowed, receiver, who, authority):
    user = {
        "suzhou": lambda: mf.official(Role.CITY_OFFICIAL, "320500-industry-it"),
        "jiangsu": lambda: mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it"),
        "miit": lambda: mf.official(Role.MIIT_REVIEWER, "miit"),
    }[who]()
    pk = Authority.objects.get(code=authority).pk
    response = api_client_for(user).post(URL, body(receiver, authority=pk), format="json")
    assert response.status_code == 201, response.content


def test_urls_are_checked_at_the_field(receiver, suzhou_official, english, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    client = api_client_for(suzhou_official)
    refused = client.post(
        URL, body(receiver, authority=suzhou_official.authority_id), format="json"
    )
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["url"]
    assert "loopback" in refused.json()["fields"]["url"][0]
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    refused = client.post(
        URL, body(receiver, authority=suzhou_official.authority_id), format="json"
    )
    assert refused.status_code == 400 and "https://" in refused.json()["fields"]["url"][0]
    unknown = client.post(
        URL,
        {**body(receiver, authority=suzhou_official.authority_id), "event_types": ["x.y"]},
        format="json",
    )
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["event_types[0]"]


def _delivery(subscription, status="delivered", attempts=2) -> WebhookDelivery:
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_key=f"test:{WebhookDelivery.objects.count()}",
        event_type="certificate.suspended",
        payload={"type": "certificate.suspended", "timestamp": "t", "data": {"number": "X"}},
        status=status,
        attempts=attempts,
        retry_until=now + timedelta(hours=24),
        delivered_at=now if status == "delivered" else None,
    )
    WebhookAttempt.objects.bulk_create(
        WebhookAttempt(
            delivery=delivery,
            attempted_at=now + timedelta(seconds=i),
            response_code=500 if i < attempts - 1 else 200,
            latency_ms=10 + i,
        )
        for i in range(attempts)
    )
    return delivery


@pytest.fixture
def subscription(loopback_allowed, receiver, suzhou_official) -> WebhookSubscription:
    created, secret = services.webhook_subscription_create(
        owner=suzhou_official,
        name="ERP",
        url=receiver.url("/erp"),
        event_types=["certificate.suspended"],
        authority_id=suzhou_official.authority_id,
    )
    receiver.secrets["/erp"] = secret
    return created


def test_another_users_subscription_is_not_found(subscription, wuxi_official, suzhou_official):
    delivery = _delivery(subscription)
    stranger = api_client_for(mf.official(Role.CITY_OFFICIAL, "320500-industry-it"))
    base = f"{URL}{subscription.pk}/"
    for method, path, data in [
        ("get", base, None),
        ("patch", base, {"name": "mine now"}),
        ("delete", base, None),
        ("get", f"{base}deliveries/", None),
        ("post", f"{base}deliveries/{delivery.pk}/redeliver/", None),
        ("post", f"{base}enable/", None),
        ("post", f"{base}disable/", None),
    ]:
        response = getattr(stranger, method)(path, data, format="json")
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["code"] == "not_found"
    assert stranger.get(URL).json()["results"] == []
    subscription.refresh_from_db()
    assert subscription.name == "ERP" and subscription.is_active
    # The owner reaches each of them; a delivery of another subscription is not found.
    owner = api_client_for(suzhou_official)
    assert owner.get(base).status_code == 200
    theirs = services.webhook_subscription_create(
        owner=wuxi_official,
        name="x",
        url=subscription.url,
        event_types=["certificate.suspended"],
        authority_id=wuxi_official.authority_id,
    )[0]
    foreign = _delivery(theirs)
    assert owner.post(f"{base}deliveries/{foreign.pk}/redeliver/").status_code == 404


def test_update_and_delete(subscription, suzhou_official, english):
    client = api_client_for(suzhou_official)
    base = f"{URL}{subscription.pk}/"
    changed = client.patch(
        base, {"name": "ERP 2", "event_types": ["publicity.closed"]}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "ERP 2" and changed.json()["event_types"] == [
        "publicity.closed"
    ]
    wider = client.patch(
        base, {"authority": Authority.objects.get(code="32-industry-it").pk}, format="json"
    )
    assert wider.status_code == 400 and list(wider.json()["fields"]) == ["authority"]
    assert client.put(base, {"name": "x"}, format="json").status_code == 405
    assert client.delete(base).status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_redeliver_sends_the_same_message_again(
    subscription, receiver, suzhou_official, django_capture_on_commit_callbacks
):
    delivery = _delivery(subscription, status="failed", attempts=3)
    client = api_client_for(suzhou_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["message_id"] == delivery.message_id
    assert (data["status"], data["attempts"]) == ("pending", 0)  # as it was answered
    # The task ran (eagerly) once the request committed.
    (request,) = receiver.received
    assert request.valid and request.headers["webhook-id"] == delivery.message_id
    assert request.json == delivery.payload
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 4  # the log keeps all

    # Disabled: refused until enabled again.
    client.post(f"{URL}{subscription.pk}/disable/")
    refused = client.post(f"{URL}{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    assert refused.status_code == 409 and refused.json()["code"] == "webhook_disabled"
    enabled = client.post(f"{URL}{subscription.pk}/enable/")
    assert enabled.status_code == 200 and enabled.json()["is_active"] is True
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"{URL}{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 202 and len(receiver.received) == 2


def test_enabling_a_disabled_webhook_sends_its_waiting_deliveries(
    subscription, receiver, suzhou_official, django_capture_on_commit_callbacks
):
    client = api_client_for(suzhou_official)
    disabled = client.post(f"{URL}{subscription.pk}/disable/").json()
    assert disabled["is_active"] is False and disabled["disabled_reason"]
    waiting = _delivery(subscription, status="pending", attempts=0)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    from webhooks.tasks import deliver_due

    assert deliver_due() == 0  # disabled: nothing is attempted
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{URL}{subscription.pk}/enable/").status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == "delivered" and [r.valid for r in receiver.received] == [True]


@pytest.mark.parametrize("count", [3, 30])
def test_the_delivery_log_reads_in_bounded_queries(
    subscription, suzhou_official, count, django_assert_max_num_queries
):
    for _ in range(count):
        _delivery(subscription, attempts=3)
    client = api_client_for(suzhou_official)
    with django_assert_max_num_queries(4):  # the subscription, the page, the attempts (+ spare)
        response = client.get(f"{URL}{subscription.pk}/deliveries/", {"page_size": 50})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == count and response.json()["next"] is None
    assert [len(row["attempt_log"]) for row in rows] == [3] * count
    assert rows[0]["attempt_log"][-1] == {
        "attempted_at": rows[0]["attempt_log"][-1]["attempted_at"],
        "response_code": 200,
        "latency_ms": 12,
        "error": "",
    }


def test_the_delivery_log_pages_newest_first(subscription, suzhou_official):
    made = [_delivery(subscription, attempts=1).pk for _ in range(5)]
    client = api_client_for(suzhou_official)
    first = client.get(f"{URL}{subscription.pk}/deliveries/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == made[::-1]
    assert second["next"] is None
