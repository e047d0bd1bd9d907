"""Phone numbers: stored in E.164, shown masked to callers who may not read members."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str | None:
    """E.164 form of ``raw``, or None when it is not a phone number.

    A bare 11-digit mainland mobile number (what WeChat and most forms give) gets +86.
    """
    compact = re.sub(r"[\s()-]", "", raw)
    if _CN_MOBILE.match(compact):
        return "+86" + compact
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if _E164.match(compact) else None


def mask_phone(phone: str) -> str:
    """+8613812345678 -> +86138****5678: enough for a member to recognise their own number."""
    if len(phone) <= 8:
        return "*" * len(phone)
    head, tail = phone[:-8], phone[-4:]
    return f"{head}****{tail}"


def mask_identifier(value: str) -> str:
    """oAbcDEFGhijklmnop1234 -> oAbc****1234: tells two members apart without revealing either."""
    if len(value) <= 8:
        return "****"
    return f"{value[:4]}****{value[-4:]}"
