"""The home page: who you are, where your scope ends, and what you can do next."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import next_steps_for, scope_for
from factories.selectors import enterprise_list_for, factory_list_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = scope_for(user)
    context = {
        "scope": scope,
        "authority": user.authority,
        "enterprise_count": enterprise_list_for(user).count(),
        "factory_count": factory_list_for(user).count(),
        "next_steps": next_steps_for(user),
        "my_enterprises": enterprise_list_for(user)[:10] if scope.level == "enterprise" else [],
    }
    return render(request, "home.html", context)
