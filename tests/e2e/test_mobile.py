"""Every role's main pages on a 390 px phone in real Chromium, on the demo data: no page is
wider than the screen (tables scroll inside their own box), and the navigation folds behind
the toggler, opens on a tap and its links work. The enterprise member, the city and the
province browse in Chinese, the MIIT official in English; then, at desktop width, the bar is
spread out and the peer benchmark draws its box plots."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page

from accounts.models import User
from assessments.models import Assessment
from certification.models import Application, Campaign
from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_REASSESSMENT
from factories.models import Factory
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _browse(browser: Browser, live_server, locale: str, viewport: dict = PHONE) -> Page:
    context = browser.new_context(
        base_url=live_server.url, locale=locale, timezone_id="Asia/Shanghai", viewport=viewport
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


def _fits(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        # Name the elements that stick out, for whoever has to fix it.
        wide = page.evaluate(
            """(limit) => {
                const clipped = (el) => {
                    for (let up = el.parentElement; up; up = up.parentElement) {
                        if (getComputedStyle(up).overflowX !== "visible") return true;
                    }
                    return false;
                };
                return [...document.querySelectorAll("body *")]
                    .filter(el => el.getBoundingClientRect().right > limit
                        && (!clipped(el) || getComputedStyle(el).position === "absolute"))
                    .slice(-5).map(el => el.tagName + "." + el.className);
            }""",
            PHONE["width"],
        )
        raise AssertionError(f"{path} is {width} px wide at {PHONE['width']} px: {wide}")


def _menu_works(page: Page, link_path: str) -> None:
    """The links are folded away; the toggler shows them; one of them leads on."""
    menu = page.locator("#main-nav")
    link = menu.locator(f'a.nav-link[href="{link_path}"]')
    assert not link.is_visible()
    page.locator("button.navbar-toggler").click()
    link.wait_for(state="visible")
    assert page.locator("button.navbar-toggler").get_attribute("aria-expanded") == "true"
    link.click()
    page.wait_for_url(f"**{link_path}")


def test_every_role_reads_its_pages_on_a_browse(browser: Browser, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # the command runs only with DEBUG on
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.DEBUG = False
    huqiu = Factory.objects.get(name=DEMO_REASSESSMENT[0])
    huqiu_user = User.objects.get(username="ent_suzhou")
    report = Assessment.objects.filter(factory=huqiu, status="submitted").latest("submitted_at")
    in_review = Application.objects.filter(factory__enterprise=huqiu.enterprise).first()
    campaign = Campaign.objects.order_by("pk").first()
    draft = Assessment.objects.get(status="draft", factory__name="南京精工数控工厂")
    assert in_review is not None and campaign is not None

    roles = [
        (
            "ent_suzhou",
            "zh-CN",
            [
                "/",
                reverse("enterprise-list"),
                reverse("enterprise-detail", args=[huqiu.enterprise_id]),
                reverse("factory-edit", args=[huqiu.pk]),
                reverse("enterprise-register"),
                reverse("assessment-list"),
                # The questionnaire of the half-done draft (its entry sends to a sub-domain).
                reverse("assessment-detail", args=[draft.pk]),
                reverse("assessment-report", args=[report.pk]),
                reverse("factory-peers", args=[huqiu.pk]),
                reverse("application-list"),
                reverse("application-detail", args=[in_review.pk]),
                reverse("tier-path", args=[huqiu.pk]),
                reverse("certificate-list"),
            ],
        ),
        (
            "city_suzhou",
            "zh-CN",
            [
                "/",
                reverse("worklist"),
                reverse("basic-filings"),
                reverse("enterprise-list"),
                reverse("assessment-list"),
                reverse("application-detail", args=[in_review.pk]),
                reverse("factory-peers", args=[huqiu.pk]),
                reverse("dashboard"),
            ],
        ),
        (
            "prov_jiangsu",
            "zh-CN",
            [
                "/",
                reverse("worklist"),
                reverse("campaign-list"),
                reverse("campaign-detail", args=[campaign.pk]),
                reverse("recommendation-lists"),
                reverse("application-list"),
                reverse("official-list"),
            ],
        ),
        (
            "miit_reviewer",
            "en-US",
            [
                "/",
                reverse("dashboard"),
                reverse("campaign-list"),
                reverse("certificate-list"),
                reverse("expert-calibration"),
                reverse("publicity-list"),
                reverse("registry-page"),
            ],
        ),
    ]
    for username, locale, paths in roles:
        page = _browse(browser, live_server, locale)
        page.goto("/accounts/login/")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        sign_in(page, User.objects.get(username=username), password=DEMO_PASSWORD)
        expected = "en" if locale == "en-US" else "zh-hans"
        assert page.locator("html").get_attribute("lang") == expected
        for path in paths:
            _fits(page, path)
        page.goto("/")
        _menu_works(page, reverse("assessment-list"))
        page.context.close()

    # At desktop width the bar is spread out (no toggler) and the peer benchmark draws its boxes.
    page = _browse(browser, live_server, "zh-CN", DESKTOP)
    sign_in(page, huqiu_user, password=DEMO_PASSWORD)
    page.goto(reverse("factory-peers", args=[huqiu.pk]))
    assert not page.locator("button.navbar-toggler").is_visible()
    assert page.locator(f'#main-nav a.nav-link[href="{reverse("assessment-list")}"]').is_visible()
    assert page.locator("h1").inner_text().startswith("同行对标")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll("svg.dashboard-chart g.box rect.bar")]
            .filter(box => box.getBoundingClientRect().width > 0).length"""
    )
    assert boxes > 10
    page.context.close()
