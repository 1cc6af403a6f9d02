from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm as BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, JoinRequest, User
from accounts.services import user_role_authority_problem


class RoleAuthorityCheck:
    """Admin forms refuse an authority that does not fit the role, as user_create does."""

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()  # type: ignore[misc]
        if "role" in cleaned:
            problem = user_role_authority_problem(
                role=cleaned["role"], authority=cleaned.get("authority")
            )
            if problem:
                self.add_error("authority", problem)  # type: ignore[attr-defined]
        return cleaned


class UserChangeForm(RoleAuthorityCheck, BaseUserChangeForm):
    class Meta(BaseUserChangeForm.Meta):
        model = User


class UserCreationForm(RoleAuthorityCheck, BaseUserCreationForm):
    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "role", "authority")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("username", "get_full_name", "role", "authority", "is_active", "is_staff")
    list_filter = ("role", "authority__level", "is_active", "awaiting_verification", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "authority__name_zh")
    list_select_related = ("authority",)
    autocomplete_fields = ("authority",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role and scope"), {"fields": ("role", "authority", "phone")}),
        (_("Sign-up"), {"fields": ("awaiting_verification", "language")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "authority")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked (deleted) here; they are created by their owner only, who
    alone sees the secret."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at")
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at")
    fields = readonly_fields

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Requests are read here; the enterprise's administrators decide them in the portal
    (accounts.services.join_request_approve / join_request_reject)."""

    list_display = ("user", "enterprise", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "enterprise__name", "enterprise__uscc")
    list_select_related = ("user", "enterprise", "decided_by")
    readonly_fields = (
        "user",
        "enterprise",
        "message",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "reason",
    )
    fields = readonly_fields

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
