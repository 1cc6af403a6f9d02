"""Notifications (services/notifications.py): who hears about each step, basic and review
chain, once per audit event."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from certification import services
from certification.models import AuditEvent
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.certification.helpers import submit_and_check
from tests.certification.review_setup import advanced_at

pytestmark = pytest.mark.django_db


def test_applicants_and_the_city_are_notified(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    from accounts.models import Notification

    returned = ready_basic(enterprise_user, applicant, media, level=1)
    submit_and_check(enterprise_user, returned, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(application=returned, event_type="checks_fail")
    note = Notification.objects.get(recipient=enterprise_user, key=f"application-event:{event.pk}")
    assert "退回" in note.subject
    assert "成熟度1级" in note.body  # the failed rule's reason, in Chinese
    assert (
        not Notification.objects.filter(recipient=suzhou_official)
        .exclude(key__startswith="enterprise-registered")
        .exists()
    )

    other = mf.FactoryFactory()
    mf.member_of(enterprise_user, other.enterprise)
    certified = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, other, media),
        django_capture_on_commit_callbacks,
    )
    filed = AuditEvent.objects.get(application=certified, event_type="self_declare")
    assert Notification.objects.filter(
        recipient=suzhou_official, key=f"application-event:{filed.pk}"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.basic_declaration_reject(
            actor=suzhou_official, application=certified, reason="材料不实"
        )
    event = AuditEvent.objects.get(application=certified, event_type="reject_filing")
    rejected = Notification.objects.get(key=f"application-event:{event.pk}")
    assert rejected.recipient == enterprise_user and "材料不实" in rejected.body
    # Sending again changes nothing.
    assert services.application_notify(event_id=event.pk) == 0


def recipients(application, event_type: str) -> set[int]:
    event = AuditEvent.objects.get(application=application, event_type=event_type)
    return set(
        Notification.objects.filter(key=f"application-event:{event.pk}").values_list(
            "recipient_id", flat=True
        )
    )


def test_each_step_reaches_the_people_who_act_next(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = advanced_at(cast, "joint_review")
    assert recipients(application, "forward") == {cast.province.pk}
    assert recipients(application, "assign_experts") == {user.pk for user in cast.experts}
    assert recipients(application, "send_to_joint") == {user.pk for user in cast.joint}
    assert recipients(application, "checks_pass") == {cast.applicant.pk}
    # Scores and opinions are the officials' business: nobody is notified of them.
    score = AuditEvent.objects.filter(application=application, event_type="score").first()
    assert not Notification.objects.filter(key=f"application-event:{score.pk}").exists()


def test_a_return_tells_the_applicant_why(cast, django_capture_on_commit_callbacks):
    application = advanced_at(cast, "provincial_review")
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=application,
            action=Action.RETURN,
            actor=cast.province,
            reason="请补充第三方检测报告",
        )
    event = AuditEvent.objects.get(application=application, event_type="return")
    note = Notification.objects.get(key=f"application-event:{event.pk}")
    assert note.recipient == cast.applicant and "请补充第三方检测报告" in note.body
    assert services.application_notify(event_id=event.pk) == 0  # once per event


def test_the_national_chain_reaches_miit_the_ministries_and_the_enterprise(
    cast, django_capture_on_commit_callbacks
):
    from tests.certification.national_setup import national_at, national_cast

    national = national_cast(cast)
    with django_capture_on_commit_callbacks(execute=True):
        application = national_at(national, "recommended")
    assert national.miit.pk in recipients(application, "submit_to_miit")
    assert recipients(application, "province_pass") == {cast.applicant.pk}
    assert recipients(application, "approve") == {cast.applicant.pk}
    sent = AuditEvent.objects.filter(application=application, event_type="send_to_joint")
    provincial, to_ministries = sent.order_by("pk")
    for event, reviewers in ((provincial, cast.joint), (to_ministries, national.ministries)):
        notified = set(
            Notification.objects.filter(key=f"application-event:{event.pk}").values_list(
                "recipient_id", flat=True
            )
        )
        assert notified == {user.pk for user in reviewers}
