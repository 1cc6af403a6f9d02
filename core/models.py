"""The one model of core: tasks that could not be queued, kept to be queued later."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingTask(models.Model):
    """A Celery task whose queueing failed (the broker was down) after its transaction committed.

    ``core.dispatch`` writes it; the periodic ``core.requeue_pending_tasks`` queues it again and
    deletes it once the broker took it. Tasks are idempotent, so queueing one twice is harmless.
    """

    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"


class OutboxMessage(models.Model):
    """A side effect (a notification now; emails and webhooks to come) written in the same
    transaction as the change that causes it, so that it exists exactly when the change does.
    ``core.outbox`` delivers it: on commit when the broker is up, else by the periodic
    dispatcher once it is back; its handler is idempotent, so a delivery repeated after a crash
    does its work once."""

    kind = models.CharField(_("kind"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    available_at = models.DateTimeField(_("due at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The dispatcher's batch: the undelivered rows that are due, oldest first.
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(delivered_at__isnull=True),
                name="outbox_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}{self.payload}"
