"""A provincial official makes the accounts of their province's city officials, and only of
their province; the new official sets a password through an emailed link."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Role, User
from accounts.services import city_official_create
from core.errors import PermissionDenied
from regions.models import Authority
from tests import model_factories as mf
from tests.accounts.conftest import link_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def form(authority: Authority, **changes):
    data = {
        "authority": authority.pk,
        "username": "wuxi_official",
        "name": "无锡市工信局 李科长",
        "email": "li@wuxi.example.cn",
        "phone": "",
    }
    data.update(changes)
    return data


def test_the_list_shows_the_city_officials_of_the_province_only(jiangsu_official, suzhou_official):
    hangzhou = mf.official(Role.CITY_OFFICIAL, "330100-industry-it")
    page = client_for(jiangsu_official).get("/accounts/officials/")
    assert page.status_code == 200
    assert list(page.context["page"]) == [suzhou_official]
    assert hangzhou.username not in page.content.decode()


def test_a_provincial_official_makes_a_city_officials_account(committing, jiangsu_official):
    wuxi = Authority.objects.get(code="320200-industry-it")
    client = client_for(jiangsu_official)
    choices = client.get("/accounts/officials/new/").context["form"].fields["authority"].queryset
    assert set(choices.values_list("province_id", "level")) == {("32", "city")}
    response = committing(client.post, "/accounts/officials/new/", form(wuxi))
    assert response.status_code == 302 and response["Location"] == "/accounts/officials/"
    user = User.objects.get(username="wuxi_official")
    assert (user.role, user.authority, user.is_active, user.email) == (
        Role.CITY_OFFICIAL,
        wuxi,
        True,
        "li@wuxi.example.cn",
    )
    assert not (user.is_staff or user.is_superuser)
    (message,) = mail.outbox
    assert message.to == ["li@wuxi.example.cn"] and message.alternatives
    # The emailed link sets the password; then the official signs in with it.
    path = link_in(message.body, "/accounts/password_reset/")
    official = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = official.get(path, follow=True)
    assert page.context["validlink"]
    new = "Taihu-lake-2027!"
    official.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    signed_in = Client().post("/accounts/login/", {"username": "wuxi_official", "password": new})
    assert signed_in.status_code == 302


def test_never_for_another_province(jiangsu_official):
    hangzhou = Authority.objects.get(code="330100-industry-it")
    response = client_for(jiangsu_official).post("/accounts/officials/new/", form(hangzhou))
    assert response.status_code == 200 and "authority" in response.context["form"].errors
    assert not User.objects.filter(username="wuxi_official").exists()
    with pytest.raises(PermissionDenied, match="city bureaus of your province"):
        city_official_create(
            actor=jiangsu_official,
            authority=hangzhou,
            username="wuxi_official",
            email="x@example.cn",
            name="x",
            site_url="http://testserver",
        )
    # Nor for an authority of the province that is not a city bureau.
    with pytest.raises(PermissionDenied):
        city_official_create(
            actor=jiangsu_official,
            authority=Authority.objects.get(code="32-industry-it"),
            username="wuxi_official",
            email="x@example.cn",
            name="x",
            site_url="http://testserver",
        )
    assert not User.objects.filter(username="wuxi_official").exists() and not mail.outbox


@pytest.mark.parametrize("role", [Role.CITY_OFFICIAL, Role.MIIT_REVIEWER, Role.ENTERPRISE_USER])
def test_other_roles_cannot_make_officials(role):
    authority = {
        Role.CITY_OFFICIAL: "320500-industry-it",
        Role.MIIT_REVIEWER: "miit",
        Role.ENTERPRISE_USER: None,
    }[role]
    user = mf.official(role, authority) if authority else mf.UserFactory(role=role)
    client = client_for(user)
    assert client.get("/accounts/officials/").status_code == 403
    wuxi = Authority.objects.get(code="320200-industry-it")
    assert client.post("/accounts/officials/new/", form(wuxi)).status_code == 403
    assert not User.objects.filter(username="wuxi_official").exists()


def test_a_taken_username_or_address_is_a_field_error(jiangsu_official, suzhou_official):
    wuxi = Authority.objects.get(code="320200-industry-it")
    mf.UserFactory(username="taken", email="taken@example.cn")
    client = client_for(jiangsu_official)
    by_name = client.post("/accounts/officials/new/", form(wuxi, username="TAKEN"))
    assert "username" in by_name.context["form"].errors
    by_email = client.post("/accounts/officials/new/", form(wuxi, email="Taken@example.cn"))
    assert "email" in by_email.context["form"].errors
    assert not mail.outbox


def test_provincial_officials_find_the_page_on_their_home(jiangsu_official):
    page = client_for(jiangsu_official).get("/").content.decode()
    assert 'href="/accounts/officials/"' in page
