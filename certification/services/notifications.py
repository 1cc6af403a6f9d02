"""Notifications about application events (inbox and email), queued after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import notification_send
from certification.models import (
    Application,
    AuditEvent,
    CheckResult,
)
from core.dispatch import task_queue_on_commit

logger = logging.getLogger(__name__)


def notify_on_commit(application_id: int, event: str) -> None:
    task_queue_on_commit("certification.notify_application_event", application_id, event)


NOTIFICATION_KEYS = {
    "checked": "application-checked:{id}:{submission}",
    "filed": "basic-filed:{id}",
    "rejected": "filing-rejected:{id}",
}


def application_notify(*, application_id: int, event: str) -> int:
    """Tell the people concerned about an application event. Idempotent per event.

    checked: the enterprise's members (passed, or returned with the failed rules);
    filed: the city bureau that a basic factory self-declared; rejected: the members.
    """
    application = (
        Application.objects.select_related("factory__enterprise", "factory__city")
        .filter(pk=application_id)
        .first()
    )
    if application is None or event not in NOTIFICATION_KEYS:
        return 0
    factory = application.factory
    members = User.objects.filter(memberships__enterprise=factory.enterprise, is_active=True)
    with translation.override(settings.LANGUAGE_CODE):
        tier = application.get_tier_display()
        if event == "checked":
            recipients = members
            failed = list(
                CheckResult.objects.filter(
                    application=application, submission=application.submission, passed=False
                ).values_list("message_zh", flat=True)
            )
            if failed:
                subject = _("%(tier)s application of %(factory)s returned") % {
                    "tier": tier,
                    "factory": factory.name,
                }
                body = "\n".join([_("The automated checks found:"), *failed])
            else:
                subject = _("%(tier)s application of %(factory)s passed its checks") % {
                    "tier": tier,
                    "factory": factory.name,
                }
                body = subject
        elif event == "filed":
            recipients = User.objects.filter(
                role=Role.CITY_OFFICIAL, authority__city_id=factory.city_id, is_active=True
            )
            subject = _("Basic tier self-declared: %(factory)s") % {"factory": factory.name}
            body = _("%(enterprise)s self-declared the basic tier for %(factory)s.") % {
                "enterprise": factory.enterprise.name,
                "factory": factory.name,
            }
        else:
            recipients = members
            reason = (
                AuditEvent.objects.filter(application=application, action="reject_filing")
                .values_list("reason", flat=True)
                .last()
            )
            subject = _("Basic filing of %(factory)s rejected") % {"factory": factory.name}
            body = _("Reason: %(reason)s") % {"reason": reason or ""}
    key = NOTIFICATION_KEYS[event].format(id=application.pk, submission=application.submission)
    return notification_send(recipients=recipients, key=key, subject=subject, body=body)
