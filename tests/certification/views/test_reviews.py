"""Review pages: the assign panel and the expert's conflicts page stay at a constant number of
queries whatever the register holds; what an expert may see of the others' scores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from certification.services.reviews import expert_conflict_declare, expert_register
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from certification.workflow.policies import tier_condition
from tests import model_factories as mf
from tests.certification.review_setup import RUBRIC_SCORES, advanced_at

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def queries_of(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_assign_panel_lists_the_register_in_constant_queries(cast):
    application = advanced_at(cast, "provincial_review")
    client = browser(cast.province)
    url = f"/applications/{application.pk}/"
    small, page = queries_of(client, url)
    assert page.count('name="experts"') == 3
    for n in range(12):
        user = mf.UserFactory(role=Role.EXPERT)
        expert_register(user=user, employer_name=f"单位{n}", province_id="32")
        if n % 2:
            expert_conflict_declare(
                actor=user, enterprise=application.factory.enterprise, kind="related_enterprise"
            )
    large, page = queries_of(client, url)
    assert page.count('name="experts"') == 15
    assert page.count('class="text-danger expert-conflict"') == 6
    assert large == small


def test_the_conflicts_page_is_constant_in_queries(cast):
    expert = cast.experts[0]
    client = browser(expert)

    def declare(count: int) -> None:
        for _ in range(count):
            expert_conflict_declare(
                actor=expert,
                enterprise=mf.EnterpriseFactory(),
                kind="relationship",
                description="亲属",
            )

    declare(1)
    small, page = queries_of(client, "/experts/conflicts/")
    assert page.count("亲属") == 1
    declare(6)
    large, page = queries_of(client, "/experts/conflicts/")
    assert page.count("亲属") == 7
    assert large == small


def weighted(application, scores: dict[str, str]) -> str:
    rubric = tier_condition(application).review_rubric
    total = sum(Decimal(str(c["weight"])) * Decimal(scores[c["code"]]) for c in rubric)
    return f"{total:.2f}"


def test_an_expert_sees_the_other_scores_only_once_all_are_in(cast):
    application = advanced_at(cast, "expert_review")
    first, *others = cast.experts
    for expert in cast.experts:
        application_transition(
            application=application, action=Action.ACCEPT_ASSIGNMENT, actor=expert
        )
    application_transition(
        application=application,
        action=Action.SCORE,
        actor=first,
        data={"scores": RUBRIC_SCORES[0]},
    )
    first_total = weighted(application, RUBRIC_SCORES[0])
    page = browser(others[0]).get(f"/applications/{application.pk}/").content.decode()
    assert first_total not in page
    assert "shown once every expert has scored" in page
    # The department sees it at once.
    assert (
        first_total
        in browser(cast.province).get(f"/applications/{application.pk}/").content.decode()
    )
    for expert, scores in zip(others, RUBRIC_SCORES[1:], strict=True):
        application_transition(
            application=application, action=Action.SCORE, actor=expert, data={"scores": scores}
        )
    page = browser(others[0]).get(f"/applications/{application.pk}/").content.decode()
    assert first_total in page and "score-summary" in page


def test_an_invited_expert_never_gets_the_application_page_back_from_a_refusal(cast):
    application = advanced_at(cast, "expert_review")
    expert = browser(cast.experts[0])
    url = f"/applications/{application.pk}/act/decline_assignment/"
    response = expert.post(url, {"reason": "   "})
    assert response.status_code == 302 and response["Location"] == "/worklist/"
    assert expert.get(f"/applications/{application.pk}/").status_code == 404
    response = expert.post(url, {"reason": "x" * 3000})  # longer than the form allows
    assert response.status_code == 302 and response["Location"] == "/worklist/"
    assert application.assignments.get(expert__user=cast.experts[0]).status == "invited"


def test_the_wrong_person_is_refused_before_any_form_is_read(cast):
    application = advanced_at(cast, "expert_review")
    city = browser(cast.city)
    response = city.post(f"/applications/{application.pk}/act/score/", {"scores.indicators": "x"})
    assert response.status_code == 403
