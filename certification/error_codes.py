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
    NOT_BASIC = "not_basic"
    TOO_MANY_FILES = "too_many_files"
    EDITION_EXISTS = "edition_exists"
    EDITION_INCOMPLETE = "edition_incomplete"
    EXPERT_CONFLICT = "expert_conflict"  # a conflicted expert cannot be assigned
    TOO_FEW_EXPERTS = "too_few_experts"
    NO_AUTHORITY = "no_authority"  # no certifying authority on record for the factory
