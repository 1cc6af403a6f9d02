"""Deadlines the portal acts on by itself (issue 13): a certified factory's self-assessment
lapsing, the grace period of a lapse suspension, the end of a publicity, a cultivation
milestone.

Each kind has one sweep (``deadlines_sweep``, run daily by beat and safe to run at any time).
A sweep takes the due rows of its kind in batches, each batch in one transaction with its rows
locked (``SKIP LOCKED``: two workers share the work), and acts on the whole batch in a few
statements: certificates change status in one UPDATE, their audit events go in by one COPY,
and the notices and webhook events are outbox rows written in the same transaction. Each row
moves on (``step``, ``next_on``) in that transaction too: a sweep run twice, or killed half-way
and run again, does nothing twice.

The plans (which reminder, when to lapse) are the pure functions of ``certification.deadlines``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import NotificationKind, Role, User
from accounts.services import Notice, notification_send_each, notifications_send
from assessments.models import Assessment
from certification import deadlines as plans
from certification.deadlines import Act
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    CultivationMilestone,
    Deadline,
    ExpertAssignment,
    Publicity,
    Suspension,
    TierConditionsEdition,
)
from certification.selectors import tier_condition_for, tier_edition_current, tier_edition_get
from certification.workflow.definitions import CertificateAction, workflow_get
from certification.workflow.engine import certificate_transition, webhook_events_add
from certification.workflow.events import EventType
from certification.workflow.policies import POLICY_ROLES, Policy, policy_check, step_reviewers
from certification.workflow.states import STATES
from core.bulk import insert_rows, update_rows
from core.outbox import outbox_add, outbox_add_many
from workdays.calendar import CalendarYearMissing, add_working_days
from workdays.selectors import working_calendar

logger = logging.getLogger(__name__)

CURRENT = (Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED)


def _portal_language_text(message: Promise, **params: object) -> str:
    """An audit reason the portal writes: in the portal's default language, like the rules'
    messages (the page shows it to every reader the same)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


# --- keeping the rows --------------------------------------------------------------------------


# A transaction for the locks when called alone; inside the caller's, no savepoint of its own
# (two round trips in each batch of certificates): a failure fails the caller's block anyway.
@transaction.atomic(savepoint=False)
def lapse_deadlines_refresh(factory_ids: Collection[int] | None = None) -> int:
    """The assessment-lapse row of each factory (of ``factory_ids``, or every factory) that
    holds a current certificate: due the day after its latest submitted assessment's validity.
    A row whose due day moves (a new assessment) starts its reminders again. Returns how many
    rows were created or moved."""
    certified = Certificate.objects.filter(status__in=CURRENT)
    if factory_ids is not None:
        certified = certified.filter(factory_id__in=list(factory_ids))
    wanted_factories = certified.values("factory_id")
    latest = dict(
        Assessment.objects.filter(
            factory_id__in=wanted_factories,
            status=Assessment.Status.SUBMITTED,
            valid_until__isnull=False,
        )
        .values("factory_id")
        .annotate(last=Max("valid_until"))
        .values_list("factory_id", "last")
    )
    if not latest:
        return 0
    days = tier_edition_current().lapse_reminder_days
    due = {factory_id: plans.lapse_day(valid_until) for factory_id, valid_until in latest.items()}
    existing: dict[int, Deadline] = {}
    for row in Deadline.objects.select_for_update().filter(
        kind=Deadline.Kind.ASSESSMENT_LAPSE, factory_id__in=list(due)
    ):
        existing[row.factory_id or 0] = row
    now = timezone.now()
    moved = []
    for factory_id, row in existing.items():
        if row.due_on != due[factory_id]:
            row.due_on = due[factory_id]
            row.step = 0
            row.next_on = plans.lapse_first_look(row.due_on, days)
            row.done_at = None
            row.updated_at = now
            moved.append(row)
    Deadline.objects.bulk_update(moved, ["due_on", "step", "next_on", "done_at", "updated_at"])
    created = Deadline.objects.bulk_create(
        [
            Deadline(
                kind=Deadline.Kind.ASSESSMENT_LAPSE,
                factory_id=factory_id,
                due_on=day,
                next_on=plans.lapse_first_look(day, days),
            )
            for factory_id, day in due.items()
            if factory_id not in existing
        ],
        ignore_conflicts=True,  # a concurrent refresh made it: that one is as good
    )
    return len(moved) + len(created)


