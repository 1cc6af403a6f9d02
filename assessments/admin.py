from django.contrib import admin

from assessments.models import Domain, Element, Level, ModelVersion, Requirement, SubDomain


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "standard_code", "status", "illustrative", "published_at")
    list_filter = ("status", "illustrative")
    search_fields = ("code", "title_zh", "title_en")


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("version", "number", "name_zh", "name_en")
    list_filter = ("version",)


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    list_display = ("version", "code", "name_zh", "name_en", "order")
    list_filter = ("version",)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "element", "order")
    list_filter = ("element__version",)
    list_select_related = ("element",)


@admin.register(SubDomain)
class SubDomainAdmin(admin.ModelAdmin):
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
class RequirementAdmin(admin.ModelAdmin):
    list_display = ("code", "level", "subdomain", "version")
    list_filter = ("version", "level", "subdomain__code")
    search_fields = ("code", "text_zh", "text_en")
    list_select_related = ("subdomain", "version")
