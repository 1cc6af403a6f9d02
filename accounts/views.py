"""The account pages: sign-up and email verification, joining an enterprise, the city
officials' accounts a province makes, the inbox of notifications, API tokens, and the sign-in
lockout page. (Sign-in and the password pages are Django's views; see accounts.urls.)"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    ApiTokenCreateForm,
    CityOfficialForm,
    EmailForm,
    EmailPreferencesForm,
    JoinRequestForm,
    JoinRequestRejectForm,
    SignUpForm,
)
from accounts.models import NotificationKind
from accounts.ratelimit import rate_allow
from accounts.selectors import (
    acting_user,
    api_token_list_for,
    is_enterprise_user,
    notification_list_for,
)
from core.api import is_api_request
from core.client_ip import client_ip
from core.errors import DomainError, PermissionDenied
from core.html import form_add_domain_error


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    page = Paginator(notification_list_for(user), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def inbox_preferences(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification also reach the user by email."""
    user = acting_user(request)
    emailed = [kind for kind in NotificationKind.values if kind not in user.email_muted]
    form = EmailPreferencesForm(request.POST or None, initial={"emailed": emailed})
    if request.method == "POST" and form.is_valid():
        try:
            services.email_preferences_set(user=user, emailed=form.cleaned_data["emailed"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Your email settings are saved."))
            return redirect("inbox")
    return render(request, "accounts/inbox_preferences.html", {"form": form})


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


# --- Sign-up and email verification ----------------------------------------------------------


def _site_url(request: HttpRequest) -> str:
    """Scheme and host the links in emails start with (the host is one of ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


def _session_backend() -> str:
    """The first configured authentication backend that can load a signed-in user
    (django-axes' backend, listed first, only watches sign-in attempts)."""
    for path in settings.AUTHENTICATION_BACKENDS:
        if hasattr(import_string(path), "get_user"):
            return str(path)
    raise RuntimeError("No authentication backend can keep a user signed in.")


def _email_rate_allows(request: HttpRequest, email: str, *, client_scope: str) -> bool:
    """Both limits: per email address (no flooding a mailbox) and per client address."""
    return rate_allow(
        scope=client_scope, ident=client_ip(request), rate=settings.SIGNUP_CLIENT_RATE
    ) and rate_allow(scope="account-email", ident=email, rate=settings.ACCOUNT_EMAIL_RATE)


TOO_MANY = 429


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """An enterprise user signs up; the account works once the emailed link is followed."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not _email_rate_allows(request, data["email"], client_scope="signup-client"):
            form.add_error(None, _("Too many sign-ups. Please try again later."))
            status = TOO_MANY
        else:
            try:
                services.user_sign_up(
                    username=data["username"],
                    email=data["email"],
                    password=data["password1"],
                    name=data["name"],
                    phone=data["phone"],
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    site_url=_site_url(request),
                )
            except DomainError as exc:
                # (A model form works alike; core.html types its argument as a plain Form.)
                form_add_domain_error(form, exc)  # type: ignore[arg-type]
            else:
                return redirect("signup-done")
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def signup_done(request: HttpRequest) -> HttpResponse:
    context = {"days": settings.SIGNUP_VERIFICATION_DAYS}
    return render(request, "accounts/signup_done.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: a page that checks the link, whose button (a POST, so that mail
    scanners that open links do not use it up) activates the account and signs the user in."""
    try:
        if request.method == "POST":
            user = services.user_verify_email(token=token)
        else:
            user = services.verification_user(token=token)
    except DomainError as exc:
        status = 410 if exc.code in ("link_expired", "link_used") else 400
        context = {"message": exc.message, "code": exc.code, "form": EmailForm()}
        return render(request, "accounts/signup_link_refused.html", context, status=status)
    if request.method == "POST":
        login(request, user, backend=_session_backend())
        messages.success(request, _("Your email address is verified and you are signed in."))
        return redirect("signup-welcome")
    return render(request, "accounts/signup_verify.html", {"account": user})


@never_cache
@require_http_methods(["GET", "POST"])
def signup_resend(request: HttpRequest) -> HttpResponse:
    """Send the verification link again. The answer is the same whether or not an account
    awaits verification at that address."""
    form = EmailForm(request.POST or None)
    status = 200
    sent = False
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not _email_rate_allows(request, email, client_scope="resend-client"):
            form.add_error(None, _("Too many requests. Please try again later."))
            status = TOO_MANY
        else:
            services.verification_resend(email=email, site_url=_site_url(request))
            sent = True
    context = {"form": form, "sent": sent, "days": settings.SIGNUP_VERIFICATION_DAYS}
    return render(request, "accounts/signup_resend.html", context, status=status)


@login_required
def signup_welcome(request: HttpRequest) -> HttpResponse:
    """Where a newly verified user starts: register their enterprise, or join it."""
    return render(request, "accounts/signup_welcome.html")


# --- Join requests ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def join_request_create(request: HttpRequest) -> HttpResponse:
    if not is_enterprise_user(request.user):
        raise PermissionDenied(_("Only enterprise users can ask to join an enterprise."))
    initial = {"uscc": request.GET.get("uscc", "")[:30]}
    form = JoinRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            join_request = services.join_request_create(
                actor=acting_user(request), site_url=_site_url(request), **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your request is sent to the administrators of %(enterprise)s.")
                % {"enterprise": join_request.enterprise.name},
            )
            return redirect("join-request-detail", pk=join_request.pk)
    return render(request, "accounts/join_request_form.html", {"form": form})


@login_required
def join_requests(request: HttpRequest) -> HttpResponse:
    """The user's own requests, and those waiting for their decision."""
    user = acting_user(request)
    context = {
        "mine": selectors.join_requests_made_by(user)[:50],
        "to_decide": selectors.join_requests_to_decide_for(user)[:200],
        "can_request": is_enterprise_user(user),
    }
    return render(request, "accounts/join_requests.html", context)


@login_required
def join_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    join_request = selectors.join_request_get_for(user, pk)
    context = {
        "join_request": join_request,
        "can_decide": selectors.join_request_can_decide(user, join_request),
        "reject_form": JoinRequestRejectForm(),
    }
    return render(request, "accounts/join_request_detail.html", context)


@login_required
@require_POST
def join_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.join_request_approve(
            actor=acting_user(request), join_request_id=pk, site_url=_site_url(request)
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approved: the user is now a member of the enterprise."))
    return redirect("join-request-detail", pk=pk)


@login_required
@require_POST
def join_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    form = JoinRequestRejectForm(request.POST)
    if form.is_valid():
        try:
            services.join_request_reject(
                actor=user,
                join_request_id=pk,
                reason=form.cleaned_data["reason"],
                site_url=_site_url(request),
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Rejected: the user is told the reason."))
            return redirect("join-request-detail", pk=pk)
    join_request = selectors.join_request_get_for(user, pk)
    context = {
        "join_request": join_request,
        "can_decide": selectors.join_request_can_decide(user, join_request),
        "reject_form": form,
    }
    return render(request, "accounts/join_request_detail.html", context, status=400)


# --- City officials' accounts, made by their province ----------------------------------------


def _require_city_officials_manager(request: HttpRequest) -> Any:
    user = acting_user(request)
    decision = selectors.city_officials_manager_decision(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return user


@login_required
def official_list(request: HttpRequest) -> HttpResponse:
    user = _require_city_officials_manager(request)
    page = Paginator(selectors.city_official_list_for(user), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/official_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def official_create(request: HttpRequest) -> HttpResponse:
    user = _require_city_officials_manager(request)
    form = CityOfficialForm(request.POST or None, authorities=selectors.city_authorities_for(user))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.city_official_create(
                actor=user, site_url=_site_url(request), **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The account %(username)s is created; a link to set its password is emailed.")
                % {"username": created.username},
            )
            return redirect("official-list")
    return render(request, "accounts/official_form.html", {"form": form})
