"""The application list, a new application, the detail page and its transitions."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ScopeLevel, User
from accounts.selectors import acting_user, scope_for
from certification import pages, selectors, services
from certification.forms import (
    ApplicationCreateForm,
    ReasonForm,
    indicator_rows_from_saved,
)
from certification.models import (
    Application,
    Tier,
)
from certification.presenters import (
    action_form,
    action_panels,
    claim_summary,
    rule_rows,
    state_label,
    state_tone,
    timeline_rows,
)
from certification.views.common import PAGE_SIZE, HtmxHttpRequest
from certification.workflow.definitions import Action, Form
from certification.workflow.engine import (
    action_check,
    application_transition,
    application_workflow,
    available_actions_for,
)
from certification.workflow.events import EventType
from certification.workflow.policies import tier_condition
from core.errors import DomainError, NotFound, PermissionDenied
from core.html import form_add_domain_error
from factories.models import Factory
from factories.selectors import enterprise_can_manage

# --- the list and a new application ------------------------------------------------------------


def _create_form(request: HttpRequest, user: User, data: Any = None) -> ApplicationCreateForm:
    factories = pages.factories_for_applying(user)
    initial = {key: request.GET[key] for key in ("factory", "tier") if request.GET.get(key)}
    return ApplicationCreateForm(
        data,
        initial=initial,
        factories=factories,
        campaigns=pages.campaigns_accepting(list(factories), today=timezone.localdate()),
    )


def _render_list(
    request: HttpRequest, *, create_form: ApplicationCreateForm | None = None, status: int = 200
) -> HttpResponse:
    user = acting_user(request)
    queryset, filter_form = pages.application_list_queryset(user, request.GET)
    queryset = pages.application_rows(queryset)
    is_enterprise = filter_form is None
    context: dict[str, Any] = {"is_enterprise": is_enterprise}
    if is_enterprise:
        context["create_form"] = create_form or _create_form(request, user)
    else:
        context["filter_form"] = filter_form
    context["page"] = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/application_list.html", context, status=status)


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@login_required
@require_GET
def application_campaign_options(request: HttpRequest) -> HttpResponse:
    """htmx: the campaign field of the new-application form for the chosen factory and tier."""
    user = acting_user(request)
    tier = request.GET.get("tier", "")
    chosen = request.GET.get("factory", "")
    factories = list(
        pages.factories_for_applying(user).filter(
            pk=int(chosen) if chosen.isascii() and chosen.isdigit() else 0
        )
    )
    form = _create_form(request, user)
    campaign_field = form.fields["campaign"]
    needs_campaign = (
        tier in Tier.values
        and selectors.tier_condition_for(selectors.tier_edition_current(), tier).needs_campaign
    )
    if factories and needs_campaign:
        campaigns = pages.campaigns_accepting(factories, today=timezone.localdate(), tier=tier)
        campaign_field.queryset = campaigns  # type: ignore[attr-defined]
        campaign_field.empty_label = _("Not chosen yet (choose it in the form)")  # type: ignore[attr-defined]
    return render(
        request,
        "certification/campaign_field.html",
        {"field": form["campaign"], "basic": tier in Tier.values and not needs_campaign},
    )


@login_required
@require_POST
def application_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if scope_for(user).level != ScopeLevel.ENTERPRISE:
        raise PermissionDenied(_("Only enterprise users apply for a tier."))
    form = _create_form(request, user, request.POST)
    if not form.is_valid():
        return _render_list(request, create_form=form, status=400)
    data = form.cleaned_data
    factory: Factory = data["factory"]
    try:
        application = services.application_create(
            actor=user, factory=factory, tier=data["tier"], campaign=data.get("campaign")
        )
    except DomainError as exc:
        if exc.code == "open_application_exists":
            messages.info(request, str(exc.message))
            return redirect("application-detail", pk=exc.fields["application"][0])
        if exc.status == 403:
            raise
        form_add_domain_error(form, exc)
        return _render_list(request, create_form=form, status=400)
    messages.success(
        request,
        _("The draft application is saved. Fill in each step; every step is saved as you go."),
    )
    return redirect("application-step", pk=application.pk, step="basics")


# --- the detail page and the transitions -------------------------------------------------------


def _render_detail(
    request: HttpRequest,
    application: Application,
    *,
    bound: dict[str, Any] | None = None,
    withdraw_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    is_member = bool(enterprise_can_manage(user, application.factory.enterprise))
    options = {option.action: option for option in available_actions_for(user, application)}
    withdraw = options.get(Action.WITHDRAW)
    claims = pages.application_claims(application)
    certificate = pages.application_certificate(application)
    context = {
        "application": application,
        "status_label": state_label(application.status, for_applicant=is_member),
        "status_tone": state_tone(application.status),
        "is_member": is_member,
        "can_edit": is_member and application.is_editable,
        "can_submit": Action.SUBMIT in options and options[Action.SUBMIT].allowed,
        "can_withdraw": withdraw is not None and withdraw.allowed,
        "panels": action_panels(application, user, bound),
        "checks": rule_rows(selectors.application_checks(application)),
        "claims": claims,
        "summary": claim_summary(application, claims),
        "indicators": indicator_rows_from_saved(pages.application_indicators(application)),
        "declarations": pages.application_declarations(application),
        "certificate": certificate,
        "timeline": timeline_rows(application, viewer=user, for_applicant=is_member),
        "withdraw_form": withdraw_form or ReasonForm(),
        "checks_running": application.status == Application.Status.SUBMITTED,
        "needs_campaign": tier_condition(application).needs_campaign,
    }
    if not is_member:
        context["scores"] = selectors.application_score_summary(application, viewer=user)
        context["rubric"] = tier_condition(application).review_rubric
        context["opinions"] = list(selectors.joint_opinions(application))
        context["contradictions"] = pages.application_filing_contradictions(
            application, certificate
        )
        if application.tier in (Tier.EXCELLENT, Tier.LEADING):
            context["reconciliation"] = selectors.score_reconciliation(application)
    return render(request, "certification/application_detail.html", context, status=status)


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.application_get_for(request.user, pk))


@login_required
@require_GET
def application_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """htmx polls this while the checks run; when the status moves on the page reloads."""
    application = selectors.application_get_for(request.user, pk)
    if application.status == Application.Status.SUBMITTED:
        return render(request, "certification/check_status.html", {"application": application})
    detail = reverse("application-detail", kwargs={"pk": application.pk})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = detail
        return response
    return HttpResponseRedirect(detail)


DONE_MESSAGES: dict[str, Any] = {
    EventType.SUBMITTED: gettext_lazy(
        "The application is submitted. The automated checks run now; this page shows them."
    ),
    EventType.WITHDRAWN: gettext_lazy("The application is withdrawn."),
    EventType.FILING_REJECTED: gettext_lazy(
        "The filing is rejected and the certificate is revoked."
    ),
    EventType.FILING_CONFIRMED: gettext_lazy("The filing is confirmed."),
    EventType.FORWARDED: gettext_lazy("The application is forwarded to the provincial department."),
    EventType.RETURNED: gettext_lazy("The application is returned to the applicant."),
    EventType.REJECTED: gettext_lazy("The application is rejected."),
    EventType.EXPERTS_ASSIGNED: gettext_lazy("The experts are invited."),
    EventType.EXPERTS_REMOVED: gettext_lazy("The experts are removed from the application."),
    EventType.ASSIGNMENT_ACCEPTED: gettext_lazy(
        "You accepted the assignment. Score it when ready."
    ),
    EventType.ASSIGNMENT_DECLINED: gettext_lazy("You declined the assignment."),
    EventType.SCORED: gettext_lazy("Your scores are saved."),
    EventType.SENT_TO_JOINT: gettext_lazy("The application is sent to the joint departments."),
    EventType.CONCURRED: gettext_lazy("Your department's concurrence is recorded."),
    EventType.OBJECTED: gettext_lazy("Your department's objection is recorded."),
    EventType.RECOMMENDED: gettext_lazy("The application is recommended for publicity."),
    EventType.CERTIFIED: gettext_lazy("The factory is certified; the certificate is issued."),
}
INVITATION_ACTIONS = (Action.ACCEPT_ASSIGNMENT, Action.DECLINE_ASSIGNMENT)


@login_required
@require_POST
def application_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Fire one workflow action from the detail page (or an expert's worklist). A refused
    form comes back with the errors at its fields; a step taken meanwhile by someone else comes
    back as a message."""
    user = acting_user(request)
    application = selectors.application_get_for(user, pk, invitations=action in INVITATION_ACTIONS)
    transition = application_workflow(application).get(action)
    if transition is None:
        raise NotFound(_("Applications of this tier have no such step."))
    after = reverse("application-detail", kwargs={"pk": application.pk})
    if action == Action.DECLINE_ASSIGNMENT or (
        action == Action.ACCEPT_ASSIGNMENT and request.POST.get("next") == "worklist"
    ):
        after = reverse("worklist")
    elif request.POST.get("next") == "filings":  # a button of the basic filings list
        after = reverse("basic-filings")
    # Who and when first: a form is only worth checking for the person whose step it is.
    check = action_check(user, application, action, transition)
    if not check:
        if check.status == 403:
            raise check.refusal()
        messages.error(request, check.reason)
        return redirect(after)
    form = action_form(application, transition.form, request.POST)
    if action in INVITATION_ACTIONS:
        # An invited expert may not read the application yet: refusals go back to the worklist.
        reason = form.data.get("reason", "") if action == Action.DECLINE_ASSIGNMENT else "-"
        if not form.is_valid() or not str(reason).strip():
            messages.error(request, _("Give the reason for declining."))
            return redirect("worklist")
    elif not form.is_valid():
        return _refused(request, application, action, form, withdraw=action == Action.WITHDRAW)
    data: dict[str, Any] = {}
    if transition.form in (Form.ASSIGN, Form.UNASSIGN):
        data = {"experts": form.cleaned_data["experts"]}
    elif hasattr(form, "payload"):  # scores, a site visit, a visit report, a milestone
        data = form.payload()
    try:
        application_transition(
            application=application,
            action=action,
            actor=user,
            reason=form.cleaned_data.get("reason", ""),
            data=data,
        )
    except PermissionDenied:
        raise
    except DomainError as exc:
        if exc.fields and action not in INVITATION_ACTIONS:
            form_add_domain_error(form, exc)
            return _refused(request, application, action, form, withdraw=action == Action.WITHDRAW)
        messages.error(request, str(exc.message))
        return redirect(after)
    messages.success(request, str(DONE_MESSAGES.get(transition.event_type, _("Done."))))
    return redirect(after)


def _refused(
    request: HttpRequest, application: Application, action: str, form: Any, *, withdraw: bool
) -> HttpResponse:
    application.refresh_from_db()
    if withdraw:
        return _render_detail(request, application, withdraw_form=form, status=400)
    return _render_detail(request, application, bound={action: form}, status=400)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return application_act(request, pk, Action.SUBMIT)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return application_act(request, pk, Action.WITHDRAW)


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The city bureau rejects a self-declared basic filing; its certificate is revoked. (The
    rejection of a filing is confirmed on its own page, which this posts to.)"""
    from certification.views.filings import application_confirm

    application = selectors.application_get_for(acting_user(request), pk)
    transition = application_workflow(application).get(Action.REJECT)
    if transition is not None and transition.form == Form.CONFIRMATION:
        return application_confirm(request, pk, Action.REJECT)
    return application_act(request, pk, Action.REJECT)
