"""Browser pages (Django test client): registration form errors, scope, CSRF, languages."""

import pytest
from django.test import Client

from factories.models import Enterprise, Factory
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "uscc": mf.make_uscc(),
        "name": "苏州页面测试有限公司",
        "city": "320500",
        "industry": "36",
        "above_designated_size": "on",
        "factory_name": "页面一号工厂",
        "factory_address": "苏州市 2 号",
        "factory_city": "320500",
        "factory_industry": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def browser(enterprise_user):
    client = Client()
    client.force_login(enterprise_user)
    return client


def test_register_enterprise_in_the_browser(browser, enterprise_user):
    response = browser.post("/enterprises/register/", form_data(), follow=True)
    enterprise = Enterprise.objects.get()
    assert response.redirect_chain[-1][0] == f"/enterprises/{enterprise.pk}/"
    assert "页面一号工厂" in response.content.decode()
    assert enterprise.members.get() == enterprise_user


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"uscc": "91350100M000100Y44"}, "check character"),
        ({"uscc": "91350100I000100Y43"}, "may not contain"),
        ({"city": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_at_the_field_and_nothing_written(browser, overrides, message):
    response = browser.post(
        "/enterprises/register/", form_data(**overrides), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    form = response.context["form"]
    field = next(iter(overrides))
    assert message in " ".join(form.errors[field])
    assert "is-invalid" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_duplicate_uscc_is_shown_at_the_field(browser):
    existing = mf.EnterpriseFactory()
    response = browser.post(
        "/enterprises/register/", form_data(uscc=existing.uscc), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "already registered" in " ".join(response.context["form"].errors["uscc"])
    assert Enterprise.objects.count() == 1


def test_pages_of_another_enterprise_are_404(browser):
    theirs = mf.FactoryFactory()
    assert browser.get(f"/enterprises/{theirs.enterprise_id}/").status_code == 404
    assert browser.get(f"/factories/{theirs.pk}/edit/").status_code == 404
    response = browser.post(
        f"/factories/{theirs.pk}/edit/",
        {"name": "x", "address": "y", "city": "320500", "industry": "35"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name != "x"


def test_member_adds_a_factory(browser, enterprise_user):
    mine = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, mine)
    response = browser.post(
        f"/enterprises/{mine.pk}/factories/new/",
        {"name": "新工厂", "address": "地址", "city": "320100", "industry": "35"},
    )
    assert response.status_code == 302
    assert Factory.objects.get(enterprise=mine).city_id == "320100"


def test_official_sees_enterprise_read_only(jiangsu_official):
    factory = mf.FactoryFactory()
    client = Client()
    client.force_login(jiangsu_official)
    page = client.get(f"/enterprises/{factory.enterprise_id}/").content.decode()
    assert factory.enterprise.name in page and f"/factories/{factory.pk}/edit/" not in page
    response = client.get(f"/factories/{factory.pk}/edit/")
    assert response.status_code == 302  # sent back with the reason


def test_csrf_is_enforced():
    user = mf.UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/enterprises/register/", form_data()).status_code == 403


def test_login_page_in_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_enterprise_list_uses_bounded_queries(miit_reviewer, django_assert_max_num_queries):
    for _ in range(30):
        mf.FactoryFactory()
    client = Client()
    client.force_login(miit_reviewer)
    with django_assert_max_num_queries(8):
        response = client.get("/enterprises/")
    assert response.status_code == 200 and response.context["page"].paginator.count == 30


def test_enterprise_page_queries_do_not_grow_with_factories(
    enterprise_user, django_assert_max_num_queries
):
    client = Client()
    client.force_login(enterprise_user)
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    for _ in range(3):
        mf.FactoryFactory(enterprise=enterprise)
    with django_assert_max_num_queries(12) as few:
        client.get(f"/enterprises/{enterprise.pk}/")
    for _ in range(20):
        mf.FactoryFactory(enterprise=enterprise)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/enterprises/{enterprise.pk}/")
    assert response.status_code == 200
