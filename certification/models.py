"""Certification reference data: the scenario catalogue and the tier conditions, per edition.

An edition in use is never edited in place; a revised guide or notice becomes a new edition.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import BilingualName


class Tier(models.TextChoices):
    BASIC = "basic", _("Basic")
    ADVANCED = "advanced", _("Advanced")
    EXCELLENT = "excellent", _("Excellent")
    LEADING = "leading", _("Leading")


class ScenarioCatalogue(models.Model):
    edition = models.CharField(_("edition"), max_length=20, unique=True)
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    provenance = models.TextField(_("provenance"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-edition"]
        verbose_name = _("scenario catalogue")
        verbose_name_plural = _("scenario catalogues")

    def __str__(self) -> str:
        return self.edition


class Stage(BilingualName):
    """One of the five certification stages (工厂建设, 研发设计, 生产作业, 生产管理, 运营管理)."""

    catalogue = models.ForeignKey(
        ScenarioCatalogue, on_delete=models.CASCADE, related_name="stages"
    )
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["catalogue", "order"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="stage_unique_per_edition")
        ]


class Link(BilingualName):
    """A link (环节) of the scenario guide, mapped to one stage."""

    catalogue = models.ForeignKey(ScenarioCatalogue, on_delete=models.CASCADE, related_name="links")
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="links")

    class Meta:
        ordering = ["catalogue", "order"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="link_unique_per_edition")
        ]


class Scenario(BilingualName):
    catalogue = models.ForeignKey(
        ScenarioCatalogue, on_delete=models.CASCADE, related_name="scenarios"
    )
    code = models.CharField(_("code"), max_length=10)
    link = models.ForeignKey(Link, on_delete=models.PROTECT, related_name="scenarios")

    class Meta:
        ordering = ["catalogue", "code"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue", "code"], name="scenario_unique_per_edition"
            )
        ]


class TierConditionsEdition(models.Model):
    edition = models.CharField(_("edition"), max_length=20, unique=True)
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    provenance = models.TextField(_("provenance"), blank=True)
    scenario_catalogue = models.ForeignKey(
        ScenarioCatalogue,
        on_delete=models.PROTECT,
        related_name="tier_editions",
        verbose_name=_("scenario catalogue"),
    )
    assessment_valid_months = models.PositiveSmallIntegerField(
        _("assessment valid for (months)"), default=12
    )
    publicity_working_days = models.PositiveSmallIntegerField(
        _("publicity (working days)"), default=5
    )
    quotas = models.JSONField(_("quota rules"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-edition"]
        verbose_name = _("tier conditions edition")
        verbose_name_plural = _("tier conditions editions")

    def __str__(self) -> str:
        return self.edition


class TierCondition(BilingualName):
    edition = models.ForeignKey(
        TierConditionsEdition,
        on_delete=models.CASCADE,
        related_name="conditions",
        verbose_name=_("edition"),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    prerequisite_tier = models.CharField(
        _("prerequisite tier"), max_length=10, choices=Tier.choices, blank=True
    )
    pool_alternative = models.BooleanField(
        _("city cultivation pool may replace the prerequisite"), default=False
    )
    min_maturity_level = models.PositiveSmallIntegerField(_("minimum maturity level"))
    required_stages = models.JSONField(_("stages that must be covered"), default=list)
    min_ai_share = models.DecimalField(
        _("minimum AI share of claimed scenarios"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    indicator_benchmark = models.TextField(_("indicator benchmark"), blank=True)
    certified_by = models.TextField(_("certified by"), blank=True)
    default_window_month = models.PositiveSmallIntegerField(
        _("default campaign month"), null=True, blank=True
    )
    cultivation_months_max = models.PositiveSmallIntegerField(
        _("maximum cultivation period (months)"), null=True, blank=True
    )

    class Meta:
        ordering = ["edition", "order"]
        verbose_name = _("tier condition")
        verbose_name_plural = _("tier conditions")
        constraints = [
            models.UniqueConstraint(fields=["edition", "tier"], name="tier_unique_per_edition")
        ]
