"""Browser tests: Playwright drives Debian's Chromium against pytest-django's ``live_server``.

The browser is the distribution's (``apt-get install chromium``, see ``.ci/run``), never one
downloaded by ``playwright install``. Every test here gets the ``e2e`` marker and the reference
data; through ``page`` it gets ``live_server`` and so a transactional database (the server runs
in another thread and sees only committed rows; the flush after each test removes the reference
data, hence it is loaded again for each test).

Static files: with ``DEBUG=0`` and no ``collectstatic``, WhiteNoise has nothing to serve, but
``live_server`` wraps the site in ``django.contrib.staticfiles``' handler, which serves
``/static/`` from the finders (app and project static directories) whatever ``DEBUG`` says.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests import model_factories as mf

CHROMIUM = "/usr/bin/chromium"
DEFAULT_TIMEOUT_MS = 10_000
# The password every ``mf.UserFactory`` user has.
PASSWORD = "pw-for-tests-1"

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for all the tests of this package, closed after the last one.

    Playwright's sync API runs an asyncio event loop in the test's own thread (its calls switch
    into the loop through greenlets), and the loop counts as running until Playwright stops.
    Django then sees "an async context" and refuses every ORM call of the tests, their fixtures
    and pytest-django's flush with SynchronousOnlyOperation. Nothing here is asynchronous: the
    loop only carries Playwright's messages and each ORM call runs to completion in this thread,
    so DJANGO_ALLOW_ASYNC_UNSAFE turns off a false alarm. It is set only while the browser is
    open; package scope closes it (and the loop) before the rest of the suite runs.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (as .ci/run does)")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _reference_data(reference_data) -> None:
    """Before any other fixture of the test creates rows that point at reference data."""


@pytest.fixture
def browser_context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    """A fresh context (no cookies, no storage) per test, with relative URLs resolved against
    ``live_server`` and the browser asking for Chinese, as the portal's users' browsers do."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


@pytest.fixture
def applicant(enterprise_user):
    """A factory of an enterprise that ``enterprise_user`` is a member of (as the fixture of
    the same name in tests/certification/conftest.py)."""
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    return factory


def sign_in(page: Page, user, *, password: str = PASSWORD, next_path: str = "/") -> None:
    """Sign ``user`` in through the real login form, then land on ``next_path``."""
    page.goto("/accounts/login/?" + urlencode({"next": next_path}))
    page.locator("input[name=username]").fill(user.get_username())
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/accounts/login/" in page.url:
        errors = page.locator(".alert, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"sign-in as {user.get_username()} failed: {errors}")
