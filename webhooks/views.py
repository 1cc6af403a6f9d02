"""The webhook settings page: the user's subscriptions, a form to add one (its secret shown on
that answer only), and each subscription's delivery log with its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import acting_user
from core.errors import DomainError
from core.html import form_add_domain_error
from webhooks import selectors, services
from webhooks.forms import WebhookForm
from webhooks.signing import TOLERANCE_SECONDS

DELIVERIES_PER_PAGE = 20
# The service names the scope by its two model fields; the form has one choice for both.
FORM_FIELDS = {"authority": "scope", "enterprise": "scope"}


def _on_form(exc: DomainError) -> DomainError:
    fields: dict[str, list[str]] = {}
    for name, found in exc.fields.items():
        fields.setdefault(FORM_FIELDS.get(name, name), []).extend(found)
    return DomainError(exc.message, code=exc.code, fields=fields)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_settings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = WebhookForm(request.POST or None, user=user)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.webhook_subscription_create(
                owner=user,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                **form.scope_ids(),
            )
        except DomainError as exc:
            form_add_domain_error(form, _on_form(exc))
        else:
            form = WebhookForm(user=user)
    context = {
        "form": form,
        "subscriptions": selectors.subscription_list_for(user),
        "created": created,
        "secret": secret,
        "tolerance_minutes": TOLERANCE_SECONDS // 60,
    }
    return render(request, "webhooks/settings.html", context)


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(acting_user(request), pk)
    page = Paginator(selectors.delivery_list_for(subscription), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "subscription": subscription,
        "page": page,
    }
    return render(request, "webhooks/detail.html", context)


@login_required
@require_POST
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    services.webhook_subscription_enable(actor=acting_user(request), subscription_id=pk)
    messages.success(request, _("The webhook is enabled."))
    return redirect("webhook-settings-detail", pk)


@login_required
@require_POST
def webhook_disable(request: HttpRequest, pk: int) -> HttpResponse:
    services.webhook_subscription_disable(actor=acting_user(request), subscription_id=pk)
    messages.success(request, _("The webhook is disabled: nothing is sent until you enable it."))
    return redirect("webhook-settings-detail", pk)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.webhook_subscription_delete(actor=acting_user(request), subscription_id=pk)
    messages.success(request, _("The webhook is deleted."))
    return redirect("webhook-settings")


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    try:
        services.webhook_delivery_redeliver(
            actor=acting_user(request), subscription_id=pk, delivery_id=delivery_id
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The delivery is queued to be sent again."))
    return redirect("webhook-settings-detail", pk)
