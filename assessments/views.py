"""HTML pages of the maturity self-assessment. Reads via selectors, writes via services.

The questionnaire shows one sub-domain per page, with a sidebar of every sub-domain's progress,
and a confirmation page before submission. It saves as you go: each requirement row is its own
small form that htmx posts on change; the row's marks, the progress bar and the sidebar's count
come back (the last two out of band). Without JavaScript the same form posts normally and comes
back to the row's anchor on its sub-domain's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from accounts.models import ScopeLevel
from accounts.selectors import acting_user, scope_for
from assessments import benchmarks, charts, scoring, selectors, services
from assessments.forms import AnswerForm, AssessmentFilterForm, AssessmentStartForm, EvidenceForm
from assessments.models import ANSWER_CHOICES, Assessment, Evidence, Requirement
from core.errors import Conflict, DomainError, NotFound
from core.i18n import english_active
from dashboard import charts as dashboard_charts
from factories.models import Industry
from factories.selectors import factory_get_for, factory_list_for

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _value_text(value: Decimal | float) -> str:
    """0.50 -> "0.5", 1.00 -> "1": the form value of an answer."""
    return format(Decimal(str(value)).normalize(), "f")


def _answer_label(value: float) -> str:
    for choice, label in ANSWER_CHOICES:
        if float(choice) == value:
            return str(label)
    return _value_text(value)


# --- The list ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assessment_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _assessment_start(request)
    user = acting_user(request)
    scope = scope_for(user)
    is_enterprise = scope.level == ScopeLevel.ENTERPRISE
    filter_form = AssessmentFilterForm(request.GET, scope=scope)
    queryset = selectors.assessment_filter(
        selectors.assessment_list_for(user), **filter_form.filters()
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    assessments = list(page.object_list)
    names = selectors.level_names_by_version({a.version_id for a in assessments})
    rows = [
        (assessment, names.get((assessment.version_id, assessment.maturity_level or 0), ""))
        for assessment in assessments
    ]
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "is_enterprise": is_enterprise,
        "today": timezone.localdate(),
    }
    if is_enterprise:
        drafts = dict(
            selectors.assessment_list_for(user)
            .filter(status=Assessment.Status.DRAFT)
            .values_list("factory_id", "pk")
        )
        factories = list(factory_list_for(user).order_by("enterprise__name", "name"))
        latest = selectors.assessment_latest_submitted([factory.pk for factory in factories])
        current = selectors.model_version_current()
        context["factories"] = [
            (
                factory,
                drafts.get(factory.pk),
                # Offered only when the answers can be carried over (same model version).
                latest.get(factory.pk)
                if current is not None
                and factory.pk in latest
                and latest[factory.pk].version_id == current.pk
                else None,
            )
            for factory in factories
        ]
    return render(request, "assessments/assessment_list.html", context)


def _assessment_start(request: HttpRequest) -> HttpResponse:
    form = AssessmentStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a factory to assess."))
        return redirect("assessment-list")
    factory = factory_get_for(request.user, form.cleaned_data["factory"])
    source = None
    if form.cleaned_data.get("copy_from"):
        source = selectors.assessment_get_for(request.user, form.cleaned_data["copy_from"])
    try:
        assessment = services.assessment_start(
            actor=acting_user(request), factory=factory, copy_from=source
        )
    except Conflict as exc:
        if exc.code != "draft_exists":
            messages.error(request, str(exc.message))
            return redirect("assessment-list")
        if not form.cleaned_data["resume"]:
            messages.info(request, str(exc.message))
        return redirect("assessment-detail", pk=exc.fields["assessment"][0])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("assessment-list")
    if source is not None:
        messages.success(
            request,
            _(
                "The self-assessment is started from the one submitted on %(day)s: its answers, "
                "notes and evidence are filled in. Change what is different now."
            )
            % {"day": timezone.localdate(source.submitted_at).isoformat()},
        )
        # Every answer is there already: the editor opens at the start, to go through them.
        first = selectors.assessment_first_part(assessment)
        if first is not None:
            return HttpResponseRedirect(_part_url(assessment, first))
    else:
        messages.success(
            request,
            _("The self-assessment is started. Each answer is saved as soon as you give it."),
        )
    return redirect("assessment-detail", pk=assessment.pk)


# --- The questionnaire ------------------------------------------------------------------------


class Choice(NamedTuple):
    value: str
    label: str
    checked: bool


@dataclass
class RowView:
    """What one requirement row shows: the saved answer, or what was posted when refused."""

    code: str
    level: int
    text: str
    choices: list[Choice]
    note: str
    answered: bool
    evidence: list[Evidence]
    saved: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SubdomainView:
    code: str
    name: str
    domain: str
    applicable: bool
    rows: list[RowView]

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.answered)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def complete(self) -> bool:
        return self.answered == self.total


@dataclass
class ElementView:
    name: str
    subdomains: list[SubdomainView]


def _row_view(
    row: selectors.RequirementRow,
    *,
    english: bool,
    posted: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    saved: bool = False,
) -> RowView:
    requirement, answer = row.requirement, row.answer
    saved_score = answer.score if answer is not None else None
    chosen = _value_text(saved_score) if saved_score is not None else None
    note = answer.note if answer is not None else ""
    if posted:  # what was sent overrides what is saved, so that nothing typed is lost
        chosen = posted.get("score", chosen)
        note = posted.get("note", note)
    return RowView(
        code=requirement.code,
        level=requirement.level,
        text=(requirement.text_en or requirement.text_zh) if english else requirement.text_zh,
        choices=[
            Choice(_value_text(value), str(label), chosen == _value_text(value))
            for value, label in ANSWER_CHOICES
        ],
        note=note,
        answered=saved_score is not None,
        evidence=row.evidence,
        saved=saved,
        errors=errors or {},
    )


def _subdomain_view(
    sub: selectors.SubdomainGroup, *, english: bool, saved: str | None = None
) -> SubdomainView:
    return SubdomainView(
        code=sub.subdomain.code,
        name=sub.subdomain.name,
        domain=sub.subdomain.domain.name,
        applicable=sub.applicable,
        rows=[
            _row_view(row, english=english, saved=row.requirement.code == saved) for row in sub.rows
        ],
    )


def _questionnaire_view(
    groups: list[selectors.ElementGroup], *, saved: str | None = None
) -> list[ElementView]:
    english = english_active()
    return [
        ElementView(
            name=group.name,
            subdomains=[
                _subdomain_view(sub, english=english, saved=saved) for sub in group.subdomains
            ],
        )
        for group in groups
    ]


def _find(
    groups: list[selectors.ElementGroup], code: str
) -> tuple[selectors.SubdomainGroup, selectors.RequirementRow]:
    for group in groups:
        for sub in group.subdomains:
            for row in sub.rows:
                if row.requirement.code == code:
                    return sub, row
    raise NotFound(_("Requirement not found."))


def _part_url(
    assessment: Assessment, subdomain: str, code: str | None = None, *, saved: bool = False
) -> str:
    """A sub-domain's page of the editor, at one requirement's row when ``code`` is given."""
    url = reverse("assessment-part", kwargs={"pk": assessment.pk, "code": subdomain})
    if code:
        if saved:
            url += "?saved=" + quote(code)
        url += "#req-" + quote(code)
    return url


def _requirement_url(assessment: Assessment, code: str, *, saved: bool = False) -> str:
    """The editor page that holds requirement ``code`` (the first unfinished one if unknown)."""
    subdomain = (
        Requirement.objects.filter(version=assessment.version_id, code=code)
        .values_list("subdomain__code", flat=True)
        .first()
    )
    if subdomain is None:
        return reverse("assessment-detail", kwargs={"pk": assessment.pk})
    return _part_url(assessment, subdomain, code, saved=saved)


def _notice(assessment: Assessment) -> str:
    version = assessment.version
    if not version.illustrative:
        return ""
    return (version.notice_en or version.notice_zh) if english_active() else version.notice_zh


def _industry_type_label(assessment: Assessment) -> str:
    return str(dict(Industry.ProcessType.choices).get(assessment.industry_type, ""))


def _neighbours(
    subdomains: list[SubdomainView], current: SubdomainView
) -> tuple[SubdomainView | None, SubdomainView | None]:
    """The applicable sub-domains before and after ``current``, in the model's order."""
    position = subdomains.index(current)
    before = [sub for sub in subdomains[:position] if sub.applicable]
    after = [sub for sub in subdomains[position + 1 :] if sub.applicable]
    return (before[-1] if before else None), (after[0] if after else None)


