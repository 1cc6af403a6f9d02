"""Pages of the review chain: each official's and expert's worklist, and an expert's declared
conflicts of interest. The actions themselves are fired from the application's detail page
(``applications.application_act``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import acting_user
from certification import selectors
from certification.forms import ConflictDeclareForm
from certification.models import Application, Expert, ExpertConflict
from certification.presenters import state_label
from certification.services.reviews import expert_conflict_declare
from certification.views.common import PAGE_SIZE
from certification.workflow.definitions import states_waiting_for
from core.errors import DomainError, PermissionDenied
from core.html import form_add_domain_error
from factories.models import Enterprise


@dataclass(frozen=True)
class WorklistRow:
    application: Application
    state: str
    waiting_days: int
    since: datetime | None
    deadline: date | None
    overdue: bool
    invited: bool  # an expert's invitation to answer before the application can be read


def _rows(applications: list[Application], invited: set[int]) -> list[WorklistRow]:
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for application in applications:
        since = application.state_changed_at
        deadline = application.campaign.closes_on if application.campaign else None
        rows.append(
            WorklistRow(
                application=application,
                state=state_label(application.status),
                waiting_days=(now - since).days if since else 0,
                since=since,
                deadline=deadline,
                overdue=deadline is not None and deadline < today,
                invited=application.pk in invited,
            )
        )
    return rows


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """What waits for me: oldest wait first, with the campaign's deadline."""
    user = acting_user(request)
    if not states_waiting_for(user.role):
        raise PermissionDenied(_("Your role has no review worklist."))
    page = Paginator(selectors.worklist_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    applications = list(page.object_list)
    invited = selectors.invitations_among(user, [a.pk for a in applications])
    context = {
        "page": page,
        "rows": _rows(applications, invited),
        "is_expert": Expert.objects.filter(user=user).exists(),
    }
    return render(request, "certification/worklist.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def expert_conflicts(request: HttpRequest) -> HttpResponse:
    """An expert's declared conflicts of interest, and a form to declare one more."""
    user = acting_user(request)
    expert = Expert.objects.filter(user=user).first()
    if expert is None:
        raise PermissionDenied(_("Only experts on the register declare conflicts of interest."))
    form = ConflictDeclareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            enterprise = Enterprise.objects.filter(uscc=data["uscc"].upper()).first()
            if enterprise is None:
                form.add_error("uscc", _("No enterprise with this code is on the portal."))
            else:
                try:
                    expert_conflict_declare(
                        actor=user,
                        enterprise=enterprise,
                        kind=data["kind"],
                        description=data["description"],
                    )
                except DomainError as exc:
                    form_add_domain_error(form, exc)
                else:
                    messages.success(request, _("The conflict of interest is declared."))
                    return redirect("expert-conflicts")
        status = 400
    conflicts = ExpertConflict.objects.filter(expert=expert).select_related("enterprise")
    context = {"expert": expert, "form": form, "conflicts": conflicts}
    return render(request, "certification/expert_conflicts.html", context, status=status)


@login_required
@require_GET
def expert_calibration(request: HttpRequest) -> HttpResponse:
    """Per expert, the mean and spread of their scores against their panels' means: outliers
    stand out before the department decides."""
    result, experts = selectors.expert_calibration_for(acting_user(request))
    rows = [(row, experts.get(row.expert_id)) for row in result.experts]
    return render(
        request, "certification/expert_calibration.html", {"result": result, "rows": rows}
    )
