"""Application services: drafting, submission, automated checks, basic certificates, audit."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from certification import services
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    CheckResult,
    ScenarioClaim,
)
from core.errors import Conflict, DomainError, PermissionDenied
from factories.services import cultivation_pool_add
from tests import model_factories as mf
from tests.certification.conftest import claims_for, ready_basic, submitted_assessment

pytestmark = pytest.mark.django_db


def submit_and_check(user, application, capture):
    with capture(execute=True):
        services.application_submit(actor=user, application=application)
    application.refresh_from_db()
    return application


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


def test_city_rejects_a_basic_declaration_and_the_certificate_is_revoked(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    application = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    nanjing = mf.official("city_official", "320100-industry-it")
    with pytest.raises(PermissionDenied):
        services.basic_declaration_reject(actor=nanjing, application=application, reason="x")
    with pytest.raises(DomainError):
        services.basic_declaration_reject(
            actor=suzhou_official, application=application, reason=" "
        )
    services.basic_declaration_reject(
        actor=suzhou_official, application=application, reason="现场核查不符"
    )
    application.refresh_from_db()
    certificate = Certificate.objects.get(application=application)
    assert application.status == Application.Status.REJECTED
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.status_reason == "现场核查不符"
    event = AuditEvent.objects.get(certificate=certificate, event_type="revoke")
    assert (event.actor, event.from_status, event.to_status) == (
        suzhou_official,
        "active",
        "revoked",
    )


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
        cultivation_pool_add(actor=suzhou_official, factory=applicant, year=2027, reason="培育")
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


def test_bad_claims_save_nothing(enterprise_user, applicant, english):
    application = services.application_create(
        actor=enterprise_user, factory=applicant, tier="basic"
    )
    services.application_claims_set(
        actor=enterprise_user, application=application, claims=claims_for("production_operations")
    )
    bad = [
        {"scenario": "S21", "description": "ok", "ai_applied": True},
        {"scenario": "S99", "description": "x"},
        {"scenario": "S21", "description": "again"},
        {"scenario": "S22", "description": "x", "ai_share": 0.9},
        {"scenario": "S23", "description": " "},
    ]
    with pytest.raises(DomainError) as info:
        services.application_claims_set(actor=enterprise_user, application=application, claims=bad)
    fields = info.value.fields
    assert "Unknown scenario code 'S99'" in fields["claims[1].scenario"][0]
    assert "claimed twice" in fields["claims[2].scenario"][0]
    assert "computed by the portal" in fields["claims[3]"][0]
    assert "claims[4].description" in fields
    assert list(
        ScenarioClaim.objects.filter(application=application).values_list(
            "scenario__code", flat=True
        )
    ) == ["S20"]


def test_one_open_application_per_factory_and_tier(enterprise_user, applicant):
    services.application_create(actor=enterprise_user, factory=applicant, tier="basic")
    with pytest.raises(Conflict) as info:
        services.application_create(actor=enterprise_user, factory=applicant, tier="basic")
    assert info.value.code == "open_application_exists"


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


def test_campaigns_are_opened_by_the_right_authority(
    jiangsu_campaign_officer, miit_reviewer, suzhou_official
):
    with pytest.raises(PermissionDenied):
        services.campaign_open(actor=suzhou_official, tier="advanced", year=2027)
    with pytest.raises(PermissionDenied):
        services.campaign_open(actor=jiangsu_campaign_officer, tier="excellent", year=2027)
    excellent = services.campaign_open(actor=miit_reviewer, tier="excellent", year=2027)
    assert (excellent.opens_on.month, excellent.closes_on.day) == (6, 30)
    quotas = dict(excellent.quotas.values_list("province_id", "quota"))
    assert quotas["66"] == 5 and quotas["32"] == 20 and len(quotas) == 32
    leading = services.campaign_open(actor=miit_reviewer, tier="leading", year=2027)
    assert set(leading.quotas.values_list("quota", flat=True)) == {1}
    with pytest.raises(Conflict):
        services.campaign_open(actor=miit_reviewer, tier="excellent", year=2027)
    with pytest.raises(DomainError):
        services.campaign_open(actor=miit_reviewer, tier="basic", year=2027)


def test_an_edition_in_use_is_read_only_and_copied_for_revision(client, jiangsu_campaign_officer):
    from accounts.services import user_create
    from certification.models import TierConditionsEdition

    edition = TierConditionsEdition.objects.get()
    admin_user = user_create(username="root", password="pw-for-tests-1", role="platform_admin")
    client.force_login(admin_user)
    url = f"/admin/certification/tierconditionsedition/{edition.pk}/change/"
    assert client.get(url).status_code == 200
    assert not services.edition_in_use(edition)
    services.campaign_open(actor=jiangsu_campaign_officer, tier="advanced", year=2027)
    assert services.edition_in_use(edition)
    response = client.post(url, {"edition": "changed", "title_zh": "x"})
    assert response.status_code == 403
    edition.refresh_from_db()
    assert edition.edition == "2025"
    copy = services.tier_conditions_copy(edition=edition, new_edition="2026")
    assert copy.conditions.count() == 4 and not services.edition_in_use(copy)
    assert (
        client.get(f"/admin/certification/tierconditionsedition/{copy.pk}/change/").status_code
        == 200
    )


def test_a_draft_edition_is_not_current_until_published(miit_reviewer):
    from certification.models import TierConditionsEdition
    from certification.selectors import tier_edition_current

    live = tier_edition_current()
    copy = services.tier_conditions_copy(edition=live, new_edition="2026")
    assert copy.status == TierConditionsEdition.Status.DRAFT
    assert tier_edition_current() == live
    services.tier_conditions_publish(edition=copy)
    assert tier_edition_current() == copy
    empty = TierConditionsEdition.objects.create(
        edition="empty", title_zh="x", scenario_catalogue=live.scenario_catalogue
    )
    with pytest.raises(DomainError):
        services.tier_conditions_publish(edition=empty)
    assert tier_edition_current() == copy


def test_a_new_certificate_supersedes_the_current_one(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    first = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    second = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    assert second.status == Application.Status.CERTIFIED
    old, new = (
        Certificate.objects.get(application=first),
        Certificate.objects.get(application=second),
    )
    assert (old.status, new.status) == ("superseded", "active")
    assert AuditEvent.objects.filter(certificate=old, event_type="supersede").exists()


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


def test_a_factory_under_review_cannot_move_city(enterprise_user, applicant):
    from factories.services import factory_update
    from regions.models import City

    services.application_create(actor=enterprise_user, factory=applicant, tier="basic")
    with pytest.raises(DomainError) as info:
        factory_update(
            actor=enterprise_user,
            factory=applicant,
            name=applicant.name,
            address="北京",
            city=City.objects.get(code="110100"),
            industry=applicant.industry,
        )
    assert info.value.code == "factory_locked" and "city" in info.value.fields
    applicant.refresh_from_db()
    assert applicant.city_id == "320500"


def test_applicants_and_the_city_are_notified(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    from accounts.models import Notification

    returned = ready_basic(enterprise_user, applicant, media, level=1)
    submit_and_check(enterprise_user, returned, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(application=returned, event_type="checks_fail")
    note = Notification.objects.get(recipient=enterprise_user, key=f"application-event:{event.pk}")
    assert "退回" in note.subject
    assert "成熟度1级" in note.body  # the failed rule's reason, in Chinese
    assert (
        not Notification.objects.filter(recipient=suzhou_official)
        .exclude(key__startswith="enterprise-registered")
        .exists()
    )

    other = mf.FactoryFactory()
    mf.member_of(enterprise_user, other.enterprise)
    certified = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, other, media),
        django_capture_on_commit_callbacks,
    )
    filed = AuditEvent.objects.get(application=certified, event_type="self_declare")
    assert Notification.objects.filter(
        recipient=suzhou_official, key=f"application-event:{filed.pk}"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.basic_declaration_reject(
            actor=suzhou_official, application=certified, reason="材料不实"
        )
    event = AuditEvent.objects.get(application=certified, event_type="reject_filing")
    rejected = Notification.objects.get(key=f"application-event:{event.pk}")
    assert rejected.recipient == enterprise_user and "材料不实" in rejected.body
    # Sending again changes nothing.
    assert services.application_notify(event_id=event.pk) == 0
