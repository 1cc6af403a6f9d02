"""Submission and the automated checks: submit, withdraw, run the rules, sweep the unchecked."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from certification import rules, selectors
from certification.models import (
    Application,
    CheckResult,
)
from certification.workflow.definitions import Action
from certification.workflow.engine import (
    TransitionContext,
    application_transition,
    application_transitions_by_system,
)
from core.bulk import insert_rows
from core.dispatch import task_queue_on_commit
from core.gc import gc_paused
from core.prepared import PreparedQuery

logger = logging.getLogger(__name__)


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    """Submit (or resubmit) the application; the checks run in a task after commit."""
    return application_transition(application=application, action=Action.SUBMIT, actor=actor)


def effect_start_submission(context: TransitionContext) -> None:
    """A new submission: numbered, timed, and its checks queued after commit. If the broker is
    down the submission stays saved and the periodic sweep checks it later."""
    application = context.application
    application.submission += 1
    application.submitted_at = timezone.now()
    application.checked_at = None
    context.extra["submission"] = application.submission
    task_queue_on_commit("certification.check_application", application.pk, application.submission)


def effect_record_failed_rules(context: TransitionContext) -> None:
    """The audit event lists the codes of the rules that failed."""
    context.extra["failed_rules"] = list(context.data.get("failed_rules", []))


def effects_record_failed_rules(contexts: Sequence[TransitionContext]) -> None:
    for context in contexts:
        effect_record_failed_rules(context)


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, reason: str = "") -> Application:
    return application_transition(
        application=application, action=Action.WITHDRAW, actor=actor, reason=reason
    )


def application_run_checks(*, application_id: int, submission: int) -> list[CheckResult]:
    """Run every rule for one submission and store each result. Idempotent: a submission
    already checked, superseded, no longer submitted or being checked by another worker is left
    alone (nothing is returned)."""
    if not applications_run_checks(pairs=[(application_id, submission)]):
        return []
    return list(CheckResult.objects.filter(application_id=application_id, submission=submission))


# What the checks, the transitions and their effects read of a locked application.
SWEEP_COLUMNS = (
    *("pk", "status", "workflow", "resume_state", "decided_at", "tier", "tier_edition_id"),
    *("submission", "submitted_at", "factory_id", "province_id", "city_id", "campaign_id"),
    "assessment_id",
)


def _lock_unchecked(ids: list[int]) -> QuerySet[Application]:
    """The applications of ``ids`` still submitted and without results for their current
    submission, locked; those another worker holds are skipped, not waited for."""
    has_results = CheckResult.objects.filter(
        application=OuterRef("pk"), submission=OuterRef("submission")
    )
    return (
        Application.objects.select_for_update(of=("self",), skip_locked=True)
        .only(*SWEEP_COLUMNS)
        .filter(pk__any=ids, status=Application.Status.SUBMITTED)
        .filter(~Exists(has_results))
        .order_by("pk")
    )


# Compiled once: a batch only runs it (core.prepared).
_LOCK_UNCHECKED = PreparedQuery(_lock_unchecked, ids=[-424_242])


@gc_paused()  # a batch of many short-lived objects (core.gc)
@transaction.atomic
def applications_run_checks(
    *, pairs: Sequence[tuple[int, int]]
) -> dict[int, list[rules.RuleResult]]:
    """Check many (application, submission) pairs at once: their facts are read for the whole
    batch in a fixed number of queries, the pure rules run per application, and the results, the
    applications and their audit events are written in bulk. Idempotent per submission, as for
    one; rows another worker holds are skipped, not waited for. Returns each checked
    application's results."""
    wanted = dict(pairs)
    if connection.vendor == "postgresql":
        candidates = _LOCK_UNCHECKED.objects(ids=list(wanted))
    else:  # SQLite: ``__any`` is an IN list of as many parameters as values
        candidates = list(_lock_unchecked(list(wanted)))
    current = [a for a in candidates if a.submission == wanted[a.pk] and a.submitted_at]
    if not current:
        return {}
    zone = timezone.get_current_timezone()  # once: each localdate() looks it up again
    facts = selectors.applications_facts(
        current, on={a.pk: a.submitted_at.astimezone(zone).date() for a in current}
    )
    outcomes: dict[int, list[rules.RuleResult]] = {}
    for application in current:
        try:
            outcomes[application.pk] = rules.evaluate_application(facts[application.pk])
        except Exception:  # one broken application must not stop the others
            logger.exception("checks failed for application %s", application.pk)
    failed = {
        pk: [result.rule for result in outcome if not result.passed]
        for pk, outcome in outcomes.items()
    }
    # The transitions first: an application whose transition fails keeps no results, so that
    # the next sweep checks it again.
    moved = application_transitions_by_system(
        [a for a in current if a.pk in outcomes],
        actions={
            pk: Action.CHECKS_FAIL if codes else Action.CHECKS_PASS for pk, codes in failed.items()
        },
        data={pk: {"failed_rules": codes} for pk, codes in failed.items()},
        also={"checked_at": timezone.now()},
    )
    checked = [a for a in current if a.pk in moved]
    insert_rows(
        CheckResult,
        ("application_id", "submission", "rule", "passed", "message_zh", "message_en"),
        (
            (pk, submission, r.rule, r.passed, r.message_zh, r.message_en)
            for pk, submission in [(a.pk, a.submission) for a in checked]
            for r in outcomes[pk]
        ),
        returning=False,
    )
    return {a.pk: outcomes[a.pk] for a in checked}


def applications_check_unchecked(
    *, batch_size: int | None = None, time_budget: float | None = None
) -> int:
    """The sweep: check submitted applications that have no results (the broker was down, or a
    worker died), a batch per transaction, until none are left or the time budget is spent.
    Safe to rerun and to run beside the per-submission tasks. Returns how many were checked."""
    size = batch_size or settings.CHECKS_SWEEP_BATCH_SIZE
    budget = settings.CHECKS_SWEEP_TIME_BUDGET_SECONDS if time_budget is None else time_budget
    deadline = time.monotonic() + budget
    done = 0
    while True:
        pairs = selectors.unchecked_submitted_applications(size)
        if not pairs:
            break
        try:
            checked = len(applications_run_checks(pairs=pairs))
        except Exception:
            logger.exception("a batch of checks failed; the next sweep retries it")
            break
        done += checked
        if checked == 0 or time.monotonic() >= deadline:
            break
    return done
