"""The inbox shows a user's own notifications and marks them read."""

import pytest
from django.test import Client

from accounts.models import Notification
from accounts.services import notification_send
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


def test_inbox_lists_own_messages_and_marks_them_read(django_assert_max_num_queries):
    me, other = mf.UserFactory(), mf.UserFactory()
    for n in range(12):
        notification_send(
            recipients=[me], key=f"k{n}", kind="application", subject=f"主题{n}", body="正文"
        )
    notification_send(
        recipients=[other], key="x", kind="application", subject="别人的消息", body=""
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(me)
    with django_assert_max_num_queries(8):
        page = client.get("/accounts/inbox/").content.decode()
    assert "主题11" in page and "别人的消息" not in page
    assert 'aria-label="unread">12<' in page
    client.post("/accounts/inbox/read/")
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    assert 'aria-label="unread"' not in client.get("/accounts/inbox/").content.decode()


def test_inbox_needs_sign_in(client):
    assert client.get("/accounts/inbox/").status_code == 302


def _emailed(kind: str, key: str, user) -> bool:
    """Was a notification of ``kind`` to ``user`` queued for email (an outbox row)?"""
    from core.models import OutboxMessage

    notification_send(recipients=[user], key=key, kind=kind, subject="主题", body="正文")
    note = Notification.objects.get(recipient=user, key=key)
    assert note.kind == kind  # in the inbox whatever the settings
    return OutboxMessage.objects.filter(
        kind="notification_email", payload={"notification_id": note.pk}
    ).exists()


def test_a_user_chooses_which_kinds_are_emailed_on_the_settings_page():
    me = mf.UserFactory(email="me@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(me)
    page = client.get("/accounts/inbox/preferences/").content.decode()
    assert "期限与提醒" in page  # the kinds, in Chinese
    assert _emailed("deadline", "d1", me) and _emailed("application", "a1", me)

    response = client.post("/accounts/inbox/preferences/", {"emailed": ["deadline"]})
    assert response.status_code == 302
    me.refresh_from_db()
    assert "application" in me.email_muted and "deadline" not in me.email_muted
    assert _emailed("deadline", "d2", me)
    assert not _emailed("application", "a2", me)

    response = client.post("/accounts/inbox/preferences/", {"emailed": ["nonsense"]})
    assert response.status_code == 200 and "nonsense" in response.content.decode()
    me.refresh_from_db()
    assert "deadline" not in me.email_muted  # nothing half-written


def test_the_api_reads_and_sets_the_emailed_kinds():
    from rest_framework.test import APIClient

    me = mf.UserFactory()
    client = APIClient()
    client.force_authenticate(me)
    assert set(client.get("/api/v1/me/").json()["emailed_kinds"]) == {
        "application",
        "deadline",
        "certificate",
        "account",
        "webhook",
    }
    response = client.patch("/api/v1/me/", {"emailed_kinds": ["certificate"]}, format="json")
    assert response.status_code == 200 and response.json()["emailed_kinds"] == ["certificate"]
    me.refresh_from_db()
    assert set(me.email_muted) == {"application", "deadline", "account", "webhook"}
    response = client.patch("/api/v1/me/", {"emailed_kinds": ["spam"]}, format="json")
    assert response.status_code == 400
    assert response.json()["code"]
    assert any(name.startswith("emailed_kinds") for name in response.json()["fields"])
