"""Who acts next on an application, read from the workflow tables (no database)."""

import pytest

from certification.workflow.definitions import WORKFLOWS, Action, policies_acting_on
from certification.workflow.policies import Policy, step_reviewers
from certification.workflow.states import EDITABLE_STATES, OPEN_STATES


@pytest.mark.parametrize(
    ("workflow", "state", "expected"),
    [
        ("advanced_2025", "draft", [Policy.APPLICANT]),
        ("advanced_2025", "returned", [Policy.APPLICANT]),
        ("advanced_2025", "submitted", [Policy.SYSTEM]),
        ("advanced_2025", "city_review", [Policy.CITY_BUREAU]),
        # The experts score first; the province may also act (assign more, return, reject).
        (
            "advanced_2025",
            "expert_review",
            [Policy.INVITED_EXPERT, Policy.ASSIGNED_EXPERT, Policy.PROVINCIAL_DEPARTMENT],
        ),
        ("advanced_2025", "joint_review", [Policy.JOINT_DEPARTMENT]),
        ("excellent_2025", "ranking", [Policy.RECOMMENDING_UNIT]),
        ("leading_2025", "cultivation", [Policy.APPLICANT, Policy.MIIT]),
        ("no_such_workflow", "draft", [Policy.APPLICANT]),
        ("no_such_workflow", "city_review", []),
    ],
)
def test_who_acts(workflow, state, expected):
    assert policies_acting_on(workflow, state)[: len(expected)] == expected
    if workflow in WORKFLOWS and state not in EDITABLE_STATES:
        assert len(policies_acting_on(workflow, state)) == len(expected)


def test_every_open_state_names_someone_and_only_who_the_table_names():
    for name, workflow in WORKFLOWS.items():
        for state in OPEN_STATES:
            moves = [
                (a, t)
                for a, t in workflow.items()
                if state in t.sources
                and not (t.policy is Policy.APPLICANT and a == Action.WITHDRAW)
            ]
            acting = policies_acting_on(name, state)
            if state in EDITABLE_STATES:
                assert acting == [Policy.APPLICANT]
                continue
            if not moves:
                assert acting == []
                continue
            assert acting, (name, state)
            named = {
                step_reviewers(name).get(state) if t.policy is Policy.STEP_REVIEWER else t.policy
                for _a, t in moves
            }
            assert set(acting) <= named | {Policy.SYSTEM}, (name, state)
            assert len(acting) == len(set(acting))
