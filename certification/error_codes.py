"""The stable, machine-readable codes of certification's refusals (the ``code`` of the API's
error body). REST clients branch on them; never rename one."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    INVALID_TRANSITION = "invalid_transition"  # not from the application's current state
    UNKNOWN_ACTION = "unknown_action"  # the application's workflow has no such action
    NOT_READY = "not_ready"  # a precondition of the action is not met yet
    NOT_EDITABLE = "not_editable"
    OPEN_APPLICATION_EXISTS = "open_application_exists"
    CAMPAIGN_EXISTS = "campaign_exists"
    CONFIRMATION_NEEDED = "confirmation_needed"  # warnings a person must confirm (``confirm``)
    CAMPAIGN_STARTED = "campaign_started"  # the window has opened: no more edits
    CAMPAIGN_NOT_OPEN = "campaign_not_open"  # only an open window closes early
    NOT_BASIC = "not_basic"
    TOO_MANY_FILES = "too_many_files"
    EDITION_EXISTS = "edition_exists"
    EDITION_INCOMPLETE = "edition_incomplete"
    EXPERT_CONFLICT = "expert_conflict"  # a conflicted expert cannot be assigned
    TOO_FEW_EXPERTS = "too_few_experts"
    NO_AUTHORITY = "no_authority"  # no certifying authority on record for the factory
    NO_QUOTA = "no_quota"  # the campaign gives the recommending unit no quota
    QUOTA_EXCEEDED = "quota_exceeded"  # every place of the unit's quota is taken
    LIST_SUBMITTED = "list_submitted"  # the recommendation list was submitted and is locked
    NOT_ON_LIST = "not_on_list"
