"""Webhooks in the admin: read only (subscriptions change through their services, which check
the URL and the scope; the delivery log is a record). The signing secret is never shown."""

from __future__ import annotations

from django.contrib import admin

from core.admin_base import ReadOnlyAdmin
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

SUBSCRIPTION_FIELDS = (
    "owner",
    "name",
    "url",
    "event_types",
    "authority",
    "enterprise",
    "is_active",
    "disabled_at",
    "disabled_reason",
    "consecutive_failures",
    "created_at",
)
ATTEMPT_FIELDS = ("attempted_at", "response_code", "latency_ms", "error")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "url", "is_active", "consecutive_failures", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url", "owner__username")
    list_select_related = ("owner",)
    fields = SUBSCRIPTION_FIELDS
    readonly_fields = SUBSCRIPTION_FIELDS


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS
    extra = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "subscription", "status", "attempts", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("message_id", "event_key")
    list_select_related = ("subscription",)
    raw_id_fields = ("subscription",)
    inlines = (WebhookAttemptInline,)
