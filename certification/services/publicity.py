"""Publicity (公示): the certifying authority publishes a list of recommended applications for
the edition's number of working days; anyone may lodge a signed objection during the period;
the authority investigates each one and dismisses it or upholds it (the application is then
returned or rejected, with the reason). An application is certified only once its period is over
and every objection against it is resolved (the CERTIFY transition's guard).

A city bureau also publishes lists of the basic filings it holds (``publicity_publish_filings``):
basic certificates need no publicity first, so such a list follows them, and an objection upheld
against a filing rejects it and revokes its certificate.

Every step is an engine transition with its audit event: PUBLICIZE, LODGE_OBJECTION,
DISMISS_OBJECTION, UPHOLD_OBJECTION_RETURN / _REJECT (certification.workflow.definitions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import Decision
from certification import selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Application,
    Campaign,
    Certificate,
    Objection,
    Publicity,
    PublicityEntry,
    Tier,
)
from certification.services.deadlines import publicity_deadline_add
from certification.workflow.definitions import Action
from certification.workflow.engine import (
    TransitionContext,
    application_transition,
    application_workflow,
)
from certification.workflow.states import ApplicationState
from core.errors import Conflict, DomainError, PermissionDenied
from core.outbox import outbox_add
from regions.models import Authority
from workdays.calendar import working_period_end
from workdays.selectors import working_calendar

OBJECTION_OUTCOMES = {
    Objection.Status.DISMISSED: Action.DISMISS_OBJECTION,
    "upheld_return": Action.UPHOLD_OBJECTION_RETURN,
    "upheld_reject": Action.UPHOLD_OBJECTION_REJECT,
}


def _publicity_start(starts_on: date | None) -> date:
    today = timezone.localdate()
    starts_on = starts_on or today
    if starts_on < today:
        message = _("A publicity cannot start in the past.")
        raise DomainError(message, fields={"starts_on": [message]})
    return starts_on


def _chosen(
    candidates: QuerySet[Application], applications: Sequence[Application] | None, refused: str
) -> list[Application]:
    """The candidates to list (all, or those of ``applications``; any other is refused)."""
    candidates = candidates.select_related("tier_edition")
    if applications is not None:
        candidates = candidates.filter(pk__in=[a.pk for a in applications])
    chosen = list(candidates.order_by("pk"))
    if applications is not None and len(chosen) != len(applications):
        raise DomainError(refused, fields={"applications": [refused]})
    return chosen


def _publish(
    *,
    actor: User,
    authority: Authority,
    tier: str,
    campaign: Campaign | None,
    chosen: list[Application],
    starts_on: date,
    title: str,
) -> Publicity:
    days = chosen[0].tier_edition.publicity_working_days
    publicity = Publicity.objects.create(
        authority=authority,
        tier=tier,
        campaign=campaign,
        title=title,
        starts_on=starts_on,
        ends_on=working_period_end(starts_on, days, working_calendar()),
        working_days=days,
        published_by=actor,
    )
    PublicityEntry.objects.bulk_create(
        PublicityEntry(publicity=publicity, application=application) for application in chosen
    )
    publicity_deadline_add(publicity)  # the authority is told when the period is over
    outbox_add("webhook_event", publicity_id=publicity.pk, event="publicity.opened")
    for application in chosen:
        application_transition(
            application=application,
            action=Action.PUBLICIZE,
            actor=actor,
            data={"publicity": publicity.pk},
        )
    return publicity


@transaction.atomic
def publicity_publish(
    *,
    actor: User,
    campaign: Campaign,
    applications: Sequence[Application] | None = None,
    starts_on: date | None = None,
    title: str = "",
) -> Publicity:
    """Publish the campaign batch's recommended applications (all of them, or those given) for
    the edition's number of working days from ``starts_on`` (today): the end date is counted on
    the working-day calendar, which must have the years the period needs."""
    starts_on = _publicity_start(starts_on)
    chosen = _chosen(
        Application.objects.filter(campaign=campaign, status=ApplicationState.RECOMMENDED),
        applications,
        _("Only applications of this campaign recommended for publicity can be listed."),
    )
    if not chosen:
        raise Conflict(
            _("No application of this campaign is recommended for publicity."),
            code=ErrorCode.NOT_READY,
        )
    # The campaign's own certifying authority publishes (each application's step checks the
    # department of its province as well).
    decision = selectors.authority_official_check(actor, campaign.authority)
    if not decision:
        raise PermissionDenied(decision.reason)
    return _publish(
        actor=actor,
        authority=campaign.authority,
        tier=campaign.tier,
        campaign=campaign,
        chosen=chosen,
        starts_on=starts_on,
        title=title.strip()[:200] or str(campaign),
    )


def filings_awaiting_publicity(authority: Authority) -> QuerySet[Application]:
    """The self-declared basic filings of the city bureau ``authority`` that stand (certified,
    certificate active) and have never been on a publicity list."""
    return Application.objects.filter(
        tier=Tier.BASIC,
        status=ApplicationState.CERTIFIED,
        certificate__authority=authority,
        certificate__status=Certificate.Status.ACTIVE,
    ).exclude(Exists(PublicityEntry.objects.filter(application=OuterRef("pk"))))


@transaction.atomic
def publicity_publish_filings(
    *,
    actor: User,
    applications: Sequence[Application] | None = None,
    starts_on: date | None = None,
    title: str = "",
) -> Publicity:
    """The city bureau publishes a list of the basic filings it holds (all those never listed,
    or those given) for the edition's number of working days. Basic certificates need no
    publicity first; an objection upheld against a listed filing rejects it and revokes its
    certificate."""
    authority = actor.authority
    decision = (
        selectors.authority_official_check(actor, authority)
        if authority is not None and authority.level == Authority.Level.CITY
        else Decision(False, _("Only a city bureau publishes a list of basic filings."))
    )
    if not decision:
        raise PermissionDenied(decision.reason)
    assert authority is not None  # checked above
    starts_on = _publicity_start(starts_on)
    chosen = _chosen(
        filings_awaiting_publicity(authority),
        applications,
        _("Only standing basic filings of your bureau that were never listed can be listed."),
    )
    if not chosen:
        raise Conflict(
            _("Your bureau has no basic filing waiting to be listed."), code=ErrorCode.NOT_READY
        )
    default_title = _("%(year)s basic-tier smart factories filed with %(authority)s") % {
        "year": starts_on.year,
        "authority": authority.name,
    }
    return _publish(
        actor=actor,
        authority=authority,
        tier=Tier.BASIC,
        campaign=None,
        chosen=chosen,
        starts_on=starts_on,
        title=title.strip()[:200] or default_title,
    )


def effect_record_publicity(context: TransitionContext) -> None:
    publicity = Publicity.objects.get(pk=context.data["publicity"])
    context.extra.update(
        publicity=publicity.pk,
        starts_on=publicity.starts_on.isoformat(),
        ends_on=publicity.ends_on.isoformat(),
    )


@transaction.atomic
def objection_lodge(
    *,
    entry: PublicityEntry,
    name: str,
    contact: str,
    grounds: str,
    evidence: Any = None,
) -> Objection:
    """Anyone lodges a signed objection against a listed application while its publicity is
    open. The objection is the certifying authority's to see."""
    fields: dict[str, list[str]] = {}
    for field, value in (("name", name), ("contact", contact), ("grounds", grounds)):
        if not (value or "").strip():
            fields[field] = [_("This field is required.")]
    if fields:
        raise DomainError(_("Give your name, a way to reach you and the grounds."), fields=fields)
    today = timezone.localdate()
    publicity = entry.publicity
    if not publicity.starts_on <= today <= publicity.ends_on:
        raise Conflict(
            _("Objections are accepted from %(start)s to %(end)s.")
            % {"start": publicity.starts_on, "end": publicity.ends_on},
            code=ErrorCode.NOT_READY,
        )
    objection = Objection(
        entry=entry,
        name=name.strip()[:100],
        contact=contact.strip()[:200],
        grounds=grounds.strip()[:5000],
    )
    if evidence is not None:
        from assessments.uploads import store_upload

        store_upload(objection, evidence)  # checked by content and size; saves the row
    else:
        objection.save()
    application_transition(
        application=entry.application_id,
        action=Action.LODGE_OBJECTION,
        actor=None,
        data={"objection": objection.pk},
    )
    return objection


