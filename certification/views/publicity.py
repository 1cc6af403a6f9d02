"""Publicity (公示) pages.

- ``/publicity/``: the lists in their period (``?past=1`` adds those whose period is over), each
  with its entries, for anyone; the certifying authority's officials also see their own lists
  with the number of open objections, and the campaigns with applications waiting to be listed.
- ``/publicity/<id>/``: one list, and while it is open the form to lodge a signed objection
  against one entry. Objections are never shown here: they go to the certifying authority only.
- ``/publicity/<id>/objections/``: the list's objections and a decision form for each open one,
  for the authority that published it (404 for anyone else), with each evidence file.
- ``/campaigns/<id>/publicity/new``: the provincial department lists the campaign's
  recommended applications for publicity.
- ``/publicity/new-filings``: a city bureau lists the basic filings it holds that were never
  listed (basic certificates need no publicity first: the list follows them).

Reads go through the publicity selectors (``publicity_entries`` reads the entries of any number
of lists in one query); writes through ``publicity_publish``, ``objection_lodge`` and
``objection_decide``, whose domain errors are shown at the fields they name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from accounts.selectors import acting_user
from certification import selectors, services
from certification.forms import ObjectionDecisionForm, ObjectionForm, PublicityPublishForm
from certification.models import (
    Application,
    Campaign,
    Objection,
    Publicity,
    PublicityEntry,
    Tier,
)
from core.errors import DomainError, NotFound
from core.html import form_add_domain_error
from regions.models import Authority

TEMPLATES = "certification/publicity"
LISTS_PER_PAGE = 10  # a list may hold many entries: few lists a page
OWN_LISTS_PER_PAGE = 20
OBJECTION_TONES: dict[str, str] = {
    Objection.Status.OPEN: "warning",
    Objection.Status.DISMISSED: "secondary",
    Objection.Status.UPHELD: "danger",
}
DECIDED_MESSAGES = {
    "dismissed": gettext_lazy("The objection is dismissed; the publicity goes on."),
    "upheld_return": gettext_lazy(
        "The objection is upheld; the application is returned to the enterprise."
    ),
    "upheld_reject": gettext_lazy("The objection is upheld; the application is rejected."),
}
FILING_REJECTED_MESSAGE = gettext_lazy(
    "The objection is upheld; the filing is rejected and its certificate revoked."
)


# --- who acts for an authority ------------------------------------------------------------------


def _acts_for(user: Any, authority: Authority) -> bool:
    """Whether ``user`` is the certifying official of ``authority``: who publishes its lists and
    decides on their objections (the rule ``publicity_publish`` also applies)."""
    return bool(selectors.authority_official_check(user, authority))


# --- what the pages show ------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCard:
    publicity: Publicity
    entries: list[PublicityEntry]
    is_open: bool


def _cards(publicities: list[Publicity]) -> list[ListCard]:
    """The lists with their entries: one query for the entries of all of them."""
    today = timezone.localdate()
    entries = selectors.publicity_entries(publicities)
    return [ListCard(p, entries[p.pk], p.is_open(today)) for p in publicities]


@dataclass(frozen=True)
class AwaitingCampaign:
    campaign: Campaign
    recommended: int


def _awaiting_publication(user: User) -> list[AwaitingCampaign]:
    """The campaigns of the user's authority with applications recommended and not listed yet,
    with how many (two queries)."""
    counts = selectors.campaigns_awaiting_publicity(user)
    if not counts:
        return []
    campaigns = selectors.campaign_list().filter(pk__in=list(counts)).order_by("-year", "pk")
    return [AwaitingCampaign(campaign, counts[campaign.pk]) for campaign in campaigns]


def _authority_desk(request: HttpRequest) -> dict[str, Any]:
    """For the certifying authority's officials: their own lists, with the number of open
    objections, and the campaigns (or, for a city bureau, the basic filings) waiting for a list
    (when there are any). Nothing for anyone else."""
    user = request.user
    if not isinstance(user, User) or user.authority_id is None:
        return {}
    authority = user.authority
    if authority is None or not _acts_for(user, authority):
        return {}
    open_objections = Count(
        "entries__objections", filter=Q(entries__objections__status=Objection.Status.OPEN)
    )
    own = selectors.publicities_published_by(user).annotate(open_objections=open_objections)
    own_page = Paginator(own, OWN_LISTS_PER_PAGE).get_page(request.GET.get("mine"))
    awaiting = _awaiting_publication(user)
    filings = 0
    if authority.level == Authority.Level.CITY:
        filings = (
            selectors.application_list_for(user)
            .filter(pk__in=services.filings_awaiting_publicity(authority).values("pk"))
            .count()
        )
    return {
        "desk": bool(own_page.object_list or awaiting or filings),  # nothing: no section
        "own_page": own_page,
        "awaiting": awaiting,
        "filings_awaiting": filings,
        "today": timezone.localdate(),
    }


# --- the public pages ---------------------------------------------------------------------------


@require_safe
def publicity_list(request: HttpRequest) -> HttpResponse:
    """The lists in their period (and past ones on request), each with its entries: a fixed
    number of queries whatever the number of lists and entries."""
    past = request.GET.get("past") == "1"
    lists = selectors.publicity_list_public(include_closed=past)
    page: Page[Publicity] = Paginator(lists, LISTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "cards": _cards(list(page.object_list)),
        "past": past,
        **_authority_desk(request),
    }
    return render(request, f"{TEMPLATES}/list.html", context)


def _entry_choices(entries: list[PublicityEntry]) -> list[tuple[int, str]]:
    return [
        (
            entry.pk,
            f"{entry.application.factory.name} · {entry.application.factory.enterprise.name}",
        )
        for entry in entries
    ]


@require_http_methods(["GET", "POST"])
def publicity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One list; while it is open, the form to lodge an objection (redirect after success)."""
    publicity = selectors.publicity_get_public(pk)
    entries = selectors.publicity_entries([publicity])[publicity.pk]
    is_open = publicity.is_open(timezone.localdate())
    form: ObjectionForm | None = None
    status = 200
    if request.method == "POST":
        form = ObjectionForm(request.POST, request.FILES, entries=_entry_choices(entries))
        if form.is_valid():
            data = form.cleaned_data
            entry = next(e for e in entries if e.pk == data["entry"])
            entry.publicity = publicity
            try:
                services.objection_lodge(
                    entry=entry,
                    name=data["name"],
                    contact=data["contact"],
                    grounds=data["grounds"],
                    evidence=data["file"] or None,
                )
            except DomainError as exc:
                if not exc.fields:  # refused as a whole: the period is over
                    messages.error(request, str(exc.message))
                    return redirect("publicity-detail", pk=publicity.pk)
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your objection has been received. It goes to the certifying authority, "
                        "%(authority)s, only: it is not published. The authority investigates it "
                        "and may contact you."
                    )
                    % {"authority": publicity.authority.name},
                )
                return redirect("publicity-detail", pk=publicity.pk)
        status = 400
    elif is_open:
        chosen = request.GET.get("entry", "")
        initial = {"entry": int(chosen)} if chosen.isdigit() else {}
        form = ObjectionForm(initial=initial, entries=_entry_choices(entries))
    context = {
        "card": ListCard(publicity, entries, is_open),
        "form": form,
        "field_errors": bool(form and form.errors),
    }
    return render(request, f"{TEMPLATES}/detail.html", context, status=status)


