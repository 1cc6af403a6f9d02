"""Twenty identical requests at once: exactly one transition happens.

Each thread has its own database connection and fires the same action on the same application
as the same person; the engine's row lock serialises them, and every thread after the first
finds the step already taken (a 409 or 403 refusal), so there is one audit event and, for
certification, one certificate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from certification.models import AuditEvent, Certificate, JointOpinion
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from core.errors import DomainError
from tests.certification.review_setup import RUBRIC_SCORES, advanced_at, make_cast, publicity_over

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def race(fire: Callable[[], object]) -> tuple[int, list[str]]:
    """Run ``fire`` in THREADS threads released together; count successes and refusals."""
    barrier = threading.Barrier(THREADS)
    successes: list[int] = []
    refusals: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            fire()
            successes.append(1)
        except DomainError as exc:
            refusals.append(exc.code)
        except BaseException as exc:  # a deadlock or an integrity error would land here
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return len(successes), refusals


@pytest.fixture
def cast(reference_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_cast()


def test_twenty_forwards_forward_once(cast):
    application = advanced_at(cast, "city_review")
    done, refused = race(
        lambda: application_transition(
            application=application.pk, action=Action.FORWARD, actor=cast.city
        )
    )
    assert done == 1 and len(refused) == THREADS - 1
    assert set(refused) == {"invalid_transition"}
    assert AuditEvent.objects.filter(application=application, event_type="forward").count() == 1


def test_twenty_scores_by_one_expert_score_once(cast):
    application = advanced_at(cast, "expert_review")
    expert = cast.experts[0]
    application_transition(application=application, action=Action.ACCEPT_ASSIGNMENT, actor=expert)
    done, refused = race(
        lambda: application_transition(
            application=application.pk,
            action=Action.SCORE,
            actor=expert,
            data={"scores": RUBRIC_SCORES[0]},
        )
    )
    assert done == 1 and len(refused) == THREADS - 1
    assert AuditEvent.objects.filter(application=application, event_type="score").count() == 1


def test_twenty_concurrences_of_one_department_count_once(cast):
    application = advanced_at(cast, "joint_review")
    reviewer = cast.joint[0]
    done, refused = race(
        lambda: application_transition(
            application=application.pk, action=Action.CONCUR, actor=reviewer
        )
    )
    assert done == 1 and len(refused) == THREADS - 1
    assert JointOpinion.objects.filter(application=application).count() == 1
    assert AuditEvent.objects.filter(application=application, event_type="concur").count() == 1


def test_twenty_certifications_issue_one_certificate(cast):
    application = advanced_at(cast, "recommended")
    with publicity_over(cast, [application]):
        done, refused = race(
            lambda: application_transition(
                application=application.pk, action=Action.CERTIFY, actor=cast.province
            )
        )
    assert done == 1 and set(refused) == {"invalid_transition"}
    assert Certificate.objects.filter(application=application).count() == 1
    assert AuditEvent.objects.filter(application=application, event_type="certify").count() == 1
    assert (
        AuditEvent.objects.filter(certificate__application=application, event_type="issue").count()
        == 1
    )


def test_parallel_certifications_of_different_factories_get_distinct_numbers(cast):
    """The (tier, year, authority) sequence is locked: no two certificates share a number."""
    applications = [advanced_at(cast, "recommended") for _ in range(4)]
    barrier = threading.Barrier(len(applications))
    errors: list[BaseException] = []

    def certify(pk: int) -> None:
        try:
            barrier.wait()
            application_transition(application=pk, action=Action.CERTIFY, actor=cast.province)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=certify, args=(a.pk,)) for a in applications]
    with publicity_over(cast, applications):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    numbers = list(
        Certificate.objects.filter(application__in=applications).values_list("number", flat=True)
    )
    assert len(numbers) == len(set(numbers)) == len(applications)
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 5))
