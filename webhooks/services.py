"""Writes of webhooks: subscriptions, the fan-out of events into deliveries (the outbox's
``webhook_event`` handler), the delivery of due deliveries, redelivery, and disabling an endpoint
that keeps failing.

Delivery (``webhooks_deliver_due``, the ``webhooks.deliver_due`` task): due deliveries are
claimed a few at a time in a short transaction (``SKIP LOCKED``; their next attempt is moved past
the time the batch may take, so a crashed worker's claim runs out), posted outside any
transaction, and each result recorded in a transaction of its own. A 2xx answer delivers; any
other answer, or none, is tried again after ``retry_delay`` (30 s doubling per attempt, at most an
hour, ±20 % jitter) until ``WEBHOOK_RETRY_HOURS`` after the series began, and then the delivery
has failed. When a delivery fails for good and the endpoint's last
``WEBHOOK_DISABLE_AFTER_FAILURES`` attempts (of any delivery) all failed, the endpoint is disabled
and its owner told in the portal's inbox: it has answered nothing for a day. A burst of failures
alone (an endpoint down for a minute while a batch of events is sent) disables nothing.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, ScopeLevel, User
from accounts.selectors import scope_for
from accounts.services import notification_send_each, user_language
from certification.models import Application, AuditEvent, Publicity, PublicityEntry
from certification.workflow.events import EventType
from core.dispatch import BROKER_ERRORS, _send
from core.errors import Conflict, DomainError
from factories.models import Enterprise
from regions.models import Authority
from webhooks import selectors
from webhooks.addresses import AddressRefused, endpoint_check
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from webhooks.signing import webhook_body, webhook_headers, webhook_secret_new
from webhooks.transport import PostResult, webhook_post

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.deliver_due"
CLAIM_BATCH = 10
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
RETRY_JITTER = 0.2
NAME_MAX_LENGTH = 100

CERTIFICATE_EVENTS = {
    EventType.CERTIFICATE_ISSUED: WebhookEventType.CERTIFICATE_ISSUED,
    EventType.CERTIFICATE_SUSPENDED: WebhookEventType.CERTIFICATE_SUSPENDED,
    EventType.CERTIFICATE_REINSTATED: WebhookEventType.CERTIFICATE_REINSTATED,
    EventType.CERTIFICATE_REVOKED: WebhookEventType.CERTIFICATE_REVOKED,
}
PUBLICITY_EVENTS = {WebhookEventType.PUBLICITY_OPENED, WebhookEventType.PUBLICITY_CLOSED}

_random = secrets.SystemRandom()


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt of a series: 30 s, doubling,
    at most an hour, then spread by ±20 % (``jitter`` in [-1, 1]; random when None) so that the
    deliveries of one outage do not all come back at once."""
    base = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    spread = _random.uniform(-1.0, 1.0) if jitter is None else max(-1.0, min(1.0, jitter))
    return timedelta(seconds=base * (1 + RETRY_JITTER * spread))


def _retry_window() -> timedelta:
    return timedelta(hours=settings.WEBHOOK_RETRY_HOURS)


def _kick() -> None:
    """Ask a worker to deliver now. Never raised: with the broker down the periodic run
    delivers (the deliveries are in the database already)."""
    try:
        _send(DELIVER_TASK, [])
    except BROKER_ERRORS:
        logger.warning("webhooks: broker down; the periodic run will deliver", exc_info=True)
    except Exception:  # an eager run's own failure: the deliveries stay due
        logger.exception("webhooks: delivery on commit failed")


