"""Admin of the working-day calendar: the platform administrator enters next year's holidays
when the State Council publishes them, then publishes the year.

Every change goes through ``workdays.services`` (which tell the other processes to reload the
calendar). A year's dates are edited in the calendar-day list filtered by that year: tick or
untick "working day" and pick the holiday, a month at a time; the days of a published year are
shown read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError
from workdays import services
from workdays.models import CalendarYear, WorkingDay


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the admin site lets only signed-in staff in
        raise PermissionDenied
    return user


def _may_edit(request: HttpRequest) -> bool:
    return isinstance(request.user, User) and services.may_edit_calendar(request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = (
        "year",
        "status",
        "source_notice",
        "working_days",
        "days_off",
        "days_link",
        "published_at",
        "published_by",
    )
    list_filter = ("status",)
    list_select_related = ("published_by",)
    actions = ("create_next_year", "publish", "unpublish")
    change_list_template = "workdays/admin/calendaryear_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                working_day_count=Count("days", filter=Q(days__is_workday=True)),
                day_off_count=Count("days", filter=Q(days__is_workday=False)),
            )
        )

    @admin.display(description=_("working days"), ordering="working_day_count")
    def working_days(self, obj: Any) -> int:
        return int(obj.working_day_count)

    @admin.display(description=_("days off"), ordering="day_off_count")
    def days_off(self, obj: Any) -> int:
        return int(obj.day_off_count)

    @admin.display(description=_("dates"))
    def days_link(self, obj: CalendarYear) -> str:
        url = reverse("admin:workdays_workingday_changelist")
        return format_html(
            '<a href="{}?year__year__exact={}">{}</a>', url, obj.year, _("Dates of the year")
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("year", "source_notice")
        return ("year", "status", "source_notice", "created_at", "published_at", "published_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["year", "status", "created_at", "published_at", "published_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _may_edit(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _may_edit(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj) and _may_edit(request)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a draft is deleted from its own page
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            services.calendar_year_update(
                year=obj.year, source_notice=obj.source_notice, actor=_actor(request)
            )
        else:
            services.calendar_year_create(
                year=obj.year, source_notice=obj.source_notice, actor=_actor(request)
            )
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.calendar_year_delete(year=obj.year, actor=_actor(request))

    @admin.action(description=_("Create the year after the selected years as a draft"))
    def create_next_year(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar_year in queryset:
            year = calendar_year.year + 1
            try:
                services.calendar_year_create(year=year, source_notice="", actor=_actor(request))
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _(
                        "Created %(year)s as a draft, with weekends off and weekdays worked: "
                        "enter the source notice, the holidays and the make-up working days, "
                        "then publish it."
                    )
                    % {"year": year},
                )

    @admin.action(description=_("Publish the selected years"))
    def publish(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar_year in queryset:
            try:
                services.calendar_year_publish(year=calendar_year.year, actor=_actor(request))
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(request, _("Published: %(year)s") % {"year": calendar_year})

    @admin.action(description=_("Return the selected years to draft (for a supplementary notice)"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar_year in queryset:
            try:
                services.calendar_year_unpublish(year=calendar_year.year, actor=_actor(request))
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _(
                        "%(year)s is a draft again: working days in %(year)s cannot be counted "
                        "until it is published."
                    )
                    % {"year": calendar_year},
                    messages.WARNING,
                )


class WorkingDayForm(forms.ModelForm):
    """A date's form; the dates of a published year are shown but cannot be changed."""

    class Meta:
        model = WorkingDay
        fields = ("is_workday", "holiday", "source_notice")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and self.instance.year.is_published:
            for field in self.fields.values():
                field.disabled = True


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    form = WorkingDayForm
    list_display = ("date", "weekday", "is_workday", "holiday", "source_notice", "year_status")
    list_editable = ("is_workday", "holiday")
    list_filter = ("year", "is_workday", "holiday")
    list_select_related = ("year",)
    date_hierarchy = "date"
    list_per_page = 62
    fields = ("date", "is_workday", "holiday", "source_notice")
    readonly_fields = ("date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: WorkingDay) -> str:
        return formats.date_format(obj.date, "l")

    @admin.display(description=_("year status"))
    def year_status(self, obj: WorkingDay) -> str:
        return str(obj.year.get_status_display())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the dates come with their year

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.year.is_published:
            return False
        return super().has_change_permission(request, obj) and _may_edit(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.working_day_set(
            day=obj.date,
            is_workday=obj.is_workday,
            holiday=obj.holiday,
            source_notice=obj.source_notice,
            actor=_actor(request),
        )
