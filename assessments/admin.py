"""Admin for the maturity model and assessments.

Published model versions, and everything under them, are read-only here: assessments rely on
them never changing. A corrected requirement set is imported as a new version.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from assessments import services
from assessments.models import (
    Answer,
    Assessment,
    Domain,
    Element,
    Evidence,
    Level,
    ModelVersion,
    Requirement,
    SubDomain,
)
from core.admin_base import ReadOnlyAdmin, ReferenceDataAdmin
from core.errors import DomainError


def _published(version: ModelVersion | None) -> bool:
    return version is not None and version.status == ModelVersion.Status.PUBLISHED


class VersionPartAdmin(ReferenceDataAdmin):
    """Parts of a version are editable only while the version is a draft; new parts can only
    be added to a draft version."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "version":
            kwargs["queryset"] = ModelVersion.objects.filter(status=ModelVersion.Status.DRAFT)
        elif db_field.name in ("domain", "subdomain", "element"):
            related = db_field.related_model
            path = "element__version__status" if related is Domain else "version__status"
            kwargs["queryset"] = related.objects.filter(**{path: ModelVersion.Status.DRAFT})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def version_of(self, obj: Any) -> ModelVersion | None:
        return getattr(obj, "version", None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _published(self.version_of(obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _published(self.version_of(obj)):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ModelVersion)
class ModelVersionAdmin(VersionPartAdmin):
    list_display = ("code", "standard_code", "status", "illustrative", "published_at")
    list_filter = ("status", "illustrative")
    search_fields = ("code", "title_zh", "title_en")
    readonly_fields = ("status", "published_at", "created_at")
    actions = ("publish",)

    def version_of(self, obj: Any) -> ModelVersion | None:
        return obj

    @admin.action(description=_("Publish the selected versions"))
    def publish(self, request: HttpRequest, queryset: Any) -> None:
        for version in queryset:
            try:
                services.model_version_publish(version=version)
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %s") % version, messages.SUCCESS)


@admin.register(Level)
class LevelAdmin(VersionPartAdmin):
    list_display = ("version", "number", "name_zh", "name_en")
    list_filter = ("version",)


@admin.register(Element)
class ElementAdmin(VersionPartAdmin):
    list_display = ("version", "code", "name_zh", "name_en", "order")
    list_filter = ("version",)


@admin.register(Domain)
class DomainAdmin(VersionPartAdmin):
    list_display = ("code", "name_zh", "element", "order")
    list_filter = ("element__version",)
    list_select_related = ("element",)

    def version_of(self, obj: Any) -> ModelVersion | None:
        return obj.element.version


@admin.register(SubDomain)
class SubDomainAdmin(VersionPartAdmin):
    list_display = (
        "code",
        "name_zh",
        "version",
        "weight",
        "applies_to_discrete",
        "applies_to_process",
    )
    list_filter = ("version", "applies_to_discrete", "applies_to_process")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Requirement)
class RequirementAdmin(VersionPartAdmin):
    list_display = ("code", "level", "subdomain", "version")
    list_filter = ("version", "level", "subdomain__code")
    search_fields = ("code", "text_zh", "text_en")
    list_select_related = ("subdomain", "version")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "factory",
        "status",
        "maturity_level",
        "overall_score",
        "submitted_at",
        "valid_until",
    )
    list_filter = ("status", "maturity_level", "industry_type", "factory__city__province")
    search_fields = ("factory__name", "factory__enterprise__name", "factory__enterprise__uscc")
    list_select_related = ("factory",)
    date_hierarchy = "submitted_at"


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "requirement", "score", "updated_at")
    list_filter = ("score",)
    search_fields = ("requirement__code", "assessment__factory__name")
    list_select_related = ("assessment", "requirement")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("content_type",)
    search_fields = ("original_name", "answer__assessment__factory__name")
    list_select_related = ("uploaded_by",)
