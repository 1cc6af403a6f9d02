from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from factories.models import CultivationPoolEntry, Enterprise, Factory, Industry, Membership
from factories.services import (
    enterprise_factories_mark_away,
    enterprise_locate,
    enterprise_presence_refresh,
    factory_locate,
)

# Derived from the city by the services (province; a factory's "away" flag): shown, never typed.
LOCATION_FIELDS = ("province", "away")


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "process_type")
    list_filter = ("process_type",)
    search_fields = ("code", "name_zh", "name_en")


class FactoryInline(admin.TabularInline):
    model = Factory
    extra = 0
    autocomplete_fields = ("city", "industry")
    readonly_fields = LOCATION_FIELDS


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "city", "industry", "above_designated_size", "created_at")
    list_filter = (
        "above_designated_size",
        "is_central_soe_group",
        "industry",
        "city__province",
    )
    search_fields = ("name", "uscc")
    list_select_related = ("city", "industry")
    autocomplete_fields = ("city", "industry", "created_by", "group")
    inlines = (FactoryInline, MembershipInline)
    readonly_fields = ("province",)

    def save_model(self, request: HttpRequest, obj: Enterprise, form: Any, change: bool) -> None:
        enterprise_locate(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            if isinstance(instance, Factory):
                factory_locate(instance)
            instance.save()
        formset.save_m2m()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        enterprise_factories_mark_away(form.instance)
        enterprise_presence_refresh([form.instance.pk])


@admin.register(Factory)
class FactoryAdmin(admin.ModelAdmin):
    list_display = ("name", "enterprise", "city", "industry", "created_at")
    list_filter = ("industry__process_type", "industry", "city__province")
    search_fields = ("name", "enterprise__name", "enterprise__uscc", "address")
    list_select_related = ("enterprise", "city", "industry")
    autocomplete_fields = ("enterprise", "city", "industry")
    readonly_fields = LOCATION_FIELDS

    def save_model(self, request: HttpRequest, obj: Factory, form: Any, change: bool) -> None:
        factory_locate(obj)
        super().save_model(request, obj, form, change)
        previous = form.initial.get("enterprise") if change else None
        enterprise_presence_refresh({obj.enterprise_id, *([previous] if previous else [])})

    def delete_model(self, request: HttpRequest, obj: Factory) -> None:
        enterprise_id = obj.enterprise_id
        super().delete_model(request, obj)
        enterprise_presence_refresh([enterprise_id])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        enterprise_ids = set(queryset.values_list("enterprise_id", flat=True))
        super().delete_queryset(request, queryset)
        enterprise_presence_refresh(enterprise_ids)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "enterprise", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "enterprise__name", "enterprise__uscc")
    list_select_related = ("user", "enterprise")
    autocomplete_fields = ("user", "enterprise")


@admin.register(CultivationPoolEntry)
class CultivationPoolEntryAdmin(admin.ModelAdmin):
    list_display = ("factory", "year", "authority", "added_by", "created_at", "removed_at")
    list_filter = ("year", "authority__province")
    search_fields = ("factory__name", "factory__enterprise__name", "reason")
    list_select_related = ("factory", "authority", "added_by")

    # Read only: the city bureaus add and remove through their pool pages and the API
    # (factories.services.pool_entry_add/remove), which check the city and keep the events.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
