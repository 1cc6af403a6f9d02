"""Webhook subscriptions (an API client's endpoint for some event types within a scope), the
deliveries made to them, and each attempt of a delivery (issue 13).

A subscription's secret is kept as it is, in the Standard Webhooks form ``whsec_<base64>``: the
portal signs with it, so it cannot be stored as a hash the way API tokens are. It is shown to
its owner once, when the subscription is created.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEventType(models.TextChoices):
    APPLICATION_STATE_CHANGED = "application.state_changed", _("Application state changed")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate issued")
    CERTIFICATE_SUSPENDED = "certificate.suspended", _("Certificate suspended")
    CERTIFICATE_REINSTATED = "certificate.reinstated", _("Certificate reinstated")
    CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate revoked")
    PUBLICITY_OPENED = "publicity.opened", _("Publicity opened")
    PUBLICITY_CLOSED = "publicity.closed", _("Publicity closed")


def message_id_new() -> str:
    """A delivery's ``webhook-id``: the same on every attempt, so receivers can drop repeats."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookSubscription(models.Model):
    """An endpoint of its owner's, sent the events of ``event_types`` about objects within its
    scope (an authority's jurisdiction or one enterprise), and only those its owner may see."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("endpoint URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    event_types = models.JSONField(
        _("event types"), default=list, help_text=_("The events sent to the endpoint.")
    )
    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("authority scope"),
        help_text=_("Events about objects in this authority's jurisdiction."),
    )
    enterprise = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enterprise scope"),
        help_text=_("Events about this enterprise's factories."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("why it is disabled"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        constraints = [
            models.CheckConstraint(
                name="webhook_subscription_one_scope",
                condition=(
                    models.Q(authority__isnull=False, enterprise__isnull=True)
                    | models.Q(authority__isnull=True, enterprise__isnull=False)
                ),
            )
        ]
        indexes = [
            models.Index(
                fields=["owner", "-created_at", "-id"], name="webhook_subscription_owner_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def event_type_labels(self) -> list[str]:
        labels = dict(WebhookEventType.choices)
        return [str(labels.get(value, value)) for value in self.event_types]


class WebhookDelivery(models.Model):
    """One event for one subscription: its body, built when the event happened, and where its
    series of attempts stands. Unique per subscription and event, so that fanning an event out
    again creates nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_key = models.CharField(_("event key"), max_length=100)
    event_type = models.CharField(_("event type"), max_length=40, choices=WebhookEventType.choices)
    message_id = models.CharField(
        _("message id"), max_length=40, unique=True, default=message_id_new, editable=False
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("Attempts of the current series.")
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    retry_until = models.DateTimeField(
        _("retried until"), help_text=_("No attempt of the current series is made after this.")
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key"], name="webhook_delivery_unique_event"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(
                fields=["subscription", "-created_at", "-id"], name="webhook_delivery_log_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the answer's status code (none when no answer came), how
    long it took, and what went wrong."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"))
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at}: {self.response_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300
