"""Admin building blocks shared by the apps."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core import refcache


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their services (workflow states, results, audit):
    the admin shows them and never writes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReferenceDataAdmin(admin.ModelAdmin):
    """For reference data the portal caches per process (core.refcache): every change made here
    tells the other processes to reload it."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        refcache.reference_data_changed()
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        refcache.reference_data_changed()
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        refcache.reference_data_changed()
        super().delete_queryset(request, queryset)
