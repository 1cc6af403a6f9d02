"""The webhook settings page (/webhooks/): in Chinese and English, a subscription made from the
form (its secret shown on that answer only, errors at their fields), and the delivery log with
its attempts and actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests import model_factories as mf
from webhooks import services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def browser(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, url: str, data: dict):
    page = client.get("/webhooks/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, "the page has a CSRF token"
    return client.post(url, {**data, "csrfmiddlewaretoken": token.group(1)})


@pytest.mark.parametrize(("language", "registry"), [("zh-hans", "公开查询"), ("en", "Registry")])
def test_the_page_renders_in_each_language(enterprise_user, language, registry):
    enterprise = mf.EnterpriseFactory(name="苏州测试企业")
    mf.member_of(enterprise_user, enterprise)
    response = browser(enterprise_user, language).get("/webhooks/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert registry in html  # the layout in that language
    assert 'href="/webhooks/"' in html  # linked in the navigation
    # The form: each event type, and the user's own enterprise as the only scope.
    for value in ("application.state_changed", "certificate.revoked", "publicity.closed"):
        assert f'value="{value}"' in html
    assert re.findall(r'<option value="([a-z]+:\d+)"', html) == [f"enterprise:{enterprise.pk}"]


def test_the_page_needs_a_sign_in():
    response = Client().get("/webhooks/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_subscription_is_made_from_the_form_and_its_secret_shown_once(
    loopback_allowed, receiver, suzhou_official
):
    client = browser(suzhou_official, "en")
    page = client.get("/webhooks/").content.decode()
    scopes = re.findall(r'<option value="(authority:\d+)"', page)
    assert scopes == [f"authority:{suzhou_official.authority_id}"]  # a city: its own bureau
    response = csrf_post(
        client,
        "/webhooks/",
        {
            "name": "ERP",
            "url": receiver.url("/erp"),
            "event_types": ["certificate.suspended", "certificate.revoked"],
            "scope": scopes[0],
        },
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.owner == suzhou_official
    assert subscription.event_types == ["certificate.suspended", "certificate.revoked"]
    assert subscription.authority_id == suzhou_official.authority_id
    html = response.content.decode()
    assert subscription.secret in html and f'href="/webhooks/{subscription.pk}/"' in html
    again = client.get("/webhooks/").content.decode()
    assert subscription.secret not in again and "ERP" in again


def test_errors_are_shown_at_their_fields(receiver, suzhou_official, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    client = browser(suzhou_official, "en")
    response = csrf_post(
        client,
        "/webhooks/",
        {
            "name": "ERP",
            "url": receiver.url("/erp"),
            "event_types": ["certificate.suspended"],
            "scope": f"authority:{suzhou_official.authority_id}",
        },
    )
    assert response.status_code == 200 and not WebhookSubscription.objects.exists()
    html = response.content.decode()
    url_input = re.search(r'<input[^>]*name="url"[^>]*>', html).group(0)
    assert "is-invalid" in url_input
    assert "loopback" in html
    # A scope that is not offered is refused by the form; no event type chosen, likewise.
    response = csrf_post(
        client,
        "/webhooks/",
        {"name": "ERP", "url": "https://8.8.8.8/x", "scope": "authority:1"},
    )
    html = response.content.decode()
    assert "is-invalid" in re.search(r'<select[^>]*name="scope"[^>]*>', html).group(0)
    assert not WebhookSubscription.objects.exists()


def test_csrf_is_required(loopback_allowed, receiver, suzhou_official):
    response = browser(suzhou_official, "en").post(
        "/webhooks/",
        {
            "name": "ERP",
            "url": receiver.url("/erp"),
            "event_types": ["certificate.suspended"],
            "scope": f"authority:{suzhou_official.authority_id}",
        },
    )
    assert response.status_code == 403 and not WebhookSubscription.objects.exists()


def test_the_delivery_log_shows_attempts_and_sends_again(
    loopback_allowed, receiver, suzhou_official, django_capture_on_commit_callbacks
):
    subscription, secret = services.webhook_subscription_create(
        owner=suzhou_official,
        name="ERP",
        url=receiver.url("/erp"),
        event_types=["certificate.suspended"],
        authority_id=suzhou_official.authority_id,
    )
    receiver.secrets["/erp"] = secret
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_key="test:1",
        event_type="certificate.suspended",
        payload={"type": "certificate.suspended", "timestamp": "t", "data": {}},
        status="failed",
        attempts=2,
        retry_until=now,
    )
    WebhookAttempt.objects.create(
        delivery=delivery, attempted_at=now, response_code=503, latency_ms=1234
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now + timedelta(minutes=1),
        latency_ms=10000,
        error="timed out",
    )
    client = browser(suzhou_official, "en")
    html = client.get(f"/webhooks/{subscription.pk}/").content.decode()
    assert delivery.message_id in html
    assert "HTTP 503" in html and "1234 ms" in html and "timed out" in html
    assert f'action="/webhooks/{subscription.pk}/deliveries/{delivery.pk}/redeliver/"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(
            client, f"/webhooks/{subscription.pk}/deliveries/{delivery.pk}/redeliver/", {}
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and receiver.received[0].valid
    html = client.get(f"/webhooks/{subscription.pk}/").content.decode()
    assert "HTTP 200" in html

    # Disable and enable from the page; another user finds nothing.
    csrf_post(client, f"/webhooks/{subscription.pk}/disable/", {})
    subscription.refresh_from_db()
    assert not subscription.is_active
    csrf_post(client, f"/webhooks/{subscription.pk}/enable/", {})
    subscription.refresh_from_db()
    assert subscription.is_active
    stranger = browser(mf.official("city_official", "320500-industry-it"), "en")
    assert stranger.get(f"/webhooks/{subscription.pk}/").status_code == 404
    assert csrf_post(stranger, f"/webhooks/{subscription.pk}/delete/", {}).status_code == 404
    assert csrf_post(client, f"/webhooks/{subscription.pk}/delete/", {}).status_code == 302
    assert not WebhookSubscription.objects.exists()
