"""The working-day calendar: one row per year, and one row per date of a year.

A year is edited as a draft and used only once it is published (see ADR 0008); computations
read the published years through ``workdays.selectors.working_calendar()``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = 2000  # before the first year the chinesecalendar package covers (2004)
LAST_YEAR = 2100


class Holiday(models.TextChoices):
    """The holiday a day off belongs to, or that a make-up working day makes up for.

    The codes are the chinesecalendar package's names for them (``chinese_calendar.Holiday``),
    so the package's data maps to them without a table; the labels are translated on display.
    ``OTHER`` is for a one-off holiday a future notice may declare: the year's source notice
    names it.
    """

    NEW_YEARS_DAY = "new_years_day", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    TOMB_SWEEPING_DAY = "tomb_sweeping_day", _("Tomb-sweeping Day")
    LABOUR_DAY = "labour_day", _("Labour Day")
    DRAGON_BOAT_FESTIVAL = "dragon_boat_festival", _("Dragon Boat Festival")
    MID_AUTUMN_FESTIVAL = "mid_autumn_festival", _("Mid-autumn Festival")
    NATIONAL_DAY = "national_day", _("National Day")
    ANTI_FASCIST_70TH_DAY = (
        "anti_fascist_70th_day",
        _("70th anniversary of the victory in the War of Resistance against Japanese Aggression"),
    )
    OTHER = "other", _("Other holiday (see the source notice)")


class CalendarYear(models.Model):
    """A year of the calendar. Only published years are used to count working days, so a year
    being entered is never used half-done."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(
        _("year"),
        primary_key=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source_notice = models.CharField(
        _("source notice"),
        max_length=300,
        blank=True,
        help_text=_(
            "The notice the year's holidays come from, e.g. the State Council General Office's "
            "notice and its number (国办发明电〔2025〕7号)."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class WorkingDay(models.Model):
    """One date of a calendar year: worked or not, and the holiday it belongs to (for a day
    off) or makes up for (for a make-up working day)."""

    year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("year")
    )
    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    holiday = models.CharField(_("holiday"), max_length=30, choices=Holiday.choices, blank=True)
    source_notice = models.CharField(
        _("source notice"),
        max_length=300,
        blank=True,
        help_text=_("Only when a notice other than the year's (a supplementary one) set the day."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=Q(date__year=F("year_id")), name="workingday_date_in_its_year"
            )
        ]

    def __str__(self) -> str:
        return self.date.isoformat()
