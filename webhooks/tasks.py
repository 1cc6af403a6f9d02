"""Thin Celery wrappers around the webhook services."""

from __future__ import annotations

from celery import shared_task

from webhooks import services


# A run stops starting batches after 50 s; a batch of 10 posts takes at most 10 timeouts.
@shared_task(name="webhooks.deliver_due", time_limit=300, soft_time_limit=270)
def deliver_due() -> int:
    """Attempt the due webhook deliveries (on commit of new ones, and periodically). Safe to
    run concurrently and again."""
    return services.webhooks_deliver_due()
