"""A create that would break a unique constraint answers 409 with the existing object's id,
whether the service's own look for a duplicate finds it or a concurrent request inserts it in the
meantime (then PostgreSQL's unique constraint refuses the write: core.uniqueness).

The races are real: another connection inserts the clashing row and keeps its transaction open
until this request's connection is seen waiting for it (``pg_blocking_pids``); only then does it
commit. So the request's look for a duplicate has certainly missed the row, and its insert has
certainly met the constraint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Role
from certification import selectors
from certification.models import Campaign
from core.api import exception_handler
from core.errors import Conflict
from factories import services as factory_services
from factories.models import CultivationPoolEntry, Enterprise, Factory
from tests import model_factories as mf
from tests.conftest import api_client_for


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _wait_until_blocking(pid: int, done: threading.Event, timeout: float = 20.0) -> bool:
    """In the inserting connection: poll until the connection ``pid`` waits for this one."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while not done.is_set() and time.monotonic() < deadline:
            cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [pid])
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


def while_inserted_concurrently(insert: Callable[[], Any], write: Callable[[], Any]) -> Any:
    """Run ``write`` in this connection while another inserts a clashing row with ``insert``,
    committing once ``write`` waits for it. Returns (what ``write`` returned, the row)."""
    pid = _backend_pid()
    inserted, done = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def other() -> None:
        try:
            with transaction.atomic():
                outcome["row"] = insert()
                inserted.set()
                outcome["blocked"] = _wait_until_blocking(pid, done)
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc
        finally:
            inserted.set()
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert inserted.wait(timeout=30)
        result = write() if "error" not in outcome else None
    finally:
        done.set()
        thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]
    assert outcome["blocked"], "the write never waited for the concurrent insert"
    return result, outcome["row"]


def assert_conflict(response, code: str, existing_id: int) -> None:
    assert response.status_code == 409, response.content[:300]
    data = response.json()
    assert data["code"] == code and data["message"]
    assert data["existing_id"] == existing_id


def factory_body(enterprise: Enterprise, name: str = "一号工厂") -> dict[str, Any]:
    return {
        "enterprise": enterprise.pk,
        "name": name,
        "address": "苏州市 1 号",
        "city": "320500",
        "industry": "35",
    }


def registration(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": "并发测试有限公司",
        "city": "320500",
        "industry": "35",
        "above_designated_size": True,
        "factory": {"name": "一号工厂", "address": "苏州市 1 号", "city": "320500"},
    }


def campaign_row(official, year: int = 2027, batch: int = 1) -> Campaign:
    return Campaign.objects.create(
        authority=official.authority,
        tier="advanced",
        year=year,
        batch=batch,
        opens_on=date(year, 3, 1),
        closes_on=date(year, 3, 31),
        tier_edition=selectors.tier_edition_current(),
        created_by=official,
    )


# --- a duplicate found by the service's own look ---------------------------------------------


@pytest.mark.django_db
def test_a_second_factory_of_the_same_name_names_the_first(enterprise_user):
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    client = api_client_for(enterprise_user)
    first = client.post("/api/v1/factories/", factory_body(enterprise), format="json")
    assert first.status_code == 201
    again = client.post("/api/v1/factories/", factory_body(enterprise), format="json")
    assert_conflict(again, "duplicate_factory", first.json()["id"])
    assert "name" in again.json()["fields"]


@pytest.mark.django_db
def test_renaming_a_factory_to_a_sibling_s_name_names_the_sibling(enterprise_user):
    sibling = mf.FactoryFactory(name="二号工厂")
    factory = mf.FactoryFactory(enterprise=sibling.enterprise)
    mf.member_of(enterprise_user, sibling.enterprise)
    response = api_client_for(enterprise_user).patch(
        f"/api/v1/factories/{factory.pk}/", {"name": "二号工厂"}, format="json"
    )
    assert_conflict(response, "duplicate_factory", sibling.pk)


@pytest.mark.django_db
def test_a_second_batch_of_a_campaign_names_the_first(jiangsu_official):
    client = api_client_for(jiangsu_official)
    first = client.post("/api/v1/campaigns/", {"tier": "advanced", "year": 2027}, format="json")
    assert first.status_code == 201
    again = client.post("/api/v1/campaigns/", {"tier": "advanced", "year": 2027}, format="json")
    assert_conflict(again, "campaign_exists", first.json()["id"])


@pytest.mark.django_db
def test_a_registered_credit_code_names_the_enterprise(enterprise_user):
    existing = mf.EnterpriseFactory()
    response = api_client_for(enterprise_user).post(
        "/api/v1/enterprises/", registration(existing.uscc.lower()), format="json"
    )
    assert_conflict(response, "duplicate_uscc", existing.pk)


@pytest.mark.django_db
def test_a_second_open_application_or_draft_assessment_names_the_first(enterprise_user):
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    client = api_client_for(enterprise_user)
    body = {"factory": factory.pk, "tier": "basic"}
    first = client.post("/api/v1/applications/", body, format="json")
    assert_conflict(
        client.post("/api/v1/applications/", body, format="json"),
        "open_application_exists",
        first.json()["id"],
    )
    first = client.post("/api/v1/assessments/", {"factory": factory.pk}, format="json")
    assert_conflict(
        client.post("/api/v1/assessments/", {"factory": factory.pk}, format="json"),
        "draft_exists",
        first.json()["id"],
    )


