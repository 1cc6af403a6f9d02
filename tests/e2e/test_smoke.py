"""Smoke tests in a real browser: sign-in, the language switcher, static assets."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, Response, expect

from tests.e2e.conftest import sign_in

# Bootstrap's --bs-primary, as the navigation bar's .bg-primary paints it.
BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"


def test_enterprise_user_signs_in_and_switches_to_english(page: Page, enterprise_user, applicant):
    sign_in(page, enterprise_user, next_path="/applications/")

    assert urlsplit(page.url).path == "/applications/"
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("梯度等级申报")
    expect(page.locator("nav")).to_contain_text(enterprise_user.username)
    # The new-application form offers the user's own factory.
    expect(page.locator("select[name=factory] option", has_text=applicant.name)).to_have_count(1)

    page.locator("nav button[name=language][value=en]").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Tier applications")
    assert urlsplit(page.url).path == "/applications/"
    # The choice sticks: the next page is in English too.
    page.goto("/campaigns/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_official_sees_the_filter_not_the_new_application_form(page: Page, jiangsu_official):
    sign_in(page, jiangsu_official, next_path="/applications/")

    expect(page.locator("h1")).to_have_text("梯度等级申报")
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.locator("select[name=status]")).to_be_visible()
    expect(page.locator("#new-heading")).to_have_count(0)


def test_pages_load_their_assets_without_errors(
    page: Page, live_server, enterprise_user, applicant
):
    problems: list[str] = []
    local_assets: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text} ({message.location.get('url')})")

    def on_request_failed(request: Request) -> None:
        problems.append(f"failed: {request.url} ({request.failure})")

    def on_response(response: Response) -> None:
        if response.url.startswith(f"{live_server.url}/static/"):
            local_assets.append(response.url)
            if not response.ok:
                problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)

    sign_in(page, enterprise_user, next_path="/applications/")
    # The new-application form asks for the campaign field through htmx when the tier changes.
    with page.expect_response(lambda r: "/applications/new/campaigns/" in r.url) as htmx_answer:
        page.locator("select[name=tier]").select_option(index=1)
    assert htmx_answer.value.ok

    assert problems == []
    loaded = {urlsplit(url).path.removeprefix("/static/") for url in local_assets}
    assert {
        "bootstrap/css/bootstrap.min.css",
        "portal/portal.css",
        "bootstrap/js/bootstrap.bundle.min.js",
        "django_htmx/htmx-2.min.js",
    } <= loaded, loaded
    # The style sheet is applied and the scripts have run.
    navbar = page.locator("nav.navbar")
    assert navbar.evaluate("e => getComputedStyle(e).backgroundColor") == BOOTSTRAP_PRIMARY
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("typeof bootstrap") == "object"


def test_quick_factory_and_tier_changes_leave_the_right_campaign_field(
    page: Page, enterprise_user, applicant, jiangsu_official
):
    """Changing the factory and then the tier before the first answer arrives: the second
    request replaces the first (hx-sync), so the field matches the tier finally chosen."""
    from datetime import timedelta

    from django.utils import timezone

    from certification import services

    today = timezone.localdate()
    services.campaign_open(
        actor=jiangsu_official,
        tier="advanced",
        year=today.year,
        batch=7,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
    )
    sign_in(page, enterprise_user, next_path="/applications/")
    import time

    def slow(route):  # the first answer must not arrive before the second change
        time.sleep(0.3)
        route.continue_()

    page.route("**/applications/new/campaigns/**", slow)
    page.select_option("#id_factory", str(applicant.pk))
    page.select_option("#id_tier", "advanced")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#campaign-field select")).to_be_visible()
    assert page.locator("#id_tier").input_value() == "advanced"
