"""The transition tables, walked exhaustively: for every workflow, every state, every action and
every role (the person concerned, in scope, and one of the same role out of scope), the engine
allows exactly what the table says and refuses everything else with a reason.

The expected answer is read from the definitions (sources, the policy's roles, the reviewer of
the step), so an action added to a table is covered without touching this file. The answers
come from ``action_check``, the function ``application_transition`` and the pages use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role, User
from certification import selectors, services
from certification.models import (
    Application,
    Cultivation,
    ExpertAssignment,
    Publicity,
    PublicityEntry,
    RecommendationEntry,
    RecommendationList,
    SiteVisit,
)
from certification.services.reviews import expert_register
from certification.workflow.definitions import WORKFLOWS, Transition
from certification.workflow.engine import action_check
from certification.workflow.policies import (
    POLICY_ROLES,
    Guard,
    Policy,
    review_level,
    step_reviewers,
)
from certification.workflow.states import STATES
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.review_setup import joint_department, national_ministry

pytestmark = pytest.mark.django_db

TIER_OF_WORKFLOW = {
    "basic_2025": "basic",
    "advanced_2025": "advanced",
    "checks_only_2025": "excellent",
    "excellent_2025": "excellent",
    "leading_2025": "leading",
}


@dataclass
class Person:
    role: str
    in_scope: bool
    user: User
    national: bool = False  # a joint reviewer of a national ministry


def _people(factory) -> list[Person]:
    """One person per role with jurisdiction over (or membership of) the Suzhou factory, and one
    per role without."""
    member = mf.UserFactory(role=Role.ENTERPRISE_USER)
    mf.member_of(member, factory.enterprise)
    people = [
        Person(Role.ENTERPRISE_USER, True, member),
        Person(Role.ENTERPRISE_USER, False, mf.UserFactory(role=Role.ENTERPRISE_USER)),
        Person(Role.CITY_OFFICIAL, True, mf.official(Role.CITY_OFFICIAL, "320500-industry-it")),
        Person(Role.CITY_OFFICIAL, False, mf.official(Role.CITY_OFFICIAL, "320100-industry-it")),
        Person(
            Role.PROVINCIAL_OFFICIAL, True, mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
        ),
        Person(
            Role.PROVINCIAL_OFFICIAL,
            False,
            mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it"),
        ),
        Person(
            Role.JOINT_REVIEWER,
            True,
            mf.UserFactory(
                role=Role.JOINT_REVIEWER,
                authority=joint_department("32", Authority.Kind.FINANCE),
            ),
        ),
        Person(
            Role.JOINT_REVIEWER,
            False,
            mf.UserFactory(
                role=Role.JOINT_REVIEWER,
                authority=joint_department("33", Authority.Kind.FINANCE),
            ),
        ),
        Person(
            Role.JOINT_REVIEWER,
            True,
            mf.UserFactory(
                role=Role.JOINT_REVIEWER, authority=national_ministry(Authority.Kind.FINANCE)
            ),
            national=True,
        ),
        Person(Role.MIIT_REVIEWER, True, mf.official(Role.MIIT_REVIEWER, "miit")),
        Person(Role.PLATFORM_ADMIN, True, mf.UserFactory(role=Role.PLATFORM_ADMIN)),
    ]
    for in_scope in (True, False):
        user = mf.UserFactory(role=Role.EXPERT)
        expert_register(user=user, employer_name="研究院", province_id="32")
        people.append(Person(Role.EXPERT, in_scope, user))
    return people


def _expected(workflow: str, transition: Transition, state: str, person: Person | None) -> bool:
    """What the table says: the state is a source, and the person is the one the (step's)
    policy names, with jurisdiction. ``None`` is the portal itself."""
    if state not in transition.sources:
        return False
    if transition.guard is Guard.PUBLICITY_CLEARED and state != "in_publicity":
        return False  # the 2025 edition requires publicity before certification
    if transition.policy is Policy.SYSTEM or person is None:
        return transition.policy is Policy.SYSTEM and person is None
    policy = (
        step_reviewers(workflow).get(state)
        if transition.policy is Policy.STEP_REVIEWER
        else transition.policy
    )
    if policy is Policy.RECOMMENDING_UNIT:  # the factory's enterprise is in no SOE group
        policy = Policy.PROVINCIAL_DEPARTMENT
    if policy is Policy.JOINT_DEPARTMENT:  # the ministries at MIIT's review, else the province's
        return (
            person.role == Role.JOINT_REVIEWER
            and person.in_scope
            and person.national == (review_level(state) == "national")
        )
    return policy is not None and person.role in POLICY_ROLES[policy] and person.in_scope


def _application(factory, workflow: str, state: str, edition) -> Application:
    return Application.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        tier=TIER_OF_WORKFLOW[workflow],
        tier_edition=edition,
        workflow=workflow,
        status=state,
        submission=1,
        created_by=factory.enterprise.created_by or mf.UserFactory(),
    )


def _assign(application: Application, expert: User, status: str, others_scored: bool) -> None:
    """The in-scope expert's assignment in the status the expert policies look for, and for
    the readiness guard two other experts who have scored (three in all), at the review (the
    province's or MIIT's) of the application's step."""
    level = review_level(application.status)
    ExpertAssignment.objects.create(
        application=application,
        level=level,
        expert=expert.expert_profile,
        status=status,
        assigned_by=expert,
        total=80 if status == ExpertAssignment.Status.SCORED else None,
    )
    if others_scored:
        for _ in range(2):
            other = mf.UserFactory(role=Role.EXPERT)
            ExpertAssignment.objects.create(
                application=application,
                level=level,
                expert=expert_register(user=other, employer_name="高校", province_id="32"),
                status=ExpertAssignment.Status.SCORED,
                assigned_by=other,
                total=75,
            )


def _publicity_over(application: Application, people: list[Person]) -> None:
    """A publicity of the application that ended yesterday, without objections: what the
    certification guard asks for (in the state the table gives the application)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    publicity = Publicity.objects.create(
        authority=Authority.objects.get(code="32-industry-it"),
        tier=application.tier,
        title="公示",
        starts_on=yesterday - timedelta(days=6),
        ends_on=yesterday,
        working_days=5,
        published_by=people[0].user,
    )
    PublicityEntry.objects.create(publicity=publicity, application=application)


NATIONAL_GUARDS = (
    Guard.ON_RECOMMENDATION_LIST,
    Guard.SITE_VISIT_DUE,
    Guard.CULTIVATION_COMPLETE,
)


def _ready_for(guard: Guard, application: Application, campaign, user: User) -> None:
    """What each guard of the national chain asks for: the application on its unit's list, a
    site visit that was yesterday, a cultivation period over with no milestone left open."""
    yesterday = timezone.localdate() - timedelta(days=1)
    if guard is Guard.ON_RECOMMENDATION_LIST:
        ranked, _created = RecommendationList.objects.get_or_create(
            campaign=campaign, province_id=application.province_id
        )
        RecommendationEntry.objects.create(
            list=ranked, application=application, rank=application.pk, added_by=user
        )
    elif guard is Guard.SITE_VISIT_DUE:
        SiteVisit.objects.create(application=application, scheduled_on=yesterday, scheduled_by=user)
    elif guard is Guard.CULTIVATION_COMPLETE:
        Cultivation.objects.create(
            application=application,
            starts_on=yesterday - timedelta(days=90),
            ends_on=yesterday,
            months=3,
        )


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
def test_every_state_action_and_role_of_the_table(workflow, reference_data):
    edition = selectors.tier_edition_current()
    factory = mf.FactoryFactory()
    people = _people(factory)
    expert = next(p.user for p in people if p.role == Role.EXPERT and p.in_scope)
    table = WORKFLOWS[workflow]
    miit = next(p.user for p in people if p.role == Role.MIIT_REVIEWER)
    campaign = services.campaign_open(actor=miit, tier="excellent", year=2030)
    mismatches: list[str] = []
    checked = 0
    for state in STATES:
        for action, transition in table.items():
            # The factory may hold one open application per tier: each combination gets its own
            # factory-less copy of the state, on a fresh factory of the same enterprise and city.
            subject = mf.FactoryFactory(enterprise=factory.enterprise)
            application = _application(subject, workflow, state, edition)
            if transition.guard is Guard.PUBLICITY_CLEARED:
                _publicity_over(application, people)
            elif transition.guard in NATIONAL_GUARDS:
                _ready_for(transition.guard, application, campaign, people[0].user)
            elif transition.policy in (Policy.INVITED_EXPERT, Policy.ASSIGNED_EXPERT) or (
                transition.guard is not None
            ):
                status = (
                    ExpertAssignment.Status.INVITED
                    if transition.policy is Policy.INVITED_EXPERT
                    else ExpertAssignment.Status.ACCEPTED
                    if transition.policy is Policy.ASSIGNED_EXPERT
                    else ExpertAssignment.Status.SCORED
                )
                _assign(application, expert, status, others_scored=transition.guard is not None)
            for person in [None, *people]:
                check = action_check(
                    person.user if person else None, application, action, transition
                )
                expected = _expected(workflow, transition, state, person)
                checked += 1
                who = (
                    "system"
                    if person is None
                    else f"{person.role}{'' if person.in_scope else ' (out of scope)'}"
                )
                if check.allowed != expected:
                    mismatches.append(
                        f"{state} · {action} · {who}: expected {expected}, got {check}"
                    )
                elif not check.allowed and not check.reason:
                    mismatches.append(f"{state} · {action} · {who}: refused without a reason")
                elif not check.allowed and state not in transition.sources and check.status != 409:
                    mismatches.append(f"{state} · {action} · {who}: wrong state is not a 409")
            PublicityEntry.objects.filter(application=application).delete()
            RecommendationEntry.objects.filter(application=application).delete()
            application.delete()
    assert checked == len(STATES) * len(table) * (len(people) + 1)
    assert not mismatches, "\n".join(mismatches)


def test_every_effect_of_every_table_resolves():
    """Effects are named by dotted path; a typo would only fail when the step is taken."""
    from django.utils.module_loading import import_string

    for workflow in WORKFLOWS.values():
        for transition in workflow.values():
            for effect in transition.effects:
                assert callable(import_string(effect)), effect


def test_every_state_of_a_table_is_known_and_reachable_from_draft():
    for name, workflow in WORKFLOWS.items():
        targets = {"draft"}
        for t in workflow.values():
            for source in t.sources:
                targets |= {t.target_from(source), t.completion_from(source)} - {None}
        for transition in workflow.values():
            assert transition.sources <= set(STATES), name
            # A source no transition leads to would be a step nobody can reach.
            assert transition.sources <= targets, (name, transition.sources - targets)


def test_the_diagrams_in_adr_0006_are_drawn_from_the_current_tables():
    """Run ``python manage.py workflow_diagram --write`` after changing a table."""
    from certification.workflow.diagram import ADR, adr_with_diagrams

    text = ADR.read_text(encoding="utf-8")
    assert text == adr_with_diagrams(text)
    for name in WORKFLOWS:
        assert f"<!-- workflow:{name} -->" in text
