"""The admin keeps the derived location fields right: province and "away" follow the city."""

from __future__ import annotations

import pytest

from accounts.services import user_create
from factories.models import Factory
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        user_create(username="root", password="pw-for-tests-1", role="platform_admin")
    )
    return client


def test_moving_a_factory_in_the_admin_moves_its_province_and_away_flag(admin_client):
    factory = mf.FactoryFactory()
    response = admin_client.post(
        f"/admin/factories/factory/{factory.pk}/change/",
        {
            "enterprise": factory.enterprise_id,
            "name": factory.name,
            "address": factory.address,
            "city": "330100",  # Hangzhou, another province
            "industry": factory.industry_id,
        },
    )
    assert response.status_code == 302, response.content[:500]
    factory.refresh_from_db()
    assert (factory.city_id, factory.province_id, factory.away) == ("330100", "33", True)


def test_moving_an_enterprise_in_the_admin_marks_its_factories(admin_client):
    factory = mf.FactoryFactory()
    enterprise = factory.enterprise
    data = {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "city": "320100",
        "industry": enterprise.industry_id,
        "above_designated_size": "on",
        "factories-TOTAL_FORMS": "1",
        "factories-INITIAL_FORMS": "1",
        "factories-0-id": factory.pk,
        "factories-0-enterprise": enterprise.pk,
        "factories-0-name": factory.name,
        "factories-0-address": factory.address,
        "factories-0-city": factory.city_id,
        "factories-0-industry": factory.industry_id,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/factories/enterprise/{enterprise.pk}/change/", data)
    assert response.status_code == 302, response.content[:800]
    enterprise.refresh_from_db()
    assert (enterprise.city_id, enterprise.province_id) == ("320100", "32")
    assert Factory.objects.get(pk=factory.pk).away is True
