"""The user's inbox of notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.selectors import acting_user, notification_list_for


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
