"""REST endpoints for enterprises and factories: scope, errors, atomicity, query counts."""

import pytest

from accounts.models import Role
from factories.models import Enterprise, Factory, Membership
from factories.validators import uscc_check_character
from regions.models import City
from tests import model_factories as mf
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def registration(**overrides):
    body = {
        "uscc": mf.make_uscc(),
        "name": "苏州接口测试有限公司",
        "city": "320500",
        "industry": "36",
        "above_designated_size": True,
        "factory": {"name": "接口一号工厂", "address": "苏州市 1 号", "city": "320500"},
    }
    body.update(overrides)
    return body


def test_enterprise_user_registers_through_the_api(enterprise_user):
    client = api_client_for(enterprise_user)
    response = client.post("/api/v1/enterprises/", registration(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["province"] == "32" and data["industry"] == "36"
    enterprise = Enterprise.objects.get(pk=data["id"])
    assert enterprise.factories.get().name == "接口一号工厂"
    listed = client.get("/api/v1/enterprises/").json()
    assert [row["id"] for row in listed["results"]] == [enterprise.pk]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"uscc": "91350100M000100Y44"}, "uscc", "check character"),
        ({"uscc": "913501"}, "uscc", "18 characters"),
        ({"city": "999999"}, "city", 'Unknown city code "999999"'),
        ({"industry": "99"}, "industry", 'Unknown industry code "99"'),
        ({"name": ""}, "name", ""),
    ],
)
def test_bad_registration_is_a_400_with_json_and_writes_nothing(
    enterprise_user, overrides, field, fragment
):
    client = api_client_for(enterprise_user)
    response = client.post("/api/v1/enterprises/", registration(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert field in body["fields"] and fragment in str(body["fields"][field])
    assert not Enterprise.objects.exists() and not Factory.objects.exists()


def test_bad_first_factory_city_is_reported_at_the_nested_field(enterprise_user):
    client = api_client_for(enterprise_user)
    body = registration(factory={"name": "x", "address": "y", "city": "000000"})
    response = client.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    assert "factory.city" in response.json()["fields"]
    assert not Enterprise.objects.exists()


def test_errors_are_in_chinese_by_default(enterprise_user):
    client = api_client_for(enterprise_user, language="zh-hans")
    body = registration(uscc="913501")
    response = client.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    assert "18" in response.json()["fields"]["uscc"][0]
    assert "characters long" not in response.json()["message"]


def test_duplicate_uscc_is_a_409_with_json(enterprise_user):
    existing = mf.EnterpriseFactory()
    client = api_client_for(enterprise_user)
    response = client.post(
        "/api/v1/enterprises/", registration(uscc=existing.uscc.lower()), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_uscc" and "uscc" in response.json()["fields"]
    assert Enterprise.objects.count() == 1 and not Membership.objects.exists()


def test_unknown_region_in_uscc_is_a_400(enterprise_user):
    body = "91990000MA0000001"
    response = api_client_for(enterprise_user).post(
        "/api/v1/enterprises/",
        registration(uscc=body + uscc_check_character(body)),
        format="json",
    )
    assert response.status_code == 400
    assert "province" in response.json()["fields"]["uscc"][0]


def test_enterprise_user_cannot_see_or_change_another_enterprise(enterprise_user):
    mine = mf.FactoryFactory()
    mf.member_of(enterprise_user, mine.enterprise)
    theirs = mf.FactoryFactory()
    client = api_client_for(enterprise_user)

    assert client.get(f"/api/v1/enterprises/{theirs.enterprise_id}/").status_code == 404
    assert client.get(f"/api/v1/factories/{theirs.pk}/").status_code == 404
    response = client.patch(
        f"/api/v1/enterprises/{theirs.enterprise_id}/", {"name": "hijacked"}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.patch(f"/api/v1/factories/{theirs.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 404
    response = client.post(
        "/api/v1/factories/",
        {
            "enterprise": theirs.enterprise_id,
            "name": "x",
            "address": "y",
            "city": "320500",
            "industry": "35",
        },
        format="json",
    )
    assert response.status_code == 404
    theirs.enterprise.refresh_from_db()
    assert theirs.enterprise.name != "hijacked" and Factory.objects.count() == 2
    listed = client.get("/api/v1/factories/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]


def test_member_edits_own_enterprise_and_adds_a_factory(enterprise_user):
    mine = mf.FactoryFactory()
    mf.member_of(enterprise_user, mine.enterprise)
    client = api_client_for(enterprise_user)
    response = client.patch(
        f"/api/v1/enterprises/{mine.enterprise_id}/", {"name": "新名称"}, format="json"
    )
    assert response.status_code == 200 and response.json()["name"] == "新名称"
    response = client.post(
        "/api/v1/factories/",
        {
            "enterprise": mine.enterprise_id,
            "name": "二号工厂",
            "address": "y",
            "city": "320100",
            "industry": "35",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["province"] == "32"


def test_officials_read_but_cannot_write(jiangsu_official):
    factory = mf.FactoryFactory()
    client = api_client_for(jiangsu_official)
    assert client.get(f"/api/v1/enterprises/{factory.enterprise_id}/").status_code == 200
    response = client.patch(
        f"/api/v1/enterprises/{factory.enterprise_id}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = client.post("/api/v1/enterprises/", registration(), format="json")
    assert response.status_code == 403


def test_provincial_official_api_sees_only_own_province(jiangsu_official):
    jiangsu = mf.FactoryFactory(city=City.objects.get(code="320100"))
    zhejiang = mf.FactoryFactory(enterprise__city=City.objects.get(code="330100"))
    client = api_client_for(jiangsu_official)
    ids = [row["id"] for row in client.get("/api/v1/factories/").json()["results"]]
    assert ids == [jiangsu.pk]
    assert client.get(f"/api/v1/factories/{zhejiang.pk}/").status_code == 404
    filtered = client.get("/api/v1/enterprises/", {"province": "33"}).json()
    assert len(filtered["results"]) == 0


def test_anonymous_gets_401_json(api_client):
    response = api_client.get("/api/v1/factories/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_token_authentication_carries_the_owner_scope(enterprise_user, api_client):
    from accounts.services import api_token_create

    mine = mf.FactoryFactory()
    mf.member_of(enterprise_user, mine.enterprise)
    mf.FactoryFactory()
    _token, secret = api_token_create(user=enterprise_user, name="client")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = api_client.get("/api/v1/factories/")
    assert response.status_code == 200 and len(response.json()["results"]) == 1


@pytest.mark.parametrize("size", [5, 40])
def test_lists_use_a_bounded_number_of_queries(miit_reviewer, django_assert_max_num_queries, size):
    for _ in range(size):
        mf.FactoryFactory()
    client = api_client_for(miit_reviewer)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/factories/", {"page_size": 100})
    assert len(response.json()["results"]) == size
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/enterprises/", {"page_size": 100})
    assert len(response.json()["results"]) == size


def test_schema_and_docs_are_served_without_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/enterprises/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


def test_me_reports_role_and_scope(suzhou_official):
    data = api_client_for(suzhou_official).get("/api/v1/me/").json()
    assert data["role"] == Role.CITY_OFFICIAL
    assert data["scope"] == {"level": "city", "province": "32", "city": "320500"}
