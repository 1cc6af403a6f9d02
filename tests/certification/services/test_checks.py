"""Submission and the automated checks (services/checks.py): passing, failing, resubmitting,
the idempotent check task, the sweep of unchecked submissions, and withdrawal."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification import services
from certification.models import Application, AuditEvent, Certificate, CheckResult
from core.errors import Conflict
from factories.services import pool_entry_add
from tests import model_factories as mf
from tests.certification.conftest import claims_for, ready_basic, submitted_assessment
from tests.certification.helpers import make_applications, submit_and_check

pytestmark = pytest.mark.django_db


def test_basic_passes_checks_and_becomes_a_self_declared_certificate(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media)
    application = submit_and_check(enterprise_user, application, django_capture_on_commit_callbacks)
    assert application.status == Application.Status.CERTIFIED
    checks = CheckResult.objects.filter(application=application, submission=1)
    assert checks.count() == 8 and all(checks.values_list("passed", flat=True))
    certificate = Certificate.objects.get(application=application)
    assert certificate.self_declared and certificate.status == Certificate.Status.ACTIVE
    assert certificate.authority.city_id == applicant.city_id
    assert certificate.number.startswith(f"ZN-B-{date.today().year}-{applicant.city_id}-")
    actions = list(
        AuditEvent.objects.filter(application=application).values_list("event_type", flat=True)
    )
    assert actions == ["create", "submit", "checks_pass", "self_declare"]
    assert AuditEvent.objects.filter(certificate=certificate, event_type="issue").exists()


def test_failed_checks_return_the_application_with_reasons_and_resubmission_works(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media, level=1)  # basic needs 2
    application = submit_and_check(enterprise_user, application, django_capture_on_commit_callbacks)
    assert application.status == Application.Status.RETURNED
    failed = CheckResult.objects.get(application=application, passed=False)
    assert failed.rule == "maturity_level" and "2级" in failed.message_zh
    event = AuditEvent.objects.get(application=application, event_type="checks_fail")
    assert event.actor is None and event.extra_data["failed_rules"] == ["maturity_level"]

    better = submitted_assessment(enterprise_user, applicant, 2)
    services.application_update(actor=enterprise_user, application=application, assessment=better)
    application = submit_and_check(enterprise_user, application, django_capture_on_commit_callbacks)
    assert application.submission == 2 and application.status == Application.Status.CERTIFIED
    assert CheckResult.objects.filter(application=application).count() == 16


def test_the_check_task_is_idempotent(enterprise_user, applicant, media):
    application = ready_basic(enterprise_user, applicant, media)
    services.application_submit(actor=enterprise_user, application=application)  # not run yet
    first = services.application_run_checks(application_id=application.pk, submission=1)
    again = services.application_run_checks(application_id=application.pk, submission=1)
    stale = services.application_run_checks(application_id=application.pk, submission=0)
    assert len(first) == 8 and again == [] and stale == []
    assert Certificate.objects.filter(application=application).count() == 1


def test_sweep_checks_submissions_left_without_results(enterprise_user, applicant, media):
    application = ready_basic(enterprise_user, applicant, media)
    services.application_submit(actor=enterprise_user, application=application)
    assert services.applications_check_unchecked() == 1
    assert services.applications_check_unchecked() == 0
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED


def test_decided_application_makes_its_assessment_stale(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    first = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    services.basic_declaration_reject(actor=suzhou_official, application=first, reason="资料不实")
    second = services.application_create(
        actor=enterprise_user, factory=applicant, tier="basic", assessment=first.assessment
    )
    services.application_claims_set(
        actor=enterprise_user, application=second, claims=claims_for("production_operations")
    )
    from tests.certification.conftest import declare_all

    declare_all(enterprise_user, second, media)
    second = submit_and_check(enterprise_user, second, django_capture_on_commit_callbacks)
    failed = set(
        CheckResult.objects.filter(application=second, passed=False).values_list("rule", flat=True)
    )
    assert failed == {"assessment_fresh"}


def test_advanced_in_the_pool_passes_prerequisite(
    enterprise_user,
    applicant,
    media,
    suzhou_official,
    jiangsu_campaign_officer,
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(date(2027, 3, 10), tick=False):
        campaign = services.campaign_open(
            actor=jiangsu_campaign_officer, tier="advanced", year=2027
        )
        assert (campaign.opens_on, campaign.closes_on) == (date(2027, 3, 1), date(2027, 3, 31))
        pool_entry_add(actor=suzhou_official, factory=applicant, year=2027, reason="培育")
        assessment = submitted_assessment(enterprise_user, applicant, 2)
        application = services.application_create(
            actor=enterprise_user,
            factory=applicant,
            tier="advanced",
            campaign=campaign,
            assessment=assessment,
        )
        services.application_claims_set(
            actor=enterprise_user,
            application=application,
            claims=claims_for(
                "production_operations", "production_management", "operational_management"
            ),
        )
        from tests.certification.conftest import declare_all

        declare_all(enterprise_user, application, media)
        application = submit_and_check(
            enterprise_user, application, django_capture_on_commit_callbacks
        )
    assert application.status == Application.Status.CITY_REVIEW  # checks passed; the city next
    prerequisite = CheckResult.objects.get(application=application, rule="prerequisite_tier")
    assert "2027" in prerequisite.message_zh
    assert not Certificate.objects.filter(application=application).exists()


def test_withdraw_until_decided(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = services.application_create(
        actor=enterprise_user, factory=applicant, tier="basic"
    )
    services.application_withdraw(actor=enterprise_user, application=application, reason="重新准备")
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    certified = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    with pytest.raises(Conflict):
        services.application_withdraw(actor=enterprise_user, application=certified)


def test_one_broken_application_does_not_stop_the_sweep(enterprise_user, applicant, media):
    from regions.models import Authority

    broken = ready_basic(enterprise_user, applicant, media)
    services.application_submit(actor=enterprise_user, application=broken)
    other_factory = mf.FactoryFactory(city_id="320100")
    mf.member_of(enterprise_user, other_factory.enterprise)
    healthy = ready_basic(enterprise_user, other_factory, media)
    services.application_submit(actor=enterprise_user, application=healthy)
    # The Suzhou bureau disappears: the first application cannot be filed anywhere.
    Authority.objects.filter(city_id="320500").update(city_id="320100")
    assert services.applications_check_unchecked() == 1
    healthy.refresh_from_db()
    broken.refresh_from_db()
    assert healthy.status == Application.Status.CERTIFIED
    assert broken.status == Application.Status.SUBMITTED


_campaign_batches = itertools.count(1)


def _unchecked_advanced(count: int) -> list[Application]:
    """Submitted advanced applications of a campaign, without results (bare: their checks
    fail)."""
    officer = mf.official("provincial_official", "32-industry-it")
    campaign = services.campaign_open(
        actor=officer, tier="advanced", year=2031, batch=next(_campaign_batches)
    )
    applications = make_applications(count, status="submitted", tier="advanced")
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(
        workflow="advanced_2025", campaign=campaign
    )
    return applications


def _checked_in_queries(count: int) -> int:
    applications = _unchecked_advanced(count)
    with CaptureQueriesContext(connection) as captured:
        results = services.applications_run_checks(pairs=[(a.pk, 1) for a in applications])
    assert len(results) == count
    return len(captured.captured_queries)


def test_a_batch_of_checks_takes_the_same_queries_whatever_its_size():
    _checked_in_queries(1)  # loads the reference data this process caches
    # 17: with the outbox rows of the notifications and of the webhook events, one statement
    # each for the batch (core.outbox).
    assert _checked_in_queries(3) == _checked_in_queries(12) <= 17


def test_the_sweep_drains_a_backlog_batch_by_batch_and_writes_each_outcome():
    applications = _unchecked_advanced(12)
    assert services.applications_check_unchecked(batch_size=5) == 12
    assert services.applications_check_unchecked(batch_size=5) == 0
    for application in Application.objects.filter(pk__in=[a.pk for a in applications]):
        assert application.status == Application.Status.RETURNED and application.checked_at
        assert application.checks.filter(submission=1, passed=False).exists()
        event = application.events.get(event_type="checks_fail")
        assert event.to_status == "returned" and event.extra_data["failed_rules"]


def test_the_sweep_stops_at_its_time_budget_and_the_next_run_goes_on():
    _unchecked_advanced(6)
    assert services.applications_check_unchecked(batch_size=2, time_budget=0) == 2
    assert services.applications_check_unchecked(batch_size=2) == 4


def _submitted_basic_in(user, media, cities: list[str]) -> list[Application]:
    applications = []
    for city in cities:
        factory = mf.FactoryFactory(city_id=city)
        mf.member_of(user, factory.enterprise)
        application = ready_basic(user, factory, media)
        services.application_submit(actor=user, application=application)
        applications.append(application)
    return applications


def test_basic_passes_of_a_batch_are_certified_together_numbered_and_audited_in_order(
    enterprise_user, media
):
    cities = ["320500", "320100"]
    warm = _submitted_basic_in(enterprise_user, media, cities)  # the reference data, cached
    assert services.applications_check_unchecked() == 2
    first = _submitted_basic_in(enterprise_user, media, cities)
    with CaptureQueriesContext(connection) as two:
        assert services.applications_check_unchecked() == 2
    more = _submitted_basic_in(enterprise_user, media, cities * 3)
    with CaptureQueriesContext(connection) as six:
        assert services.applications_check_unchecked() == 6
    # The certificates of six take the statements of two: none is issued one by one.
    assert len(six.captured_queries) == len(two.captured_queries)

    for application in [*warm, *first, *more]:
        application.refresh_from_db()
        assert application.status == Application.Status.CERTIFIED and application.decided_at
        events = list(application.events.order_by("at", "pk"))
        assert [e.event_type for e in events] == ["create", "submit", "checks_pass", "self_declare"]
        assert [(e.from_status, e.to_status) for e in events[2:]] == [
            ("submitted", "checks_passed"),
            ("checks_passed", "certified"),
        ]
        certificate = Certificate.objects.get(application=application)
        assert events[3].extra_data["certificate"] == certificate.number
        assert certificate.events.get().event_type == "issue"
        assert certificate.authority.city_id == application.city_id
    for city in cities:
        numbers = sorted(
            int(number.rsplit("-", 1)[1])
            for number in Certificate.objects.filter(city_id=city).values_list("number", flat=True)
        )
        assert numbers == list(range(1, 6))  # one in each of the first two sweeps, three
