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
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ScopeLevel, User
from accounts.selectors import acting_user, scope_for
from certification import pages, selectors, services
from certification.forms import (
    ApplicationCreateForm,
    ApplicationFilterForm,
    ReasonForm,
    indicator_rows_from_saved,
)
from certification.models import (
    Application,
    Tier,
)
from certification.presenters import claim_summary, rule_rows, timeline_rows
from certification.services.transitions import TRANSITIONS
from certification.views.common import PAGE_SIZE, HtmxHttpRequest
from core.errors import DomainError, PermissionDenied
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
    is_enterprise = scope_for(user).level == ScopeLevel.ENTERPRISE
    queryset = pages.application_rows(selectors.application_list_for(user))
    context: dict[str, Any] = {"is_enterprise": is_enterprise}
    if is_enterprise:
        context["create_form"] = create_form or _create_form(request, user)
        queryset = queryset.order_by("-created_at", "-pk")
    else:
        filter_form = ApplicationFilterForm(request.GET)
        queryset = pages.application_filter(queryset, **filter_form.filters()).order_by(
            "-submitted_at", "-pk"
        )
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
    if factories and tier in Tier.values and tier != Tier.BASIC:
        campaigns = pages.campaigns_accepting(factories, today=timezone.localdate(), tier=tier)
        campaign_field.queryset = campaigns  # type: ignore[attr-defined]
        campaign_field.empty_label = _("Not chosen yet (choose it in the form)")  # type: ignore[attr-defined]
    return render(
        request,
        "certification/campaign_field.html",
        {"field": form["campaign"], "basic": tier == Tier.BASIC},
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


def _can_reject(user: User, application: Application) -> bool:
    return bool(selectors.application_can_reject(user, application))


def _render_detail(
    request: HttpRequest,
    application: Application,
    *,
    reject_form: ReasonForm | None = None,
    withdraw_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    is_member = bool(enterprise_can_manage(user, application.factory.enterprise))
    claims = pages.application_claims(application)
    context = {
        "application": application,
        "is_member": is_member,
        "can_edit": is_member and application.is_editable,
        "can_withdraw": is_member and application.status in TRANSITIONS["withdraw"].sources,
        "can_reject": _can_reject(user, application),
        "checks": rule_rows(selectors.application_checks(application)),
        "claims": claims,
        "summary": claim_summary(application, claims),
        "indicators": indicator_rows_from_saved(pages.application_indicators(application)),
        "declarations": pages.application_declarations(application),
        "certificate": pages.application_certificate(application),
        "timeline": timeline_rows(application),
        "reject_form": reject_form or ReasonForm(),
        "withdraw_form": withdraw_form or ReasonForm(),
        "checks_running": application.status == Application.Status.SUBMITTED,
    }
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


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(request.user, pk)
    try:
        application = services.application_submit(
            actor=acting_user(request), application=application
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
        return redirect("application-detail", pk=application.pk)
    messages.success(
        request,
        _("The application is submitted. The automated checks run now; this page shows them."),
    )
    return redirect("application-detail", pk=application.pk)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, withdraw_form=form, status=400)
    try:
        services.application_withdraw(
            actor=acting_user(request), application=application, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
        return redirect("application-detail", pk=application.pk)
    messages.success(request, _("The application is withdrawn."))
    return redirect("application-detail", pk=application.pk)


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The city bureau rejects a self-declared basic filing; its certificate is revoked."""
    application = selectors.application_get_for(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.basic_declaration_reject(
                actor=acting_user(request),
                application=application,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise
        except DomainError as exc:
            if exc.fields:
                form_add_domain_error(form, exc)
            else:
                messages.error(request, str(exc.message))
                return redirect("application-detail", pk=application.pk)
        else:
            messages.success(request, _("The filing is rejected and the certificate is revoked."))
            return redirect("application-detail", pk=application.pk)
    application.refresh_from_db()
    return _render_detail(request, application, reject_form=form, status=400)
