"""The review-chain migrations on a database that already holds applications: an advanced
application stuck at "checks passed" moves to the city's review, failed rule codes become a
list, and the way back leaves data the old columns can hold."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import model_factories as mf

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("certification", "0003_review_fixes")]
AFTER = [("certification", "0005_review_chain_data")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_forwards_with_data_and_back(reference_data):
    factory = mf.FactoryFactory()
    user = mf.UserFactory()
    old = migrate(BEFORE)
    Application = old.get_model("certification", "Application")
    AuditEvent = old.get_model("certification", "AuditEvent")
    edition = old.get_model("certification", "TierConditionsEdition").objects.get(edition="2025")
    stuck = Application.objects.create(
        factory_id=factory.pk,
        tier="advanced",
        tier_edition=edition,
        status="checks_passed",
        submission=1,
        created_by_id=user.pk,
    )
    AuditEvent.objects.create(
        application=stuck,
        action="checks_fail",
        from_status="submitted",
        to_status="returned",
        reason="maturity_level, stage_coverage",
    )
    try:
        new = migrate(AFTER)
        Application = new.get_model("certification", "Application")
        AuditEvent = new.get_model("certification", "AuditEvent")
        moved = Application.objects.get(pk=stuck.pk)
        assert (moved.status, moved.workflow) == ("city_review", "advanced_2025")
        assert moved.state_changed_at is not None
        failed = AuditEvent.objects.get(application_id=stuck.pk, event_type="checks_fail")
        assert failed.extra_data == {"failed_rules": ["maturity_level", "stage_coverage"]}
        assert failed.reason == ""
        assert AuditEvent.objects.filter(application_id=stuck.pk, event_type="resume").exists()
        # A later event at a review state must survive the way back in the narrower columns.
        AuditEvent.objects.create(
            application_id=stuck.pk,
            event_type="withdraw",
            from_status="provincial_decision",
            to_status="withdrawn",
        )
        back = migrate(BEFORE)
        Application = back.get_model("certification", "Application")
        AuditEvent = back.get_model("certification", "AuditEvent")
        assert Application.objects.get(pk=stuck.pk).status == "checks_passed"
        failed = AuditEvent.objects.get(application_id=stuck.pk, action="checks_fail")
        assert failed.reason == "maturity_level, stage_coverage"
        assert AuditEvent.objects.get(application_id=stuck.pk, action="withdraw").from_status == (
            "checks_passed"
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
