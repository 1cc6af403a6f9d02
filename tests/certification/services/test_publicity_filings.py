"""Basic-tier publicity lists (services/publicity.py): a city bureau lists the self-declared
basic filings it holds, after their certificates. Only its standing, never-listed filings are
candidates; objections lodged during the period are decided by the bureau: dismissed, the
filing stands; upheld, the filing is rejected and its certificate revoked. A basic filing
cannot be returned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role, User
from certification import services
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    Objection,
    Publicity,
    PublicityEntry,
)
from certification.registry import registry_lookup_by_uscc
from certification.workflow.events import EventType
from core.errors import Conflict, DomainError, PermissionDenied
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.certification.helpers import make_applications
from workdays.calendar import count_working_days, is_working_day
from workdays.selectors import working_calendar

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 6, 1)  # a Monday: five working days end on Friday 5 June
AFTER = date(2026, 6, 8)  # the Monday after the period
SUZHOU, NANJING = "320500", "320100"


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def certified_filing(user: User, city: str = SUZHOU) -> Application:
    """A basic application of a new factory in ``city`` (a member: ``user``), submitted and
    checked: self-declared, with an active certificate filed with that city's bureau. Needs
    the ``media`` fixture."""
    factory: Any = mf.FactoryFactory(city_id=city)
    mf.member_of(user, factory.enterprise)
    application = ready_basic(user, factory, None)
    services.application_submit(actor=user, application=application)
    services.application_run_checks(application_id=application.pk, submission=1)
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED, application.status
    return application


def certificate_of(application: Application) -> Certificate:
    return Certificate.objects.select_related("authority").get(application=application)


def lodge(publicity: Publicity, application: Application, **values: str) -> Objection:
    fields = {"name": "张三", "contact": "13800000000", "grounds": "自评估材料与现场情况不符。"}
    return services.objection_lodge(
        entry=publicity.entries.get(application=application), **{**fields, **values}
    )


def decide(actor: User, objection: Objection, outcome: str, **values: str) -> Objection:
    fields = {"investigation": "经现场核查。", "reason": "核查结论。"}
    return services.objection_decide(
        actor=actor, objection=objection, outcome=outcome, **{**fields, **values}
    )


def listed(publicity: Publicity) -> set[int]:
    return set(publicity.entries.values_list("application_id", flat=True))


def event_types(application: Application) -> list[str]:
    return list(
        AuditEvent.objects.filter(application=application)
        .order_by("at", "pk")
        .values_list("event_type", flat=True)
    )


@pytest.fixture
def first_day():
    with at(FIRST_DAY):
        yield


@pytest.fixture
def filing(first_day, enterprise_user, media) -> Application:
    """One standing Suzhou filing."""
    return certified_filing(enterprise_user)


@pytest.fixture
def on_list(filing, suzhou_official) -> Publicity:
    """The Suzhou bureau's list with the filing on it, from FIRST_DAY."""
    return services.publicity_publish_filings(actor=suzhou_official)


@dataclass
class Desk:
    """Suzhou's filings in every condition, and filings elsewhere."""

    standing: list[Application]  # certified, certificate active, never listed
    revoked: Application
    suspended: Application
    nanjing: Application  # standing, but filed with Nanjing's bureau
    advanced: Application  # certified, its certificate at the Suzhou bureau


@pytest.fixture
def desk(first_day, enterprise_user, media, suzhou_official) -> Desk:
    standing = [certified_filing(enterprise_user) for _ in range(2)]
    revoked = certified_filing(enterprise_user)
    services.certificate_revoke(
        actor=suzhou_official, certificate=certificate_of(revoked), reason="材料虚假"
    )
    suspended = certified_filing(enterprise_user)
    services.certificate_suspend(
        actor=suzhou_official, certificate=certificate_of(suspended), reason="事故调查期间"
    )
    nanjing = certified_filing(enterprise_user, city=NANJING)
    # Even an advanced certificate naming the city bureau is not a basic filing.
    (advanced,) = make_applications(1, status="certified", tier="advanced")
    Certificate.objects.create(
        number="SF-ADV-TEST-00001",
        tier="advanced",
        factory=advanced.factory,
        application=advanced,
        province_id=advanced.province_id,
        city_id=advanced.city_id,
        authority=suzhou_official.authority,
        issued_on=FIRST_DAY,
    )
    return Desk(standing, revoked, suspended, nanjing, advanced)


# --- publishing -----------------------------------------------------------------------------------


