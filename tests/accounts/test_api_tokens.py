"""API tokens: stored as a hash, shown once, named, expiring, listed and revoked by their owner,
revoked with a password change or a deactivation, read in one query."""

import importlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role, User
from accounts.services import api_token_create
from accounts.tokens import token_secret_hash
from tests import model_factories as mf

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def token_client(secret: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def works(secret: str) -> bool:
    return token_client(secret).get("/api/v1/me/").status_code == 200


def test_a_created_token_is_shown_once_and_stored_only_as_its_hash(enterprise_user, settings):
    settings.API_TOKEN_DAYS = 30
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(enterprise_user)  # a browser session
    response = client.post("/api/v1/tokens/", {"name": "bank link"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["token"]
    assert len(secret) >= 40 and body["name"] == "bank link"
    assert "no-store" in response["Cache-Control"]
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.key_hash == token_secret_hash(secret)
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)
    me = token_client(secret).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == enterprise_user.username
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["bank link"]
    assert "token" not in listed[0] and secret.startswith(listed[0]["prefix"])


def test_a_token_cannot_create_tokens(enterprise_user):
    _token, secret = api_token_create(user=enterprise_user, name="first")
    response = token_client(secret).post("/api/v1/tokens/", {"name": "more"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "token_cannot_create_tokens"
    assert ApiToken.objects.count() == 1


def test_a_user_lists_and_revokes_only_their_own(enterprise_user):
    other = mf.UserFactory()
    mine, secret = api_token_create(user=enterprise_user, name="mine")
    theirs, their_secret = api_token_create(user=other, name="theirs")
    client = token_client(secret)
    assert [row["id"] for row in client.get("/api/v1/tokens/").json()["results"]] == [mine.pk]
    assert client.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert works(their_secret)
    assert client.delete(f"/api/v1/tokens/{mine.pk}/").status_code == 204
    assert not works(secret)
    huge = token_client(their_secret).delete("/api/v1/tokens/99999999999999999999/")
    assert huge.status_code == 404


def test_an_expired_token_is_refused(enterprise_user, settings):
    settings.API_TOKEN_DAYS = 90
    _token, secret = api_token_create(user=enterprise_user, name="short")
    with time_machine.travel(timezone.now() + timedelta(days=89), tick=False):
        assert works(secret)
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        response = token_client(secret).get("/api/v1/me/")
        assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_token_authentication_is_one_query(django_assert_num_queries):
    official = mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
    _token, secret = api_token_create(user=official, name="t")
    client = token_client(secret)
    with django_assert_num_queries(1):
        response = client.get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["scope"]["province"] == "32"


def test_a_password_change_through_the_form_revokes_every_token(enterprise_user):
    _a, first = api_token_create(user=enterprise_user, name="a")
    _b, second = api_token_create(user=enterprise_user, name="b")
    client = Client()
    client.force_login(enterprise_user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "A-much-longer-pass-2027",
            "new_password2": "A-much-longer-pass-2027",
        },
    )
    assert response.status_code == 302
    assert not works(first) and not works(second)
    assert not ApiToken.objects.filter(user=enterprise_user).exists()


def test_a_password_set_by_the_admin_revokes_the_tokens(enterprise_user):
    admin = mf.UserFactory(role=Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True)
    _token, secret = api_token_create(user=enterprise_user, name="a")
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{enterprise_user.pk}/password/",
        {"password1": "Another-long-pass-2027", "password2": "Another-long-pass-2027"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not works(secret)


def test_set_password_and_deactivation_revoke_but_other_saves_do_not(enterprise_user):
    _token, secret = api_token_create(user=enterprise_user, name="a")
    user = User.objects.get(pk=enterprise_user.pk)
    user.first_name = "Renamed"
    user.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    user.set_password(PASSWORD)  # the same password, hashed again: no change
    user.save()
    assert works(secret)
    user.set_password("Brand-new-pass-2027")
    user.save()
    assert not works(secret)

    _token, secret = api_token_create(user=user, name="b")
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert not works(secret)  # reactivating does not bring the token back


def test_the_account_page_creates_lists_and_revokes(enterprise_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(enterprise_user)
    response = client.post("/accounts/tokens/", {"name": "erp"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=enterprise_user)
    page = response.content.decode()
    secret = page.split('<code class="user-select-all">')[1].split("</code>")[0]
    assert token.key_hash == token_secret_hash(secret) and works(secret)
    assert "no-store" in response["Cache-Control"]
    again = client.get("/accounts/tokens/").content.decode()
    assert "erp" in again and secret not in again
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and not works(secret)


def test_existing_clear_text_tokens_are_hashed_by_the_migration(enterprise_user, settings):
    """The data migration reads rest_framework.authtoken's table (no longer installed) when it
    exists, keeps each key working as a hashed token, and deletes the clear text."""
    settings.API_TOKEN_DAYS = 90
    migration = importlib.import_module("accounts.migrations.0004_hash_existing_authtoken_keys")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamptz NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, now(), %s)", [old_key, enterprise_user.pk]
        )
    with connection.schema_editor() as editor:
        migration.hash_existing_keys(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    token = ApiToken.objects.get(user=enterprise_user)
    assert token.key_hash == token_secret_hash(old_key)
    assert token.expires_at > timezone.now() + timedelta(days=89)
    assert works(old_key)


def test_the_command_prints_a_working_secret(enterprise_user, capsys):
    from django.core.management import call_command

    call_command("api_token_create", enterprise_user.username, "erp")
    secret = capsys.readouterr().out.strip()
    assert works(secret) and ApiToken.objects.get(user=enterprise_user).name == "erp"
