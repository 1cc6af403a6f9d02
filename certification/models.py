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
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    edition = models.CharField(_("edition"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
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


class Campaign(models.Model):
    """An authority's application window for one tier and year (optionally one of several
    batches). Basic needs none: it is accepted all year."""

    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("authority"),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    batch = models.PositiveSmallIntegerField(_("batch"), default=1)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    tier_edition = models.ForeignKey(
        TierConditionsEdition,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("tier conditions edition"),
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "tier", "authority_id", "batch"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "tier", "year", "batch"], name="campaign_unique_batch"
            ),
            models.CheckConstraint(
                name="campaign_window_ordered",
                condition=models.Q(opens_on__lte=models.F("closes_on")),
            ),
            models.CheckConstraint(name="campaign_not_basic", condition=~models.Q(tier="basic")),
        ]
        indexes = [
            models.Index(fields=["tier", "opens_on", "closes_on"], name="campaign_window_idx")
        ]

    def __str__(self) -> str:
        return f"{self.authority} · {self.get_tier_display()} · {self.year}/{self.batch}"


class CampaignQuota(models.Model):
    """How many applications a recommending unit may recommend in a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="quotas")
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province or corps"),
    )
    enterprise = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("central SOE group"),
    )
    quota = models.PositiveSmallIntegerField(_("quota"))

    class Meta:
        verbose_name = _("campaign quota")
        verbose_name_plural = _("campaign quotas")
        constraints = [
            models.CheckConstraint(
                name="quota_one_recommending_unit",
                condition=models.Q(province__isnull=False, enterprise__isnull=True)
                | models.Q(province__isnull=True, enterprise__isnull=False),
            ),
            models.UniqueConstraint(fields=["campaign", "province"], name="quota_unique_province"),
            models.UniqueConstraint(
                fields=["campaign", "enterprise"], name="quota_unique_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.quota}"


class Declaration(models.TextChoices):
    """The basic requirements common to all tiers (DESIGN 2.4), each declared with evidence."""

    ABOVE_DESIGNATED_SIZE = "above_designated_size", _("The enterprise is above designated size")
    NO_VIOLATIONS = (
        "no_violations",
        _("No serious credit, safety or environmental violations in the last 3 years"),
    )
    SECURE_EQUIPMENT = (
        "secure_equipment",
        _("Key equipment and software are secure and controllable"),
    )
    ORGANISATION = "organisation", _("An organisation is in place for the smart factory")


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, checks running")
        CHECKS_PASSED = "checks_passed", _("Checks passed")
        RETURNED = "returned", _("Returned for changes")
        CERTIFIED = "certified", _("Certified")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    factory = models.ForeignKey(
        "factories.Factory",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("factory"),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("campaign"),
    )
    tier_edition = models.ForeignKey(
        TierConditionsEdition,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("tier conditions edition"),
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("self-assessment"),
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.DRAFT
    )
    submission = models.PositiveSmallIntegerField(
        _("submission number"),
        default=0,
        help_text=_("Counts the submissions of this application."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    OPEN_STATUSES = ("draft", "submitted", "checks_passed", "returned")
    DECIDED_STATUSES = ("certified", "rejected")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["factory", "tier"],
                condition=models.Q(status__in=["draft", "submitted", "checks_passed", "returned"]),
                name="application_one_open_per_factory_tier",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_status_idx"),
            models.Index(fields=["factory", "tier", "status"], name="application_factory_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.factory} · {self.get_tier_display()} · {self.get_status_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ScenarioClaim(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="claims", verbose_name=_("application")
    )
    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, related_name="claims", verbose_name=_("scenario")
    )
    description = models.TextField(_("what was built"))
    ai_applied = models.BooleanField(_("AI applied"), default=False)

    class Meta:
        ordering = ["application", "scenario__code"]
        verbose_name = _("scenario claim")
        verbose_name_plural = _("scenario claims")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "scenario"], name="claim_unique_per_scenario"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.scenario_id}"


class Indicator(models.Model):
    """A key technical or economic indicator reported with an application."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("application"),
    )
    name = models.CharField(_("indicator"), max_length=100)
    unit = models.CharField(_("unit"), max_length=30)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=18, decimal_places=4)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    current_value = models.DecimalField(_("current value"), max_digits=18, decimal_places=4)
    current_year = models.PositiveSmallIntegerField(_("current year"))

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["application", "name"], name="indicator_unique_name"),
            models.CheckConstraint(
                name="indicator_years_ordered",
                condition=models.Q(baseline_year__lte=models.F("current_year")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class DeclarationAnswer(models.Model):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="declarations",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("declaration"), max_length=30, choices=Declaration.choices)
    affirmed = models.BooleanField(_("declared"), default=False)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="declaration_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.affirmed}"


def application_upload_to(instance: ApplicationFile, filename: str) -> str:
    import uuid

    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class ApplicationFile(models.Model):
    """Evidence for a scenario claim or a declaration (content-checked like assessment evidence)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="files", verbose_name=_("application")
    )
    claim = models.ForeignKey(
        ScenarioClaim, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    declaration = models.ForeignKey(
        DeclarationAnswer, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=application_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("application file")
        verbose_name_plural = _("application files")
        constraints = [
            models.CheckConstraint(
                name="file_belongs_to_claim_or_declaration",
                condition=models.Q(claim__isnull=False, declaration__isnull=True)
                | models.Q(claim__isnull=True, declaration__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class CheckResult(models.Model):
    """One rule's result for one submission of an application, with its reason."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="checks", verbose_name=_("application")
    )
    submission = models.PositiveSmallIntegerField(_("submission number"))
    rule = models.CharField(_("rule"), max_length=40)
    passed = models.BooleanField(_("passed"))
    message_zh = models.TextField(_("Chinese message"))
    message_en = models.TextField(_("English message"))
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "-submission", "pk"]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "submission", "rule"], name="check_unique_per_submission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.passed}"

    def message(self, language: str | None) -> str:
        return self.message_en if (language or "").startswith("en") else self.message_zh


class Certificate(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    factory = models.ForeignKey(
        "factories.Factory",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("factory"),
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        related_name="certificate",
        verbose_name=_("application"),
    )
    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("authority"),
    )
    self_declared = models.BooleanField(_("self-declared"), default=False)
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["factory", "tier"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="certificate_one_current_per_factory_tier",
            )
        ]
        indexes = [
            models.Index(fields=["factory", "status"], name="certificate_factory_idx"),
            models.Index(fields=["tier", "status"], name="certificate_tier_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class AuditEvent(models.Model):
    """Who changed what, when, from which state to which, and why. Written in the same
    transaction as the change."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty for the system (automated checks)."),
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=15, blank=True)
    to_status = models.CharField(_("to"), max_length=15)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.CheckConstraint(
                name="audit_event_has_subject",
                condition=models.Q(application__isnull=False) | models.Q(certificate__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"
