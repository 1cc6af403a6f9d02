"""Certification reference data: the scenario catalogue and the tier conditions, per edition.

An edition in use is never edited in place; a revised guide or notice becomes a new edition.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from certification.workflow.events import EventType
from certification.workflow.states import (
    CLOSED_STATES,
    DECIDED_STATES,
    EDITABLE_STATES,
    OPEN_STATES,
    ApplicationState,
)
from regions.models import BilingualName, Located

# Open and past the applicant's draft: the states a worklist can show (a partial index's rows).
IN_FLIGHT_STATES = sorted(set(OPEN_STATES) - {ApplicationState.DRAFT})


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


def default_lapse_reminder_days() -> list[int]:
    return [30, 7, 1]


def default_national_targets() -> list[dict[str, int]]:
    """The programme's national targets by year (edition data): the share of enterprises at
    maturity level 2 or above, in percent, and the number of excellent factories."""
    return [
        {"year": 2027, "level2_share": 50, "excellent": 200},
        {"year": 2030, "level2_share": 60, "excellent": 500},
    ]


def validate_national_targets(value: object) -> None:
    """A list of ``{"year", "level2_share", "excellent"}`` with whole numbers, a share of at
    most 100 and each year once."""
    message = _(
        'A list of targets such as {"year": 2027, "level2_share": 50, "excellent": 200}: whole '
        "numbers, a share from 0 to 100, each year once."
    )
    if not isinstance(value, list):
        raise ValidationError(message, code="invalid_targets")
    years = set()
    for target in value:
        if not isinstance(target, dict) or set(target) != {"year", "level2_share", "excellent"}:
            raise ValidationError(message, code="invalid_targets")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in target.values()):
            raise ValidationError(message, code="invalid_targets")
        if not (2000 <= target["year"] <= 2100 and 0 <= target["level2_share"] <= 100):
            raise ValidationError(message, code="invalid_targets")
        if target["excellent"] < 0 or target["year"] in years:
            raise ValidationError(message, code="invalid_targets")
        years.add(target["year"])


def default_review_step_working_days() -> dict[str, int]:
    """How many working days each step of the officials' review may take (edition data)."""
    return {
        "city_review": 10,
        "provincial_review": 10,
        "expert_review": 15,
        "joint_review": 10,
        "provincial_decision": 10,
        "ranking": 10,
        "miit_review": 15,
        "national_expert_review": 20,
        "national_joint_review": 15,
        "miit_decision": 15,
        "acceptance": 20,
    }


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
    lapse_reminder_days = models.JSONField(
        _("reminders before an assessment lapses (days)"),
        default=default_lapse_reminder_days,
        help_text=_("Days before a certified factory's self-assessment lapses, e.g. [30, 7, 1]."),
    )
    review_step_working_days = models.JSONField(
        _("working days per review step"),
        default=default_review_step_working_days,
        help_text=_(
            'For each review step, e.g. {"city_review": 10}: the working days its reviewers '
            "have before they are told it is overdue."
        ),
    )
    suspension_grace_days = models.PositiveSmallIntegerField(
        _("grace period of a lapse suspension (days)"),
        default=180,
        help_text=_("A certificate suspended this long for a lapsed assessment is revoked."),
    )
    national_targets = models.JSONField(
        _("national targets"),
        default=default_national_targets,
        validators=[validate_national_targets],
        help_text=_(
            "The programme's targets the dashboards measure against, by year: the share of "
            "enterprises at maturity level 2 or above (percent) and the number of excellent "
            "factories."
        ),
    )
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
    # How the tier is run: facts the workflow reads instead of testing the tier's name.
    needs_campaign = models.BooleanField(
        _("applications need a campaign"),
        default=True,
        help_text=_("Off: accepted all year (the basic tier)."),
    )
    workflow = models.CharField(
        _("workflow"),
        max_length=40,
        help_text=_("The review chain applications of this tier go through."),
    )
    certifying_level = models.CharField(
        _("certifying authority level"),
        max_length=10,
        help_text=_("city, province or national: whose number sequence the certificate uses."),
    )
    certificate_prefix = models.CharField(_("certificate number prefix"), max_length=10)
    publicity_required = models.BooleanField(_("publicity before certification"), default=True)
    min_experts = models.PositiveSmallIntegerField(
        _("minimum number of experts"), default=0, help_text=_("0: no expert scoring.")
    )
    review_rubric = models.JSONField(
        _("expert scoring rubric"),
        default=list,
        blank=True,
        help_text=_("Criteria with code, name_zh, name_en and weight (weights add up to 1)."),
    )
    joint_department_kinds = models.JSONField(
        _("joint departments that concur"),
        default=list,
        blank=True,
        help_text=_("Authority kinds, e.g. development_reform, finance."),
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


class QuotaRule(models.Model):
    """How many applications a recommending unit may recommend for a nationally certified tier
    in the campaigns of an edition (DESIGN 2.5), as rows an administrator edits per edition.

    A unit takes the rule of its kind whose band holds it: a province by its rank in industrial
    value added (``band_min``-``band_max``; a province without a rank, or outside every band,
    takes the kind's flat rule), or for leading by its number of active excellent certificates
    (the rule with the highest ``band_min`` not above the count). The XPCC and each central SOE
    group take their kind's flat rule."""

    class Unit(models.TextChoices):
        PROVINCE = "province", _("Province")
        CORPS = "corps", _("Xinjiang Production and Construction Corps")
        CENTRAL_SOE_GROUP = "central_soe_group", _("Central SOE group")

    class Basis(models.TextChoices):
        FLAT = "flat", _("Every unit of the kind")
        INDUSTRIAL_RANK = "industrial_rank", _("Rank by industrial value added")
        EXCELLENT_COUNT = "excellent_count", _("Active excellent certificates")

    edition = models.ForeignKey(
        TierConditionsEdition,
        on_delete=models.CASCADE,
        related_name="quota_rules",
        verbose_name=_("edition"),
    )
    tier = models.CharField(
        _("tier"),
        max_length=10,
        choices=[(Tier.EXCELLENT, Tier.EXCELLENT.label), (Tier.LEADING, Tier.LEADING.label)],
    )
    unit = models.CharField(_("recommending unit"), max_length=20, choices=Unit.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    band_min = models.PositiveIntegerField(
        _("band from"),
        null=True,
        blank=True,
        help_text=_("First rank of the band, or the least number of excellent certificates."),
    )
    band_max = models.PositiveIntegerField(
        _("band to"), null=True, blank=True, help_text=_("Last rank of the band.")
    )
    quota = models.PositiveSmallIntegerField(_("quota"))

    class Meta:
        ordering = ["edition", "tier", "unit", "basis", "band_min"]
        verbose_name = _("quota rule")
        verbose_name_plural = _("quota rules")
        constraints = [
            models.CheckConstraint(
                name="quota_rule_band",
                condition=(
                    models.Q(basis="flat", band_min__isnull=True, band_max__isnull=True)
                    | models.Q(
                        basis="industrial_rank",
                        band_min__isnull=False,
                        band_max__gte=models.F("band_min"),
                    )
                    | models.Q(basis="excellent_count", band_min__isnull=False, band_max=None)
                ),
                violation_error_message=_(
                    "A flat rule has no band; a rank band has its first and last rank; an "
                    "excellent-count rule has its least count only."
                ),
            ),
            models.UniqueConstraint(
                fields=["edition", "tier", "unit", "basis", "band_min"],
                name="quota_rule_unique_band",
            ),
            models.UniqueConstraint(
                fields=["edition", "tier", "unit"],
                condition=models.Q(basis="flat"),
                name="quota_rule_unique_flat",
            ),
        ]

    def __str__(self) -> str:
        band = ""
        if self.band_min is not None:
            band = f" {self.band_min}" + (f"-{self.band_max}" if self.band_max else "+")
        unit = self.get_unit_display()
        return f"{self.edition} · {self.get_tier_display()} · {unit}{band}: {self.quota}"


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


class CampaignChange(models.Model):
    """A change to a campaign's window after it was opened: who changed it, when, from which
    dates to which, and why. Written in the same transaction as the change."""

    class Kind(models.TextChoices):
        EDIT = "edit", _("Window edited before it opened")
        CLOSE_EARLY = "close_early", _("Closed early")
        EXTEND = "extend", _("Extended")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="changes", verbose_name=_("campaign")
    )
    kind = models.CharField(_("change"), max_length=12, choices=Kind.choices)
    old_opens_on = models.DateField(_("opens on (before)"))
    old_closes_on = models.DateField(_("closes on (before)"))
    new_opens_on = models.DateField(_("opens on (after)"))
    new_closes_on = models.DateField(_("closes on (after)"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("campaign change")
        verbose_name_plural = _("campaign changes")
        constraints = [
            models.CheckConstraint(
                name="campaign_change_window_ordered",
                condition=models.Q(new_opens_on__lte=models.F("new_closes_on")),
            ),
            models.CheckConstraint(
                name="campaign_change_has_reason", condition=~models.Q(reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.kind}: {self.old_closes_on} -> {self.new_closes_on}"


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


class Application(Located):
    Status = ApplicationState

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
        _("status"), max_length=30, choices=Status.choices, default=Status.DRAFT
    )
    workflow = models.CharField(
        _("workflow"),
        max_length=40,
        help_text=_("Snapshot of the tier's workflow when the application was created."),
    )
    resume_state = models.CharField(
        _("returned from"),
        max_length=30,
        blank=True,
        help_text=_("The review step that returned the application; it resumes there."),
    )
    state_changed_at = models.DateTimeField(_("in this state since"), null=True, blank=True)
    recommending_group = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recommending central SOE group"),
        help_text=_(
            "Set when the checks pass, for a factory of a central SOE group's enterprise: the "
            "group recommends it to MIIT instead of the province."
        ),
    )
    joint_round = models.PositiveSmallIntegerField(
        _("joint concurrence round"),
        default=0,
        help_text=_("Counts the times the application went to the joint departments."),
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

    OPEN_STATUSES = OPEN_STATES
    DECIDED_STATUSES = DECIDED_STATES

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["factory", "tier"],
                condition=~models.Q(status__in=list(CLOSED_STATES)),
                name="application_one_open_per_factory_tier",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_status_idx"),
            models.Index(fields=["status", "state_changed_at"], name="application_waiting_idx"),
            models.Index(fields=["factory", "tier", "status"], name="application_factory_idx"),
            # The lists of each scope, in their order; the worklists by region.
            models.Index(fields=["-created_at", "-id"], name="application_recent_idx"),
            models.Index(
                fields=["province", "-created_at", "-id"], name="application_province_idx"
            ),
            models.Index(fields=["city", "-created_at", "-id"], name="application_city_idx"),
            # Worklists: the applications in flight of a region, longest-waiting first.
            models.Index(
                fields=["province", "state_changed_at", "id"],
                condition=models.Q(status__in=IN_FLIGHT_STATES),
                name="application_province_wait_idx",
            ),
            models.Index(
                fields=["city", "state_changed_at", "id"],
                condition=models.Q(status__in=IN_FLIGHT_STATES),
                name="application_city_wait_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.factory} · {self.get_tier_display()} · {self.get_status_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES


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


class Suspension(models.TextChoices):
    LAPSE = "lapse", _("Self-assessment lapsed")
    AUTHORITY = "authority", _("Suspended by the authority")


class Certificate(Located):
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
    # Why a suspended certificate is suspended: the portal's lapse suspensions are lifted by a
    # new assessment at the tier's level; the authority's own only by the authority.
    suspended_for = models.CharField(
        _("suspended for"), max_length=10, choices=Suspension.choices, blank=True
    )
    # Set when a new assessment below the tier's level came in while it was suspended for a
    # lapse: the certifying authority decides (the flagged certificates are its worklist).
    flagged_at = models.DateTimeField(_("flagged for review at"), null=True, blank=True)
    flag_note = models.TextField(_("flag"), blank=True)
    # A self-declared (basic) certificate is a filing the city bureau reviews: it confirms it
    # (this stamp) or rejects it (the certificate is revoked). Neither yet: a new filing.
    filing_confirmed_at = models.DateTimeField(_("filing confirmed at"), null=True, blank=True)

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
            # The lists of each scope, in their order.
            models.Index(fields=["-issued_on", "-id"], name="certificate_recent_idx"),
            models.Index(fields=["province", "-issued_on", "-id"], name="certificate_province_idx"),
            models.Index(fields=["city", "-issued_on", "-id"], name="certificate_city_idx"),
            models.Index(
                fields=["authority", "-flagged_at"],
                condition=models.Q(flagged_at__isnull=False),
                name="certificate_flagged_idx",
            ),
            # The city's new (unreviewed) basic filings, counted on every page of its officials.
            models.Index(
                fields=["city"],
                condition=models.Q(
                    self_declared=True, status="active", filing_confirmed_at__isnull=True
                ),
                name="certificate_new_filing_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number


def certificate_document_upload_to(instance: CertificateDocument, filename: str) -> str:
    import uuid

    return f"certificates/{instance.certificate_id}/{uuid.uuid4().hex}.pdf"


class CertificateDocument(models.Model):
    """A certificate's printable PDF, rendered once after the certificate is issued and served
    from storage since. A row of its own, not a column of the certificate: status transitions
    save the certificate row and never touch it, and the one-to-one key makes two renders of the
    same certificate store one document."""

    certificate = models.OneToOneField(
        Certificate,
        on_delete=models.CASCADE,
        related_name="document",
        verbose_name=_("certificate"),
    )
    file = models.FileField(_("file"), upload_to=certificate_document_upload_to, max_length=200)
    rendered_at = models.DateTimeField(_("rendered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate document")
        verbose_name_plural = _("certificate documents")

    def __str__(self) -> str:
        return self.file.name or ""


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
    acting_authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting for"),
    )
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(_("to"), max_length=30)
    reason = models.TextField(_("reason"), blank=True)
    extra_data = models.JSONField(
        _("details"),
        default=dict,
        blank=True,
        help_text=_("What changed: failed rule codes, scores, old and new values."),
    )
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
        return f"{self.event_type}: {self.from_status} -> {self.to_status}"


class CertificateSequence(models.Model):
    """The last number issued per tier, year and certifying authority. Locked while a number is
    taken, so two certifications never share one."""

    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    authority = models.ForeignKey(
        "regions.Authority", on_delete=models.PROTECT, related_name="+", verbose_name=_("authority")
    )
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("certificate number sequence")
        verbose_name_plural = _("certificate number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "year", "authority"], name="certificate_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tier}/{self.year}/{self.authority_id}: {self.last_number}"


# --- reviews -----------------------------------------------------------------------------------


class Expert(models.Model):
    """An entry of the expert register: who may be assigned to score applications."""

    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="expert_profile",
        verbose_name=_("user"),
    )
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("register of"),
        help_text=_("The province whose register lists the expert; empty: the national one."),
    )
    specialities = models.CharField(_("specialities"), max_length=300, blank=True)
    industries = models.ManyToManyField(
        "factories.Industry", blank=True, related_name="+", verbose_name=_("industries")
    )
    employer = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employer (if an enterprise on the portal)"),
    )
    employer_name = models.CharField(_("employer"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class ExpertConflict(models.Model):
    """A conflict of interest the expert declared: an interest in an enterprise, or a personal
    relationship with people there. The assignment refuses the expert for that enterprise and
    every enterprise of its group."""

    class Kind(models.TextChoices):
        RELATED_ENTERPRISE = "related_enterprise", _("Interest in the enterprise")
        RELATIONSHIP = "relationship", _("Relationship with people at the enterprise")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    enterprise = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    description = models.TextField(_("description"), blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        ordering = ["expert", "pk"]
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "enterprise", "kind"], name="expert_conflict_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.enterprise_id}"


class ExpertAssignment(models.Model):
    """An expert asked to score one application, the answer, and the scores on the rubric."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SCORED = "scored", _("Scored")
        REMOVED = "removed", _("Removed by the department")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("expert")
    )

    class Level(models.TextChoices):
        PROVINCE = "province", _("Provincial review")
        NATIONAL = "national", _("MIIT review")

    level = models.CharField(
        _("review"), max_length=10, choices=Level.choices, default=Level.PROVINCE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    # Not counted towards the experts the application needs (guard, score summary).
    INACTIVE_STATUSES = (Status.DECLINED, Status.REMOVED)
    assigned_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    scores = models.JSONField(_("scores by criterion"), default=dict, blank=True)
    total = models.DecimalField(
        _("weighted score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comments"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "assigned_at", "pk"]
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "level", "expert"], name="assignment_unique_expert"
            )
        ]
        indexes = [models.Index(fields=["expert", "status"], name="assignment_expert_idx")]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.expert_id} · {self.status}"


class JointOpinion(models.Model):
    """One joint department's concurrence or objection, for one round of concurrence."""

    class Decision(models.TextChoices):
        CONCUR = "concur", _("Concurs")
        OBJECT = "object", _("Objects")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="joint_opinions"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    decision = models.CharField(_("opinion"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "round", "authority__kind"]
        verbose_name = _("joint department opinion")
        verbose_name_plural = _("joint department opinions")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round", "authority"], name="joint_opinion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.authority_id} · {self.decision}"


# --- publicity (公示) ----------------------------------------------------------------------------


class Publicity(models.Model):
    """A list the certifying authority publishes for public scrutiny (one campaign batch), for
    the edition's number of working days: ``ends_on`` is counted on the working-day calendar."""

    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("certifying authority"),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publicities",
        verbose_name=_("campaign"),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("publicity")
        verbose_name_plural = _("publicities")
        indexes = [models.Index(fields=["-ends_on", "-id"], name="publicity_ends_idx")]
        constraints = [
            models.CheckConstraint(
                name="publicity_period_ordered",
                condition=models.Q(starts_on__lte=models.F("ends_on")),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on


class PublicityEntry(models.Model):
    """One application on a publicity list."""

    publicity = models.ForeignKey(
        Publicity, on_delete=models.CASCADE, related_name="entries", verbose_name=_("publicity")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="publicity_entries",
        verbose_name=_("application"),
    )

    class Meta:
        ordering = ["publicity", "pk"]
        verbose_name = _("publicity entry")
        verbose_name_plural = _("publicity entries")
        constraints = [
            models.UniqueConstraint(
                fields=["publicity", "application"], name="publicity_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publicity_id} · {self.application_id}"


def objection_upload_to(instance: Objection, filename: str) -> str:
    import uuid

    return f"objections/{instance.entry_id}/{uuid.uuid4().hex}"


class Objection(models.Model):
    """A signed objection lodged against a listed application during its publicity: seen by
    the certifying authority only, which records its investigation and the outcome."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being investigated")
        DISMISSED = "dismissed", _("Dismissed")
        UPHELD = "upheld", _("Upheld")

    entry = models.ForeignKey(
        PublicityEntry,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("publicity entry"),
    )
    name = models.CharField(_("real name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200)
    grounds = models.TextField(_("grounds"))
    file = models.FileField(
        _("evidence"), upload_to=objection_upload_to, blank=True, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    lodged_at = models.DateTimeField(_("lodged at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    investigation = models.TextField(_("investigation"), blank=True)
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["lodged_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        indexes = [models.Index(fields=["entry", "status"], name="objection_entry_status_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} · {self.status}"


# --- the national chain: recommendation lists, site visits, cultivation ----------------------


class RecommendationList(models.Model):
    """A recommending unit's ranked list for a campaign of a nationally certified tier: the
    province (or the XPCC) or a central SOE group puts its passed applications on it in order,
    never more than its quota, and submits it to MIIT as one act, after which it is locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being ranked")
        SUBMITTED = "submitted", _("Submitted to MIIT")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="recommendation_lists"
    )
    province = models.ForeignKey(
        "regions.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province or corps"),
    )
    group = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("central SOE group"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "province", "group"]
        verbose_name = _("recommendation list")
        verbose_name_plural = _("recommendation lists")
        constraints = [
            models.CheckConstraint(
                name="recommendation_one_unit",
                condition=models.Q(province__isnull=False, group__isnull=True)
                | models.Q(province__isnull=True, group__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["campaign", "province"], name="recommendation_unique_province"
            ),
            models.UniqueConstraint(
                fields=["campaign", "group"], name="recommendation_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.province or self.group}"


class RecommendationEntry(models.Model):
    """One application's place on a recommendation list (1 is recommended first)."""

    list = models.ForeignKey(RecommendationList, on_delete=models.CASCADE, related_name="entries")
    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="recommendation"
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    added_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["list", "rank"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(fields=["list", "rank"], name="recommendation_unique_rank")
        ]

    def __str__(self) -> str:
        return f"{self.list_id} #{self.rank}: {self.application_id}"


class SiteVisit(models.Model):
    """MIIT's visit to a leading applicant's factory: when, who, and the report."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="site_visit"
    )
    scheduled_on = models.DateField(_("visit date"))
    team = models.ManyToManyField(Expert, related_name="site_visits", verbose_name=_("team"))
    scheduled_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    report = models.TextField(_("report"), blank=True)
    findings = models.JSONField(
        _("findings"), default=list, blank=True, help_text=_("One finding per item.")
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")

    def __str__(self) -> str:
        return f"{self.application_id} · {self.scheduled_on}"


class Cultivation(models.Model):
    """A leading applicant's cultivation period (up to the edition's maximum), set after the
    site visit, with the milestones the enterprise reports against before acceptance."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="cultivation"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    months = models.PositiveSmallIntegerField(_("months"))

    class Meta:
        verbose_name = _("cultivation period")
        verbose_name_plural = _("cultivation periods")
        constraints = [
            models.CheckConstraint(
                name="cultivation_ordered", condition=models.Q(starts_on__lt=models.F("ends_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.starts_on}-{self.ends_on}"


class CultivationMilestone(models.Model):
    cultivation = models.ForeignKey(
        Cultivation, on_delete=models.CASCADE, related_name="milestones"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    report = models.TextField(_("progress report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cultivation", "order"]
        verbose_name = _("cultivation milestone")
        verbose_name_plural = _("cultivation milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["cultivation", "order"], name="cultivation_milestone_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cultivation_id} #{self.order}: {self.title}"


class VerifiedLevel(models.Model):
    """A reviewer's verified maturity score (0-5) for one sub-domain of the self-assessment an
    excellent or leading application rests on, beside the enterprise's own."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="verified_levels"
    )
    subdomain = models.CharField(_("sub-domain"), max_length=40)
    level = models.DecimalField(_("verified score"), max_digits=3, decimal_places=2)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["application", "subdomain"]
        verbose_name = _("verified level")
        verbose_name_plural = _("verified levels")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "subdomain"], name="verified_level_unique"
            ),
            models.CheckConstraint(
                name="verified_level_range", condition=models.Q(level__gte=0, level__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.subdomain}: {self.level}"


DEADLINE_SUBJECTS = {
    "assessment_lapse": "factory",
    "suspension_grace": "certificate",
    "publicity_end": "publicity",
    "milestone": "milestone",
    "review_step": "application",
}


def _deadline_subjects() -> models.Q:
    """Each kind of deadline has its subject, and only that one."""
    condition = models.Q()
    for kind, subject in DEADLINE_SUBJECTS.items():
        condition |= models.Q(
            kind=kind,
            **{f"{field}__isnull": field != subject for field in DEADLINE_SUBJECTS.values()},
        )
    return condition


class Deadline(models.Model):
    """A date the portal acts on by itself (issue 13), one row per subject and kind.

    ``next_on`` is the day the sweep of its kind next acts (reminders, then the deadline
    itself); ``step`` counts what has been done, so a sweep that runs twice, or again after a
    crash, does nothing twice: the row is locked, acted on and moved on in one transaction.
    ``next_on`` is empty once nothing is left to do."""

    class Kind(models.TextChoices):
        ASSESSMENT_LAPSE = "assessment_lapse", _("Self-assessment lapses")
        SUSPENSION_GRACE = "suspension_grace", _("Grace period of a suspension ends")
        PUBLICITY_END = "publicity_end", _("Publicity and objection window end")
        MILESTONE = "milestone", _("Cultivation milestone due")
        REVIEW_STEP = "review_step", _("Review step due")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    factory = models.ForeignKey(
        "factories.Factory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("factory"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("certificate"),
    )
    publicity = models.ForeignKey(
        Publicity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("publicity"),
    )
    milestone = models.ForeignKey(
        CultivationMilestone,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("milestone"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("application"),
    )
    # A review step's row: the step and when the application entered it (a row whose step is
    # no longer the application's is stale and ends without a notice).
    stage = models.CharField(_("step"), max_length=30, blank=True)
    stage_started_at = models.DateTimeField(_("step started at"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    next_on = models.DateField(_("next action on"), null=True, blank=True)
    step = models.PositiveSmallIntegerField(_("steps done"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["next_on", "pk"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "factory"],
                condition=models.Q(factory__isnull=False),
                name="deadline_one_per_factory",
            ),
            models.UniqueConstraint(
                fields=["kind", "certificate"],
                condition=models.Q(certificate__isnull=False),
                name="deadline_one_per_certificate",
            ),
            models.UniqueConstraint(
                fields=["kind", "publicity"],
                condition=models.Q(publicity__isnull=False),
                name="deadline_one_per_publicity",
            ),
            models.UniqueConstraint(
                fields=["kind", "milestone"],
                condition=models.Q(milestone__isnull=False),
                name="deadline_one_per_milestone",
            ),
            models.UniqueConstraint(
                fields=["kind", "application"],
                condition=models.Q(application__isnull=False),
                name="deadline_one_per_application",
            ),
            models.CheckConstraint(
                condition=_deadline_subjects(),
                name="deadline_subject_of_kind",
            ),
        ]
        indexes = [
            # The sweeps' read: the due rows of a kind, oldest first.
            models.Index(
                fields=["kind", "next_on", "id"],
                condition=models.Q(next_on__isnull=False),
                name="deadline_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"
