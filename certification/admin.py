"""Admin for certification data.

Editions (tier conditions, scenario catalogue) that a campaign or an application uses are
read-only: a revision is a new edition ("Copy as a new edition"). Applications, check results,
certificates and audit events change only through their services, so they are read-only here.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification import services
from certification.models import (
    Application,
    AuditEvent,
    Campaign,
    CampaignQuota,
    Certificate,
    CheckResult,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    JointOpinion,
    Link,
    QuotaRule,
    Scenario,
    ScenarioCatalogue,
    ScenarioClaim,
    Stage,
    TierCondition,
    TierConditionsEdition,
)
from core.admin_base import ReadOnlyAdmin, ReferenceDataAdmin
from core.errors import DomainError


class CatalogueLockedAdmin(ReferenceDataAdmin):
    """Parts of a scenario catalogue are read-only once the catalogue is in use."""

    def catalogue_of(self, obj: Any) -> ScenarioCatalogue | None:
        return getattr(obj, "catalogue", None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        catalogue = self.catalogue_of(obj) if obj is not None else None
        if catalogue is not None and services.catalogue_in_use(catalogue):
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission


@admin.register(ScenarioCatalogue)
class ScenarioCatalogueAdmin(CatalogueLockedAdmin):
    list_display = ("edition", "title_zh", "created_at")
    search_fields = ("edition", "title_zh")

    def catalogue_of(self, obj: Any) -> ScenarioCatalogue | None:
        return obj


@admin.register(Stage)
class StageAdmin(CatalogueLockedAdmin):
    list_display = ("code", "name_zh", "name_en", "order", "catalogue")
    list_filter = ("catalogue",)


@admin.register(Link)
class LinkAdmin(CatalogueLockedAdmin):
    list_display = ("code", "name_zh", "stage", "order", "catalogue")
    list_filter = ("catalogue", "stage__code")
    list_select_related = ("stage", "catalogue")


@admin.register(Scenario)
class ScenarioAdmin(CatalogueLockedAdmin):
    list_display = ("code", "name_zh", "name_en", "link", "catalogue")
    list_filter = ("catalogue", "link__stage__code")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("link", "catalogue")


class TierConditionInline(admin.StackedInline):
    model = TierCondition
    extra = 0


class QuotaRuleInline(admin.TabularInline):
    model = QuotaRule
    extra = 0


@admin.register(TierConditionsEdition)
class TierConditionsEditionAdmin(ReferenceDataAdmin):
    list_display = ("edition", "status", "title_zh", "scenario_catalogue", "published_at")
    inlines = (TierConditionInline, QuotaRuleInline)
    actions = ("copy_as_new_edition", "publish")
    list_filter = ("status",)
    readonly_fields = ("status", "published_at")

    @admin.action(description=_("Publish the selected editions"))
    def publish(self, request: HttpRequest, queryset: Any) -> None:
        for edition in queryset:
            try:
                services.tier_conditions_publish(edition=edition)
            except DomainError as exc:
                self.message_user(request, f"{edition}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %s") % edition)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and services.edition_in_use(obj):
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission

    @admin.action(description=_("Copy as a new edition"))
    def copy_as_new_edition(self, request: HttpRequest, queryset: Any) -> None:
        for edition in queryset:
            code = f"{edition.edition}-{timezone.now():%Y%m%d%H%M%S}"
            try:
                copy = services.tier_conditions_copy(edition=edition, new_edition=code)
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(request, _("Created edition %s.") % copy.edition)


@admin.register(TierCondition)
class TierConditionAdmin(ReferenceDataAdmin):
    list_display = ("tier", "edition", "min_maturity_level", "prerequisite_tier", "min_ai_share")
    list_filter = ("edition", "tier")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and services.edition_in_use(obj.edition):
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission


class CampaignQuotaInline(admin.TabularInline):
    model = CampaignQuota
    extra = 0
    autocomplete_fields = ("province", "enterprise")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("__str__", "tier", "year", "batch", "opens_on", "closes_on")
    list_filter = ("tier", "year", "authority__level")
    search_fields = ("authority__name_zh",)
    list_select_related = ("authority",)
    inlines = (CampaignQuotaInline,)
    readonly_fields = ("authority", "tier", "year", "batch", "tier_edition", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # campaigns are opened through the portal (campaign_open)


class ClaimInline(admin.TabularInline):
    model = ScenarioClaim
    extra = 0
    can_delete = False


class CheckInline(admin.TabularInline):
    model = CheckResult
    extra = 0
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "factory", "tier", "status", "submission", "submitted_at")
    list_filter = ("tier", "status", "factory__city__province")
    search_fields = ("factory__name", "factory__enterprise__name", "factory__enterprise__uscc")
    list_select_related = ("factory",)
    inlines = (ClaimInline, CheckInline)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "tier", "factory", "status", "self_declared", "issued_on")
    list_filter = ("tier", "status", "self_declared", "factory__city__province")
    search_fields = ("number", "factory__name", "factory__enterprise__uscc")
    list_select_related = ("factory",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "event_type",
        "from_status",
        "to_status",
        "actor",
        "acting_authority",
        "application",
        "certificate",
    )
    list_filter = ("event_type",)
    list_select_related = ("actor", "acting_authority")
    date_hierarchy = "at"


class ConflictInline(admin.TabularInline):
    model = ExpertConflict
    extra = 0
    autocomplete_fields = ("enterprise",)


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    """The expert register: the platform admin (or a province's administrator) adds experts and
    may record conflicts the expert reported outside the portal."""

    list_display = ("__str__", "employer_name", "province", "specialities", "is_active")
    list_filter = ("province", "is_active")
    search_fields = ("user__username", "user__first_name", "employer_name", "specialities")
    autocomplete_fields = ("user", "employer")
    filter_horizontal = ("industries",)
    list_select_related = ("user", "province")
    inlines = (ConflictInline,)


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("application", "expert", "status", "total", "assigned_at", "scored_at")
    list_filter = ("status",)
    list_select_related = ("application__factory", "expert__user")


@admin.register(JointOpinion)
class JointOpinionAdmin(ReadOnlyAdmin):
    list_display = ("application", "round", "authority", "decision", "at")
    list_filter = ("decision", "authority__kind")
    list_select_related = ("application__factory", "authority")
