"""The user's inbox of notifications, their API tokens, and the sign-in lockout page."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import ApiTokenCreateForm
from accounts.selectors import acting_user, api_token_list_for, notification_list_for
from core.api import is_api_request
from core.errors import DomainError
from core.html import form_add_domain_error


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    page = Paginator(notification_list_for(user), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=acting_user(request))
    return redirect("inbox")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens and create one; a new token's secret is shown on this answer
    only (it is not stored, so it cannot be shown again)."""
    user = acting_user(request)
    form = ApiTokenCreateForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.api_token_create(user=user, name=form.cleaned_data["name"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            form = ApiTokenCreateForm()
    context = {
        "form": form,
        "tokens": api_token_list_for(user),
        "created": created,
        "secret": secret,
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.api_token_revoke(user=acting_user(request), token_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token is revoked."))
    return redirect("api-tokens")


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers to a sign-in while the user name is locked out from this
    address (AXES_LOCKOUT_CALLABLE): a page in the user's language, or the API's error JSON."""
    minutes = max(1, math.ceil(settings.LOGIN_LOCKOUT_SECONDS / 60))
    message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
    headers = {"Retry-After": str(settings.LOGIN_LOCKOUT_SECONDS)}
    if is_api_request(request):
        return JsonResponse(
            {"code": "locked_out", "message": message},
            status=429,
            headers=headers,
            json_dumps_params={"ensure_ascii": False},
        )
    response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response
