"""Exports in the admin: read only (jobs are made and written by their services)."""

from __future__ import annotations

from django.contrib import admin

from core.admin_base import ReadOnlyAdmin
from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ("pk", "user", "kind", "format", "status", "rows_written", "created_at")
    list_filter = ("status", "kind", "format")
    search_fields = ("user__username",)
    exclude = ("file",)
