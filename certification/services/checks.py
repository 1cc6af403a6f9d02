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
    Tier,
)
from certification.services.certificates import certificate_self_declare
from certification.services.notifications import notify_on_commit
from certification.services.transitions import lock_application, require_member, transition_apply
from core.dispatch import task_queue_on_commit

logger = logging.getLogger(__name__)


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    application = lock_application(application)
    require_member(actor, application)
    transition_apply(application, "submit", actor)
    application.submission += 1
    application.submitted_at = timezone.now()
    application.checked_at = None
    application.save()
    submission = application.submission
    # If the broker is down the submission stays saved and the periodic sweep checks it later.
    task_queue_on_commit("certification.check_application", application.pk, submission)
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, reason: str = "") -> Application:
    application = lock_application(application)
    require_member(actor, application)
    transition_apply(application, "withdraw", actor, reason)
    application.save()
    return application


@transaction.atomic
def application_run_checks(*, application_id: int, submission: int) -> list[CheckResult]:
    """Run every rule for one submission and store each result. Idempotent: a submission
    already checked, superseded or no longer submitted is left alone."""
    application = Application.objects.select_for_update(of=("self",)).filter(pk=application_id)
    current = application.select_related(
        "factory__enterprise", "factory__city", "campaign", "tier_edition", "assessment"
    ).first()
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
    current.checked_at = timezone.now()
    if rules.all_passed(results):
        transition_apply(current, "checks_pass", None)
        if current.tier == Tier.BASIC:
            certificate_self_declare(current)
    else:
        failed = ", ".join(r.rule for r in results if not r.passed)
        transition_apply(current, "checks_fail", None, reason=failed)
    current.save()
    notify_on_commit(current.pk, "checked")
    if current.status == Application.Status.CERTIFIED:
        notify_on_commit(current.pk, "filed")
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