# --- subscriptions ---------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, code="invalid", fields={field: [message]})


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise _invalid("name", _("Give the webhook a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise _invalid("name", _("At most %(max)s characters.") % {"max": NAME_MAX_LENGTH})
    return name


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        endpoint_check(url)
    except AddressRefused as exc:
        raise _invalid("url", str(exc)) from None
    return url


def _clean_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = set(event_types or [])
    unknown = sorted(chosen - set(WebhookEventType.values))
    if unknown:
        raise _invalid(
            "event_types", _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
        )
    if not chosen:
        raise _invalid("event_types", _("Choose at least one event type."))
    return [value for value in WebhookEventType.values if value in chosen]


def _scope(
    owner: User, *, authority_id: int | None, enterprise_id: int | None
) -> tuple[Authority | None, Enterprise | None]:
    authority = enterprise = None
    if authority_id is not None:
        authority = Authority.objects.filter(pk=authority_id).first()
        if authority is None:
            raise _invalid("authority", _("Unknown authority."))
    if enterprise_id is not None:
        enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
        if enterprise is None:
            raise _invalid("enterprise", _("Unknown enterprise."))
    problem = selectors.subscription_scope_problem(
        owner, authority=authority, enterprise=enterprise
    )
    if problem is not None:
        raise _invalid(*problem)
    return authority, enterprise


def webhook_subscription_create(
    *,
    owner: User,
    name: str,
    url: str,
    event_types: Sequence[str],
    authority_id: int | None = None,
    enterprise_id: int | None = None,
) -> tuple[WebhookSubscription, str]:
    """A new subscription of ``owner``'s, with a new signing secret. Returns it with the secret,
    which its owner is shown once (``whsec_…``, Standard Webhooks)."""
    if not owner.is_active:
        raise DomainError(_("This account is deactivated."), code="inactive")
    name = _clean_name(name)
    url = _clean_url(url)
    types = _clean_event_types(event_types)
    authority, enterprise = _scope(owner, authority_id=authority_id, enterprise_id=enterprise_id)
    secret = webhook_secret_new()
    subscription = WebhookSubscription.objects.create(
        owner=owner,
        name=name,
        url=url,
        secret=secret,
        event_types=types,
        authority=authority,
        enterprise=enterprise,
    )
    return subscription, secret


_UNSET: Any = object()


@transaction.atomic
def webhook_subscription_update(
    *,
    actor: User,
    subscription_id: int,
    name: str = _UNSET,
    url: str = _UNSET,
    event_types: Sequence[str] = _UNSET,
    authority_id: int | None = _UNSET,
    enterprise_id: int | None = _UNSET,
) -> WebhookSubscription:
    """Change what is given of a subscription of the actor's own (the scope as a whole: giving
    one of authority and enterprise clears the other)."""
    subscription = _locked(actor, subscription_id)
    changed: list[str] = []
    if name is not _UNSET:
        subscription.name = _clean_name(name)
        changed.append("name")
    if url is not _UNSET:
        subscription.url = _clean_url(url)
        changed.append("url")
    if event_types is not _UNSET:
        subscription.event_types = _clean_event_types(event_types)
        changed.append("event_types")
    if authority_id is not _UNSET or enterprise_id is not _UNSET:
        new_authority = None if authority_id is _UNSET else authority_id
        new_enterprise = None if enterprise_id is _UNSET else enterprise_id
        authority, enterprise = _scope(
            actor, authority_id=new_authority, enterprise_id=new_enterprise
        )
        subscription.authority, subscription.enterprise = authority, enterprise
        changed += ["authority", "enterprise"]
    if changed:
        subscription.save(update_fields=changed)
    return subscription


def _locked(actor: User, subscription_id: int) -> WebhookSubscription:
    subscription = selectors.subscription_get_for(actor, subscription_id)
    return (
        WebhookSubscription.objects.select_for_update(of=("self",))
        .select_related("authority", "enterprise")
        .get(pk=subscription.pk)
    )


def webhook_subscription_delete(*, actor: User, subscription_id: int) -> None:
    """Delete a subscription of the actor's own, with its delivery log."""
    selectors.subscription_get_for(actor, subscription_id).delete()


@transaction.atomic
def webhook_subscription_disable(*, actor: User, subscription_id: int) -> WebhookSubscription:
    """The owner stops deliveries to the endpoint (its pending deliveries wait)."""
    subscription = _locked(actor, subscription_id)
    if subscription.is_active:
        with translation.override(user_language(actor)):
            _disable(subscription, _("Disabled by its owner."))
    return subscription


@transaction.atomic
def webhook_subscription_enable(*, actor: User, subscription_id: int) -> WebhookSubscription:
    """Deliver to the endpoint again (after its owner or the portal disabled it): its pending
    deliveries are due at once, each within what is left of its retry window."""
    subscription = _locked(actor, subscription_id)
    if not subscription.is_active:
        subscription.is_active = True
        subscription.disabled_at = None
        subscription.disabled_reason = ""
        subscription.consecutive_failures = 0
        subscription.save(
            update_fields=["is_active", "disabled_at", "disabled_reason", "consecutive_failures"]
        )
        due = WebhookDelivery.objects.filter(
            subscription=subscription, status=WebhookDelivery.Status.PENDING
        ).update(next_attempt_at=timezone.now())
        if due:
            transaction.on_commit(_kick)
    return subscription


def _disable(subscription: WebhookSubscription, reason: str) -> None:
    subscription.is_active = False
    subscription.disabled_at = timezone.now()
    subscription.disabled_reason = reason
    subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason"])


def _disable_failing(subscription: WebhookSubscription) -> None:
    """The endpoint answered nothing for a day: disable it and tell its owner."""
    owner = subscription.owner
    count = subscription.consecutive_failures
    with translation.override(user_language(owner)):
        _disable(
            subscription,
            _("Disabled by the portal: the last %(count)s attempts all failed.") % {"count": count},
        )

    def message() -> tuple[str, str]:
        subject = _("Webhook “%(name)s” is disabled") % {"name": subscription.name}
        body = _(
            "Deliveries to %(url)s have failed for a day: the last %(count)s attempts all "
            "failed. Nothing more is sent to it until you enable it again on its webhook page; "
            "from there you can also send the failed deliveries again."
        ) % {"url": subscription.url, "count": count}
        return subject, body

    stamp = int(subscription.disabled_at.timestamp()) if subscription.disabled_at else 0
    notification_send_each(
        recipients=[owner],
        key=f"webhook-disabled:{subscription.pk}:{stamp}",
        kind=NotificationKind.WEBHOOK,
        message=message,
        link=reverse("webhook-settings-detail", args=[subscription.pk]),
    )


@transaction.atomic
def webhook_delivery_redeliver(
    *, actor: User, subscription_id: int, delivery_id: int
) -> WebhookDelivery:
    """Send a delivery again, whatever became of it: a new series of attempts (the same
    ``webhook-id``, so a receiver that had it already can tell), due now."""
    subscription = _locked(actor, subscription_id)
    if not subscription.is_active:
        raise Conflict(
            _("This webhook is disabled: enable it before sending deliveries again."),
            code="webhook_disabled",
        )
    found = selectors.delivery_get_for(subscription, delivery_id)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.retry_until = now + _retry_window()
    delivery.delivered_at = None
    delivery.save(
        update_fields=["status", "attempts", "next_attempt_at", "retry_until", "delivered_at"]
    )
    transaction.on_commit(_kick)
    return delivery


# --- fan-out: events into deliveries --------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _envelope(event_type: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The Standard Webhooks body: the type, when it happened, and the public facts."""
    return {"type": event_type, "timestamp": _iso(at), "data": data}


def webhook_event_fanout(
    *, audit_event_id: int | None = None, publicity_id: int | None = None, event: str = ""
) -> int:
    """The outbox's ``webhook_event`` handler: one delivery of the event for each active
    subscription that asks for its type, whose scope holds its object, and whose owner may see
    the object now. Idempotent (a delivery is unique per subscription and event). Returns how
    many deliveries were created."""
    if audit_event_id is not None:
        return _audit_event_fanout(audit_event_id)
    if publicity_id is not None and event in PUBLICITY_EVENTS:
        return _publicity_fanout(publicity_id, event)
    return 0


def webhook_events_fanout(payloads: Sequence[dict[str, Any]]) -> int:
    """The batch form of ``webhook_event_fanout`` (the outbox's, for a batch of rows): the
    audit events are read in one query and matched against the active subscriptions read once
    (a deployment has a few of them, and most events concern none)."""
    audit_ids = [p["audit_event_id"] for p in payloads if p.get("audit_event_id") is not None]
    made = sum(
        webhook_event_fanout(**payload)
        for payload in payloads
        if payload.get("audit_event_id") is None
    )
    if not audit_ids:
        return made
    active = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        .select_related("owner__authority", "authority")
        .order_by("pk")
        if subscription.owner.is_active
    ]
    if not active:
        return made
    specs: list[DeliverySpec] = []

    def collect(key: str, event_type: str, rows: list[Any]) -> int:
        specs.append((key, event_type, rows))
        return 0

    for found in _audit_events().filter(pk__in=audit_ids).order_by("pk"):
        _audit_event_fanout_to(
            found,
            lambda event_type, at: [
                s for s in active if s.created_at <= at and event_type in s.event_types
            ],
            add=collect,
        )
    return made + _deliveries_add_many(specs)


def _audit_events() -> Any:
    return AuditEvent.objects.select_related(
        "application__factory__enterprise", "certificate__factory__enterprise"
    )


def _audit_event_fanout(audit_event_id: int) -> int:
    found = _audit_events().filter(pk=audit_event_id).first()
    if found is None:
        return 0

    def candidates(event_type: str, at: datetime) -> list[WebhookSubscription]:
        located = found.certificate or found.application
        return _candidates(
            event_type,
            selectors.covering_scopes(
                province_ids={located.province_id},
                city_ids={located.city_id},
                enterprise_ids={located.factory.enterprise_id},
            ),
            at=at,
        )

    return _audit_event_fanout_to(found, candidates)


def _audit_event_fanout_to(
    found: AuditEvent,
    candidates_of: Callable[[str, datetime], list[WebhookSubscription]],
    *,
    add: Callable[[str, str, list[Any]], int] | None = None,
) -> int:
    """The deliveries of one audit event, made by ``add`` (default: at once)."""
    if found.certificate is not None and found.event_type in CERTIFICATE_EVENTS:
        located: Any = found.certificate
        event_type = CERTIFICATE_EVENTS[EventType(found.event_type)]
    elif found.application is not None and found.from_status != found.to_status:
        located = found.application
        event_type = WebhookEventType.APPLICATION_STATE_CHANGED
    else:
        return 0
    factory = located.factory
    candidates = candidates_of(event_type, found.at)
    chosen = []
    for subscription in candidates:
        if not selectors.scope_covers(
            subscription,
            province_id=located.province_id,
            city_id=located.city_id,
            enterprise_id=factory.enterprise_id,
        ):
            continue
        if event_type == WebhookEventType.APPLICATION_STATE_CHANGED:
            if not _official_may_know(subscription.owner, found):
                continue
            if not selectors.application_visible(subscription.owner, located):
                continue
        elif not selectors.certificate_visible(subscription.owner, located.pk):
            continue
        chosen.append(subscription)
    if not chosen:
        return 0
    if event_type == WebhookEventType.APPLICATION_STATE_CHANGED:
        data = _application_data(found, located)
    else:
        data = _certificate_data(found, located)
    payload = _envelope(event_type, found.at, data)
    return (add or _deliveries_add)(
        f"audit-event:{found.pk}", event_type, [(subscription, payload) for subscription in chosen]
    )


def _official_may_know(owner: User, event: AuditEvent) -> bool:
    """Officials never see an application that was not submitted (a draft, or a draft
    withdrawn): its events are for the enterprise only, even when it has been submitted since."""
    if scope_for(owner).level == ScopeLevel.ENTERPRISE:
        return True
    draft = Application.Status.DRAFT
    return event.to_status != draft and not (
        event.from_status == draft and event.to_status == Application.Status.WITHDRAWN
    )


def _candidates(event_type: str, covering: Any, *, at: datetime) -> list[WebhookSubscription]:
    """The active subscriptions to ``event_type`` made before the event happened (``at``) whose
    scope may cover its object (the type is checked here: a JSON list, and the embedded
    default's SQLite has no containment lookup)."""
    rows = (
        WebhookSubscription.objects.filter(covering, is_active=True, created_at__lte=at)
        .select_related("owner__authority", "authority")
        .order_by("pk")
    )
    return [row for row in rows if event_type in row.event_types and row.owner.is_active]


def _application_data(event: AuditEvent, application: Any) -> dict[str, Any]:
    factory = application.factory
    return {
        "id": application.pk,
        "factory": factory.pk,
        "enterprise_uscc": factory.enterprise.uscc,
        "tier": application.tier,
        "from_state": event.from_status,
        "to_state": event.to_status,
        "changed_at": _iso(event.at),
    }


def _certificate_data(event: AuditEvent, certificate: Any) -> dict[str, Any]:
    factory = certificate.factory
    return {
        "number": certificate.number,
        "tier": certificate.tier,
        "status": event.to_status,  # as the event left it (it may have changed since)
        "factory": factory.pk,
        "enterprise_uscc": factory.enterprise.uscc,
        "issued_on": certificate.issued_on.isoformat(),
        "status_changed_at": _iso(event.at),
    }


def _publicity_fanout(publicity_id: int, event_type: str) -> int:
    publicity = Publicity.objects.select_related("authority").filter(pk=publicity_id).first()
    if publicity is None:
        return 0
    entries = list(
        PublicityEntry.objects.filter(publicity=publicity)
        .select_related("application__factory__enterprise")
        .order_by("pk")
    )
    if not entries:
        return 0
    applications = [entry.application for entry in entries]
    at = publicity.published_at if event_type == WebhookEventType.PUBLICITY_OPENED else None
    moment = at or timezone.now()
    candidates = _candidates(
        event_type,
        selectors.covering_scopes(
            province_ids={a.province_id for a in applications},
            city_ids={a.city_id for a in applications},
            enterprise_ids={a.factory.enterprise_id for a in applications},
        ),
        at=moment,
    )
    chosen: list[tuple[WebhookSubscription, dict[str, Any]]] = []
    for subscription in candidates:
        covered = [
            a
            for a in applications
            if selectors.scope_covers(
                subscription,
                province_id=a.province_id,
                city_id=a.city_id,
                enterprise_id=a.factory.enterprise_id,
            )
        ]
        if not covered:
            continue
        visible = selectors.applications_visible(subscription.owner, [a.pk for a in covered])
        listed = [a for a in covered if a.pk in visible]
        if not listed:
            continue
        # The list's facts, and its entries within the subscription's scope (one body each).
        data = {
            "id": publicity.pk,
            "title": publicity.title,
            "tier": publicity.tier,
            "authority": publicity.authority.code,
            "starts_on": publicity.starts_on.isoformat(),
            "ends_on": publicity.ends_on.isoformat(),
            "working_days": publicity.working_days,
            "entries": [
                {
                    "application": a.pk,
                    "factory": a.factory_id,
                    "enterprise_uscc": a.factory.enterprise.uscc,
                }
                for a in listed
            ],
        }
        chosen.append((subscription, _envelope(event_type, moment, data)))
    if not chosen:
        return 0
    return _deliveries_add(f"publicity:{publicity.pk}:{event_type}", event_type, chosen)


DeliverySpec = tuple[str, str, list[tuple[WebhookSubscription, dict[str, Any]]]]


def _deliveries_add(
    key: str, event_type: str, rows: list[tuple[WebhookSubscription, dict[str, Any]]]
) -> int:
    return _deliveries_add_many([(key, event_type, rows)])


def _deliveries_add_many(specs: Sequence[DeliverySpec]) -> int:
    """The deliveries of many events (event key, type, and each subscription with its body),
    in two statements: those that exist already (a rerun) are left as they are."""
    if not specs:
        return 0
    existing = set(
        WebhookDelivery.objects.filter(
            event_key__in={key for key, _type, _rows in specs},
            subscription_id__in={s.pk for _key, _type, rows in specs for s, _p in rows},
        ).values_list("subscription_id", "event_key")
    )
    now = timezone.now()
    fresh = [
        WebhookDelivery(
            subscription=subscription,
            event_key=key,
            event_type=event_type,
            payload=payload,
            next_attempt_at=now,
            retry_until=now + _retry_window(),
        )
        for key, event_type, rows in specs
        for subscription, payload in rows
        if (subscription.pk, key) not in existing
    ]
    if fresh:
        WebhookDelivery.objects.bulk_create(fresh, ignore_conflicts=True)
        transaction.on_commit(_kick)
    return len(fresh)


# --- delivery ---------------------------------------------------------------------------------


def webhooks_deliver_due(*, seconds: float = 50.0, batch: int = CLAIM_BATCH) -> int:
    """Attempt the due deliveries of active subscriptions, a few at a time, until none is due
    or ``seconds`` have passed. Safe to run concurrently and again after a crash. Returns how
    many attempts were made."""
    attempted = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        claimed = _claim(batch)
        for delivery in claimed:
            _attempt(delivery)
        attempted += len(claimed)
        if len(claimed) < batch:
            break
    return attempted


@transaction.atomic
def _claim(batch: int) -> list[WebhookDelivery]:
    now = timezone.now()
    rows = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("subscription__owner")
        .filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        )
        .order_by("next_attempt_at", "pk")[:batch]
    )
    if rows:
        # Long enough for the whole batch to be posted: a claim outlives it only after a crash.
        lease = timedelta(seconds=batch * (settings.WEBHOOK_TIMEOUT_SECONDS + 5))
        WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            next_attempt_at=now + lease
        )
    return rows


