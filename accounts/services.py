"""Writes for accounts: creating users with a consistent role and scope, notifications, API
tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ROLE_AUTHORITY_LEVELS, ApiToken, Notification, Role, User
from accounts.tokens import PREFIX_LENGTH, token_secret_hash, token_secret_new
from core.errors import DomainError, NotFound
from regions.models import Authority


def user_role_authority_problem(*, role: str, authority: Authority | None) -> str | None:
    """Why this authority does not fit this role, or None when it does."""
    allowed_levels = ROLE_AUTHORITY_LEVELS.get(role)
    if allowed_levels is not None:
        if authority is None or authority.level not in allowed_levels:
            levels = ", ".join(str(Authority.Level(level).label) for level in allowed_levels)
            return _("This role needs an authority at one of these levels: %(levels)s.") % {
                "levels": levels
            }
        return None
    if authority is not None and role != Role.PLATFORM_ADMIN:
        return _("Enterprise users and experts do not act for an authority.")
    return None


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    authority: Authority | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    """Create a user whose authority matches the role (officials need one at the right level)."""
    problem = user_role_authority_problem(role=role, authority=authority)
    if problem is not None:
        raise DomainError(problem, code="authority_mismatch", fields={"authority": [problem]})
    user = User(
        username=username,
        role=role,
        authority=authority,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff or role == Role.PLATFORM_ADMIN,
        is_superuser=role == Role.PLATFORM_ADMIN,
    )
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def notification_send(*, recipients: Iterable[User], key: str, subject: str, body: str) -> int:
    """Put a message in each recipient's inbox once per key, and email those with an address.

    Returns how many notifications were new. Running it again with the same key sends nothing.
    """
    recipients = list(recipients)
    already = set(
        Notification.objects.filter(recipient__in=recipients, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [user for user in recipients if user.pk not in already]
    Notification.objects.bulk_create(
        [Notification(recipient=user, key=key, subject=subject, body=body) for user in fresh],
        ignore_conflicts=True,
    )
    mails = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in fresh if user.email
    ]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return len(fresh)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all, or those in ``ids``). Returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``, valid for API_TOKEN_DAYS days. Returns the token and its
    secret: the secret is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        message = _("Give the token a name.")
        raise DomainError(message, code="invalid", fields={"name": [message]})
    if len(name) > 100:
        message = _("At most 100 characters.")
        raise DomainError(message, code="invalid", fields={"name": [message]})
    if not user.is_active:
        raise DomainError(_("This account is deactivated."), code="inactive")
    secret = token_secret_new()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=token_secret_hash(secret),
        prefix=secret[:PREFIX_LENGTH],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    return token, secret


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens (someone else's is not found)."""
    found = ApiToken.objects.filter(user=user, pk=token_id) if 0 < token_id < 2**63 else None
    if found is None or not found.delete()[0]:
        raise NotFound(_("No such token."))


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of ``user`` (their password changed or their account was
    deactivated). Returns how many were revoked."""
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return deleted