def _render_part(
    request: HttpRequest,
    assessment: Assessment,
    code: str,
    *,
    status: int = 200,
    row_override: tuple[str, RowView] | None = None,
    groups: list[selectors.ElementGroup] | None = None,
) -> HttpResponse:
    """One sub-domain of the questionnaire, with the sidebar of every sub-domain's progress;
    ``row_override`` shows one row as posted, with its errors."""
    if groups is None:
        groups = selectors.assessment_questionnaire(assessment)
    elements = _questionnaire_view(groups, saved=request.GET.get("saved"))
    subdomains = [sub for element in elements for sub in element.subdomains]
    current = next((sub for sub in subdomains if sub.code == code), None)
    if current is None:
        raise NotFound(_("Sub-domain not found."))
    if row_override is not None:
        replaced, replacement = row_override
        current.rows = [replacement if row.code == replaced else row for row in current.rows]
    element = next(e for e in elements if current in e.subdomains)
    previous, following = _neighbours(subdomains, current)
    applicable = [sub for sub in subdomains if sub.applicable]
    context = {
        "assessment": assessment,
        "elements": elements,
        "sub": current,
        "element": element,
        "previous": previous,
        "next": following,
        "position": applicable.index(current) + 1 if current.applicable else None,
        "count": len(applicable),
        "answered": sum(sub.answered for sub in applicable),
        "total": sum(sub.total for sub in applicable),
        "notice": _notice(assessment),
        "industry_type": _industry_type_label(assessment),
    }
    return render(request, "assessments/assessment_part.html", context, status=status)


