"""The editor one sub-domain at a time: its pages, the progress sidebar (also as htmx swaps
it), the way in, the confirmation before submission, starting from the last assessment in the
browser, both languages, and the queries at two sizes."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments import selectors, services
from assessments.models import Answer, Assessment, Requirement, SubDomain
from tests import model_factories as mf
from tests.assessments.conftest import applicable_codes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def browser_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def subdomains_of(assessment) -> list[SubDomain]:
    return list(SubDomain.objects.filter(version=assessment.version).order_by("order"))


def codes_in(assessment, subdomain: str) -> list[str]:
    return [c for c in applicable_codes(assessment) if c.split(".")[0] == subdomain]


def answer(assessment, actor, codes, value=1):
    services.assessment_answers_save(
        actor=actor,
        assessment=assessment,
        answers=[{"requirement": code, "score": value} for code in codes],
    )


def part_url(assessment, code: str) -> str:
    return f"/assessments/{assessment.pk}/parts/{code}/"


def test_a_sub_domain_page_shows_its_requirements_the_sidebar_and_the_way_on(
    enterprise_user, draft
):
    subs = subdomains_of(draft)
    first, second = subs[0], subs[1]
    answer(draft, enterprise_user, codes_in(draft, first.code))  # the first one is done
    answer(draft, enterprise_user, codes_in(draft, second.code)[:1])
    page = browser_for(enterprise_user).get(part_url(draft, second.code)).content.decode()

    requirements = Requirement.objects.filter(subdomain=second).order_by("level", "order")
    rows = re.findall(r'class="req-row[^"]*" id="req-([^"]+)"', page)
    assert rows == [r.code for r in requirements]  # only this sub-domain's requirements
    for requirement in requirements:
        # The requirement's text leads; its code is a small reference below it.
        assert f'<p class="mb-1 req-text">{requirement.text_en}</p>' in page
        assert (
            f'<small class="req-code text-muted" title="Requirement code">{requirement.code}'
            in (page)
        )
    # The sidebar: every sub-domain, each with answered/total; the done one marked.
    sidebar = page.split('class="assessment-parts"')[1].split("</nav>")[0]
    assert sidebar.count('class="part-link') == len(subs) == 20
    assert 'aria-current="page"' in sidebar.split(f"parts/{second.code}/")[1].split("</a>")[0]
    first_count = re.search(rf'id="count-{first.code}"[^>]*>(.*?)</span>\s*</a>', sidebar, re.S)
    done = len(codes_in(draft, first.code))
    assert "✓" in first_count.group(1) and f"{done}/{done}" in first_count.group(1)
    second_total = len(codes_in(draft, second.code))
    second_count = sidebar.split(f'id="count-{second.code}"')[1].split("</span>")[0]
    assert "✓" not in second_count and f">1/{second_total}" in second_count
    # Previous and next, in the model's order.
    assert f'href="{part_url(draft, first.code)}" rel="prev"' in page
    assert f'href="{part_url(draft, subs[2].code)}" rel="next"' in page
    assert "Sub-domain 2 of 20" in page


def test_the_last_sub_domain_leads_to_the_confirmation(enterprise_user, draft):
    last = subdomains_of(draft)[-1]
    page = browser_for(enterprise_user).get(part_url(draft, last.code)).content.decode()
    assert 'rel="next"' not in page
    assert f'class="btn btn-primary part-confirm" href="/assessments/{draft.pk}/confirm/"' in page


def test_unknown_sub_domain_is_not_found_and_a_submitted_one_shows_its_report(
    enterprise_user, draft
):
    browser = browser_for(enterprise_user)
    assert browser.get(part_url(draft, "no_such_part")).status_code == 404
    answer(draft, enterprise_user, applicable_codes(draft))
    services.assessment_submit(actor=enterprise_user, assessment=draft)
    response = browser.get(part_url(draft, subdomains_of(draft)[0].code))
    assert response.status_code == 302 and response["Location"].endswith("/report/")
    response = browser.get(f"/assessments/{draft.pk}/confirm/")
    assert response.status_code == 302 and response["Location"].endswith("/report/")


def test_the_way_in_is_the_first_unfinished_sub_domain(enterprise_user, draft):
    browser = browser_for(enterprise_user)
    subs = subdomains_of(draft)
    answer(draft, enterprise_user, codes_in(draft, subs[0].code))
    answer(draft, enterprise_user, codes_in(draft, subs[1].code)[1:])
    response = browser.get(f"/assessments/{draft.pk}/")
    assert response.status_code == 302 and response["Location"] == part_url(draft, subs[1].code)
    answer(draft, enterprise_user, applicable_codes(draft))
    response = browser.get(f"/assessments/{draft.pk}/")
    assert response["Location"] == f"/assessments/{draft.pk}/confirm/"


def test_saving_an_answer_updates_the_sidebar_out_of_band(enterprise_user, draft):
    browser = browser_for(enterprise_user)
    sub = subdomains_of(draft)[0]
    codes = codes_in(draft, sub.code)
    answer(draft, enterprise_user, codes[:-1])
    response = browser.post(
        f"/assessments/{draft.pk}/answers/{codes[-1]}/", {"score": "0.8"}, **HTMX
    )
    fragment = response.content.decode()
    count = fragment.split(f'id="count-{sub.code}"')[1].split("</span>\n")[0]
    assert 'hx-swap-oob="true"' in count and "✓" in count
    assert f"{len(codes)}/{len(codes)}" in count
    assert f"{len(codes)} of {len(applicable_codes(draft))} requirements answered" in fragment


def test_confirmation_lists_what_is_frozen_and_what_is_missing(enterprise_user, draft):
    browser = browser_for(enterprise_user)
    codes = applicable_codes(draft)
    missing = [codes[0], codes[1], codes[-1]]
    answer(draft, enterprise_user, [c for c in codes if c not in missing], value=0.8)
    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=draft,
        answers=[{"requirement": codes[5], "note": "见质量手册"}],
    )
    page = browser.get(f"/assessments/{draft.pk}/confirm/").content.decode()
    assert f'data-testid="answered">{len(codes) - 3} / {len(codes)}<' in page
    assert 'data-testid="notes">1<' in page and 'data-testid="evidence">0<' in page
    assert "3 requirements are not answered yet" in page and "confirm-submit" not in page
    texts = dict(Requirement.objects.filter(code__in=missing).values_list("code", "text_en"))
    names = dict(SubDomain.objects.filter(version=draft.version).values_list("code", "name_en"))
    listed = page.split('id="missing"')[1].split("</section>")[0]
    # Grouped by sub-domain, in the model's order, each requirement by its text with a link.
    headings = re.findall(r'<h3 class="h6 mt-3">([^<]+) <span', listed)
    assert headings == [names[codes[0].split(".")[0]], names[codes[-1].split(".")[0]]]
    for code in missing:
        link = f'href="{part_url(draft, code.split(".")[0])}#req-{code}">{texts[code]}</a>'
        assert link in listed

    # Submitting now is refused on the same page, nothing frozen.
    response = browser.post(f"/assessments/{draft.pk}/submit/")
    assert response.status_code == 400 and "Nothing was submitted." in response.content.decode()
    assert Assessment.objects.get(pk=draft.pk).is_draft


def test_the_preview_is_the_score_submission_stores(enterprise_user, draft):
    browser = browser_for(enterprise_user)
    codes = applicable_codes(draft)
    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=draft,
        answers=[
            {"requirement": c, "score": 1 if int(c.split(".")[1]) <= 2 else 0.5} for c in codes
        ],
    )
    page = browser.get(f"/assessments/{draft.pk}/confirm/").content.decode()
    shown_level = re.search(r'data-testid="preview-level">(\d)', page).group(1)
    shown_score = re.search(r'data-testid="preview-score">([0-9.]+)<', page).group(1)
    assert "confirm-submit" in page and "not answered yet" not in page
    response = browser.post(f"/assessments/{draft.pk}/submit/")
    assert response.status_code == 302
    submitted = Assessment.objects.get(pk=draft.pk)
    assert (int(shown_level), shown_score) == (
        submitted.maturity_level,
        f"{submitted.overall_score:.2f}",
    )
    assert submitted.maturity_level == 2


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", ("检查并提交", "text_zh")), ("en", ("Review and submit", "text_en"))],
)
def test_pages_in_both_languages(enterprise_user, draft, language, expected):
    heading, text_field = expected
    browser = browser_for(enterprise_user, language)
    sub = subdomains_of(draft)[0]
    requirement = Requirement.objects.filter(subdomain=sub).order_by("order").first()
    page = browser.get(part_url(draft, sub.code)).content.decode()
    assert getattr(requirement, text_field) in page
    assert (sub.name_zh if language == "zh-hans" else sub.name_en) in page
    assert heading in page
    page = browser.get(f"/assessments/{draft.pk}/confirm/").content.decode()
    assert f'<h1 class="h3 mb-3">{heading}</h1>' in page


def test_start_from_the_last_assessment_in_the_browser(enterprise_user, member_factory):
    browser = browser_for(enterprise_user)
    first = services.assessment_start(actor=enterprise_user, factory=member_factory)
    answer(first, enterprise_user, applicable_codes(first), value=0.8)
    services.assessment_answers_save(
        actor=enterprise_user,
        assessment=first,
        answers=[{"requirement": applicable_codes(first)[3], "note": "见 2025 年报告"}],
    )
    first = services.assessment_submit(actor=enterprise_user, assessment=first)
    page = browser.get("/assessments/").content.decode()
    assert f'name="copy_from" value="{first.pk}"' in page
    assert "Start from my last assessment" in page and "Start an empty assessment" in page

    response = browser.post("/assessments/", {"factory": member_factory.pk, "copy_from": first.pk})
    draft = Assessment.objects.get(factory=member_factory, status="draft")
    # Everything is answered already: the editor opens at its first sub-domain to go through.
    first_part = part_url(draft, subdomains_of(draft)[0].code)
    assert response.status_code == 302 and response["Location"] == first_part
    assert set(
        Answer.objects.filter(assessment=draft).values_list("requirement_id", "score", "note")
    ) == set(Answer.objects.filter(assessment=first).values_list("requirement_id", "score", "note"))
    assert "is started from the one submitted on" in browser.get(first_part).content.decode()
    response = browser.get(f"/assessments/{draft.pk}/")  # nothing left to answer
    assert response["Location"] == f"/assessments/{draft.pk}/confirm/"


def test_start_from_someone_elses_assessment_is_not_found(enterprise_user, member_factory):
    other_user = mf.UserFactory()
    other_factory = mf.FactoryFactory()
    mf.member_of(other_user, other_factory.enterprise)
    theirs = services.assessment_start(actor=other_user, factory=other_factory)
    answer(theirs, other_user, applicable_codes(theirs))
    theirs = services.assessment_submit(actor=other_user, assessment=theirs)
    response = browser_for(enterprise_user).post(
        "/assessments/", {"factory": member_factory.pk, "copy_from": theirs.pk}
    )
    assert response.status_code == 404
    assert not Assessment.objects.filter(factory=member_factory).exists()


def test_editor_and_confirmation_queries_do_not_grow_with_the_answers(enterprise_user):
    browser = browser_for(enterprise_user)
    counts = []
    for size in (5, 150):
        factory = mf.FactoryFactory()
        mf.member_of(enterprise_user, factory.enterprise)
        draft = services.assessment_start(actor=enterprise_user, factory=factory)
        answer(draft, enterprise_user, applicable_codes(draft)[:size])
        sub = subdomains_of(draft)[3].code
        with CaptureQueriesContext(connection) as part:
            assert browser.get(part_url(draft, sub)).status_code == 200
        with CaptureQueriesContext(connection) as confirm:
            assert browser.get(f"/assessments/{draft.pk}/confirm/").status_code == 200
        counts.append((len(part), len(confirm)))
    assert counts[0] == counts[1]
    assert selectors.model_version_current() is not None
