"""Schema extensions enforcing koc's limits on every operation, each refusal with a code.

Token, depth and alias limits are strawberry's own extensions; koc adds a code to their errors,
introspection for staff only outside development, the cost limit and the rate limit, and
``public_error`` (used by the HTTP view) gives every error of a response its code.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSyntaxError, ValidationRule, Visitor, visit
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from koc.auth.viewer import is_staff
from koc.graphql.context import Context
from koc.security.graphql.cost import CostCache, work_of
from koc.security.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from koc.security.ratelimit import Decision, caller_key

# graphql-core appends suggestions as " Did you mean 'x' or 'y'?" (names never contain "?").
SUGGESTION_RE = re.compile(r"\s*Did you mean [^?]*\?")


def set_code(error: GraphQLError, code: str) -> None:
    """Give ``error`` an ``extensions.code`` unless it has one."""
    if "code" not in (error.extensions or {}):
        error.extensions = {**(error.extensions or {}), "code": code}


class _CodedContext:
    """A validation context whose reported errors carry ``code``."""

    def __init__(self, context: Any, code: str) -> None:
        self._context = context
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        set_code(error, self._code)
        self._context.report_error(error)


def with_code(rule: type[ValidationRule], code: str) -> type[ValidationRule]:
    """``rule``, with ``code`` in the extensions of every error it reports."""

    class Coded(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: Any) -> None:
            super().__init__(_CodedContext(context, code))

    Coded.__name__ = Coded.__qualname__ = rule.__name__
    return Coded


class TokenLimit(MaxTokensLimiter):
    """At most ``MAX_TOKENS`` tokens per document (refused while parsing)."""

    def __init__(self) -> None:
        super().__init__(max_token_count=MAX_TOKENS)


class DepthAndAliasLimits(AddValidationRules):
    """At most ``MAX_DEPTH`` levels (introspection not counted) and ``MAX_ALIASES`` aliases."""

    RULES = (
        *(
            with_code(rule, "QUERY_TOO_DEEP")
            for rule in QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules
        ),
        *(
            with_code(rule, "TOO_MANY_ALIASES")
            for rule in MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules
        ),
    )

    def __init__(self) -> None:
        super().__init__(list(self.RULES))


NO_INTROSPECTION = with_code(NoSchemaIntrospectionCustomRule, "INTROSPECTION_DISABLED")


class IntrospectionForStaff(SchemaExtension):
    """Outside development only staff may introspect the schema (``__typename`` is fine)."""

    def on_operation(self) -> Iterator[None]:
        context: Context = self.execution_context.context
        if not context.settings.is_development and not is_staff(context.viewer):
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NO_INTROSPECTION)
        yield


class ValidationErrorCode(SchemaExtension):
    """GRAPHQL_VALIDATION_FAILED on every validation error without a more precise code.

    (Only validation knows an error is one; the other codes and the removal of suggestions
    are applied to the response by ``public_error``. Validation errors may come from
    strawberry's ValidationCache, so the code set here must not depend on the request.)
    """

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            set_code(error, "GRAPHQL_VALIDATION_FAILED")


def public_error(error: GraphQLError, *, development: bool) -> dict[str, Any]:
    """``error`` as the response shows it: with a code, and outside development without
    "Did you mean ...?" (suggestions map a schema for callers who may not introspect it).

    Works on a copy: parsed and validated documents, errors included, are cached and shared
    between requests.
    """
    formatted = error.formatted
    if not development:
        formatted["message"] = SUGGESTION_RE.sub("", formatted["message"])
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        if isinstance(error, GraphQLSyntaxError):
            too_long = f"more than {MAX_TOKENS} tokens" in error.message
            extensions["code"] = "TOO_MANY_TOKENS" if too_long else "GRAPHQL_PARSE_FAILED"
        elif (
            not error.path
            and (error.original_error is None or isinstance(error.original_error, GraphQLError))
        ) or isinstance(error.original_error, StrawberryInputCoercionError):
            # Values that do not fit their types: variables, refused before execution, and
            # values strawberry converts for a resolver (an ID that is not base64).
            extensions["code"] = "BAD_USER_INPUT"
    if extensions:
        formatted["extensions"] = extensions
    return formatted


def public_response(result: ExecutionResult, *, development: bool) -> GraphQLHTTPResponse:
    """The JSON answer of an executed operation (strawberry's ``process_result``) with every
    error as ``public_error`` shows it: what the HTTP view sends, whichever process ran it."""
    response = process_result(result)
    if result.errors:
        response["errors"] = [public_error(e, development=development) for e in result.errors]
    return response


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _NulStringFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: Any, *_: Any) -> None:
        self.found = self.found or "\x00" in node.value


class NulCharactersRefused(SchemaExtension):
    """BAD_USER_INPUT for a NUL character in any string argument or variable: PostgreSQL
    cannot store it in text, and no name, note or answer needs it."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        finder = _NulStringFinder()
        # Only a raw NUL or a \u escape in the text can put a NUL into a string literal, so most
        # documents skip the walk over their syntax tree.
        text = execution.query
        if execution.graphql_document is not None and (
            text is None or "\x00" in text or "\\u" in text
        ):
            visit(execution.graphql_document, finder)
        if finder.found or _has_nul(execution.variables):
            error = GraphQLError(
                "Text must not contain NUL characters.", extensions={"code": "BAD_USER_INPUT"}
            )
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


class CostAndRateLimits(SchemaExtension):
    """Before execution: refuse an operation whose estimated cost exceeds
    ``KOC_MAX_QUERY_COST``, then take its cost, plus the work of expensive fields (a password
    check), from the caller's token bucket, and that work from the bucket of what it targets
    (the username); HTTP 429 with ``Retry-After`` when a bucket is short."""

    costs = CostCache()

    async def on_execute(self) -> AsyncIterator[None]:
        refusal = await self._refusal()
        if refusal is not None:
            # A result set before execution is what strawberry returns instead of executing.
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[refusal])
        yield

    async def _refusal(self) -> GraphQLError | None:
        execution = self.execution_context
        context: Context = execution.context
        assert execution.graphql_document is not None
        try:
            cost = self.costs.estimate(
                execution.schema._schema,
                execution.graphql_document,
                execution.operation_name,
                execution.variables,
            )
        except GraphQLError as error:
            return error
        limit = context.settings.max_query_cost
        if cost > limit:
            return GraphQLError(
                f"This operation's estimated cost is {cost}, over the limit of {limit}: ask "
                "for smaller pages or fewer nested lists.",
                extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maxCost": limit},
            )
        capacity = context.settings.rate_limit_capacity
        work = [
            (key, min(points, capacity))
            for key, points in work_of(
                execution.schema._schema,
                execution.graphql_document,
                execution.operation_name,
                execution.variables,
            )
        ]
        client = context.request.client
        caller = caller_key(context.viewer, client.host if client else None)
        charges = (
            [(caller, min(max(cost, 1) + sum(p for _, p in work), capacity))] if caller else []
        )
        for key, points in [*charges, *work]:
            decision = await context.rate_limiter.charge(key, points)
            if not decision.allowed:
                return self._rate_limited(context, decision)
        return None

    @staticmethod
    def _rate_limited(context: Context, decision: Decision) -> GraphQLError:
        context.response.status_code = 429
        context.response.headers["Retry-After"] = str(decision.retry_after)
        return GraphQLError(
            f"Rate limit exceeded: retry in {decision.retry_after} s.",
            extensions={"code": "RATE_LIMITED", "rateLimit": decision.as_extension()},
        )


# In the order they run; koc.graphql.schema adds them to the schema.
SECURITY_EXTENSIONS = (
    TokenLimit,
    DepthAndAliasLimits,
    IntrospectionForStaff,
    ValidationErrorCode,
    NulCharactersRefused,
    CostAndRateLimits,
)
