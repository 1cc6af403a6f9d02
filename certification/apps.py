from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certification"
    verbose_name = _("Certification")

    reference_data_label = "certification editions"

    def load_reference_data(self) -> int:
        """Load this app's committed reference data (idempotent); returns the rows written."""
        from certification.services import certification_load_reference

        return certification_load_reference()
