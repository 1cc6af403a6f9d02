"""The maturity model (GB/T 39116-2020 structure) as versioned data.

A version holds its levels, elements, domains, sub-domains (with weight and applicability per
industry type) and requirements. A published version that an assessment uses never changes; an
official requirement set is imported as a new version.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import BilingualName


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    code = models.CharField(_("code"), max_length=60, unique=True)
    standard_code = models.CharField(_("standard"), max_length=40, default="GB/T 39116-2020")
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("True for the demonstration requirement set that is not the standard's text."),
    )
    notice_zh = models.TextField(_("Chinese notice"), blank=True)
    notice_en = models.TextField(_("English notice"), blank=True)
    provenance = models.TextField(_("provenance"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("maturity model version")
        verbose_name_plural = _("maturity model versions")

    def __str__(self) -> str:
        return self.code


class Level(BilingualName):
    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="levels", verbose_name=_("version")
    )
    number = models.PositiveSmallIntegerField(_("level"))
    meaning = models.TextField(_("meaning"), blank=True)

    class Meta:
        ordering = ["version", "number"]
        verbose_name = _("maturity level")
        verbose_name_plural = _("maturity levels")
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="level_unique_per_version")
        ]


class Element(BilingualName):
    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="elements", verbose_name=_("version")
    )
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("element")
        verbose_name_plural = _("elements")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="element_unique_per_version")
        ]


class Domain(BilingualName):
    element = models.ForeignKey(
        Element, on_delete=models.CASCADE, related_name="domains", verbose_name=_("element")
    )
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["element", "order"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(fields=["element", "code"], name="domain_unique_per_element")
        ]


class SubDomain(BilingualName):
    version = models.ForeignKey(
        ModelVersion,
        on_delete=models.CASCADE,
        related_name="subdomains",
        verbose_name=_("version"),
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.CASCADE, related_name="subdomains", verbose_name=_("domain")
    )
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=3, default=Decimal(1))
    applies_to_discrete = models.BooleanField(_("applies to discrete manufacturing"), default=True)
    applies_to_process = models.BooleanField(_("applies to process manufacturing"), default=True)

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("sub-domain")
        verbose_name_plural = _("sub-domains")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="subdomain_unique_per_version"
            ),
            models.CheckConstraint(
                name="subdomain_weight_positive", condition=models.Q(weight__gt=0)
            ),
        ]


class Requirement(models.Model):
    version = models.ForeignKey(
        ModelVersion,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("version"),
    )
    subdomain = models.ForeignKey(
        SubDomain,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("sub-domain"),
    )
    level = models.PositiveSmallIntegerField(_("level"))
    code = models.CharField(_("code"), max_length=60)
    order = models.PositiveIntegerField(_("order"))
    text_zh = models.TextField(_("Chinese text"))
    text_en = models.TextField(_("English text"), blank=True)

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="requirement_unique_per_version"
            ),
            models.CheckConstraint(
                name="requirement_level_1_to_5", condition=models.Q(level__gte=1, level__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return self.code
