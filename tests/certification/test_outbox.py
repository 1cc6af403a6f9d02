"""The transactional outbox (core.outbox): a side effect is written in the transaction of the
change that causes it (both or neither), delivered once after commit, kept while its handler
fails and tried again later with the error recorded, and never delivered twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from certification.models import AuditEvent
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from core import outbox
from core.models import OutboxMessage
from tests.certification.review_setup import advanced_at

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


def flaky_handler(*, item: int, failures: int) -> None:
    """A handler of this test's own kind: fails ``failures`` times for an item, then works."""
    CALLS.append(item)
    if CALLS.count(item) <= failures:
        raise RuntimeError(f"receiver down ({CALLS.count(item)})")


@pytest.fixture
def flaky(monkeypatch):
    CALLS.clear()
    monkeypatch.setitem(outbox.HANDLERS, "test_flaky", f"{__name__}.flaky_handler")
    return CALLS


def test_a_notification_is_written_with_its_transition_and_rolls_back_with_it(
    cast, django_capture_on_commit_callbacks
):
    application = advanced_at(cast, "city_review")
    notices = OutboxMessage.objects.filter(kind="application_event")
    before = notices.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        application_transition(
            application=application, action=Action.RETURN, actor=cast.city, reason="补充材料"
        )
        assert notices.count() == before + 1
        raise RuntimeError("the request failed after the transition")
    assert notices.count() == before
    assert not AuditEvent.objects.filter(application=application, event_type="return").exists()

    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=application, action=Action.RETURN, actor=cast.city, reason="补充材料"
        )
    event = AuditEvent.objects.get(application=application, event_type="return")
    message = OutboxMessage.objects.get(payload={"event_id": event.pk})
    assert message.kind == "application_event" and message.delivered_at is not None
    assert Notification.objects.filter(key=f"application-event:{event.pk}").count() == 1
    # Dispatching again delivers nothing twice.
    assert outbox.outbox_dispatch() == 0
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)  # a crash before marking
    assert outbox.outbox_dispatch() == 1
    assert Notification.objects.filter(key=f"application-event:{event.pk}").count() == 1


def test_a_failing_handler_is_tried_again_later_and_the_others_are_delivered(flaky):
    with transaction.atomic():
        outbox.outbox_add("test_flaky", item=1, failures=2)
        outbox.outbox_add("test_flaky", item=2, failures=0)
    assert outbox.outbox_dispatch() == 1
    stuck = OutboxMessage.objects.get(payload__item=1)
    assert stuck.delivered_at is None and stuck.attempts == 1
    assert "receiver down (1)" in stuck.last_error
    assert stuck.available_at > timezone.now()
    # Not due yet: the next run leaves it alone.
    assert outbox.outbox_dispatch() == 0 and flaky.count(1) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert outbox.outbox_dispatch() == 0  # fails a second time, waits twice as long
    stuck.refresh_from_db()
    assert stuck.attempts == 2
    assert stuck.available_at - timezone.now() > timedelta(seconds=55)
    with time_machine.travel(timezone.now() + timedelta(seconds=200), tick=False):
        assert outbox.outbox_dispatch() == 1
    stuck.refresh_from_db()
    assert stuck.delivered_at is not None and flaky.count(1) == 3 and flaky.count(2) == 1


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        outbox.outbox_add("no_such_kind", x=1)


def test_notifications_speak_the_recipients_language_link_to_the_object_and_mail_once(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    from django.test import Client

    application = advanced_at(cast, "city_review")
    cast.applicant.language = "en"
    cast.applicant.email = "applicant@example.com"
    cast.applicant.save(update_fields=["language", "email"])
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=application, action=Action.RETURN, actor=cast.city, reason="补充材料"
        )
    event = AuditEvent.objects.get(application=application, event_type="return")
    note = Notification.objects.get(key=f"application-event:{event.pk}")
    assert note.recipient == cast.applicant
    assert note.subject.startswith("Advanced application of")  # the recipient's language
    assert note.link == f"/applications/{application.pk}/"
    # The email went through the outbox, once, with the full link.
    mails = [m for m in mailoutbox if m.subject == note.subject]
    assert [m.to for m in mails] == [["applicant@example.com"]]
    assert f"/applications/{application.pk}/" in mails[0].body
    email = OutboxMessage.objects.get(kind="notification_email", payload__notification_id=note.pk)
    assert email.payload == {"notification_id": note.pk} and email.delivered_at is not None
    OutboxMessage.objects.filter(pk=email.pk).update(delivered_at=None)  # as after a crash
    assert outbox.outbox_dispatch() == 1
    # The notification knows it was emailed: no second email.
    assert len([m for m in mailoutbox if m.subject == note.subject]) == 1
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.applicant)
    inbox = client.get("/accounts/inbox/").content.decode()
    assert f'href="/applications/{application.pk}/"' in inbox
