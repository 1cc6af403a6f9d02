from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "regions"
    verbose_name = _("Regions and authorities")

    reference_data_label = "regions and authorities"

    def load_reference_data(self) -> int:
        """Load this app's committed reference data (idempotent); returns the rows written."""
        from regions.services import regions_load_reference

        return regions_load_reference()
