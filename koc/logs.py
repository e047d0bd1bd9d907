"""Log lines: JSON in production, readable text in development, each with its request id.

The request id of the request being served lives in a context variable (set by
``koc.access.RequestContext``); a filter copies it onto every record, so lines logged anywhere
while a request runs (ours, strawberry's, uvicorn's, a library's) carry it. Structured values
go in ``extra={...}``: the JSON formatter writes them as fields; text shows the message only.
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from koc.settings import LogFormat, Settings

request_id: ContextVar[str | None] = ContextVar("koc_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's coloured copy of the message
    "taskName",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or ``-``) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            **_extras(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and cleaned: koc.privacy.logs)
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``12:00:01.234 INFO koc.access [3f2a...] message`` for a terminal (the message says it
    all; the ``extra`` fields are for machines, in JSON)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", "-")
        return super().format(record)


def log_format(settings: Settings) -> LogFormat:
    if settings.log_format is not LogFormat.AUTO:
        return settings.log_format
    return LogFormat.TEXT if settings.is_development else LogFormat.JSON


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for koc (uvicorn applies it in every worker)."""
    formatter = JsonFormatter if log_format(settings) is LogFormat.JSON else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"koc": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "koc",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level},
        "loggers": {
            # uvicorn's loggers bring their own handlers; send their lines through ours.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # koc.access writes one line per request with more than uvicorn's access line.
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
