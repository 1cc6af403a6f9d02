"""Reads the certification pages need beyond certification.selectors.

Every function starts from a scoped selector (or from an application already fetched through
one), so nothing here widens what a user may see; it only shapes rows for the templates and keeps
the ORM out of the views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.models import Role, ScopeLevel, User
from accounts.selectors import AnyUser, scope_for
from assessments.models import Assessment
from assessments.selectors import assessment_list_for
from certification import selectors
from certification.contradictions import Contradiction, FilingFacts, filing_contradictions
from certification.forms import ApplicationFilterForm
from certification.models import (
    Application,
    ApplicationFile,
    Campaign,
    Certificate,
    Declaration,
    DeclarationAnswer,
    Indicator,
    Scenario,
    ScenarioClaim,
    Stage,
    Tier,
    TierCondition,
)
from certification.workflow.definitions import Action
from certification.workflow.policies import tier_condition
from core.errors import NotFound
from factories.models import Factory
from factories.selectors import factory_list_for

# --- lists -----------------------------------------------------------------------------------


def application_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """A scoped application queryset ready for a list: the campaign label names its authority,
    and ``needs_campaign`` says whether the tier of the row's edition has campaigns."""
    needs_campaign = TierCondition.objects.filter(
        edition=OuterRef("tier_edition"), tier=OuterRef("tier"), needs_campaign=True
    )
    return queryset.select_related("campaign__authority").annotate(
        needs_campaign=Exists(needs_campaign)
    )


def application_filter(
    queryset: QuerySet[Application], *, tier: str | None = None, status: str | None = None
) -> QuerySet[Application]:
    if tier:
        queryset = queryset.filter(tier=tier)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def application_list_queryset(
    user: AnyUser, params: QueryDict
) -> tuple[QuerySet[Application], ApplicationFilterForm | None]:
    """The application list of the page (and its exports): an enterprise user's own
    applications newest first; an official's, filtered by the list's GET filters (the form,
    returned to show them), latest submitted first."""
    queryset = selectors.application_list_for(user)
    if scope_for(user).level == ScopeLevel.ENTERPRISE:
        return queryset.order_by("-created_at", "-pk"), None
    filter_form = ApplicationFilterForm(params)
    queryset = application_filter(queryset, **filter_form.filters())
    return queryset.order_by("-submitted_at", "-pk"), filter_form


def certificate_filters(params: QueryDict) -> dict[str, str]:
    """The certificate list's GET filters that name a real tier or status (anything else is
    ignored)."""
    choices = {"tier": Tier.values, "status": Certificate.Status.values, "flagged": ["1"]}
    return {key: str(params[key]) for key, valid in choices.items() if params.get(key) in valid}


def certificate_rows(
    queryset: QuerySet[Certificate], filters: dict[str, str]
) -> QuerySet[Certificate]:
    """Only what a row of the certificate list shows, in the scope lists' index order."""
    filters = dict(filters)
    if filters.pop("flagged", ""):
        queryset = queryset.filter(flagged_at__isnull=False)
    return (
        queryset.filter(**filters)
        .select_related(None)
        .select_related("factory__enterprise")
        .order_by("-issued_on", "-pk")
    )


def factories_for_applying(user: AnyUser) -> QuerySet[Factory]:
    """The factories an enterprise user may apply for: those of their enterprises."""
    if not isinstance(user, User) or user.role != Role.ENTERPRISE_USER:
        return Factory.objects.none()
    return factory_list_for(user).order_by("enterprise__name", "name", "pk")


def factory_active_certificates(factories: list[Factory]) -> dict[int, list[Certificate]]:
    """Active certificates per factory, highest tier first."""
    by_factory: dict[int, list[Certificate]] = {factory.pk: [] for factory in factories}
    rows = Certificate.objects.filter(
        factory__in=[f.pk for f in factories], status=Certificate.Status.ACTIVE
    ).order_by("factory_id", "-issued_on", "-pk")
    order = list(Tier.values)
    for certificate in rows:
        by_factory.setdefault(certificate.factory_id, []).append(certificate)
    for certificates in by_factory.values():
        certificates.sort(key=lambda c: -order.index(c.tier) if c.tier in order else 0)
    return by_factory


