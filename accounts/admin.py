from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "authority", "is_active", "is_staff")
    list_filter = ("role", "authority__level", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "authority__name_zh")
    list_select_related = ("authority",)
    autocomplete_fields = ("authority",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("role", "authority", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "authority")}),
    )
