"""Which of the two interface languages is active (Chinese unless English was chosen)."""

from django.utils.translation import get_language


def english_active() -> bool:
    return (get_language() or "zh-hans").startswith("en")