def test_only_the_bureaus_standing_basic_filings_never_listed_are_candidates(desk, suzhou_official):
    authority = suzhou_official.authority
    assert certificate_of(desk.nanjing).authority != authority
    waiting = services.filings_awaiting_publicity(authority)
    assert set(waiting.values_list("pk", flat=True)) == {a.pk for a in desk.standing}

    first, second = desk.standing
    earlier = services.publicity_publish_filings(actor=suzhou_official, applications=[first])
    assert listed(earlier) == {first.pk}
    # Once listed, never a candidate again.
    assert list(services.filings_awaiting_publicity(authority)) == [second]
    publicity = services.publicity_publish_filings(actor=suzhou_official)
    assert listed(publicity) == {second.pk}
    assert (publicity.authority, publicity.tier, publicity.campaign) == (authority, "basic", None)
    assert publicity.published_by == suzhou_official
    assert authority.name_zh in publicity.title and str(FIRST_DAY.year) in publicity.title
    # The Nanjing bureau's filing is its own, untouched.
    assert not PublicityEntry.objects.filter(application=desk.nanjing).exists()
    nanjing_authority = certificate_of(desk.nanjing).authority
    assert list(services.filings_awaiting_publicity(nanjing_authority)) == [desk.nanjing]

    with pytest.raises(Conflict) as nothing_waits:
        services.publicity_publish_filings(actor=suzhou_official)
    assert nothing_waits.value.code == "not_ready"
    assert Publicity.objects.count() == 2


def test_an_application_that_is_not_a_candidate_is_refused_at_applications(desk, suzhou_official):
    standing, other = desk.standing

    def refused(application: Application) -> None:
        before = Publicity.objects.count()
        with pytest.raises(DomainError) as error:
            services.publicity_publish_filings(
                actor=suzhou_official, applications=[standing, application]
            )
        assert not isinstance(error.value, PermissionDenied | Conflict)
        assert set(error.value.fields) == {"applications"}
        # Nothing was written: the standing filing is still waiting.
        assert Publicity.objects.count() == before
        assert not PublicityEntry.objects.filter(application=standing).exists()

    for application in (desk.revoked, desk.suspended, desk.nanjing, desk.advanced):
        refused(application)
    services.publicity_publish_filings(actor=suzhou_official, applications=[other])
    refused(other)  # listed already


def test_the_period_ends_on_the_working_day_calendar(enterprise_user, media, suzhou_official):
    # Thursday 30 April 2026, then Labour Day (1-5 May) off, 6, 7, 8 May and Saturday 9 May, a
    # make-up working day: five working days.
    with at(date(2026, 4, 30)):
        filing = certified_filing(enterprise_user)
        publicity = services.publicity_publish_filings(actor=suzhou_official)
    days = filing.tier_edition.publicity_working_days
    assert publicity.working_days == days == 5
    assert (publicity.starts_on, publicity.ends_on) == (date(2026, 4, 30), date(2026, 5, 9))
    calendar = working_calendar()
    assert count_working_days(publicity.starts_on, publicity.ends_on, calendar) == days
    assert is_working_day(publicity.ends_on, calendar)


def test_publishing_leaves_the_filing_certified_and_audits_it(filing, on_list, suzhou_official):
    filing.refresh_from_db()
    assert filing.status == Application.Status.CERTIFIED
    assert certificate_of(filing).status == Certificate.Status.ACTIVE
    event = AuditEvent.objects.get(application=filing, event_type=EventType.PUBLICIZED)
    assert (event.actor, event.acting_authority) == (suzhou_official, suzhou_official.authority)
    assert (event.from_status, event.to_status) == ("certified", "certified")
    assert event.extra_data == {
        "publicity": on_list.pk,
        "starts_on": on_list.starts_on.isoformat(),
        "ends_on": on_list.ends_on.isoformat(),
    }
    assert on_list.starts_on == FIRST_DAY and on_list.ends_on > FIRST_DAY


def test_a_list_cannot_start_in_the_past(filing, suzhou_official):
    with pytest.raises(DomainError) as error:
        services.publicity_publish_filings(
            actor=suzhou_official, starts_on=FIRST_DAY - timedelta(days=1)
        )
    assert set(error.value.fields) == {"starts_on"}
    assert not Publicity.objects.exists()


@pytest.mark.parametrize("who", ["jiangsu_official", "enterprise_user", "no_authority"])
def test_only_a_city_bureaus_official_publishes(who, filing, request):
    if who == "no_authority":  # the role of a city official, acting for no bureau
        actor: Any = mf.UserFactory(role=Role.CITY_OFFICIAL)
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.publicity_publish_filings(actor=actor)
    with pytest.raises(PermissionDenied):
        services.publicity_publish_filings(actor=actor, applications=[filing])
    assert not Publicity.objects.exists()


def test_another_citys_bureau_cannot_list_this_bureaus_filings(filing):
    nanjing = mf.official(Role.CITY_OFFICIAL, f"{NANJING}-industry-it")
    with pytest.raises(Conflict):  # nothing of its own waits
        services.publicity_publish_filings(actor=nanjing)
    with pytest.raises(DomainError) as error:
        services.publicity_publish_filings(actor=nanjing, applications=[filing])
    assert set(error.value.fields) == {"applications"}
    assert not Publicity.objects.exists()
    filing.refresh_from_db()
    assert filing.status == Application.Status.CERTIFIED


