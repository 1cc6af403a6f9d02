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
