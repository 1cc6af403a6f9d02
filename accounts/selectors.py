"""What a user may see is decided from their scope, computed here and only here.

Every other app's selectors start from :func:`scope_for`, so no view can forget to scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Notification, Role, ScopeLevel, User

AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class Scope:
    level: str
    user_id: int = 0
    province_code: str | None = None
    city_code: str | None = None


NO_SCOPE = Scope(level=ScopeLevel.ASSIGNMENTS)


@dataclass(frozen=True)
class Decision:
    """A permission answer with the reason the UI can show when it is no."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def acting_user(request: Any) -> User:
    """The signed-in user of a request (views and endpoints require authentication first)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        from core.errors import PermissionDenied

        raise PermissionDenied(_("Please sign in."), code="not_authenticated")
    return user


def scope_for(user: AnyUser | None) -> Scope:
    if user is None or not isinstance(user, User) or not user.is_active:
        return NO_SCOPE
    level = user.scope_level
    if level == ScopeLevel.ENTERPRISE:
        return Scope(level=level, user_id=user.pk)
    if level == ScopeLevel.NATIONAL:
        return Scope(level=level, user_id=user.pk)
    authority = user.authority
    if level == ScopeLevel.PROVINCE and authority is not None:
        return Scope(level=level, user_id=user.pk, province_code=authority.province_id)
    if level == ScopeLevel.CITY and authority is not None:
        return Scope(
            level=level,
            user_id=user.pk,
            province_code=authority.province_id,
            city_code=authority.city_id,
        )
    return Scope(level=ScopeLevel.ASSIGNMENTS, user_id=user.pk)


def is_enterprise_user(user: AnyUser) -> bool:
    return isinstance(user, User) and user.role == Role.ENTERPRISE_USER


@dataclass(frozen=True)
class NextStep:
    title: str
    url_name: str


def next_steps_for(user: User) -> list[NextStep]:
    """The actions the home page offers this user, by role. Later features add theirs here."""
    steps: list[NextStep] = []
    if user.role == Role.ENTERPRISE_USER:
        steps.append(
            NextStep(_("Register an enterprise and its first factory"), "enterprise-register")
        )
        steps.append(NextStep(_("See your enterprises and factories"), "enterprise-list"))
        steps.append(NextStep(_("Do your annual self-assessment"), "assessment-list"))
        steps.append(NextStep(_("Apply for a tier"), "application-list"))
        steps.append(NextStep(_("See your path to the next tier"), "tier-path-index"))
    elif user.role == Role.EXPERT:
        steps.append(NextStep(_("Answer and score your assignments"), "worklist"))
        steps.append(NextStep(_("Declare your conflicts of interest"), "expert-conflicts"))
    else:
        if user.role in (Role.CITY_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.JOINT_REVIEWER):
            steps.append(NextStep(_("See what waits for you (worklist)"), "worklist"))
        steps.append(
            NextStep(
                _("Browse the enterprises and factories in your jurisdiction"), "enterprise-list"
            )
        )
        steps.append(NextStep(_("Review self-assessments in your jurisdiction"), "assessment-list"))
        if user.role == Role.CITY_OFFICIAL:
            steps.append(NextStep(_("Review self-declared basic factories"), "basic-filings"))
        if user.role in (Role.PROVINCIAL_OFFICIAL, Role.MIIT_REVIEWER):
            steps.append(NextStep(_("Campaigns"), "campaign-list"))
    if user.is_staff:
        steps.append(NextStep(_("Open the administration site"), "admin:index"))
    steps.append(NextStep(_("Change your password"), "password_change"))
    steps.append(NextStep(_("API tokens"), "api-tokens"))
    return steps


def notification_list_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_notification_count(user: AnyUser) -> int:
    if not isinstance(user, User):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def api_token_list_for(user: User) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first (expired ones too, until revoked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
