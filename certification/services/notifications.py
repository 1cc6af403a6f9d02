"""Notifications about application events (inbox and email).

The engine queues ``notify_application_event`` after commit for every transition the table
marks ``notify``; the task calls ``application_notify`` with the audit event, so a message is
sent once per event (the notification key is the event's id) and says what the event says.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, User
from accounts.services import notification_send_each
from certification.models import Application, AuditEvent, CheckResult
from certification.workflow.events import EventType
from certification.workflow.policies import tier_condition

TO_MEMBERS = {
    EventType.CHECKS_PASSED,
    EventType.CHECKS_FAILED,
    EventType.RETURNED,
    EventType.REJECTED,
    EventType.FILING_REJECTED,
    EventType.RECOMMENDED,
    EventType.CERTIFIED,
    EventType.PREREQUISITE_LOST,
    # The national chain: the enterprise follows its own application's steps.
    EventType.PROVINCE_PASSED,
    EventType.APPROVED,
    EventType.SITE_VISIT_SCHEDULED,
    EventType.SITE_VISIT_REPORTED,
    EventType.ACCEPTANCE_STARTED,
    EventType.ACCEPTANCE_PASSED,
}


def _recipients(event: AuditEvent, application: Application) -> QuerySet[User]:
    factory = application.factory
    active = User.objects.filter(is_active=True)
    if event.event_type in TO_MEMBERS:
        return active.filter(memberships__enterprise=factory.enterprise)
    if event.event_type == EventType.SELF_DECLARED:
        return active.filter(role=Role.CITY_OFFICIAL, authority__city_id=application.city_id)
    if event.event_type == EventType.FORWARDED:
        return active.filter(
            role=Role.PROVINCIAL_OFFICIAL,
            authority__level="province",
            authority__province_id=application.province_id,
        )
    if event.event_type == EventType.SENT_TO_JOINT:
        kinds = tier_condition(application).joint_department_kinds
        if event.to_status == "national_joint_review":
            return active.filter(
                role=Role.JOINT_REVIEWER, authority__level="national", authority__kind__in=kinds
            )
        return active.filter(
            role=Role.JOINT_REVIEWER,
            authority__level="province",
            authority__province_id=application.province_id,
            authority__kind__in=kinds,
        )
    if event.event_type == EventType.SUBMITTED_TO_MIIT:
        return active.filter(
            role=Role.MIIT_REVIEWER, authority__level="national", authority__kind="industry_it"
        )
    if event.event_type == EventType.EXPERTS_ASSIGNED:
        return active.filter(pk__in=event.extra_data.get("expert_users", []))
    return active.none()


def _body(event: AuditEvent, application: Application) -> str:
    lines = []
    if event.event_type == EventType.CHECKS_FAILED:
        lines.append(_("The automated checks found:"))
        lines.extend(
            CheckResult.objects.filter(
                application=application, submission=application.submission, passed=False
            ).values_list("message_zh", flat=True)
        )
    if event.event_type == EventType.SELF_DECLARED:
        lines.append(
            _("%(enterprise)s self-declared the basic tier for %(factory)s.")
            % {"enterprise": application.factory.enterprise.name, "factory": application.factory}
        )
    if event.event_type == EventType.SITE_VISIT_SCHEDULED:
        lines.append(
            _("MIIT will visit the factory on %(day)s.")
            % {"day": event.extra_data.get("scheduled_on", "")}
        )
    if event.event_type == EventType.SITE_VISIT_REPORTED:
        period = event.extra_data.get("cultivation") or {}
        lines.append(
            _("The cultivation period runs from %(start)s to %(end)s; report on its milestones.")
            % {"start": period.get("starts_on", ""), "end": period.get("ends_on", "")}
        )
    if event.reason:
        lines.append(_("Reason: %(reason)s") % {"reason": event.reason})
    if event.extra_data.get("certificate"):
        lines.append(
            _("Certificate number: %(number)s") % {"number": event.extra_data["certificate"]}
        )
    return "\n".join(lines)


def application_notify(*, event_id: int) -> int:
    """Tell the people concerned about one audit event of an application. Idempotent."""
    event = (
        AuditEvent.objects.select_related(
            "application__factory__enterprise", "application__factory__city"
        )
        .filter(pk=event_id, application__isnull=False)
        .first()
    )
    if event is None or event.application is None:
        return 0
    application = event.application

    def message() -> tuple[str, str]:  # in each recipient's language
        subject = _("%(tier)s application of %(factory)s: %(event)s") % {
            "tier": application.get_tier_display(),
            "factory": application.factory.name,
            "event": event.get_event_type_display(),
        }
        return subject[:200], _body(event, application) or subject

    return notification_send_each(
        recipients=_recipients(event, application),
        key=f"application-event:{event.pk}",
        kind=NotificationKind.APPLICATION,
        message=message,
        link=reverse("application-detail", kwargs={"pk": application.pk}),
    )
