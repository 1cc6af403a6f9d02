"""The step-by-step application form (each step saves) and evidence files."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import acting_user
from certification import pages, rules, selectors, services
from certification.forms import (
    ApplicationBasicsForm,
    ClaimInput,
    EvidenceForm,
    IndicatorInput,
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
    Declaration,
)
from certification.presenters import ClaimRow, LinkView, StageView, claim_summary, rule_rows
from certification.views.common import HtmxHttpRequest, htmx_redirect
from certification.workflow.policies import tier_condition
from core.errors import Conflict, DomainError, NotFound
from core.html import form_add_domain_error

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
    return htmx_redirect(request, reverse("application-detail", kwargs={"pk": application.pk}))


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request: HtmxHttpRequest, pk: int, step: str) -> HttpResponse:
    application = selectors.application_get_for(request.user, pk)
    if step not in STEP_CODES:
        raise NotFound(_("There is no such step."))
    decision = selectors.application_can_edit(request.user, application)
    if not decision:
        messages.info(request, decision.reason)
        return htmx_redirect(request, reverse("application-detail", kwargs={"pk": application.pk}))
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
            "summary": claim_summary(application, pages.application_claims(application)),
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
            "summary": claim_summary(application, claims),
            "indicators": indicator_rows_from_saved(pages.application_indicators(application)),
            "declarations": pages.application_declarations(application),
            "preview": rule_rows(rules.evaluate_application(facts)),
            "needs_campaign": tier_condition(application).needs_campaign,
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
