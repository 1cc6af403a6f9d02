"""The administrator's warnings and the admin pages that create, edit and publish a year."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.workdays.helpers import PACKAGE_LAST_YEAR
from workdays import services
from workdays.admin import WorkingDayForm
from workdays.models import CalendarYear, Holiday, WorkingDay
from workdays.selectors import calendar_warnings

pytestmark = pytest.mark.django_db

LAST = PACKAGE_LAST_YEAR  # published by the seeding
NEXT = LAST + 1
SHANGHAI = ZoneInfo("Asia/Shanghai")
INDEX = reverse("admin:index")
YEARS = reverse("admin:workdays_calendaryear_changelist")


def at(day: date) -> time_machine.travel:
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False
    )


def publish_next_year(admin_user) -> None:
    services.calendar_year_create(year=NEXT, source_notice="", actor=admin_user)
    services.working_day_set(
        day=date(NEXT, 1, 1), is_workday=False, holiday=Holiday.NEW_YEARS_DAY, actor=admin_user
    )
    services.calendar_year_publish(year=NEXT, actor=admin_user)


def test_no_warning_before_1_november():
    assert calendar_warnings(date(LAST, 10, 31)) == []
    assert calendar_warnings(date(LAST, 1, 1)) == []


def test_the_missing_next_year_is_warned_from_1_november(english):
    for today in (date(LAST, 11, 1), date(LAST, 12, 31)):
        (warning,) = calendar_warnings(today)
        assert f"for {NEXT} is not loaded" in warning


def test_a_draft_next_year_is_warned_until_published(admin_user, english):
    services.calendar_year_create(year=NEXT, source_notice="", actor=admin_user)
    (warning,) = calendar_warnings(date(LAST, 11, 1))
    assert f"for {NEXT} is a draft" in warning
    services.working_day_set(
        day=date(NEXT, 1, 1), is_workday=False, holiday=Holiday.NEW_YEARS_DAY, actor=admin_user
    )
    services.calendar_year_publish(year=NEXT, actor=admin_user)
    assert calendar_warnings(date(LAST, 11, 1)) == []


def test_an_unpublished_current_year_is_warned_all_year(english):
    (warning,) = calendar_warnings(date(NEXT, 3, 1))
    assert str(NEXT) in warning


def test_the_admin_index_and_the_years_show_the_warning_from_1_november(admin_client):
    with at(date(LAST, 10, 31)):
        assert 'id="calendar-warnings"' not in admin_client.get(INDEX).text
        assert 'id="calendar-warnings"' not in admin_client.get(YEARS).text
    with at(date(LAST, 11, 1)):
        index = admin_client.get(INDEX, headers={"accept-language": "en"}).text
        assert 'id="calendar-warnings"' in index and f"for {NEXT} is not loaded" in index
        assert "app-workdays" in index  # Django's index is still there below
        assert 'id="calendar-warnings"' in admin_client.get(YEARS).text


def test_the_warning_is_gone_once_next_year_is_published(admin_client, admin_user):
    publish_next_year(admin_user)
    with at(date(LAST, 11, 1)):
        assert 'id="calendar-warnings"' not in admin_client.get(INDEX).text


def test_the_administrator_adds_next_year_through_the_admin(admin_client):
    response = admin_client.post(
        YEARS, {"action": "create_next_year", ACTION_CHECKBOX_NAME: [str(LAST)]}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=NEXT).status == CalendarYear.Status.DRAFT

    day = WorkingDay.objects.get(date=date(NEXT, 1, 1))
    change = reverse("admin:workdays_workingday_change", args=[day.pk])
    response = admin_client.post(
        change,
        {"holiday": Holiday.NEW_YEARS_DAY, "source_notice": ""},  # unticked: a day off
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert not day.is_workday and day.holiday == Holiday.NEW_YEARS_DAY

    response = admin_client.post(YEARS, {"action": "publish", ACTION_CHECKBOX_NAME: [str(NEXT)]})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=NEXT).status == CalendarYear.Status.PUBLISHED
    # A published year's days are read-only.
    assert admin_client.post(change, {"is_workday": "on", "holiday": ""}).status_code == 403
    days = reverse("admin:workdays_workingday_changelist")
    assert admin_client.get(days, {"year__year__exact": NEXT}).status_code == 200


def test_the_add_form_creates_a_draft_through_the_service(admin_client):
    add = reverse("admin:workdays_calendaryear_add")
    response = admin_client.post(add, {"year": NEXT, "source_notice": "国办发明电〔2026〕1号"})
    assert response.status_code == 302
    assert WorkingDay.objects.filter(year=NEXT).count() in (365, 366)
    assert admin_client.post(add, {"year": LAST, "source_notice": ""}).status_code == 200  # taken


def test_published_days_are_shown_read_only_in_the_day_list():
    day = WorkingDay.objects.select_related("year").get(date=date(2025, 10, 9))
    assert all(field.disabled for field in WorkingDayForm(instance=day).fields.values())


def test_only_the_platform_administrator_edits_even_with_model_permissions(
    client, jiangsu_official
):
    jiangsu_official.is_staff = True
    jiangsu_official.save()
    jiangsu_official.user_permissions.set(
        Permission.objects.filter(content_type__app_label="workdays")
    )
    client.force_login(jiangsu_official)
    assert client.get(YEARS).status_code == 200  # may look
    response = client.post(YEARS, {"action": "create_next_year", ACTION_CHECKBOX_NAME: [str(LAST)]})
    assert response.status_code in (200, 302)  # the action is not offered
    assert not CalendarYear.objects.filter(year=NEXT).exists()
