"""The city's basic filings."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import acting_user
from certification import pages, selectors
from certification.views.common import PAGE_SIZE
from core.errors import PermissionDenied

# --- the city's basic filings -------------------------------------------------------------------


@login_required
@require_GET
def basic_filings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not selectors.basic_filings_visible(user):
        raise PermissionDenied(_("Only city officials review the basic filings of their city."))
    page = Paginator(pages.basic_filings_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "certification/basic_filings.html", {"page": page, "authority": user.authority}
    )
