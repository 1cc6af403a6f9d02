"""Revoke a user's API tokens when their password changes or their account is deactivated.

On the user model's save, so that every path is covered: the password change and reset forms,
the admin (its password form and its "active" box), ``manage.py changepassword`` and services.
The decision and the write are accounts.services' (the handlers only notice the change).
A password that is only re-hashed (Django upgrades the hash of a password on sign-in) is not a
change: the new hash is checked against the old one with the raw password when it is known.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import api_tokens_revoke_all

WATCHED_FIELDS = {"password", "is_active"}


def _credentials_changed(user: User, old_password: str, was_active: bool) -> bool:
    if was_active and not user.is_active:
        return True
    if user.password == old_password:
        return False
    raw = getattr(user, "_password", None)
    # Re-hashing the same password (same raw password, new hasher or iterations) is no change.
    return not (raw is not None and check_password(raw, old_password))


@receiver(pre_save, sender=User, dispatch_uid="accounts-tokens-watch-credentials")
def _note_credentials_change(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    instance._revoke_api_tokens = False  # type: ignore[attr-defined]
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not WATCHED_FIELDS & set(update_fields):
        return  # e.g. last_login on every sign-in: nothing to compare
    old = User.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    if old is None:
        return
    instance._revoke_api_tokens = _credentials_changed(  # type: ignore[attr-defined]
        instance, old_password=old[0], was_active=old[1]
    )


@receiver(post_save, sender=User, dispatch_uid="accounts-tokens-revoke-on-credentials")
def _revoke_tokens_on_credentials_change(sender: Any, instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_revoke_api_tokens", False):
        instance._revoke_api_tokens = False  # type: ignore[attr-defined]
        api_tokens_revoke_all(user=instance)
