"""EnterprisePresence: where officials see an enterprise, kept right by every path that changes
an enterprise or a factory, and read by the regional enterprise lists page by page."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from factories import services
from factories.models import Enterprise, EnterprisePresence, Factory, Industry
from factories.selectors import enterprise_list_for
from regions.models import City
from tests import model_factories as mf
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def derived() -> set[tuple[str, int, str]]:
    """The presence every enterprise should have, worked out in Python from the rows."""
    expected = set()
    for enterprise in Enterprise.objects.all():
        for code in (enterprise.province_id, enterprise.city_id):
            expected.add((code, enterprise.pk, enterprise.name))
    for factory in Factory.objects.select_related("enterprise"):
        for code in (factory.province_id, factory.city_id):
            expected.add((code, factory.enterprise_id, factory.enterprise.name))
    return expected


def stored() -> set[tuple[str, int, str]]:
    rows = EnterprisePresence.objects.values_list("region_code", "enterprise_id", "name")
    assert rows.count() == len(set(rows))
    return set(rows)


def city(code: str) -> City:
    return City.objects.get(code=code)


def test_every_service_path_keeps_the_presence_right(enterprise_user):
    """Register, add a factory elsewhere, move it, rename and move the enterprise: after each,
    the stored presence is what the rows say, and the officials' lists follow it."""
    enterprise = services.enterprise_register(
        actor=enterprise_user,
        uscc=mf.make_uscc(),
        name="苏州存在测试有限公司",
        city=city("320500"),
        industry=Industry.objects.get(code="35"),
        above_designated_size=True,
        factory_name="一厂",
        factory_address="苏州路 1 号",
        factory_city=city("320500"),
    )
    assert stored() == derived()
    assert {code for code, pk, _name in stored() if pk == enterprise.pk} == {"32", "320500"}

    hangzhou = services.factory_create(
        actor=enterprise_user,
        enterprise=enterprise,
        name="杭州厂",
        address="杭州路 2 号",
        city=city("330100"),
        industry=enterprise.industry,
    )
    assert stored() == derived()
    zhejiang = mf.official("provincial_official", "33-industry-it")
    assert enterprise_list_for(zhejiang).filter(pk=enterprise.pk).exists()

    services.factory_update(
        actor=enterprise_user,
        factory=hangzhou,
        name=hangzhou.name,
        address=hangzhou.address,
        city=city("320200"),
        industry=hangzhou.industry,
    )
    assert stored() == derived()
    assert not enterprise_list_for(zhejiang).filter(pk=enterprise.pk).exists()

    services.enterprise_update(
        actor=enterprise_user,
        enterprise=enterprise,
        name="无锡存在测试有限公司",
        city=city("320200"),
        industry=enterprise.industry,
        above_designated_size=True,
        is_central_soe_group=False,
    )
    assert stored() == derived()
    names = {name for _code, pk, name in stored() if pk == enterprise.pk}
    assert names == {"无锡存在测试有限公司"}
    # The first factory stays in Suzhou, now away from home: Suzhou still sees the enterprise.
    suzhou = mf.official("city_official", "320500-industry-it")
    assert enterprise_list_for(suzhou).filter(pk=enterprise.pk).exists()


def test_the_admin_keeps_the_presence_right(admin_user):
    factory = mf.FactoryFactory()
    enterprise = factory.enterprise
    request = RequestFactory().post("/")
    request.user = admin_user
    factory_admin = site._registry[Factory]
    away = Factory(
        enterprise=enterprise,
        name="宁波厂",
        address="宁波路 3 号",
        city=city("330200"),
        industry=enterprise.industry,
    )
    form = factory_admin.get_form(request, obj=None)(
        data={
            "enterprise": enterprise.pk,
            "name": away.name,
            "address": away.address,
            "city": away.city_id,
            "industry": away.industry_id,
        }
    )
    assert form.is_valid(), form.errors
    factory_admin.save_model(request, form.save(commit=False), form, change=False)
    assert ("33", enterprise.pk, enterprise.name) in stored()
    assert stored() == derived()
    added = Factory.objects.get(enterprise=enterprise, name="宁波厂")
    factory_admin.delete_model(request, added)
    assert stored() == derived()
    assert not any(code == "33" for code, _pk, _name in stored())


def test_a_whole_rebuild_gives_what_the_services_kept():
    mf.FactoryFactory()
    mf.FactoryFactory(enterprise__city=city("330100"), city=city("320100"))
    kept = stored()
    written = services.enterprise_presence_refresh()
    assert stored() == kept == derived()
    assert written == len(kept)
    assert services.enterprise_presence_refresh([]) == 0


def walk(client, url: str) -> list[int]:
    ids: list[int] = []
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


@pytest.mark.parametrize("authority", ["32-industry-it", "320500-industry-it"])
def test_a_regional_list_walks_every_enterprise_once_in_order(authority):
    """Registered in the region and away there, with tied names: every page comes from the
    presence rows, and walking them gives the scope's enterprises once each, in name order;
    with a filter, the filtered list whole."""
    for n in range(5):
        mf.FactoryFactory(enterprise__name=f"同名企业{n % 2}")  # registered in Suzhou
        mf.FactoryFactory(  # registered in Hangzhou, a factory in Suzhou
            enterprise__name=f"同名企业{n % 3}",
            enterprise__city=city("330100"),
            city=city("320500"),
        )
        mf.FactoryFactory(enterprise__city=city("330100"))  # not in the region
    official = mf.official(
        "provincial_official" if len(authority) < 10 else "city_official", authority
    )
    expected = list(
        enterprise_list_for(official).order_by("name", "pk").values_list("pk", flat=True)
    )
    assert len(expected) == 10
    client = api_client_for(official)
    assert walk(client, "/api/v1/enterprises/?page_size=3") == expected
    industry = Enterprise.objects.get(pk=expected[0]).industry_id
    Enterprise.objects.filter(pk__in=expected[::2]).update(industry_id="13")
    filtered = [pk for pk in expected if Enterprise.objects.get(pk=pk).industry_id == industry]
    assert walk(client, f"/api/v1/enterprises/?page_size=2&industry={industry}") == filtered


def test_the_regional_pages_count_and_list_what_the_scope_shows(client, jiangsu_official):
    """The enterprise page and the home page count a regional official's enterprises from the
    presence rows; the count and the rows agree with the scope, page by page."""
    for n in range(3):
        mf.FactoryFactory()  # Suzhou
        mf.FactoryFactory(enterprise__city=city("330100"), city=city("320100"))  # away in Nanjing
        mf.FactoryFactory(enterprise__city=city("330100"))  # Zhejiang only
    expected = list(
        enterprise_list_for(jiangsu_official).order_by("name", "pk").values_list("pk", flat=True)
    )
    assert len(expected) == 6
    client.force_login(jiangsu_official)
    response = client.get("/enterprises/")
    assert response.context["page"].paginator.count == 6
    assert [e.pk for e in response.context["page"]] == expected
    assert client.get("/").context["enterprise_count"] == 6
    searched = client.get("/enterprises/", {"q": Enterprise.objects.get(pk=expected[0]).uscc})
    assert [e.pk for e in searched.context["page"]] == [expected[0]]
    assert searched.context["page"].paginator.count == 1
