"""Existing DRF tokens (rest_framework.authtoken, clear-text keys) become API tokens stored by
their SHA-256, so clients keep working until the new token expires (API_TOKEN_DAYS from now);
the clear-text keys are then deleted.

The authtoken app is no longer installed, so its model is not in the migration state: its table
is read directly when it exists. The reverse removes nothing that the forward made beyond what
the schema migration before it removes; the clear-text keys cannot be brought back.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def hash_existing_keys(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    quoted = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {quoted}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                name="API token (before hashing)",
                key_hash=hashlib.sha256(key.encode("utf-8")).hexdigest(),
                prefix=key[:6],
                expires_at=expires_at,
            )
            for key, user_id in rows
        ],
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
    ]

    operations = [
        migrations.RunPython(hash_existing_keys, migrations.RunPython.noop, elidable=True),
    ]
