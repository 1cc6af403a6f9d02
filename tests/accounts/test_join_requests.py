"""Asking to join an enterprise: its administrators (and only they) see and decide the request;
the requester is told, in the inbox and by email. Registering a credit code that is taken offers
to join instead."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import JoinRequest, Notification, Role
from accounts.services import join_request_approve, join_request_create
from core.errors import NotFound, PermissionDenied
from factories.models import Membership
from tests import model_factories as mf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def enterprise():
    return mf.EnterpriseFactory()


@pytest.fixture
def admin(enterprise):
    user = mf.UserFactory(username="boss", email="boss@example.com", language="en")
    Membership.objects.create(user=user, enterprise=enterprise, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def member(enterprise):
    user = mf.UserFactory(username="clerk", email="clerk@example.com")
    Membership.objects.create(user=user, enterprise=enterprise, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def requester():
    return mf.UserFactory(username="newcomer", email="newcomer@example.com", language="en")


@pytest.fixture
def outsider():
    user = mf.UserFactory(username="elsewhere")
    other = mf.EnterpriseFactory()
    Membership.objects.create(user=user, enterprise=other, role=Membership.Role.ADMIN)
    return user


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ask(committing, requester, enterprise, message="采购部 王五"):
    response = committing(
        client_for(requester).post,
        "/accounts/join/new/",
        {"uscc": enterprise.uscc.lower(), "message": message},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return JoinRequest.objects.get(user=requester, enterprise=enterprise)


def test_a_request_reaches_the_administrators_only(
    committing, enterprise, admin, member, requester
):
    join_request = ask(committing, requester, enterprise)
    assert join_request.status == JoinRequest.Status.PENDING
    assert join_request.message == "采购部 王五"
    (note,) = Notification.objects.filter(key=f"join-request:{join_request.pk}")
    assert note.recipient == admin
    assert "newcomer" in note.subject and enterprise.name in note.subject
    assert f"/accounts/join/{join_request.pk}/" in note.body
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    # The administrator finds it among the requests waiting for them.
    page = client_for(admin).get("/accounts/join/")
    assert list(page.context["to_decide"]) == [join_request]
    assert not list(client_for(member).get("/accounts/join/").context["to_decide"])


def test_the_join_page_is_prefilled_with_the_credit_code(requester, enterprise):
    page = client_for(requester).get(f"/accounts/join/new/?uscc={enterprise.uscc}")
    assert f'value="{enterprise.uscc}"' in page.content.decode()


def test_a_request_is_refused_when_it_cannot_be_made(committing, enterprise, admin, requester):
    client = client_for(requester)
    unknown = client.post("/accounts/join/new/", {"uscc": mf.make_uscc()})
    assert "No enterprise with this credit code" in unknown.content.decode()
    ask(committing, requester, enterprise)
    twice = client.post("/accounts/join/new/", {"uscc": enterprise.uscc})
    assert "already asked to join" in twice.content.decode()
    mine = client_for(admin).post("/accounts/join/new/", {"uscc": enterprise.uscc})
    assert "already a member" in mine.content.decode()
    assert JoinRequest.objects.count() == 1


def test_officials_cannot_ask_to_join(enterprise, suzhou_official):
    response = client_for(suzhou_official).post("/accounts/join/new/", {"uscc": enterprise.uscc})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        join_request_create(actor=suzhou_official, uscc=enterprise.uscc, site_url="http://x")


def test_an_administrator_approves_and_the_requester_becomes_a_member(
    committing, enterprise, admin, requester
):
    join_request = ask(committing, requester, enterprise)
    mail.outbox.clear()
    client = client_for(admin)
    page = client.get(f"/accounts/join/{join_request.pk}/").content.decode()
    assert f'action="/accounts/join/{join_request.pk}/approve/"' in page
    response = committing(client.post, f"/accounts/join/{join_request.pk}/approve/")
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert join_request.decided_by == admin and join_request.decided_at
    membership = Membership.objects.get(user=requester, enterprise=enterprise)
    assert membership.role == Membership.Role.MEMBER
    (note,) = Notification.objects.filter(recipient=requester)
    assert "You are now a member" in note.subject
    assert [m.to for m in mail.outbox] == [["newcomer@example.com"]]
    # The enterprise is now in the requester's portal.
    assert client_for(requester).get(f"/enterprises/{enterprise.pk}/").status_code == 200
    # Deciding twice is refused.
    with pytest.raises(Exception, match="already been decided"):
        join_request_approve(actor=admin, join_request_id=join_request.pk, site_url="http://x")


def test_an_administrator_rejects_with_a_reason(committing, enterprise, admin, requester):
    join_request = ask(committing, requester, enterprise)
    client = client_for(admin)
    no_reason = client.post(f"/accounts/join/{join_request.pk}/reject/", {"reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.context["reject_form"].errors
    response = committing(
        client.post,
        f"/accounts/join/{join_request.pk}/reject/",
        {"reason": "We do not know you."},
    )
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert (join_request.status, join_request.reason) == ("rejected", "We do not know you.")
    assert not Membership.objects.filter(user=requester, enterprise=enterprise).exists()
    (note,) = Notification.objects.filter(recipient=requester)
    assert "rejected" in note.subject and "We do not know you." in note.body
    # The requester sees the decision and its reason, and may ask again.
    page = client_for(requester).get(f"/accounts/join/{join_request.pk}/").content.decode()
    assert "We do not know you." in page and "/approve/" not in page
    ask_again = client_for(requester).post("/accounts/join/new/", {"uscc": enterprise.uscc})
    assert ask_again.status_code == 302


def test_a_member_who_is_not_an_administrator_cannot_decide(
    committing, enterprise, admin, member, requester
):
    join_request = ask(committing, requester, enterprise)
    client = client_for(member)
    # The request is not theirs to see either.
    assert client.get(f"/accounts/join/{join_request.pk}/").status_code == 404
    assert client.post(f"/accounts/join/{join_request.pk}/approve/").status_code == 404
    with pytest.raises(NotFound):
        join_request_approve(actor=member, join_request_id=join_request.pk, site_url="http://x")
    # The requester sees the request but cannot decide it.
    own = client_for(requester)
    assert "/approve/" not in own.get(f"/accounts/join/{join_request.pk}/").content.decode()
    own.post(f"/accounts/join/{join_request.pk}/approve/")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=requester, enterprise=enterprise).exists()
    with pytest.raises(PermissionDenied):
        join_request_approve(actor=requester, join_request_id=join_request.pk, site_url="http://x")


def test_a_user_of_another_enterprise_cannot_see_the_request(
    committing, enterprise, admin, requester, outsider
):
    join_request = ask(committing, requester, enterprise)
    client = client_for(outsider)
    assert client.get(f"/accounts/join/{join_request.pk}/").status_code == 404
    assert (
        client.post(f"/accounts/join/{join_request.pk}/reject/", {"reason": "x"}).status_code == 404
    )
    assert not list(client.get("/accounts/join/").context["to_decide"])
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_notifications_are_in_each_administrators_language(committing, enterprise, requester):
    for username, language in (("en_admin", "en"), ("zh_admin", "zh-hans")):
        user = mf.UserFactory(username=username, language=language)
        Membership.objects.create(user=user, enterprise=enterprise, role=Membership.Role.ADMIN)
    join_request = ask(committing, requester, enterprise)
    notes = Notification.objects.filter(key=f"join-request:{join_request.pk}")
    assert sorted(n.recipient.username for n in notes) == ["en_admin", "zh_admin"]
    english = notes.get(recipient__username="en_admin")
    assert english.subject.startswith("newcomer asks to join")


def test_registering_a_taken_credit_code_offers_to_join(enterprise, requester):
    form = {
        "uscc": enterprise.uscc,
        "name": "另一家公司",
        "city": enterprise.city_id,
        "industry": enterprise.industry_id,
        "factory_name": "一号工厂",
        "factory_address": "某路 1 号",
        "factory_city": enterprise.city_id,
    }
    response = client_for(requester).post("/enterprises/register/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "already registered" in page
    assert f'href="/accounts/join/new/?uscc={enterprise.uscc}"' in page
    assert "Request to join this enterprise" in page


def test_sign_up_leads_to_joining(committing, enterprise, admin):
    """From sign-up to a request: the welcome page links to the join page."""
    user = mf.UserFactory(username="fresh", role=Role.ENTERPRISE_USER)
    page = client_for(user).get("/accounts/signup/welcome/").content.decode()
    assert 'href="/accounts/join/new/"' in page
    ask(committing, user, enterprise)


def test_the_demo_has_a_request_waiting_for_its_administrator(settings, tmp_path):
    from django.core.management import call_command

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115  (idempotent)
    (join_request,) = JoinRequest.objects.all()
    assert join_request.status == JoinRequest.Status.PENDING
    assert join_request.user.username == "ent_hangzhou"
    boss = join_request.enterprise.memberships.get(role=Membership.Role.ADMIN).user
    assert boss.username == "ent_suzhou"
    assert list(client_for(boss).get("/accounts/join/").context["to_decide"]) == [join_request]
