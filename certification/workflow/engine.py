"""The one engine that applies any transition of any workflow.

``application_transition`` locks the application, finds the transition of its workflow for the
action, checks the state, the actor's policy and the action's guard, requires a reason where
the table says so, runs the effects (they write their rows and may queue work after commit),
writes the new state and one typed audit event, and fires a follow-up system action when the
table chains one. ``available_actions_for`` answers the same questions without acting, so the
buttons, the API and the worklists agree with what the engine will accept.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import AnyUser, Decision
from certification.error_codes import ErrorCode
from certification.models import Application, AuditEvent, Certificate, Deadline, Suspension
from certification.workflow.definitions import (
    CERTIFICATE_TRANSITIONS,
    Action,
    CertificateAction,
    Transition,
    workflow_get,
)
from certification.workflow.events import EventType
from certification.workflow.policies import (
    Policy,
    certificate_authority_check,
    guard_check,
    policy_check,
    policy_roles,
)
from certification.workflow.states import DECIDED_STATES, STATES
from core.bulk import insert_rows
from core.dispatch import task_queue_on_commit
from core.errors import Conflict, DomainError, PermissionDenied
from core.outbox import outbox_add, outbox_add_kinds, outbox_add_many

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 5000


@dataclass
class TransitionContext:
    """What an effect sees and may change: the locked application, who acts and with what,
    where the application goes (``target``) and the audit event's ``extra`` data."""

    application: Application
    action: str
    transition: Transition
    actor: User | None
    reason: str
    data: Mapping[str, Any]
    from_state: str
    target: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionCheck:
    allowed: bool
    reason: str = ""
    status: int = 200  # the HTTP status of the refusal: 409 state or readiness, 403 policy
    code: str = ""  # the refusal's error code

    def refusal(self) -> DomainError:
        error = PermissionDenied if self.status == 403 else Conflict
        return error(self.reason, code=self.code)

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class ActionOption:
    """One action a user may (or may not yet) take on an application, for buttons and API."""

    action: str
    label: str
    allowed: bool
    reason: str
    needs_reason: bool
    form: str
    tone: str


def lock_application(application: Application | int) -> Application:
    pk = application if isinstance(application, int) else application.pk
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "factory__enterprise", "factory__city__province", "campaign", "tier_edition"
        )
        .get(pk=pk)
    )


def application_workflow(application: Application) -> Mapping[str, Transition]:
    return workflow_get(application.workflow)


def _transition(application: Application, action: str) -> Transition:
    transition = application_workflow(application).get(action)
    if transition is None:
        raise Conflict(
            _("Applications of this tier have no step '%(action)s'.") % {"action": action},
            code=ErrorCode.UNKNOWN_ACTION,
        )
    return transition


def action_check(
    user: AnyUser | None, application: Application, action: str, transition: Transition
) -> ActionCheck:
    """May ``user`` fire ``action`` on ``application`` now? State first, then who, then
    readiness; the first refusal is the reason."""
    if application.status not in transition.sources:
        return ActionCheck(
            False,
            _("This cannot be done while the application is %(state)s.")
            % {"state": STATES[application.status].staff_label},
            409,
            ErrorCode.INVALID_TRANSITION,
        )
    decision: Decision = policy_check(transition.policy, user, application)
    if not decision:
        return ActionCheck(False, decision.reason, 403, "forbidden")
    if transition.guard is not None:
        ready = guard_check(transition.guard, application)
        if not ready:
            return ActionCheck(False, ready.reason, 409, ErrorCode.NOT_READY)
    return ActionCheck(True)


def _clean_reason(transition: Transition, reason: str) -> str:
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    if transition.needs_reason and not reason:
        message = _("Give the reason.")
        raise DomainError(message, fields={"reason": [message]})
    return reason


