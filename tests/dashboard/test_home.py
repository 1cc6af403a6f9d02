"""The enterprise user's home page: each factory's status and one next step, each open
application with who acts next and its due date; bounded queries; both languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from assessments.models import Assessment
from certification import selectors
from certification.models import Application, Certificate, Deadline
from regions.models import Authority
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


def browser_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def submitted_assessment(factory, user, *, valid_days: int) -> Assessment:
    now = timezone.now()
    return Assessment.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        version=assessment_selectors.model_version_current(),
        industry_type="discrete",
        status=Assessment.Status.SUBMITTED,
        created_by=user,
        submitted_by=user,
        submitted_at=now,
        valid_until=timezone.localdate() + timedelta(days=valid_days),
        maturity_level=3,
        overall_score=Decimal("3.20"),
    )


def application(factory, user, *, tier: str, status: str, workflow: str) -> Application:
    return Application.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        tier=tier,
        tier_edition=selectors.tier_edition_current(),
        status=status,
        workflow=workflow,
        submission=1,
        submitted_at=timezone.now(),
        created_by=user,
    )


def certified(factory, user, tier: str) -> Certificate:
    done = application(factory, user, tier=tier, status="certified", workflow=f"{tier}_2025")
    return Certificate.objects.create(
        number=f"T-{done.pk}",
        tier=tier,
        factory=factory,
        application=done,
        province_id=factory.province_id,
        city_id=factory.city_id,
        authority=Authority.objects.filter(level="city").first(),
        issued_on=timezone.localdate(),
    )


def certified_factory_under_review(user, *, due_in_days: int) -> tuple:
    """A basic-certified factory with a valid assessment and an advanced application at expert
    scoring, due in ``due_in_days``."""
    factory = mf.FactoryFactory()
    mf.member_of(user, factory.enterprise)
    certified(factory, user, "basic")
    submitted_assessment(factory, user, valid_days=300)
    review = application(
        factory, user, tier="advanced", status="expert_review", workflow="advanced_2025"
    )
    due = timezone.localdate() + timedelta(days=due_in_days)
    Deadline.objects.create(
        kind=Deadline.Kind.REVIEW_STEP,
        application=review,
        stage="expert_review",
        stage_started_at=timezone.now(),
        due_on=due,
    )
    return factory, review, due


def card_of(page: str, factory) -> str:
    return page.split(f'data-factory="{factory.pk}"')[1].split("</article>")[0]


def test_each_factory_shows_its_status_next_step_and_open_applications(enterprise_user):
    reviewed, review, due = certified_factory_under_review(enterprise_user, due_in_days=-2)
    drafting = mf.FactoryFactory(enterprise=reviewed.enterprise)
    draft = assessment_services.assessment_start(actor=enterprise_user, factory=drafting)
    lapsing = mf.FactoryFactory(enterprise=reviewed.enterprise)
    submitted_assessment(lapsing, enterprise_user, valid_days=10)
    returned = application(
        lapsing, enterprise_user, tier="basic", status="returned", workflow="basic_2025"
    )
    page = browser_for(enterprise_user).get("/").content.decode()

    card = card_of(page, reviewed)
    assert 'tier-badge tier-basic">Basic<' in card
    assert "level 3, valid until" in card
    assert f'href="/applications/{review.pk}/">Follow the Advanced application</a>' in card
    line = card.split(f'data-application="{review.pk}"')[1].split("</li>")[0]
    assert "Under review" in line  # the applicant's view of the step
    assert 'class="acting">The experts</span>' in line
    assert f"Industry and IT department of {reviewed.city.province.name_en}" in line
    assert f"Due by {due.isoformat()}" in line and "overdue" in line

    card = card_of(page, drafting)
    assert "Not certified yet" in card and "draft in progress" in card
    assert f'href="/assessments/{draft.pk}/">Continue the self-assessment</a>' in card
    assert "open-applications" not in card

    card = card_of(page, lapsing)
    # The application returned to the applicant comes before the lapsing assessment.
    assert f'href="/applications/{returned.pk}/">Answer the return of the Basic application' in card
    line = card.split(f'data-application="{returned.pk}"')[1].split("</li>")[0]
    assert 'class="acting">You (the applicant)</span>' in line and "Due by" not in line


def test_a_stale_deadline_row_gives_no_due_date(enterprise_user):
    factory, review, _due = certified_factory_under_review(enterprise_user, due_in_days=5)
    Application.objects.filter(pk=review.pk).update(status="joint_review")
    page = browser_for(enterprise_user).get("/").content.decode()
    line = card_of(page, factory).split(f'data-application="{review.pk}"')[1].split("</li>")[0]
    assert "The joint departments" in line and "Due by" not in line


def test_other_enterprises_factories_are_not_shown(enterprise_user):
    mine, _review, _due = certified_factory_under_review(enterprise_user, due_in_days=5)
    theirs, _other, _due = certified_factory_under_review(mf.UserFactory(), due_in_days=5)
    page = browser_for(enterprise_user).get("/").content.decode()
    assert f'data-factory="{mine.pk}"' in page and f'data-factory="{theirs.pk}"' not in page


def test_officials_get_no_factory_cards(jiangsu_official):
    page = browser_for(jiangsu_official).get("/").content.decode()
    assert "factory-cards" not in page and "What you can do next" in page


def test_the_home_page_in_chinese(enterprise_user):
    factory, review, due = certified_factory_under_review(enterprise_user, due_in_days=3)
    page = browser_for(enterprise_user, "zh-hans").get("/").content.decode()
    card = card_of(page, factory)
    assert "跟进先进级申报" in card and "专家" in card and f"{due.isoformat()} 前到期" in card
    assert "基础级" in card


def test_home_queries_do_not_grow_with_factories_and_applications(enterprise_user):
    browser = browser_for(enterprise_user)
    counts = []
    for added in (2, 8):
        for _index in range(added):
            certified_factory_under_review(enterprise_user, due_in_days=4)
        with CaptureQueriesContext(connection) as queries:
            page = browser.get("/").content.decode()
        counts.append(len(queries))
        assert page.count('class="card h-100 factory-card"') == sum((2, 8)[: len(counts)])
    assert counts[0] == counts[1]