# --- the certifying authority: objections -------------------------------------------------------


def _published_list(user: User, pk: int) -> Publicity:
    """A list of the user's authority, if the user decides on its objections (404 otherwise)."""
    publicity = selectors.publicities_published_by(user).filter(pk=pk).first()
    if publicity is None or not selectors.publicity_authority_check(user, publicity):
        raise NotFound(_("No such publicity list."))
    return publicity


@dataclass(frozen=True)
class ObjectionRow:
    objection: Objection
    tone: str
    form: ObjectionDecisionForm | None  # open objections only


def _decision_prefix(objection: Objection) -> str:
    return f"objection-{objection.pk}"


def _render_objections(
    request: HttpRequest,
    user: User,
    publicity: Publicity,
    *,
    bound: ObjectionDecisionForm | None = None,
    bound_pk: int | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = []
    for objection in selectors.publicity_objections_for(user, publicity):
        form = None
        if objection.status == Objection.Status.OPEN:
            form = (
                bound
                if bound is not None and objection.pk == bound_pk
                else ObjectionDecisionForm(
                    prefix=_decision_prefix(objection), filing=publicity.tier == Tier.BASIC
                )
            )
        rows.append(ObjectionRow(objection, OBJECTION_TONES.get(objection.status, ""), form))
    context = {
        "card": ListCard(
            publicity,
            selectors.publicity_entries([publicity])[publicity.pk],
            publicity.is_open(timezone.localdate()),
        ),
        "rows": rows,
        "open_count": sum(1 for row in rows if row.form is not None),
    }
    return render(request, f"{TEMPLATES}/objections.html", context, status=status)


@login_required
@require_safe
def publicity_objections(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    return _render_objections(request, user, _published_list(user, pk))


@login_required
@require_POST
def objection_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the investigation and the outcome of one objection (the authority only)."""
    user = acting_user(request)
    objection = selectors.objection_get_for(user, pk)
    publicity = objection.entry.publicity
    back = reverse("publicity-objections", args=[publicity.pk])
    form = ObjectionDecisionForm(
        request.POST, prefix=_decision_prefix(objection), filing=publicity.tier == Tier.BASIC
    )
    if form.is_valid():
        try:
            services.objection_decide(actor=user, objection=objection, **form.cleaned_data)
        except DomainError as exc:
            if exc.status == 403:
                raise
            if not exc.fields:  # decided already, or the application moved on
                messages.error(request, str(exc.message))
                return redirect(f"{back}#objection-{objection.pk}")
            form_add_domain_error(form, exc)
        else:
            outcome = form.cleaned_data["outcome"]
            filing_rejected = publicity.tier == Tier.BASIC and outcome == "upheld_reject"
            message = FILING_REJECTED_MESSAGE if filing_rejected else DECIDED_MESSAGES[outcome]
            messages.success(request, str(message))
            return redirect(f"{back}#objection-{objection.pk}")
    return _render_objections(
        request, user, publicity, bound=form, bound_pk=objection.pk, status=400
    )


@login_required
@require_safe
def objection_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """An objection's evidence file, to the authority that decides on it, as a download."""
    objection = selectors.objection_get_for(acting_user(request), pk)
    if not objection.file:
        raise NotFound(_("File not found."))
    try:
        handle = objection.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound(_("File not found.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=objection.original_name,
        content_type=objection.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the provincial department: publishing ------------------------------------------------------


def _application_choices(applications: list[Application]) -> list[tuple[int, str]]:
    return [
        (
            application.pk,
            f"{application.factory.name} · {application.factory.enterprise} · "
            f"{application.factory.city.name}",
        )
        for application in applications
    ]


@login_required
@require_http_methods(["GET", "POST"])
def publicity_new(request: HttpRequest, pk: int) -> HttpResponse:
    """List the campaign's recommended applications for publicity (all of them checked at
    first), from a chosen day; the end date is counted on the working-day calendar."""
    user = acting_user(request)
    campaign = selectors.campaign_list().filter(pk=pk).first()
    if campaign is None or not _acts_for(user, campaign.authority):
        raise NotFound(_("No such campaign."))
    candidates = list(
        selectors.application_list_for(user)
        .filter(campaign=campaign, status=Application.Status.RECOMMENDED)
        .order_by("pk")
    )
    title = _("%(year)s %(tier)s smart factories proposed for certification (batch %(batch)s)") % {
        "year": campaign.year,
        "tier": campaign.get_tier_display(),
        "batch": campaign.batch,
    }

    def publish(**values: Any) -> Publicity:
        return services.publicity_publish(actor=user, campaign=campaign, **values)

    published = selectors.publicities_published_by(user).filter(campaign=campaign)
    return _publish_page(request, campaign, candidates, title, publish, published)


@login_required
@require_http_methods(["GET", "POST"])
def publicity_new_filings(request: HttpRequest) -> HttpResponse:
    """A city bureau lists the basic filings it holds that were never listed (all of them
    checked at first). Basic certificates need no publicity first: the list follows them."""
    user = acting_user(request)
    authority = user.authority
    if (
        authority is None
        or authority.level != Authority.Level.CITY
        or not _acts_for(user, authority)
    ):
        raise NotFound(_("Only a city bureau publishes a list of basic filings."))
    candidates = list(
        selectors.application_list_for(user)
        .filter(pk__in=services.filings_awaiting_publicity(authority).values("pk"))
        .order_by("pk")
    )
    title = _("%(year)s basic-tier smart factories filed with %(authority)s") % {
        "year": timezone.localdate().year,
        "authority": authority.name,
    }

    def publish(**values: Any) -> Publicity:
        return services.publicity_publish_filings(actor=user, **values)

    published = selectors.publicities_published_by(user).filter(campaign=None)
    return _publish_page(request, None, candidates, title, publish, published)


def _publish_page(
    request: HttpRequest,
    campaign: Campaign | None,
    candidates: list[Application],
    title: str,
    publish: Callable[..., Publicity],
    published: QuerySet[Publicity],
) -> HttpResponse:
    """The publish form (GET) and its submission (POST) for a campaign batch or, with no
    campaign, a city bureau's basic filings."""
    initial = {
        "applications": [application.pk for application in candidates],
        "title": title,
        "starts_on": timezone.localdate(),
    }
    form = PublicityPublishForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        applications=_application_choices(candidates),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            chosen = set(data["applications"])
            try:
                publicity = publish(
                    applications=[a for a in candidates if a.pk in chosen],
                    starts_on=data["starts_on"],
                    title=data["title"],
                )
            except DomainError as exc:  # CalendarYearMissing too: a year not loaded yet
                if exc.status == 403:
                    raise
                form_add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    ngettext(
                        "Published: %(title)s, %(count)d application, from %(start)s to %(end)s "
                        "(%(days)d working days).",
                        "Published: %(title)s, %(count)d applications, from %(start)s to %(end)s "
                        "(%(days)d working days).",
                        len(chosen),
                    )
                    % {
                        "title": publicity.title,
                        "count": len(chosen),
                        "start": publicity.starts_on.isoformat(),
                        "end": publicity.ends_on.isoformat(),
                        "days": publicity.working_days,
                    },
                )
                return redirect("publicity-objections", pk=publicity.pk)
    context = {
        "campaign": campaign,
        "form": form if candidates else None,
        "field_errors": bool(form.errors),
        "published": published,
    }
    return render(request, f"{TEMPLATES}/new.html", context, status=status)
