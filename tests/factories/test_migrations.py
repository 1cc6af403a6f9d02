"""factories 0006 on a database that already holds enterprises and factories: the backfill
gives every enterprise the presence the services would have given it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from factories.models import EnterprisePresence
from regions.models import City
from tests import model_factories as mf
from tests.factories.test_presence import derived, stored

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_the_backfill_gives_the_presence_the_services_keep(reference_data):
    mf.FactoryFactory()
    mf.FactoryFactory(  # registered in Hangzhou, a factory in Nanjing
        enterprise__city=City.objects.get(code="330100"), city=City.objects.get(code="320100")
    )
    kept = stored()
    try:
        migrate([("factories", "0005_pool_removal_and_events")])
        migrate([("factories", "0006_enterprise_presence")])
        assert stored() == kept == derived()
        assert {"33", "330100", "32", "320100"} <= {code for code, _pk, _name in kept}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert EnterprisePresence.objects.count() == len(kept)
