"""Self sign-up of enterprise users, verified by an emailed link; the link sent again; password
reset (which revokes API tokens). Nothing here tells a visitor whether an address has an
account."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, Role, User
from accounts.services import api_token_create
from tests import model_factories as mf
from tests.accounts.conftest import link_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

PASSWORD = "Wide-river-2027!"


def form(**changes):
    data = {
        "username": "zhang.san",
        "email": "zhang.san@example.com",
        "name": "张三",
        "phone": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def sign_up(committing, client=None, **changes):
    client = client or Client(HTTP_ACCEPT_LANGUAGE="en")
    return client, committing(client.post, "/accounts/signup/", form(**changes))


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_sign_up_makes_an_inactive_enterprise_user_and_emails_one_link(committing):
    _client, response = sign_up(committing, phone="0512-1234567")
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done/"
    user = User.objects.get(username="zhang.san")
    assert (user.role, user.is_active, user.awaiting_verification) == (
        Role.ENTERPRISE_USER,
        False,
        True,
    )
    assert (user.email, user.first_name, user.phone, user.language) == (
        "zhang.san@example.com",
        "张三",
        "0512-1234567",
        "en",
    )
    assert user.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhang.san@example.com"]
    assert "Smart-factory tier certification portal" in message.subject
    assert link_in(message.body, "/accounts/verify/")
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html" and "/accounts/verify/" in html and "<a href=" in html


def test_sign_up_never_makes_another_role(committing):
    authority = mf.official(Role.CITY_OFFICIAL, "320500-industry-it").authority
    sign_up(
        committing,
        role=Role.PLATFORM_ADMIN,
        is_staff="on",
        is_superuser="on",
        is_active="on",
        authority=authority.pk,
    )
    user = User.objects.get(username="zhang.san")
    assert user.role == Role.ENTERPRISE_USER
    assert not (user.is_staff or user.is_superuser or user.is_active or user.authority_id)


def test_the_link_activates_the_account_and_signs_the_user_in(committing):
    client, _response = sign_up(committing)
    path = link_in(mail.outbox[0].body, "/accounts/verify/")
    page = client.get(path)  # a page with a button: mail scanners opening links use up nothing
    assert page.status_code == 200 and "Activate and sign in" in page.content.decode()
    assert not User.objects.get(username="zhang.san").is_active
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/welcome/"
    user = User.objects.get(username="zhang.san")
    assert user.is_active and not user.awaiting_verification
    assert signed_in_as(client) == str(user.pk)
    welcome = client.get("/accounts/signup/welcome/").content.decode()
    assert "/enterprises/register/" in welcome and "/accounts/join/new/" in welcome
    # The session holds: the next page is still signed in.
    assert client.get("/").context["user"] == user


def test_the_link_works_once(committing):
    client, _response = sign_up(committing)
    path = link_in(mail.outbox[0].body, "/accounts/verify/")
    client.post(path)
    again = Client(HTTP_ACCEPT_LANGUAGE="en")
    for response in (again.get(path), again.post(path)):
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert signed_in_as(again) is None


def test_an_expired_link_is_refused_with_a_clear_page(committing, settings):
    settings.SIGNUP_VERIFICATION_DAYS = 3
    client, _response = sign_up(committing)
    path = link_in(mail.outbox[0].body, "/accounts/verify/")
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        response = client.post(path)
    page = response.content.decode()
    assert response.status_code == 410 and "This link has expired" in page
    assert 'action="/accounts/signup/resend/"' in page  # and a way to ask for a new one
    assert not User.objects.get(username="zhang.san").is_active
    assert signed_in_as(client) is None
    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert client.get(path).status_code == 200  # within the lifetime


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: "x" + token,  # the payload
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused_with_a_clear_page(committing, tamper):
    client, _response = sign_up(committing)
    path = link_in(mail.outbox[0].body, "/accounts/verify/")
    token = path.removeprefix("/accounts/verify/").rstrip("/")
    response = client.post(f"/accounts/verify/{tamper(token)}/")
    assert response.status_code == 400 and "This link is not valid" in response.content.decode()
    assert not User.objects.get(username="zhang.san").is_active


def test_a_link_for_another_state_of_the_account_is_refused(committing):
    """The link is bound to the account's address and password as they were."""
    client, _response = sign_up(committing)
    path = link_in(mail.outbox[0].body, "/accounts/verify/")
    User.objects.filter(username="zhang.san").update(email="someone.else@example.com")
    assert client.post(path).status_code == 400


def test_an_unverified_account_cannot_sign_in(committing):
    sign_up(committing)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"username": "zhang.san", "password": PASSWORD})
    assert response.status_code == 200 and signed_in_as(client) is None


