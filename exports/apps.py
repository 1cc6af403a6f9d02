from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        # The export kinds of the portal's lists register themselves on import.
        from exports import lists  # noqa: F401