def certificate_deadlines_close(certificate_ids: Collection[int]) -> int:
    """A certificate left its suspension (reinstated, revoked, superseded): its grace period
    no longer runs."""
    return Deadline.objects.filter(
        kind=Deadline.Kind.SUSPENSION_GRACE,
        certificate_id__in=list(certificate_ids),
        next_on__isnull=False,
    ).update(next_on=None, done_at=timezone.now())


def _grace_deadlines_start(certificate_ids: list[int], today: date, grace_days: int) -> None:
    due = plans.grace_end(today, grace_days)
    now = timezone.now()
    existing = Deadline.objects.filter(
        kind=Deadline.Kind.SUSPENSION_GRACE, certificate_id__in=certificate_ids
    )
    restarted = set(existing.values_list("certificate_id", flat=True))
    existing.update(due_on=due, next_on=due, step=0, done_at=None, updated_at=now)
    Deadline.objects.bulk_create(
        Deadline(kind=Deadline.Kind.SUSPENSION_GRACE, certificate_id=pk, due_on=due, next_on=due)
        for pk in certificate_ids
        if pk not in restarted
    )


def publicity_deadline_add(publicity: Publicity) -> Deadline:
    """The day after a publicity's last day its objection window is closed: the authority is
    told, and webhook subscribers get ``publicity.closed``."""
    day = publicity.ends_on + timedelta(days=1)
    row, _created = Deadline.objects.update_or_create(
        kind=Deadline.Kind.PUBLICITY_END,
        publicity=publicity,
        defaults={"due_on": day, "next_on": day, "step": 0, "done_at": None},
    )
    return row


def milestone_deadlines_add(milestones: Collection[CultivationMilestone]) -> None:
    Deadline.objects.bulk_create(
        Deadline(
            kind=Deadline.Kind.MILESTONE,
            milestone=milestone,
            due_on=milestone.due_on,
            next_on=plans.milestone_plan(due_on=milestone.due_on, step=0, today=date.min).next_on,
        )
        for milestone in milestones
    )


def milestone_deadline_close(milestone: CultivationMilestone) -> None:
    Deadline.objects.filter(
        kind=Deadline.Kind.MILESTONE, milestone=milestone, next_on__isnull=False
    ).update(next_on=None, done_at=timezone.now())


# --- a new assessment --------------------------------------------------------------------------


@transaction.atomic
def assessment_submitted(*, assessment_id: int) -> dict[str, int]:
    """A factory submitted a self-assessment (the outbox's handler, written with the
    submission): its lapse deadline moves on; each of its certificates suspended for a lapse
    is reinstated when the new level reaches the tier's, and flagged for the certifying
    authority when it does not. Idempotent."""
    assessment = (
        Assessment.objects.filter(pk=assessment_id, status=Assessment.Status.SUBMITTED)
        .only("pk", "factory_id", "maturity_level", "submitted_at", "valid_until")
        .first()
    )
    if assessment is None:
        return {}
    lapse_deadlines_refresh([assessment.factory_id])
    if assessment.valid_until is None or assessment.valid_until < timezone.localdate():
        return {}  # handled late, after it expired itself: it reinstates nothing
    suspended = list(
        Certificate.objects.select_for_update(of=("self",))
        .select_related("application")
        .filter(
            factory_id=assessment.factory_id,
            status=Certificate.Status.SUSPENDED,
            suspended_for=Suspension.LAPSE,
        )
    )
    done: Counter[str] = Counter()
    level = assessment.maturity_level or 0
    for certificate in suspended:
        needed = tier_condition_for(
            certificate.application.tier_edition_id, certificate.tier
        ).min_maturity_level
        if level >= needed:
            certificate_transition(
                certificate=certificate,
                action=CertificateAction.REINSTATE,
                actor=None,
                reason=_portal_language_text(
                    gettext_lazy(
                        "A new self-assessment at maturity level %(level)s was submitted."
                    ),
                    level=level,
                ),
                extra={"assessment": assessment.pk},
            )
            done["reinstated"] += 1
            continue
        note = _portal_language_text(
            gettext_lazy(
                "A new self-assessment came in at maturity level %(level)s, below the level "
                "%(needed)s of the tier: decide whether to reinstate or revoke the certificate."
            ),
            level=level,
            needed=needed,
        )
        if certificate.flag_note != note or certificate.flagged_at is None:
            Certificate.objects.filter(pk=certificate.pk).update(
                flagged_at=timezone.now(), flag_note=note
            )
            outbox_add("deadline_notice", certificate_id=certificate.pk, act="flagged")
            done["flagged"] += 1
    return dict(done)


