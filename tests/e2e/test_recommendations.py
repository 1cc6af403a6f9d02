"""The recommendation list in a real browser, in Chinese (issue 12): the provincial department
puts passed applications on its list until the quota is used (the button of the next one is
then disabled), moves one up, is stopped until it ticks the confirmation, and submits the list to
MIIT. No console error under the Content-Security-Policy."""

from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from accounts.models import Role
from certification.models import Application, RecommendationEntry
from tests import model_factories as mf
from tests.certification.ranking_setup import excellent_campaign, waiting_in_ranking
from tests.e2e.conftest import sign_in


def test_the_province_ranks_within_its_quota_and_submits(page: Page):
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    province = mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
    campaign = excellent_campaign(quota=2)
    first, second, third = waiting_in_ranking(
        campaign, 3, applicant=mf.UserFactory(role=Role.ENTERPRISE_USER)
    )
    sign_in(page, province, next_path=f"/recommendations/?campaign={campaign.pk}")
    expect(page.locator("h1")).to_have_text("推荐名单")
    expect(page.locator(".quota-usage")).to_contain_text("名额2个：已用0个，剩余2个。")

    def put_on(application: Application) -> None:
        row = page.locator(".ranking-candidates li", has_text=application.factory.name)
        with page.expect_navigation():
            row.get_by_role("button", name="列入名单").click()
        expect(page.locator(".alert-success")).to_contain_text("已列入名单。")

    put_on(first)
    put_on(second)
    expect(page.locator(".quota-usage")).to_contain_text("已用2个，剩余0个。")
    last = page.locator(".ranking-candidates li", has_text=third.factory.name)
    expect(last.get_by_role("button", name="列入名单")).to_be_disabled()
    ranked = page.locator("table.ranked-entries tbody tr")
    expect(ranked).to_have_count(2)
    expect(ranked.nth(0)).to_contain_text(first.factory.name)

    with page.expect_navigation():
        ranked.nth(1).get_by_role("button", name="上移").click()
    expect(ranked.nth(0)).to_contain_text(second.factory.name)
    expect(ranked.nth(1)).to_contain_text(first.factory.name)

    submit = page.locator("form.recommendation-submit")
    with page.expect_navigation():
        submit.get_by_role("button", name="报送工业和信息化部").click()
    expect(page.locator(".alert-danger")).to_contain_text("请勾选确认后再报送。")
    page.locator("form.recommendation-submit input[name=confirm]").check()
    with page.expect_navigation():
        page.locator("form.recommendation-submit button").click()
    expect(page.locator(".alert-success")).to_contain_text("名单已报送工业和信息化部。")
    expect(page.locator(".recommendation-list h2 .badge")).to_have_text("已报送工业和信息化部")
    expect(page.locator(".not-recommended")).to_contain_text(third.factory.name)
    expect(page.get_by_role("button", name="上移")).to_have_count(0)

    order = list(
        RecommendationEntry.objects.order_by("rank").values_list("application_id", flat=True)
    )
    assert order == [second.pk, first.pk]
    statuses = set(Application.objects.filter(pk__in=order).values_list("status", flat=True))
    assert statuses == {"miit_review"}
    assert not problems, problems
    assert re.search(r"/recommendations/\?campaign=\d+$", page.url)
