"""The counts behind the dashboards' levels and breakdowns, made ahead of time.

Counting each enterprise's best valid self-assessment reads every assessment, factory and
enterprise of the country: about a second at national scale, too slow for a page. A periodic
task (``dashboard.services.region_counts_refresh``) counts them once per run, together with the
current certificates, into one row per city, industry and size, and every dashboard sums the
rows of its region. The dashboards' headline certificate counts, applications, campaigns and
lapses are counted live.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

LEVEL_RANGE = range(6)  # 0: no valid self-assessment, then levels 1 to 5
TIER_CODES = ("basic", "advanced", "excellent", "leading")


class CountRun(models.Model):
    """One count: the day whose valid self-assessments it counted, and when."""

    counted_on = models.DateField(_("counted for the day"))
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    seconds = models.FloatField(_("took (seconds)"), default=0)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        verbose_name = _("dashboard count")
        verbose_name_plural = _("dashboard counts")

    def __str__(self) -> str:
        return f"{self.counted_on} ({self.computed_at:%Y-%m-%d %H:%M})"


class RegionCount(models.Model):
    """For a city, an industry and a size (above designated size or not), as of ``run``: the
    enterprises registered there at each maturity level (``enterprises_0`` … ``_5``), the
    factories located there at each level (``factories_0`` … ``_5``), and the factories' current
    (active or suspended) certificates of each tier."""

    run = models.ForeignKey(CountRun, on_delete=models.CASCADE, related_name="counts")
    province = models.ForeignKey(
        "regions.Province", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    city = models.ForeignKey(
        "regions.City", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    industry = models.ForeignKey(
        "factories.Industry", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    above_designated_size = models.BooleanField(_("above designated size"))
    enterprises_0 = models.PositiveIntegerField(default=0)
    enterprises_1 = models.PositiveIntegerField(default=0)
    enterprises_2 = models.PositiveIntegerField(default=0)
    enterprises_3 = models.PositiveIntegerField(default=0)
    enterprises_4 = models.PositiveIntegerField(default=0)
    enterprises_5 = models.PositiveIntegerField(default=0)
    factories_0 = models.PositiveIntegerField(default=0)
    factories_1 = models.PositiveIntegerField(default=0)
    factories_2 = models.PositiveIntegerField(default=0)
    factories_3 = models.PositiveIntegerField(default=0)
    factories_4 = models.PositiveIntegerField(default=0)
    factories_5 = models.PositiveIntegerField(default=0)
    certificates_basic = models.PositiveIntegerField(default=0)
    certificates_advanced = models.PositiveIntegerField(default=0)
    certificates_excellent = models.PositiveIntegerField(default=0)
    certificates_leading = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dashboard region count")
        verbose_name_plural = _("dashboard region counts")
        indexes = [models.Index(fields=["run", "province", "city"], name="region_count_idx")]

    def __str__(self) -> str:
        return f"{self.city_id} {self.industry_id} {self.above_designated_size}"


COUNT_COLUMNS = (
    [f"enterprises_{level}" for level in LEVEL_RANGE]
    + [f"factories_{level}" for level in LEVEL_RANGE]
    + [f"certificates_{tier}" for tier in TIER_CODES]
)


class StepDuration(models.Model):
    """How long a review step took the applications that left it in the year before ``run``:
    their number and the median in days, for the country (``region`` empty), a province (its
    code) or a city (its code), by the region the application is in."""

    run = models.ForeignKey(CountRun, on_delete=models.CASCADE, related_name="steps")
    region = models.CharField(_("region"), max_length=6, blank=True)
    step = models.CharField(_("step"), max_length=30)
    left = models.PositiveIntegerField(_("applications that left the step"))
    median_days = models.FloatField(_("median days in the step"))

    class Meta:
        verbose_name = _("step duration")
        verbose_name_plural = _("step durations")
        indexes = [models.Index(fields=["run", "region"], name="step_duration_idx")]

    def __str__(self) -> str:
        return f"{self.region or '-'} {self.step}: {self.median_days}"
