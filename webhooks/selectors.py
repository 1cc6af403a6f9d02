"""Scoped reads of webhooks: a subscription is its owner's alone; the scopes a user may give a
subscription; who may see the object an event is about."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import ScopeLevel, User
from accounts.selectors import Scope, scope_for
from certification.models import Application
from certification.selectors import application_list_for, certificate_list_for
from core.errors import NotFound
from factories.models import Enterprise
from factories.selectors import enterprise_list_for
from regions.models import Authority
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def _pk(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def subscription_list_for(user: User) -> QuerySet[WebhookSubscription]:
    """The user's own subscriptions, newest first."""
    return (
        WebhookSubscription.objects.filter(owner=user)
        .select_related("authority", "enterprise")
        .order_by("-created_at", "-pk")
    )


def subscription_get_for(user: User, pk: Any) -> WebhookSubscription:
    """One of the user's own subscriptions; anyone else's is not found."""
    key = _pk(pk)
    found = subscription_list_for(user).filter(pk=key).first() if key else None
    if found is None:
        raise NotFound(_("No such webhook."))
    return found


def delivery_list_for(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The subscription's delivery log, newest first, each with its attempts (one more query
    for a whole page)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("-created_at", "-pk")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("attempted_at", "pk"))
        )
    )


def delivery_get_for(subscription: WebhookSubscription, pk: Any) -> WebhookDelivery:
    key = _pk(pk)
    found = (
        WebhookDelivery.objects.filter(subscription=subscription, pk=key).first() if key else None
    )
    if found is None:
        raise NotFound(_("No such delivery."))
    return found


# --- scopes ----------------------------------------------------------------------------------


def authorities_within(scope: Scope) -> QuerySet[Authority]:
    """The authorities whose jurisdiction lies within the scope's: all for the national scope,
    the province's own and its cities' for a province, the city's for a city, none otherwise."""
    qs = Authority.objects.all()
    if scope.level == ScopeLevel.NATIONAL:
        return qs
    if scope.level == ScopeLevel.PROVINCE:
        return qs.filter(province_id=scope.province_code)
    if scope.level == ScopeLevel.CITY:
        return qs.filter(level=Authority.Level.CITY, city_id=scope.city_code)
    return qs.none()


def scope_authorities_for(user: User) -> QuerySet[Authority]:
    """The authorities offered as a subscription's scope on the page: the user's own, and the
    industry and IT authorities below it (one per region)."""
    offered = Q(kind=Authority.Kind.INDUSTRY_IT)
    if user.authority_id is not None:
        offered |= Q(pk=user.authority_id)
    return authorities_within(scope_for(user)).filter(offered).order_by("code")


def scope_enterprises_for(user: User) -> QuerySet[Enterprise]:
    """The enterprises offered as a subscription's scope on the page: an enterprise user's own
    (officials may name an enterprise of their jurisdiction through the API)."""
    if scope_for(user).level != ScopeLevel.ENTERPRISE:
        return Enterprise.objects.none()
    return enterprise_list_for(user).order_by("name", "pk")


def subscription_scope_problem(
    owner: User, *, authority: Authority | None, enterprise: Enterprise | None
) -> tuple[str, str] | None:
    """Why this scope may not be given to a subscription of ``owner`` (the field and the
    message), or None. A scope never exceeds the owner's own: an enterprise user names one of
    their enterprises; an official an authority within their jurisdiction or an enterprise
    they see; the national scope anything."""
    if (authority is None) == (enterprise is None):
        return "authority", _("Choose either an authority or an enterprise as the scope.")
    scope = scope_for(owner)
    if scope.level not in (
        ScopeLevel.ENTERPRISE,
        ScopeLevel.CITY,
        ScopeLevel.PROVINCE,
        ScopeLevel.NATIONAL,
    ):
        field = "authority" if authority is not None else "enterprise"
        return field, _("Your account has no jurisdiction or enterprise that webhooks can follow.")
    if authority is not None:
        if scope.level == ScopeLevel.ENTERPRISE:
            return "authority", _(
                "Enterprise users subscribe to their own enterprise's events: choose an "
                "enterprise, not an authority."
            )
        if not authorities_within(scope).filter(pk=authority.pk).exists():
            return "authority", _("This authority's jurisdiction goes beyond yours.")
        return None
    assert enterprise is not None
    if not enterprise_list_for(owner, few=True).filter(pk=enterprise.pk).exists():
        if scope.level == ScopeLevel.ENTERPRISE:
            return "enterprise", _("You can only subscribe to the events of your own enterprises.")
        return "enterprise", _("This enterprise is not in your jurisdiction.")
    return None


# --- the objects of events ------------------------------------------------------------------


def covering_scopes(*, province_ids: set[str], city_ids: set[str], enterprise_ids: set[int]) -> Q:
    """Subscriptions whose scope covers an object located in one of these provinces or cities,
    or of one of these enterprises."""
    return (
        Q(enterprise_id__in=enterprise_ids)
        | Q(authority__level=Authority.Level.NATIONAL)
        | Q(authority__level=Authority.Level.PROVINCE, authority__province_id__in=province_ids)
        | Q(authority__level=Authority.Level.CITY, authority__city_id__in=city_ids)
    )


def scope_covers(
    subscription: WebhookSubscription, *, province_id: str, city_id: str, enterprise_id: int
) -> bool:
    """Whether the subscription's scope holds an object located there, of that enterprise."""
    if subscription.enterprise_id is not None:
        return subscription.enterprise_id == enterprise_id
    authority = subscription.authority
    if authority is None:
        return False
    if authority.level == Authority.Level.NATIONAL:
        return True
    if authority.level == Authority.Level.PROVINCE:
        return authority.province_id == province_id
    return authority.city_id == city_id


def applications_visible(user: User, application_ids: list[int]) -> set[int]:
    """Which of these applications the user may see now (the scoped selector decides)."""
    return set(
        application_list_for(user)
        .filter(pk__in=application_ids)
        .order_by()
        .values_list("pk", flat=True)
    )


def application_visible(user: User, application: Application) -> bool:
    return application.pk in applications_visible(user, [application.pk])


def certificate_visible(user: User, certificate_id: int) -> bool:
    return certificate_list_for(user).filter(pk=certificate_id).exists()
