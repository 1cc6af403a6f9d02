"""Template filters for workflow states: their badge tone and their label for the viewer."""

from django import template

from certification.presenters import state_label as _state_label
from certification.presenters import state_tone as _state_tone

register = template.Library()


@register.filter
def state_tone(code: str) -> str:
    return _state_tone(code)


@register.filter
def state_label(code: str, for_applicant: bool = False) -> str:
    return _state_label(code, for_applicant=bool(for_applicant))
