"""The seed of the calendar: the chinesecalendar package's holidays and make-up working days.

The package (import name ``chinese_calendar``) transcribes the State Council's yearly notices;
version 1.11.0 covers 2004 to 2026. Its ``holidays`` are the days off (including those that
fall on a weekend), its ``workdays`` the make-up working days, each with the English name of
the holiday concerned; ``get_holiday_detail`` combines both with the weekly rule.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar

from workdays.calendar import ONE_DAY
from workdays.models import Holiday

SOURCE_NOTICE = f"chinesecalendar {chinese_calendar.__version__}"

DayRow = tuple[date, bool, str]  # date, is a working day, holiday code


def package_years() -> range:
    """The years the installed package covers."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def holiday_code(package_name: str | None) -> str:
    """Our code for one of the package's holiday names ("" for none); an unknown name (a new
    package release with a new special holiday) is an error, so it is mapped, not lost."""
    if package_name is None:
        return ""
    code = chinese_calendar.Holiday(package_name).name
    if code not in Holiday.values:
        raise ValueError(f"chinesecalendar holiday {package_name!r} has no code in Holiday")
    return code


def package_year_days(year: int) -> list[DayRow]:
    """Every date of ``year`` as the package has it."""
    rows: list[DayRow] = []
    day = date(year, 1, 1)
    while day.year == year:
        day_off, name = chinese_calendar.get_holiday_detail(day)
        rows.append((day, not day_off, holiday_code(name)))
        day += ONE_DAY
    return rows
