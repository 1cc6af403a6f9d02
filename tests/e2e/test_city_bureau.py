"""A city bureau's day in real Chromium: the official adds a factory to the cultivation pool,
removes another with a reason through the confirmation page, confirms a basic filing and
rejects another through its confirmation page (a missing reason is refused at the field) — in
Chinese at desktop width and in English on a 390 px phone.

The factories, the pool entry to remove and the two standing filings (one contradicting the
enterprise record) are made in Python; everything the official does goes through the pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from certification import selectors
from certification.models import Application, Certificate, Declaration, DeclarationAnswer
from factories.models import CultivationPoolEntry, Factory
from factories.services import pool_entry_add
from regions.models import Authority
from tests import model_factories as mf
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _text(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@dataclass
class Day:
    official: object
    to_add: Factory
    to_remove: CultivationPoolEntry
    to_confirm: Application
    to_reject: Application


def _filing(factory: Factory, number: str, *, contradicting: bool = False) -> Application:
    """A standing self-declared basic certificate (a new filing) of ``factory``."""
    application = Application.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        tier="basic",
        workflow="basic_2025",
        tier_edition=selectors.tier_edition_current(),
        status="certified",
        submission=1,
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        created_by=mf.UserFactory(),
    )
    DeclarationAnswer.objects.create(
        application=application, kind=Declaration.ABOVE_DESIGNATED_SIZE, affirmed=True
    )
    if contradicting:
        factory.enterprise.above_designated_size = False
        factory.enterprise.save(update_fields=["above_designated_size"])
    Certificate.objects.create(
        number=number,
        tier="basic",
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        application=application,
        authority=Authority.objects.get(code="320500-industry-it"),
        self_declared=True,
        issued_on=timezone.localdate(),
    )
    return application


def _day(tag: str) -> Day:
    official = mf.official(Role.CITY_OFFICIAL, "320500-industry-it")
    pooled = mf.FactoryFactory(name=f"待移出工厂{tag}")
    return Day(
        official=official,
        to_add=mf.FactoryFactory(name=f"拟培育工厂{tag}"),
        to_remove=pool_entry_add(
            actor=official, factory=pooled, year=timezone.localdate().year, reason="培育"
        ),
        to_confirm=_filing(mf.FactoryFactory(name=f"确认工厂{tag}"), f"ZN-B-E2E-{tag}-1"),
        to_reject=_filing(
            mf.FactoryFactory(name=f"驳回工厂{tag}"), f"ZN-B-E2E-{tag}-2", contradicting=True
        ),
    )


def _main_fits(page: Page, width: int) -> None:
    """The page's content needs no sideways scrolling (wide tables scroll in their box)."""
    wide = page.evaluate("() => document.querySelector('main').scrollWidth")
    assert wide <= width, f"{page.url}: the content is {wide} px wide"


def _walk(page: Page, day: Day, language: str, *, width: int) -> None:
    t = lambda message: _text(language, message)  # noqa: E731
    sign_in(page, day.official, next_path="/pool/")
    expect(page.locator("h1")).to_have_text(t("Key cultivation pool"))
    _main_fits(page, width)

    # Add: search the city's factories, choose one, a year and a reason.
    page.locator("a.pool-add-link").click()
    page.locator("#pool-q").fill(day.to_add.name)
    page.locator("form.pool-search button[type=submit]").click()
    page.locator(".pool-candidate input[type=radio]").first.check()
    page.locator("form.pool-add-form textarea[name=reason]").fill("产线数字化改造，拟申报先进级")
    page.locator("form.pool-add-form button[type=submit]").click()
    page.wait_for_url("**/pool/")
    expect(page.locator("tr.pool-entry", has_text=day.to_add.name)).to_contain_text(
        t("In the pool")
    )

    # Remove: the confirmation page asks for the reason, and the entry stays, marked removed.
    row = page.locator("tr.pool-entry", has_text=day.to_remove.factory.name)
    row.locator("a.pool-remove-link").click()
    expect(page.locator("h1")).to_have_text(t("Remove from the pool"))
    page.locator("form.pool-remove-form button[type=submit]").click()
    expect(page.locator(".field-error-reason")).to_be_visible()
    page.locator("form.pool-remove-form textarea[name=reason]").fill("企业迁出本市")
    page.locator("form.pool-remove-form button[type=submit]").click()
    page.wait_for_url("**/pool/")
    removed = page.locator("tr.pool-entry-removed", has_text=day.to_remove.factory.name)
    expect(removed).to_contain_text("企业迁出本市")

    # The filings: two new, one of them flagged; confirm one from the list.
    page.goto("/filings/basic/")
    expect(page.locator(".new-filings .new-filings-count")).to_have_text("2")
    flagged = page.locator("tr.filing", has_text=day.to_reject.factory.name)
    expect(flagged.locator(".contradiction")).to_have_count(1)
    _main_fits(page, width)
    confirm_row = page.locator("tr.filing", has_text=day.to_confirm.factory.name)
    confirm_row.locator("button.filing-confirm_filing").click()
    page.wait_for_url("**/filings/basic/")
    expect(page.locator(".new-filings .new-filings-count")).to_have_text("1")
    expect(page.locator("tr.filing", has_text=day.to_confirm.factory.name)).to_contain_text(
        t("Confirmed")
    )

    # Reject the other: its confirmation page refuses an empty reason, then revokes.
    flagged.locator("a.filing-reject").click()
    expect(page.locator("h1")).to_have_text(t("Reject the filing"))
    expect(page.locator(".contradiction")).to_have_count(1)
    _main_fits(page, width)
    page.locator("form.action-confirm-form button[type=submit]").click()
    expect(page.locator(".field-error-reason")).to_be_visible()
    page.locator("#confirm-reason").fill("企业不属于规模以上工业企业")
    page.locator("form.action-confirm-form button[type=submit]").click()
    page.wait_for_url("**/filings/basic/")
    expect(page.locator(".new-filings .new-filings-count")).to_have_text("0")
    expect(page.locator("tr.filing", has_text=day.to_reject.factory.name)).to_contain_text(
        t("Rejected")
    )


@pytest.mark.parametrize(
    ("language", "locale", "viewport"),
    [("zh-hans", "zh-CN", DESKTOP), ("en", "en-US", PHONE)],
    ids=["zh-desktop", "en-phone"],
)
def test_a_city_bureaus_day(browser: Browser, live_server, language, locale, viewport):
    day = _day(language)
    context = browser.new_context(
        base_url=live_server.url, locale=locale, timezone_id="Asia/Shanghai", viewport=viewport
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        _walk(context.new_page(), day, language, width=viewport["width"])
    finally:
        context.close()
    assert CultivationPoolEntry.objects.filter(factory=day.to_add, removed_at=None).exists()
    day.to_remove.refresh_from_db()
    assert day.to_remove.removal_reason == "企业迁出本市"
    confirmed = Certificate.objects.get(application=day.to_confirm)
    rejected = Certificate.objects.get(application=day.to_reject)
    assert confirmed.filing_confirmed_at is not None and confirmed.status == "active"
    assert rejected.status == "revoked"
