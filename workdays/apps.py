from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The working-day calendar: which dates are Chinese working days (weekends, statutory
    holidays and make-up working days), published a year at a time."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "workdays"
    verbose_name = _("Working-day calendar")

    reference_data_label = "working-day calendar days"

    def load_reference_data(self) -> int:
        """Load every year the chinesecalendar package covers, as published years (idempotent:
        years already in the database are left as they are); returns the rows written."""
        from workdays.services import calendar_years_load_reference

        return calendar_years_load_reference()
