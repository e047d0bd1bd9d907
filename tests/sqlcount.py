"""Counting the SQL statements an operation runs (as Saleor's ``count_queries``).

Tortoise logs every statement it sends on the ``tortoise.db_client`` logger at DEBUG level, on
every engine and inside transactions, so a handler on that logger sees each one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = logging.getLogger("tortoise.db_client")


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # Connection bookkeeping is logged on the same logger; it is not a statement.
        if not message.startswith(("Created connection", "Closed connection")):
            self.statements.append(message)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """``with count_statements() as c: ...`` then ``c.count`` / ``c.statements``."""
    counter = StatementCounter()
    previous_level = LOGGER.level
    LOGGER.setLevel(logging.DEBUG)
    LOGGER.addHandler(counter)
    try:
        yield counter
    finally:
        LOGGER.removeHandler(counter)
        LOGGER.setLevel(previous_level)
