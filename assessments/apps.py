from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Maturity assessments")

    reference_data_label = "maturity model versions"

    def load_reference_data(self) -> int:
        """Load this app's committed reference data (idempotent); returns the rows written."""
        from assessments.services import maturity_model_load_reference

        return maturity_model_load_reference()
