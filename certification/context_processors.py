"""Navigation facts of certification: whether the user has a worklist and how long it is."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Role, User
from certification import selectors
from certification.workflow.definitions import states_waiting_for
from dashboard.selectors import dashboard_visible
from factories.selectors import pool_visible


def worklist(request: HttpRequest) -> dict[str, Any]:
    """One COUNT query for a signed-in user whose role some workflow waits for; none else."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    facts: dict[str, Any] = {
        "sees_basic_filings": selectors.basic_filings_visible(user),
        "sees_dashboard": dashboard_visible(user),
        "sees_pool": bool(pool_visible(user)),  # no query: the role and the authority's id
        # Provincial departments rank; MIIT reads the lists. (A central SOE group's members
        # find their list from the group's enterprise page: no query on every page here.)
        "sees_recommendations": user.role in (Role.PROVINCIAL_OFFICIAL, Role.MIIT_REVIEWER),
    }
    if states_waiting_for(user.role):
        facts["has_worklist"] = True
        facts["worklist_count"] = selectors.worklist_count(user)
    return facts
