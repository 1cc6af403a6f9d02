from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactoriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "factories"
    verbose_name = _("Enterprises and factories")
