"""The enterprise's re-assessment in a real browser: start from the last assessment, change one
answer, follow the progress sidebar, confirm and submit. In Chinese at 1280 px and in English at
390 px; each run also looks at the editor and the confirmation at the other width, so both
languages are seen at both widths without a third and fourth journey."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from assessments import selectors, services
from assessments.models import Answer, Assessment
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in

WIDTHS = {"desktop": 1280, "phone": 390}
SLACK_PX = 2


def last_assessment(user, factory) -> Assessment:
    """A submitted assessment, every answer fully met, a note on the first."""
    draft = services.assessment_start(actor=user, factory=factory)
    spec = selectors.model_spec_for(draft.version, draft.industry_type)
    codes = [r.code for r in spec.applicable_requirements()]
    services.assessment_answers_save(
        actor=user,
        assessment=draft,
        answers=[
            {
                "requirement": code,
                "score": 1,
                "note": "见质量手册第 3 章" if code == codes[0] else "",
            }
            for code in codes
        ],
    )
    return services.assessment_submit(actor=user, assessment=draft)


# The elements that reach past the viewport's right edge, for the failure message.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 2)
  .slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def fits(page: Page, width: int) -> None:
    """No horizontal scrolling at ``width``."""
    page.set_viewport_size({"width": width, "height": 900})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width + SLACK_PX:
        pytest.fail(f"{page.url} at {width}px is {scroll_width}px: {page.evaluate(OVERFLOWING)}")


@pytest.mark.parametrize(
    ("locale", "width", "texts"),
    [
        (
            "zh-CN",
            "desktop",
            {"start": "基于上次自评估开始", "saved": "已保存", "review": "检查并提交"},
        ),
        (
            "en-US",
            "phone",
            {
                "start": "Start from my last assessment",
                "saved": "Saved",
                "review": "Review and submit",
            },
        ),
    ],
)
def test_reassessment_from_the_last_one(
    browser: Browser, live_server, enterprise_user, applicant, locale, width, texts
):
    source = last_assessment(enterprise_user, applicant)
    context = browser.new_context(
        base_url=live_server.url,
        locale=locale,
        timezone_id="Asia/Shanghai",
        viewport={"width": WIDTHS[width], "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, enterprise_user, next_path="/assessments/")
        with page.expect_navigation():
            page.get_by_role("button", name=texts["start"]).click()

        # The editor opens at the first sub-domain, every answer carried over.
        draft = Assessment.objects.get(factory=applicant, status=Assessment.Status.DRAFT)
        first = selectors.assessment_first_part(draft)
        assert page.url.endswith(f"/assessments/{draft.pk}/parts/{first}/")
        total = Answer.objects.filter(assessment=source).count()
        expect(page.locator("#assessment-progress")).to_contain_text(f"{total}")
        note = page.locator("textarea[name=note]").first
        expect(note).to_have_value("见质量手册第 3 章")

        # The sidebar: open on a desktop, folded above the content on a phone.
        sidebar = page.locator("#parts-list")
        if width == "phone":
            expect(sidebar).to_be_hidden()
            page.locator(".parts-toggle").click()
        expect(sidebar).to_be_visible()
        count = page.locator(f"#count-{first}")
        expect(count).to_contain_text("✓")

        # Change one answer: the row says it is saved, the sub-domain stays done.
        row = page.locator(".req-row").first
        code = row.get_attribute("id").removeprefix("req-")
        row.locator("input[name=score][value='0.5']").check()
        expect(row.locator(".req-saved")).to_contain_text(texts["saved"])
        expect(count).to_contain_text("✓")
        for size in WIDTHS.values():
            fits(page, size)
        page.set_viewport_size({"width": WIDTHS[width], "height": 900})

        # Review and submit from the sidebar: the confirmation shows what is frozen.
        with page.expect_navigation():
            sidebar.get_by_role("link", name=texts["review"]).click()
        assert page.url.endswith(f"/assessments/{draft.pk}/confirm/")
        expect(page.locator("[data-testid=answered]")).to_have_text(f"{total} / {total}")
        expect(page.locator("[data-testid=notes]")).to_have_text("1")
        expect(page.locator("#missing")).to_have_count(0)
        for size in WIDTHS.values():
            fits(page, size)
        page.set_viewport_size({"width": WIDTHS[width], "height": 900})
        with page.expect_navigation():
            page.locator(".confirm-submit").click()
        assert page.url.endswith(f"/assessments/{draft.pk}/report/")
    finally:
        context.close()

    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SUBMITTED
    assert Answer.objects.get(assessment=draft, requirement__code=code).score == Decimal("0.50")
    assert Answer.objects.get(assessment=source, requirement__code=code).score == Decimal("1.00")
    changed = {
        (a.requirement_id, a.score, a.note) for a in Answer.objects.filter(assessment=draft)
    } ^ {(a.requirement_id, a.score, a.note) for a in Answer.objects.filter(assessment=source)}
    assert len(changed) == 2  # only the one answer differs (as before, as now)