def _first_unfinished(groups: list[selectors.ElementGroup]) -> str | None:
    for group in groups:
        for sub in group.subdomains:
            if sub.applicable and any(
                row.answer is None or row.answer.score is None for row in sub.rows
            ):
                return sub.subdomain.code
    return None


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor's entry: the first sub-domain with something left to answer, else the
    confirmation before submission. A submitted assessment shows its report."""
    assessment = selectors.assessment_get_for(request.user, pk)
    if not selectors.assessment_can_edit(request.user, assessment):
        return redirect("assessment-report", pk=assessment.pk)
    code = _first_unfinished(selectors.assessment_questionnaire(assessment))
    if code is None:
        return redirect("assessment-confirm", pk=assessment.pk)
    return HttpResponseRedirect(_part_url(assessment, code))


@login_required
def assessment_part(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One sub-domain's requirements of a draft."""
    assessment = selectors.assessment_get_for(request.user, pk)
    if not selectors.assessment_can_edit(request.user, assessment):
        return redirect("assessment-report", pk=assessment.pk)
    return _render_part(request, assessment, code)


def _row_errors(exc: DomainError) -> dict[str, list[str]]:
    """Service field names (``answers[0].score``) -> the row's fields (``score``)."""
    errors: dict[str, list[str]] = {}
    for key, messages_ in exc.fields.items():
        name = key.rsplit(".", 1)[-1]
        target = name if name in ("score", "note", "file") else "row"
        errors.setdefault(target, []).extend(
            messages_ if isinstance(messages_, list) else [messages_]
        )
    return errors or {"row": [str(exc.message)]}


