"""The city's key cultivation pool: the list (and its export), adding a factory for a year and
removing one with a reason after a confirmation page."""

from __future__ import annotations

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
from core.errors import DomainError, PermissionDenied
from core.html import form_add_domain_error
from factories import selectors, services
from factories.forms import PoolAddForm, PoolFilterForm, PoolRemoveForm
from factories.models import Factory

PAGE_SIZE = 50


def _require_visible(request: HttpRequest) -> Any:
    user = acting_user(request)
    decision = selectors.pool_visible(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return user


def _require_maintainer(request: HttpRequest) -> Any:
    user = _require_visible(request)
    if not selectors.pool_maintainer(user):
        raise PermissionDenied(_("Only city officials can maintain the cultivation pool."))
    return user


@login_required
@require_GET
def pool_list(request: HttpRequest) -> HttpResponse:
    user = _require_visible(request)
    filter_form = PoolFilterForm(request.GET or None)
    year = filter_form.cleaned_data.get("year") if filter_form.is_valid() else None
    queryset = selectors.pool_list_for(user, year=year)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter_form": filter_form,
        "can_maintain": selectors.pool_maintainer(user),
    }
    return render(request, "factories/pool_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pool_add(request: HttpRequest) -> HttpResponse:
    user = _require_maintainer(request)
    search = (request.POST.get("q") or request.GET.get("q") or "").strip()[:100]
    years = services.pool_years()
    default_year = timezone.localdate().year
    form = PoolAddForm(request.POST or None, initial={"year": default_year})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            factory = Factory.objects.filter(pk=data["factory"]).first()
            if factory is None:
                form.add_error("factory", _("Search for the factory and choose it."))
            else:
                try:
                    entry = services.pool_entry_add(
                        actor=user, factory=factory, year=data["year"], reason=data["reason"]
                    )
                except DomainError as exc:
                    form_add_domain_error(form, exc)
                else:
                    messages.success(
                        request,
                        _("%(factory)s is in the cultivation pool for %(year)s.")
                        % {"factory": factory.name, "year": entry.year},
                    )
                    return redirect("pool-list")
        status = 400
    candidates = selectors.pool_factory_candidates(user, search)
    chosen = str(form["factory"].value() or "")
    context = {
        "form": form,
        "q": search,
        "candidates": candidates,
        "chosen": chosen,
        "years": years,
    }
    return render(request, "factories/pool_add.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pool_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page of a removal: what is removed, and the reason (required)."""
    user = _require_maintainer(request)
    entry = selectors.pool_entry_get_for(user, pk)
    form = PoolRemoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.pool_entry_remove(
                    actor=user, entry=entry, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied:
                raise
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(factory)s is removed from the cultivation pool for %(year)s.")
                    % {"factory": entry.factory.name, "year": entry.year},
                )
                return redirect("pool-list")
        status = 400
    return render(
        request, "factories/pool_remove.html", {"entry": entry, "form": form}, status=status
    )
