"""One sign-in lockout (django-axes) for every way in: the site's form and the admin's.

Keyed on the user name and the client address together; the address is the connection's unless
TRUSTED_PROXY_COUNT proxies are trusted to write X-Forwarded-For.
"""

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory

from accounts.models import Role
from tests import model_factories as mf

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # model_factories.UserFactory's


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def staff():
    return mf.UserFactory(username="chief", role=Role.PLATFORM_ADMIN, is_staff=True)


def attempt(path: str, username: str, password: str, address: str = "10.0.0.1", **extra):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **extra)
    response = client.post(path, {"username": username, "password": password})
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(path: str, username: str, times: int, **kwargs) -> None:
    for _ in range(times):
        _client, response = attempt(path, username, "wrong", **kwargs)
        assert response.status_code in (200, 429)


def test_failures_at_the_site_login_lock_the_admin_login_too(staff):
    fail("/accounts/login/", "chief", 3)
    client, response = attempt("/admin/login/", "chief", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_guesses_at_the_admin_login_are_limited(staff):
    fail("/admin/login/", "chief", 3)
    for path in ("/admin/login/", "/accounts/login/"):
        client, response = attempt(path, "chief", PASSWORD)
        assert response.status_code == 429, path
        assert not signed_in(client)


def test_the_lockout_page_is_a_translated_page():
    mf.UserFactory(username="target")
    fail("/accounts/login/", "target", 3)
    _client, english = attempt("/accounts/login/", "target", PASSWORD)
    page = english.content.decode()
    assert english.status_code == 429 and english["Retry-After"]
    assert "<html" in page and "Too many failed sign-ins" in page and "Sign-in locked" in page
    chinese = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/accounts/login/", {"username": "target", "password": PASSWORD}
    )
    assert chinese.status_code == 429
    assert "登录失败次数过多，请15分钟后再试。" in chinese.content.decode()


def test_one_address_cannot_lock_a_user_out_everywhere():
    user = mf.UserFactory(username="target")
    other = mf.UserFactory(username="bystander")
    fail("/accounts/login/", "target", 3, address="10.0.0.66")
    client, response = attempt("/accounts/login/", "target", PASSWORD, address="10.0.0.7")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    client, response = attempt("/accounts/login/", "bystander", PASSWORD, address="10.0.0.66")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(other.pk)


def test_a_made_up_forwarded_for_does_not_escape_the_lockout():
    mf.UserFactory(username="target")
    for n in range(3):
        attempt("/accounts/login/", "target", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    client, response = attempt(
        "/accounts/login/", "target", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"
    )
    assert response.status_code == 429 and not signed_in(client)


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = mf.UserFactory(username="target")
    # Through one proxy (REMOTE_ADDR): the client wrote the left part, the proxy the right one.
    for _ in range(3):
        attempt(
            "/accounts/login/",
            "target",
            "wrong",
            address="10.9.9.9",
            HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5",
        )
    client, response = attempt(
        "/accounts/login/",
        "target",
        PASSWORD,
        address="10.9.9.9",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5",
    )
    assert response.status_code == 429 and not signed_in(client)
    # Another client behind the same proxy is not locked out.
    client, response = attempt(
        "/accounts/login/",
        "target",
        PASSWORD,
        address="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_attempts_are_logged_and_a_command_lifts_the_lockout():
    from axes.models import AccessAttempt

    user = mf.UserFactory(username="target")
    fail("/accounts/login/", "target", 3)
    logged = AccessAttempt.objects.get(username="target")
    assert logged.failures_since_start == 3 and logged.ip_address == "10.0.0.1"
    call_command("axes_reset_username", "target", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client, response = attempt("/accounts/login/", "target", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_success_starts_the_count_again():
    mf.UserFactory(username="target")
    fail("/accounts/login/", "target", 2)
    _client, response = attempt("/accounts/login/", "target", PASSWORD)
    assert response.status_code == 302
    fail("/accounts/login/", "target", 2)
    _client, response = attempt("/accounts/login/", "target", PASSWORD)
    assert response.status_code == 302


def test_the_api_lockout_answer_is_the_error_json():
    from accounts.views import locked_out

    request = RequestFactory().post("/api/v1/tokens/")
    response = locked_out(request, None, {"username": "target"})
    assert response.status_code == 429 and response["Content-Type"] == "application/json"
    import json

    body = json.loads(response.content)
    assert body["code"] == "locked_out" and body["message"]