def campaigns_accepting(
    factories: list[Factory],
    *,
    today: date,
    tier: str | None = None,
    include: int | None = None,
) -> QuerySet[Campaign]:
    """Campaigns not yet closed that accept at least one of the factories (MIIT's accept every
    factory; a province's accept its own), plus ``include`` (the one already chosen)."""
    provinces = {factory.city.province_id for factory in factories}
    accepting = Q(closes_on__gte=today) & (
        Q(authority__level="national")
        | Q(authority__level="province", authority__province_id__in=provinces)
    )
    if tier:
        accepting &= Q(tier=tier)
    if include is not None:
        accepting |= Q(pk=include)
    return selectors.campaign_list().filter(accepting).order_by("opens_on", "tier", "pk")


class FilingReview:
    """Which filings a list shows, by the city's review: new, confirmed or rejected."""

    NEW = "new"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CHOICES = (NEW, CONFIRMED, REJECTED)


def _new_filings() -> Q:
    return Q(status=Certificate.Status.ACTIVE, filing_confirmed_at__isnull=True)


def basic_filings_for(user: AnyUser, review: str = "") -> QuerySet[Certificate]:
    """Self-declared certificates (the basic filings) in the user's scope, newest first;
    ``review`` keeps the new, confirmed or rejected ones (anything else: all)."""
    qs = (
        selectors.certificate_list_for(user)
        .filter(self_declared=True)
        .select_related("application", "authority", "factory__city")
        .order_by("-issued_on", "-pk")
    )
    if review == FilingReview.NEW:
        qs = qs.filter(_new_filings())
    elif review == FilingReview.CONFIRMED:
        qs = qs.filter(filing_confirmed_at__isnull=False)
    elif review == FilingReview.REJECTED:
        qs = qs.filter(application__status=Application.Status.REJECTED)
    return qs


def new_filings_count(user: AnyUser) -> int:
    """The city's new (neither confirmed nor rejected) basic filings: one COUNT query."""
    if not selectors.basic_filings_visible(user):
        return 0
    return selectors.certificate_list_for(user).filter(_new_filings(), self_declared=True).count()


@dataclass
class FilingRow:
    certificate: Certificate
    is_new: bool
    contradictions: list[Contradiction]
    actions: list[Any]  # ActionOption, the application's for the viewer


def filing_facts(certificate: Certificate, declarations: list[DeclarationAnswer]) -> FilingFacts:
    declared = next(
        (d.affirmed for d in declarations if d.kind == Declaration.ABOVE_DESIGNATED_SIZE), None
    )
    factory = certificate.factory
    return FilingFacts(
        declared_above_size=declared,
        enterprise_above_size=factory.enterprise.above_designated_size,
        filed_city=certificate.authority.city_id or "",
        factory_city=factory.city_id,
        factory_city_name=factory.city.name,
    )


def filing_rows(user: AnyUser, certificates: list[Certificate]) -> list[FilingRow]:
    """Each filing of a page with its contradictions and the viewer's actions: one query for
    the declarations of the page, none per row (the rows carry their certificate)."""
    from certification.workflow.engine import available_actions_for

    by_application: dict[int, list[DeclarationAnswer]] = {}
    for answer in DeclarationAnswer.objects.filter(
        application_id__in=[c.application_id for c in certificates],
        kind=Declaration.ABOVE_DESIGNATED_SIZE,
    ):
        by_application.setdefault(answer.application_id, []).append(answer)
    rows = []
    for certificate in certificates:
        application = certificate.application
        application._filing_certificate = certificate  # type: ignore[attr-defined]
        rows.append(
            FilingRow(
                certificate=certificate,
                is_new=certificate.status == Certificate.Status.ACTIVE
                and certificate.filing_confirmed_at is None,
                contradictions=filing_contradictions(
                    filing_facts(certificate, by_application.get(application.pk, []))
                ),
                actions=[
                    option
                    for option in available_actions_for(user, application)
                    if option.action in (Action.CONFIRM_FILING, Action.REJECT)
                ],
            )
        )
    return rows


def application_filing_contradictions(
    application: Application, certificate: Certificate | None
) -> list[Contradiction]:
    """The contradictions of one basic filing (its detail page); none for other tiers."""
    if certificate is None or not certificate.self_declared:
        return []
    certificate = Certificate.objects.select_related(
        "authority", "factory__city", "factory__enterprise"
    ).get(pk=certificate.pk)
    declarations = list(application.declarations.filter(kind=Declaration.ABOVE_DESIGNATED_SIZE))
    return filing_contradictions(filing_facts(certificate, declarations))


# --- one application ---------------------------------------------------------------------------


