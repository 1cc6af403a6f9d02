"""Publicity (issue 11): a campaign batch published for the edition's working days, objections
lodged by anyone during the period and decided by the certifying authority, and certification
refused until the period is over and every objection is resolved."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role
from certification import services
from certification.models import Application, AuditEvent, Objection, PublicityEntry
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition, available_actions_for
from core.errors import Conflict, DomainError, PermissionDenied
from tests import model_factories as mf
from tests.certification.review_setup import advanced_at, make_cast
from workdays.calendar import CalendarYearMissing

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def certify(cast, application):
    return application_transition(
        application=application.pk, action=Action.CERTIFY, actor=cast.province
    )


def events(application) -> list[str]:
    return list(
        AuditEvent.objects.filter(application=application)
        .order_by("at", "pk")
        .values_list("event_type", flat=True)
    )


def test_a_publicity_that_starts_the_day_before_national_day_ends_after_the_make_up_saturday():
    with at(date(2025, 9, 30)):
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        publicity = services.publicity_publish(actor=cast.province, campaign=cast.campaign)
    # Sep 30, then Golden Week (Oct 1-8) off, Oct 9, 10, Saturday Oct 11 (a make-up working
    # day) and Monday Oct 13: five working days.
    assert (publicity.starts_on, publicity.ends_on) == (date(2025, 9, 30), date(2025, 10, 13))
    assert publicity.working_days == 5
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PUBLICITY
    event = AuditEvent.objects.get(application=application, event_type="publicize")
    assert event.extra_data == {
        "publicity": publicity.pk,
        "starts_on": "2025-09-30",
        "ends_on": "2025-10-13",
    }


def test_certification_is_refused_during_publicity_and_while_an_objection_is_open():
    with at(date(2026, 6, 1)):  # a Monday
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        with pytest.raises(Conflict) as refused:
            certify(cast, application)  # not published yet
        assert refused.value.code == "not_ready"
        publicity = services.publicity_publish(actor=cast.province, campaign=cast.campaign)
        assert publicity.ends_on == date(2026, 6, 5)
        entry = PublicityEntry.objects.get(publicity=publicity, application=application)
        with pytest.raises(Conflict, match="2026-06-05"):
            certify(cast, application)
        objection = services.objection_lodge(
            entry=entry, name="张三", contact="13800000000", grounds="该工厂申报的指标与实际不符。"
        )
    # The last day of the period still counts.
    with at(date(2026, 6, 5), hour=23), pytest.raises(Conflict):
        certify(cast, application)
    with at(date(2026, 6, 8)):
        with pytest.raises(Conflict) as refused:
            certify(cast, application)  # an objection is open
        assert refused.value.code == "not_ready" and "2026-06-05" not in str(refused.value)
        with pytest.raises(Conflict):  # the period is over: no more objections
            services.objection_lodge(entry=entry, name="李四", contact="x", grounds="y")
        # The department sees no generic button for it; it decides on the objection.
        offered = {option.action for option in available_actions_for(cast.province, application)}
        assert Action.DISMISS_OBJECTION not in offered and Action.CERTIFY in offered
        services.objection_decide(
            actor=cast.province,
            objection=objection,
            outcome="dismissed",
            investigation="经现场核查，指标数据属实。",
            reason="异议不成立",
        )
        certify(cast, application)
    application.refresh_from_db()
    objection.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED
    assert objection.status == Objection.Status.DISMISSED
    assert objection.decided_by == cast.province and objection.investigation
    assert events(application)[-5:] == [
        "recommend",
        "publicize",
        "objection_lodged",
        "objection_dismissed",
        "certify",
    ]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("upheld_return", Application.Status.RETURNED),
        ("upheld_reject", Application.Status.REJECTED),
    ],
)
def test_an_upheld_objection_returns_or_rejects_with_the_reason(outcome, status):
    with at(date(2026, 6, 1)):
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        publicity = services.publicity_publish(actor=cast.province, campaign=cast.campaign)
        entry = publicity.entries.get()
        objection = services.objection_lodge(
            entry=entry, name="王五", contact="wang@example.com", grounds="存在安全生产事故。"
        )
        services.objection_decide(
            actor=cast.province,
            objection=objection,
            outcome=outcome,
            investigation="应急管理部门证实近三年发生一般安全事故。",
            reason="异议成立：近三年发生安全生产事故。",
        )
    application.refresh_from_db()
    assert application.status == status
    event = AuditEvent.objects.get(application=application, event_type="objection_upheld")
    assert event.reason == "异议成立：近三年发生安全生产事故。"
    if status == Application.Status.RETURNED:
        # Back to the department's decision after resubmission: a new publicity follows.
        assert application.resume_state == Application.Status.PROVINCIAL_DECISION


def test_objections_need_a_name_a_contact_and_grounds_and_one_decision_by_the_authority():
    with at(date(2026, 6, 1)):
        cast = make_cast()
        advanced_at(cast, "recommended")
        publicity = services.publicity_publish(actor=cast.province, campaign=cast.campaign)
        entry = publicity.entries.get()
        with pytest.raises(DomainError) as error:
            services.objection_lodge(entry=entry, name=" ", contact="", grounds="理由")
        assert set(error.value.fields) == {"name", "contact"}
        objection = services.objection_lodge(entry=entry, name="赵六", contact="x", grounds="y")
        for someone in (cast.city, mf.UserFactory(role=Role.ENTERPRISE_USER)):
            with pytest.raises(PermissionDenied):
                services.objection_decide(
                    actor=someone,
                    objection=objection,
                    outcome="dismissed",
                    investigation="z",
                    reason="r",
                )
        with pytest.raises(DomainError):
            services.objection_decide(
                actor=cast.province,
                objection=objection,
                outcome="maybe",
                investigation="z",
                reason="r",
            )
        services.objection_decide(
            actor=cast.province,
            objection=objection,
            outcome="dismissed",
            investigation="核查无误",
            reason="不成立",
        )
        with pytest.raises(Conflict):
            services.objection_decide(
                actor=cast.province,
                objection=objection,
                outcome="upheld_reject",
                investigation="z",
                reason="r",
            )


def test_only_the_department_publishes_and_only_recommended_applications():
    with at(date(2026, 6, 1)):
        cast = make_cast()
        recommended = advanced_at(cast, "recommended")
        earlier = advanced_at(cast, "provincial_decision")
        with pytest.raises(PermissionDenied):
            services.publicity_publish(actor=cast.city, campaign=cast.campaign)
        with pytest.raises(DomainError):
            services.publicity_publish(
                actor=cast.province, campaign=cast.campaign, applications=[recommended, earlier]
            )
        assert not PublicityEntry.objects.exists()


def test_a_period_reaching_into_a_year_not_loaded_is_refused_and_nothing_is_written():
    with at(date(2026, 12, 28)):  # five working days reach into 2027, not loaded
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        with pytest.raises(CalendarYearMissing):
            services.publicity_publish(actor=cast.province, campaign=cast.campaign)
    application.refresh_from_db()
    assert application.status == Application.Status.RECOMMENDED
    assert not PublicityEntry.objects.exists()
