"""WeChat's rules for the values of subscribe-message keys, by the key's type (``thing1`` is a
``thing``), as WeChat documents them for ``subscribeMessage.send``: a value that breaks its rule
is refused with errcode 47003.

``problem`` says what is wrong with a value (staff see it when they configure a mapping);
``fit`` makes a value of a kind that may be cut (text) fit its length at send time.
"""

from __future__ import annotations

import re

_CJK = "\u4e00-\u9fff"
_CN_DATE = r"\d{4}年\d{1,2}月\d{1,2}日"
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_TIME_POINT = rf"(({_CN_DATE}|{_ISO_DATE})\s?)?{_CLOCK}"
_DATE_POINT = rf"({_CN_DATE}|{_ISO_DATE})(\s?{_CLOCK})?"


def _span(point: str) -> re.Pattern[str]:
    """A point in time, or two joined by ``~`` (a period)."""
    return re.compile(rf"^{point}(\s?~\s?{point})?$")


# type -> (max length, pattern the whole value matches, what the rule says)
RULES: dict[str, tuple[int, re.Pattern[str] | None, str]] = {
    "thing": (20, None, "at most 20 characters"),
    "number": (
        32,
        re.compile(r"^\d+(\.\d+)?$"),
        "digits only (a decimal point allowed), at most 32",
    ),
    "letter": (32, re.compile(r"^[A-Za-z]+$"), "letters only, at most 32"),
    "symbol": (5, re.compile(r"^[^\w\s]+$"), "symbols only, at most 5"),
    "character_string": (
        32,
        re.compile(r"^[\x21-\x7e]+$"),
        "digits, letters and symbols, at most 32",
    ),
    "time": (64, _span(_TIME_POINT), "a 24-hour time, e.g. 15:01 or 2019年10月1日 15:01"),
    "date": (64, _span(_DATE_POINT), "a date, e.g. 2019年10月1日 (a 24-hour time may follow)"),
    "amount": (
        16,
        re.compile(r"^[^\d\s.]?\d{1,10}(\.\d{1,2})?元?$"),
        "a currency symbol and at most 10 digits, e.g. ¥100.50",
    ),
    "phone_number": (17, re.compile(r"^[\d+\-() ]+$"), "digits and symbols, at most 17"),
    "car_number": (
        8,
        re.compile(rf"^[{_CJK}A-Z0-9][A-Z0-9]+[{_CJK}A-Z0-9]?$"),
        "a plate: letters and digits, Chinese allowed first and last, at most 8",
    ),
    "name": (20, None, "at most 10 Chinese characters or 20 letters"),
    "phrase": (5, re.compile(rf"^[{_CJK}]+$"), "at most 5 Chinese characters"),
}
# Text that may be cut to fit: the rest would change meaning (a number, a time) if cut.
CUTTABLE = {"thing", "name", "phrase", "letter", "character_string"}
KEY = re.compile(rf"^({'|'.join(sorted(RULES, key=len, reverse=True))})(\d+)$")


def key_type(key: str) -> str | None:
    """The type of a template key (``thing1`` -> ``thing``), or None for an unknown one."""
    found = KEY.match(key)
    return found.group(1) if found else None


def _limit(kind: str, value: str) -> int:
    if kind == "name" and re.search(f"[{_CJK}]", value):
        return 10
    return RULES[kind][0]


def problem(kind: str, value: str, *, check_length: bool = True) -> str | None:
    """Why ``value`` breaks the rule of ``kind``, or None when WeChat would take it."""
    _, pattern, rule = RULES[kind]
    if not value.strip():
        return f"is empty; a {kind} value is {rule}"
    if check_length and len(value) > _limit(kind, value):
        return f"is {len(value)} characters; a {kind} value is {rule}"
    if pattern is not None and not pattern.match(value):
        return f"'{value}' is not allowed; a {kind} value is {rule}"
    return None


def fit(kind: str, value: str) -> str:
    """``value`` cut to the length its kind allows (with an ellipsis where text may carry one),
    so a long badge name never makes WeChat refuse the whole message."""
    value = value.strip()
    limit = _limit(kind, value)
    if kind not in CUTTABLE or len(value) <= limit:
        return value
    if kind in ("thing", "name"):
        return value[: limit - 1] + "…"
    return value[:limit]