@login_required
@require_POST
def assessment_answer(request: HtmxHttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one requirement's answer and note (htmx: the row back; otherwise: a redirect)."""
    assessment = selectors.assessment_get_for(request.user, pk)
    form = AnswerForm(request.POST)
    form.is_valid()  # plain text fields; the service checks the values
    # A key left out keeps its saved value: the score only when a radio was chosen.
    posted: dict[str, str] = {}
    if form.cleaned_data.get("score"):
        posted["score"] = form.cleaned_data["score"]
    if "note" in request.POST:
        # A note the form refused goes to the service as typed: it says what is wrong, and the
        # saved note is never replaced by an empty one.
        posted["note"] = form.cleaned_data.get("note", request.POST["note"])
    errors: dict[str, list[str]] = {}
    try:
        services.assessment_answers_save(
            actor=acting_user(request),
            assessment=assessment,
            answers=[{"requirement": code, **posted}],
        )
    except Conflict as exc:  # submitted meanwhile (in another tab): nothing is kept
        if not request.htmx:
            messages.error(request, str(exc.message))
            return redirect("assessment-report", pk=assessment.pk)
        errors = {"row": [str(exc.message)]}
    except DomainError as exc:
        if exc.status == 403:
            raise
        errors = _row_errors(exc)

    groups = selectors.assessment_questionnaire(assessment)
    sub, row = _find(groups, code)
    if not request.htmx and not errors:
        return HttpResponseRedirect(_part_url(assessment, sub.subdomain.code, code, saved=True))
    english = english_active()
    row_view = (
        _row_view(row, english=english, posted=posted, errors=errors)
        if errors
        else _row_view(row, english=english, saved=True)
    )
    if not request.htmx:
        # Shown on the full page at the row's anchor (the form's action carries it).
        return _render_part(
            request,
            assessment,
            sub.subdomain.code,
            status=400,
            row_override=(code, row_view),
            groups=groups,
        )
    answered, total = selectors.assessment_progress(assessment)
    subdomain = _subdomain_view(sub, english=english)
    # htmx swaps only 2xx responses, so a refused answer comes back as 200 with its error, and
    # replaces the row to show it. A saved answer replaces only the row's status marks: the
    # inputs stay as they are, so text typed while the request was on its way is not lost.
    response = render(
        request,
        "assessments/answer_response.html",
        {
            "assessment": assessment,
            "row": row_view,
            "sub": subdomain,
            "answered": answered,
            "total": total,
        },
    )
    if not errors:
        # Requirement codes hold dots, so the element is found by attribute, not by "#id".
        response["HX-Retarget"] = f'[id="req-status-{code}"]'
        response["HX-Reswap"] = "innerHTML"
    return response


def _confirm_context(assessment: Assessment) -> dict[str, Any]:
    """What submitting freezes: the counts, the score it would have, and what is missing,
    grouped by sub-domain with a link to each requirement's place in the editor."""
    groups = selectors.assessment_questionnaire(assessment)
    english = english_active()
    subdomains = [
        _subdomain_view(sub, english=english)
        for group in groups
        for sub in group.subdomains
        if sub.applicable
    ]
    missing = [
        (
            sub,
            [
                (row, _part_url(assessment, sub.code, row.code))
                for row in sub.rows
                if not row.answered
            ],
        )
        for sub in subdomains
        if not sub.complete
    ]
    rows = [row for sub in subdomains for row in sub.rows]
    preview = selectors.assessment_result(assessment)
    level = preview["maturity_level"]
    return {
        "assessment": assessment,
        "answered": sum(1 for row in rows if row.answered),
        "total": len(rows),
        "notes": sum(1 for row in rows if row.note),
        "evidence": sum(len(row.evidence) for row in rows),
        "missing": missing,
        "missing_count": sum(len(items) for _sub, items in missing),
        "preview_level": level,
        "preview_level_name": selectors.level_names_by_version({assessment.version_id}).get(
            (assessment.version_id, level), ""
        ),
        "preview_score": scoring.shown(preview["overall_score"]),
        "first_part": subdomains[0].code if subdomains else None,
        "last_part": subdomains[-1].code if subdomains else None,
        "valid_months": settings.ASSESSMENT_VALID_MONTHS,
        "notice": _notice(assessment),
    }


@login_required
def assessment_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation before submission: what will be frozen, and the button that does it."""
    assessment = selectors.assessment_get_for(request.user, pk)
    if not selectors.assessment_can_edit(request.user, assessment):
        return redirect("assessment-report", pk=assessment.pk)
    return render(request, "assessments/assessment_confirm.html", _confirm_context(assessment))


@login_required
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(request.user, pk)
    try:
        assessment = services.assessment_submit(actor=acting_user(request), assessment=assessment)
    except DomainError as exc:
        if exc.status == 403:
            raise
        if exc.code == "incomplete":
            context = _confirm_context(assessment)
            context["refusal"] = str(exc.message)
            return render(request, "assessments/assessment_confirm.html", context, status=400)
        messages.error(request, str(exc.message))
        return redirect("assessment-detail", pk=assessment.pk)
    messages.success(
        request,
        _("The self-assessment is submitted: maturity level %(level)s, overall score %(score)s.")
        % {"level": assessment.maturity_level, "score": assessment.overall_score},
    )
    return redirect("assessment-report", pk=assessment.pk)


# --- Evidence ---------------------------------------------------------------------------------


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to a requirement (a normal multipart POST, not htmx)."""
    assessment = selectors.assessment_get_for(request.user, pk)
    decision = selectors.assessment_can_edit(request.user, assessment)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("assessment-report", pk=assessment.pk)
    form = EvidenceForm(request.POST, request.FILES)
    code = request.POST.get("requirement", "")
    if not form.is_valid():
        return _evidence_refused(request, assessment, code, _("Choose a file to upload."))
    try:
        evidence = services.evidence_add(
            actor=acting_user(request),
            assessment=assessment,
            requirement_code=form.cleaned_data["requirement"],
            upload=form.cleaned_data["file"],
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _evidence_refused(request, assessment, code, str(exc.message))
    messages.success(
        request,
        _("%(name)s is attached to %(code)s.") % {"name": evidence.original_name, "code": code},
    )
    return HttpResponseRedirect(_requirement_url(assessment, code))


def _evidence_refused(
    request: HttpRequest, assessment: Assessment, code: str, reason: str
) -> HttpResponse:
    """The page again, with the reason at the requirement's file input (and at the top)."""
    messages.error(
        request,
        _("The file for %(code)s is not attached: %(reason)s") % {"code": code, "reason": reason},
    )
    groups = selectors.assessment_questionnaire(assessment)
    sub, row = _find(groups, code)
    row_view = _row_view(row, english=english_active())
    row_view.errors = {"file": [reason]}
    return _render_part(
        request,
        assessment,
        sub.subdomain.code,
        status=400,
        row_override=(code, row_view),
        groups=groups,
    )


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get_for(request.user, pk)
    assessment = evidence.answer.assessment
    code = evidence.answer.requirement.code
    try:
        services.evidence_delete(actor=acting_user(request), evidence=evidence)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": evidence.original_name})
    return HttpResponseRedirect(_requirement_url(assessment, code))


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, to those who may see its assessment, always as a download."""
    evidence = selectors.evidence_get_for(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound(_("File not found.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The report -------------------------------------------------------------------------------


def _report_context(assessment: Assessment) -> dict[str, Any]:
    report = selectors.assessment_report(assessment)
    levels = [
        {
            "number": level.number,
            "name": level.name,
            "score": report.level_scores.get(level.number),
            "attained": level.number in report.attained_levels,
        }
        for level in report.levels
    ]
    element_of = {line.domain: line.element for line in report.subdomains}
    domain_chart = charts.bar_chart_svg(
        report.domains,
        title=_("Scores by domain"),
        description=_("Each domain's score on the five-level scale, grouped by element."),
        groups={name: element_of.get(name, "") for name, _score in report.domains},
        current_label=_("This assessment"),
        previous_label=_("Previous assessment"),
    )
    previous_scores = {
        line.name: line.previous for line in report.subdomains if line.previous is not None
    }
    subdomain_chart = charts.bar_chart_svg(
        [(line.name, line.overall) for line in report.subdomains],
        title=_("Scores by sub-domain"),
        description=_(
            "Each sub-domain's score on the five-level scale, grouped by domain; a marker shows "
            "the previous assessment where there is one."
        ),
        # A domain with one sub-domain of the same name needs no heading of its own.
        groups={line.name: line.domain for line in report.subdomains if line.domain != line.name},
        previous=previous_scores or None,
        current_label=_("This assessment"),
        previous_label=_("Previous assessment"),
    )
    previous = report.previous
    comparison = [
        {
            "name": line.name,
            "domain": line.domain,
            "previous": line.previous,
            "now": line.overall,
            "change": line.overall - line.previous,
        }
        for line in report.subdomains
        if line.previous is not None
    ]
    return {
        "assessment": assessment,
        "report": report,
        "levels": levels,
        "threshold": scoring.THRESHOLD,
        "domain_chart": domain_chart,
        "subdomain_chart": subdomain_chart,
        "gap": [
            {
                "code": line.code,
                "text": line.text,
                "subdomain": line.subdomain,
                "current": _answer_label(line.current),
                "target": _answer_label(line.target),
            }
            for line in report.gap
        ],
        "previous": previous,
        "previous_level_name": (
            report.level_names.get(previous.maturity_level or 0, "") if previous else ""
        ),
        "previous_change": (
            report.overall_score - float(previous.overall_score or 0) if previous else None
        ),
        "comparison": comparison,
        "notice": _notice(assessment),
        "industry_type": _industry_type_label(assessment),
        # A draft's preview is scored with the current method.
        "scoring_method": assessment.scoring_method or scoring.METHOD,
    }


@login_required
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(request.user, pk)
    context = _report_context(assessment)
    context["can_edit"] = bool(selectors.assessment_can_edit(request.user, assessment))
    return render(request, "assessments/report.html", context)


@login_required
def assessment_report_print(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(request.user, pk)
    return render(request, "assessments/report_print.html", _report_context(assessment))


# --- Peer benchmarking ------------------------------------------------------------------------


def cut_label(cut: str, bench: selectors.PeerBenchmark) -> str:
    factory = bench.factory
    industry, province = factory.industry.name, factory.province.name
    if cut == benchmarks.CUT_INDUSTRY:
        return _("%(industry)s, nationwide") % {"industry": industry}
    if cut == benchmarks.CUT_PROVINCE:
        return _("%(province)s, all industries") % {"province": province}
    return _("%(industry)s in %(province)s") % {"industry": industry, "province": province}


@login_required
def factory_peers(request: HttpRequest, pk: int) -> HttpResponse:
    """A factory's latest scores beside the anonymised distribution of its peers."""
    bench = selectors.peer_benchmark_for(request.user, pk)
    cuts = []
    for cut in bench.cuts:
        rows = [cut.overall, *cut.subdomains]
        label = cut_label(cut.cut, bench)
        # A withheld group draws nothing: its size and the reason are all the page says.
        chart = cut.shown and dashboard_charts.box_chart_svg(
            [
                dashboard_charts.Box(
                    label=_("Overall score")
                    if row.measure == benchmarks.OVERALL
                    else bench.subdomain_names.get(row.measure, row.measure),
                    own=row.own,
                    **(
                        {
                            "minimum": row.distribution.minimum,
                            "q1": row.distribution.q1,
                            "median": row.distribution.median,
                            "q3": row.distribution.q3,
                            "maximum": row.distribution.maximum,
                        }
                        if row.distribution
                        else {}
                    ),
                )
                for row in rows
            ],
            title=label,
            own_label=_("This factory"),
            withheld_label=_("Too few peers to show"),
            description=_(
                "For each score, the peers' range (whiskers), middle half (box) and median "
                "(line), with this factory's score as a diamond."
            ),
        )
        cuts.append(
            {
                "cut": cut,
                "label": label,
                "chart": chart or "",
                "rows": [
                    {
                        "name": _("Overall score")
                        if row.measure == benchmarks.OVERALL
                        else bench.subdomain_names.get(row.measure, row.measure),
                        "comparison": row,
                    }
                    for row in rows
                ],
            }
        )
    context = {"bench": bench, "factory": bench.factory, "cuts": cuts}
    return render(request, "assessments/peers.html", context)
