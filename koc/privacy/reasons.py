"""Why staff read or erased a member's data: said in words, kept with the record."""

from __future__ import annotations

from koc.errors import DomainError
from koc.privacy.errors import PrivacyErrorCode

MIN_REASON, MAX_REASON = 4, 200


def clean_reason(reason: str, field: str = "reason") -> str:
    text = reason.strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise DomainError(
            PrivacyErrorCode.INVALID,
            f"Give a reason of {MIN_REASON} to {MAX_REASON} characters.",
            field,
        )
    return text
