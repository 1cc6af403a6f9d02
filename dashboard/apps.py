from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """Pages that gather every app's view of the signed-in user (the home page)."""

    name = "dashboard"
    verbose_name = _("Dashboard")
