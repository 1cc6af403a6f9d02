"""HTML pages of certification: applications (a step-by-step form that saves at every step),
their detail with checks and timeline, evidence downloads, the path to the next tier, the city's
basic filings and the campaigns. Reads via selectors (and certification.pages), writes via
services; every page works without JavaScript and htmx saves claims as you go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from accounts.models import Role, ScopeLevel, User
from accounts.selectors import acting_user, scope_for
from certification import pages, rules, selectors, services
from certification.forms import (
    ApplicationBasicsForm,
    ApplicationCreateForm,
    ApplicationFilterForm,
    CampaignOpenForm,
    ClaimInput,
    EvidenceForm,
    IndicatorInput,
    ReasonForm,
    claim_errors_by_code,
    claims_from_post,
    claims_payload,
    indicator_errors_to_rows,
    indicator_rows_from_post,
    indicator_rows_from_saved,
    indicators_payload,
)
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    Declaration,
    ScenarioClaim,
    Tier,
)
from certification.services.transitions import TRANSITIONS
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.html import form_add_domain_error
from core.i18n import english_active
from factories.models import Factory
from factories.selectors import enterprise_can_manage, factory_get_for

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a whole page, not into the swapped element."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


# --- labels ------------------------------------------------------------------------------------

RULE_TITLES = {
    rules.PREREQUISITE_TIER: gettext_lazy("Prerequisite tier"),
    rules.MATURITY_LEVEL: gettext_lazy("Maturity level"),
    rules.ASSESSMENT_FRESH: gettext_lazy("Fresh self-assessment"),
    rules.STAGE_COVERAGE: gettext_lazy("Stage coverage"),
    rules.AI_SHARE: gettext_lazy("AI share of the claimed scenarios"),
    rules.CAMPAIGN_OPEN: gettext_lazy("Open campaign"),
    rules.SINGLE_OPEN_APPLICATION: gettext_lazy("One open application per tier"),
    rules.DECLARATIONS: gettext_lazy("Basic requirements declared with evidence"),
}

ACTION_LABELS = {
    "create": gettext_lazy("Application created"),
    "submit": gettext_lazy("Submitted"),
    "checks_pass": gettext_lazy("Automated checks passed"),
    "checks_fail": gettext_lazy("Automated checks failed: returned"),
    "self_declare": gettext_lazy("Self-declared (basic tier)"),
    "withdraw": gettext_lazy("Withdrawn"),
    "reject_filing": gettext_lazy("Filing rejected by the city"),
    "issue": gettext_lazy("Certificate issued"),
    "revoke": gettext_lazy("Certificate revoked"),
    "supersede": gettext_lazy("Certificate superseded by a newer one"),
    "suspend": gettext_lazy("Certificate suspended"),
    "reinstate": gettext_lazy("Certificate reinstated"),
}

STATUS_LABELS: dict[str, Any] = {
    status.value: status.label for status in [*Application.Status, *Certificate.Status]
}


@dataclass(frozen=True)
class RuleRow:
    rule: str
    title: str
    passed: bool
    message: str


def _rule_rows(results: Any) -> list[RuleRow]:
    """Rule results (stored CheckResults or fresh RuleResults) in the active language."""
    english = english_active()
    return [
        RuleRow(
            rule=result.rule,
            title=str(RULE_TITLES.get(result.rule, result.rule)),
            passed=result.passed,
            message=result.message_en if english else result.message_zh,
        )
        for result in results
    ]


@dataclass(frozen=True)
class TimelineRow:
    at: Any
    who: str
    action: str
    from_label: str
    to_label: str
    reason: str


def _reason_text(event: AuditEvent) -> str:
    if event.action == "checks_fail" and event.reason:
        return ", ".join(
            str(RULE_TITLES.get(code.strip(), code.strip())) for code in event.reason.split(",")
        )
    return event.reason


def _timeline(application: Application) -> list[TimelineRow]:
    return [
        TimelineRow(
            at=event.at,
            who=(event.actor.get_full_name() or event.actor.get_username())
            if event.actor
            else _("System"),
            action=str(ACTION_LABELS.get(event.action, event.action)),
            from_label=str(STATUS_LABELS.get(event.from_status, event.from_status)),
            to_label=str(STATUS_LABELS.get(event.to_status, event.to_status)),
            reason=_reason_text(event),
        )
        for event in selectors.application_timeline(application)
    ]


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


# --- the list and a new application ------------------------------------------------------------


def _create_form(request: HttpRequest, user: User, data: Any = None) -> ApplicationCreateForm:
    factories = pages.factories_for_applying(user)
    initial = {key: request.GET[key] for key in ("factory", "tier") if request.GET.get(key)}
    return ApplicationCreateForm(
        data,
        initial=initial,
        factories=factories,
        campaigns=pages.campaigns_accepting(list(factories), today=timezone.localdate()),
    )


def _render_list(
    request: HttpRequest, *, create_form: ApplicationCreateForm | None = None, status: int = 200
) -> HttpResponse:
    user = acting_user(request)
    is_enterprise = scope_for(user).level == ScopeLevel.ENTERPRISE
    queryset = pages.application_rows(selectors.application_list_for(user))
    context: dict[str, Any] = {"is_enterprise": is_enterprise}
    if is_enterprise:
        context["create_form"] = create_form or _create_form(request, user)
        queryset = queryset.order_by("-created_at", "-pk")
    else:
        filter_form = ApplicationFilterForm(request.GET)
        queryset = pages.application_filter(queryset, **filter_form.filters()).order_by(
            "-submitted_at", "-pk"
        )
        context["filter_form"] = filter_form
    context["page"] = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/application_list.html", context, status=status)


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@login_required
@require_GET
def application_campaign_options(request: HttpRequest) -> HttpResponse:
    """htmx: the campaign field of the new-application form for the chosen factory and tier."""
    user = acting_user(request)
    tier = request.GET.get("tier", "")
    chosen = request.GET.get("factory", "")
    factories = list(
        pages.factories_for_applying(user).filter(
            pk=int(chosen) if chosen.isascii() and chosen.isdigit() else 0
        )
    )
    form = _create_form(request, user)
    campaign_field = form.fields["campaign"]
    if factories and tier in Tier.values and tier != Tier.BASIC:
        campaigns = pages.campaigns_accepting(factories, today=timezone.localdate(), tier=tier)
        campaign_field.queryset = campaigns  # type: ignore[attr-defined]
        campaign_field.empty_label = _("Not chosen yet (choose it in the form)")  # type: ignore[attr-defined]
    return render(
        request,
        "certification/campaign_field.html",
        {"field": form["campaign"], "basic": tier == Tier.BASIC},
    )


@login_required
@require_POST
def application_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if scope_for(user).level != ScopeLevel.ENTERPRISE:
        raise PermissionDenied(_("Only enterprise users apply for a tier."))
    form = _create_form(request, user, request.POST)
    if not form.is_valid():
        return _render_list(request, create_form=form, status=400)
    data = form.cleaned_data
    factory: Factory = data["factory"]
    try:
        application = services.application_create(
            actor=user, factory=factory, tier=data["tier"], campaign=data.get("campaign")
        )
    except DomainError as exc:
        if exc.code == "open_application_exists":
            messages.info(request, str(exc.message))
            return redirect("application-detail", pk=exc.fields["application"][0])
        if exc.status == 403:
            raise
        form_add_domain_error(form, exc)
        return _render_list(request, create_form=form, status=400)
    messages.success(
        request,
        _("The draft application is saved. Fill in each step; every step is saved as you go."),
    )
    return redirect("application-step", pk=application.pk, step="basics")


# --- the step-by-step form -------------------------------------------------------------------

STEPS: list[tuple[str, Any]] = [
    ("basics", gettext_lazy("Campaign and self-assessment")),
    ("scenarios", gettext_lazy("Scenarios")),
    ("indicators", gettext_lazy("Key indicators")),
    ("declarations", gettext_lazy("Declarations")),
    ("review", gettext_lazy("Review and submit")),
]
STEP_CODES = [code for code, _title in STEPS]


@dataclass(frozen=True)
class StepLink:
    code: str
    title: str
    number: int
    done: bool | None  # None: the review step, which has nothing to fill in
    current: bool


def _step_url(application: Application, step: str) -> str:
    return reverse("application-step", kwargs={"pk": application.pk, "step": step})


def _step_context(application: Application, step: str) -> dict[str, Any]:
    progress = pages.application_progress(application)
    done = {
        "basics": progress.basics,
        "scenarios": progress.scenarios,
        "indicators": progress.indicators,
        "declarations": progress.declarations,
    }
    index = STEP_CODES.index(step)
    return {
        "application": application,
        "step": step,
        "step_title": str(STEPS[index][1]),
        "steps": [
            StepLink(code, str(title), number, done.get(code), code == step)
            for number, (code, title) in enumerate(STEPS, start=1)
        ],
        "previous_step": STEP_CODES[index - 1] if index > 0 else None,
        "next_step": STEP_CODES[index + 1] if index + 1 < len(STEP_CODES) else None,
        "step_url": _step_url(application, step),
    }


def _after_save(request: HttpRequest, application: Application, step: str) -> HttpResponse:
    """ "Save" stays on the step; "Save and continue" goes to the next one."""
    if request.POST.get("stay"):
        messages.success(request, _("Saved."))
        return redirect(_step_url(application, step))
    index = STEP_CODES.index(step)
    return redirect(_step_url(application, STEP_CODES[min(index + 1, len(STEP_CODES) - 1)]))


def _refused(request: HttpRequest, application: Application, exc: DomainError) -> HttpResponse:
    """Not editable any more (submitted in another tab, say): back to the detail page."""
    messages.error(request, str(exc.message))
    return _redirect(request, reverse("application-detail", kwargs={"pk": application.pk}))


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request: HtmxHttpRequest, pk: int, step: str) -> HttpResponse:
    application = selectors.application_get_for(request.user, pk)
    if step not in STEP_CODES:
        raise NotFound(_("There is no such step."))
    decision = selectors.application_can_edit(request.user, application)
    if not decision:
        messages.info(request, decision.reason)
        return _redirect(request, reverse("application-detail", kwargs={"pk": application.pk}))
    handlers = {
        "basics": _step_basics,
        "scenarios": _step_scenarios,
        "indicators": _step_indicators,
        "declarations": _step_declarations,
        "review": _step_review,
    }
    return handlers[step](request, application)


# basics


def _basics_form(
    request: HttpRequest, application: Application, data: Any = None
) -> ApplicationBasicsForm:
    campaigns = pages.campaigns_accepting(
        [application.factory],
        today=timezone.localdate(),
        tier=application.tier,
        include=application.campaign_id,
    )
    return ApplicationBasicsForm(
        data,
        initial={"campaign": application.campaign_id, "assessment": application.assessment_id},
        application=application,
        campaigns=campaigns,
        assessments=pages.factory_submitted_assessments(request.user, application.factory),
    )


def _step_basics(request: HtmxHttpRequest, application: Application) -> HttpResponse:
    form = _basics_form(request, application, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes: dict[str, Any] = {"assessment": form.cleaned_data.get("assessment")}
            if "campaign" in form.fields:
                changes["campaign"] = form.cleaned_data.get("campaign")
            try:
                services.application_update(
                    actor=acting_user(request), application=application, **changes
                )
            except Conflict as exc:
                return _refused(request, application, exc)
            except DomainError as exc:
                if exc.status == 403:
                    raise
                form_add_domain_error(form, exc)
            else:
                return _after_save(request, application, "basics")
        status = 400
    context = _step_context(application, "basics")
    context["form"] = form
    context["has_assessments"] = bool(form.fields["assessment"].queryset)  # type: ignore[attr-defined]
    return render(request, "certification/step_basics.html", context, status=status)


# scenarios


@dataclass
class ClaimRow:
    """One catalogue scenario in the form: as saved, or as posted when refused."""

    code: str
    name: str
    claimed: bool
    description: str
    ai_applied: bool
    saved: bool  # a claim is stored, so evidence can be attached
    files: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)


@dataclass
class LinkView:
    name: str
    rows: list[ClaimRow]


@dataclass
class StageView:
    code: str
    name: str
    links: list[LinkView]
    open: bool = True

    @property
    def claimed(self) -> int:
        return sum(1 for link in self.links for row in link.rows if row.saved)


@dataclass(frozen=True)
class StageCoverage:
    name: str
    required: bool
    covered: bool


@dataclass(frozen=True)
class ClaimSummary:
    count: int
    ai_count: int
    ai_share: str
    stages: list[StageCoverage]
    min_ai_share: str | None


def _claim_summary(application: Application, claims: list[ScenarioClaim]) -> ClaimSummary:
    """AI share and stage coverage computed from the saved claims, beside what the tier needs."""
    rule = selectors.tier_rule(application.tier_edition, application.tier)
    covered = {claim.scenario.link.stage.code for claim in claims}
    share = rules.ai_share(
        rules.Claim(c.scenario.code, c.scenario.link.stage.code, c.ai_applied) for c in claims
    )
    return ClaimSummary(
        count=len(claims),
        ai_count=sum(1 for c in claims if c.ai_applied),
        ai_share=_percent(share),
        stages=[
            StageCoverage(stage.name, stage.code in rule.required_stages, stage.code in covered)
            for stage in pages.stage_names_for(application)
        ],
        min_ai_share=None if rule.min_ai_share is None else _percent(rule.min_ai_share),
    )


def _scenario_views(
    application: Application,
    *,
    posted: list[ClaimInput] | None = None,
    errors: dict[str, list[str]] | None = None,
    file_errors: dict[str, list[str]] | None = None,
) -> list[StageView]:
    posted_by_code = {row.code: row for row in posted or []}
    views: list[StageView] = []
    for stage in pages.scenario_catalogue_for(application):
        links = []
        for link in stage.links:
            rows = []
            for item in link.rows:
                claim, code = item.claim, item.scenario.code
                row = ClaimRow(
                    code=code,
                    name=item.scenario.name,
                    claimed=claim is not None,
                    description=claim.description if claim else "",
                    ai_applied=claim.ai_applied if claim else False,
                    saved=claim is not None,
                    files=item.files,
                    errors=(errors or {}).get(code, []),
                    file_errors=(file_errors or {}).get(code, []),
                )
                sent = posted_by_code.get(code)
                if sent is not None:  # what was typed wins, so that nothing is lost
                    row.claimed, row.description = sent.claimed, sent.description
                    row.ai_applied = sent.ai_applied
                rows.append(row)
            links.append(LinkView(name=link.name, rows=rows))
        views.append(StageView(code=stage.code, name=stage.name, links=links))
    # Unfolded: the stages the tier needs and those with something claimed or refused.
    required = set(selectors.tier_rule(application.tier_edition, application.tier).required_stages)
    for view in views:
        rows = [row for link in view.links for row in link.rows]
        view.open = view.code in required or any(row.claimed or row.errors for row in rows)
    return views


def _render_scenarios(
    request: HttpRequest,
    application: Application,
    *,
    posted: list[ClaimInput] | None = None,
    errors: dict[str, list[str]] | None = None,
    file_errors: dict[str, list[str]] | None = None,
    message: str = "",
    status: int = 200,
    template: str = "certification/step_scenarios.html",
) -> HttpResponse:
    context = _step_context(application, "scenarios")
    stages = _scenario_views(application, posted=posted, errors=errors, file_errors=file_errors)
    context.update(
        {
            "stages": stages,
            "rows": [row for stage in stages for link in stage.links for row in link.rows],
            "summary": _claim_summary(application, pages.application_claims(application)),
            "error_message": message,
            "claims_error": message if errors else "",
            # Only the autosave answer says "saved at": a plain save redirects with a message.
            "saved_at": (
                timezone.localtime()
                if template == "certification/claims_saved.html" and not message
                else None
            ),
        }
    )
    return render(request, template, context, status=status)


def _step_scenarios(request: HtmxHttpRequest, application: Application) -> HttpResponse:
    if request.method != "POST":
        return _render_scenarios(request, application)
    codes = [
        row.scenario.code
        for stage in pages.scenario_catalogue_for(application)
        for link in stage.links
        for row in link.rows
    ]
    posted = claims_from_post(request.POST, codes)
    try:
        services.application_claims_set(
            actor=acting_user(request), application=application, claims=claims_payload(posted)
        )
    except Conflict as exc:
        return _refused(request, application, exc)
    except DomainError as exc:
        if exc.status == 403:
            raise
        errors = claim_errors_by_code(posted, exc.fields)
        # htmx swaps only 2xx responses, so a refused autosave answers 200 with its errors.
        return _render_scenarios(
            request,
            application,
            posted=posted,
            errors=errors,
            message=str(exc.message),
            status=200 if request.htmx else 400,
            template=(
                "certification/claims_saved.html"
                if request.htmx
                else "certification/step_scenarios.html"
            ),
        )
    if request.htmx:
        return _render_scenarios(
            request, application, posted=posted, template="certification/claims_saved.html"
        )
    return _after_save(request, application, "scenarios")


# indicators


def _render_indicators(
    request: HttpRequest,
    application: Application,
    rows: list[IndicatorInput],
    *,
    message: str = "",
    loose: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    next_index = max((row.index for row in rows), default=-1) + 1
    if not rows or not any(row.blank for row in rows):
        rows = [*rows, IndicatorInput(index=next_index, values={})]
    context = _step_context(application, "indicators")
    context.update(
        {
            "rows": rows,
            "error_message": message,
            "loose_errors": loose or [],
            "benchmark": _benchmark(application),
        }
    )
    return render(request, "certification/step_indicators.html", context, status=status)


def _benchmark(application: Application) -> str:
    condition = application.tier_edition.conditions.filter(tier=application.tier).first()
    return condition.indicator_benchmark if condition else ""


def _step_indicators(request: HtmxHttpRequest, application: Application) -> HttpResponse:
    if request.method != "POST":
        saved = indicator_rows_from_saved(pages.application_indicators(application))
        return _render_indicators(request, application, saved)
    rows = indicator_rows_from_post(request.POST)
    if request.POST.get("action") == "add_row":
        blank = IndicatorInput(index=max((r.index for r in rows), default=-1) + 1, values={})
        return _render_indicators(request, application, [*rows, blank])
    try:
        services.application_indicators_set(
            actor=acting_user(request),
            application=application,
            indicators=indicators_payload(rows),
        )
    except Conflict as exc:
        return _refused(request, application, exc)
    except DomainError as exc:
        if exc.status == 403:
            raise
        loose = indicator_errors_to_rows(rows, exc.fields)
        return _render_indicators(
            request, application, rows, message=str(exc.message), loose=loose, status=400
        )
    return _after_save(request, application, "indicators")


# declarations


@dataclass
class DeclarationRow:
    kind: str
    label: str
    affirmed: bool
    files: list[Any]
    file_errors: list[str] = field(default_factory=list)


def _render_declarations(
    request: HttpRequest,
    application: Application,
    *,
    file_errors: dict[str, list[str]] | None = None,
    message: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _step_context(application, "declarations")
    context["rows"] = [
        DeclarationRow(
            kind=answer.kind,
            label=answer.get_kind_display(),
            affirmed=answer.affirmed,
            files=list(answer.files.all()),
            file_errors=(file_errors or {}).get(answer.kind, []),
        )
        for answer in pages.application_declarations(application)
    ]
    context["error_message"] = message
    return render(request, "certification/step_declarations.html", context, status=status)


def _step_declarations(request: HtmxHttpRequest, application: Application) -> HttpResponse:
    if request.method != "POST":
        return _render_declarations(request, application)
    declared = set(request.POST.getlist("declared"))
    try:
        services.application_declarations_set(
            actor=acting_user(request),
            application=application,
            declarations={kind: kind in declared for kind in Declaration.values},
        )
    except Conflict as exc:
        return _refused(request, application, exc)
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _render_declarations(request, application, message=str(exc.message), status=400)
    return _after_save(request, application, "declarations")


# review


def _step_review(request: HtmxHttpRequest, application: Application) -> HttpResponse:
    if request.method == "POST":  # the review has nothing to save: submitting has its own URL
        return redirect(_step_url(application, "review"))
    claims = pages.application_claims(application)
    facts = selectors.application_facts(application, on=timezone.localdate())
    context = _step_context(application, "review")
    context.update(
        {
            "claims": claims,
            "summary": _claim_summary(application, claims),
            "indicators": indicator_rows_from_saved(pages.application_indicators(application)),
            "declarations": pages.application_declarations(application),
            "preview": _rule_rows(rules.evaluate_application(facts)),
        }
    )
    context["preview_passes"] = all(row.passed for row in context["preview"])
    return render(request, "certification/step_review.html", context)


# evidence


@login_required
@require_POST
def application_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to a claimed scenario or a declaration (a normal multipart POST)."""
    application = selectors.application_get_for(request.user, pk)
    decision = selectors.application_can_edit(request.user, application)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("application-detail", pk=application.pk)
    scenario = request.POST.get("scenario", "").strip()
    declaration = request.POST.get("declaration", "").strip()
    step = "scenarios" if scenario else "declarations"
    anchor = f"#claim-{scenario}" if scenario else f"#declaration-{declaration}"
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        reason = (
            _("Choose a file to upload.")
            if "file" in form.errors
            else _("Say which scenario or declaration the file supports.")
        )
        return _evidence_refused(request, application, scenario, declaration, reason)
    try:
        item = services.application_file_add(
            actor=acting_user(request),
            application=application,
            upload=form.cleaned_data["file"],
            scenario=scenario or None,
            declaration=declaration or None,
        )
    except Conflict as exc:
        return _refused(request, application, exc)
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _evidence_refused(request, application, scenario, declaration, str(exc.message))
    messages.success(request, _("%(name)s is attached.") % {"name": item.original_name})
    return HttpResponseRedirect(_step_url(application, step) + anchor)


