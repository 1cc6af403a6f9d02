from django.contrib import admin

from certification.models import (
    Link,
    Scenario,
    ScenarioCatalogue,
    Stage,
    TierCondition,
    TierConditionsEdition,
)


@admin.register(ScenarioCatalogue)
class ScenarioCatalogueAdmin(admin.ModelAdmin):
    list_display = ("edition", "title_zh", "created_at")
    search_fields = ("edition", "title_zh")


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order", "catalogue")
    list_filter = ("catalogue",)


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "stage", "order", "catalogue")
    list_filter = ("catalogue", "stage__code")
    list_select_related = ("stage", "catalogue")


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "link", "catalogue")
    list_filter = ("catalogue", "link__stage__code")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("link", "catalogue")


class TierConditionInline(admin.StackedInline):
    model = TierCondition
    extra = 0


@admin.register(TierConditionsEdition)
class TierConditionsEditionAdmin(admin.ModelAdmin):
    list_display = ("edition", "title_zh", "scenario_catalogue", "created_at")
    inlines = (TierConditionInline,)


@admin.register(TierCondition)
class TierConditionAdmin(admin.ModelAdmin):
    list_display = ("tier", "edition", "min_maturity_level", "prerequisite_tier", "min_ai_share")
    list_filter = ("edition", "tier")
