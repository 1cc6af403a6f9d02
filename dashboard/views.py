"""The home page: who you are, where your scope ends, and what you can do next.

It sits in config because it gathers every app's view of the signed-in user.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import ScopeLevel
from accounts.selectors import acting_user, next_steps_for, scope_for
from factories.selectors import enterprise_list_for, factory_list_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    scope = scope_for(user)
    enterprises = enterprise_list_for(user)
    context = {
        "scope": scope,
        "authority": user.authority,
        "enterprise_count": enterprises.count(),
        "factory_count": factory_list_for(user).count(),
        "next_steps": next_steps_for(user),
        "my_enterprises": enterprises[:10] if scope.level == ScopeLevel.ENTERPRISE else [],
    }
    return render(request, "home.html", context)
