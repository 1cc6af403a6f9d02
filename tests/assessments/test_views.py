"""The self-assessment in the browser: start, answer as you go (htmx and plain POST), evidence,
submit, the report and its printable version, scope, and bounded queries on the list."""

import re
from decimal import Decimal

import filetype
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from assessments import selectors, services
from assessments.models import Answer, Assessment, Evidence, Level
from factories.models import Industry
from regions.models import City
from tests import model_factories as mf

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def codes_of(assessment) -> list[str]:
    spec = selectors.model_spec_for(assessment.version, assessment.industry_type)
    return [r.code for r in spec.applicable_requirements()]


def level_of(code: str) -> int:
    return int(code.split(".")[1])


def answer(assessment, actor, codes, value_for=lambda code: 1) -> None:
    services.assessment_answers_save(
        actor=actor,
        assessment=assessment,
        answers=[{"requirement": code, "score": value_for(code)} for code in codes],
    )


def submitted(factory, actor, value_for=lambda code: 1) -> Assessment:
    assessment = services.assessment_start(actor=actor, factory=factory)
    answer(assessment, actor, codes_of(assessment), value_for)
    return services.assessment_submit(actor=actor, assessment=assessment)


@pytest.fixture
def mine(enterprise_user):
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    return factory


@pytest.fixture
def browser(enterprise_user):
    return browser_for(enterprise_user)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- The whole journey ------------------------------------------------------------------------


def test_member_starts_answers_submits_and_reads_the_report(browser, enterprise_user, mine):
    page = browser.get("/assessments/").content.decode()
    assert mine.name in page and "Start an assessment" in page

    response = browser.post("/assessments/", {"factory": mine.pk})
    assessment = Assessment.objects.get(factory=mine)
    assert response.status_code == 302 and response["Location"] == f"/assessments/{assessment.pk}/"
    # The editor opens at the first sub-domain, one sub-domain per page.
    response = browser.get(response["Location"])
    first_part = f"/assessments/{assessment.pk}/parts/organizational_strategy/"
    assert response.status_code == 302 and response["Location"] == first_part
    page = browser.get(first_part).content.decode()
    assert "Illustrative requirement set" in page and "0 of 194 requirements answered" in page

    codes = codes_of(assessment)
    by_htmx, by_post, last = codes[0], codes[1], codes[-1]
    # Levels 1-3 fully met, 4-5 partly: maturity level 3, overall score 3.50.
    value_for = lambda code: 1 if level_of(code) <= 3 else 0.5  # noqa: E731
    answer(assessment, enterprise_user, codes[2:-1], value_for)

    response = browser.post(
        f"/assessments/{assessment.pk}/answers/{by_htmx}/",
        {"score": "1", "note": "质量手册 第 3 章"},
        **HTMX,
    )
    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    # Only the row's status marks are replaced: inputs being typed into are left alone.
    assert response["HX-Retarget"] == f'[id="req-status-{by_htmx}"]' and "Saved" in fragment
    assert 'name="note"' not in fragment
    assert 'id="assessment-progress"' in fragment and 'hx-swap-oob="true"' in fragment
    assert f"{len(codes) - 2} of {len(codes)} requirements answered" in fragment

    response = browser.post(
        f"/assessments/{assessment.pk}/answers/{by_post}/", {"score": "1", "note": ""}
    )
    assert response.status_code == 302
    part = f"/assessments/{assessment.pk}/parts/{by_post.split('.')[0]}/"
    assert response["Location"] == f"{part}?saved={by_post}#req-{by_post}"
    saved = Answer.objects.get(assessment=assessment, requirement__code=by_htmx)
    assert (saved.score, saved.note) == (Decimal("1.00"), "质量手册 第 3 章")
    assert Answer.objects.get(assessment=assessment, requirement__code=by_post).score == 1

    response = browser.post(f"/assessments/{assessment.pk}/submit/")
    page = response.content.decode()
    assert response.status_code == 400
    last_part = f"/assessments/{assessment.pk}/parts/{last.split('.')[0]}/"
    assert "not answered yet" in page and f'href="{last_part}#req-{last}"' in page
    assert page.count('class="missing-link"') == 1  # only the missing one is listed
    assessment.refresh_from_db()
    assert assessment.is_draft and assessment.submitted_at is None

    response = browser.post(
        f"/assessments/{assessment.pk}/answers/{last}/", {"score": "0.5", "note": ""}, **HTMX
    )
    assert response.status_code == 200
    response = browser.post(f"/assessments/{assessment.pk}/submit/")
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{assessment.pk}/report/"

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert (assessment.maturity_level, assessment.overall_score) == (3, Decimal("3.50"))
    level = Level.objects.get(version=assessment.version, number=assessment.maturity_level)
    page = browser.get(response["Location"]).content.decode()
    assert level.name_en in page and level.name_zh in page
    assert f"{assessment.overall_score:.2f}" in page and "Preview" not in page
    assert "<svg" in page and "Gap to level 4" in page
    # A submitted assessment is read-only: the questionnaire sends you to the report.
    response = browser.get(f"/assessments/{assessment.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/report/")
    response = browser.post(f"/assessments/{assessment.pk}/answers/{last}/", {"score": "1"}, **HTMX)
    assert "can no longer be changed" in response.content.decode()
    response = browser.post(f"/assessments/{assessment.pk}/answers/{last}/", {"score": "1"})
    assert response.status_code == 302 and response["Location"].endswith("/report/")
    assert Answer.objects.get(assessment=assessment, requirement__code=last).score == Decimal("0.5")


