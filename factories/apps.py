from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactoriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "factories"
    verbose_name = _("Enterprises and factories")

    reference_data_label = "industries"

    def load_reference_data(self) -> int:
        """Load this app's committed reference data (idempotent); returns the rows written."""
        from factories.services import industries_load_reference

        return industries_load_reference()
