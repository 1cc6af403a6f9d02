"""Writes for accounts: creating users with a consistent role and scope (by the admin, by
sign-up, by a province for its cities), email verification, join requests, notifications, API
tokens."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.models import (
    ROLE_AUTHORITY_LEVELS,
    ApiToken,
    JoinRequest,
    Notification,
    NotificationKind,
    Role,
    User,
)
from accounts.tokens import (
    PREFIX_LENGTH,
    token_secret_hash,
    token_secret_new,
    verification_token_make,
    verification_token_read,
)
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.uniqueness import save_unless_exists
from factories.models import Enterprise, Membership
from factories.validators import normalize_uscc
from regions.models import Authority

logger = logging.getLogger(__name__)


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
    phone: str = "",
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
        phone=phone,
        is_staff=is_staff or role == Role.PLATFORM_ADMIN,
        is_superuser=role == Role.PLATFORM_ADMIN,
    )
    user.set_password(password)
    user.save()
    return user


@dataclass(frozen=True)
class Notice:
    """One message for ``notifications_send``: its recipients, its idempotency ``key``, its
    ``kind`` (``NotificationKind``), the (subject, body) ``message`` makes in the language it
    is called in, and ``link``, the page of what it is about."""

    recipients: Sequence[User]
    key: str
    kind: str
    message: Callable[[], tuple[str, str]]
    link: str = ""


@transaction.atomic
def notifications_send(notices: Sequence[Notice]) -> int:
    """Put each notice in each of its recipients' inboxes once per key, in the recipient's
    language, and email those with an address who have not turned its kind off: each email is
    an outbox row written with the notification, delivered after commit (core.outbox;
    ``notification_email``). A fixed number of statements however many notices.

    Returns how many notifications were new. Sending a key again sends nothing."""
    from core.outbox import outbox_add_many

    keys = {notice.key for notice in notices}
    users = {user.pk: user for notice in notices for user in notice.recipients}
    if not users:
        return 0
    already = set(
        Notification.objects.filter(key__in=keys, recipient_id__in=list(users)).values_list(
            "recipient_id", "key"
        )
    )
    fresh: list[Notification] = []
    texts: dict[tuple[int, str], tuple[str, str]] = {}
    for index, notice in enumerate(notices):
        for user in notice.recipients:
            if (user.pk, notice.key) in already:
                continue
            already.add((user.pk, notice.key))
            language = user_language(user)
            if (index, language) not in texts:
                with translation.override(language):
                    texts[(index, language)] = notice.message()
            subject, body = texts[(index, language)]
            fresh.append(
                Notification(
                    recipient=user,
                    key=notice.key,
                    kind=notice.kind,
                    subject=subject[:200],
                    body=body,
                    link=notice.link,
                )
            )
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    mailed = {
        (note.recipient_id, note.key)
        for note in fresh
        if users[note.recipient_id].email and note.kind not in users[note.recipient_id].email_muted
    }
    if mailed:
        rows = Notification.objects.filter(
            key__in={key for _pk, key in mailed},
            recipient_id__in={pk for pk, _key in mailed},
            emailed_at__isnull=True,
        ).values_list("pk", "recipient_id", "key")
        outbox_add_many(
            "notification_email",
            [{"notification_id": pk} for pk, user, key in rows if (user, key) in mailed],
        )
    return len(fresh)


def notification_send(
    *,
    recipients: Iterable[User],
    key: str,
    kind: str,
    subject: str,
    body: str,
    link: str = "",
) -> int:
    """One message of ``kind``, the same text for every recipient (``notifications_send``)."""
    return notifications_send([Notice(list(recipients), key, kind, lambda: (subject, body), link)])


def notification_email(*, notification_id: int) -> bool:
    """Email one notification to its recipient, once (the outbox's handler). The link is given
    in full, on the portal's address."""
    note = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if note is None or not note.recipient.email:
        return False
    body = note.body
    if note.link:
        body = f"{body}\n\n{settings.PORTAL_BASE_URL}{note.link}"
    send_mail(note.subject, body, settings.DEFAULT_FROM_EMAIL, [note.recipient.email])
    note.emailed_at = timezone.now()
    note.save(update_fields=["emailed_at"])
    return True


@transaction.atomic
def email_preferences_set(*, user: User, emailed: Iterable[str]) -> User:
    """The kinds of notification that reach ``user`` by email (the others stay in the inbox
    only). Unknown kinds are refused."""
    wanted = set(emailed)
    unknown = wanted - set(NotificationKind.values)
    if unknown:
        message = _("Unknown kinds of notification: %(kinds)s.") % {
            "kinds": ", ".join(sorted(unknown))
        }
        raise DomainError(message, fields={"emailed": [message]})
    user.email_muted = sorted(set(NotificationKind.values) - wanted)
    user.save(update_fields=["email_muted"])
    return user


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


# --- Emails of the account pages -------------------------------------------------------------


def user_language(user: User, *, default: str | None = None) -> str:
    """The language of the user's emails: the one they signed up in, else ``default`` (the
    language of the page that asked for the email, if any), else the portal's."""
    return user.language or default or settings.LANGUAGE_CODE


def _account_email(*, to: str, language: str, template: str, context: dict[str, Any]) -> Any:
    """A plain-text and HTML email from ``accounts/email/<template>{_subject.txt,.txt,.html}``,
    rendered in ``language``."""
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        text = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, settings.DEFAULT_FROM_EMAIL, [to]
    )
    message.attach_alternative(html, "text/html")
    return message


