"""Provinces, prefecture-level cities (GB/T 2260 codes) and the authorities that act for them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import english_active


class BilingualName(models.Model):
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless English is active)."""
        return self.name_en if english_active() else self.name_zh


class Province(BilingualName):
    """A provincial-level division, or the XPCC as a recommending unit (not a GB/T 2260 code)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        AUTONOMOUS_REGION = "autonomous_region", _("Autonomous region")
        MUNICIPALITY = "municipality", _("Municipality")
        CORPS = "corps", _("Production and construction corps")

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    industrial_rank = models.PositiveSmallIntegerField(
        _("industrial rank"),
        null=True,
        blank=True,
        help_text=_(
            "Rank by the previous year's industrial value added, which sets the province's "
            "excellent-tier quota band. Empty: the quota for other provinces."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class City(BilingualName):
    """A prefecture-level unit (or a province-administered county-level city)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("province")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class Authority(BilingualName):
    """A body that acts in the workflow: MIIT, a provincial department, a city bureau."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCE = "province", _("Provincial")
        CITY = "city", _("City")

    class Kind(models.TextChoices):
        INDUSTRY_IT = "industry_it", _("Industry and information technology")
        DEVELOPMENT_REFORM = "development_reform", _("Development and reform")
        FINANCE = "finance", _("Finance")
        STATE_ASSETS = "state_assets", _("State-owned assets")
        MARKET_SUPERVISION = "market_supervision", _("Market supervision")
        DATA_ADMINISTRATION = "data_administration", _("Data administration")

    code = models.CharField(_("code"), max_length=40, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, default=Kind.INDUSTRY_IT
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorities",
        verbose_name=_("province"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorities",
        verbose_name=_("city"),
    )

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.CheckConstraint(
                name="authority_jurisdiction_matches_level",
                condition=(
                    models.Q(level="national", province__isnull=True, city__isnull=True)
                    | models.Q(level="province", province__isnull=False, city__isnull=True)
                    | models.Q(level="city", province__isnull=False, city__isnull=False)
                ),
            )
        ]


class Located(models.Model):
    """A row that officials list by region: it carries its factory's province and city as they
    were when it was made, so that a jurisdiction's list is one range of an index (and history
    stays with the authorities that handled it when a factory later moves)."""

    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("province"),
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("city")
    )

    class Meta:
        abstract = True
