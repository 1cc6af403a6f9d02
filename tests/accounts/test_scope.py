"""Scope: one place decides what each role sees."""

import pytest

from accounts.models import Role, ScopeLevel
from accounts.selectors import scope_for
from accounts.services import user_create
from core.errors import DomainError
from regions.models import Authority
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "authority", "level", "province", "city"),
    [
        (Role.ENTERPRISE_USER, None, ScopeLevel.ENTERPRISE, None, None),
        (Role.CITY_OFFICIAL, "320500-industry-it", ScopeLevel.CITY, "32", "320500"),
        (Role.PROVINCIAL_OFFICIAL, "32-industry-it", ScopeLevel.PROVINCE, "32", None),
        (Role.JOINT_REVIEWER, "32-industry-it", ScopeLevel.PROVINCE, "32", None),
        (Role.MIIT_REVIEWER, "miit", ScopeLevel.NATIONAL, None, None),
        (Role.EXPERT, None, ScopeLevel.ASSIGNMENTS, None, None),
        (Role.PLATFORM_ADMIN, None, ScopeLevel.NATIONAL, None, None),
    ],
)
def test_scope_follows_role_and_authority(role, authority, level, province, city):
    user = user_create(
        username=f"u-{role}",
        password="pw-for-tests-1",
        role=role,
        authority=Authority.objects.get(code=authority) if authority else None,
    )
    scope = scope_for(user)
    assert (scope.level, scope.province_code, scope.city_code) == (level, province, city)


def test_official_without_matching_authority_is_refused():
    with pytest.raises(DomainError) as info:
        user_create(
            username="bad",
            password="pw-for-tests-1",
            role=Role.CITY_OFFICIAL,
            authority=Authority.objects.get(code="32-industry-it"),
        )
    assert info.value.code == "authority_mismatch" and "authority" in info.value.fields


def test_inactive_user_sees_nothing():
    user = mf.official(Role.MIIT_REVIEWER, "miit", is_active=False)
    assert scope_for(user).level == ScopeLevel.ASSIGNMENTS


def test_admin_refuses_an_authority_that_does_not_fit_the_role(client):
    admin_user = user_create(username="root", password="pw-for-tests-1", role=Role.PLATFORM_ADMIN)
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newofficial",
            "password1": "A-long-pass-2026",
            "password2": "A-long-pass-2026",
            "usable_password": "true",
            "role": Role.CITY_OFFICIAL,
            "authority": Authority.objects.get(code="32-industry-it").pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "needs an authority" in str(response.context["adminform"].form.errors["authority"])
    from accounts.models import User

    assert not User.objects.filter(username="newofficial").exists()
