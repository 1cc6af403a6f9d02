"""Contradictions between a basic filing's declarations and the portal's own records.

Pure: the caller reads the facts (``FilingFacts``) and this module says, for each fact both
sides hold, whether they disagree, with a reason an official can read. Nothing here reads the
database or the request, so the filings list, its detail and the tests share it as is.

Facts held on both sides today:

- the enterprise is above designated size: the declaration (``above_designated_size``) and the
  enterprise record's flag;
- where the factory is: the city the filing went to and the factory's current city (a factory
  that has moved is no longer the filing city's to review).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FilingFacts:
    declared_above_size: bool | None  # None: the declaration was not answered
    enterprise_above_size: bool
    filed_city: str  # the city code of the bureau the filing went to
    factory_city: str  # the factory's city code now
    factory_city_name: str = ""


@dataclass(frozen=True)
class Contradiction:
    code: str  # stable, for tests and the API
    message: str


def filing_contradictions(facts: FilingFacts) -> list[Contradiction]:
    """The disagreements between the filing and the records, in a fixed order (none: [])."""
    found: list[Contradiction] = []
    if facts.declared_above_size and not facts.enterprise_above_size:
        found.append(
            Contradiction(
                "size_declared_not_recorded",
                _(
                    "Declared above designated size, but the enterprise record says it is not "
                    "above designated size."
                ),
            )
        )
    elif facts.declared_above_size is False and facts.enterprise_above_size:
        found.append(
            Contradiction(
                "size_recorded_not_declared",
                _(
                    "The enterprise record says it is above designated size, but the filing "
                    "does not declare it."
                ),
            )
        )
    if facts.filed_city and facts.factory_city and facts.filed_city != facts.factory_city:
        found.append(
            Contradiction(
                "factory_moved",
                _("The factory has moved to %(city)s since the filing.")
                % {"city": facts.factory_city_name or facts.factory_city},
            )
        )
    return found
