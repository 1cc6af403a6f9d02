"""Certificates: numbering, issuing (a basic self-declaration or a certification), superseding
and revoking. Every status change goes through ``certificate_transition``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification.error_codes import ErrorCode
from certification.models import Application, Certificate, CertificateSequence
from certification.services.deadlines import lapse_deadlines_refresh
from certification.workflow.definitions import Action, CertificateAction
from certification.workflow.engine import (
    TransitionContext,
    application_transition,
    certificate_transition,
    certificates_issued,
)
from certification.workflow.policies import tier_condition
from core.errors import Conflict, DomainError
from factories.models import Factory
from regions.models import Authority


def certifying_authority(application: Application) -> Authority:
    """The industry and IT authority at the tier's certifying level where the application was
    made (its city bureau, its provincial department, or MIIT): an application stays with the
    authorities that handle it when the factory moves."""
    return certifying_authorities([application])[application.pk]


def certifying_authorities(applications: Sequence[Application]) -> dict[int, Authority]:
    """``certifying_authority`` of many applications, in one query."""
    wanted: dict[int, tuple[str, str, str]] = {}
    for application in applications:
        wanted[application.pk] = _authority_key(
            tier_condition(application).certifying_level, application
        )
    where = Q(
        *(
            Q(
                level=level,
                **({"city_id": city} if city else {}),
                **({"province_id": province} if province else {}),
            )
            for level, city, province in set(wanted.values())
        ),
        _connector=Q.OR,
    )
    found: dict[tuple[str, str, str], Authority] = {}
    for authority in Authority.objects.filter(where, kind=Authority.Kind.INDUSTRY_IT).order_by(
        "code"
    ):
        found.setdefault(_authority_key(authority.level, authority), authority)
    if any(key not in found for key in wanted.values()):
        raise DomainError(
            _("No industry and IT authority is on record to certify this factory."),
            code=ErrorCode.NO_AUTHORITY,
        )
    return {pk: found[key] for pk, key in wanted.items()}


def _authority_key(level: str, located: Application | Authority) -> tuple[str, str, str]:
    """(level, city, province): the region an authority of ``level`` answers for."""
    return (
        level,
        (located.city_id or "") if level == Authority.Level.CITY else "",
        (located.province_id or "") if level == Authority.Level.PROVINCE else "",
    )


def certificate_number_next(*, tier: str, year: int, authority: Authority, prefix: str) -> str:
    """Take the next number of the (tier, year, authority) sequence, locked until commit:
    ``<prefix>-<year>-<region code>-<n:05d>``."""
    (number,) = certificate_numbers_take({(tier, year, authority.pk): 1})[
        (tier, year, authority.pk)
    ]
    return certificate_number_format(prefix, year, authority, number)


def certificate_number_format(prefix: str, year: int, authority: Authority, number: int) -> str:
    region = authority.city_id or authority.province_id or "00"
    return f"{prefix}-{year}-{region}-{number:05d}"


def certificate_numbers_take(counts: Mapping[tuple[str, int, int], int]) -> dict[Any, list[int]]:
    """Take ``counts[(tier, year, authority id)]`` numbers of each sequence, in three
    statements however many sequences: the missing ones are created, all are locked in id order
    (two workers never wait on each other crosswise) until commit, and moved on."""
    CertificateSequence.objects.bulk_create(
        [CertificateSequence(tier=t, year=y, authority_id=a) for t, y, a in counts],
        ignore_conflicts=True,
    )
    sequences = list(
        CertificateSequence.objects.select_for_update()
        .filter(Q(*(Q(tier=t, year=y, authority_id=a) for t, y, a in counts), _connector=Q.OR))
        .order_by("pk")
    )
    taken: dict[Any, list[int]] = {}
    for sequence in sequences:
        key = (sequence.tier, sequence.year, sequence.authority_id)
        first = sequence.last_number + 1
        sequence.last_number += counts[key]
        taken[key] = list(range(first, sequence.last_number + 1))
    CertificateSequence.objects.bulk_update(sequences, ["last_number"])
    return taken


def certificates_supersede(*, factory: Factory, tier: str) -> None:
    """A new certificate replaces the factory's current one of the same tier."""
    certificates_supersede_many({(factory.pk, tier)})


