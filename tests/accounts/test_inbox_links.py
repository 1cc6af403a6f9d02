"""Inbox messages link to their object: join requests, in both directions."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from accounts.services import join_request_approve, join_request_create
from factories.models import Membership
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


def test_join_request_messages_link_to_the_request(django_capture_on_commit_callbacks):
    enterprise = mf.EnterpriseFactory()
    admin = mf.UserFactory()
    Membership.objects.create(user=admin, enterprise=enterprise, role=Membership.Role.ADMIN)
    requester = mf.UserFactory()
    join_request = join_request_create(actor=requester, uscc=enterprise.uscc, site_url="http://x")
    link = reverse("join-request-detail", kwargs={"pk": join_request.pk})
    asked = Notification.objects.get(recipient=admin)
    assert asked.link == link

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    inbox = client.get(reverse("inbox")).content.decode()
    assert f'class="small note-link" href="{link}"' in inbox
    assert client.get(link).status_code == 200  # the link opens for its recipient

    join_request_approve(actor=admin, join_request_id=join_request.pk, site_url="http://x")
    decided = Notification.objects.get(recipient=requester)
    assert decided.link == link
    client.force_login(requester)
    assert client.get(link).status_code == 200