def _deliver(message: Any) -> None:
    try:
        message.send()
    except Exception:  # the account is made or changed; the user can ask for the link again
        logger.exception("could not send the account email %r", message.subject)


def _send_on_commit(message: Any) -> None:
    transaction.on_commit(lambda: _deliver(message))


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def verification_email_send(*, user: User, site_url: str) -> None:
    """Email the user a new verification link (after the current transaction commits)."""
    token = verification_token_make(user)
    link = _absolute(site_url, reverse("signup-verify", kwargs={"token": token}))
    context = {
        "user": user,
        "link": link,
        "days": settings.SIGNUP_VERIFICATION_DAYS,
        "site_url": site_url,
    }
    _send_on_commit(
        _account_email(
            to=user.email, language=user_language(user), template="verify", context=context
        )
    )


@transaction.atomic
def user_sign_up(
    *,
    username: str,
    email: str,
    password: str,
    name: str,
    phone: str = "",
    language: str,
    site_url: str,
) -> User | None:
    """Self sign-up: an inactive enterprise user awaiting verification, emailed a link that
    activates the account. Sign-up never makes any other role.

    When the address already belongs to an account, no account is made: that address is told so
    instead (with a new link if that account still awaits verification). The caller shows the
    same page in both cases, so the sign-up form does not tell who has an account here.
    Returns the new user, or None when the address was taken.
    """
    email = User.objects.normalize_email(email.strip())
    taken = User.objects.filter(email__iexact=email).order_by("pk").first()
    if taken is not None:
        make_password(password)  # the same work as a sign-up: the answer's timing tells nothing
        if taken.awaiting_verification and not taken.is_active:
            verification_email_send(user=taken, site_url=site_url)
        else:
            context = {
                "user": taken,
                "login_url": _absolute(site_url, reverse("login")),
                "reset_url": _absolute(site_url, reverse("password_reset")),
            }
            _send_on_commit(
                _account_email(
                    to=taken.email,
                    language=user_language(taken),
                    template="already_registered",
                    context=context,
                )
            )
        return None
    user = User(
        username=username,
        email=email,
        first_name=(name or "").strip(),
        phone=(phone or "").strip(),
        role=Role.ENTERPRISE_USER,
        is_active=False,
        awaiting_verification=True,
        language=language,
    )
    user.set_password(password)
    if save_unless_exists(user, clash=User.objects.filter(username__iexact=username)):
        message = _("A user with that username already exists.")
        raise Conflict(message, code="duplicate_username", fields={"username": [message]})
    verification_email_send(user=user, site_url=site_url)
    return user


def verification_resend(*, email: str, site_url: str) -> int:
    """Send a new verification link to the accounts of this address that await verification.
    Silent otherwise (the page answers the same whatever the address). Returns how many."""
    waiting = User.objects.filter(
        email__iexact=email.strip(), awaiting_verification=True, is_active=False
    )
    sent = 0
    for user in waiting:
        verification_email_send(user=user, site_url=site_url)
        sent += 1
    return sent


