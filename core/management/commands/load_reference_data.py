"""Load every piece of committed reference data. Safe to run any number of times.

Each app that owns reference data contributes a ``load_reference_data()`` method on its
AppConfig; they run in INSTALLED_APPS order, which is the apps' dependency order (regions before
the authorities' users, industries before factories, and so on), in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load regions and authorities, industries, the maturity model, the scenario catalogue "
        "and the tier conditions from the project's data files. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts: dict[str, int] = {}
        with transaction.atomic():
            for config in apps.get_app_configs():
                loader = getattr(config, "load_reference_data", None)
                if loader is not None:
                    label = getattr(config, "reference_data_label", config.label)
                    counts[label] = loader()
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} written")
