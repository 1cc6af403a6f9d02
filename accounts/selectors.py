"""What a user may see is decided from their scope, computed here and only here.

Every other app's selectors start from :func:`scope_for`, so no view can forget to scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import ApiToken, JoinRequest, Notification, Role, ScopeLevel, User
from factories.models import Enterprise, Membership
from regions.models import Authority

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
        steps.append(
            NextStep(_("Ask to join an enterprise already registered"), "join-request-create")
        )
        steps.append(
            NextStep(_("Join requests: yours and those for you to decide"), "join-requests")
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
            steps.append(NextStep(_("Keep the city's key cultivation pool"), "pool-list"))
        if user.role == Role.PROVINCIAL_OFFICIAL:
            steps.append(NextStep(_("See the cities' key cultivation pools"), "pool-list"))
        if user.role in (Role.PROVINCIAL_OFFICIAL, Role.MIIT_REVIEWER):
            steps.append(NextStep(_("Campaigns"), "campaign-list"))
        if user.role == Role.PROVINCIAL_OFFICIAL:
            steps.append(NextStep(_("Accounts of your cities' officials"), "official-list"))
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


# --- Join requests ---------------------------------------------------------------------------


def enterprise_administrators(enterprise: Enterprise) -> QuerySet[User]:
    """The members who decide who else may join the enterprise."""
    return User.objects.filter(
        is_active=True,
        memberships__enterprise=enterprise,
        memberships__role=Membership.Role.ADMIN,
    ).order_by("pk")


def _administers(user: AnyUser, enterprise_id: int) -> bool:
    return (
        isinstance(user, User)
        and Membership.objects.filter(
            user=user, enterprise_id=enterprise_id, role=Membership.Role.ADMIN
        ).exists()
    )


def join_request_visible(user: AnyUser, join_request: JoinRequest) -> bool:
    """The requester and the enterprise's administrators see a request; nobody else."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return join_request.user_id == user.pk or _administers(user, join_request.enterprise_id)


def join_request_can_decide(user: AnyUser, join_request: JoinRequest) -> Decision:
    if not isinstance(user, User) or not user.is_active:
        return Decision(False, _("Please sign in."))
    if not _administers(user, join_request.enterprise_id):
        return Decision(
            False, _("Only the enterprise's administrators can decide on join requests.")
        )
    if join_request.status != JoinRequest.Status.PENDING:
        return Decision(False, _("This request has already been decided."))
    return Decision(True)


def join_request_get_for(user: AnyUser, pk: int) -> JoinRequest:
    """One request the user may see; any other answers not found."""
    from core.errors import NotFound

    found = (
        JoinRequest.objects.select_related("user", "enterprise", "decided_by").filter(pk=pk).first()
        if 0 < pk < 2**63
        else None
    )
    if found is None or not join_request_visible(user, found):
        raise NotFound(_("No such join request."))
    return found


def join_requests_made_by(user: User) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(user=user).select_related("enterprise", "decided_by")


def join_requests_to_decide_for(user: User) -> QuerySet[JoinRequest]:
    """Pending requests to join the enterprises the user administers, oldest first."""
    administered = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values(
        "enterprise_id"
    )
    return (
        JoinRequest.objects.filter(
            enterprise_id__in=administered, status=JoinRequest.Status.PENDING
        )
        .select_related("user", "enterprise")
        .order_by("created_at", "pk")
    )


# --- Officials' accounts made by a province --------------------------------------------------


def city_officials_manager_decision(user: AnyUser) -> Decision:
    """May this user manage the accounts of city officials (of their own province)?"""
    if (
        isinstance(user, User)
        and user.is_active
        and user.role == Role.PROVINCIAL_OFFICIAL
        and user.authority is not None
        and user.authority.level == Authority.Level.PROVINCE
    ):
        return Decision(True)
    return Decision(False, _("Only provincial officials manage their cities' officials."))


def city_authorities_for(user: User) -> QuerySet[Authority]:
    """The city bureaus of the user's province (none unless they manage city officials)."""
    if not city_officials_manager_decision(user):
        return Authority.objects.none()
    assert user.authority is not None
    return Authority.objects.filter(
        level=Authority.Level.CITY, province_id=user.authority.province_id
    ).order_by("code")


def city_official_list_for(user: User) -> QuerySet[User]:
    """The city officials of the user's province."""
    return (
        User.objects.filter(role=Role.CITY_OFFICIAL, authority__in=city_authorities_for(user))
        .select_related("authority")
        .order_by("authority__code", "username")
    )


def city_official_can_create(user: AnyUser, authority: Authority) -> Decision:
    decision = city_officials_manager_decision(user)
    if not decision:
        return decision
    assert isinstance(user, User) and user.authority is not None
    if authority.level != Authority.Level.CITY or (
        authority.province_id != user.authority.province_id
    ):
        return Decision(
            False, _("You can create accounts only for the city bureaus of your province.")
        )
    return Decision(True)
