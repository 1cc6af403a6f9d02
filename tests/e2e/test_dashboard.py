"""The dashboards in real Chromium, on the demo data: a MIIT official goes from the national
dashboard to a province's and a city's by the breakdown's links, in Chinese at desktop width
and in English on a 390 px phone, and the charts draw. Screenshots of each dashboard are saved
(to ``DASHBOARD_SCREENSHOTS`` when set, as for docs/; to the test's temporary directory else).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import Browser, Page

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _context_page(browser: Browser, live_server, *, locale: str, viewport: dict) -> Page:
    context = browser.new_context(
        base_url=live_server.url, locale=locale, timezone_id="Asia/Shanghai", viewport=viewport
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


def _charts_drawn(page: Page) -> int:
    """The SVG charts on the page that have drawn bars with a size."""
    return page.evaluate(
        """() => [...document.querySelectorAll("svg.dashboard-chart")].filter(svg => {
            const box = svg.getBoundingClientRect();
            return box.width > 200 && svg.querySelector("rect.bar");
        }).length"""
    )


def _no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 2, f"{page.url} is {width} px wide"


def test_the_dashboards_by_region_in_both_languages_and_widths(
    browser: Browser, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # the command runs only with DEBUG on, as make run does
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.DEBUG = False
    miit = User.objects.get(username="miit_reviewer")
    shots = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    page = _context_page(browser, live_server, locale="zh-CN", viewport=DESKTOP)
    sign_in(page, miit, password=DEMO_PASSWORD, next_path="/dashboard/")
    assert page.locator("h1").inner_text() == "数据看板：全国"
    assert _charts_drawn(page) >= 4
    page.screenshot(path=shots / "dashboard-national.png", full_page=True)
    # The region's row links to the province's dashboard, and its city's row to the city's.
    page.locator("table.dashboard-regions a", has_text="江苏").click()
    page.wait_for_url("**/dashboard/?province=32")
    assert "江苏" in page.locator("h1").inner_text()
    assert page.locator("table.dashboard-regions tbody tr").count() > 1
    page.screenshot(path=shots / "dashboard-province.png", full_page=True)
    page.locator("table.dashboard-regions a", has_text="苏州").click()
    page.wait_for_url("**/dashboard/?city=320500")
    assert "苏州" in page.locator("h1").inner_text()
    assert page.locator("table.dashboard-regions").count() == 0
    assert _charts_drawn(page) >= 3
    page.screenshot(path=shots / "dashboard-city.png", full_page=True)
    page.context.close()

    phone = _context_page(browser, live_server, locale="en-US", viewport=PHONE)
    sign_in(phone, miit, password=DEMO_PASSWORD, next_path="/dashboard/")
    assert phone.locator("h1").inner_text() == "Dashboard: Nationwide"
    assert _charts_drawn(phone) >= 4
    _no_sideways_scrolling(phone)
    phone.goto("/dashboard/?city=320500")
    assert "Suzhou" in phone.locator("h1").inner_text()
    _no_sideways_scrolling(phone)
    phone.screenshot(path=shots / "dashboard-city-phone-en.png", full_page=True)
    phone.context.close()
