"""The city's basic filings: the list with its new count and contradictions, and the
confirmation page of an action that needs one (rejecting a filing revokes its certificate)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import acting_user
from certification import pages, selectors
from certification.forms import ReasonForm
from certification.views.applications import DONE_MESSAGES
from certification.views.common import PAGE_SIZE
from certification.workflow.definitions import Form
from certification.workflow.engine import (
    action_check,
    application_transition,
    application_workflow,
)
from core.errors import DomainError, NotFound, PermissionDenied
from core.html import form_add_domain_error

# --- the city's basic filings -------------------------------------------------------------------


@login_required
@require_GET
def basic_filings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not selectors.basic_filings_visible(user):
        raise PermissionDenied(_("Only city officials review the basic filings of their city."))
    review = request.GET.get("review", "")
    review = review if review in pages.FilingReview.CHOICES else ""
    page = Paginator(pages.basic_filings_for(user, review), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rows": pages.filing_rows(user, list(page.object_list)),
        "authority": user.authority,
        "review": review,
        "new_count": pages.new_filings_count(user),
    }
    return render(request, "certification/basic_filings.html", context)


# --- a confirmation page before an action ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_confirm(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """What the action will do, and the reason it needs; the action is fired from here."""
    user = acting_user(request)
    application = selectors.application_get_for(user, pk)
    transition = application_workflow(application).get(action)
    if transition is None or transition.form != Form.CONFIRMATION:
        raise NotFound(_("Applications of this tier have no such step."))
    check = action_check(user, application, action, transition)
    if not check:
        if check.status == 403:
            raise check.refusal()
        messages.error(request, check.reason)
        return redirect("application-detail", pk=application.pk)
    back = request.POST.get("next") or request.GET.get("next") or ""
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data.get("reason", "").strip():
            try:
                application_transition(
                    application=application,
                    action=action,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied:
                raise
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                done = DONE_MESSAGES.get(transition.event_type, _("Done."))
                messages.success(request, str(done))
                if back == "filings":
                    return redirect("basic-filings")
                return redirect("application-detail", pk=application.pk)
        elif not form.errors:
            form.add_error("reason", _("Give the reason."))
        status = 400
    certificate = pages.application_certificate(application)
    context: dict[str, Any] = {
        "application": application,
        "action": action,
        "label": str(transition.label or action),
        "certificate": certificate,
        "contradictions": pages.application_filing_contradictions(application, certificate),
        "form": form,
        "next": back if back == "filings" else "",
    }
    return render(request, "certification/action_confirm.html", context, status=status)
