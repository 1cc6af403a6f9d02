"""Credit codes issued by development-zone registration authorities (outside GB/T 2260) register,
and the registering user is shown which registration authority the code names: on the form,
on the enterprise's page and in the API."""

import pytest
from django.test import Client

from factories.models import Enterprise
from tests import model_factories as mf
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

SUZHOU_INDUSTRIAL_PARK = "91320594780268314T"  # a published credit code (check character ok)


def form_data(**overrides):
    data = {
        "uscc": SUZHOU_INDUSTRIAL_PARK,
        "name": "苏州园区测试有限公司",
        "city": "320500",
        "industry": "36",
        "factory_name": "园区一号工厂",
        "factory_address": "苏州工业园区星湖街 1 号",
        "factory_city": "320500",
        "factory_industry": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def browser(enterprise_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(enterprise_user)
    return client


def test_development_zone_code_registers_and_its_page_names_the_authority(browser):
    response = browser.post("/enterprises/register/", form_data(), follow=True)
    enterprise = Enterprise.objects.get()
    assert enterprise.uscc == SUZHOU_INDUSTRIAL_PARK
    assert response.redirect_chain[-1][0] == f"/enterprises/{enterprise.pk}/"
    page = response.content.decode()
    assert "Registration authority" in page and "Suzhou Industrial Park" in page


def test_form_shows_the_registration_authority_when_it_comes_back(browser):
    # Another field is wrong: the form comes back and names who issued the (valid) code.
    response = browser.post("/enterprises/register/", form_data(factory_name=""))
    assert response.status_code == 200 and not Enterprise.objects.exists()
    form = response.context["form"]
    assert "uscc" not in form.errors and "factory_name" in form.errors
    assert "Registration authority: Suzhou Industrial Park" in response.content.decode()


def test_form_names_a_gbt_2260_county_in_chinese_by_default(enterprise_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(enterprise_user)
    code = mf.make_uscc("320505")
    response = client.post("/enterprises/register/", form_data(uscc=code, factory_name=""))
    assert "苏州市虎丘区" in response.content.decode()


def test_api_registers_a_development_zone_code_and_names_the_authority(enterprise_user):
    client = api_client_for(enterprise_user)
    body = {
        "uscc": SUZHOU_INDUSTRIAL_PARK.lower(),
        "name": "苏州园区接口有限公司",
        "city": "320500",
        "industry": "36",
        "above_designated_size": True,
        "factory": {"name": "园区一号工厂", "address": "星湖街 1 号", "city": "320500"},
    }
    response = client.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["registration_authority"] == "Suzhou Industrial Park"
    listed = client.get("/api/v1/enterprises/").json()["results"]
    assert [row["registration_authority"] for row in listed] == ["Suzhou Industrial Park"]
    found = client.get("/api/v1/enterprises/", {"search": SUZHOU_INDUSTRIAL_PARK}).json()
    assert found["results"][0]["registration_authority"] == "Suzhou Industrial Park"
    chinese = api_client_for(enterprise_user, language="zh-hans")
    detail = chinese.get(f"/api/v1/enterprises/{response.json()['id']}/").json()
    assert detail["registration_authority"] == "苏州工业园区"
