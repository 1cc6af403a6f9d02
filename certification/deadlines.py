"""When the portal acts by itself, as pure functions: no ORM, no clock (``today`` is given).

A certified factory's self-assessment lapses on the day after its ``valid_until`` (DESIGN
2.5). Before that the enterprise is reminded (by default 30, 7 and 1 days before; edition
data), on that day each active certificate of the factory is suspended, and a certificate
still suspended for the lapse ``grace_days`` later is revoked.

A deadline row keeps ``step``: how many of its stages are done. ``lapse_plan`` says, for a row
the sweep found due, what to do now and when to look again. Stages missed while the sweep did
not run are not caught up one by one: the enterprise gets the latest reminder only ("7 days
left" after a week's outage, not "30 days left" too), and a lapse is a lapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Act(StrEnum):
    NOTHING = "nothing"
    REMIND = "remind"
    LAPSE = "lapse"


@dataclass(frozen=True)
class Plan:
    act: Act
    step: int  # the row's step once this is done
    next_on: date | None  # when the sweep looks at the row again; None: nothing is left


def reminder_days(days: Sequence[int]) -> tuple[int, ...]:
    """The edition's reminder offsets, furthest first, without duplicates or non-positive
    values (an edition edited by hand may hold ``[7, 30, 7]``)."""
    return tuple(sorted({int(d) for d in days if int(d) > 0}, reverse=True))


def lapse_day(valid_until: date) -> date:
    """The first day an assessment valid until ``valid_until`` (inclusive) no longer is."""
    return valid_until + timedelta(days=1)


def lapse_first_look(due_on: date, days: Sequence[int]) -> date:
    """When the sweep first looks at a lapse deadline due on ``due_on``: the first reminder's
    day (which may have passed already; the sweep then sends the latest one due)."""
    offsets = reminder_days(days)
    return due_on - timedelta(days=offsets[0]) if offsets else due_on


def lapse_plan(*, due_on: date, step: int, today: date, days: Sequence[int]) -> Plan:
    """What the lapse sweep does today with a row at ``step``: stages ``0..n-1`` are the
    reminders (furthest first), stage ``n`` the lapse itself."""
    offsets = reminder_days(days)
    lapsed_step = len(offsets) + 1
    if step >= lapsed_step:
        return Plan(Act.NOTHING, step, None)
    if today >= due_on:
        return Plan(Act.LAPSE, lapsed_step, None)
    due_stages = [
        i for i, offset in enumerate(offsets) if i >= step and due_on - today <= _days(offset)
    ]
    if not due_stages:
        return Plan(Act.NOTHING, step, _stage_day(due_on, offsets, step))
    done = due_stages[-1] + 1
    return Plan(Act.REMIND, done, _stage_day(due_on, offsets, done))


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _stage_day(due_on: date, offsets: tuple[int, ...], stage: int) -> date:
    return due_on - _days(offsets[stage]) if stage < len(offsets) else due_on


def grace_end(suspended_on: date, grace_days: int) -> date:
    """The day a certificate suspended on ``suspended_on`` for a lapse is revoked."""
    return suspended_on + _days(grace_days)


def milestone_plan(*, due_on: date, step: int, today: date, remind_days: int = 7) -> Plan:
    """A cultivation milestone: a reminder ``remind_days`` before, a notice of the overdue
    report on the day; then nothing (reporting closes the row)."""
    if step >= 2:
        return Plan(Act.NOTHING, step, None)
    if today >= due_on:
        return Plan(Act.LAPSE, 2, None)
    if step == 0 and due_on - today <= _days(remind_days):
        return Plan(Act.REMIND, 1, due_on)
    return Plan(Act.NOTHING, step, due_on - _days(remind_days) if step == 0 else due_on)
