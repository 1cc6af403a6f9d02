"""Campaign management (issue 12): a window is edited before it opens, closed early or extended,
each with a reason and a CampaignChange row; the campaign page (window, deadlines, changes,
quotas, applications by state) and the API actions edit / close / extend."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from certification import services
from certification.error_codes import ErrorCode
from certification.models import Application, Campaign, CampaignChange
from certification.services.campaigns import (
    campaign_close_early,
    campaign_edit,
    campaign_extend,
    campaign_window_status,
)
from core.errors import Conflict, DomainError, PermissionDenied
from regions.models import Province
from tests import model_factories as mf
from tests.certification.helpers import browser_for, make_applications
from tests.conftest import api_client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2031
# campaign_open's default window for advanced: the edition's month, March.
OPENS, CLOSES = date(YEAR, 3, 1), date(YEAR, 3, 31)
BEFORE, DURING, AFTER = date(YEAR, 1, 10), date(YEAR, 3, 10), date(YEAR, 4, 10)


@pytest.fixture
def on(time_machine):
    """Make ``day`` today (10:00 in Shanghai), for the services and the pages."""

    def move(day: date) -> None:
        time_machine.move_to(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), False)

    return move


@pytest.fixture
def campaign(jiangsu_official, on) -> Campaign:
    on(BEFORE)
    opened = services.campaign_open(actor=jiangsu_official, tier="advanced", year=YEAR)
    assert (opened.opens_on, opened.closes_on) == (OPENS, CLOSES)
    return opened


@pytest.fixture
def zhejiang_official(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")


def _window(campaign: Campaign) -> tuple[date, date]:
    campaign.refresh_from_db()
    return campaign.opens_on, campaign.closes_on


# --- the services ------------------------------------------------------------------------------


def test_an_upcoming_window_is_edited_with_a_reason_and_the_change_recorded(
    campaign, jiangsu_official
):
    changed = campaign_edit(
        actor=jiangsu_official,
        campaign=campaign,
        opens_on=date(YEAR, 3, 5),
        closes_on=date(YEAR, 4, 5),
        reason="  清明假期顺延  ",
        warn=True,
    )
    assert (changed.opens_on, changed.closes_on) == _window(campaign)
    assert _window(campaign) == (date(YEAR, 3, 5), date(YEAR, 4, 5))
    change = CampaignChange.objects.get(campaign=campaign)
    assert change.kind == CampaignChange.Kind.EDIT
    assert (change.old_opens_on, change.old_closes_on) == (OPENS, CLOSES)
    assert (change.new_opens_on, change.new_closes_on) == (date(YEAR, 3, 5), date(YEAR, 4, 5))
    assert change.reason == "清明假期顺延" and change.actor == jiangsu_official


def test_only_the_campaigns_authority_changes_it(
    campaign, zhejiang_official, suzhou_official, miit_reviewer, on
):
    values = {"opens_on": date(YEAR, 3, 2), "closes_on": CLOSES, "reason": "x"}
    for other in (zhejiang_official, suzhou_official, miit_reviewer):
        with pytest.raises(PermissionDenied) as refused:
            campaign_edit(actor=other, campaign=campaign, **values)
        assert "Only the authority that opened this campaign" in str(refused.value.message)
    on(DURING)
    for other in (zhejiang_official, suzhou_official, miit_reviewer):
        with pytest.raises(PermissionDenied):
            campaign_close_early(actor=other, campaign=campaign, reason="x")
        with pytest.raises(PermissionDenied):
            campaign_extend(actor=other, campaign=campaign, closes_on=AFTER, reason="x")
    assert _window(campaign) == (OPENS, CLOSES)
    assert not CampaignChange.objects.exists()


def test_an_edit_is_refused_once_the_window_opened_without_a_reason_or_backwards(
    campaign, jiangsu_official, on
):
    with pytest.raises(DomainError) as refused:
        campaign_edit(
            actor=jiangsu_official,
            campaign=campaign,
            opens_on=date(YEAR, 4, 10),
            closes_on=date(YEAR, 4, 1),
            reason=" ",
        )
    assert refused.value.status == 400
    assert set(refused.value.fields) == {"reason", "closes_on"}
    with pytest.raises(DomainError, match="nothing changes"):
        campaign_edit(
            actor=jiangsu_official, campaign=campaign, opens_on=OPENS, closes_on=CLOSES, reason="x"
        )
    for today in (OPENS, DURING, AFTER):
        on(today)
        with pytest.raises(Conflict) as started:
            campaign_edit(
                actor=jiangsu_official,
                campaign=campaign,
                opens_on=date(YEAR, 5, 1),
                closes_on=date(YEAR, 5, 31),
                reason="推迟",
            )
        assert started.value.code == ErrorCode.CAMPAIGN_STARTED
        assert OPENS.isoformat() in str(started.value.message)
    assert _window(campaign) == (OPENS, CLOSES)
    assert not CampaignChange.objects.exists()


def test_an_edit_is_warned_of_an_overlap_or_past_dates_until_confirmed(campaign, jiangsu_official):
    services.campaign_open(
        actor=jiangsu_official,
        tier="advanced",
        year=YEAR,
        batch=2,
        opens_on=date(YEAR, 6, 1),
        closes_on=date(YEAR, 6, 30),
    )
    cases = {
        "overlap": ((date(YEAR, 5, 20), date(YEAR, 6, 10)), f"{YEAR}-06-01"),
        "past": ((date(YEAR - 1, 12, 1), date(YEAR - 1, 12, 31)), f"{YEAR - 1}-12-31"),
    }
    for name, ((opens_on, closes_on), expected) in cases.items():
        with pytest.raises(Conflict) as refused:
            campaign_edit(
                actor=jiangsu_official,
                campaign=campaign,
                opens_on=opens_on,
                closes_on=closes_on,
                reason="调整",
                warn=True,
            )
        assert refused.value.code == ErrorCode.CONFIRMATION_NEEDED, name
        (warning,) = refused.value.fields["confirm"]
        assert expected in warning, (name, warning)
    assert _window(campaign) == (OPENS, CLOSES)
    confirmed = campaign_edit(
        actor=jiangsu_official,
        campaign=campaign,
        opens_on=date(YEAR, 5, 20),
        closes_on=date(YEAR, 6, 10),
        reason="与第二批衔接",
    )
    assert (confirmed.opens_on, confirmed.closes_on) == (date(YEAR, 5, 20), date(YEAR, 6, 10))
    assert CampaignChange.objects.filter(campaign=campaign).count() == 1


def test_an_edit_does_not_warn_again_of_the_batch_number(jiangsu_official, on):
    """A batch opened out of order was confirmed once; moving its dates does not ask again."""
    on(BEFORE)
    third = services.campaign_open(
        actor=jiangsu_official,
        tier="advanced",
        year=YEAR,
        batch=3,
        opens_on=date(YEAR, 9, 1),
        closes_on=date(YEAR, 9, 30),
    )
    campaign_edit(
        actor=jiangsu_official,
        campaign=third,
        opens_on=date(YEAR, 9, 2),
        closes_on=date(YEAR, 9, 30),
        reason="调整",
        warn=True,
    )
    assert _window(third)[0] == date(YEAR, 9, 2)


def test_an_open_window_closes_early_today_or_on_a_later_day(campaign, jiangsu_official, on):
    on(DURING)
    later = campaign_close_early(
        actor=jiangsu_official, campaign=campaign, reason="名额已满", closes_on=date(YEAR, 3, 20)
    )
    assert later.closes_on == date(YEAR, 3, 20)
    today = campaign_close_early(actor=jiangsu_official, campaign=campaign, reason="提前结束")
    assert _window(campaign) == (OPENS, DURING) and today.closes_on == DURING
    kinds = list(
        CampaignChange.objects.filter(campaign=campaign).values_list(
            "kind", "old_closes_on", "new_closes_on", "reason"
        )
    )
    assert kinds == [
        ("close_early", CLOSES, date(YEAR, 3, 20), "名额已满"),
        ("close_early", date(YEAR, 3, 20), DURING, "提前结束"),
    ]


def test_closing_early_is_refused_unless_open_and_before_the_closing_day(
    campaign, jiangsu_official, on
):
    for today, expected in ((BEFORE, "opens on"), (AFTER, "closed on")):
        on(today)
        with pytest.raises(Conflict) as refused:
            campaign_close_early(actor=jiangsu_official, campaign=campaign, reason="x")
        assert refused.value.code == ErrorCode.CAMPAIGN_NOT_OPEN
        assert expected in str(refused.value.message)
    on(DURING)
    with pytest.raises(DomainError) as no_reason:
        campaign_close_early(actor=jiangsu_official, campaign=campaign, reason="")
    assert list(no_reason.value.fields) == ["reason"]
    for closes_on in (CLOSES, CLOSES + timedelta(days=1), DURING - timedelta(days=1)):
        with pytest.raises(DomainError) as wrong_way:
            campaign_close_early(
                actor=jiangsu_official, campaign=campaign, reason="x", closes_on=closes_on
            )
        assert list(wrong_way.value.fields) == ["closes_on"], closes_on
    assert _window(campaign) == (OPENS, CLOSES)
    assert not CampaignChange.objects.exists()


def test_a_window_is_extended_while_open_and_after_it_closed(campaign, jiangsu_official, on):
    on(DURING)
    campaign_extend(
        actor=jiangsu_official, campaign=campaign, closes_on=date(YEAR, 4, 5), reason="延长"
    )
    on(date(YEAR, 4, 8))  # closed on the 5th
    reopened = campaign_extend(
        actor=jiangsu_official, campaign=campaign, closes_on=date(YEAR, 4, 20), reason="重新开放"
    )
    assert reopened.closes_on == date(YEAR, 4, 20)
    assert campaign_window_status(reopened, date(YEAR, 4, 8)) == "open"
    rows = CampaignChange.objects.filter(campaign=campaign).order_by("pk")
    assert [(c.kind, c.old_closes_on, c.new_closes_on) for c in rows] == [
        ("extend", CLOSES, date(YEAR, 4, 5)),
        ("extend", date(YEAR, 4, 5), date(YEAR, 4, 20)),
    ]


def test_an_extension_is_refused_backwards_in_the_past_or_without_a_reason(
    campaign, jiangsu_official, on
):
    on(DURING)
    for closes_on in (CLOSES, date(YEAR, 3, 20)):
        with pytest.raises(DomainError) as backwards:
            campaign_extend(
                actor=jiangsu_official, campaign=campaign, closes_on=closes_on, reason="x"
            )
        assert list(backwards.value.fields) == ["closes_on"]
        assert CLOSES.isoformat() in backwards.value.fields["closes_on"][0]
    with pytest.raises(DomainError) as no_reason:
        campaign_extend(actor=jiangsu_official, campaign=campaign, closes_on=AFTER, reason="")
    assert list(no_reason.value.fields) == ["reason"]
    on(date(YEAR, 5, 1))
    with pytest.raises(DomainError) as past:
        campaign_extend(actor=jiangsu_official, campaign=campaign, closes_on=AFTER, reason="x")
    assert "has passed already" in past.value.fields["closes_on"][0]
    assert _window(campaign) == (OPENS, CLOSES)
    assert not CampaignChange.objects.exists()


# --- the campaign page -------------------------------------------------------------------------


def _section(page: str, start: str, end: str = "</section>") -> str:
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def test_the_authoritys_official_sees_the_forms_the_window_allows(campaign, jiangsu_official, on):
    page = browser_for(jiangsu_official).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "campaign-change-edit" in page and "campaign-change-close" not in page
    assert "not open yet" in page and "Opens on 2031-03-01, in 50 days." in page
    on(DURING)
    page = browser_for(jiangsu_official).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "campaign-change-edit" not in page
    assert "campaign-change-close" in page and "campaign-change-extend" in page
    assert "21 days left after today" in page
    on(AFTER)
    page = browser_for(jiangsu_official).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "campaign-change-extend" in page and "campaign-change-close" not in page
    assert "Closed on 2031-03-31." in page


def test_other_officials_read_the_page_only(
    campaign, zhejiang_official, miit_reviewer, enterprise_user
):
    for other in (zhejiang_official, miit_reviewer, enterprise_user):
        client = browser_for(other)
        response = client.get(f"/campaigns/{campaign.pk}/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "2031-03-01 – 2031-03-31" in page and "campaign-change-form" not in page
        values = {"action": "edit", "edit-opens_on": "2031-03-02", "edit-closes_on": "2031-03-31"}
        refused = client.post(f"/campaigns/{campaign.pk}/", {**values, "edit-reason": "x"})
        assert refused.status_code == 403
    assert browser_for(zhejiang_official).get("/campaigns/999999/").status_code == 404
    assert _window(campaign) == (OPENS, CLOSES)


def test_a_missing_reason_is_shown_at_the_field(campaign, jiangsu_official, on):
    on(DURING)
    official = browser_for(jiangsu_official)
    response = official.post(
        f"/campaigns/{campaign.pk}/",
        {"action": "extend", "extend-closes_on": "2031-04-15", "extend-reason": ""},
    )
    assert response.status_code == 400
    form = _section(response.content.decode(), "campaign-change-extend")
    reason = form[form.index("field-reason") :]
    assert "Give the reason for the change" in reason
    assert "Give the reason" not in form[: form.index("field-reason")]
    assert _window(campaign) == (OPENS, CLOSES)
    backwards = official.post(
        f"/campaigns/{campaign.pk}/",
        {"action": "close", "close-closes_on": "2031-04-15", "close-reason": "x"},
    )
    assert backwards.status_code == 400
    form = _section(backwards.content.decode(), "campaign-change-close")
    closes_on = form[form.index("field-closes_on") : form.index("field-reason")]
    assert "Closing early means closing before 2031-03-31" in closes_on


def test_changes_are_made_on_the_page_and_listed_with_their_reasons(campaign, jiangsu_official, on):
    official = browser_for(jiangsu_official)
    url = f"/campaigns/{campaign.pk}/"
    edit = {
        "action": "edit",
        "edit-opens_on": "2031-03-02",
        "edit-closes_on": "2031-03-31",
        "edit-reason": "三月一日为周六",
    }
    response = official.post(url, edit)
    assert response.status_code == 302 and response.url == url
    on(DURING)
    official = browser_for(jiangsu_official)
    response = official.post(url, {"action": "close", "close-reason": "申报数量已足"})
    assert response.status_code == 302
    assert _window(campaign) == (date(YEAR, 3, 2), DURING)
    page = official.get(url).content.decode()
    changes = _section(page, "campaign-changes", "</ol>")
    assert changes.index("三月一日为周六") < changes.index("申报数量已足")
    assert "Window edited before it opened" in changes and "Closed early" in changes
    assert "2031-03-01 – 2031-03-31 → 2031-03-02 – 2031-03-31" in changes
    assert "Closes at the end of today, 2031-03-10." in page


def test_the_page_asks_to_confirm_warnings_before_an_edit(campaign, jiangsu_official):
    official = browser_for(jiangsu_official)
    url = f"/campaigns/{campaign.pk}/"
    values = {
        "action": "edit",
        "edit-opens_on": "2030-12-01",
        "edit-closes_on": "2030-12-31",
        "edit-reason": "补录",
    }
    first = official.post(url, values)
    assert first.status_code == 400
    form = _section(first.content.decode(), "campaign-change-edit")
    warnings = _section(form, "campaign-warnings", "</ul>")
    assert "2030-12-31" in warnings and 'name="edit-confirm"' in form
    assert _window(campaign) == (OPENS, CLOSES)
    confirmed = official.post(url, {**values, "edit-confirm": "on"})
    assert confirmed.status_code == 302
    assert _window(campaign) == (date(YEAR - 1, 12, 1), date(YEAR - 1, 12, 31))


def test_the_page_counts_the_applications_by_state_with_links(
    campaign, jiangsu_official, zhejiang_official
):
    applications = [
        *make_applications(3, status="submitted", tier="advanced"),
        *make_applications(2, status="city_review", tier="advanced"),
    ]
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(campaign=campaign)
    make_applications(4, status="submitted", tier="advanced")  # in no campaign
    page = browser_for(jiangsu_official).get(f"/campaigns/{campaign.pk}/").content.decode()
    states = _section(page, "campaign-states", "</table>")
    submitted = _section(states, 'data-status="submitted"', "</tr>")
    assert "Submitted, checks running" in submitted and ">3</td>" in submitted
    assert "/applications/?tier=advanced&amp;status=submitted" in submitted
    city = _section(states, 'data-status="city_review"', "</tr>")
    assert "Preliminary review by the city" in city and ">2</td>" in city
    assert states.index("submitted") < states.index("city_review")
    # Zhejiang's official sees none of Jiangsu's applications: no counts leak.
    page = browser_for(zhejiang_official).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "campaign-states" not in page and "campaign-no-applications" in page


def test_the_page_shows_the_quotas_of_an_excellent_campaign(miit_reviewer, jiangsu_official):
    excellent = services.campaign_open(actor=miit_reviewer, tier="excellent", year=YEAR)
    page = browser_for(jiangsu_official).get(f"/campaigns/{excellent.pk}/").content.decode()
    quotas = _section(page, "campaign-quotas", "</table>")
    assert quotas.count("campaign-quota") == excellent.quotas.count() + 1  # + the table's class
    jiangsu = _section(quotas, Province.objects.get(code="32").name_en, "</tr>")
    assert ">20</td>" in jiangsu


def _in_campaign(campaign: Campaign, count: int, states: list[str]) -> None:
    rows = []
    for index in range(count):
        rows.extend(make_applications(1, status=states[index % len(states)], tier="advanced"))
    Application.objects.filter(pk__in=[a.pk for a in rows]).update(campaign=campaign)


def test_the_campaign_page_queries_do_not_grow_with_its_applications(
    campaign, jiangsu_official, on
):
    """Measured at two sizes: 2 applications in 2 states, then 40 in 5 states, with changes
    recorded; the counts are one aggregate query."""
    on(DURING)
    campaign_extend(actor=jiangsu_official, campaign=campaign, closes_on=AFTER, reason="延长")
    campaign_close_early(actor=jiangsu_official, campaign=campaign, reason="提前")
    states = ["submitted", "checks_passed", "city_review", "provincial_review", "returned"]
    client = browser_for(jiangsu_official)
    url = f"/campaigns/{campaign.pk}/"
    measured = []
    for count, shown in ((2, 2), (38, 5)):
        _in_campaign(campaign, count, states)
        client.get(url)  # caches warmed (reference data, the session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('class="campaign-state"') == shown
        measured.append(len(queries))
    assert measured[0] == measured[1] <= 10, measured


def test_the_campaign_list_links_each_campaign_to_its_page(campaign, jiangsu_official):
    page = browser_for(jiangsu_official).get("/campaigns/").content.decode()
    assert f'href="/campaigns/{campaign.pk}/"' in page


# --- the API -----------------------------------------------------------------------------------


def test_the_api_edits_a_window_and_answers_with_the_history(campaign, jiangsu_official):
    client = api_client_for(jiangsu_official)
    url = f"/api/v1/campaigns/{campaign.pk}/edit/"
    body = {"opens_on": "2030-12-01", "closes_on": "2030-12-31", "reason": "补录"}
    warned = client.post(url, body, format="json")
    assert warned.status_code == 409
    assert warned.json()["code"] == "confirmation_needed"
    assert "2030-12-31" in warned.json()["fields"]["confirm"][0]
    done = client.post(url, {**body, "confirm": True}, format="json")
    assert done.status_code == 200, done.content
    data = done.json()
    assert (data["opens_on"], data["closes_on"]) == ("2030-12-01", "2030-12-31")
    (change,) = data["changes"]
    assert change["kind"] == "edit" and change["reason"] == "补录"
    assert (change["old_opens_on"], change["new_closes_on"]) == ("2031-03-01", "2030-12-31")
    assert change["actor"] == jiangsu_official.get_username()


def test_the_api_refuses_with_the_error_body(campaign, jiangsu_official, zhejiang_official, on):
    client = api_client_for(jiangsu_official)
    base = f"/api/v1/campaigns/{campaign.pk}"
    no_reason = client.post(
        f"{base}/edit/", {"opens_on": "2031-03-02", "closes_on": "2031-03-31"}, format="json"
    )
    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "invalid" and "reason" in no_reason.json()["fields"]
    other = api_client_for(zhejiang_official).post(
        f"{base}/extend/", {"closes_on": "2031-04-30", "reason": "x"}, format="json"
    )
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    missing = client.post("/api/v1/campaigns/999999/close/", {"reason": "x"}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    not_open = client.post(f"{base}/close/", {"reason": "x"}, format="json")
    assert not_open.status_code == 409 and not_open.json()["code"] == "campaign_not_open"
    on(DURING)
    started = client.post(
        f"{base}/edit/",
        {"opens_on": "2031-05-01", "closes_on": "2031-05-31", "reason": "x"},
        format="json",
    )
    assert started.status_code == 409 and started.json()["code"] == "campaign_started"
    backwards = client.post(
        f"{base}/extend/", {"closes_on": "2031-03-20", "reason": "x"}, format="json"
    )
    assert backwards.status_code == 400
    assert backwards.json()["code"] == "invalid" and "closes_on" in backwards.json()["fields"]
    unknown = client.post(f"{base}/close/", {"reason": "x", "colour": "red"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_field"
    assert _window(campaign) == (OPENS, CLOSES)
    assert not CampaignChange.objects.exists()


def test_the_api_closes_and_extends_and_the_detail_shows_the_changes(
    campaign, jiangsu_official, enterprise_user, on, django_assert_max_num_queries
):
    on(DURING)
    client = api_client_for(jiangsu_official)
    base = f"/api/v1/campaigns/{campaign.pk}"
    closed = client.post(
        f"{base}/close/", {"reason": "名额已满", "closes_on": "2031-03-15"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["closes_on"] == "2031-03-15"
    extended = client.post(
        f"{base}/extend/", {"closes_on": "2031-04-15", "reason": "系统故障"}, format="json"
    )
    assert extended.status_code == 200 and extended.json()["is_open"] is True
    detail = client.get(f"{base}/").json()
    assert [c["kind"] for c in detail["changes"]] == ["close_early", "extend"]
    assert [c["reason"] for c in detail["changes"]] == ["名额已满", "系统故障"]
    # An enterprise user sees the reasons, not who made the change.
    public = api_client_for(enterprise_user).get(f"{base}/").json()
    assert [c["actor"] for c in public["changes"]] == [None, None]
    # The list carries no history.
    listing = client.get("/api/v1/campaigns/").json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    assert rows and all("changes" not in row for row in rows)