def verification_user(*, token: str, lock: bool = False) -> User:
    """The account a verification link may activate. A refused link raises a DomainError whose
    code says why: link_expired, link_invalid or link_used (the link works once)."""
    read = verification_token_read(token)
    if read.problem == "expired":
        raise DomainError(_("This link has expired. Ask for a new one below."), code="link_expired")
    invalid = DomainError(
        _("This link is not valid. Check that you copied all of it, or ask for a new one."),
        code="link_invalid",
    )
    if read.user_id is None:
        raise invalid
    users = User.objects.select_for_update() if lock else User.objects.all()
    user = users.filter(pk=read.user_id).first()
    if user is None:
        raise invalid
    if not user.awaiting_verification:
        raise DomainError(
            _("This link has already been used. Sign in with your username and password."),
            code="link_used",
        )
    if not read.matches(user):
        raise invalid
    return user


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Activate the account a verification link names (see verification_user)."""
    user = verification_user(token=token, lock=True)
    user.is_active = True
    user.awaiting_verification = False
    user.save(update_fields=["is_active", "awaiting_verification"])
    return user


# --- Accounts made by a province for its cities ----------------------------------------------


@transaction.atomic
def city_official_create(
    *,
    actor: User,
    authority: Authority,
    username: str,
    email: str,
    name: str,
    phone: str = "",
    site_url: str,
) -> User:
    """A provincial official makes a city official's account for a city bureau of their own
    province. The account gets a random password and the official an email with a link to set
    their own (Django's password reset link; "Forgot your password?" works later too)."""
    decision = selectors.city_official_can_create(actor, authority)
    if not decision:
        raise PermissionDenied(decision.reason, fields={"authority": [decision.reason]})
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(username__iexact=username).exists():
        message = _("A user with that username already exists.")
        raise Conflict(message, code="duplicate_username", fields={"username": [message]})
    if User.objects.filter(email__iexact=email).exists():
        message = _("An account with this email address already exists.")
        raise Conflict(message, code="duplicate_email", fields={"email": [message]})
    user = user_create(
        username=username,
        password=secrets.token_urlsafe(32),
        role=Role.CITY_OFFICIAL,
        authority=authority,
        email=email,
        first_name=(name or "").strip(),
        phone=(phone or "").strip(),
    )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {
        "user": user,
        "authority": authority,
        "created_by": actor,
        "link": _absolute(site_url, path),
        "reset_url": _absolute(site_url, reverse("password_reset")),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    _send_on_commit(
        _account_email(
            to=email, language=user_language(user), template="official_welcome", context=context
        )
    )
    return user


# --- Join requests ---------------------------------------------------------------------------


def notification_send_each(
    *,
    recipients: Iterable[User],
    key: str,
    kind: str,
    message: Callable[[], tuple[str, str]],
    link: str = "",
) -> int:
    """One message of ``kind`` in each recipient's language (``notifications_send``)."""
    return notifications_send([Notice(list(recipients), key, kind, message, link)])


@transaction.atomic
def join_request_create(*, actor: User, uscc: str, message: str = "", site_url: str) -> JoinRequest:
    """An enterprise user asks to join the enterprise with this credit code; its administrators
    are notified."""
    if actor.role != Role.ENTERPRISE_USER or not actor.is_active:
        raise PermissionDenied(_("Only enterprise users can ask to join an enterprise."))
    message = (message or "").strip()
    if len(message) > 1000:
        text = _("At most 1000 characters.")
        raise DomainError(text, code="invalid", fields={"message": [text]})
    enterprise = Enterprise.objects.filter(uscc=normalize_uscc(uscc or "")).first()
    if enterprise is None:
        text = _("No enterprise with this credit code is registered.")
        raise NotFound(text, fields={"uscc": [text]})
    if Membership.objects.filter(user=actor, enterprise=enterprise).exists():
        text = _("You are already a member of this enterprise.")
        raise Conflict(text, code="already_member", fields={"uscc": [text]})
    join_request = JoinRequest(user=actor, enterprise=enterprise, message=message)
    clash = JoinRequest.objects.filter(
        user=actor, enterprise=enterprise, status=JoinRequest.Status.PENDING
    )
    existing = save_unless_exists(join_request, clash=clash)
    if existing is not None:
        text = _("You have already asked to join this enterprise; wait for its answer.")
        raise Conflict(
            text, code="already_requested", fields={"uscc": [text]}, existing_id=existing.pk
        )
    link = _absolute(site_url, reverse("join-request-detail", kwargs={"pk": join_request.pk}))
    requester = actor.get_full_name() or actor.username

    def notice() -> tuple[str, str]:
        subject = _("%(user)s asks to join %(enterprise)s") % {
            "user": requester,
            "enterprise": enterprise.name,
        }
        body = _(
            "%(user)s (%(email)s) asks to become a member of %(enterprise)s. As its "
            "administrator you can approve or reject the request: %(link)s"
        ) % {
            "user": requester,
            "email": actor.email or "-",
            "enterprise": enterprise.name,
            "link": link,
        }
        return subject, body

    notification_send_each(
        kind=NotificationKind.ACCOUNT,
        recipients=selectors.enterprise_administrators(enterprise),
        key=f"join-request:{join_request.pk}",
        message=notice,
        link=reverse("join-request-detail", kwargs={"pk": join_request.pk}),
    )
    return join_request


def _join_request_locked(*, actor: User, join_request_id: int) -> JoinRequest:
    """The pending request, locked, once the actor may decide it."""
    join_request = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise", "user")
        .filter(pk=join_request_id)
        .first()
        if 0 < join_request_id < 2**63
        else None
    )
    if join_request is None or not selectors.join_request_visible(actor, join_request):
        raise NotFound(_("No such join request."))
    decision = selectors.join_request_can_decide(actor, join_request)
    if not decision:
        raise PermissionDenied(decision.reason)
    if join_request.status != JoinRequest.Status.PENDING:
        raise Conflict(_("This request has already been decided."), code="already_decided")
    return join_request


def _join_request_notify_requester(join_request: JoinRequest, site_url: str) -> None:
    enterprise_name = join_request.enterprise.name
    approved = join_request.status == JoinRequest.Status.APPROVED
    link = _absolute(site_url, reverse("join-request-detail", kwargs={"pk": join_request.pk}))
    reason = join_request.reason

    def notice() -> tuple[str, str]:
        if approved:
            subject = _("You are now a member of %(enterprise)s") % {"enterprise": enterprise_name}
            body = _(
                "Your request to join %(enterprise)s was approved. Its enterprises, factories "
                "and assessments are now in your portal: %(link)s"
            ) % {"enterprise": enterprise_name, "link": link}
        else:
            subject = _("Your request to join %(enterprise)s was rejected") % {
                "enterprise": enterprise_name
            }
            body = _(
                "Your request to join %(enterprise)s was rejected. Reason: %(reason)s %(link)s"
            ) % {"enterprise": enterprise_name, "reason": reason, "link": link}
        return subject, body

    notification_send_each(
        kind=NotificationKind.ACCOUNT,
        recipients=[join_request.user],
        key=f"join-request-decided:{join_request.pk}",
        message=notice,
        link=reverse("join-request-detail", kwargs={"pk": join_request.pk}),
    )


@transaction.atomic
def join_request_approve(*, actor: User, join_request_id: int, site_url: str) -> JoinRequest:
    """An administrator of the enterprise approves: the requester becomes a member."""
    join_request = _join_request_locked(actor=actor, join_request_id=join_request_id)
    Membership.objects.get_or_create(
        user=join_request.user,
        enterprise=join_request.enterprise,
        defaults={"role": Membership.Role.MEMBER},
    )
    join_request.status = JoinRequest.Status.APPROVED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    _join_request_notify_requester(join_request, site_url)
    return join_request


@transaction.atomic
def join_request_reject(
    *, actor: User, join_request_id: int, reason: str, site_url: str
) -> JoinRequest:
    """An administrator of the enterprise rejects, with a reason the requester is told."""
    reason = (reason or "").strip()
    if not reason:
        text = _("Give a reason.")
        raise DomainError(text, code="reason_required", fields={"reason": [text]})
    if len(reason) > 1000:
        text = _("At most 1000 characters.")
        raise DomainError(text, code="invalid", fields={"reason": [text]})
    join_request = _join_request_locked(actor=actor, join_request_id=join_request_id)
    join_request.status = JoinRequest.Status.REJECTED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.reason = reason
    join_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _join_request_notify_requester(join_request, site_url)
    return join_request