def _attempt(delivery: WebhookDelivery) -> None:
    """Post one delivery (no transaction is open meanwhile) and record what came of it."""
    subscription = delivery.subscription
    attempted_at = timezone.now()
    with translation.override(user_language(subscription.owner)):
        try:
            endpoint = endpoint_check(subscription.url)  # again: the name may point elsewhere
        except AddressRefused as exc:
            result = PostResult(None, 0, str(exc))
        else:
            body = webhook_body(delivery.payload)
            headers = webhook_headers(
                secret=subscription.secret,
                msg_id=delivery.message_id,
                timestamp=int(time.time()),
                body=body,
            )
            result = webhook_post(
                endpoint, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
            )
    _record(delivery.pk, subscription.pk, attempted_at, result)


@transaction.atomic
def _record(
    delivery_id: int, subscription_id: int, attempted_at: datetime, result: PostResult
) -> None:
    # The subscription first, then the delivery: the order every writer locks them in.
    subscription = (
        WebhookSubscription.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk=subscription_id)
        .first()
    )
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if subscription is None or delivery is None:  # deleted while it was posted
        return
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=attempted_at,
        response_code=result.status,
        latency_ms=result.latency_ms,
        error=result.error[:500],
    )
    pending = delivery.status == WebhookDelivery.Status.PENDING
    now = timezone.now()
    if result.ok:
        subscription.consecutive_failures = 0
        if pending:
            delivery.attempts += 1
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
    else:
        subscription.consecutive_failures += 1
        if pending:
            delivery.attempts += 1
            retry_at = now + retry_delay(delivery.attempts)
            if retry_at > delivery.retry_until:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = retry_at
    delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
    subscription.save(update_fields=["consecutive_failures"])
    if (
        delivery.status == WebhookDelivery.Status.FAILED
        and pending
        and subscription.is_active
        and subscription.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
    ):
        _disable_failing(subscription)
