from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (`seed_demo`): it seeds every app, so it sits above them all."""

    name = "demo"
    verbose_name = _("Demo data")
