"""Template tags of the working-day calendar: the administrator's warnings."""

from django import template
from django.utils import timezone

from workdays.selectors import calendar_warnings

register = template.Library()


@register.simple_tag
def calendar_warnings_today() -> list[str]:
    """``calendar_warnings`` for today in the portal's time zone (Asia/Shanghai)."""
    return calendar_warnings(timezone.localdate())
