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
        notification_send(recipients=[me], key=f"k{n}", subject=f"主题{n}", body="正文")
    notification_send(recipients=[other], key="x", subject="别人的消息", body="")
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