# --- the sweeps --------------------------------------------------------------------------------


def deadlines_sweep(
    kind: str, *, today: date | None = None, batch: int | None = None, seconds: float = 500.0
) -> Counter[str]:
    """Act on the due rows of ``kind``, a batch (``DEADLINE_SWEEP_BATCH_SIZE``) per
    transaction, until none is left or ``seconds`` have passed. Returns what was done, by act."""
    today = today or timezone.localdate()
    batch = batch or settings.DEADLINE_SWEEP_BATCH_SIZE
    run = SWEEPS[kind]
    done: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        acted, seen = run(today, batch)
        done.update(acted)
        if seen < batch:
            break
    return done


def _due(kind: str, today: date, size: int) -> list[Deadline]:
    return list(
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(kind=kind, next_on__lte=today)
        .order_by("next_on", "pk")[:size]
    )


def _moved_on(rows: list[Deadline]) -> None:
    now = timezone.now()
    update_rows(
        Deadline,
        ("step", "next_on", "done_at", "updated_at"),
        (
            (
                row.pk,
                row.step,
                row.next_on,
                row.done_at or (now if row.next_on is None else None),
                now,
            )
            for row in rows
        ),
    )


def _certificates_move(
    certificates: list[Certificate],
    *,
    action: str,
    status: str,
    reasons: dict[int, str],
    suspended_for: str = "",
) -> list[int]:
    """Certificates (locked by the caller) change status as the portal's act, in one UPDATE
    per reason and one COPY of their audit events. Returns the ids."""
    if not certificates:
        return []
    now = timezone.now()
    update_rows(
        Certificate,
        ("status", "status_reason", "status_changed_at", "suspended_for"),
        ((c.pk, status, reasons[c.pk], now, suspended_for) for c in certificates),
    )
    event_types: dict[str, EventType] = {
        CertificateAction.SUSPEND: EventType.CERTIFICATE_SUSPENDED,
        CertificateAction.REVOKE: EventType.CERTIFICATE_REVOKED,
    }
    event_type = event_types[action]
    events = insert_rows(
        AuditEvent,
        ("certificate_id", "event_type", "from_status", "to_status", "reason", "extra_data"),
        (
            (c.pk, event_type, c.status, status, reasons[c.pk], {"deadline": True})
            for c in certificates
        ),
    )
    webhook_events_add(events)
    _recheck_dependants(certificates)
    return [c.pk for c in certificates]


def _recheck_dependants(certificates: list[Certificate]) -> None:
    """Applications under review that rely on a certificate that was just suspended or revoked
    are checked again, as when an authority suspends one: through the outbox, one row per
    factory and tier that has such applications (few), so the sweep stays a few statements."""
    from certification.services.reviews import PREREQUISITE_RECHECKED_STATES

    reviewed = set(
        Application.objects.filter(
            factory_id__in={c.factory_id for c in certificates},
            status__in=PREREQUISITE_RECHECKED_STATES,
        ).values_list("factory_id", flat=True)
    )
    outbox_add_many(
        "prerequisite_recheck",
        [
            {"factory_id": factory_id, "tier": tier}
            for factory_id, tier in sorted({(c.factory_id, c.tier) for c in certificates})
            if factory_id in reviewed
        ],
    )