def test_plain_post_comes_back_to_the_row_marked_saved(browser, enterprise_user, mine):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(assessment)[3]
    response = browser.post(
        f"/assessments/{assessment.pk}/answers/{code}/", {"score": "0.8"}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200 and "1 of 194 requirements answered" in page
    row = page.split(f'id="req-{code}"')[1].split('class="req-row')[0]
    assert "Saved" in row
    checked = re.findall(r'value="([0-9.]+)"\s+id="[^"]+" checked', row)
    assert checked == ["0.8"]


def test_note_alone_keeps_the_score(browser, enterprise_user, mine):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(assessment)[0]
    answer(assessment, enterprise_user, [code], lambda c: 0.8)
    browser.post(f"/assessments/{assessment.pk}/answers/{code}/", {"note": "见附件"}, **HTMX)
    saved = Answer.objects.get(assessment=assessment, requirement__code=code)
    assert (saved.score, saved.note) == (Decimal("0.80"), "见附件")


def test_score_alone_keeps_the_note(browser, enterprise_user, mine):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(assessment)[0]
    browser.post(f"/assessments/{assessment.pk}/answers/{code}/", {"note": "见附件"}, **HTMX)
    browser.post(f"/assessments/{assessment.pk}/answers/{code}/", {"score": "0.5"}, **HTMX)
    saved = Answer.objects.get(assessment=assessment, requirement__code=code)
    assert (saved.score, saved.note) == (Decimal("0.50"), "见附件")


def test_invalid_score_shows_the_error_and_saves_nothing(browser, enterprise_user, mine):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(assessment)[0]
    url = f"/assessments/{assessment.pk}/answers/{code}/"

    response = browser.post(url, {"score": "0.7", "note": "我的说明"}, **HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx only
    assert "The answer must be one of 0, 0.5, 0.8 and 1; got 0.7." in fragment
    assert "is-invalid" in fragment and "我的说明</textarea>" in fragment  # the note is kept
    assert "Saved" not in fragment

    response = browser.post(url, {"score": "yes", "note": ""})
    assert response.status_code == 400
    assert "The answer must be one of 0, 0.5, 0.8 and 1; got yes." in response.content.decode()
    assert not Answer.objects.filter(assessment=assessment).exists()


def test_second_assessment_is_compared_with_the_first(browser, enterprise_user, mine):
    first = submitted(mine, enterprise_user, lambda code: 0.5)
    second = submitted(mine, enterprise_user, lambda code: 1)
    page = browser.get(f"/assessments/{second.pk}/report/").content.decode()
    assert "Compared with the previous assessment" in page
    assert f"{first.overall_score:.2f}" in page and "+4.50" in page
    comparison = page.split('class="table table-sm comparison-table"')[1].split("</table>")[0]
    assert comparison.count("<tr>") == 1 + 20  # the header and every sub-domain
    assert 'class="previous"' in page  # the chart marks the previous scores
    assert "Compared with" not in browser.get(f"/assessments/{first.pk}/report/").content.decode()
    assert (first.maturity_level, second.maturity_level) == (0, 5)


def test_draft_report_is_a_labelled_preview(browser, enterprise_user, mine):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    answer(assessment, enterprise_user, codes_of(assessment)[:20])
    page = browser.get(f"/assessments/{assessment.pk}/report/").content.decode()
    assert "Preview — not submitted" in page and "Back to the questionnaire" in page


def test_starting_again_opens_the_existing_draft(browser, enterprise_user, mine):
    draft = services.assessment_start(actor=enterprise_user, factory=mine)
    response = browser.post("/assessments/", {"factory": mine.pk}, follow=True)
    assert response.redirect_chain[0][0] == f"/assessments/{draft.pk}/"
    assert "already has a draft assessment" in response.content.decode()
    # "Start or continue" from the enterprise page opens it without the warning.
    page = browser.get(f"/enterprises/{mine.enterprise_id}/").content.decode()
    assert "Start or continue its self-assessment" in page
    response = browser.post("/assessments/", {"factory": mine.pk, "resume": "1"}, follow=True)
    assert response.redirect_chain[0][0] == f"/assessments/{draft.pk}/"
    assert "already has a draft" not in response.content.decode()
    assert Assessment.objects.filter(factory=mine).count() == 1


def test_member_lists_one_factorys_assessments(browser, enterprise_user, mine):
    other = mf.FactoryFactory(enterprise=mine.enterprise)
    submitted(mine, enterprise_user)
    submitted(other, enterprise_user)
    page = browser.get(f"/assessments/?factory={other.pk}").content.decode()
    table = page.split('class="table table-sm table-hover align-middle assessment-list"')[1]
    assert other.name in table and mine.name not in table
    assert "Show the assessments of all your factories" in page


def test_process_factory_sees_non_applicable_subdomain_without_inputs(browser, enterprise_user):
    factory = mf.FactoryFactory(industry=Industry.objects.get(code="26"))  # chemicals: process
    mf.member_of(enterprise_user, factory.enterprise)
    assessment = services.assessment_start(actor=enterprise_user, factory=factory)
    # The sidebar marks it; its own page lists its requirements without inputs.
    page = browser.get(f"/assessments/{assessment.pk}/", follow=True).content.decode()
    assert f'href="/assessments/{assessment.pk}/parts/product_service/"' in page
    assert f"0 of {len(codes_of(assessment))} requirements answered" in page
    page = browser.get(f"/assessments/{assessment.pk}/parts/product_service/").content.decode()
    assert "not applicable to process manufacturing" in page
    assert "/answers/product_service." not in page and 'id="req-product_service.' not in page
    assert f"0 of {len(codes_of(assessment))} requirements answered" in page


# --- Scope ------------------------------------------------------------------------------------


def test_another_enterprise_gets_404_everywhere(enterprise_user, mine, media):
    done = submitted(mine, enterprise_user)
    draft = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(draft)[0]
    evidence = services.evidence_add(
        actor=enterprise_user,
        assessment=draft,
        requirement_code=code,
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    stranger = browser_for(mf.UserFactory(role=Role.ENTERPRISE_USER))
    for pk in (done.pk, draft.pk):
        assert stranger.get(f"/assessments/{pk}/").status_code == 404
        assert stranger.get(f"/assessments/{pk}/report/").status_code == 404
        assert stranger.get(f"/assessments/{pk}/report/print/").status_code == 404
    response = stranger.post(f"/assessments/{draft.pk}/answers/{code}/", {"score": "1"}, **HTMX)
    assert response.status_code == 404
    assert stranger.post(f"/assessments/{draft.pk}/submit/").status_code == 404
    assert stranger.get(f"/assessments/evidence/{evidence.pk}/").status_code == 404
    assert stranger.post(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 404
    upload = SimpleUploadedFile("b.pdf", PDF)
    response = stranger.post(
        f"/assessments/{draft.pk}/evidence/", {"requirement": code, "file": upload}
    )
    assert response.status_code == 404
    assert not Answer.objects.filter(assessment=draft, score__isnull=False).exists()
    assert Evidence.objects.count() == 1
    assert mine.name not in stranger.get("/assessments/").content.decode()


def test_official_in_scope_reads_the_report_and_filters_the_list(enterprise_user, suzhou_official):
    low, high = mf.FactoryFactory(), mf.FactoryFactory()
    for factory in (low, high):
        mf.member_of(enterprise_user, factory.enterprise)
    low_assessment = submitted(low, enterprise_user, lambda code: 0.5)
    high_assessment = submitted(high, enterprise_user)
    draft_factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, draft_factory.enterprise)
    draft = services.assessment_start(actor=enterprise_user, factory=draft_factory)

    official = browser_for(suzhou_official)
    response = official.get(f"/assessments/{high_assessment.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/report/")
    page = official.get(f"/assessments/{high_assessment.pk}/report/").content.decode()
    assert "Leading" in page and "引领级" in page and "5.00" in page
    assert "/answers/" not in page and "Back to the questionnaire" not in page
    code = codes_of(high_assessment)[0]
    response = official.post(f"/assessments/{high_assessment.pk}/answers/{code}/", {"score": "0"})
    assert response.status_code == 403
    assert official.post(f"/assessments/{draft.pk}/submit/").status_code == 404  # drafts: private
    assert official.get(f"/assessments/{draft.pk}/report/").status_code == 404

    page = official.get("/assessments/").content.decode()
    assert low.name in page and high.name in page and draft_factory.name not in page
    page = official.get("/assessments/?level=5").content.decode()
    assert high.name in page and low.name not in page
    page = official.get(f"/assessments/?level=0&city=320500&year={timezone.now().year}")
    assert low.name in page.content.decode() and high.name not in page.content.decode()
    assert low_assessment.maturity_level == 0
    # A nonsense filter is ignored, not an error.
    assert official.get("/assessments/?level=9&year=abc").status_code == 200


def test_official_out_of_scope_gets_404(enterprise_user):
    nanjing = City.objects.get(code="320100")
    factory = mf.FactoryFactory(enterprise__city=nanjing)
    mf.member_of(enterprise_user, factory.enterprise)
    assessment = submitted(factory, enterprise_user)
    suzhou = browser_for(mf.official(Role.CITY_OFFICIAL, "320500-industry-it"))
    zhejiang = browser_for(mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it"))
    for outsider in (suzhou, zhejiang):
        assert outsider.get(f"/assessments/{assessment.pk}/report/").status_code == 404
        assert factory.name not in outsider.get("/assessments/").content.decode()
    jiangsu = browser_for(mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it"))
    assert jiangsu.get(f"/assessments/{assessment.pk}/report/").status_code == 200


# --- Evidence ---------------------------------------------------------------------------------


def test_evidence_upload_download_and_refusal(
    browser, enterprise_user, mine, media, jiangsu_official
):
    assert filetype.guess(PDF).mime == "application/pdf"
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(assessment)[0]
    url = f"/assessments/{assessment.pk}/evidence/"

    response = browser.post(url, {"requirement": code, "file": SimpleUploadedFile("制度.pdf", PDF)})
    assert response.status_code == 302 and response["Location"].endswith(f"#req-{code}")
    evidence = Evidence.objects.get()
    assert (evidence.content_type, evidence.original_name) == ("application/pdf", "制度.pdf")
    page = browser.get(response["Location"]).content.decode()
    assert f"/assessments/evidence/{evidence.pk}/" in page and "制度.pdf" in page

    response = browser.get(f"/assessments/evidence/{evidence.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")

    fake = SimpleUploadedFile("fake.pdf", b"just text, not a PDF", content_type="application/pdf")
    response = browser.post(url, {"requirement": code, "file": fake})
    page = response.content.decode()
    assert response.status_code == 400 and "This file type is not accepted" in page
    assert Evidence.objects.count() == 1
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1

    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=assessment,
        answers=[{"requirement": c, "score": 1} for c in codes_of(assessment)],
    )
    services.assessment_submit(actor=enterprise_user, assessment=assessment)
    official = browser_for(jiangsu_official)
    response = official.get(f"/assessments/evidence/{evidence.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert official.post(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 403
    assert Evidence.objects.count() == 1


def test_member_removes_evidence(
    browser, enterprise_user, mine, media, django_capture_on_commit_callbacks
):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    code = codes_of(assessment)[0]
    evidence = services.evidence_add(
        actor=enterprise_user,
        assessment=assessment,
        requirement_code=code,
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/assessments/evidence/{evidence.pk}/delete/")
    assert response.status_code == 302 and response["Location"].endswith(f"#req-{code}")
    assert not Evidence.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


# --- Queries, printing, navigation ------------------------------------------------------------


def make_submitted(count: int) -> None:
    """Submitted assessments with stored scores, without answering 194 requirements each."""
    version = selectors.model_version_current()
    user = mf.UserFactory()
    now = timezone.now()
    for index in range(count):
        factory = mf.FactoryFactory()
        Assessment.objects.create(
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
            maturity_level=index % 6,
            overall_score=Decimal("1.50"),
        )


@pytest.mark.parametrize("count", [5, 30])
def test_list_queries_are_bounded(count, miit_reviewer, django_assert_max_num_queries):
    make_submitted(count)
    official = browser_for(miit_reviewer)
    with django_assert_max_num_queries(10):
        response = official.get("/assessments/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/assessments/') >= count


def test_list_query_count_does_not_grow_with_rows(miit_reviewer, enterprise_user):
    official = browser_for(miit_reviewer)
    make_submitted(5)
    with CaptureQueriesContext(connection) as few:
        official.get("/assessments/")
    make_submitted(25)
    with CaptureQueriesContext(connection) as many:
        official.get("/assessments/?level=&city=&industry=")
    assert len(many) == len(few)


def test_member_list_queries_are_bounded(browser, enterprise_user, django_assert_max_num_queries):
    for _index in range(6):
        factory = mf.FactoryFactory()
        mf.member_of(enterprise_user, factory.enterprise)
        services.assessment_start(actor=enterprise_user, factory=factory)
    with django_assert_max_num_queries(10):
        page = browser.get("/assessments/").content.decode()
    assert page.count("Continue the draft") == 6


def test_questionnaire_queries_are_bounded(
    browser, enterprise_user, mine, django_assert_max_num_queries
):
    assessment = services.assessment_start(actor=enterprise_user, factory=mine)
    answer(assessment, enterprise_user, codes_of(assessment)[:50])
    part = f"/assessments/{assessment.pk}/parts/{codes_of(assessment)[60].split('.')[0]}/"
    with django_assert_max_num_queries(12):
        assert browser.get(part).status_code == 200
    with django_assert_max_num_queries(20):
        response = browser.post(
            f"/assessments/{assessment.pk}/answers/{codes_of(assessment)[60]}/",
            {"score": "1"},
            **HTMX,
        )
    assert response.status_code == 200


def test_print_view_renders_without_navigation(browser, enterprise_user, mine):
    assessment = submitted(mine, enterprise_user)
    response = browser.get(f"/assessments/{assessment.pk}/report/print/")
    page = response.content.decode()
    assert response.status_code == 200 and "data-print" in page and "portal/portal.js" in page
    assert "navbar" not in page and "Leading" in page and "5.00" in page and "<svg" in page


def test_home_and_nav_point_to_the_assessments(browser, suzhou_official):
    page = browser.get("/").content.decode()
    assert "Do your annual self-assessment" in page and 'href="/assessments/"' in page
    page = browser_for(suzhou_official).get("/").content.decode()
    assert "Review self-assessments in your jurisdiction" in page