def test_the_email_is_in_the_language_of_the_sign_up(committing):
    sign_up(committing, client=Client(HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert User.objects.get(username="zhang.san").language == "zh-hans"
    assert "智能工厂梯度认定平台" in mail.outbox[0].subject
    # Sent again later from an English page, it is still in the user's language.
    mail.outbox.clear()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    committing(client.post, "/accounts/signup/resend/", {"email": "zhang.san@example.com"})
    assert "智能工厂梯度认定平台" in mail.outbox[0].subject


def test_passwords_are_checked_by_djangos_validators(committing):
    _client, response = sign_up(committing, password1="12345678", password2="12345678")
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    _client, response = sign_up(committing, password2="Another-one-2027!")
    assert "password2" in response.context["form"].errors
    assert not User.objects.filter(username="zhang.san").exists() and not mail.outbox


def test_a_taken_username_is_a_field_error(committing):
    mf.UserFactory(username="Zhang.San")
    _client, response = sign_up(committing)
    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert not mail.outbox


def test_a_taken_address_gets_the_same_answer_and_no_second_account(committing):
    owner = mf.UserFactory(username="owner", email="zhang.san@example.com", language="en")
    _client, response = sign_up(committing, username="someone", email="Zhang.San@EXAMPLE.com")
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done/"
    assert not User.objects.filter(username="someone").exists()
    # The address's owner is told, and nothing in it activates anything.
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert "already belongs to the account" in message.body and "owner" in message.body
    assert "/accounts/verify/" not in message.body


def test_signing_up_again_with_an_unverified_address_sends_its_link_again(committing):
    sign_up(committing)
    sign_up(committing, username="other.name")
    assert User.objects.filter(email="zhang.san@example.com").count() == 1
    assert len(mail.outbox) == 2
    assert link_in(mail.outbox[1].body, "/accounts/verify/")


def test_the_sign_in_page_offers_sign_up_resend_and_reset():
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/").content.decode()
    for path in ("/accounts/signup/", "/accounts/signup/resend/", "/accounts/password_reset/"):
        assert f'href="{path}"' in page


def test_the_link_is_sent_again_only_to_accounts_awaiting_verification(committing):
    sign_up(committing)
    mail.outbox.clear()
    mf.UserFactory(username="deactivated", email="gone@example.com", is_active=False)
    mf.UserFactory(username="active", email="here@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    answers = {}
    for email in ("zhang.san@example.com", "gone@example.com", "here@example.com", "no@one.cn"):
        response = committing(client.post, "/accounts/signup/resend/", {"email": email})
        answers[email] = (response.status_code, response.context["sent"])
    assert set(answers.values()) == {(200, True)}  # the same answer for every address
    (message,) = mail.outbox
    assert message.to == ["zhang.san@example.com"]
    path = link_in(message.body, "/accounts/verify/")
    assert client.post(path).status_code == 302
    # A deactivated account is never activated by a link.
    assert not User.objects.get(username="deactivated").is_active


def test_sign_up_and_resend_are_limited_per_address(committing, settings):
    settings.ACCOUNT_EMAIL_RATE = "2/hour"
    sign_up(committing)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = committing(client.post, "/accounts/signup/resend/", {"email": "zhang.san@example.com"})
    assert first.status_code == 200
    refused = committing(
        client.post, "/accounts/signup/resend/", {"email": "ZHANG.SAN@example.com"}
    )
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    _client, refused = sign_up(committing, username="again")
    assert refused.status_code == 429
    assert len(mail.outbox) == 2
    # Another address is not affected.
    _client, response = sign_up(committing, username="li.si", email="li.si@example.com")
    assert response.status_code == 302


def test_sign_ups_are_limited_per_client_address(committing, settings):
    settings.SIGNUP_CLIENT_RATE = "2/hour"
    for n in range(2):
        _client, response = sign_up(committing, username=f"user{n}", email=f"u{n}@example.com")
        assert response.status_code == 302
    _client, response = sign_up(committing, username="user3", email="u3@example.com")
    assert response.status_code == 429 and not User.objects.filter(username="user3").exists()


def test_the_limits_let_requests_through_when_the_cache_is_down(committing, monkeypatch):
    from accounts import ratelimit

    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("no cache")

        incr = add

    monkeypatch.setattr(ratelimit, "cache", Down())
    _client, response = sign_up(committing)
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_sign_up_forms_need_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/signup/", form()).status_code == 403
    assert client.post("/accounts/signup/resend/", {"email": "a@b.cn"}).status_code == 403
    assert client.post("/accounts/password_reset/", {"email": "a@b.cn"}).status_code == 403
    assert not User.objects.filter(username="zhang.san").exists()


# --- Password reset --------------------------------------------------------------------------


def test_password_reset_emails_a_single_use_link_and_revokes_api_tokens():
    user = mf.UserFactory(username="reset.me", email="reset.me@example.com")
    _token, secret = api_token_create(user=user, name="erp")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/password_reset/", {"email": "Reset.Me@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    assert message.to == ["reset.me@example.com"] and message.alternatives
    assert "Smart-factory tier certification portal" in message.subject
    path = link_in(message.body, "/accounts/password_reset/")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_password_path = form_page.redirect_chain[-1][0]
    new = "Another-long-pass-2027"
    done = client.post(set_password_path, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/accounts/password_reset/complete/"
    user.refresh_from_db()
    assert user.check_password(new)
    assert not ApiToken.objects.filter(user=user).exists()  # the signals revoked the token
    assert secret  # (the secret was real: test_api_tokens shows such a secret works until then)
    # The link is used up.
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(path, follow=True)
    assert not again.context["validlink"]
    assert "expired or has already been used" in again.content.decode()


def test_password_reset_does_not_tell_whether_an_address_has_an_account():
    mf.UserFactory(username="known", email="known@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    known = client.post("/accounts/password_reset/", {"email": "known@example.com"})
    unknown = client.post("/accounts/password_reset/", {"email": "unknown@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_password_reset_is_limited_per_address_silently(settings):
    settings.ACCOUNT_EMAIL_RATE = "1/hour"
    mf.UserFactory(username="known", email="known@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(3):
        response = client.post("/accounts/password_reset/", {"email": "known@example.com"})
        assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_password_reset_email_is_in_the_users_language():
    mf.UserFactory(username="zh", email="zh@example.com", language="zh-hans")
    Client(HTTP_ACCEPT_LANGUAGE="en").post("/accounts/password_reset/", {"email": "zh@example.com"})
    assert "智能工厂梯度认定平台" in mail.outbox[0].subject


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_password_reset_pages_render_in_both_languages(language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for path in (
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/password_reset/complete/",
        "/accounts/signup/",
        "/accounts/signup/done/",
        "/accounts/signup/resend/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in response.content.decode(), path
