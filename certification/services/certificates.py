"""Certificates: issuing, superseding and revoking, and the basic tier's self-declared filing."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification import selectors
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    Tier,
)
from certification.services.notifications import notify_on_commit
from certification.services.transitions import lock_application, transition_apply
from core.errors import Conflict, DomainError, PermissionDenied
from factories.models import Factory
from regions.models import Authority

logger = logging.getLogger(__name__)


def certificates_supersede(*, factory: Factory, tier: str) -> None:
    """A new certificate replaces the factory's current one of the same tier."""
    current = Certificate.objects.select_for_update().filter(
        factory=factory,
        tier=tier,
        status__in=[Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED],
    )
    for certificate in current:
        before = certificate.status
        certificate.status = Certificate.Status.SUPERSEDED
        certificate.status_changed_at = timezone.now()
        certificate.save(update_fields=["status", "status_changed_at"])
        AuditEvent.objects.create(
            certificate=certificate,
            action="supersede",
            from_status=before,
            to_status=certificate.status,
        )


def certificate_self_declare(application: Application) -> Certificate:
    """A basic application that passed its checks becomes a self-declared certificate, filed
    with the city bureau of the factory's city."""
    factory = application.factory
    authority = (
        Authority.objects.filter(
            level=Authority.Level.CITY, city_id=factory.city_id, kind=Authority.Kind.INDUSTRY_IT
        )
        .order_by("code")
        .first()
    )
    if authority is None:
        raise DomainError(_("The factory's city has no industry and IT bureau on record."))
    today = timezone.localdate()
    certificates_supersede(factory=factory, tier=application.tier)
    certificate = Certificate.objects.create(
        number=f"ZN-B-{today.year}-{factory.city_id}-{application.pk:06d}",
        tier=application.tier,
        factory=factory,
        application=application,
        authority=authority,
        self_declared=True,
        issued_on=today,
        status_changed_at=timezone.now(),
    )
    transition_apply(application, "self_declare", None)
    application.decided_at = timezone.now()
    AuditEvent.objects.create(certificate=certificate, action="issue", to_status=certificate.status)
    return certificate


@transaction.atomic
def basic_declaration_reject(*, actor: User, application: Application, reason: str) -> Application:
    """The city bureau rejects a self-declared basic filing: the certificate is revoked."""
    application = lock_application(application)
    if application.tier != Tier.BASIC:
        raise Conflict(_("Only basic-tier declarations are filed with the city."), code="not_basic")
    decision = selectors.filing_reviewer(actor, application)
    if not decision:
        raise PermissionDenied(decision.reason)
    certificate = Certificate.objects.select_for_update().filter(application=application).first()
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason for the rejection.")
        raise DomainError(message, fields={"reason": [message]})
    transition_apply(application, "reject_filing", actor, reason)
    application.decided_at = timezone.now()
    application.save()
    assert certificate is not None  # a certified basic application always has one
    before = certificate.status
    certificate.status = Certificate.Status.REVOKED
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save()
    AuditEvent.objects.create(
        certificate=certificate,
        actor=actor,
        action="revoke",
        from_status=before,
        to_status=certificate.status,
        reason=reason,
    )
    notify_on_commit(application.pk, "rejected")
    return application
