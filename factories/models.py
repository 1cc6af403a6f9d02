"""Enterprises (identified by USCC), their factories, memberships and the city cultivation pool."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from factories.validators import uscc_registration_authority, validate_uscc
from regions.models import BilingualName


class Industry(BilingualName):
    """A GB/T 4754-2017 manufacturing division (codes 13 to 43)."""

    class ProcessType(models.TextChoices):
        DISCRETE = "discrete", _("Discrete manufacturing")
        PROCESS = "process", _("Process manufacturing")

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    process_type = models.CharField(_("industry type"), max_length=10, choices=ProcessType.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Enterprise(models.Model):
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18 characters, GB 32100-2015."),
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.ForeignKey(
        "regions.City",
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("registered city"),
    )
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("province"),
        help_text=_("The city's province, kept with the city by the services."),
    )
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("industry")
    )
    above_designated_size = models.BooleanField(_("above designated size"), default=False)
    is_central_soe_group = models.BooleanField(_("central SOE group"), default=False)
    group = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
        verbose_name=_("group"),
        help_text=_("The parent group the enterprise belongs to, if any."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="enterprises",
        verbose_name=_("members"),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        # The national list's order; the regional lists read EnterprisePresence's index.
        indexes = [models.Index(fields=["name", "id"], name="enterprise_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"

    @property
    def registration_authority(self) -> str | None:
        """Who issued the credit code (its characters 3-8), in the active language."""
        return uscc_registration_authority(self.uscc)


class Factory(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="factories", verbose_name=_("enterprise")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    city = models.ForeignKey(
        "regions.City", on_delete=models.PROTECT, related_name="factories", verbose_name=_("city")
    )
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("province"),
        help_text=_("The city's province, kept with the city by the services."),
    )
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="factories", verbose_name=_("industry")
    )
    away = models.BooleanField(
        _("outside the registered city"),
        default=False,
        help_text=_(
            "In another city than the enterprise's registered city (kept by the services)."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["enterprise_id", "name", "pk"]
        verbose_name = _("factory")
        verbose_name_plural = _("factories")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "name"], name="factory_name_unique_per_enterprise"
            )
        ]
        # The national list reads the unique (enterprise, name) index.
        indexes = [
            models.Index(
                fields=["province", "enterprise", "name", "id"], name="factory_province_idx"
            ),
            models.Index(fields=["city", "enterprise", "name", "id"], name="factory_city_idx"),
            # The few enterprises an official sees because of a factory away from home.
            models.Index(
                fields=["province", "enterprise"],
                condition=models.Q(away=True),
                name="factory_away_province_idx",
            ),
            models.Index(
                fields=["city", "enterprise"],
                condition=models.Q(away=True),
                name="factory_away_city_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnterprisePresence(models.Model):
    """Where officials see an enterprise: each province and city it is registered in or has a
    factory in, with its name. A regional official's enterprise list is one range of the
    (region, name) index, in the list's order; without it the list is the union of the
    enterprises registered in the region and those with a factory "away" there, whose page
    costs a read of every away enterprise (hundreds per province) and a sort. Derived from the
    enterprise and its factories and rebuilt by the services that change them
    (``factories.services.enterprise_presence_refresh``)."""

    region_code = models.CharField(
        _("region code"),
        max_length=6,
        help_text=_("A province's code (2 digits) or a city's (6 digits)."),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="presences",
        db_index=False,
        verbose_name=_("enterprise"),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("The enterprise's name."))

    class Meta:
        verbose_name = _("enterprise presence")
        verbose_name_plural = _("enterprise presences")
        constraints = [
            # Enterprise first: the services replace one enterprise's rows.
            models.UniqueConstraint(
                fields=["enterprise", "region_code"], name="presence_unique_per_region"
            )
        ]
        indexes = [
            models.Index(
                fields=["region_code", "name", "enterprise"], name="presence_region_order_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code}: {self.name}"


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("enterprise"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class CultivationPoolEntry(models.Model):
    """A factory in a city's key cultivation pool for a year (an advanced-tier alternative)."""

    factory = models.ForeignKey(
        Factory, on_delete=models.CASCADE, related_name="pool_entries", verbose_name=_("factory")
    )
    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        related_name="pool_entries",
        verbose_name=_("city authority"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    # Removal keeps the row (who put the factory in, and who took it out, and why). A removed
    # entry no longer counts for the advanced tier: every reader goes through ``in_pool``.
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    removal_reason = models.TextField(_("reason for the removal"), blank=True)

    class Meta:
        ordering = ["-year", "factory_id"]
        verbose_name = _("cultivation pool entry")
        verbose_name_plural = _("cultivation pool entries")
        constraints = [
            # One current entry per factory and year; removed ones stay beside a new one.
            models.UniqueConstraint(
                fields=["factory", "year"],
                condition=models.Q(removed_at__isnull=True),
                name="pool_entry_unique_per_year",
            )
        ]
        indexes = [
            models.Index(fields=["authority", "year", "id"], name="pool_entry_authority_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.factory} ({self.year})"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


def in_pool() -> models.Q:
    """The entries that count: not removed. Every reader of pool membership filters by it."""
    return models.Q(removed_at__isnull=True)


class PoolEventType(models.TextChoices):
    ADDED = "pool_added", _("Added to the cultivation pool")
    REMOVED = "pool_removed", _("Removed from the cultivation pool")


class PoolEvent(models.Model):
    """An audit event of the cultivation pool: who, for which authority, when, why, and what
    changed (``extra_data``). Written in the same transaction as the change."""

    entry = models.ForeignKey(
        CultivationPoolEntry,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("cultivation pool entry"),
    )
    event_type = models.CharField(_("event"), max_length=20, choices=PoolEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    acting_authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting for"),
    )
    reason = models.TextField(_("reason"), blank=True)
    extra_data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("cultivation pool event")
        verbose_name_plural = _("cultivation pool events")

    def __str__(self) -> str:
        return f"{self.event_type}: {self.entry_id}"
