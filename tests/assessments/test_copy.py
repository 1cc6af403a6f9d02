"""Starting from the last assessment: the copy is exact, leaves the source alone, refuses what
it cannot carry over, and takes a fixed number of queries however many answers there are."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Answer, Assessment, Evidence, ModelVersion, Requirement
from core.errors import Conflict, DomainError
from tests import model_factories as mf
from tests.assessments.conftest import applicable_codes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
VALUES = [0, 0.5, 0.8, 1]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def answers_of(assessment):
    return {
        (a.requirement_id, a.score, a.note) for a in Answer.objects.filter(assessment=assessment)
    }


def evidence_of(assessment):
    return sorted(
        (e.answer.requirement_id, e.file.name, e.original_name, e.content_type, e.size)
        for e in Evidence.objects.filter(answer__assessment=assessment).select_related("answer")
    )


def snapshot(assessment):
    """Everything of an assessment a copy could disturb, row by row."""
    assessment.refresh_from_db()
    return (
        assessment.status,
        assessment.updated_at,
        sorted(Answer.objects.filter(assessment=assessment).values_list()),
        sorted(Evidence.objects.filter(answer__assessment=assessment).values_list()),
    )


@pytest.fixture
def source(enterprise_user, member_factory, media):
    """A submitted assessment with varied answers, a note on every third answer and evidence
    files on three requirements (two on the first)."""
    draft = services.assessment_start(actor=enterprise_user, factory=member_factory)
    codes = applicable_codes(draft)
    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=draft,
        answers=[
            {"requirement": code, "score": VALUES[i % 4], "note": f"说明 {i}" if i % 3 else ""}
            for i, code in enumerate(codes)
        ],
    )
    for code, name in [(codes[0], "制度.pdf"), (codes[0], "记录.pdf"), (codes[7], "b.pdf")]:
        services.evidence_add(
            actor=enterprise_user,
            assessment=draft,
            requirement_code=code,
            upload=SimpleUploadedFile(name, PDF),
        )
    services.evidence_add(
        actor=enterprise_user,
        assessment=draft,
        requirement_code=codes[40],
        upload=SimpleUploadedFile("c.pdf", PDF + b"%more"),
    )
    return services.assessment_submit(actor=enterprise_user, assessment=draft)


def test_copy_carries_every_answer_note_and_evidence_link(enterprise_user, source, media):
    before = snapshot(source)
    files_before = sorted(p for p in media.rglob("*") if p.is_file())

    draft = services.assessment_start(
        actor=enterprise_user, factory=source.factory, copy_from=source
    )

    assert draft.is_draft and draft.pk != source.pk and draft.version_id == source.version_id
    assert answers_of(draft) == answers_of(source)
    assert len(answers_of(draft)) == len(applicable_codes(source))
    assert evidence_of(draft) == evidence_of(source) and len(evidence_of(draft)) == 4
    # The copy's rows are its own; the files are referenced, not duplicated.
    assert not Answer.objects.filter(assessment=draft).filter(
        pk__in=Answer.objects.filter(assessment=source).values("pk")
    )
    assert sorted(p for p in media.rglob("*") if p.is_file()) == files_before
    assert set(Answer.objects.filter(assessment=draft).values_list("updated_by", flat=True)) == {
        enterprise_user.pk
    }
    assert snapshot(source) == before
    # The carried-over draft is complete: it can be submitted as is, and scores like its source.
    resubmitted = services.assessment_submit(actor=enterprise_user, assessment=draft)
    assert (resubmitted.maturity_level, resubmitted.overall_score) == (
        source.maturity_level,
        source.overall_score,
    )


def test_a_changed_answer_changes_only_the_copy(enterprise_user, source):
    draft = services.assessment_start(
        actor=enterprise_user, factory=source.factory, copy_from=source
    )
    code = applicable_codes(source)[1]
    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=draft,
        answers=[{"requirement": code, "score": 1, "note": "新的说明"}],
    )
    changed = Answer.objects.get(assessment=draft, requirement__code=code)
    kept = Answer.objects.get(assessment=source, requirement__code=code)
    assert (changed.score, changed.note) == (Decimal("1.00"), "新的说明")
    assert (kept.score, kept.note) == (Decimal("0.50"), "说明 1")


def test_deleting_a_copied_file_keeps_the_sources_file(
    enterprise_user, source, media, django_capture_on_commit_callbacks
):
    draft = services.assessment_start(
        actor=enterprise_user, factory=source.factory, copy_from=source
    )
    copied = Evidence.objects.filter(answer__assessment=draft).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=enterprise_user, evidence=copied)
    assert Evidence.objects.filter(file=copied.file.name).count() == 1  # the source's row
    assert (media / copied.file.name).is_file()
    assert len(evidence_of(source)) == 4


def test_deleting_an_unshared_file_removes_it(
    enterprise_user, member_factory, media, django_capture_on_commit_callbacks
):
    draft = services.assessment_start(actor=enterprise_user, factory=member_factory)
    evidence = services.evidence_add(
        actor=enterprise_user,
        assessment=draft,
        requirement_code=applicable_codes(draft)[0],
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=enterprise_user, evidence=evidence)
    assert not (media / evidence.file.name).exists()


def submitted_with(factory, user, count: int) -> Assessment:
    """A submitted assessment with ``count`` answers (a note each, evidence on every other one),
    written directly: the copy must not care how many there are."""
    version = selectors.model_version_current()
    now = timezone.now()
    assessment = Assessment.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        version=version,
        industry_type="discrete",
        status=Assessment.Status.SUBMITTED,
        created_by=user,
        submitted_by=user,
        submitted_at=now,
        valid_until=now.date(),
        maturity_level=1,
        overall_score=Decimal("1.50"),
    )
    requirements = Requirement.objects.filter(version=version).order_by("order")[:count]
    answers = Answer.objects.bulk_create(
        Answer(assessment=assessment, requirement=r, score=1, note=f"n{r.pk}", updated_by=user)
        for r in requirements
    )
    Evidence.objects.bulk_create(
        Evidence(
            answer=a,
            file=f"evidence/{assessment.pk}/{a.pk}",
            original_name=f"{a.pk}.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by=user,
        )
        for a in answers[::2]
    )
    return assessment


def test_copy_queries_do_not_grow_with_the_answers(enterprise_user):
    counts = {}
    for size in (10, 150):
        factory = mf.FactoryFactory()
        mf.member_of(enterprise_user, factory.enterprise)
        source = submitted_with(factory, enterprise_user, size)
        draft = services.assessment_start(actor=enterprise_user, factory=factory)
        applicable_codes(draft)  # the model's spec is read once per process, then cached
        with CaptureQueriesContext(connection) as queries:
            result = services.assessment_copy_from(
                actor=enterprise_user, assessment=draft, source=source
            )
        assert (result.answers, result.evidence) == (size, (size + 1) // 2)
        assert answers_of(draft) == answers_of(source)
        assert evidence_of(draft) == evidence_of(source)
        counts[size] = len(queries)
    assert counts[10] == counts[150]


def test_copy_refuses_another_model_version(enterprise_user, member_factory):
    source = submitted_with(member_factory, enterprise_user, 5)
    old = ModelVersion.objects.create(code="GB/T 39116-2020 old", title_zh="旧", title_en="old")
    Assessment.objects.filter(pk=source.pk).update(version=old)
    source.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        services.assessment_start(actor=enterprise_user, factory=member_factory, copy_from=source)
    assert refused.value.code == "version_changed"
    assert not Assessment.objects.filter(factory=member_factory, status="draft").exists()


def test_copy_refuses_a_draft_with_answers_another_factory_and_a_draft_source(
    enterprise_user, member_factory
):
    source = submitted_with(member_factory, enterprise_user, 5)
    draft = services.assessment_start(actor=enterprise_user, factory=member_factory)
    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=draft,
        answers=[{"requirement": applicable_codes(draft)[0], "score": 1}],
    )
    with pytest.raises(Conflict) as refused:
        services.assessment_copy_from(actor=enterprise_user, assessment=draft, source=source)
    assert refused.value.code == "draft_not_empty"
    assert Answer.objects.filter(assessment=draft).count() == 1

    other = mf.FactoryFactory(enterprise=member_factory.enterprise)
    elsewhere = services.assessment_start(actor=enterprise_user, factory=other)
    with pytest.raises(DomainError) as refused:
        services.assessment_copy_from(actor=enterprise_user, assessment=elsewhere, source=source)
    assert refused.value.code == "other_factory"
    with pytest.raises(DomainError) as refused:
        services.assessment_copy_from(actor=enterprise_user, assessment=elsewhere, source=draft)
    assert refused.value.code == "other_factory"
    assert not Answer.objects.filter(assessment=elsewhere).exists()


def test_copy_is_refused_to_a_non_member(member_factory, enterprise_user):
    source = submitted_with(member_factory, enterprise_user, 5)
    draft = services.assessment_start(actor=enterprise_user, factory=member_factory)
    stranger = mf.UserFactory()
    with pytest.raises(DomainError) as refused:
        services.assessment_copy_from(actor=stranger, assessment=draft, source=source)
    assert refused.value.status == 403
    assert not Answer.objects.filter(assessment=draft).exists()