def certificates_supersede_many(pairs: set[tuple[int, str]]) -> None:
    current = Certificate.objects.select_for_update().filter(
        factory_id__any=list({factory_id for factory_id, _tier in pairs}),
        status__in=[Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED],
    )
    for certificate in current:
        if (certificate.factory_id, certificate.tier) in pairs:
            certificate_transition(
                certificate=certificate, action=CertificateAction.SUPERSEDE, actor=None
            )


def certificate_issue(
    *, application: Application, actor: User | None, self_declared: bool
) -> Certificate:
    """Issue the application's certificate (replacing the factory's current one of the tier)."""
    return certificates_issue([application], actor=actor, self_declared=self_declared)[0]


def certificates_issue(
    applications: Sequence[Application], *, actor: User | None, self_declared: bool
) -> list[Certificate]:
    """Issue each application's certificate, in a fixed number of statements however many."""
    authorities = certifying_authorities(applications)
    today = timezone.localdate()
    certificates_supersede_many({(a.factory_id, a.tier) for a in applications})
    counts: dict[tuple[str, int, int], int] = defaultdict(int)
    for application in applications:
        counts[(application.tier, today.year, authorities[application.pk].pk)] += 1
    numbers = certificate_numbers_take(counts)
    certificates = []
    for application in applications:
        authority = authorities[application.pk]
        number = numbers[(application.tier, today.year, authority.pk)].pop(0)
        certificates.append(
            Certificate(
                number=certificate_number_format(
                    tier_condition(application).certificate_prefix, today.year, authority, number
                ),
                tier=application.tier,
                factory_id=application.factory_id,
                application=application,
                # Where the application was handled, like the application itself.
                province_id=application.province_id,
                city_id=application.city_id,
                authority=authority,
                self_declared=self_declared,
                issued_on=today,
            )
        )
    issued = certificates_issued(certificates, actor=actor)
    # A certified factory must self-assess every year: its lapse deadline starts now.
    lapse_deadlines_refresh({a.factory_id for a in applications})
    return issued


def effect_self_declare(context: TransitionContext) -> None:
    """A basic application that passed its checks becomes a self-declared certificate, filed
    with the city bureau of the factory's city."""
    effects_self_declare([context])


def effects_self_declare(contexts: Sequence[TransitionContext]) -> None:
    issued = certificates_issue(
        [context.application for context in contexts], actor=None, self_declared=True
    )
    for context, certificate in zip(contexts, issued, strict=True):
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
            authorized=True,  # the application's step checked who rejects the filing
        )
        context.extra["certificate"] = certificate.number


def effect_confirm_filing(context: TransitionContext) -> None:
    """The city bureau confirms a self-declared filing: its certificate is stamped reviewed."""
    certificate = (
        Certificate.objects.select_for_update()
        .filter(application=context.application, self_declared=True)
        .first()
    )
    if certificate is None:
        raise Conflict(_("This application has no basic filing to confirm."), code="no_filing")
    certificate.filing_confirmed_at = timezone.now()
    certificate.save(update_fields=["filing_confirmed_at"])
    context.extra["certificate"] = certificate.number


@transaction.atomic
def basic_filing_confirm(*, actor: User, application: Application) -> Application:
    """The city bureau confirms a self-declared basic filing (it stays certified)."""
    return application_transition(
        application=application, action=Action.CONFIRM_FILING, actor=actor
    )


@transaction.atomic
def basic_declaration_reject(*, actor: User, application: Application, reason: str) -> Application:
    """The city bureau rejects a self-declared basic filing: the certificate is revoked."""
    return application_transition(
        application=application, action=Action.REJECT, actor=actor, reason=reason
    )


@transaction.atomic
def certificate_suspend(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The certifying authority suspends an active certificate (the factory's open applications
    that rely on it are re-evaluated)."""
    return certificate_transition(
        certificate=certificate, action=CertificateAction.SUSPEND, actor=actor, reason=reason
    )


@transaction.atomic
def certificate_reinstate(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The certifying authority reinstates a suspended certificate."""
    return certificate_transition(
        certificate=certificate, action=CertificateAction.REINSTATE, actor=actor, reason=reason
    )


@transaction.atomic
def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The certifying authority revokes an active or suspended certificate, for good."""
    return certificate_transition(
        certificate=certificate, action=CertificateAction.REVOKE, actor=actor, reason=reason
    )
