"""Hot paths at national scale: reference data cached per process and dropped everywhere when it
changes; eligibility and the credit-code lookup within their query budgets."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from certification import selectors, services
from certification.models import TierConditionsEdition
from core import refcache
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment

pytestmark = pytest.mark.django_db


def queries_of(function):
    with CaptureQueriesContext(connection) as captured:
        value = function()
    return value, len(captured.captured_queries)


def test_reference_data_is_read_once_per_process():
    first, cold = queries_of(selectors.tier_edition_current)
    again, warm = queries_of(selectors.tier_edition_current)
    assert again == first and cold == 1 and warm == 0
    _, conditions = queries_of(lambda: selectors.tier_condition_for(first, "advanced"))
    _, cached = queries_of(lambda: selectors.tier_condition_for(first, "basic"))
    assert conditions == 1 and cached == 0


def test_publishing_an_edition_is_seen_at_once_here(django_capture_on_commit_callbacks):
    live = selectors.tier_edition_current()
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.tier_conditions_copy(edition=live, new_edition="2026")
        services.tier_conditions_publish(edition=copy)
    assert selectors.tier_edition_current() == copy
    assert selectors.tier_condition_for(copy, "basic").edition_id == copy.pk


def test_a_change_published_by_another_process_is_seen_after_the_check_interval(monkeypatch):
    live = selectors.tier_edition_current()
    # Another process publishes: the database changes and the shared generation moves on.
    TierConditionsEdition.objects.filter(pk=live.pk).update(title_zh="改过的标题")
    assert selectors.tier_edition_current().title_zh == live.title_zh  # still cached here
    cache.set(refcache.GENERATION_KEY, f"another-process-{uuid.uuid4()}", timeout=None)
    monkeypatch.setattr(refcache, "CHECK_SECONDS", 0.0)
    assert selectors.tier_edition_current().title_zh == "改过的标题"


def test_a_change_that_never_commits_is_not_cached():
    live = selectors.tier_edition_current()
    refcache.reference_data_changed()  # inside the test's transaction, which never commits
    _, first = queries_of(selectors.tier_edition_current)
    _, second = queries_of(selectors.tier_edition_current)
    assert first == second == 1
    assert selectors.tier_edition_current() == live


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='t')[1]}")
    return client


def test_eligibility_takes_at_most_five_queries_with_authentication(enterprise_user):
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    factory = mf.FactoryFactory(enterprise=enterprise)
    submitted_assessment(enterprise_user, factory, 3)
    today = timezone.localdate()
    services.campaign_open(
        actor=mf.official("provincial_official", "32-industry-it"),
        tier="advanced",
        year=today.year,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
    )
    client = token_client(enterprise_user)
    url = f"/api/v1/factories/{factory.pk}/eligibility/?tier=advanced"
    assert client.get(url).status_code == 200  # the reference data is loaded once per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200 and response.json()["tier"] == "advanced"
    campaign = next(c for c in response.json()["checks"] if c["rule"] == "campaign_open")
    assert campaign["passed"]
    assert len(captured.captured_queries) <= 5, [q["sql"][:80] for q in captured.captured_queries]


@pytest.mark.parametrize(
    "role, authority", [("miit_reviewer", "miit"), ("provincial_official", "32-industry-it")]
)
def test_lookup_by_credit_code_takes_two_queries_besides_authentication(role, authority):
    enterprise = mf.FactoryFactory().enterprise
    user = mf.official(role, authority)
    client = token_client(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/enterprises/", {"search": enterprise.uscc})
    assert response.status_code == 200
    assert [row["uscc"] for row in response.json()["results"]] == [enterprise.uscc]
    # One query authenticates (the token, its user and the user's authority).
    assert len(captured.captured_queries) <= 1 + 2


def test_a_prepared_query_gives_the_rows_of_its_queryset(enterprise_user):
    """core.prepared: compiled once, run with other values; the rows are the queryset's, with
    the backend's conversions (a JSON column here); a sentinel that never reaches the SQL
    parameters, or values for other names, are refused."""
    from assessments.models import Assessment
    from core.prepared import PreparedQuery

    made = []
    for level in (2, 3):
        factory = mf.FactoryFactory()
        mf.member_of(enterprise_user, factory.enterprise)
        made.append(submitted_assessment(enterprise_user, factory, level))
    first, second = made

    def build(factory):
        return Assessment.objects.filter(factory_id=factory).values_list("pk", "result", "status")

    query = PreparedQuery(build, factory=-1)
    counts = []
    for assessment in (first, second):
        rows, count = queries_of(lambda a=assessment: query.rows(factory=a.factory_id))
        counts.append(count)
        assert rows == list(build(assessment.factory_id))
        assert isinstance(rows[0][1], dict) and rows[0][0] == assessment.pk
    # Prepared on the server by its first run on this connection (PREPARE, then EXECUTE); only
    # executed after that.
    assert counts == [2, 1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name = %s",
            [query.compile().name],
        )
        (statement,) = cursor.fetchone()
    assert statement.startswith(f"PREPARE {query.compile().name} AS SELECT")
    assert query.rows(factory=10**9) == []
    with pytest.raises(TypeError):
        query.rows(enterprise=1)
    unused = PreparedQuery(lambda factory: Assessment.objects.all().values_list("pk"), factory=-1)
    with pytest.raises(ValueError, match="sentinels"):
        unused.rows(factory=1)


def test_a_prepared_query_keeps_a_percent_operator_and_runs_unprepared_when_told(
    enterprise_user, settings
):
    """The SQL's escaped ``%%`` (the modulo operator) survives the PREPARE, sent without
    parameters; with DATABASE_SERVER_PREPARE off the SQL runs as compiled, one query a time."""
    from django.db.models import F

    from assessments.models import Assessment
    from core.prepared import PreparedQuery

    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    assessment = submitted_assessment(enterprise_user, factory, 2)

    def build(factory):
        return (
            Assessment.objects.filter(factory_id=factory)
            .annotate(remainder=F("pk") % 7)
            .values_list("pk", "remainder")
        )

    query = PreparedQuery(build, factory=-1)
    assert "%%" in query.compile().sql
    assert query.rows(factory=factory.pk) == [(assessment.pk, assessment.pk % 7)]
    settings.DATABASE_SERVER_PREPARE = False
    unprepared = PreparedQuery(lambda factory: build(factory).reverse(), factory=-1)
    rows, count = queries_of(lambda: unprepared.rows(factory=factory.pk))
    assert rows == [(assessment.pk, assessment.pk % 7)] and count == 1
    assert unprepared.compile().name != query.compile().name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
            [unprepared.compile().name],
        )
        assert cursor.fetchone() == (0,)


def test_a_change_is_published_whatever_the_shared_generation_held(
    django_capture_on_commit_callbacks,
):
    """The generation is a token set anew on each change: a value that is not a number (as a
    test or an older release may leave) does not stop other processes from hearing of it."""
    cache.set(refcache.GENERATION_KEY, f"not-a-number-{uuid.uuid4()}", timeout=None)
    seen = set()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            refcache.reference_data_changed()
        seen.add(cache.get(refcache.GENERATION_KEY))
    assert len(seen) == 2 and not any(str(value).startswith("not-a-number") for value in seen)


def test_the_redis_cache_keeps_one_client_per_pool():
    """core.cache: every operation on the same Redis server goes through one client (Django's
    backend built a new one per operation), and values still go there and back."""
    from django.core.cache import caches

    from core.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    assert cache._cache.get_client("any-key", write=False) is client
    key = f"hot-paths-{uuid.uuid4()}"
    cache.set(key, {"value": 1}, 30)
    assert cache.get(key) == {"value": 1} and cache.get_many([key]) == {key: {"value": 1}}
    assert client.exists(cache.make_and_validate_key(key)) == 1
    cache.delete(key)
    assert cache.get(key) is None


def test_prepared_instances_are_the_querysets_instances(enterprise_user, monkeypatch):
    """PreparedQuery.objects makes plain instances without Model.__init__ (core.prepared): with
    ``only`` they hold what the queryset's instances hold, the columns left out are deferred and
    read on access, related rows are read through their keys, and they save like any
    instance."""
    from django.db.models import Model

    from core.prepared import PreparedQuery
    from factories.models import Factory

    factory = mf.FactoryFactory()

    def build(pk):
        return Factory.objects.only("name", "city", "enterprise").filter(pk=pk)

    query = PreparedQuery(build, pk=-1)
    (expected,) = build(factory.pk)

    def from_db(cls, db, field_names, values):
        raise AssertionError("made through from_db")

    # Django's from_db replaced everywhere (so the guard still sees Django's own): the instance
    # must come from the direct path.
    with monkeypatch.context() as patched:
        patched.setattr(Model, "from_db", classmethod(from_db))
        (made,) = query.objects(pk=factory.pk)
    assert type(made) is Factory and made._state.adding is False and made._state.db == "default"
    assert made.get_deferred_fields() == expected.get_deferred_fields() != set()
    selected = {name: value for name, value in vars(expected).items() if name != "_state"}
    assert {name: vars(made)[name] for name in selected} == selected
    assert made.enterprise.uscc == factory.enterprise.uscc
    assert made.address == factory.address  # deferred: read on access
    made.name = "改名的工厂"
    made.save(update_fields=["name"])
    assert Factory.objects.get(pk=factory.pk).name == "改名的工厂"
