"""Load every piece of committed reference data. Safe to run any number of times."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load regions and authorities, industries, the maturity model, the scenario catalogue "
        "and the tier conditions from the project's data files. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from assessments.services import maturity_model_load_reference
        from certification.services import certification_load_reference
        from factories.services import industries_load_reference
        from regions.services import regions_load_reference

        with transaction.atomic():
            counts = {
                "regions and authorities": regions_load_reference(),
                "industries": industries_load_reference(),
                "maturity model versions": maturity_model_load_reference(),
                "certification editions": certification_load_reference(),
            }
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} written")
