"""The maturity model (GB/T 39116-2020 structure) as versioned data.

A version holds its levels, elements, domains, sub-domains (with weight and applicability per
industry type) and requirements. A published version that an assessment uses never changes; an
official requirement set is imported as a new version.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import BilingualName, Located


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


ANSWER_CHOICES = [
    (Decimal("0.00"), _("Not met")),
    (Decimal("0.50"), _("Partly met")),
    (Decimal("0.80"), _("Largely met")),
    (Decimal("1.00"), _("Fully met")),
]


class Assessment(Located):
    """A factory's annual maturity self-assessment on one model version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    factory = models.ForeignKey(
        "factories.Factory",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("factory"),
    )
    version = models.ForeignKey(
        ModelVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("model version"),
    )
    industry_type = models.CharField(
        _("industry type"),
        max_length=10,
        help_text=_("Discrete or process, taken from the factory's industry when started."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    scoring_method = models.CharField(_("scoring method"), max_length=40, blank=True)
    maturity_level = models.PositiveSmallIntegerField(_("maturity level"), null=True, blank=True)
    overall_score = models.DecimalField(
        _("overall score"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    result = models.JSONField(
        _("scoring result"),
        default=dict,
        blank=True,
        help_text=_("Every intermediate score, so that the report can explain itself."),
    )

    class Meta:
        ordering = ["-submitted_at", "-created_at", "-pk"]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["factory"],
                condition=models.Q(status="draft"),
                name="assessment_one_draft_per_factory",
            ),
            models.CheckConstraint(
                name="assessment_submitted_has_scores",
                condition=models.Q(status="draft")
                | models.Q(
                    submitted_at__isnull=False,
                    valid_until__isnull=False,
                    maturity_level__isnull=False,
                    overall_score__isnull=False,
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["factory", "status", "-submitted_at"], name="assessment_factory_idx"
            ),
            models.Index(fields=["status", "valid_until"], name="assessment_validity_idx"),
            # The lists of each scope, in their order.
            models.Index(
                fields=["status", "-submitted_at", "-created_at", "-id"],
                name="assessment_submitted_idx",
            ),
            models.Index(
                fields=["province", "status", "-submitted_at", "-created_at", "-id"],
                name="assessment_province_idx",
            ),
            models.Index(
                fields=["city", "status", "-submitted_at", "-created_at", "-id"],
                name="assessment_city_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.factory} · {self.get_status_display()} · {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Answer(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("assessment")
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="answers", verbose_name=_("requirement")
    )
    score = models.DecimalField(
        _("answer"), max_digits=3, decimal_places=2, choices=ANSWER_CHOICES, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )

    class Meta:
        ordering = ["assessment", "requirement__order"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "requirement"], name="answer_unique_per_requirement"
            ),
            models.CheckConstraint(
                name="answer_score_is_one_of_four",
                condition=models.Q(score__isnull=True)
                | models.Q(score__in=[Decimal("0"), Decimal("0.5"), Decimal("0.8"), Decimal("1")]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requirement.code}: {self.score}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never uses the uploaded name (kept separately for display).
    import uuid

    return f"evidence/{instance.answer.assessment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("answer")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            # A file carried over into a later draft is shared: deleting one row asks whether
            # another still refers to the file.
            models.Index(fields=["file"], name="evidence_file_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name


class PeerRun(models.Model):
    """One count of the peer distributions (``PeerDistribution``): when, and how long it took."""

    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    seconds = models.FloatField(_("took (seconds)"), default=0)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        verbose_name = _("peer distribution count")
        verbose_name_plural = _("peer distribution counts")

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M}"


class PeerDistribution(models.Model):
    """As of ``run``, the distribution of one measure (the overall score, ``measure`` empty, or
    a sub-domain's own score, its code) over the latest submitted assessments on ``version`` of
    one peer group's factories: an industry in a province, an industry nationwide (``province``
    empty) or a province (``industry`` empty). ``percentiles`` holds the value at each
    percentile 0, 1, … 100 (``percentile_cont``)."""

    run = models.ForeignKey(PeerRun, on_delete=models.CASCADE, related_name="distributions")
    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    cut = models.CharField(_("peer group"), max_length=20)
    industry = models.CharField(_("industry"), max_length=2, blank=True)
    province = models.CharField(_("province"), max_length=2, blank=True)
    measure = models.CharField(_("measure"), max_length=40, blank=True)
    count = models.PositiveIntegerField(_("factories"))
    percentiles = models.JSONField(_("percentiles 0 to 100"))

    class Meta:
        verbose_name = _("peer distribution")
        verbose_name_plural = _("peer distributions")
        indexes = [
            models.Index(
                fields=["run", "version", "industry", "province"], name="peer_distribution_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cut} {self.industry or '-'} {self.province or '-'} {self.measure or '*'}"