@pytest.mark.django_db
def test_a_factory_already_in_the_pool_names_the_entry(suzhou_official):
    factory = mf.FactoryFactory()
    entry = factory_services.pool_entry_add(
        actor=suzhou_official, factory=factory, year=2027, reason="培育"
    )
    with pytest.raises(Conflict) as refused:
        factory_services.pool_entry_add(
            actor=suzhou_official, factory=factory, year=2027, reason="培育"
        )
    assert refused.value.code == "already_in_pool" and refused.value.existing_id == entry.pk


# --- a duplicate inserted by a concurrent request ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_factory_created_concurrently_answers_409_not_500(reference_data, enterprise_user):
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    client = api_client_for(enterprise_user)
    response, row = while_inserted_concurrently(
        lambda: mf.FactoryFactory(enterprise=enterprise, name="一号工厂"),
        lambda: client.post("/api/v1/factories/", factory_body(enterprise), format="json"),
    )
    assert_conflict(response, "duplicate_factory", row.pk)
    assert Factory.objects.filter(enterprise=enterprise).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_campaign_batch_opened_concurrently_answers_409_not_500(reference_data):
    official = mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
    client = api_client_for(official)
    response, row = while_inserted_concurrently(
        lambda: campaign_row(official),
        lambda: client.post(
            "/api/v1/campaigns/", {"tier": "advanced", "year": 2027}, format="json"
        ),
    )
    assert_conflict(response, "campaign_exists", row.pk)
    assert Campaign.objects.filter(authority=official.authority, year=2027).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_enterprise_registered_concurrently_names_the_winner(reference_data, enterprise_user):
    uscc = mf.make_uscc()
    client = api_client_for(enterprise_user)
    response, row = while_inserted_concurrently(
        lambda: mf.EnterpriseFactory(uscc=uscc),
        lambda: client.post("/api/v1/enterprises/", registration(uscc), format="json"),
    )
    assert_conflict(response, "duplicate_uscc", row.pk)
    assert Enterprise.objects.filter(uscc=uscc).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_pool_entry_added_concurrently_is_a_conflict(reference_data):
    official = mf.official(Role.CITY_OFFICIAL, "320500-industry-it")
    factory = mf.FactoryFactory()

    def add() -> Exception | None:
        try:
            factory_services.pool_entry_add(
                actor=official, factory=factory, year=2027, reason="培育"
            )
        except Conflict as exc:
            return exc
        return None

    refused, row = while_inserted_concurrently(
        lambda: CultivationPoolEntry.objects.create(
            factory=factory,
            authority=official.authority,
            year=2027,
            reason="先到",
            added_by=official,
        ),
        add,
    )
    assert isinstance(refused, Conflict) and refused.existing_id == row.pk
    assert CultivationPoolEntry.objects.filter(factory=factory).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_identical_factory_creates_at_once_make_one_factory(reference_data, enterprise_user):
    """Whatever the interleaving: one 201, and nine 409s naming it."""
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    threads, barrier = 10, threading.Barrier(10)
    responses: list[Any] = []

    def create() -> None:
        try:
            barrier.wait()
            client = api_client_for(enterprise_user)
            responses.append(
                client.post("/api/v1/factories/", factory_body(enterprise), format="json")
            )
        finally:
            connection.close()

    workers = [threading.Thread(target=create) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (threads - 1), statuses
    created = Factory.objects.get(enterprise=enterprise)
    assert {r.json()["existing_id"] for r in responses if r.status_code == 409} == {created.pk}


# --- the handler's safety net ------------------------------------------------------------


@pytest.mark.django_db
def test_a_unique_violation_no_service_named_is_still_a_409_and_others_stay_500s(
    jiangsu_official,
):
    """Should a create without save_unless_exists meet a unique constraint, the client still
    gets a 409; any other integrity error (here a check constraint) is a bug: a 500."""
    factory = mf.FactoryFactory()
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        Factory.objects.create(
            enterprise=factory.enterprise,
            name=factory.name,
            address="x",
            city=factory.city,
            province=factory.province,
            industry=factory.industry,
        )
    response = exception_handler(duplicate.value, {"view": None})
    assert response is not None and response.status_code == 409
    assert response.data["code"] == "conflict" and response.data["message"]
    with pytest.raises(IntegrityError) as unordered, transaction.atomic():
        campaign = campaign_row(jiangsu_official)
        Campaign.objects.filter(pk=campaign.pk).update(opens_on=date(2027, 4, 1))
    response = exception_handler(unordered.value, {"view": None})
    assert response is not None and response.status_code == 500


# --- the schema ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_documents_the_409_of_each_create():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        "/api/v1/enterprises/",
        "/api/v1/factories/",
        "/api/v1/campaigns/",
        "/api/v1/applications/",
        "/api/v1/assessments/",
    ):
        conflict = schema["paths"][path]["post"]["responses"]["409"]
        ref = conflict["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        assert "existing_id" in schema["components"]["schemas"][name]["properties"], path