def effect_record_objection(context: TransitionContext) -> None:
    context.extra["objection"] = context.data["objection"]


@transaction.atomic
def objection_decide(
    *, actor: User, objection: Objection, outcome: str, investigation: str, reason: str
) -> Objection:
    """The certifying authority records its investigation and the outcome: dismissed (the
    publicity goes on), or upheld, returning or rejecting the application with ``reason``."""
    action = OBJECTION_OUTCOMES.get(outcome)
    if action is None:
        message = _("Choose dismissed, upheld and returned, or upheld and rejected.")
        raise DomainError(message, fields={"outcome": [message]})
    locked = (
        Objection.objects.select_for_update()
        .select_related("entry__application")
        .get(pk=objection.pk)
    )
    if action not in application_workflow(locked.entry.application):
        message = _(
            "A basic filing cannot be returned: dismiss the objection, or uphold it and reject "
            "the filing."
        )
        raise DomainError(message, fields={"outcome": [message]})
    if locked.status != Objection.Status.OPEN:
        raise Conflict(_("This objection has been decided already."), code=ErrorCode.NOT_READY)
    if not (investigation or "").strip():
        message = _("Record what the investigation found.")
        raise DomainError(message, fields={"investigation": [message]})
    application_transition(
        application=locked.entry.application_id,
        action=action,
        actor=actor,
        reason=reason,
        data={"objection": locked.pk, "outcome": outcome, "investigation": investigation},
    )
    locked.refresh_from_db()
    return locked


def effect_resolve_objection(context: TransitionContext) -> None:
    objection = Objection.objects.select_for_update().get(
        pk=context.data["objection"], entry__application=context.application
    )
    upheld = context.action != Action.DISMISS_OBJECTION
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.investigation = str(context.data.get("investigation", "")).strip()[:5000]
    objection.outcome_reason = context.reason
    objection.decided_by = context.actor
    objection.decided_at = timezone.now()
    objection.save()
    context.extra.update(objection=objection.pk, outcome=objection.status)


def publicity_clearance(application: Application, *, required: bool) -> Decision:
    """Whether publicity allows certifying the application now (the CERTIFY guard)."""
    if application.status != ApplicationState.IN_PUBLICITY:
        if required:
            return Decision(False, _("Publish the application for publicity first."))
        return Decision(True)
    entry = (
        PublicityEntry.objects.filter(application=application)
        .select_related("publicity")
        .order_by("-publicity__starts_on", "-pk")
        .first()
    )
    if entry is None:
        return Decision(False, _("Publish the application for publicity first."))
    if timezone.localdate() <= entry.publicity.ends_on:
        return Decision(
            False,
            _("The publicity period runs until %(end)s.") % {"end": entry.publicity.ends_on},
        )
    if entry.objections.filter(status=Objection.Status.OPEN).exists():
        return Decision(False, _("An objection against this application is being investigated."))
    return Decision(True)
