"""The public registry in a real browser (issue 11): an anonymous visitor looks a factory up by
its credit code and sees its certificate active; the certifying authority revokes it and a
reload shows it revoked; the verification page the printed QR code opens shows the status.
The pages run under the Content-Security-Policy without a violation or a console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from certification import services
from certification.verification import certificate_verify_path
from tests.certification.api.test_registry import certified


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings


def test_an_anonymous_visitor_sees_a_revocation_on_reload(
    page: Page, enterprise_user, suzhou_official, media
):
    certificate = certified(enterprise_user, media)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    page.goto("/registry/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_label("统一社会信用代码").fill(certificate.factory.enterprise.uscc.lower())
    with page.expect_navigation():
        page.get_by_role("search").get_by_role("button", name="搜索").click()

    entry = page.locator("article.registry-entry")
    expect(entry).to_have_count(1)
    expect(entry.locator("h3")).to_have_text(certificate.factory.name)
    expect(entry.locator(".registry-uscc")).to_have_text(certificate.factory.enterprise.uscc)
    status = entry.locator(f"tr[data-number='{certificate.number}'] .status-badge")
    expect(status).to_have_text("有效")
    expect(status).to_have_class(re.compile(r"\btext-bg-success\b"))
    expect(entry.locator(".registry-highest-tier .tier-badge")).to_have_text("基础级")

    services.certificate_revoke(actor=suzhou_official, certificate=certificate, reason="虚假申报")
    page.reload()  # the browser revalidates its copy (ETag): the new status, at once

    expect(status).to_have_text("已撤销")
    expect(status).to_have_class(re.compile(r"\btext-bg-danger\b"))
    expect(entry.locator(".registry-no-active-tier")).to_have_count(1)

    page.goto(certificate_verify_path(certificate.number))
    expect(page.locator(".verify-verdict")).to_have_class(re.compile(r"\balert-danger\b"))
    expect(page.locator(".verify-status")).to_have_text("已撤销")
    expect(page.locator(".verify-facts .certificate-number")).to_have_text(certificate.number)
    expect(page.locator(".verify-factory")).to_have_text(certificate.factory.name)

    assert problems == []
