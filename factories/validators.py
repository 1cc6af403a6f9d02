"""Validation of the unified social credit code (USCC), GB 32100-2015, and the registration
authority its region part (characters 3-8) names."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from regions.reference import region_code_problem, registration_authority_name

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
USCC_LENGTH = 18


def uscc_check_character(body: str) -> str:
    """The 18th character for the first 17 (which must all be in the USCC alphabet)."""
    total = sum(USCC_VALUES[char] * weight for char, weight in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """What forms and the API do before validating: trim and upper-case."""
    return (value or "").strip().upper()


def validate_uscc(value: str) -> None:
    """Raise ``ValidationError`` saying exactly what is wrong with a USCC, else return None."""
    if not isinstance(value, str):
        raise ValidationError(_("The credit code must be text."), code="uscc_type")
    if len(value) != USCC_LENGTH:
        raise ValidationError(
            _("The credit code must be 18 characters long; this one has %(length)d.")
            % {"length": len(value)},
            code="uscc_length",
        )
    for position, char in enumerate(value, start=1):
        if char in USCC_VALUES:
            continue
        if char.upper() in USCC_VALUES:
            raise ValidationError(
                _(
                    "The credit code must use upper-case letters: '%(char)s' at position "
                    "%(position)d."
                )
                % {"char": char, "position": position},
                code="uscc_lower_case",
            )
        raise ValidationError(
            _(
                "The credit code may not contain '%(char)s' (position %(position)d); it uses only "
                "digits and the letters A-H, J-N, P-R, T, U, W-Y."
            )
            % {"char": char, "position": position},
            code="uscc_character",
        )
    if value[17] != uscc_check_character(value[:17]):
        # The expected character is not shown: it would turn any mistyped code into a "valid"
        # one for someone who copies it in.
        raise ValidationError(
            _(
                "The check character (the 18th) does not match the rest of the code. Please "
                "check the code for a typing error."
            ),
            code="uscc_check",
        )
    region = value[2:8]
    problem = region_code_problem(region)
    if problem is not None:
        messages = {
            "province": _(
                "The region part (characters 3-8) '%(region)s' does not name a known province."
            ),
            "prefecture": _(
                "The region part (characters 3-8) '%(region)s' does not name a known "
                "prefecture-level city."
            ),
        }
        raise ValidationError(messages[problem] % {"region": region}, code=f"uscc_region_{problem}")


def uscc_registration_authority(uscc: str) -> str | None:
    """The registration authority a credit code's region part names, for display: a listed
    development zone by its name, else the GB/T 2260 county, city or province. None when the
    value is not 18 characters or its region part is not valid."""
    value = normalize_uscc(uscc)
    if len(value) != USCC_LENGTH:
        return None
    return registration_authority_name(value[2:8])
