from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Helpers every app builds on: the domain error type, the API and HTML error paths,
    middleware, reading committed data files, the active language, and one model: the tasks
    kept to be queued again after a broker outage (core.dispatch)."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core import lookups  # noqa: F401  # registers the __any lookup