@transaction.atomic
def _lapse_batch(today: date, size: int) -> tuple[Counter[str], int]:
    rows = _due(Deadline.Kind.ASSESSMENT_LAPSE, today, size)
    done: Counter[str] = Counter()
    if not rows:
        return done, 0
    edition = tier_edition_current()
    planned = {
        row.pk: plans.lapse_plan(
            due_on=row.due_on, step=row.step, today=today, days=edition.lapse_reminder_days
        )
        for row in rows
    }
    row_of = {row.factory_id: row for row in rows}
    active = list(
        Certificate.objects.select_for_update()
        .filter(factory_id__in=list(row_of), status=Certificate.Status.ACTIVE)
        .order_by("pk")
        .only("pk", "factory_id", "tier", "status")
    )
    certified = {c.factory_id for c in active}
    lapsing = [c for c in active if planned[row_of[c.factory_id].pk].act is Act.LAPSE]
    reasons = {
        c.pk: _portal_language_text(
            gettext_lazy("The self-assessment lapsed on %(day)s."),
            day=row_of[c.factory_id].due_on.isoformat(),
        )
        for c in lapsing
    }
    suspended = _certificates_move(
        lapsing,
        action=CertificateAction.SUSPEND,
        status=Certificate.Status.SUSPENDED,
        reasons=reasons,
        suspended_for=Suspension.LAPSE,
    )
    if suspended:
        _grace_deadlines_start(suspended, today, edition.suspension_grace_days)
    notices = []
    for row in rows:
        plan = planned[row.pk]
        if plan.act is not Act.NOTHING and row.factory_id in certified:
            notices.append({"deadline_id": row.pk, "step": plan.step, "act": str(plan.act)})
            done[str(plan.act)] += 1
        row.step, row.next_on = plan.step, plan.next_on
    outbox_add_many("deadline_notice", notices)
    if suspended:
        done["suspended"] += len(suspended)
    _moved_on(rows)
    return done, len(rows)


@transaction.atomic
def _grace_batch(today: date, size: int) -> tuple[Counter[str], int]:
    rows = _due(Deadline.Kind.SUSPENSION_GRACE, today, size)
    done: Counter[str] = Counter()
    if not rows:
        return done, 0
    lapsed = list(
        Certificate.objects.select_for_update()
        .filter(
            pk__in=[row.certificate_id for row in rows],
            status=Certificate.Status.SUSPENDED,
            suspended_for=Suspension.LAPSE,
        )
        .order_by("pk")
        .only("pk", "factory_id", "tier", "status")
    )
    reason = _portal_language_text(
        gettext_lazy(
            "Suspended for a lapsed self-assessment longer than the grace period: revoked."
        )
    )
    revoked = _certificates_move(
        lapsed,
        action=CertificateAction.REVOKE,
        status=Certificate.Status.REVOKED,
        reasons={c.pk: reason for c in lapsed},
    )
    outbox_add_many("deadline_notice", [{"certificate_id": pk, "act": "revoked"} for pk in revoked])
    if revoked:
        done["revoked"] += len(revoked)
    for row in rows:
        row.step, row.next_on = 1, None
    _moved_on(rows)
    return done, len(rows)


@transaction.atomic
def _publicity_batch(today: date, size: int) -> tuple[Counter[str], int]:
    rows = _due(Deadline.Kind.PUBLICITY_END, today, size)
    done: Counter[str] = Counter()
    for row in rows:
        outbox_add("webhook_event", publicity_id=row.publicity_id, event="publicity.closed")
        outbox_add("deadline_notice", deadline_id=row.pk, step=1, act="closed")
        row.step, row.next_on = 1, None
        done["closed"] += 1
    _moved_on(rows)
    return done, len(rows)


@transaction.atomic
def _milestone_batch(today: date, size: int) -> tuple[Counter[str], int]:
    rows = _due(Deadline.Kind.MILESTONE, today, size)
    done: Counter[str] = Counter()
    reported = set(
        CultivationMilestone.objects.filter(
            pk__in=[row.milestone_id for row in rows], reported_at__isnull=False
        ).values_list("pk", flat=True)
    )
    for row in rows:
        plan = plans.milestone_plan(due_on=row.due_on, step=row.step, today=today)
        if row.milestone_id in reported:
            plan = plans.Plan(Act.NOTHING, 2, None)
        if plan.act is not Act.NOTHING:
            outbox_add("deadline_notice", deadline_id=row.pk, step=plan.step, act=str(plan.act))
            done[str(plan.act)] += 1
        row.step, row.next_on = plan.step, plan.next_on
    _moved_on(rows)
    return done, len(rows)