def application_file_get_for(user: AnyUser, pk: Any) -> ApplicationFile:
    """An evidence file, for those who may see its application (404 otherwise)."""
    try:
        item = ApplicationFile.objects.only("pk", "application_id").get(pk=pk)
    except (ApplicationFile.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("File not found.")) from None
    application = selectors.application_get_for(user, item.application_id)
    return ApplicationFile.objects.get(pk=item.pk, application=application)


def factory_submitted_assessments(user: AnyUser, factory: Factory) -> QuerySet[Assessment]:
    return (
        assessment_list_for(user)
        .filter(factory=factory, status=Assessment.Status.SUBMITTED)
        .order_by("-submitted_at", "-pk")
    )


def application_certificate(application: Application) -> Certificate | None:
    return Certificate.objects.filter(application=application).select_related("authority").first()


def application_claims(application: Application) -> list[ScenarioClaim]:
    return list(
        application.claims.select_related("scenario__link__stage")
        .prefetch_related("files")
        .order_by("scenario__link__stage__order", "scenario__link__order", "scenario__code")
    )


def application_indicators(application: Application) -> list[Indicator]:
    return list(application.indicators.order_by("pk"))


def application_declarations(application: Application) -> list[DeclarationAnswer]:
    """The declarations in the order of the Declaration choices, with their files."""
    answers = list(application.declarations.prefetch_related("files"))
    order = list(Declaration.values)
    answers.sort(key=lambda a: order.index(a.kind) if a.kind in order else len(order))
    return answers


@dataclass
class StepProgress:
    basics: bool
    scenarios: bool
    indicators: bool
    declarations: bool


def application_progress(application: Application) -> StepProgress:
    """Which steps of the form hold what they need (one query)."""
    counts = Application.objects.filter(pk=application.pk).aggregate(
        claims=Count("claims", distinct=True),
        indicators=Count("indicators", distinct=True),
        declared=Count(
            "declarations",
            filter=Q(declarations__affirmed=True, declarations__files__isnull=False),
            distinct=True,
        ),
    )
    needs_campaign = tier_condition(application).needs_campaign
    basics = application.assessment_id is not None and (
        not needs_campaign or application.campaign_id is not None
    )
    return StepProgress(
        basics=basics,
        scenarios=counts["claims"] > 0,
        indicators=counts["indicators"] > 0,
        declarations=counts["declared"] == len(Declaration.values),
    )


# --- the scenario catalogue, as the form shows it ------------------------------------------------


@dataclass
class ScenarioRow:
    scenario: Scenario
    claim: ScenarioClaim | None
    files: list[ApplicationFile] = field(default_factory=list)


@dataclass
class LinkGroup:
    code: str
    name: str
    rows: list[ScenarioRow]


@dataclass
class StageGroup:
    code: str
    name: str
    links: list[LinkGroup]

    @property
    def claimed(self) -> int:
        return sum(1 for link in self.links for row in link.rows if row.claim is not None)


def scenario_catalogue_for(application: Application) -> list[StageGroup]:
    """The edition's scenarios grouped by stage and link, each with the application's claim and
    its evidence (three queries)."""
    catalogue_id = application.tier_edition.scenario_catalogue_id
    claims = {
        claim.scenario_id: claim
        for claim in application.claims.prefetch_related(
            Prefetch("files", queryset=ApplicationFile.objects.order_by("uploaded_at", "pk"))
        )
    }
    scenarios = (
        Scenario.objects.filter(catalogue_id=catalogue_id)
        .select_related("link__stage")
        .order_by("link__stage__order", "link__order", "code")
    )
    stages: dict[int, StageGroup] = {}
    links: dict[int, LinkGroup] = {}
    for scenario in scenarios:
        link, stage = scenario.link, scenario.link.stage
        if stage.pk not in stages:
            stages[stage.pk] = StageGroup(code=stage.code, name=stage.name, links=[])
        if link.pk not in links:
            links[link.pk] = LinkGroup(code=link.code, name=link.name, rows=[])
            stages[stage.pk].links.append(links[link.pk])
        claim = claims.get(scenario.pk)
        files = list(claim.files.all()) if claim is not None else []
        links[link.pk].rows.append(ScenarioRow(scenario=scenario, claim=claim, files=files))
    return list(stages.values())


def stage_names_for(application: Application) -> list[Stage]:
    return list(
        Stage.objects.filter(catalogue_id=application.tier_edition.scenario_catalogue_id).order_by(
            "order"
        )
    )