def _evidence_refused(
    request: HttpRequest, application: Application, scenario: str, declaration: str, reason: str
) -> HttpResponse:
    """The step again, with the reason at the row's file input."""
    message = _("The file is not attached: %(reason)s") % {"reason": reason}
    if scenario:
        return _render_scenarios(
            request, application, file_errors={scenario: [reason]}, message=message, status=400
        )
    return _render_declarations(
        request, application, file_errors={declaration: [reason]}, message=message, status=400
    )


@login_required
@require_GET
def application_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file, to those who may see its application, always as a download."""
    item = pages.application_file_get_for(request.user, pk)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound(_("File not found.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the detail page and the transitions -------------------------------------------------------


def _can_reject(user: User, application: Application) -> bool:
    return bool(selectors.application_can_reject(user, application))


def _render_detail(
    request: HttpRequest,
    application: Application,
    *,
    reject_form: ReasonForm | None = None,
    withdraw_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    is_member = bool(enterprise_can_manage(user, application.factory.enterprise))
    claims = pages.application_claims(application)
    context = {
        "application": application,
        "is_member": is_member,
        "can_edit": is_member and application.is_editable,
        "can_withdraw": is_member and application.status in TRANSITIONS["withdraw"].sources,
        "can_reject": _can_reject(user, application),
        "checks": _rule_rows(selectors.application_checks(application)),
        "claims": claims,
        "summary": _claim_summary(application, claims),
        "indicators": indicator_rows_from_saved(pages.application_indicators(application)),
        "declarations": pages.application_declarations(application),
        "certificate": pages.application_certificate(application),
        "timeline": _timeline(application),
        "reject_form": reject_form or ReasonForm(),
        "withdraw_form": withdraw_form or ReasonForm(),
        "checks_running": application.status == Application.Status.SUBMITTED,
    }
    return render(request, "certification/application_detail.html", context, status=status)


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.application_get_for(request.user, pk))


@login_required
@require_GET
def application_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """htmx polls this while the checks run; when the status moves on the page reloads."""
    application = selectors.application_get_for(request.user, pk)
    if application.status == Application.Status.SUBMITTED:
        return render(request, "certification/check_status.html", {"application": application})
    detail = reverse("application-detail", kwargs={"pk": application.pk})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = detail
        return response
    return HttpResponseRedirect(detail)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(request.user, pk)
    try:
        application = services.application_submit(
            actor=acting_user(request), application=application
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
        return redirect("application-detail", pk=application.pk)
    messages.success(
        request,
        _("The application is submitted. The automated checks run now; this page shows them."),
    )
    return redirect("application-detail", pk=application.pk)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, withdraw_form=form, status=400)
    try:
        services.application_withdraw(
            actor=acting_user(request), application=application, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
        return redirect("application-detail", pk=application.pk)
    messages.success(request, _("The application is withdrawn."))
    return redirect("application-detail", pk=application.pk)


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The city bureau rejects a self-declared basic filing; its certificate is revoked."""
    application = selectors.application_get_for(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.basic_declaration_reject(
                actor=acting_user(request),
                application=application,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise
        except DomainError as exc:
            if exc.fields:
                form_add_domain_error(form, exc)
            else:
                messages.error(request, str(exc.message))
                return redirect("application-detail", pk=application.pk)
        else:
            messages.success(request, _("The filing is rejected and the certificate is revoked."))
            return redirect("application-detail", pk=application.pk)
    application.refresh_from_db()
    return _render_detail(request, application, reject_form=form, status=400)


# --- the path to the next tier ----------------------------------------------------------------


@dataclass(frozen=True)
class TierStepView:
    tier: str
    name: str
    min_maturity_level: int
    required_stages: list[str]
    ai_share: str | None
    checks: list[RuleRow]
    eligible: bool
    campaign_id: int | None
    open_application: Application | None
    needs_assessment: bool  # the level or the freshness fails: a new self-assessment helps


@login_required
@require_GET
def tier_path(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    factory = factory_get_for(user, pk)
    today = timezone.localdate()
    path = selectors.factory_tier_path(factory, today)
    can_apply = bool(enterprise_can_manage(user, factory.enterprise))
    open_applications = {
        application.tier: application
        for application in selectors.application_list_for(user).filter(
            factory=factory, status__in=Application.OPEN_STATUSES
        )
    }
    steps = []
    for step in path.steps:
        campaign = (
            selectors.campaign_open_for(factory, step.tier, today)
            if step.eligible and can_apply
            else None
        )
        steps.append(
            TierStepView(
                tier=step.tier,
                name=step.name,
                min_maturity_level=step.min_maturity_level,
                required_stages=step.required_stages,
                ai_share=None if step.min_ai_share is None else _percent(step.min_ai_share),
                checks=_rule_rows(step.checks),
                eligible=step.eligible,
                campaign_id=campaign.pk if campaign else None,
                open_application=open_applications.get(step.tier),
                needs_assessment=any(
                    not check.passed
                    and check.rule in (rules.MATURITY_LEVEL, rules.ASSESSMENT_FRESH)
                    for check in step.checks
                ),
            )
        )
    certificates = pages.factory_active_certificates([factory])[factory.pk]
    context = {
        "factory": factory,
        "path": path,
        "current_tier_label": Tier(path.current_tier).label if path.current_tier else None,
        "certificates": certificates,
        "steps": steps,
        "can_apply": can_apply,
    }
    return render(request, "certification/tier_path.html", context)


@login_required
@require_GET
def tier_path_index(request: HttpRequest) -> HttpResponse:
    """Which factory's path? Straight to it when the user has one factory."""
    user = acting_user(request)
    factories = list(pages.factories_for_applying(user))
    if len(factories) == 1:
        return redirect("tier-path", pk=factories[0].pk)
    certificates = pages.factory_active_certificates(factories)
    rows = [(factory, certificates.get(factory.pk, [])) for factory in factories]
    return render(request, "certification/tier_path_index.html", {"rows": rows})


# --- the city's basic filings -------------------------------------------------------------------


@login_required
@require_GET
def basic_filings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if user.role != Role.CITY_OFFICIAL or user.authority is None:
        raise PermissionDenied(_("Only city officials review the basic filings of their city."))
    page = Paginator(pages.basic_filings_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "certification/basic_filings.html", {"page": page, "authority": user.authority}
    )


# --- campaigns -----------------------------------------------------------------------------------


def _campaign_tiers(user: User) -> list[tuple[str, Any]]:
    """The tiers this user may open campaigns for, as form choices (none: no form)."""
    return [(tier, Tier(tier).label) for tier in selectors.campaign_tiers_for(user)]


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    tiers = _campaign_tiers(user)
    form = CampaignOpenForm(request.POST or None, tiers=tiers) if tiers else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Campaigns are opened by the provincial departments and MIIT.")
            )
        if form.is_valid():
            try:
                campaign = services.campaign_open(actor=user, **form.cleaned_data)
            except DomainError as exc:
                if exc.code == "campaign_exists":
                    form.add_error("batch", str(exc.message))
                else:
                    form_add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("The campaign is open: %(name)s.") % {"name": str(campaign)}
                )
                return redirect("campaign-list")
        status = 400
    page = Paginator(selectors.campaign_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "today": timezone.localdate()}
    return render(request, "certification/campaign_list.html", context, status=status)
