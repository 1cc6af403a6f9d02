"""Scoped reads of enterprises and factories. Every view and endpoint starts here."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, ScopeLevel, User
from accounts.selectors import AnyUser, Decision, Scope, scope_for
from core.errors import NotFound
from core.pagination import KeysetIndex
from core.prepared import PreparedQuery
from factories.models import (
    CultivationPoolEntry,
    Enterprise,
    EnterprisePresence,
    Factory,
    Membership,
)


def region_filter(scope: Scope) -> Q | None:
    """The filter that keeps rows inside an official's jurisdiction (None: everything).

    Every row listed by region (enterprises, factories, assessments, applications, certificates)
    carries its own ``province`` and ``city``, so that a jurisdiction's list is one range of an
    index in the list's order, never a join through the factory.
    """
    if scope.level == ScopeLevel.NATIONAL:
        return None
    if scope.level == ScopeLevel.PROVINCE:
        return Q(province_id=scope.province_code)
    if scope.level == ScopeLevel.CITY:
        return Q(city_id=scope.city_code)
    return Q(pk__in=[])


def factory_scoped(qs: QuerySet[Any], scope: Scope, *, field: str = "factory") -> QuerySet[Any]:
    """Keep the rows of ``qs`` the scope may see (``field`` leads from the row to its factory;
    empty when the rows are factories).

    Members: the rows of their enterprises' factories. Officials: rows located in their
    jurisdiction (where the factory was when the row was made: history stays with the
    authorities that handled it). National: all. Anyone else: none. Factories, assessments,
    applications and certificates are all scoped here.
    """
    prefix = f"{field}__" if field else ""
    if scope.level == ScopeLevel.ENTERPRISE:
        members = Membership.objects.filter(
            enterprise=OuterRef(f"{prefix}enterprise_id"), user_id=scope.user_id
        )
        return qs.filter(Exists(members))
    if scope.level not in (ScopeLevel.NATIONAL, ScopeLevel.PROVINCE, ScopeLevel.CITY):
        return qs.none()
    region = region_filter(scope)
    return qs if region is None else qs.filter(region)


def enterprise_list_for(user: AnyUser, *, few: bool = False) -> QuerySet[Enterprise]:
    """Enterprises the user may see.

    Enterprise users: their own (through memberships). Officials: enterprises registered in
    their jurisdiction or with a factory there. National scope: all. Experts: none (they see
    only what is assigned to them, from the assessment and certification apps). ``few``: the
    caller narrows the set to a handful of rows (a lookup, a detail), so the scope is checked
    per row from the factories themselves rather than read as a set.
    """
    return enterprises_in(scope_for(user), few=few)


def enterprises_in(scope: Scope, *, few: bool = False) -> QuerySet[Enterprise]:
    """The enterprises of a scope (see ``enterprise_list_for``)."""
    qs = Enterprise.objects.select_related("city__province", "industry")
    if scope.level == ScopeLevel.ENTERPRISE:
        return qs.filter(
            Exists(Membership.objects.filter(enterprise=OuterRef("pk"), user_id=scope.user_id))
        )
    region = region_filter(scope)
    if region is None:
        return qs
    if scope.level not in (ScopeLevel.PROVINCE, ScopeLevel.CITY):
        return qs.none()
    # Registered here, or with a factory here although registered elsewhere ("away").
    if few:
        # Checked per row: a few rows (a lookup, a detail).
        away = Factory.objects.filter(region, away=True, enterprise=OuterRef("pk"))
        return qs.filter(region | Exists(away))
    code = _region_code(scope)
    # Joined to the region's presence rows (one per enterprise) and ordered by their name, which
    # is the enterprise's: a page walks the presence index in order and a count reads it,
    # instead of walking every enterprise in name order to find the region's.
    return qs.filter(presences__region_code=code).order_by(
        "presences__name", "presences__enterprise_id"
    )


def enterprise_count_for(user: AnyUser) -> int:
    """How many enterprises ``enterprise_list_for`` shows the user: for a regional official the
    region's presence rows, counted from their index alone (a count of the joined enterprises
    reads the whole primary key index at national scale)."""
    scope = scope_for(user)
    present = enterprise_presence_in(scope)
    return enterprises_in(scope).count() if present is None else present.count()


def enterprise_list_index(scope: Scope, *, related: tuple[str, ...]) -> KeysetIndex | None:
    """A regional official's enterprise list for keyset pagination (core.pagination): pages read
    from the region's ``EnterprisePresence`` rows, one range of their index in the list's order
    (name, then id), and the enterprises of a page, with their ``related`` rows, by primary key.
    None for other scopes (their lists read the enterprises' own index)."""
    present = enterprise_presence_in(scope)
    if present is None:
        return None
    listed = Enterprise.objects.select_related(*related)
    return KeysetIndex(present, {"name": "name", "id": "enterprise_id"}, listed)


def enterprise_presence_in(scope: Scope) -> QuerySet[EnterprisePresence] | None:
    """A regional official's enterprises as rows of ``EnterprisePresence``. None for other
    scopes."""
    code = _region_code(scope)
    return None if code is None else EnterprisePresence.objects.filter(region_code=code)


def _region_code(scope: Scope) -> str | None:
    if scope.level == ScopeLevel.PROVINCE:
        return scope.province_code
    if scope.level == ScopeLevel.CITY:
        return scope.city_code
    return None


def enterprise_by_uscc_for(user: AnyUser, uscc: str) -> Enterprise | None:
    """The enterprise with this credit code, if the user may see it, with the rows its API
    output names (city, industry): one query, prepared once per process and kind of scope (the
    lookup of banks and other government systems; core.prepared)."""
    scope = scope_for(user)
    lookup = _USCC_LOOKUPS.get(scope.level)
    if lookup is None:
        return None
    found = lookup.objects(uscc=uscc, **_scope_values(scope, lookup))
    return found[0] if found else None


def _uscc_lookup(level: str) -> PreparedQuery:
    def build(uscc: str, **scoped: Any) -> QuerySet[Enterprise]:
        qs = enterprises_in(_scope_of(level, scoped), few=True)
        qs = qs.select_related(None).select_related("city", "industry")
        return qs.filter(uscc=uscc).order_by()[:1]  # the code is unique

    return PreparedQuery(build, uscc="~uscc~", **_SCOPE_SENTINELS[level])


# The values that make a scope of each kind, as sentinels of prepared queries.
_SCOPE_SENTINELS: dict[str, dict[str, Any]] = {
    ScopeLevel.NATIONAL: {},
    ScopeLevel.PROVINCE: {"province_code": "~province~"},
    ScopeLevel.CITY: {"city_code": "~city~"},
    ScopeLevel.ENTERPRISE: {"user_id": -424_242},
}


def _scope_of(level: str, values: dict[str, Any]) -> Scope:
    return Scope(level=level, **values)


def _scope_values(scope: Scope, query: PreparedQuery) -> dict[str, Any]:
    return {name: getattr(scope, name) for name in query.sentinels if name in _SCOPE_FIELDS}


_SCOPE_FIELDS = frozenset({"province_code", "city_code", "user_id"})
_PK_SENTINEL = -525_252


def _enterprise_get(level: str, related: tuple[str, ...]) -> PreparedQuery:
    def build(pk: int, **scoped: Any) -> QuerySet[Enterprise]:
        qs = enterprises_in(_scope_of(level, scoped), few=True)
        return qs.select_related(None).select_related(*related).filter(pk=pk).order_by()

    return PreparedQuery(build, pk=_PK_SENTINEL, **_SCOPE_SENTINELS[level])


def _factory_get(level: str, related: tuple[str, ...]) -> PreparedQuery:
    def build(pk: int, **scoped: Any) -> QuerySet[Factory]:
        qs = Factory.objects.select_related(*related)
        return factory_scoped(qs, _scope_of(level, scoped), field="").filter(pk=pk).order_by()

    return PreparedQuery(build, pk=_PK_SENTINEL, **_SCOPE_SENTINELS[level])


_PREPARED_GETS: dict[tuple[Any, ...], PreparedQuery] = {}


def _prepared_get(make: Any, scope: Scope, related: tuple[str, ...], pk: Any) -> Any:
    """The one row with this primary key in the scope, or None (also for a key that is not a
    whole number in ASCII digits)."""
    if scope.level not in _SCOPE_SENTINELS:
        return None
    if isinstance(pk, str) and pk.isascii() and pk.isdigit() and len(pk) <= 18:
        pk = int(pk)
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
        return None
    key = (make, scope.level, related)
    query = _PREPARED_GETS.get(key)
    if query is None:
        query = _PREPARED_GETS.setdefault(key, make(scope.level, related))
    found = query.objects(pk=pk, **_scope_values(scope, query))
    return found[0] if found else None


_USCC_LOOKUPS = {level: _uscc_lookup(level) for level in _SCOPE_SENTINELS}


def factory_list_for(user: AnyUser) -> QuerySet[Factory]:
    """Factories the user may see: their enterprises' or those located in their jurisdiction."""
    qs = Factory.objects.select_related("enterprise", "city__province", "industry")
    return factory_scoped(qs, scope_for(user), field="")


def enterprise_get_for(
    user: AnyUser, pk: Any, *, related: tuple[str, ...] | None = None
) -> Enterprise:
    """The enterprise if the user may see it; ``related``: the related rows to read with it
    (default: those the pages show)."""
    if related is not None:  # the API's detail: a prepared query (see enterprise_by_uscc_for)
        scope = scope_for(user)
        found = _prepared_get(_enterprise_get, scope, related, pk)
        if found is None:
            raise NotFound(_("Enterprise not found."))
        return found  # type: ignore[no-any-return]
    try:
        return enterprise_list_for(user, few=True).get(pk=pk)
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Enterprise not found.")) from None


def factory_get_for(
    user: AnyUser, pk: Any, *, related: tuple[str, ...] | None = None, lean: bool = False
) -> Factory:
    """The factory if the user may see it. ``related``: the related rows to read with it
    (default: those the pages show); ``lean``: only its own keys and location, no related rows,
    for callers that need no more."""
    if related is not None and not lean:  # the API's detail: a prepared query
        found = _prepared_get(_factory_get, scope_for(user), related, pk)
        if found is None:
            raise NotFound(_("Factory not found."))
        return found  # type: ignore[no-any-return]
    qs = factory_list_for(user)
    if lean:
        qs = qs.select_related(None).only("id", "enterprise_id", "province_id", "city_id")
    try:
        return qs.get(pk=pk)
    except (Factory.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Factory not found.")) from None


def enterprise_can_manage(user: AnyUser, enterprise: Enterprise) -> Decision:
    """May this user change the enterprise and its factories?"""
    if not isinstance(user, User):
        return Decision(False, _("Please sign in."))
    if Membership.objects.filter(user=user, enterprise=enterprise).exists():
        return Decision(True)
    return Decision(False, _("Only members of this enterprise can change its data."))


# --- the city's key cultivation pool -----------------------------------------------------------


def pool_visible(user: AnyUser) -> Decision:
    """City officials keep their city's pool; provincial officials read their province's."""
    if (
        isinstance(user, User)
        and user.is_active
        and user.authority_id is not None
        and user.role in (Role.CITY_OFFICIAL, Role.PROVINCIAL_OFFICIAL)
    ):
        return Decision(True)
    return Decision(False, _("Only city and provincial officials see the cultivation pool."))


def pool_maintainer(user: AnyUser) -> bool:
    """Whether the user adds to and removes from a pool (their city's)."""
    scope = scope_for(user)
    return (
        isinstance(user, User)
        and user.role == Role.CITY_OFFICIAL
        and scope.level == ScopeLevel.CITY
        and scope.city_code is not None
    )


def pool_list_for(user: AnyUser, *, year: int | None = None) -> QuerySet[CultivationPoolEntry]:
    """The pool entries the user may see, removed ones included (they say so), newest year
    first: a city official's city, a provincial official's province, nobody else's."""
    qs = CultivationPoolEntry.objects.select_related(
        "factory__enterprise", "factory__city", "authority", "added_by", "removed_by"
    ).order_by("-year", "-pk")
    if not pool_visible(user):
        return qs.none()
    scope = scope_for(user)
    if scope.level == ScopeLevel.CITY and scope.city_code is not None:
        qs = qs.filter(authority__city_id=scope.city_code)
    elif scope.level == ScopeLevel.PROVINCE and scope.province_code is not None:
        qs = qs.filter(authority__province_id=scope.province_code)
    else:
        return qs.none()
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def pool_entry_get_for(user: AnyUser, pk: Any) -> CultivationPoolEntry:
    try:
        return pool_list_for(user).get(pk=pk)
    except (CultivationPoolEntry.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Pool entry not found.")) from None


def pool_factory_candidates(user: AnyUser, search: str, *, limit: int = 20) -> list[Factory]:
    """Factories of the official's city whose name, or whose enterprise's name or USCC,
    matches ``search`` (the add form's lookup). Empty for anyone who does not keep a pool."""
    search = (search or "").strip()
    if not search or not pool_maintainer(user):
        return []
    scope = scope_for(user)
    match = (
        Q(name__icontains=search)
        | Q(enterprise__name__icontains=search)
        | Q(enterprise__uscc=search.upper())
    )
    return list(
        Factory.objects.select_related("enterprise")
        .filter(match, city_id=scope.city_code)
        .order_by("name", "pk")[:limit]
    )