def _review_steps_refresh(size: int) -> int:
    """The review-step rows of applications that entered a timed step since the last run (at
    most ``size``): due the edition's number of working days after the step began. Those whose
    period reaches into a year without a published calendar wait for it (the admin is warned
    from November); nothing is guessed."""
    timed = {
        state
        for edition in TierConditionsEdition.objects.filter(
            status=TierConditionsEdition.Status.PUBLISHED
        )
        for state in edition.review_step_working_days
    }
    current = Deadline.objects.filter(
        kind=Deadline.Kind.REVIEW_STEP,
        application=OuterRef("pk"),
        stage=OuterRef("status"),
        stage_started_at=OuterRef("state_changed_at"),
    )
    entered = list(
        Application.objects.filter(status__in=timed, state_changed_at__isnull=False)
        .exclude(Exists(current))
        .only("pk", "status", "state_changed_at", "tier_edition_id")
        .order_by("pk")[:size]
    )
    if not entered:
        return 0
    calendar = working_calendar()
    due: dict[int, tuple[Application, date]] = {}
    for application in entered:
        days = tier_edition_get(application.tier_edition_id).review_step_working_days
        if application.status not in days or application.state_changed_at is None:
            continue
        started = timezone.localdate(application.state_changed_at)
        try:
            due[application.pk] = (
                application,
                add_working_days(started, int(days[application.status]), calendar),
            )
        except CalendarYearMissing:
            logger.warning("review step of application %s: calendar year missing", application.pk)
    rows = {
        row.application_id: row
        for row in Deadline.objects.select_for_update().filter(
            kind=Deadline.Kind.REVIEW_STEP, application_id__in=list(due)
        )
    }
    now = timezone.now()
    moved: list[Deadline] = []
    created: list[Deadline] = []
    for pk, (application, day) in due.items():
        row = rows.get(pk) or Deadline(kind=Deadline.Kind.REVIEW_STEP, application_id=pk)
        row.stage, row.stage_started_at = application.status, application.state_changed_at
        row.due_on = row.next_on = day
        row.step, row.done_at, row.updated_at = 0, None, now
        (moved if row.pk else created).append(row)
    Deadline.objects.bulk_update(
        moved, ["stage", "stage_started_at", "due_on", "next_on", "step", "done_at", "updated_at"]
    )
    Deadline.objects.bulk_create(created, ignore_conflicts=True)
    return len(entered)


@transaction.atomic
def _review_batch(today: date, size: int) -> tuple[Counter[str], int]:
    """Review steps: rows for the steps entered since the last run, then an overdue notice to
    the step's reviewers for each application still at a step whose day has come."""
    refreshed = _review_steps_refresh(size)
    rows = _due(Deadline.Kind.REVIEW_STEP, today, size)
    done: Counter[str] = Counter()
    still = {
        (pk, status, changed)
        for pk, status, changed in Application.objects.filter(
            pk__in=[row.application_id for row in rows]
        ).values_list("pk", "status", "state_changed_at")
    }
    notices = []
    for row in rows:
        if (row.application_id, row.stage, row.stage_started_at) in still:
            notices.append({"deadline_id": row.pk, "step": 1, "act": "overdue"})
            done["overdue"] += 1
        row.step, row.next_on = 1, None
    outbox_add_many("deadline_notice", notices)
    _moved_on(rows)
    return done, max(len(rows), refreshed)


SWEEPS: dict[str, Callable[[date, int], tuple[Counter[str], int]]] = {
    Deadline.Kind.ASSESSMENT_LAPSE: _lapse_batch,
    Deadline.Kind.SUSPENSION_GRACE: _grace_batch,
    Deadline.Kind.PUBLICITY_END: _publicity_batch,
    Deadline.Kind.MILESTONE: _milestone_batch,
    Deadline.Kind.REVIEW_STEP: _review_batch,
}


# --- the notices -------------------------------------------------------------------------------


def _officials_of(authority_ids: Collection[int]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            authority_id__in=list(authority_ids),
            role__in=[Role.CITY_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.MIIT_REVIEWER],
        )
    )


def _members_of(enterprise_id: int) -> list[User]:
    return list(User.objects.filter(is_active=True, memberships__enterprise_id=enterprise_id))


def deadline_notice(**payload: Any) -> int:
    """Tell the people concerned what a sweep did (the outbox's handler for one row)."""
    return deadline_notices([payload])


