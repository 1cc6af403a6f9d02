"""The advanced-tier review chain in a real browser, acting as each role in turn: the applicant
drafts and submits, the city forwards, the province assigns experts, the experts accept and
score, the five joint departments concur, the province recommends and certifies.

Only the cast, the factory (pooled, with a submitted self-assessment) and the campaign are made
in Python (tests/certification/review_setup.py); everything else goes through the pages. Each
person has their own browser context (cookies), as each sits at their own computer.

Texts are compared with the portal's own message catalogue (``zh``/``en`` below), so that the
tests check the right label is shown to the right audience in the right language without
depending on the wording of translations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from certification.models import Application, Declaration
from certification.presenters import state_label
from certification.services.reviews import expert_conflict_declare
from certification.workflow.definitions import Action
from certification.workflow.events import EventType
from factories.services import pool_entry_add
from tests import model_factories as mf
from tests.certification.conftest import PDF, SCENARIO_BY_STAGE, submitted_assessment
from tests.certification.review_setup import (
    RUBRIC_SCORES,
    ReviewCast,
    advanced_at,
    make_cast,
    publicity_over,
)
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in

STAGES = ["production_operations", "production_management", "operational_management"]
# The rubric's weights are 0.4, 0.3, 0.2, 0.1: RUBRIC_SCORES weigh 84, 74 and 64.
EXPECTED_TOTALS = ["84.00", "74.00", "64.00"]


def _in(language: str, text: Any) -> str:
    with translation.override(language):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def zh(text: Any) -> str:
    """What the portal shows for a message id (or a lazy label) in Chinese."""
    return _in("zh-hans", text)


def en(text: Any) -> str:
    return _in("en", text)


def zh_state(code: str, *, for_applicant: bool = False) -> str:
    with translation.override("zh-hans"):
        return state_label(code, for_applicant=for_applicant)


# --- people at their browsers --------------------------------------------------------------------


@dataclass
class Desk:
    """The browser windows of everyone in the test, and what went wrong in any of them."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Error answers the test provokes on purpose, (status, path): Chromium logs each one.
    expected: set[tuple[int, str]] = field(default_factory=set)

    def open_as(self, user, next_path: str = "/") -> Page:
        context = self.browser.new_context(
            base_url=self.base_url, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        who = user.get_username()

        def on_console(message: ConsoleMessage) -> None:
            if message.type != "error":
                return
            url = message.location.get("url", "")
            if any(
                f"status of {status} " in message.text and url.endswith(path)
                for status, path in self.expected
            ):
                return
            self.problems.append(f"{who}: console: {message.text} ({page.url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"{who}: page error: {error}"))
        sign_in(page, user, next_path=next_path)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def desk(browser: Browser, live_server) -> Iterator[Desk]:
    desk = Desk(browser=browser, base_url=live_server.url)
    yield desk
    desk.close()


@pytest.fixture
def cast(settings, tmp_path) -> ReviewCast:
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_cast()


@pytest.fixture
def pooled_factory(cast: ReviewCast):
    """A Suzhou factory of the applicant, in the city's cultivation pool, with a submitted
    self-assessment at maturity level 3."""
    factory = mf.FactoryFactory()
    mf.member_of(cast.applicant, factory.enterprise)
    pool_entry_add(
        actor=cast.city, factory=factory, year=timezone.localdate().year, reason="重点培育"
    )
    assessment = submitted_assessment(cast.applicant, factory, 3)
    return factory, assessment


@pytest.fixture
def pdf(tmp_path) -> Path:
    path = tmp_path / "evidence.pdf"
    path.write_bytes(PDF)
    return path


# --- page helpers ---------------------------------------------------------------------------------


def status_badge(page: Page):
    return page.locator(".application-status .status-badge")


def worklist_badge(page: Page):
    return page.locator("nav .nav-worklist .badge")


def panel(page: Page, action: str):
    return page.locator(f"div.action-panel[data-action={action}]")


def act(page: Page, action: str, *, reason: str = "", fill: Callable[[Any], None] | None = None):
    """Fire an action from its panel on the detail page; return the navigation's response."""
    box = panel(page, action)
    expect(box.locator("form")).to_be_visible()
    if reason:
        box.locator("textarea[name=reason]").fill(reason)
    if fill is not None:
        fill(box)
    with page.expect_navigation() as navigation:
        box.locator("button[type=submit]").click()
    return navigation.value


def success_message(page: Page):
    return page.locator("main > .alert-success")


def timeline_actions(page: Page) -> list[str]:
    return page.locator("table.timeline tbody tr td:nth-child(3)").all_inner_texts()


def open_from_worklist(page: Page, application: Application, *, waiting: int = 1) -> None:
    """From the worklist, with the navigation bar counting ``waiting``, open the application."""
    expect(worklist_badge(page)).to_have_text(str(waiting))
    page.locator("nav .nav-worklist").click()
    page.wait_for_url("**/worklist/")
    row = page.locator(f"tr.worklist-row[data-application='{application.pk}']")
    expect(row).to_be_visible()
    with page.expect_navigation():
        row.locator("td").first.get_by_role("link").click()
    assert page.url.split("#")[0].endswith(f"/applications/{application.pk}/")


def expect_worklist_empty(page: Page) -> None:
    page.goto("/worklist/")
    expect(page.locator(".worklist-empty")).to_be_visible()
    expect(worklist_badge(page)).to_have_count(0)


# --- the journey ----------------------------------------------------------------------------------


def test_advanced_application_from_draft_to_certificate(desk: Desk, cast, pooled_factory, pdf):
    factory, assessment = pooled_factory
    campaign = cast.campaign

    # 1. The applicant: a new application, the step form, submit. ------------------------------
    applicant = desk.open_as(cast.applicant, "/applications/")
    expect(applicant.locator("h1")).to_have_text(zh("Tier applications"))
    # Each change asks for the campaign field through htmx. Wait for each answer: a second
    # change before the first answer is swapped in loses the second answer (see the report).
    campaigns_field = "/applications/new/campaigns/"
    with applicant.expect_response(lambda r: campaigns_field in r.url) as answer:
        applicant.locator("select[name=factory]").select_option(str(factory.pk))
    assert answer.value.ok
    with applicant.expect_response(
        lambda r: campaigns_field in r.url and "tier=advanced" in r.url
    ) as answer:
        applicant.locator("select[name=tier]").select_option("advanced")
    assert answer.value.ok
    campaign_select = applicant.locator("#campaign-field select[name=campaign]")
    expect(campaign_select.locator(f"option[value='{campaign.pk}']")).to_have_count(1)
    campaign_select.select_option(str(campaign.pk))
    with applicant.expect_navigation():
        applicant.locator("form.new-application button[type=submit]").click()
    match = re.search(r"/applications/(\d+)/step/basics/$", applicant.url)
    assert match, applicant.url
    application = Application.objects.get(pk=int(match.group(1)))
    assert (application.factory_id, application.tier, application.status) == (
        factory.pk,
        "advanced",
        "draft",
    )
    detail_path = f"/applications/{application.pk}/"
    expect(applicant.locator(".status-badge.status-draft")).to_be_visible()

    # Basics: the campaign is chosen already; choose the self-assessment.
    expect(applicant.locator("select[name=campaign]")).to_have_value(str(campaign.pk))
    applicant.locator("select[name=assessment]").select_option(str(assessment.pk))
    with applicant.expect_navigation():
        applicant.get_by_role("button", name=zh("Save and continue")).click()
    assert applicant.url.endswith("/step/scenarios/"), applicant.url
    expect(applicant.locator("[aria-current=step] .step-number")).to_have_text("2")
    expect(applicant.locator("#step-nav li").first.locator(".step-done")).to_have_count(1)

    # Scenarios: one per required stage. The form saves itself (htmx) when a box changes.
    codes = [SCENARIO_BY_STAGE[stage] for stage in STAGES]
    for stage in STAGES:
        expect(applicant.locator(f"details#stage-{stage}")).to_have_attribute("open", "")
    for code in codes[:-1]:
        applicant.locator(f"#desc-{code}").fill(f"{code} 建设内容：设备联网、数据采集与分析")
        applicant.locator(f"#claimed-{code}").check()
    last = codes[-1]
    applicant.locator(f"#desc-{last}").fill(f"{last} 建设内容：经营管理数字化")
    with applicant.expect_response(
        lambda r: r.url.endswith("/step/scenarios/") and r.request.method == "POST"
    ) as autosave:
        applicant.locator(f"#claimed-{last}").check()
    assert autosave.value.ok
    expect(applicant.locator("#claims-status .text-success")).to_be_visible()
    for stage in STAGES:
        expect(applicant.locator(f"#stage-count-{stage}")).to_have_class(
            re.compile("text-bg-success")
        )
    # Once saved, a claim can take evidence.
    expect(applicant.locator(f"#file-{last}")).to_be_visible()
    with applicant.expect_navigation():
        applicant.get_by_role("button", name=zh("Save and continue")).click()
    assert applicant.url.endswith("/step/indicators/"), applicant.url
    assert sorted(application.claims.values_list("scenario__code", flat=True)) == sorted(codes)

    # Indicators: optional; one row.
    applicant.locator("#ind-0-name").fill("设备联网率")
    applicant.locator("#ind-0-unit").fill("%")
    applicant.locator("#ind-0-baseline_value").fill("60")
    applicant.locator("#ind-0-baseline_year").fill(str(date.today().year - 2))
    applicant.locator("#ind-0-current_value").fill("92.5")
    applicant.locator("#ind-0-current_year").fill(str(date.today().year))
    with applicant.expect_navigation():
        applicant.get_by_role("button", name=zh("Save and continue")).click()
    assert applicant.url.endswith("/step/declarations/"), applicant.url

    # Declarations: evidence for each (each upload is its own form), then tick all four.
    for kind in Declaration.values:
        row = applicant.locator(f"#declaration-{kind}")
        applicant.locator(f"#file-{kind}").set_input_files(pdf)
        with applicant.expect_navigation():
            row.get_by_role("button", name=zh("Attach evidence")).click()
        expect(success_message(applicant)).to_contain_text("evidence.pdf")
        expect(applicant.locator(f"#declaration-{kind}")).to_contain_text("evidence.pdf")
    for kind in Declaration.values:
        applicant.locator(f"#declared-{kind}").check()
    with applicant.expect_navigation():
        applicant.get_by_role("button", name=zh("Save"), exact=True).click()
    assert applicant.url.endswith("/step/declarations/"), applicant.url
    expect(applicant.locator(".declaration-row .text-bg-success")).to_have_count(4)
    expect(applicant.locator("#step-nav .step-todo")).to_have_count(0)
    with applicant.expect_navigation():
        applicant.get_by_role("button", name=zh("Save and continue")).click()
    assert applicant.url.endswith("/step/review/"), applicant.url

    # Review and submit: the preview passes every rule.
    expect(applicant.locator("#step-heading")).to_have_text(zh("Review and submit"))
    preview = applicant.locator(".rule-results .rule-result")
    expect(preview.first).to_be_visible()
    expect(preview.and_(applicant.locator(".rule-failed"))).to_have_count(0)
    preview_rules = preview.count()
    with applicant.expect_navigation():
        applicant.get_by_role("button", name=zh("Submit the application")).click()
    # The checks run (eagerly) after the commit; the page polls while they run.
    expect(applicant.locator(".status-badge.status-city_review")).to_be_visible()
    assert applicant.url.endswith(detail_path), applicant.url
    expect(status_badge(applicant)).to_have_text(zh_state("city_review", for_applicant=True))
    expect(applicant.locator("#checks .check-status")).to_have_count(0)
    # The stored results of the checks: the same rules as the preview, all passed.
    expect(applicant.locator("#checks .rule-passed")).to_have_count(preview_rules)
    expect(applicant.locator("#checks .rule-failed")).to_have_count(0)
    application.refresh_from_db()
    assert application.status == "city_review"
    # The applicant sees no review actions, only the withdrawal.
    expect(applicant.locator("div.action-panel")).to_have_count(0)
    expect(applicant.locator("summary.text-danger")).to_have_text(zh("Withdraw the application"))
    assert timeline_actions(applicant)[-2:] == [
        zh(EventType.SUBMITTED.label),
        zh(EventType.CHECKS_PASSED.label),
    ]

    # 2. The city: the worklist, forward to the province. --------------------------------------
    city = desk.open_as(cast.city, "/")
    open_from_worklist(city, application)
    expect(status_badge(city)).to_have_class(re.compile(r"\bstatus-city_review\b"))
    expect(status_badge(city)).to_have_text(zh_state("city_review"))  # 市级初审
    expect(panel(city, Action.FORWARD)).to_be_visible()
    expect(panel(city, Action.RETURN)).to_be_visible()
    expect(panel(city, Action.REJECT)).to_be_visible()
    # Return and reject need a reason; forwarding takes an optional comment.
    expect(panel(city, Action.RETURN).locator("textarea[required]")).to_have_count(1)
    expect(panel(city, Action.FORWARD).locator("textarea[required]")).to_have_count(0)
    response = act(city, Action.FORWARD, reason="材料齐全，同意转报")
    assert response.ok
    expect(success_message(city)).to_have_text(
        zh("The application is forwarded to the provincial department.")
    )
    expect(status_badge(city)).to_have_class(re.compile(r"\bstatus-provincial_review\b"))
    # Returning and rejecting are now the province's: the city sees why, and no button.
    province_only = zh(
        "Only the industry and IT department of the factory's province reviews this step."
    )
    for action in (Action.RETURN, Action.REJECT):
        expect(panel(city, action).locator(".action-refused")).to_have_text(province_only)
    expect(city.locator("div.action-panel form")).to_have_count(0)
    expect(city.locator("table.timeline tbody tr").last).to_contain_text("材料齐全，同意转报")
    expect_worklist_empty(city)

    # 3. The province: assign the three experts. ------------------------------------------------
    province = desk.open_as(cast.province, "/")
    open_from_worklist(province, application)
    expect(status_badge(province)).to_have_text(zh_state("provincial_review"))
    expert_ids = cast.expert_ids()
    assign = panel(province, Action.ASSIGN_EXPERTS)
    expect(assign.locator("input[name=experts]")).to_have_count(3)
    expect(assign.locator("input[name=experts]:disabled")).to_have_count(0)

    def tick_experts(box) -> None:
        for pk in expert_ids:
            box.locator(f"input[name=experts][value='{pk}']").check()

    act(province, Action.ASSIGN_EXPERTS, fill=tick_experts)
    expect(success_message(province)).to_have_text(zh("The experts are invited."))
    expect(status_badge(province)).to_have_class(re.compile(r"\bstatus-expert_review\b"))
    # Sending on waits for the scores: the panel says why instead of offering a button.
    refused = panel(province, Action.SEND_TO_JOINT).locator(".action-refused")
    expect(refused).to_have_text(
        zh("%(scored)d of %(total)d experts have scored; at least %(needed)d must.")
        % {"scored": 0, "total": 3, "needed": 3}
    )
    expect(panel(province, Action.SEND_TO_JOINT).locator("form")).to_have_count(0)
    # The assigned experts show as such and cannot be ticked again.
    expect(
        panel(province, Action.ASSIGN_EXPERTS).locator("input[name=experts]:disabled")
    ).to_have_count(3)
    # The department manages the scoring: its worklist shows the application with the progress.
    expect(worklist_badge(province)).to_have_text("1")
    province.goto("/worklist/")
    expect(province.locator(".experts-progress")).to_have_text(
        zh("%(scored)s of %(active)s experts scored") % {"scored": 0, "active": 3}
    )
    open_from_worklist(province, application)

    # 4. The experts: accept from the worklist, then score. -------------------------------------
    for number, (expert, scores) in enumerate(zip(cast.experts, RUBRIC_SCORES, strict=True)):
        page = desk.open_as(expert, "/worklist/")
        expect(worklist_badge(page)).to_have_text("1")
        row = page.locator(f"tr.worklist-row[data-application='{application.pk}']")
        # The invitation: the factory's name is not a link, the application cannot be read yet.
        expect(row.get_by_role("link")).to_have_count(0)
        expect(row.get_by_role("button", name=zh("Accept the assignment"))).to_be_visible()
        if number == 0:
            desk.expected.add((404, detail_path))
            answer = page.goto(detail_path)
            assert answer is not None and answer.status == 404
            page.goto("/worklist/")
        with page.expect_navigation():
            row.get_by_role("button", name=zh("Accept the assignment")).click()
        assert page.url.endswith("/worklist/"), page.url
        expect(success_message(page)).to_have_text(
            zh("You accepted the assignment. Score it when ready.")
        )
        # Accepted: the row now opens the application.
        with page.expect_navigation():
            row.get_by_role("link", name=zh("Open")).click()
        expect(status_badge(page)).to_have_text(zh_state("expert_review"))

        def fill_scores(box, scores=scores, number=number) -> None:
            for code, value in scores.items():
                box.locator(f"input[name='scores.{code}']").fill(value)
            box.locator("textarea[name=comment]").fill(f"专家{number}意见：场景建设扎实")

        act(page, Action.SCORE, fill=fill_scores)
        expect(success_message(page)).to_have_text(zh("Your scores are saved."))
        # The expert's own row shows the weighted total; the others' scores show once all
        # are in.
        mine = page.locator("table.expert-scores tr.table-active")
        expect(mine).to_contain_text(EXPECTED_TOTALS[number])
        if number < 2:
            expect(page.locator(".score-summary")).to_have_count(0)
        else:
            expect(page.locator(".score-summary")).to_contain_text("74.00")
        expect_worklist_empty(page)

    # 5. The province: every score is in; send to the joint departments. ------------------------
    province.goto("/")
    open_from_worklist(province, application)
    scores_table = province.locator("table.expert-scores")
    expect(scores_table.locator("tbody tr")).to_have_count(3)
    for total in EXPECTED_TOTALS:
        expect(scores_table).to_contain_text(total)
    summary = province.locator(".score-summary")
    expect(summary).to_contain_text("74.00")  # mean
    expect(summary).to_contain_text("20.00")  # spread: 84 - 64
    expect(summary).to_contain_text("8.16")  # population standard deviation
    expect(panel(province, Action.SEND_TO_JOINT).locator(".action-refused")).to_have_count(0)
    act(province, Action.SEND_TO_JOINT)
    expect(success_message(province)).to_have_text(
        zh("The application is sent to the joint departments.")
    )
    expect(status_badge(province)).to_have_class(re.compile(r"\bstatus-joint_review\b"))
    expect(worklist_badge(province)).to_have_count(0)

    # 6. The five joint departments concur. -----------------------------------------------------
    for number, reviewer in enumerate(cast.joint):
        page = desk.open_as(reviewer, "/")
        open_from_worklist(page, application)
        expect(status_badge(page)).to_have_text(zh_state("joint_review"))
        expect(panel(page, Action.OBJECT)).to_be_visible()
        act(page, Action.CONCUR, reason=f"同意（{number + 1}）")
        expect(success_message(page)).to_have_text(zh("Your department's concurrence is recorded."))
        expect(page.locator("table.joint-opinions tbody tr")).to_have_count(number + 1)
        expect_worklist_empty(page)
    application.refresh_from_db()
    assert application.status == "provincial_decision"

    # 7. The province recommends, then certifies. -----------------------------------------------
    province.goto("/")
    open_from_worklist(province, application)
    expect(status_badge(province)).to_have_class(re.compile(r"\bstatus-provincial_decision\b"))
    expect(province.locator("table.joint-opinions tbody tr")).to_have_count(5)
    act(province, Action.RECOMMEND, reason="公示无异议")
    expect(success_message(province)).to_have_text(
        zh("The application is recommended for publicity.")
    )
    expect(status_badge(province)).to_have_class(re.compile(r"\bstatus-recommended\b"))
    expect(province.locator(".certificate-number")).to_have_count(0)
    # Publicity: published now, certified once its working days are over (the clock moved).
    application.refresh_from_db()
    with publicity_over(cast, [application]):
        province.reload()
        act(province, Action.CERTIFY)
        expect(success_message(province)).to_have_text(
            zh("The factory is certified; the certificate is issued.")
        )
    expect(status_badge(province)).to_have_class(re.compile(r"\bstatus-certified\b"))
    expect(status_badge(province)).to_have_text("已认定")
    number_cell = province.locator(".certificate-number")
    expect(number_cell).to_have_text(re.compile(r"^ZN-A-"))
    certificate_number = number_cell.inner_text().strip()
    expect(province.locator(".certificate-card .status-active")).to_be_visible()
    expect(province.locator("div.action-panel")).to_have_count(0)
    expect(worklist_badge(province)).to_have_count(0)

    # The province's timeline has every step, in order.
    steps = [
        EventType.SUBMITTED,
        EventType.CHECKS_PASSED,
        EventType.FORWARDED,
        EventType.EXPERTS_ASSIGNED,
        EventType.SENT_TO_JOINT,
        EventType.RECOMMENDED,
        EventType.CERTIFIED,
    ]
    actions = timeline_actions(province)
    positions = [actions.index(zh(step.label)) for step in steps]
    assert positions == sorted(positions), actions
    assert actions.count(zh(EventType.ASSIGNMENT_ACCEPTED.label)) == 3, actions
    assert actions.count(zh(EventType.SCORED.label)) == 3, actions
    assert actions.count(zh(EventType.CONCURRED.label)) == 5, actions

    # The same page in English.
    with province.expect_navigation():
        province.locator("nav button[name=language][value=en]").click()
    expect(province.locator("html")).to_have_attribute("lang", "en")
    assert province.url.endswith(detail_path), province.url
    expect(status_badge(province)).to_have_text("Certified")
    expect(province.locator("#timeline-heading")).to_have_text("Timeline")
    expect(province.locator("#certificate-heading")).to_have_text("Certificate")
    expect(province.locator("table.expert-scores thead")).to_contain_text("Depth of the scenarios")
    expect(province.locator(".score-summary")).to_have_text(
        "Mean 74.00, spread 20.00 (highest minus lowest), standard deviation 8.16."
    )
    assert en(EventType.FORWARDED.label) in timeline_actions(province)
    expect(province.locator(".certificate-number")).to_have_text(certificate_number)

    # The applicant sees the certificate; the internal steps stay internal.
    applicant.goto(detail_path)
    expect(status_badge(applicant)).to_have_class(re.compile(r"\bstatus-certified\b"))
    expect(status_badge(applicant)).to_have_text("已认定")
    expect(applicant.locator(".certificate-number")).to_have_text(certificate_number)
    expect(applicant.locator(".review-summary")).to_have_count(0)
    applicant_actions = timeline_actions(applicant)
    assert zh(EventType.CERTIFIED.label) in applicant_actions
    assert zh(EventType.SCORED.label) not in applicant_actions
    assert zh(EventType.CONCURRED.label) not in applicant_actions
    applicant.goto("/applications/")
    expect(applicant.locator("table.application-list .status-certified")).to_have_text("已认定")

    application.refresh_from_db()
    assert application.status == "certified"
    assert desk.problems == []


# --- conflicts of interest and a return for changes ----------------------------------------------


def test_conflicted_expert_cannot_be_assigned_and_city_returns_with_a_reason(desk: Desk, cast):
    # One application waits for the province, another for the city (two factories: one open
    # application per tier and factory).
    at_province = advanced_at(cast, "provincial_review")
    at_city = advanced_at(cast, "city_review")
    conflicted = cast.experts[1]
    expert_conflict_declare(
        actor=conflicted,
        enterprise=at_province.factory.enterprise,
        kind="relationship",
        description="曾任该企业技术顾问",
    )
    conflicted_id = cast.expert_ids()[1]

    province = desk.open_as(cast.province, f"/applications/{at_province.pk}/")
    assign = panel(province, Action.ASSIGN_EXPERTS)
    expect(assign.locator("input[name=experts]")).to_have_count(3)
    expect(assign.locator(f"#expert-{conflicted_id}")).to_be_disabled()
    expect(assign.locator("input[name=experts]:enabled")).to_have_count(2)
    choice = assign.locator(".expert-choice").filter(
        has=province.locator(f"#expert-{conflicted_id}")
    )
    reason = choice.locator(".expert-conflict")
    expect(reason).to_have_count(1)
    expect(reason).to_contain_text(zh("Conflict of interest:"))
    expect(reason).to_contain_text("曾任该企业技术顾问")
    expect(reason).to_contain_text(at_province.factory.enterprise.name)
    # The other experts carry no conflict.
    expect(assign.locator(".expert-conflict")).to_have_count(1)

    # The city returns the other application: first without a reason.
    city = desk.open_as(cast.city, f"/applications/{at_city.pk}/")
    expect(status_badge(city)).to_have_class(re.compile(r"\bstatus-city_review\b"))
    desk.expected.add((400, f"/applications/{at_city.pk}/act/return/"))
    response = act(city, Action.RETURN)
    assert response.status == 400
    box = panel(city, Action.RETURN)
    expect(box.locator("textarea[name=reason]")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(box.locator(".invalid-feedback")).to_have_text(zh("Give the reason."))
    expect(status_badge(city)).to_have_class(re.compile(r"\bstatus-city_review\b"))
    at_city.refresh_from_db()
    assert at_city.status == "city_review"
    # Then with one.
    response = act(city, Action.RETURN, reason="请补充关键指标的佐证材料")
    assert response.ok
    expect(success_message(city)).to_have_text(zh("The application is returned to the applicant."))
    expect(status_badge(city)).to_have_class(re.compile(r"\bstatus-returned\b"))
    expect(status_badge(city)).to_have_text(zh_state("returned"))
    expect(city.locator("table.timeline tbody tr").last).to_contain_text("请补充关键指标的佐证材料")

    applicant = desk.open_as(cast.applicant, "/applications/")
    row = applicant.locator("table.application-list tbody tr").filter(has_text=at_city.factory.name)
    expect(row.locator(".status-badge")).to_have_class(re.compile(r"\bstatus-returned\b"))
    expect(row.locator(".status-badge")).to_have_text(zh_state("returned", for_applicant=True))
    applicant.goto(f"/applications/{at_city.pk}/")
    expect(status_badge(applicant)).to_have_text(zh_state("returned", for_applicant=True))
    expect(applicant.locator(".returned-cta strong")).to_have_text(zh("Returned for changes."))
    expect(applicant.locator(".returned-cta a")).to_have_attribute(
        "href", f"/applications/{at_city.pk}/step/basics/"
    )
    expect(applicant.locator("table.timeline")).to_contain_text("请补充关键指标的佐证材料")
    assert desk.problems == []
