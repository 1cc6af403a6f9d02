"""The city's key cultivation pool: services (add, remove, audit events), every reader of pool
membership after a removal, the pages (list, add, remove with a confirmation), the API and the
export, and bounded queries at two sizes."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from certification import rules, selectors
from certification.models import Application
from core.errors import Conflict, DomainError, PermissionDenied
from exports.kinds import kind_get
from factories import services
from factories.models import CultivationPoolEntry, PoolEvent, PoolEventType
from regions.models import City
from tests import model_factories as mf
from tests.certification.helpers import browser_for
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def suzhou_factory(db):
    return mf.FactoryFactory()  # Suzhou (320500) by default


@pytest.fixture
def nanjing_factory(db):
    return mf.FactoryFactory(city=City.objects.get(code="320100"))


# --- services ------------------------------------------------------------------------------------


def test_add_and_remove_write_typed_events_and_keep_the_row(suzhou_official, suzhou_factory):
    entry = services.pool_entry_add(
        actor=suzhou_official, factory=suzhou_factory, year=2026, reason="重点培育"
    )
    removed = services.pool_entry_remove(actor=suzhou_official, entry=entry, reason="已转出")
    assert removed.removed_at is not None and removed.removed_by == suzhou_official
    assert removed.removal_reason == "已转出"
    events = list(PoolEvent.objects.filter(entry=entry).order_by("pk"))
    assert [e.event_type for e in events] == [PoolEventType.ADDED, PoolEventType.REMOVED]
    assert events[1].reason == "已转出" and events[1].actor == suzhou_official
    assert events[1].acting_authority == suzhou_official.authority
    assert events[1].extra_data == {"factory": suzhou_factory.pk, "year": 2026}
    # Removed twice: refused; the same factory may come back for the year.
    with pytest.raises(Conflict):
        services.pool_entry_remove(actor=suzhou_official, entry=entry, reason="again")
    again = services.pool_entry_add(
        actor=suzhou_official, factory=suzhou_factory, year=2026, reason="重新纳入"
    )
    assert again.pk != entry.pk
    assert CultivationPoolEntry.objects.filter(factory=suzhou_factory).count() == 2


def test_add_refuses_with_the_field_at_fault(suzhou_official, suzhou_factory, nanjing_factory):
    with pytest.raises(PermissionDenied) as outside:
        services.pool_entry_add(
            actor=suzhou_official, factory=nanjing_factory, year=2026, reason="x"
        )
    assert "factory" in outside.value.fields
    for year in (2024, 2029):
        with pytest.raises(DomainError) as out_of_range:
            services.pool_entry_add(
                actor=suzhou_official, factory=suzhou_factory, year=year, reason="x"
            )
        assert out_of_range.value.code == "year_out_of_range"
        assert "year" in out_of_range.value.fields
    services.pool_entry_add(actor=suzhou_official, factory=suzhou_factory, year=2027, reason="x")
    with pytest.raises(Conflict) as twice:
        services.pool_entry_add(
            actor=suzhou_official, factory=suzhou_factory, year=2027, reason="y"
        )
    assert "year" in twice.value.fields
    assert PoolEvent.objects.count() == 1  # only the one added


def test_remove_is_for_the_city_that_keeps_the_entry(
    suzhou_official, jiangsu_official, suzhou_factory
):
    entry = services.pool_entry_add(
        actor=suzhou_official, factory=suzhou_factory, year=2026, reason="x"
    )
    nanjing = mf.official(Role.CITY_OFFICIAL, "320100-industry-it")
    for actor in (nanjing, jiangsu_official):
        with pytest.raises(PermissionDenied):
            services.pool_entry_remove(actor=actor, entry=entry, reason="not mine")
    with pytest.raises(DomainError):
        services.pool_entry_remove(actor=suzhou_official, entry=entry, reason="  ")
    entry.refresh_from_db()
    assert entry.removed_at is None


# --- every reader of pool membership -------------------------------------------------------------


def _advanced_prerequisite(results: list[rules.RuleResult]) -> bool:
    return next(r for r in results if r.rule == rules.PREREQUISITE_TIER).passed


def test_a_removed_entry_counts_in_no_reader(suzhou_official, suzhou_factory):
    """The three readers: the snapshot (pages, the tier path), the prepared eligibility query
    (the eligibility endpoint) and the batched facts of the checks sweep."""
    application = Application.objects.create(
        factory=suzhou_factory,
        province_id=suzhou_factory.province_id,
        city_id=suzhou_factory.city_id,
        tier="advanced",
        tier_edition=selectors.tier_edition_current(),
        status="submitted",
        submission=1,
        submitted_at=timezone.now(),
        created_by=mf.UserFactory(),
    )

    def readers() -> tuple[frozenset[int], bool, frozenset[int]]:
        snapshot = selectors.factory_snapshot(suzhou_factory).pool_years
        eligible = _advanced_prerequisite(
            selectors.factory_eligibility(suzhou_factory, "advanced", TODAY)
        )
        batch = selectors.applications_facts([application], on={application.pk: TODAY})
        return snapshot, eligible, batch[application.pk].snapshot.pool_years

    assert readers() == (frozenset(), False, frozenset())
    entry = services.pool_entry_add(
        actor=suzhou_official, factory=suzhou_factory, year=2026, reason="重点培育"
    )
    assert readers() == (frozenset({2026}), True, frozenset({2026}))
    services.pool_entry_remove(actor=suzhou_official, entry=entry, reason="已转出")
    assert readers() == (frozenset(), False, frozenset())


# --- pages ---------------------------------------------------------------------------------------


def test_city_official_adds_through_the_page_with_errors_at_the_fields(
    suzhou_official, suzhou_factory, nanjing_factory
):
    browser = browser_for(suzhou_official)
    page = browser.get("/pool/add/", {"q": suzhou_factory.name[:3]}).content.decode()
    assert f'value="{suzhou_factory.pk}"' in page
    assert f'value="{nanjing_factory.pk}"' not in page  # the search stays in the city
    response = browser.post(
        "/pool/add/", {"factory": nanjing_factory.pk, "year": 2026, "reason": "x"}
    )
    assert response.status_code == 400
    assert "field-error-factory" in response.content.decode()
    response = browser.post(
        "/pool/add/", {"factory": suzhou_factory.pk, "year": 2035, "reason": "x"}
    )
    assert response.status_code == 400 and "field-error-year" in response.content.decode()
    response = browser.post("/pool/add/", {"factory": suzhou_factory.pk, "year": 2026})
    assert response.status_code == 400 and "field-error-reason" in response.content.decode()
    assert not CultivationPoolEntry.objects.exists()
    response = browser.post(
        "/pool/add/", {"factory": suzhou_factory.pk, "year": 2026, "reason": "重点培育"}
    )
    assert response.status_code == 302 and response["Location"] == "/pool/"
    response = browser.post(
        "/pool/add/", {"factory": suzhou_factory.pk, "year": 2026, "reason": "again"}
    )
    assert response.status_code == 400 and "field-error-year" in response.content.decode()
    assert CultivationPoolEntry.objects.get().reason == "重点培育"
    assert "重点培育" in browser.get("/pool/").content.decode()


def test_removal_goes_through_a_confirmation_page(suzhou_official, suzhou_factory):
    entry = services.pool_entry_add(
        actor=suzhou_official, factory=suzhou_factory, year=2026, reason="重点培育"
    )
    browser = browser_for(suzhou_official)
    assert f'href="/pool/{entry.pk}/remove/"' in browser.get("/pool/").content.decode()
    page = browser.get(f"/pool/{entry.pk}/remove/")
    assert page.status_code == 200 and suzhou_factory.name in page.content.decode()
    entry.refresh_from_db()
    assert entry.removed_at is None  # reading the confirmation page changes nothing
    response = browser.post(f"/pool/{entry.pk}/remove/", {"reason": " "})
    assert response.status_code == 400 and "field-error-reason" in response.content.decode()
    response = browser.post(f"/pool/{entry.pk}/remove/", {"reason": "企业迁出"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.removal_reason == "企业迁出"
    page = browser.get("/pool/").content.decode()
    assert "pool-entry-removed" in page and "企业迁出" in page
    assert f'href="/pool/{entry.pk}/remove/"' not in page


def test_who_sees_the_pool(suzhou_official, jiangsu_official, enterprise_user, suzhou_factory):
    services.pool_entry_add(actor=suzhou_official, factory=suzhou_factory, year=2026, reason="培育")
    nanjing = mf.official(Role.CITY_OFFICIAL, "320100-industry-it")
    zhejiang = mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")
    assert suzhou_factory.name in browser_for(jiangsu_official).get("/pool/").content.decode()
    province_page = browser_for(jiangsu_official).get("/pool/").content.decode()
    assert "/pool/add/" not in province_page  # read only
    assert browser_for(jiangsu_official).get("/pool/add/").status_code == 403
    assert suzhou_factory.name not in browser_for(nanjing).get("/pool/").content.decode()
    assert suzhou_factory.name not in browser_for(zhejiang).get("/pool/").content.decode()
    assert browser_for(enterprise_user).get("/pool/").status_code == 403
    entry = CultivationPoolEntry.objects.get()
    assert browser_for(nanjing).get(f"/pool/{entry.pk}/remove/").status_code == 404


def test_the_navigation_leads_officials_to_the_pool(
    suzhou_official, jiangsu_official, enterprise_user
):
    link = 'href="/pool/"'
    assert link in browser_for(suzhou_official).get("/").content.decode()
    assert link in browser_for(jiangsu_official).get("/").content.decode()
    assert link not in browser_for(enterprise_user).get("/").content.decode()


def test_the_year_filter(suzhou_official, suzhou_factory):
    other = mf.FactoryFactory()
    services.pool_entry_add(actor=suzhou_official, factory=suzhou_factory, year=2026, reason="a")
    services.pool_entry_add(actor=suzhou_official, factory=other, year=2027, reason="b")
    browser = browser_for(suzhou_official)
    page = browser.get("/pool/", {"year": 2027}).content.decode()
    assert other.name in page and suzhou_factory.name not in page
    assert browser.get("/pool/", {"year": "abc"}).status_code == 200  # ignored, shown at field


def _fill_pool(official, count: int) -> None:
    for _ in range(count):
        entry = services.pool_entry_add(
            actor=official, factory=mf.FactoryFactory(), year=2026, reason="培育"
        )
    services.pool_entry_remove(actor=official, entry=entry, reason="移出")


@pytest.mark.parametrize("count", [3, 25])
def test_list_page_queries_do_not_grow(count, suzhou_official, django_assert_max_num_queries):
    _fill_pool(suzhou_official, count)
    browser = browser_for(suzhou_official)
    # Session, user, the page's count and rows, the worklist count of the navigation bar...
    with django_assert_max_num_queries(7):
        response = browser.get("/pool/")
    assert response.content.decode().count('class="pool-entry') == count


# --- API -----------------------------------------------------------------------------------------


def test_api_add_list_remove(suzhou_official, jiangsu_official, suzhou_factory, nanjing_factory):
    api = api_client_for(suzhou_official)
    response = api.post(
        "/api/v1/pool/",
        {"factory": suzhou_factory.pk, "year": 2026, "reason": "重点培育"},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry_id = response.json()["id"]
    assert response.json()["removed"] is False
    for body, code in (
        ({"factory": nanjing_factory.pk, "year": 2026, "reason": "x"}, 403),
        ({"factory": suzhou_factory.pk, "year": 2026, "reason": "x"}, 409),
        ({"factory": suzhou_factory.pk, "year": 1999, "reason": "x"}, 400),
        ({"factory": suzhou_factory.pk, "year": 2030, "reason": "x"}, 400),
        ({"factory": 999999, "year": 2026, "reason": "x"}, 404),
        ({"factory": suzhou_factory.pk, "year": 2026}, 400),
    ):
        refused = api.post("/api/v1/pool/", body, format="json")
        assert refused.status_code == code, (body, refused.content)
        assert set(refused.json()) >= {"code", "message"}
    assert api.post(f"/api/v1/pool/{entry_id}/remove/", {}, format="json").status_code == 400
    province = api_client_for(jiangsu_official)
    assert province.get("/api/v1/pool/").json()["results"][0]["id"] == entry_id
    denied = province.post(f"/api/v1/pool/{entry_id}/remove/", {"reason": "x"}, format="json")
    assert denied.status_code == 403
    removed = api.post(f"/api/v1/pool/{entry_id}/remove/", {"reason": "迁出"}, format="json")
    assert removed.status_code == 200 and removed.json()["removed"] is True
    again = api.post(f"/api/v1/pool/{entry_id}/remove/", {"reason": "迁出"}, format="json")
    assert again.status_code == 409
    assert api_client_for(mf.UserFactory()).get("/api/v1/pool/").status_code == 403


@pytest.mark.parametrize("count", [3, 25])
def test_api_list_queries_do_not_grow(count, suzhou_official):
    _fill_pool(suzhou_official, count)
    api = api_client_for(suzhou_official)
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/pool/", {"year": 2026})
    assert response.status_code == 200 and len(response.json()["results"]) == count
    assert len(queries) <= 5


# --- export --------------------------------------------------------------------------------------


def test_the_pool_is_an_export_kind_scoped_like_the_page(
    suzhou_official, jiangsu_official, enterprise_user, suzhou_factory, settings, tmp_path
):
    from tests.exports.conftest import export, read_export

    settings.MEDIA_ROOT = tmp_path

    services.pool_entry_add(actor=suzhou_official, factory=suzhou_factory, year=2026, reason="培育")
    nanjing = mf.official(Role.CITY_OFFICIAL, "320100-industry-it")
    services.pool_entry_add(
        actor=nanjing,
        factory=mf.FactoryFactory(city=City.objects.get(code="320100")),
        year=2026,
        reason="南京",
    )
    kind = kind_get("cultivation_pool")
    assert kind is not None and not kind.may_export(enterprise_user)
    rows = read_export(export(suzhou_official, "cultivation_pool"))
    assert len(rows) == 2 and rows[1][1] == suzhou_factory.name
    assert len(read_export(export(jiangsu_official, "cultivation_pool"))) == 3
    chinese = read_export(export(suzhou_official, "cultivation_pool", language="zh-hans"))
    assert chinese[0][:2] == ["年度", "工厂"]


def test_the_admin_shows_the_pool_read_only(admin_client, suzhou_official, suzhou_factory):
    services.pool_entry_add(actor=suzhou_official, factory=suzhou_factory, year=2026, reason="培育")
    entry = CultivationPoolEntry.objects.get()
    changelist = admin_client.get(reverse("admin:factories_cultivationpoolentry_changelist"))
    assert changelist.status_code == 200 and suzhou_factory.name in changelist.content.decode()
    assert admin_client.get(reverse("admin:factories_cultivationpoolentry_add")).status_code == 403
    delete = reverse("admin:factories_cultivationpoolentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:factories_cultivationpoolentry_change", args=[entry.pk])
    admin_client.post(change, {"year": 2027, "reason": "x"})
    entry.refresh_from_db()
    assert (entry.year, entry.reason, entry.removed_at) == (2026, "培育", None)