def deadline_notices(payloads: Sequence[dict[str, Any]]) -> int:
    """The notices of many sweep acts (the outbox's batch handler), in a fixed number of
    queries: once per deadline step or certificate change, each in its recipients' language
    (``accounts.services.notifications_send``). Returns how many people were told."""
    told = sum(
        _certificate_notice(p["certificate_id"], p["act"])
        for p in payloads
        if p.get("certificate_id") is not None
    )
    wanted = [p for p in payloads if p.get("deadline_id") is not None]
    rows = Deadline.objects.select_related(
        "factory__enterprise",
        "publicity",
        "milestone__cultivation__application__factory",
        "application__factory__enterprise",
    ).in_bulk([p["deadline_id"] for p in wanted])
    enterprises: set[int] = set()
    lapsed: set[int] = set()
    for payload in wanted:
        row = rows.get(payload["deadline_id"])
        if row is not None and row.factory is not None:
            enterprises.add(row.factory.enterprise_id)
            if payload["act"] == Act.LAPSE:
                lapsed.add(row.factory.pk)
        elif row is not None and row.milestone is not None:
            enterprises.add(row.milestone.cultivation.application.factory.enterprise_id)
    members: dict[int, list[User]] = defaultdict(list)
    for member in User.objects.filter(
        is_active=True, memberships__enterprise_id__in=enterprises
    ).annotate(member_of=F("memberships__enterprise_id")):
        members[member.member_of].append(member)
    suspended_by: dict[int, set[int]] = defaultdict(set)
    for factory_id, authority_id in Certificate.objects.filter(
        factory_id__in=lapsed, status=Certificate.Status.SUSPENDED
    ).values_list("factory_id", "authority_id"):
        suspended_by[factory_id].add(authority_id)
    publicity_authorities = {r.publicity.authority_id for r in rows.values() if r.publicity}
    officials: dict[int, list[User]] = defaultdict(list)
    for user in _officials_of(set().union(publicity_authorities, *suspended_by.values())):
        officials[user.authority_id or 0].append(user)
    ministry = _ministry_reviewers() if any(r.milestone for r in rows.values()) else []
    notices = []
    for payload in wanted:
        row = rows.get(payload["deadline_id"])
        if row is None:
            continue
        notice = _deadline_notice_for(
            row,
            act=payload["act"],
            key=f"deadline:{row.pk}:{row.due_on.isoformat()}:{payload.get('step', 0)}",
            members=members,
            officials=officials,
            suspended_by=suspended_by,
            ministry=ministry,
        )
        if notice is not None:
            notices.append(notice)
    return told + notifications_send(notices)


def _ministry_reviewers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role=Role.MIIT_REVIEWER, authority__level="national")
    )


