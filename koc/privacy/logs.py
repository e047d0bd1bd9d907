"""No personal data in logs, whoever logs and wherever the records go.

koc's libraries log what they are given: Tortoise logs every statement with its parameters
(phones, openids, unionids) and its connection settings (the database password) at DEBUG,
httpx logs every URL it calls (WeChat's carry the app secret, login codes and access tokens in
the query string), uvicorn's access log prints query strings (a GraphQL GET carries its
variables there), strawberry logs each GraphQL error with the document it came from (literals
included), and PostgreSQL's errors quote the conflicting values.

``install()`` wraps the record factory, so every record is cleaned when it is created, before
any handler (ours, uvicorn's, a structured formatter) sees it: Tortoise's parameters are
dropped, a GraphQL error logs its message only, and the message and traceback lose query
strings, phone numbers, tokens and quoted key values.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from graphql import GraphQLError

from koc.members.phones import mask_phone

REDACTED = "<redacted>"

_QUERY_STRING = re.compile(r"((?:https?://|/)[^\s\"'?]*)\?[^\s\"']+")
_TOKEN = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]*"  # JWT
    r"|koc_(?:pt|rt)_[\w-]+"  # partner and refresh tokens
    r"|(?i:bearer)\s+\S+"
)
_KEY_VALUES = re.compile(r"(Key \([^)]*\)=\()[^)]*(\))")  # PostgreSQL's constraint details
_E164 = re.compile(r"\+[1-9]\d{6,14}\b")
_CN_MOBILE = re.compile(r"(?<![\w.+])1[3-9]\d{9}(?![\w.])")


def redact_text(text: str) -> str:
    """``text`` without query strings, tokens, quoted key values or phone numbers."""
    text = _QUERY_STRING.sub(rf"\1?{REDACTED}", text)
    text = _TOKEN.sub(REDACTED, text)
    text = _KEY_VALUES.sub(rf"\1{REDACTED}\2", text)
    text = _E164.sub(lambda m: mask_phone(m.group()), text)
    return _CN_MOBILE.sub(lambda m: mask_phone(m.group()), text)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Clean one record in place (see the module docstring)."""
    if isinstance(record.msg, GraphQLError):
        record.msg, record.args = record.msg.message, ()
    elif record.name.startswith("tortoise") and isinstance(record.args, tuple):
        # "%s: %s" % (statement, parameters), "... with params: %s" % (..., settings)
        record.args = record.args[:1] + (REDACTED,) * (len(record.args) - 1)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not break the caller
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact_text(message), ()
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact_text("".join(traceback.format_exception(*record.exc_info)))
        record.exc_info = None  # handlers print exc_text, the cleaned one
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    return record


def install() -> None:
    """Clean every log record of this process from now on (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(previous(*args, **kwargs))

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
