"""From events to deliveries (webhooks.services.webhook_event_fanout, the outbox's handler):
the types subscribed, the scope, and what the owner may see now decide who gets an event; the
body is built once, with public facts only; running it again creates nothing twice."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from certification import services as certification_services
from certification.models import Application, AuditEvent, Certificate
from core.outbox import outbox_dispatch
from factories.models import Membership
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

NOWHERE = "http://127.0.0.1:9/hook"  # never posted to here: the delivery task is not run


def subscribe(owner, event_types, **scope) -> WebhookSubscription:
    return services.webhook_subscription_create(
        owner=owner, name="t", url=NOWHERE, event_types=event_types, **scope
    )[0]


def delivered_events(subscription) -> list[tuple[str, str, str]]:
    return [
        (
            d.event_type,
            d.payload["data"].get("from_state", ""),
            d.payload["data"].get("to_state", ""),
        )
        for d in WebhookDelivery.objects.filter(subscription=subscription).order_by(
            "created_at", "pk"
        )
    ]


def certified_filing(user, factory, media) -> Application:
    application = ready_basic(user, factory, media)
    certification_services.application_submit(actor=user, application=application)
    certification_services.application_run_checks(application_id=application.pk, submission=1)
    application.refresh_from_db()
    return application


def test_application_changes_go_to_the_scopes_that_hold_them_as_their_owners_see_them(
    loopback_allowed, enterprise_user, applicant, media, suzhou_official, wuxi_official
):
    types = ["application.state_changed", "certificate.issued"]
    mine = subscribe(enterprise_user, types, enterprise_id=applicant.enterprise_id)
    city = subscribe(suzhou_official, types, authority_id=suzhou_official.authority_id)
    wuxi = subscribe(wuxi_official, types, authority_id=wuxi_official.authority_id)
    province = Authority.objects.get(code="32-industry-it")
    national = mf.UserFactory(role="platform_admin")
    jiangsu = subscribe(national, ["certificate.issued"], authority_id=province.pk)

    application = certified_filing(enterprise_user, applicant, media)
    assert outbox_dispatch() > 0

    changes = [
        ("application.state_changed", e.from_status, e.to_status)
        for e in AuditEvent.objects.filter(application=application).order_by("at", "pk")
        if e.from_status != e.to_status
    ]
    certificate = Certificate.objects.get(application=application)
    issued = ("certificate.issued", "", "")
    assert ("application.state_changed", "", "draft") in changes
    assert ("application.state_changed", "draft", "submitted") in changes
    # The enterprise sees all of its application's changes and its certificate.
    assert sorted(delivered_events(mine)) == sorted([*changes, issued])
    # The city never saw the draft: its creation is not told to officials.
    assert sorted(delivered_events(city)) == sorted(
        [c for c in changes if c[2] != "draft"] + [issued]
    )
    assert delivered_events(wuxi) == []  # another city
    assert delivered_events(jiangsu) == [issued]  # the province holds Suzhou; types filter

    submitted = WebhookDelivery.objects.get(subscription=city, payload__data__to_state="submitted")
    event = AuditEvent.objects.get(application=application, to_status="submitted")
    assert submitted.payload["type"] == "application.state_changed"
    assert submitted.payload["data"] == {
        "id": application.pk,
        "factory": applicant.pk,
        "enterprise_uscc": applicant.enterprise.uscc,
        "tier": "basic",
        "from_state": "draft",
        "to_state": "submitted",
        "changed_at": submitted.payload["timestamp"],
    }
    assert submitted.payload["timestamp"].startswith(
        event.at.astimezone(ZoneInfo("UTC")).date().isoformat()
    )
    certificate_delivery = WebhookDelivery.objects.get(subscription=jiangsu)
    assert certificate_delivery.payload["data"]["number"] == certificate.number
    assert certificate_delivery.event_key == f"audit-event:{certificate.events.get().pk}"

    # The outbox may deliver a row twice (a crash before it is marked): nothing twice.
    before = WebhookDelivery.objects.count()
    for event in AuditEvent.objects.filter(application=application):
        assert services.webhook_event_fanout(audit_event_id=event.pk) == 0
    assert WebhookDelivery.objects.count() == before


def test_the_owners_scope_is_checked_again_when_the_event_happens(
    loopback_allowed,
    certificate,
    enterprise_user,
    suzhou_official,
    django_capture_on_commit_callbacks,
):
    types = ["certificate.suspended", "certificate.reinstated"]
    mine = subscribe(enterprise_user, types, enterprise_id=certificate.factory.enterprise_id)
    city = subscribe(suzhou_official, types, authority_id=suzhou_official.authority_id)

    certification_services.certificate_suspend(
        actor=suzhou_official, certificate=certificate, reason="逾期"
    )
    outbox_dispatch()
    assert len(delivered_events(mine)) == len(delivered_events(city)) == 1

    # The user leaves the enterprise: its events are no longer theirs to receive.
    Membership.objects.filter(user=enterprise_user).delete()
    suzhou_official.authority = Authority.objects.get(code="320200-industry-it")  # moved to Wuxi
    suzhou_official.save(update_fields=["authority"])
    certification_services.certificate_reinstate(
        actor=mf.official("city_official", "320500-industry-it"),
        certificate=certificate,
        reason="已补交",
    )
    outbox_dispatch()
    assert len(delivered_events(mine)) == len(delivered_events(city)) == 1


def test_an_event_before_the_subscription_or_of_an_inactive_one_is_not_sent(
    loopback_allowed, certificate, suzhou_official
):
    event = certificate.events.get(event_type="issue")
    late = subscribe(
        suzhou_official, ["certificate.issued"], authority_id=suzhou_official.authority_id
    )
    assert services.webhook_event_fanout(audit_event_id=event.pk) == 0
    WebhookSubscription.objects.filter(pk=late.pk).update(created_at=event.at)
    services.webhook_subscription_disable(actor=suzhou_official, subscription_id=late.pk)
    assert services.webhook_event_fanout(audit_event_id=event.pk) == 0
    services.webhook_subscription_enable(actor=suzhou_official, subscription_id=late.pk)
    assert services.webhook_event_fanout(audit_event_id=event.pk) == 1
    assert services.webhook_event_fanout(audit_event_id=event.pk) == 0


SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_publicity_list_is_sent_with_the_entries_in_scope(
    loopback_allowed, enterprise_user, media, suzhou_official
):
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)):
        suzhou = mf.FactoryFactory(city_id="320500")
        mf.member_of(enterprise_user, suzhou.enterprise)
        other = mf.FactoryFactory(city_id="320500")
        other_user = mf.UserFactory()
        mf.member_of(other_user, other.enterprise)
        first = certified_filing(enterprise_user, suzhou, media)
        second = certified_filing(other_user, other, media)
        types = ["publicity.opened", "publicity.closed"]
        city = subscribe(suzhou_official, types, authority_id=suzhou_official.authority_id)
        mine = subscribe(enterprise_user, types, enterprise_id=suzhou.enterprise_id)
        publicity = certification_services.publicity_publish_filings(actor=suzhou_official)
        outbox_dispatch()

    (to_city,) = WebhookDelivery.objects.filter(subscription=city)
    assert to_city.event_type == "publicity.opened"
    assert to_city.event_key == f"publicity:{publicity.pk}:publicity.opened"
    data = to_city.payload["data"]
    assert (data["id"], data["tier"], data["authority"]) == (
        publicity.pk,
        "basic",
        "320500-industry-it",
    )
    assert data["starts_on"] == date(2026, 6, 1).isoformat()
    assert data["ends_on"] == publicity.ends_on.isoformat()
    assert {e["application"] for e in data["entries"]} == {first.pk, second.pk}
    # The enterprise's body names its own entry only.
    (to_enterprise,) = WebhookDelivery.objects.filter(subscription=mine)
    assert [e["application"] for e in to_enterprise.payload["data"]["entries"]] == [first.pk]

    # The close (the deadline sweep's outbox row) is handled the same way, once.
    assert services.webhook_event_fanout(publicity_id=publicity.pk, event="publicity.closed") == 2
    assert services.webhook_event_fanout(publicity_id=publicity.pk, event="publicity.closed") == 0
    assert services.webhook_event_fanout(publicity_id=publicity.pk, event="publicity.other") == 0
