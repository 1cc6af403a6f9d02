"""Certificates: numbering, issuing (a basic self-declaration or a certification), superseding
and revoking. Every status change goes through ``certificate_transition``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification.error_codes import ErrorCode
from certification.models import Application, Certificate, CertificateSequence
from certification.workflow.definitions import Action, CertificateAction
from certification.workflow.engine import (
    TransitionContext,
    application_transition,
    certificate_transition,
)
from certification.workflow.policies import tier_condition
from core.errors import DomainError
from factories.models import Factory
from regions.models import Authority


def certifying_authority(application: Application) -> Authority:
    """The industry and IT authority at the tier's certifying level where the application was
    made (its city bureau, its provincial department, or MIIT): an application stays with the
    authorities that handle it when the factory moves."""
    level = tier_condition(application).certifying_level
    where: dict[str, str] = {}
    if level == Authority.Level.CITY:
        where = {"city_id": application.city_id}
    elif level == Authority.Level.PROVINCE:
        where = {"province_id": application.province_id}
    authority = (
        Authority.objects.filter(level=level, kind=Authority.Kind.INDUSTRY_IT, **where)
        .order_by("code")
        .first()
    )
    if authority is None:
        raise DomainError(
            _("No industry and IT authority is on record to certify this factory."),
            code=ErrorCode.NO_AUTHORITY,
        )
    return authority


def certificate_number_next(*, tier: str, year: int, authority: Authority, prefix: str) -> str:
    """Take the next number of the (tier, year, authority) sequence, locked until commit:
    ``<prefix>-<year>-<region code>-<n:05d>``."""
    CertificateSequence.objects.get_or_create(tier=tier, year=year, authority=authority)
    sequence = CertificateSequence.objects.select_for_update().get(
        tier=tier, year=year, authority=authority
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    region = authority.city_id or authority.province_id or "00"
    return f"{prefix}-{year}-{region}-{sequence.last_number:05d}"


def certificates_supersede(*, factory: Factory, tier: str) -> None:
    """A new certificate replaces the factory's current one of the same tier."""
    current = Certificate.objects.select_for_update().filter(
        factory=factory,
        tier=tier,
        status__in=[Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED],
    )
    for certificate in current:
        certificate_transition(
            certificate=certificate, action=CertificateAction.SUPERSEDE, actor=None
        )


def certificate_issue(
    *, application: Application, actor: User | None, self_declared: bool
) -> Certificate:
    """Issue the application's certificate (replacing the factory's current one of the tier)."""
    authority = certifying_authority(application)
    today = timezone.localdate()
    certificates_supersede(factory=application.factory, tier=application.tier)
    certificate = Certificate(
        number=certificate_number_next(
            tier=application.tier,
            year=today.year,
            authority=authority,
            prefix=tier_condition(application).certificate_prefix,
        ),
        tier=application.tier,
        factory=application.factory,
        application=application,
        # Where the application was handled, like the application itself.
        province_id=application.province_id,
        city_id=application.city_id,
        authority=authority,
        self_declared=self_declared,
        issued_on=today,
    )
    return certificate_transition(
        certificate=certificate, action=CertificateAction.ISSUE, actor=actor
    )


def effect_self_declare(context: TransitionContext) -> None:
    """A basic application that passed its checks becomes a self-declared certificate, filed
    with the city bureau of the factory's city."""
    certificate = certificate_issue(application=context.application, actor=None, self_declared=True)
    context.extra["certificate"] = certificate.number


def effect_issue(context: TransitionContext) -> None:
    certificate = certificate_issue(
        application=context.application, actor=context.actor, self_declared=False
    )
    context.extra["certificate"] = certificate.number


def effect_revoke(context: TransitionContext) -> None:
    """The application's certificate is revoked with the transition's reason."""
    certificate = Certificate.objects.filter(application=context.application).first()
    if certificate is not None and certificate.status in (
        Certificate.Status.ACTIVE,
        Certificate.Status.SUSPENDED,
    ):
        certificate_transition(
            certificate=certificate,
            action=CertificateAction.REVOKE,
            actor=context.actor,
            reason=context.reason,
        )
        context.extra["certificate"] = certificate.number


@transaction.atomic
def basic_declaration_reject(*, actor: User, application: Application, reason: str) -> Application:
    """The city bureau rejects a self-declared basic filing: the certificate is revoked."""
    return application_transition(
        application=application, action=Action.REJECT, actor=actor, reason=reason
    )
