"""The transition table of an application and the helpers every transition uses."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import User
from certification.models import (
    Application,
    AuditEvent,
)
from core.errors import Conflict, PermissionDenied
from factories.selectors import enterprise_can_manage

logger = logging.getLogger(__name__)

# --- transitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    who: str  # "member", "system" or "city_official"


S = Application.Status
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((S.DRAFT, S.RETURNED), S.SUBMITTED, "member"),
    "checks_pass": Transition((S.SUBMITTED,), S.CHECKS_PASSED, "system"),
    "checks_fail": Transition((S.SUBMITTED,), S.RETURNED, "system"),
    "self_declare": Transition((S.CHECKS_PASSED,), S.CERTIFIED, "system"),
    "withdraw": Transition(
        (S.DRAFT, S.SUBMITTED, S.CHECKS_PASSED, S.RETURNED), S.WITHDRAWN, "member"
    ),
    "reject_filing": Transition((S.CERTIFIED,), S.REJECTED, "city_official"),
}


def lock_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("factory__enterprise", "factory__city", "campaign", "tier_edition")
        .get(pk=application.pk)
    )


def transition_apply(
    application: Application, action: str, actor: User | None, reason: str = ""
) -> None:
    """Apply one transition of TRANSITIONS to a locked application and audit it."""
    transition = TRANSITIONS[action]
    if (transition.who == "system") != (actor is None):
        raise PermissionDenied(_("This step is taken by the portal itself, not by a person."))
    if application.status not in transition.sources:
        raise Conflict(
            _("This cannot be done while the application is %(status)s.")
            % {"status": application.get_status_display()},
            code="invalid_transition",
        )
    before = application.status
    application.status = transition.target
    AuditEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=before,
        to_status=transition.target,
        reason=reason,
    )


def require_member(actor: User, application: Application) -> None:
    decision = enterprise_can_manage(actor, application.factory.enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)


def require_editable(actor: User, application: Application) -> None:
    require_member(actor, application)
    if not application.is_editable:
        raise Conflict(
            _("Only a draft or returned application can be changed."), code="not_editable"
        )