# --- objections -----------------------------------------------------------------------------------


def test_a_dismissed_objection_leaves_the_filing_standing(filing, on_list, suzhou_official):
    objection = lodge(on_list, filing)
    decided = decide(suzhou_official, objection, "dismissed", reason="异议不成立")
    assert decided.status == Objection.Status.DISMISSED
    assert (decided.decided_by, decided.outcome_reason) == (suzhou_official, "异议不成立")
    filing.refresh_from_db()
    assert filing.status == Application.Status.CERTIFIED
    assert certificate_of(filing).status == Certificate.Status.ACTIVE
    assert event_types(filing)[-3:] == [
        EventType.PUBLICIZED,
        EventType.OBJECTION_LODGED,
        EventType.OBJECTION_DISMISSED,
    ]


def test_an_upheld_objection_rejects_the_filing_and_revokes_its_certificate(
    filing, on_list, suzhou_official
):
    uscc = filing.factory.enterprise.uscc
    (before,) = registry_lookup_by_uscc(uscc)
    assert [c.status for c in before.certificates] == ["active"]
    objection = lodge(on_list, filing)
    reason = "异议成立：自评估材料与现场情况严重不符。"
    decided = decide(suzhou_official, objection, "upheld_reject", reason=reason)
    assert decided.status == Objection.Status.UPHELD and decided.outcome_reason == reason

    filing.refresh_from_db()
    certificate = certificate_of(filing)
    assert filing.status == Application.Status.REJECTED
    assert (certificate.status, certificate.status_reason) == (Certificate.Status.REVOKED, reason)
    upheld = AuditEvent.objects.get(application=filing, event_type=EventType.OBJECTION_UPHELD)
    assert (upheld.actor, upheld.reason) == (suzhou_official, reason)
    assert (upheld.from_status, upheld.to_status) == ("certified", "rejected")
    revoked = AuditEvent.objects.get(
        certificate=certificate, event_type=EventType.CERTIFICATE_REVOKED
    )
    assert (revoked.actor, revoked.reason) == (suzhou_official, reason)
    assert (revoked.from_status, revoked.to_status) == ("active", "revoked")
    # The public registry shows the revocation at once.
    (after,) = registry_lookup_by_uscc(uscc)
    assert [(c.number, c.status) for c in after.certificates] == [(certificate.number, "revoked")]
    assert after.highest_active_tier is None
    # A rejected filing takes no further objection.
    with pytest.raises(DomainError):
        lodge(on_list, filing, name="李四")
    assert Objection.objects.count() == 1


def test_a_basic_filing_cannot_be_returned_and_nothing_changes(filing, on_list, suzhou_official):
    objection = lodge(on_list, filing)
    events = event_types(filing)
    with pytest.raises(DomainError) as error:
        decide(suzhou_official, objection, "upheld_return")
    assert error.value.status == 400
    assert set(error.value.fields) == {"outcome"}
    objection.refresh_from_db()
    filing.refresh_from_db()
    assert objection.status == Objection.Status.OPEN and objection.decided_by is None
    assert filing.status == Application.Status.CERTIFIED
    assert certificate_of(filing).status == Certificate.Status.ACTIVE
    assert event_types(filing) == events
    # Still open for one of the two outcomes a filing has.
    decide(suzhou_official, objection, "dismissed")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED


def test_only_the_bureau_the_filing_went_to_decides(filing, on_list, jiangsu_official):
    objection = lodge(on_list, filing)
    nanjing = mf.official(Role.CITY_OFFICIAL, f"{NANJING}-industry-it")
    for someone in (nanjing, jiangsu_official):
        with pytest.raises(PermissionDenied):
            decide(someone, objection, "upheld_reject")
    objection.refresh_from_db()
    filing.refresh_from_db()
    assert objection.status == Objection.Status.OPEN
    assert filing.status == Application.Status.CERTIFIED


def test_an_objection_outside_the_period_is_refused(filing, suzhou_official):
    later = services.publicity_publish_filings(
        actor=suzhou_official, starts_on=FIRST_DAY + timedelta(days=2)
    )
    with pytest.raises(Conflict):  # not begun yet
        lodge(later, filing)
    with at(later.starts_on):
        lodge(later, filing)  # the first day counts
    with at(later.ends_on, hour=23):
        lodge(later, filing, name="王五")  # so does the last
    with at(later.ends_on + timedelta(days=1), hour=0), pytest.raises(Conflict) as late:
        lodge(later, filing, name="赵六")
    assert later.ends_on.isoformat() in str(late.value)
    assert set(Objection.objects.values_list("name", flat=True)) == {"张三", "王五"}
