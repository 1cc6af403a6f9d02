"""Extended statistics on applications' (status, workflow), for the worklists' plans.

A worklist asks for the states its workflows wait in for the user's role: a status list, and an
OR of (statuses, workflows) pairs (``certification.selectors._waiting_filter``). PostgreSQL
estimates each condition as if status and workflow were independent and multiplies the
selectivities, although the workflow decides which statuses an application can be in and the
conditions repeat the same statuses. A provincial worklist of 468 rows was estimated at 15, so
the planner read and sorted every waiting application of the province (2 ms) instead of reading
the first page off ``application_province_wait_idx`` in order (0.2 ms). The most common values
of the pair let it count the conditions on both columns together.

PostgreSQL only; the ANALYZE fills the statistics now rather than at the next autovacuum.
"""

from django.db import migrations

STATISTICS = "application_status_workflow_stats"
TABLE = "certification_application"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE STATISTICS {STATISTICS} (mcv) ON status, workflow FROM {TABLE}")
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0017_filing_confirmation"),
    ]

    operations = [
        migrations.RunPython(create_statistics, drop_statistics),
    ]
