"""Annual re-assessment deadlines (issue 13): a certified factory is reminded 30, 7 and 1 days
before its self-assessment lapses, its certificates are suspended on the day (the registry
says so), a new assessment at the tier's level reinstates them, one below flags them for the
authority, and a suspension that outlasts the grace period ends in revocation. Every act
happens once, however often the sweep runs, and a batch that dies before it commits leaves
nothing behind."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Notification
from assessments.models import Assessment
from certification import services
from certification.deadlines import Act, lapse_plan
from certification.models import AuditEvent, Certificate, Deadline, Suspension
from certification.services import deadlines as deadline_services
from certification.verification import certificate_token
from core import outbox
from core.models import OutboxMessage
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.certification.helpers import certified_basic

pytestmark = pytest.mark.django_db

LAPSE = Deadline.Kind.ASSESSMENT_LAPSE
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- the plan, pure --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "step", "act", "step_after"),
    [
        (31, 0, Act.NOTHING, 0),
        (30, 0, Act.REMIND, 1),
        (20, 1, Act.NOTHING, 1),
        (7, 1, Act.REMIND, 2),
        (1, 2, Act.REMIND, 3),
        (5, 0, Act.REMIND, 2),  # the 30-day reminder was missed: only the 7-day one is sent
        (0, 3, Act.LAPSE, 4),
        (0, 0, Act.LAPSE, 4),  # every reminder missed: a lapse is a lapse
        (-3, 4, Act.NOTHING, 4),
    ],
)
def test_the_lapse_plan_sends_the_latest_reminder_due_and_lapses_on_the_day(
    days_left, step, act, step_after
):
    due = date(2026, 10, 8)
    plan = lapse_plan(due_on=due, step=step, today=due - timedelta(days=days_left), days=[30, 7, 1])
    assert (plan.act, plan.step) == (act, step_after)
    if plan.next_on is not None:
        assert plan.next_on > due - timedelta(days=days_left)


def test_an_edited_reminder_list_is_read_furthest_first_without_duplicates():
    due = date(2027, 1, 31)
    plan = lapse_plan(due_on=due, step=0, today=due - timedelta(days=7), days=[7, 30, 7, 0])
    assert (plan.act, plan.step, plan.next_on) == (Act.REMIND, 2, due)


# --- walking a certified factory through its year ---------------------------------------------


def _on(day: date):
    return time_machine.travel(datetime.combine(day, time(9), tzinfo=SHANGHAI), tick=False)


def _sweep(kind: str, day: date) -> dict[str, int]:
    with _on(day):
        done = services.deadlines_sweep(kind)
        outbox.outbox_dispatch()
    return dict(done)


def _events(certificate: Certificate, event_type: str) -> int:
    return AuditEvent.objects.filter(certificate=certificate, event_type=event_type).count()


def _registry_status(certificate: Certificate) -> str:
    response = APIClient().get(
        f"/api/v1/registry/certificates/{certificate.number}/",
        {"t": certificate_token(certificate.number)},
    )
    assert response.status_code == 200, response.content
    return response.json()["status"]


@pytest.fixture
def certified(enterprise_user, applicant, media, django_capture_on_commit_callbacks):
    application = certified_basic(
        enterprise_user, applicant, media, django_capture_on_commit_callbacks
    )
    outbox.outbox_dispatch()
    certificate = Certificate.objects.get(application=application)
    row = Deadline.objects.get(kind=LAPSE, factory=applicant)
    valid_until = Assessment.objects.get(pk=application.assessment_id).valid_until
    assert row.due_on == valid_until + timedelta(days=1) and row.step == 0
    return certificate, row


def test_reminders_then_suspension_then_reinstatement_each_once(
    certified, enterprise_user, applicant, django_capture_on_commit_callbacks
):
    certificate, row = certified
    due = row.due_on
    reminders = Notification.objects.filter(
        recipient=enterprise_user, key__startswith=f"deadline:{row.pk}:"
    )

    assert _sweep(LAPSE, due - timedelta(days=31)) == {}
    for days_left in (30, 7, 1):
        sent = reminders.count()
        assert _sweep(LAPSE, due - timedelta(days=days_left)) == {"remind": 1}
        assert _sweep(LAPSE, due - timedelta(days=days_left)) == {}  # run again: nothing
        assert reminders.count() == sent + 1
        if days_left > 1:
            assert _sweep(LAPSE, due - timedelta(days=days_left - 1)) == {}
    # Each reminder says how long is left: three different messages.
    assert len(set(reminders.values_list("subject", flat=True))) == 3
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    assert _sweep(LAPSE, due) == {"lapse": 1, "suspended": 1}
    assert _sweep(LAPSE, due) == {}
    assert _sweep(LAPSE, due + timedelta(days=2)) == {}
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert certificate.suspended_for == Suspension.LAPSE
    assert _events(certificate, "suspend") == 1
    assert _registry_status(certificate) == "suspended"
    assert reminders.count() == 4  # three reminders and the lapse notice
    grace = Deadline.objects.get(kind=Deadline.Kind.SUSPENSION_GRACE, certificate=certificate)
    assert grace.due_on == due + timedelta(days=180) and grace.next_on == grace.due_on

    with _on(due + timedelta(days=3)), django_capture_on_commit_callbacks(execute=True):
        submitted_assessment(enterprise_user, applicant, 3)
    outbox.outbox_dispatch()
    outbox.outbox_dispatch()  # delivered twice: still once
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE and certificate.suspended_for == ""
    assert _events(certificate, "reinstate") == 1
    assert _registry_status(certificate) == "active"
    grace.refresh_from_db()
    assert grace.next_on is None and grace.done_at is not None
    row.refresh_from_db()
    assert row.due_on > due + timedelta(days=360) and row.step == 0
    # The grace period no longer runs: nothing is revoked when it would have ended.
    assert _sweep(Deadline.Kind.SUSPENSION_GRACE, due + timedelta(days=200)) == {}
    assert _events(certificate, "revoke") == 0


def test_a_suspension_outlasting_the_grace_period_is_revoked_once(certified, enterprise_user):
    certificate, row = certified
    due = row.due_on
    assert _sweep(LAPSE, due)["suspended"] == 1
    grace_kind = Deadline.Kind.SUSPENSION_GRACE
    assert _sweep(grace_kind, due + timedelta(days=179)) == {}
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert _sweep(grace_kind, due + timedelta(days=180)) == {"revoked": 1}
    assert _sweep(grace_kind, due + timedelta(days=180)) == {}
    assert _sweep(grace_kind, due + timedelta(days=400)) == {}
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert _events(certificate, "revoke") == 1 and _events(certificate, "suspend") == 1
    assert _registry_status(certificate) == "revoked"
    assert Notification.objects.filter(
        recipient=enterprise_user, key=f"certificate-revoked:{certificate.pk}"
    ).exists()
    # The lapse does not come round again for a factory with nothing left to suspend.
    assert _sweep(LAPSE, due + timedelta(days=500)) == {}


def test_an_assessment_below_the_tier_level_flags_the_certificate_for_the_authority(
    certified, enterprise_user, applicant, django_capture_on_commit_callbacks
):
    certificate, row = certified
    official = mf.official("city_official", "320500-industry-it")
    assert certificate.authority_id == official.authority_id
    _sweep(LAPSE, row.due_on)
    with _on(row.due_on + timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        submitted_assessment(enterprise_user, applicant, 1)
    outbox.outbox_dispatch()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert certificate.flagged_at is not None and "1" in certificate.flag_note
    assert _events(certificate, "reinstate") == 0
    assert Notification.objects.filter(
        recipient=official, key__startswith="certificate-flag:"
    ).exists()
    # The flagged certificates are the authority's worklist, on the page and through the API.
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(official)
    page = browser.get("/certificates/", {"flagged": "1"}).content.decode()
    assert certificate.number in page and "certificate-flag" in page
    api = APIClient()
    api.force_authenticate(official)
    rows = api.get("/api/v1/certificates/", {"flagged": "true"}).json()["results"]
    assert [row["number"] for row in rows] == [certificate.number]
    assert rows[0]["suspended_for"] == "lapse" and rows[0]["flagged_at"]
    other = Certificate.objects.exclude(pk=certificate.pk)
    assert not other.filter(flagged_at__isnull=False).exists()
    # The authority decides: reinstating clears the flag and stops the grace period.
    services.certificate_reinstate(actor=official, certificate=certificate, reason="核查通过")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE and certificate.flagged_at is None
    assert not Deadline.objects.filter(certificate=certificate, next_on__isnull=False).exists()


def test_a_suspension_by_the_authority_is_not_lifted_by_a_new_assessment(
    certified, enterprise_user, applicant, django_capture_on_commit_callbacks
):
    certificate, _row = certified
    official = mf.official("city_official", "320500-industry-it")
    services.certificate_suspend(actor=official, certificate=certificate, reason="安全事故调查")
    with django_capture_on_commit_callbacks(execute=True):
        submitted_assessment(enterprise_user, applicant, 4)
    outbox.outbox_dispatch()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert certificate.suspended_for == Suspension.AUTHORITY
    assert _events(certificate, "reinstate") == 0


def test_a_batch_that_dies_before_it_commits_leaves_nothing_and_the_next_run_does_it_once(
    certified,
):
    certificate, row = certified
    before = OutboxMessage.objects.count()
    with _on(row.due_on), pytest.raises(RuntimeError), transaction.atomic():
        acted, seen = deadline_services.SWEEPS[LAPSE](row.due_on, 10)
        assert seen == 1 and acted["suspended"] == 1
        raise RuntimeError("the worker died before the commit")
    certificate.refresh_from_db()
    row.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE and row.step == 0
    assert _events(certificate, "suspend") == 0 and OutboxMessage.objects.count() == before
    assert _sweep(LAPSE, row.due_on)["suspended"] == 1
    assert _sweep(LAPSE, row.due_on) == {}
    assert _events(certificate, "suspend") == 1


def test_the_end_of_a_publicity_tells_the_authority_and_the_webhooks_once():
    from tests.certification.review_setup import advanced_at, make_cast

    with _on(date(2026, 6, 1)):  # a Monday
        cast = make_cast()
        advanced_at(cast, "recommended")
        publicity = services.publicity_publish(actor=cast.province, campaign=cast.campaign)
    row = Deadline.objects.get(kind=Deadline.Kind.PUBLICITY_END, publicity=publicity)
    assert row.due_on == publicity.ends_on + timedelta(days=1) == date(2026, 6, 6)
    closed = OutboxMessage.objects.filter(
        kind="webhook_event", payload={"publicity_id": publicity.pk, "event": "publicity.closed"}
    )
    assert _sweep(Deadline.Kind.PUBLICITY_END, publicity.ends_on) == {}
    assert not closed.exists()
    assert _sweep(Deadline.Kind.PUBLICITY_END, date(2026, 6, 6)) == {"closed": 1}
    assert _sweep(Deadline.Kind.PUBLICITY_END, date(2026, 6, 8)) == {}
    assert closed.count() == 1
    told = Notification.objects.filter(
        recipient=cast.province, key__startswith=f"deadline:{row.pk}:"
    )
    assert told.count() == 1 and told.get().link == f"/publicity/{publicity.pk}/"


def test_a_review_step_left_past_its_working_days_is_notified_to_its_reviewers_once():
    from certification.workflow.definitions import Action
    from certification.workflow.engine import application_transition
    from tests.certification.review_setup import advanced_at, make_cast
    from workdays.calendar import add_working_days
    from workdays.selectors import working_calendar

    start = date(2026, 9, 28)  # the Monday before the National Day week
    with _on(start):
        cast = make_cast()
        waiting = advanced_at(cast, "city_review")
        moved_on = advanced_at(cast, "city_review")
    kind = Deadline.Kind.REVIEW_STEP
    assert _sweep(kind, start) == {}
    row = Deadline.objects.get(kind=kind, application=waiting)
    # Ten working days: the National Day holidays are not counted.
    due = add_working_days(start, 10, working_calendar())
    assert row.stage == "city_review" and row.due_on == due > start + timedelta(days=14)
    with _on(due - timedelta(days=1)):
        application_transition(application=moved_on, action=Action.FORWARD, actor=cast.city)
    assert _sweep(kind, due - timedelta(days=1)) == {}
    moved_row = Deadline.objects.get(kind=kind, application=moved_on)
    assert moved_row.stage == "provincial_review"  # its next step's own clock
    assert _sweep(kind, due) == {"overdue": 1}
    assert _sweep(kind, due + timedelta(days=3)) == {}
    told = Notification.objects.filter(key__startswith=f"deadline:{row.pk}:")
    assert list(told.values_list("recipient", flat=True)) == [cast.city.pk]
    assert told.get().link == f"/applications/{waiting.pk}/"
    assert not Notification.objects.filter(key__startswith=f"deadline:{moved_row.pk}:").exists()
