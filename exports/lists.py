"""The official lists that can be exported, each declared once (see ``exports.kinds``).

Each kind's rows come from the same scoped selector and the same filter form as its list page,
so the export holds exactly the rows the page would list for that user with those filters."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import AnyUser, scope_for
from assessments import selectors as assessment_selectors
from assessments.forms import AssessmentFilterForm
from assessments.models import Assessment
from certification import pages
from certification import selectors as certification_selectors
from certification.models import Application, Certificate, Tier
from certification.workflow.definitions import states_waiting_for
from exports.kinds import Column, ExportKind, register
from exports.kinds import ColumnKind as K
from factories import selectors as factory_selectors
from factories.forms import PoolFilterForm

FACTORY = Column(_("Factory"), "factory__name")
ENTERPRISE = Column(_("Enterprise"), "factory__enterprise__name", officials_only=True)
USCC = Column(_("Unified social credit code"), "factory__enterprise__uscc", officials_only=True)
PROVINCE = Column(_("Province"), "province", K.BILINGUAL, officials_only=True)
CITY = Column(_("City"), "city", K.BILINGUAL, officials_only=True)
TIER = Column(_("Tier"), "tier", K.CHOICE, choices=Tier)


def _applications(user: AnyUser, params: QueryDict) -> QuerySet[Any]:
    return pages.application_list_queryset(user, params)[0]


APPLICATION_COLUMNS = (
    Column(_("No."), "pk", K.NUMBER),
    FACTORY,
    ENTERPRISE,
    USCC,
    PROVINCE,
    CITY,
    TIER,
    Column(_("Status"), "status", K.CHOICE, choices=Application.Status),
    Column(_("Submitted at"), "submitted_at", K.DATETIME),
    Column(_("Decided at"), "decided_at", K.DATETIME),
    Column(_("Created at"), "created_at", K.DATETIME),
)

register(
    ExportKind(
        name="applications",
        label=_("Tier applications"),
        page="application-list",
        rows=_applications,
        columns=APPLICATION_COLUMNS,
    )
)


def _certificates(user: AnyUser, params: QueryDict) -> QuerySet[Any]:
    filters = pages.certificate_filters(params)
    return pages.certificate_rows(certification_selectors.certificate_list_for(user), filters)


CERTIFICATE_COLUMNS = (
    Column(_("Certificate number"), "number"),
    FACTORY,
    ENTERPRISE,
    USCC,
    PROVINCE,
    CITY,
    TIER,
    Column(_("Status"), "status", K.CHOICE, choices=Certificate.Status),
    Column(_("Issued on"), "issued_on", K.DATE),
    Column(_("Self-declared"), "self_declared", K.BOOLEAN),
    Column(_("Issued by"), "authority", K.BILINGUAL),
    Column(_("Flagged for review at"), "flagged_at", K.DATETIME, officials_only=True),
)

register(
    ExportKind(
        name="certificates",
        label=_("Certificates"),
        page="certificate-list",
        rows=_certificates,
        columns=CERTIFICATE_COLUMNS,
    )
)


def _assessments(user: AnyUser, params: QueryDict) -> QuerySet[Any]:
    form = AssessmentFilterForm(params, scope=scope_for(user))
    return assessment_selectors.assessment_filter(
        assessment_selectors.assessment_list_for(user), **form.filters()
    )


register(
    ExportKind(
        name="assessments",
        label=_("Self-assessments"),
        page="assessment-list",
        rows=_assessments,
        columns=(
            Column(_("No."), "pk", K.NUMBER),
            FACTORY,
            ENTERPRISE,
            USCC,
            PROVINCE,
            CITY,
            Column(_("Industry"), "factory__industry", K.BILINGUAL),
            Column(_("Status"), "status", K.CHOICE, choices=Assessment.Status),
            Column(_("Maturity level"), "maturity_level", K.NUMBER),
            Column(_("Overall score"), "overall_score", K.NUMBER),
            Column(_("Submitted at"), "submitted_at", K.DATETIME),
            Column(_("Valid until"), "valid_until", K.DATE),
        ),
    )
)


def _basic_filings(user: AnyUser, params: QueryDict) -> QuerySet[Any]:
    return pages.basic_filings_for(user, params.get("review", ""))


register(
    ExportKind(
        name="basic_filings",
        label=_("Basic filings"),
        page="basic-filings",
        rows=_basic_filings,
        may_export=certification_selectors.basic_filings_visible,
        columns=(
            Column(_("Certificate number"), "number"),
            FACTORY,
            ENTERPRISE,
            USCC,
            Column(_("Issued on"), "issued_on", K.DATE),
            Column(_("Status"), "status", K.CHOICE, choices=Certificate.Status),
            Column(_("Filing confirmed at"), "filing_confirmed_at", K.DATETIME),
            Column(_("Application"), "application_id", K.NUMBER),
        ),
    )
)


def _pool(user: AnyUser, params: QueryDict) -> QuerySet[Any]:
    form = PoolFilterForm(params)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    return factory_selectors.pool_list_for(user, year=year)


register(
    ExportKind(
        name="cultivation_pool",
        label=_("Key cultivation pool"),
        page="pool-list",
        rows=_pool,
        may_export=lambda user: bool(factory_selectors.pool_visible(user)),
        columns=(
            Column(_("Year"), "year", K.NUMBER),
            Column(_("Factory"), "factory__name"),
            Column(_("Enterprise"), "factory__enterprise__name"),
            Column(_("Unified social credit code"), "factory__enterprise__uscc"),
            Column(_("City"), "factory__city", K.BILINGUAL),
            Column(_("Reason"), "reason"),
            Column(_("Added at"), "created_at", K.DATETIME),
            Column(_("Removed at"), "removed_at", K.DATETIME),
            Column(_("Reason for the removal"), "removal_reason"),
        ),
    )
)


def _worklist(user: AnyUser, params: QueryDict) -> QuerySet[Any]:
    return certification_selectors.worklist_for(user, counts=False)


def _has_worklist(user: AnyUser) -> bool:
    return isinstance(user, User) and bool(states_waiting_for(user.role))


register(
    ExportKind(
        name="worklist",
        label=_("Worklist"),
        page="worklist",
        rows=_worklist,
        may_export=_has_worklist,
        descending=False,
        columns=(
            Column(_("No."), "pk", K.NUMBER),
            FACTORY,
            ENTERPRISE,
            PROVINCE,
            CITY,
            TIER,
            Column(_("Status"), "status", K.CHOICE, choices=Application.Status),
            Column(_("In this state since"), "state_changed_at", K.DATETIME),
            Column(_("Campaign closes on"), "campaign__closes_on", K.DATE),
        ),
    )
)
