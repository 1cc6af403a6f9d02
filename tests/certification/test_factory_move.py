"""A factory that moves leaves its history with the authorities that handled it (issue 10,
item 6): the bureau and department that acted on an application keep seeing it, its files and
its assessment, and act on it; the new region sees the factory from the move on, not the past
records; a draft assessment, which no authority has seen, moves with the factory."""

from __future__ import annotations

import pytest

from assessments import services as assessment_services
from certification.models import ApplicationFile
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from factories import services as factory_services
from regions.models import City
from tests import model_factories as mf
from tests.certification.helpers import browser_for
from tests.certification.review_setup import advanced_at
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def _move(user, factory, city_code: str):
    return factory_services.factory_update(
        actor=user,
        factory=factory,
        name=factory.name,
        address=factory.address,
        city=City.objects.get(code=city_code),
        industry=factory.industry,
    )


def test_a_rejected_application_stays_with_the_authorities_that_handled_it(cast):
    application = advanced_at(cast, "provincial_review")
    factory = application.factory
    assert (application.province_id, application.city_id) == ("32", factory.city_id)
    files = list(ApplicationFile.objects.filter(application=application))
    assert files
    application_transition(
        application=application, action=Action.REJECT, actor=cast.province, reason="不符合条件"
    )
    moved = _move(cast.applicant, factory, "330100")  # to Hangzhou, Zhejiang
    assert (moved.province_id, moved.city_id) == ("33", "330100")

    hangzhou = mf.official("city_official", "330100-industry-it")
    zhejiang = mf.official("provincial_official", "33-industry-it")
    for user in (cast.city, cast.province):
        api = api_client_for(user)
        assert api.get(f"/api/v1/applications/{application.pk}/").status_code == 200
        assert api.get(f"/api/v1/assessments/{application.assessment_id}/").status_code == 200
        page = browser_for(user)
        assert page.get(f"/applications/{application.pk}/").status_code == 200
        download = page.get(f"/applications/files/{files[0].pk}/")
        assert download.status_code == 200 and download["Content-Disposition"].startswith(
            "attachment"
        )
        assert api.get(f"/api/v1/factories/{factory.pk}/").status_code == 404
    for user in (hangzhou, zhejiang):
        api = api_client_for(user)
        assert api.get(f"/api/v1/applications/{application.pk}/").status_code == 404
        assert api.get(f"/api/v1/assessments/{application.assessment_id}/").status_code == 404
        assert browser_for(user).get(f"/applications/files/{files[0].pk}/").status_code == 404
        assert api.get(f"/api/v1/factories/{factory.pk}/").status_code == 200


def test_only_the_department_of_the_filing_province_acts_on_it(cast):
    """Acting follows the application's own region (where it was filed), as seeing does."""
    application = advanced_at(cast, "provincial_review")
    zhejiang = mf.official("provincial_official", "33-industry-it")
    experts = f"/api/v1/applications/{application.pk}/experts/"
    assert api_client_for(cast.province).get(experts).status_code == 200
    assert api_client_for(zhejiang).get(experts).status_code == 404


def test_a_draft_assessment_moves_with_the_factory_and_a_submitted_one_stays(cast):
    factory = mf.FactoryFactory()
    mf.member_of(cast.applicant, factory.enterprise)
    from tests.certification.conftest import submitted_assessment

    submitted = submitted_assessment(cast.applicant, factory, 2)
    draft = assessment_services.assessment_start(actor=cast.applicant, factory=factory)
    _move(cast.applicant, factory, "320200")  # to Wuxi
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert (submitted.province_id, submitted.city_id) == ("32", "320500")
    assert (draft.province_id, draft.city_id) == ("32", "320200")
    wuxi = mf.official("city_official", "320200-industry-it")
    suzhou = mf.official("city_official", "320500-industry-it")
    assert api_client_for(suzhou).get(f"/api/v1/assessments/{submitted.pk}/").status_code == 200
    assert api_client_for(wuxi).get(f"/api/v1/assessments/{submitted.pk}/").status_code == 404


def test_a_factory_with_a_current_certificate_cannot_move(
    enterprise_user, media, django_capture_on_commit_callbacks
):
    from core.errors import DomainError
    from tests.certification.helpers import certified_basic

    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    certified_basic(enterprise_user, factory, media, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError) as refused:
        _move(enterprise_user, factory, "320200")
    assert refused.value.code == "factory_locked"
