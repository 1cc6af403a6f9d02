"""HTML pages for enterprises and factories. Reads via selectors, writes via services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import acting_user, is_enterprise_user
from core.errors import DomainError
from core.html import CountedPaginator, form_add_domain_error
from factories import selectors, services
from factories.forms import EnterpriseForm, EnterpriseRegisterForm, FactoryForm
from factories.validators import uscc_registration_authority


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.enterprise_list_for(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(name__icontains=query) | queryset.filter(uscc=query.upper())
        paginator = Paginator(queryset, 50)
    else:
        count = selectors.enterprise_count_for(request.user)
        paginator = CountedPaginator(queryset, 50, count=count)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "can_register": is_enterprise_user(request.user)}
    return render(request, "factories/enterprise_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_register(request: HttpRequest) -> HttpResponse:
    if not is_enterprise_user(request.user):
        messages.error(request, _("Only enterprise users can register an enterprise."))
        return redirect("home")
    form = EnterpriseRegisterForm(request.POST or None)
    join_url = None
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_register(
                actor=acting_user(request), **form.cleaned_data
            )
        except DomainError as exc:
            if exc.code == "duplicate_uscc":  # offer to join the enterprise that has the code
                query = urlencode({"uscc": form.cleaned_data["uscc"]})
                join_url = f"{reverse('join-request-create')}?{query}"
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The enterprise and its first factory are registered."))
            return redirect("enterprise-detail", pk=enterprise.pk)
    context = {"form": form, "join_url": join_url}
    return render(request, "factories/enterprise_register.html", context)


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_for(request.user, pk)
    factories = (
        selectors.factory_list_for(request.user)
        .filter(enterprise=enterprise)
        .prefetch_related("certificates")  # one query for all factories' certificates
    )
    can_manage = selectors.enterprise_can_manage(request.user, enterprise)
    context = {
        "enterprise": enterprise,
        "registration_authority": uscc_registration_authority(enterprise.uscc),
        "factories": factories,
        "can_manage": can_manage,
    }
    return render(request, "factories/enterprise_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_for(request.user, pk)
    decision = selectors.enterprise_can_manage(request.user, enterprise)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("enterprise-detail", pk=enterprise.pk)
    initial = {
        "name": enterprise.name,
        "city": enterprise.city_id,
        "industry": enterprise.industry_id,
        "above_designated_size": enterprise.above_designated_size,
        "is_central_soe_group": enterprise.is_central_soe_group,
    }
    form = EnterpriseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(
                actor=acting_user(request), enterprise=enterprise, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("enterprise-detail", pk=enterprise.pk)
    return render(
        request, "factories/enterprise_edit.html", {"form": form, "enterprise": enterprise}
    )


@login_required
@require_http_methods(["GET", "POST"])
def factory_create(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_for(request.user, enterprise_pk)
    decision = selectors.enterprise_can_manage(request.user, enterprise)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("enterprise-detail", pk=enterprise.pk)
    form = FactoryForm(request.POST or None, initial={"industry": enterprise.industry_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.factory_create(
                actor=acting_user(request), enterprise=enterprise, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The factory is added."))
            return redirect("enterprise-detail", pk=enterprise.pk)
    return render(
        request,
        "factories/factory_form.html",
        {"form": form, "enterprise": enterprise, "factory": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def factory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    factory = selectors.factory_get_for(request.user, pk)
    decision = selectors.enterprise_can_manage(request.user, factory.enterprise)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("enterprise-detail", pk=factory.enterprise_id)
    initial = {
        "name": factory.name,
        "address": factory.address,
        "city": factory.city_id,
        "industry": factory.industry_id,
    }
    form = FactoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.factory_update(
                actor=acting_user(request), factory=factory, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("enterprise-detail", pk=factory.enterprise_id)
    return render(
        request,
        "factories/factory_form.html",
        {"form": form, "enterprise": factory.enterprise, "factory": factory},
    )
