"""What the schema tells the request's access line, and how GraphQL errors are logged.

An expected refusal (a code we raise on purpose: FORBIDDEN, BAD_USER_INPUT, a validation or
introspection refusal, ...) is one INFO line without a traceback; an unexpected error (a bug
or an outage surfacing in a resolver) is one ERROR line with its traceback. Both carry the
request id, which the response also returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import FieldNode, GraphQLError, get_operation_ast
from strawberry.extensions import SchemaExtension

from koc.access import current_request
from koc.security.graphql.extensions import public_error

logger = logging.getLogger("koc.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raise on purpose are GraphQLErrors (permissions, bad input) and parse or
    validation errors have no original error; anything else is a bug."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def _where(error: GraphQLError) -> str:
    return ".".join(str(p) for p in error.path) if error.path else "-"


def log_errors(errors: list[GraphQLError]) -> None:
    """A traceback for each unexpected error; one line for all the refusals of an operation."""
    refusals = []
    for error in errors:
        if is_unexpected(error):
            logger.error(
                "Unexpected error at %s: %s",
                _where(error),
                error.message,
                exc_info=error.original_error,
                extra={"path": _where(error)},
            )
        else:
            refusals.append(error)
    if refusals:
        codes = [
            public_error(e, development=True).get("extensions", {}).get("code", "-")
            for e in refusals
        ]
        more = f" (+{len(refusals) - 1} more)" if len(refusals) > 1 else ""
        logger.info(
            "Refused %s at %s: %s%s",
            codes[0],
            _where(refusals[0]),
            refusals[0].message,
            more,
            extra={"code": codes[0], "codes": codes},
        )


class RecordOperation(SchemaExtension):
    """Tell the request record which operation ran: its type, name and root fields."""

    def on_operation(self) -> Iterator[None]:
        yield
        record = current_request.get()
        execution = self.execution_context
        if record is None or execution.graphql_document is None:
            return
        operation = get_operation_ast(execution.graphql_document, execution.operation_name)
        if operation is None:
            return
        record.operation_type = operation.operation.value
        record.operation = operation.name.value if operation.name else None
        record.fields = [
            selection.name.value
            for selection in operation.selection_set.selections
            if isinstance(selection, FieldNode)
        ]
