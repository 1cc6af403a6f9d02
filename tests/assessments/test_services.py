"""Self-assessment lifecycle services: start, answer, submit, evidence; immutability."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from assessments import services
from assessments.models import Answer, Assessment, Evidence, ModelVersion
from assessments.services import add_months
from core.errors import Conflict, DomainError, PermissionDenied
from factories.models import Industry
from tests import model_factories as mf
from tests.assessments.conftest import answer_all, applicable_codes, level_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_start_uses_current_published_version_and_factory_industry_type(draft, member_factory):
    assert draft.version.status == ModelVersion.Status.PUBLISHED
    assert draft.industry_type == member_factory.industry.process_type == "discrete"
    assert draft.status == Assessment.Status.DRAFT


def test_one_draft_per_factory(enterprise_user, draft, member_factory):
    with pytest.raises(Conflict) as info:
        services.assessment_start(actor=enterprise_user, factory=member_factory)
    assert info.value.code == "draft_exists" and info.value.fields["assessment"] == [str(draft.pk)]
    assert Assessment.objects.count() == 1


def test_only_members_start(suzhou_official, member_factory):
    other = mf.UserFactory()
    for actor in (suzhou_official, other):
        with pytest.raises(PermissionDenied):
            services.assessment_start(actor=actor, factory=member_factory)


def test_process_industry_skips_non_applicable_subdomain(enterprise_user, english):
    factory = mf.FactoryFactory(industry=Industry.objects.get(code="26"))  # chemicals: process
    mf.member_of(enterprise_user, factory.enterprise)
    assessment = services.assessment_start(actor=enterprise_user, factory=factory)
    codes = applicable_codes(assessment)
    assert assessment.industry_type == "process"
    assert codes and not any(code.startswith("product_service.") for code in codes)
    with pytest.raises(DomainError) as info:
        services.assessment_answers_save(
            actor=enterprise_user,
            assessment=assessment,
            answers=[{"requirement": "product_service.2.1", "score": 1}],
        )
    assert "does not apply" in info.value.fields["answers[0].requirement"][0]


def test_answers_save_partial_updates(enterprise_user, draft):
    code = applicable_codes(draft)[0]
    services.assessment_answers_save(
        actor=enterprise_user, assessment=draft, answers=[{"requirement": code, "score": 0.5}]
    )
    services.assessment_answers_save(
        actor=enterprise_user, assessment=draft, answers=[{"requirement": code, "note": "计划"}]
    )
    answer = Answer.objects.get(assessment=draft, requirement__code=code)
    assert (answer.score, answer.note) == (Decimal("0.50"), "计划")
    services.assessment_answers_save(
        actor=enterprise_user, assessment=draft, answers=[{"requirement": code, "score": 0.8}]
    )
    answer.refresh_from_db()
    assert (answer.score, answer.note) == (Decimal("0.80"), "计划")


def test_bad_answers_save_nothing(enterprise_user, draft, english):
    good, other = applicable_codes(draft)[:2]
    with pytest.raises(DomainError) as info:
        services.assessment_answers_save(
            actor=enterprise_user,
            assessment=draft,
            answers=[
                {"requirement": good, "score": 1},
                {"requirement": other, "score": 0.7},
                {"requirement": "nope.1.1", "score": 1},
                {"requirement": good, "score": 0.5},
            ],
        )
    fields = info.value.fields
    assert "0.7" in fields["answers[1].score"][0]
    assert "Unknown requirement code 'nope.1.1'" in fields["answers[2].requirement"][0]
    assert "answered twice" in fields["answers[3].requirement"][0]
    assert not Answer.objects.filter(assessment=draft).exists()


def test_submit_refused_while_incomplete_lists_missing(enterprise_user, draft):
    codes = applicable_codes(draft)
    answer_all(draft, enterprise_user, skip={codes[3], codes[-1]})
    with pytest.raises(DomainError) as info:
        services.assessment_submit(actor=enterprise_user, assessment=draft)
    assert info.value.code == "incomplete"
    assert info.value.fields["missing"] == [codes[3], codes[-1]]
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT and draft.maturity_level is None


@time_machine.travel("2026-02-28 10:00 +0800", tick=False)
def test_submit_scores_and_freezes(enterprise_user, draft):
    # Levels 1-3 fully met, 4 and 5 partly: maturity 3, overall 3 + 0.5.
    answer_all(draft, enterprise_user, value_for=lambda c: 1 if level_of(c) <= 3 else 0.5)
    submitted = services.assessment_submit(actor=enterprise_user, assessment=draft)
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.SUBMITTED
    assert submitted.submitted_by == enterprise_user
    assert submitted.maturity_level == 3 and submitted.overall_score == Decimal("3.50")
    assert submitted.valid_until == date(2027, 2, 28)
    assert submitted.result["level_scores"]["4"] == 0.5
    assert set(submitted.result["subdomain_scores"]) == {
        code.split(".")[0] for code in applicable_codes(draft)
    }
    # Immutable now: answers, evidence and a second submission are refused with 409.
    with pytest.raises(Conflict):
        answer_all(submitted, enterprise_user, value_for=lambda c: 0)
    with pytest.raises(Conflict):
        services.assessment_submit(actor=enterprise_user, assessment=submitted)
    with pytest.raises(Conflict):
        services.evidence_add(
            actor=enterprise_user,
            assessment=submitted,
            requirement_code=applicable_codes(draft)[0],
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    assert not Answer.objects.filter(assessment=submitted, score=0).exists()


def test_submit_takes_at_most_20_queries(enterprise_user, draft, django_assert_max_num_queries):
    answer_all(draft, enterprise_user)
    with django_assert_max_num_queries(20):
        services.assessment_submit(actor=enterprise_user, assessment=draft)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_evidence_checked_by_content_not_name(enterprise_user, draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    code = applicable_codes(draft)[0]
    evidence = services.evidence_add(
        actor=enterprise_user,
        assessment=draft,
        requirement_code=code,
        upload=SimpleUploadedFile("制度.pdf", PDF, content_type="text/plain"),
    )
    assert evidence.content_type == "application/pdf" and evidence.original_name == "制度.pdf"
    assert (tmp_path / evidence.file.name).read_bytes() == PDF
    with pytest.raises(DomainError) as info:
        services.evidence_add(
            actor=enterprise_user,
            assessment=draft,
            requirement_code=code,
            upload=SimpleUploadedFile("fake.pdf", b"just text, not a PDF", "application/pdf"),
        )
    assert info.value.code == "file_type"
    assert Evidence.objects.count() == 1
    assert len(list((tmp_path / "evidence").rglob("*"))) == 2  # the folder and one file


def test_evidence_size_limit(enterprise_user, draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(DomainError) as info:
        services.evidence_add(
            actor=enterprise_user,
            assessment=draft,
            requirement_code=applicable_codes(draft)[0],
            upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048),
        )
    assert info.value.code == "file_too_large" and not Evidence.objects.exists()


def test_evidence_delete_removes_the_file(
    enterprise_user, draft, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    evidence = services.evidence_add(
        actor=enterprise_user,
        assessment=draft,
        requirement_code=applicable_codes(draft)[0],
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    path = tmp_path / evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=enterprise_user, evidence=evidence)
    assert not Evidence.objects.exists() and not path.exists()


def test_official_cannot_answer(jiangsu_official, draft):
    with pytest.raises(PermissionDenied):
        answer_all(draft, jiangsu_official)
    assert jiangsu_official.role == Role.PROVINCIAL_OFFICIAL


def test_published_version_is_read_only_in_admin(client):
    from accounts.services import user_create

    admin_user = user_create(username="root", password="pw-for-tests-1", role=Role.PLATFORM_ADMIN)
    client.force_login(admin_user)
    version = ModelVersion.objects.get()
    requirement = version.requirements.first()
    response = client.post(
        f"/admin/assessments/requirement/{requirement.pk}/change/",
        {"text_zh": "改掉", "level": requirement.level, "code": requirement.code},
    )
    assert response.status_code == 403
    requirement.refresh_from_db()
    assert requirement.text_zh != "改掉"
    assert client.get(f"/admin/assessments/modelversion/{version.pk}/change/").status_code == 200


def test_publish_a_draft_version():
    version = ModelVersion.objects.get()
    version.pk = None
    version.code = "copy-without-requirements"
    version.status = ModelVersion.Status.DRAFT
    version.published_at = None
    version.save()
    with pytest.raises(DomainError):
        services.model_version_publish(version=version)
    assert ModelVersion.objects.get(pk=version.pk).status == ModelVersion.Status.DRAFT


def test_evidence_files_per_requirement_are_capped(enterprise_user, draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    code = applicable_codes(draft)[0]
    for n in range(services.MAX_FILES_PER_REQUIREMENT):
        services.evidence_add(
            actor=enterprise_user,
            assessment=draft,
            requirement_code=code,
            upload=SimpleUploadedFile(f"{n}.pdf", PDF),
        )
    with pytest.raises(DomainError) as info:
        services.evidence_add(
            actor=enterprise_user,
            assessment=draft,
            requirement_code=code,
            upload=SimpleUploadedFile("one-more.pdf", PDF),
        )
    assert info.value.code == "too_many_files"
    assert Evidence.objects.count() == services.MAX_FILES_PER_REQUIREMENT


def test_the_report_shows_the_stored_truncated_score(enterprise_user, draft):
    from assessments.selectors import assessment_report

    # Levels 1-2 met; level 3 mixed so that its score has more than two decimals.
    answer_all(
        draft,
        enterprise_user,
        value_for=lambda c: 1 if level_of(c) <= 2 else (0.8 if c.endswith(".1") else 0.5),
    )
    submitted = services.assessment_submit(actor=enterprise_user, assessment=draft)
    raw = submitted.result["overall_score"]
    report = assessment_report(submitted)
    assert report.overall_score == float(submitted.overall_score)
    assert report.overall_score <= raw < report.overall_score + 0.01
    assert all(
        score is None or score == int(score * 100 + 1e-9) / 100
        for score in report.level_scores.values()
    )