@transaction.atomic
def application_transition(
    *,
    application: Application | int,
    action: str,
    actor: User | None,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> Application:
    """Fire ``action`` on the application as ``actor`` (None: the portal itself)."""
    locked = lock_application(application)
    transition = _transition(locked, action)
    check = action_check(actor, locked, action, transition)
    if not check:
        raise check.refusal()
    resume_at = locked.resume_state if transition.resumes else ""
    context = TransitionContext(
        application=locked,
        action=action,
        transition=transition,
        actor=actor,
        reason=_clean_reason(transition, reason),
        data=data or {},
        from_state=locked.status,
        target=resume_at or transition.target_from(locked.status) or locked.status,
    )
    if resume_at:
        context.extra["resumed_at"] = resume_at
        locked.resume_state = ""
    for effect in transition.effects:
        import_string(effect)(context)
    now = timezone.now()
    if context.target != locked.status:
        locked.status = context.target
        locked.state_changed_at = now
    if locked.status in DECIDED_STATES and locked.decided_at is None:
        locked.decided_at = now
    locked.save()
    event = event_record(
        event_type=transition.event_type,
        application=locked,
        actor=actor,
        from_status=context.from_state,
        to_status=locked.status,
        reason=context.reason,
        extra=context.extra,
    )
    if transition.notify:  # in this transaction, delivered after it (core.outbox)
        outbox_add("application_event", event_id=event.pk)
    if transition.then:
        return application_transition(application=locked, action=transition.then, actor=None)
    return locked


# Effects with a batch form: a function given the contexts of every application of a batch
# that runs the effect, doing for all of them in a few statements what the effect does for one.
# A chain of transitions whose effects all have one is fired on a whole batch at once.
BATCH_EFFECTS: Mapping[str, str] = {
    "certification.services.checks.effect_record_failed_rules": (
        "certification.services.checks.effects_record_failed_rules"
    ),
    "certification.services.certificates.effect_self_declare": (
        "certification.services.certificates.effects_self_declare"
    ),
}


def _batchable(application: Application, action: str) -> bool:
    """Do the action and the actions it chains to have only effects with a batch form?"""
    seen: set[str] = set()
    while action and action not in seen:
        seen.add(action)
        transition = _transition(application, action)
        if not set(transition.effects) <= BATCH_EFFECTS.keys():
            return False
        action = transition.then or ""
    return True


def application_transitions_by_system(
    applications: Sequence[Application],
    *,
    actions: Mapping[int, str],
    data: Mapping[int, Mapping[str, Any]],
    also: Mapping[str, Any] | None = None,
) -> set[int]:
    """Fire a system action (and the actions it chains to) on each of many applications,
    already locked by the caller, as the portal itself. Where every effect of the chain has a
    batch form, the whole batch is moved at once: the effects run per kind for all, the
    applications are written in one statement per resulting state (with ``also``, columns set
    on every one that moved) and their audit events in one. Should that fail, and for chains
    with other effects, the transitions are fired one by one through
    ``application_transition``, each in a savepoint: one that fails is logged and left as it
    was, and the others go on. Returns the ids of those that moved."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the applications must be locked in the caller's transaction")
    batchable: dict[tuple[str, str], bool] = {}  # by workflow and action: a handful a batch
    batch = []
    for application in applications:
        key = (application.workflow, actions[application.pk])
        if key not in batchable:
            batchable[key] = _batchable(application, key[1])
        if batchable[key]:
            batch.append(application)
    batched = {a.pk for a in batch}
    single = [a for a in applications if a.pk not in batched]
    moved: set[int] = set()
    if batch:
        try:
            with transaction.atomic():
                moved |= _transitions_in_batch(batch, actions=actions, data=data, also=also)
        except Exception:
            logger.exception("a batch of %s transitions failed; firing them one by one", len(batch))
            single = list(applications)
    for application in single:
        try:
            with transaction.atomic():
                application_transition(
                    application=application.pk,
                    action=actions[application.pk],
                    actor=None,
                    data=data[application.pk],
                )
                if also:
                    Application.objects.filter(pk=application.pk).update(**also)
        except Exception:
            logger.exception(
                "%s failed for application %s", actions[application.pk], application.pk
            )
        else:
            moved.add(application.pk)
    return moved


# The columns of the audit rows a batch writes at once (the fields' defaults elsewhere).
_EVENT_COLUMNS = (
    *("application_id", "certificate_id", "actor_id", "acting_authority_id"),
    *("event_type", "from_status", "to_status", "extra_data"),
)
# While the effects of a batch of transitions run, the audit rows of the certificates they
# issue wait here (rows of _EVENT_COLUMNS) and go in ahead of the batch's own events, in the
# same statements: each statement is a round trip, and a batch of checks issues certificates.
_batch_events: ContextVar[list[tuple[Any, ...]] | None] = ContextVar("batch_events", default=None)


def _transitions_in_batch(
    applications: Sequence[Application],
    *,
    actions: Mapping[int, str],
    data: Mapping[int, Mapping[str, Any]],
    also: Mapping[str, Any] | None,
) -> set[int]:
    fired: list[tuple[Application, Transition, TransitionContext]] = []
    resumed: set[int] = set()
    before = {a.pk: (a.status, a.decided_at) for a in applications}
    collected: list[tuple[Any, ...]] = []  # the audit rows of the effects (_batch_events)
    pending = [(a, actions[a.pk], data[a.pk]) for a in applications]
    while pending:
        step = []
        for application, action, payload in pending:
            transition = _transition(application, action)
            check = action_check(None, application, action, transition)
            if not check:
                raise check.refusal()
            resume_at = application.resume_state if transition.resumes else ""
            context = TransitionContext(
                application=application,
                action=action,
                transition=transition,
                actor=None,
                reason="",
                data=payload,
                from_state=application.status,
                target=resume_at
                or transition.target_from(application.status)
                or application.status,
            )
            if resume_at:
                context.extra["resumed_at"] = resume_at
                resumed.add(application.pk)
            step.append(context)
        by_effect: dict[str, list[TransitionContext]] = defaultdict(list)
        for context in step:
            for effect in context.transition.effects:
                by_effect[effect].append(context)
        token = _batch_events.set(collected)
        try:
            for effect, contexts in by_effect.items():
                import_string(BATCH_EFFECTS[effect])(contexts)
        finally:
            _batch_events.reset(token)
        for context in step:
            context.application.status = context.target
            fired.append((context.application, context.transition, context))
        pending = [(c.application, c.transition.then, {}) for c in step if c.transition.then]
    now = timezone.now()
    groups: dict[tuple[tuple[str, Any], ...], list[int]] = defaultdict(list)
    moves: list[tuple[int, str, bool, bool, bool]] = []
    for application in applications:
        status, decided_at = before[application.pk]
        changes: dict[str, Any] = {"updated_at": now, **(also or {})}
        moved = application.status != status
        if moved:
            changes.update(status=application.status, state_changed_at=now)
        decided = application.status in DECIDED_STATES and decided_at is None
        if decided:
            changes["decided_at"] = now
        resumes = application.pk in resumed
        if resumes:
            changes["resume_state"] = ""
        for name, value in changes.items():
            setattr(application, name, value)
        groups[tuple(sorted(changes.items()))].append(application.pk)
        moves.append((application.pk, application.status, moved, decided, resumes))
    if len(groups) > 1 and connection.vendor == "postgresql":
        _applications_moved_write(moves, now=now, also=also or {})
    else:  # one UPDATE per kind of change (a handful: the resulting states)
        for changes_key, pks in groups.items():
            Application.objects.filter(pk__any=pks).update(**dict(changes_key))
    ids = insert_rows(
        AuditEvent,
        _EVENT_COLUMNS,
        [
            *collected,
            *(
                (a.pk, None, None, None, t.event_type, c.from_state, c.target, dict(c.extra))
                for a, t, c in fired
            ),
        ],
    )
    effect_events, events = ids[: len(collected)], ids[len(collected) :]
    # The outbox rows in one statement, in the order the separate calls wrote them: the
    # webhook events of the effects' events, the notifications, the webhook events.
    outbox_add_kinds(
        [("webhook_event", {"audit_event_id": event_id}) for event_id in effect_events]
        + [
            ("application_event", {"event_id": event_id})
            for event_id, (_application, transition, _context) in zip(events, fired, strict=True)
            if transition.notify
        ]
        + [("webhook_event", {"audit_event_id": event_id}) for event_id in events]
    )
    return {a.pk for a in applications}


def _applications_moved_write(
    moves: Sequence[tuple[int, str, bool, bool, bool]], *, now: Any, also: Mapping[str, Any]
) -> None:
    """What the UPDATEs per kind of change write, in one statement for the whole batch (each
    statement is a round trip; a sweep's batch makes three or four kinds): ``moves`` are
    (id, status, moved, decided, resumed), and a column is set only where its flag is, as the
    UPDATE of its kind would. ``also``: columns set on every row."""
    meta = Application._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(str(cast(Field, meta.get_field(name)).column))

    fields = [cast(Field, meta.get_field(name)) for name in also]
    extra = "".join(f", {quote(str(f.column))} = %s" for f in fields)
    # Identifiers from the model's metadata, quoted; every value is a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {column('status')} = v.status, "  # noqa: S608
        f"{column('state_changed_at')} = CASE WHEN v.moved THEN %s "
        f"ELSE t.{column('state_changed_at')} END, "
        f"{column('decided_at')} = CASE WHEN v.decided THEN %s ELSE t.{column('decided_at')} END, "
        f"{column('resume_state')} = CASE WHEN v.resumed THEN '' "
        f"ELSE t.{column('resume_state')} END, {column('updated_at')} = %s{extra} "
        "FROM unnest(%s::bigint[], %s::text[], %s::boolean[], %s::boolean[], %s::boolean[]) "
        f"AS v(pk, status, moved, decided, resumed) WHERE t.{column('id')} = v.pk"
    )
    values = [f.get_db_prep_save(also[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, now, *values, *map(list, zip(*moves, strict=True))])


def event_record(
    *,
    event_type: EventType,
    actor: User | None,
    to_status: str,
    application: Application | None = None,
    certificate: Certificate | None = None,
    from_status: str = "",
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event, in the caller's transaction (with its webhook fan-out)."""
    event = AuditEvent.objects.create(
        application=application,
        certificate=certificate,
        actor=actor,
        acting_authority=actor.authority if actor is not None else None,
        event_type=event_type,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        extra_data=dict(extra or {}),
    )
    webhook_events_add([event.pk])
    return event


def webhook_events_add(event_ids: Sequence[int]) -> None:
    """Every audit event is offered to the webhook subscriptions (``webhooks``), through the
    outbox in the event's own transaction: the fan-out picks the subscribed ones."""
    if event_ids:
        outbox_add_many("webhook_event", [{"audit_event_id": pk} for pk in event_ids])


def available_actions_for(user: AnyUser, application: Application) -> list[ActionOption]:
    """The actions of the application's current step that the user's role takes, each allowed
    or refused with the reason. System actions never appear."""
    role = getattr(user, "role", None)
    options = []
    for action, transition in application_workflow(application).items():
        if transition.policy is Policy.SYSTEM or role not in policy_roles(transition.policy):
            continue
        if not transition.listed:
            continue
        if application.status not in transition.sources:
            continue
        check = action_check(user, application, action, transition)
        options.append(
            ActionOption(
                action=action,
                label=str(transition.label or Action(action).label),
                allowed=check.allowed,
                reason=check.reason,
                needs_reason=transition.needs_reason,
                form=transition.form,
                tone=transition.tone,
            )
        )
    return options


def actions_allowed(user: AnyUser, application: Application) -> set[str]:
    return {option.action for option in available_actions_for(user, application) if option.allowed}


def certificates_issued(
    certificates: Sequence[Certificate], *, actor: User | None
) -> list[Certificate]:
    """Issue new certificates (the first step of their table): written in one statement and
    audited in another, however many."""
    transition = CERTIFICATE_TRANSITIONS["issue"]
    now = timezone.now()
    for certificate in certificates:
        certificate.status = transition.target
        certificate.status_changed_at = now
    created = Certificate.objects.bulk_create(certificates)
    rows: list[tuple[Any, ...]] = [
        (
            None,
            certificate.pk,
            actor.pk if actor is not None else None,
            actor.authority_id if actor is not None else None,
            transition.event_type,
            "",
            certificate.status,
            {},
        )
        for certificate in created
    ]
    collected = _batch_events.get()
    if collected is not None:  # written with the batch's own events (_transitions_in_batch)
        collected.extend(rows)
    else:
        webhook_events_add(insert_rows(AuditEvent, _EVENT_COLUMNS, rows))
    task_queue_on_commit("certification.render_certificate_documents", [c.pk for c in created])
    return created


@transaction.atomic
def certificate_transition(
    *,
    certificate: Certificate,
    action: str,
    actor: User | None,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
    authorized: bool = False,
) -> Certificate:
    """Move a certificate along its table (issue, supersede, revoke, suspend, reinstate) and
    audit it. Revoking or suspending re-evaluates the factory's open applications that rely on
    the certificate's tier. A person suspends, reinstates or revokes only for the certificate's
    certifying authority, with a reason; ``authorized``: the caller has checked the actor
    already (a filing's rejection revokes its certificate as part of the application's step)."""
    transition = CERTIFICATE_TRANSITIONS[action]
    before = ""
    if certificate.pk is not None and action != "issue":
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("authority")
            .get(pk=certificate.pk)
        )
        before = certificate.status
    if actor is not None and not authorized:
        check = certificate_action_check(actor, certificate, action)
        if not check:
            raise check.refusal()
    if before not in transition.sources:
        raise Conflict(
            _("The certificate is %(status)s; this cannot be done now.")
            % {"status": certificate.get_status_display()},
            code=ErrorCode.INVALID_TRANSITION,
        )
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    if transition.needs_reason and actor is not None and not reason:
        message = _("Give the reason.")
        raise DomainError(message, fields={"reason": [message]})
    now = timezone.now()
    certificate.status = transition.target
    certificate.status_changed_at = now
    if reason:
        certificate.status_reason = reason
    if certificate.status == Certificate.Status.SUSPENDED:
        certificate.suspended_for = Suspension.AUTHORITY
    else:  # out of a suspension: its grace period and any flag end with it
        certificate.suspended_for = ""
        certificate.flagged_at = None
        certificate.flag_note = ""
        Deadline.objects.filter(
            kind=Deadline.Kind.SUSPENSION_GRACE, certificate=certificate, next_on__isnull=False
        ).update(next_on=None, done_at=now)
    certificate.save()
    event_record(
        event_type=transition.event_type,
        certificate=certificate,
        actor=actor,
        from_status=before,
        to_status=certificate.status,
        reason=reason,
        extra=extra,
    )
    if transition.recheck_dependants:
        from certification.services.reviews import applications_recheck_prerequisite

        applications_recheck_prerequisite(factory_id=certificate.factory_id, tier=certificate.tier)
    return certificate


def certificate_action_check(
    user: AnyUser | None, certificate: Certificate, action: str
) -> ActionCheck:
    """May ``user`` fire ``action`` on the certificate now? Who first, then the state."""
    transition = CERTIFICATE_TRANSITIONS[action]
    if user is not None:
        if not transition.by_authority:
            return ActionCheck(
                False,
                _("This step is taken by the portal itself, not by a person."),
                403,
                "forbidden",
            )
        decision = certificate_authority_check(user, certificate)
        if not decision:
            return ActionCheck(False, decision.reason, 403, "forbidden")
    if certificate.status not in transition.sources:
        return ActionCheck(
            False,
            _("The certificate is %(status)s; this cannot be done now.")
            % {"status": certificate.get_status_display()},
            409,
            ErrorCode.INVALID_TRANSITION,
        )
    return ActionCheck(True)


def certificate_actions_for(user: AnyUser, certificate: Certificate) -> list[ActionOption]:
    """The status changes the user may (or may not yet) make to the certificate: none for
    users who do not act for its certifying authority."""
    if not certificate_authority_check(user, certificate):
        return []
    options = []
    for action, transition in CERTIFICATE_TRANSITIONS.items():
        if not transition.by_authority or certificate.status not in transition.sources:
            continue
        check = certificate_action_check(user, certificate, action)
        options.append(
            ActionOption(
                action=action,
                label=str(CertificateAction(action).label),
                allowed=check.allowed,
                reason=check.reason,
                needs_reason=transition.needs_reason,
                form="reason" if transition.needs_reason else "",
                tone=transition.tone,
            )
        )
    return options
