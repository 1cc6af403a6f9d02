from django.contrib import admin

from regions.models import Authority, City, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "industrial_rank")
    list_editable = ("industrial_rank",)
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "province")
    list_filter = ("province",)
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("province",)


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "level", "kind", "province", "city")
    list_filter = ("level", "kind", "province")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("province", "city")
    autocomplete_fields = ("province", "city")
