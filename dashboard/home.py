"""The enterprise user's home page: each factory's certification status and its one next step,
and each open application with who acts next and by when. Scoped by the apps' selectors; a
fixed number of queries however many factories and applications there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.models import Assessment
from assessments.selectors import LatestSubmitted, assessment_latest_submitted, assessment_list_for
from certification.models import Application, Certificate, Deadline, Tier
from certification.registry import TIER_ORDER
from certification.selectors import application_list_for, certificate_list_for
from certification.workflow.definitions import policies_acting_on
from certification.workflow.policies import Policy
from certification.workflow.states import EDITABLE_STATES, OPEN_STATES
from dashboard.steps import FactoryFacts, OpenApplication, Step, next_step
from factories.models import Factory
from factories.selectors import factory_list_for

# The home page shows this many factories; the enterprise pages list them all.
HOME_FACTORIES = 50


@dataclass
class ApplicationLine:
    application: Application
    acting: list[str]  # who acts next, the first named first
    due_on: date | None  # the current review step's due date
    overdue: bool
    applicant_acts: bool


@dataclass
class FactoryCard:
    factory: Factory
    highest_tier: str | None
    suspended_tiers: list[str]
    draft_assessment: int | None
    last_assessment: LatestSubmitted | None
    lapsed: bool
    step: Step
    applications: list[ApplicationLine] = field(default_factory=list)

    @property
    def highest_tier_label(self) -> str:
        return str(Tier(self.highest_tier).label) if self.highest_tier else ""


def _acting_label(policy: Policy, factory: Factory) -> str:
    if policy in (Policy.CITY_BUREAU, Policy.FILING_CITY):
        return _("Industry and IT bureau of %(city)s") % {"city": factory.city.name}
    if policy is Policy.PROVINCIAL_DEPARTMENT:
        return _("Industry and IT department of %(province)s") % {
            "province": factory.city.province.name
        }
    labels = {
        Policy.APPLICANT: _("You (the applicant)"),
        Policy.SYSTEM: _("The portal (automatic checks)"),
        Policy.INVITED_EXPERT: _("The experts"),
        Policy.ASSIGNED_EXPERT: _("The experts"),
        Policy.JOINT_DEPARTMENT: _("The joint departments"),
        Policy.RECOMMENDING_UNIT: _("The recommending unit (province or central SOE group)"),
        Policy.MIIT: _("MIIT"),
    }
    return str(labels.get(policy, policy.value))


def acting_labels(application: Application, policies: list[Policy]) -> list[str]:
    labels: list[str] = []
    for policy in policies:
        label = _acting_label(policy, application.factory)
        if label not in labels:
            labels.append(label)
    return labels


def enterprise_home_for(user: User, *, today: date | None = None) -> list[FactoryCard]:
    """The cards of the user's factories (at most ``HOME_FACTORIES``), in six queries."""
    today = today or timezone.localdate()
    factories = list(factory_list_for(user).order_by("enterprise__name", "name")[:HOME_FACTORIES])
    ids = [factory.pk for factory in factories]
    active: dict[int, list[str]] = {}
    suspended: dict[int, list[str]] = {}
    for factory_id, tier, status in (
        certificate_list_for(user)
        .filter(
            factory_id__in=ids,
            status__in=[Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED],
        )
        .values_list("factory_id", "tier", "status")
    ):
        target = active if status == Certificate.Status.ACTIVE else suspended
        target.setdefault(factory_id, []).append(tier)
    drafts = dict(
        assessment_list_for(user)
        .filter(factory_id__in=ids, status=Assessment.Status.DRAFT)
        .values_list("factory_id", "pk")
    )
    latest = assessment_latest_submitted(ids)
    applications = list(
        application_list_for(user)
        .filter(factory_id__in=ids, status__in=OPEN_STATES)
        .order_by("created_at", "pk")
    )
    due = {
        (application_id, stage): due_on
        for application_id, stage, due_on in Deadline.objects.filter(
            kind=Deadline.Kind.REVIEW_STEP, application__in=[a.pk for a in applications]
        ).values_list("application_id", "stage", "due_on")
    }
    by_factory: dict[int, list[ApplicationLine]] = {}
    for application in applications:
        acting = policies_acting_on(application.workflow, application.status)
        due_on = due.get((application.pk, application.status))
        by_factory.setdefault(application.factory_id, []).append(
            ApplicationLine(
                application=application,
                acting=acting_labels(application, acting),
                due_on=due_on,
                overdue=due_on is not None and due_on < today,
                applicant_acts=Policy.APPLICANT in acting,
            )
        )

    cards = []
    for factory in factories:
        lines = by_factory.get(factory.pk, [])
        last = latest.get(factory.pk)
        facts = FactoryFacts(
            factory_id=factory.pk,
            draft_assessment=drafts.get(factory.pk),
            last_valid_until=last.valid_until if last else None,
            applications=tuple(
                OpenApplication(
                    pk=line.application.pk,
                    tier=line.application.tier,
                    status=line.application.status,
                    editable=line.application.status in EDITABLE_STATES,
                    applicant_acts=line.applicant_acts,
                )
                for line in lines
            ),
            today=today,
        )
        cards.append(
            FactoryCard(
                factory=factory,
                highest_tier=max(
                    active.get(factory.pk, []), key=TIER_ORDER.__getitem__, default=None
                ),
                suspended_tiers=sorted(suspended.get(factory.pk, []), key=TIER_ORDER.__getitem__),
                draft_assessment=drafts.get(factory.pk),
                last_assessment=last,
                lapsed=bool(last and last.valid_until and last.valid_until < today),
                step=next_step(facts),
                applications=lines,
            )
        )
    return cards