def _deadline_notice_for(
    row: Deadline,
    *,
    act: str,
    key: str,
    members: dict[int, list[User]],
    officials: dict[int, list[User]],
    suspended_by: dict[int, set[int]],
    ministry: list[User],
) -> Notice | None:
    if row.kind == Deadline.Kind.ASSESSMENT_LAPSE and row.factory is not None:
        factory = row.factory
        recipients = list(members[factory.enterprise_id])
        if act == Act.LAPSE:
            for authority_id in sorted(suspended_by[factory.pk]):
                recipients += officials[authority_id]

        def message() -> tuple[str, str]:
            if act == Act.LAPSE:
                return (
                    _("%(factory)s: self-assessment lapsed, certificates suspended")
                    % {"factory": factory.name},
                    _(
                        "The self-assessment of %(factory)s lapsed on %(day)s and its active "
                        "certificates are suspended. Submitting a new self-assessment at the "
                        "tier's level reinstates them."
                    )
                    % {"factory": factory.name, "day": row.due_on.isoformat()},
                )
            left = max((row.due_on - timezone.localdate()).days, 0)
            return (
                ngettext(
                    "%(factory)s: self-assessment due in %(days)s day",
                    "%(factory)s: self-assessment due in %(days)s days",
                    left,
                )
                % {"factory": factory.name, "days": left},
                _(
                    "The self-assessment of %(factory)s is valid until %(day)s. Submit a new "
                    "one before then, or its certificates are suspended."
                )
                % {"factory": factory.name, "day": (row.due_on - timedelta(days=1))},
            )

        # The factory's assessments: a member starts the new one there (from the last one).
        return Notice(
            recipients,
            key,
            NotificationKind.DEADLINE,
            message,
            reverse("assessment-list") + f"?factory={factory.pk}",
        )
    if row.kind == Deadline.Kind.PUBLICITY_END and row.publicity is not None:
        publicity = row.publicity

        def closed() -> tuple[str, str]:
            return (
                _("Publicity ended: %(title)s") % {"title": publicity.title},
                _(
                    "The publicity %(title)s ended on %(day)s; the factories without an open "
                    "objection may now be certified."
                )
                % {"title": publicity.title, "day": publicity.ends_on.isoformat()},
            )

        return Notice(
            officials[publicity.authority_id],
            key,
            NotificationKind.DEADLINE,
            closed,
            reverse("publicity-detail", kwargs={"pk": publicity.pk}),
        )
    if row.kind == Deadline.Kind.MILESTONE and row.milestone is not None:
        milestone = row.milestone
        application = milestone.cultivation.application
        recipients = list(members[application.factory.enterprise_id])
        if act == Act.LAPSE:
            recipients += ministry

        def due() -> tuple[str, str]:
            subject = (
                _("Milestone report overdue: %(title)s")
                if act == Act.LAPSE
                else _("Milestone report due soon: %(title)s")
            ) % {"title": milestone.title}
            return subject, _("%(factory)s reports on this milestone by %(day)s.") % {
                "factory": application.factory.name,
                "day": milestone.due_on.isoformat(),
            }

        return Notice(
            recipients,
            key,
            NotificationKind.DEADLINE,
            due,
            reverse("application-detail", kwargs={"pk": application.pk}),
        )
    if row.kind == Deadline.Kind.REVIEW_STEP and row.application is not None:
        application = row.application
        stage = STATES[row.stage].staff_label if row.stage in STATES else row.stage

        def overdue() -> tuple[str, str]:
            return (
                _("Overdue: %(step)s of %(factory)s")
                % {"step": stage, "factory": application.factory.name},
                _(
                    "The %(tier)s application of %(factory)s has waited at the step "
                    "“%(step)s” since %(since)s; the step was due on %(due)s."
                )
                % {
                    "tier": application.get_tier_display(),
                    "factory": application.factory.name,
                    "step": stage,
                    "since": timezone.localdate(row.stage_started_at).isoformat()
                    if row.stage_started_at
                    else "",
                    "due": row.due_on.isoformat(),
                },
            )

        return Notice(
            _step_reviewers(application),
            key,
            NotificationKind.DEADLINE,
            overdue,
            reverse("application-detail", kwargs={"pk": application.pk}),
        )
    return None


def _step_reviewers(application: Application) -> list[User]:
    """The people who may act on the application's current step (the policies of its
    transitions from this state, as the engine checks them)."""
    policies = set()
    for transition in workflow_get(application.workflow).values():
        if application.status not in transition.sources:
            continue
        if transition.policy in (Policy.SYSTEM, Policy.APPLICANT):
            continue
        policy = (
            step_reviewers(application.workflow).get(application.status)
            if transition.policy is Policy.STEP_REVIEWER
            else transition.policy
        )
        if policy is not None:
            policies.add(policy)
    if not policies:
        return []
    roles = set().union(*(POLICY_ROLES[policy] for policy in policies))
    experts = ExpertAssignment.objects.filter(application=application).values("expert__user_id")
    nearby = (
        Q(authority__province_id=application.province_id)
        | Q(authority__level="national")
        | Q(pk__in=experts)
    )
    candidates = User.objects.filter(nearby, is_active=True, role__in=roles).select_related(
        "authority"
    )
    return [
        user
        for user in candidates
        if any(policy_check(policy, user, application) for policy in policies)
    ]


def _certificate_notice(certificate_id: int, act: str) -> int:
    certificate = (
        Certificate.objects.select_related("factory__enterprise").filter(pk=certificate_id).first()
    )
    if certificate is None:
        return 0
    if act == "flagged":
        recipients = _officials_of([certificate.authority_id])
        key = f"certificate-flag:{certificate.pk}:{certificate.flagged_at}"
    else:
        recipients = _members_of(certificate.factory.enterprise_id) + _officials_of(
            [certificate.authority_id]
        )
        key = f"certificate-{act}:{certificate.pk}"

    def message() -> tuple[str, str]:
        if act == "flagged":
            subject = _("Certificate %(number)s needs your decision")
        else:
            subject = _("Certificate %(number)s revoked after the grace period")
        return (
            subject % {"number": certificate.number},
            certificate.flag_note if act == "flagged" else certificate.status_reason,
        )

    return notification_send_each(
        recipients=recipients,
        key=key[:100],
        kind=NotificationKind.CERTIFICATE,
        message=message,
        link=reverse("certificate-list") + f"?number={certificate.number}",
    )
