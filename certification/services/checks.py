"""Submission and the automated checks: submit, withdraw, run the rules, sweep the unchecked."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from certification import rules, selectors
from certification.models import (
    Application,
    CheckResult,
)
from certification.workflow.definitions import Action
from certification.workflow.engine import TransitionContext, application_transition
from core.dispatch import task_queue_on_commit

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


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, reason: str = "") -> Application:
    return application_transition(
        application=application, action=Action.WITHDRAW, actor=actor, reason=reason
    )


@transaction.atomic
def application_run_checks(*, application_id: int, submission: int) -> list[CheckResult]:
    """Run every rule for one submission and store each result. Idempotent: a submission
    already checked, superseded or no longer submitted is left alone."""
    current = (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "factory__enterprise", "factory__city", "campaign", "tier_edition", "assessment"
        )
        .filter(pk=application_id)
        .first()
    )
    if current is None or current.status != Application.Status.SUBMITTED:
        return []
    if current.submission != submission or current.checks.filter(submission=submission).exists():
        return []
    assert current.submitted_at is not None
    facts = selectors.application_facts(current, on=timezone.localdate(current.submitted_at))
    results = rules.evaluate_application(facts)
    stored = CheckResult.objects.bulk_create(
        CheckResult(
            application=current,
            submission=submission,
            rule=result.rule,
            passed=result.passed,
            message_zh=result.message_zh,
            message_en=result.message_en,
        )
        for result in results
    )
    Application.objects.filter(pk=current.pk).update(checked_at=timezone.now())
    failed = [result.rule for result in results if not result.passed]
    application_transition(
        application=current,
        action=Action.CHECKS_FAIL if failed else Action.CHECKS_PASS,
        actor=None,
        data={"failed_rules": failed},
    )
    return stored


def applications_check_unchecked(*, limit: int = 200) -> int:
    """The sweep: check submitted applications that have no results (the broker was down, or a
    worker died). Each is checked in its own transaction; safe to rerun."""
    done = 0
    for application_id, submission in selectors.unchecked_submitted_applications(limit):
        try:
            if application_run_checks(application_id=application_id, submission=submission):
                done += 1
        except Exception:  # one broken application must not stop the others
            logger.exception("checks failed for application %s", application_id)
    return done
