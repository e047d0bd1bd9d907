"""The root schema, composed from each feature's Query and Mutation: a feature is one line."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry import relay
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.relay.fields import NodeExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from koc.advisory.graphql import mutations as advisory_mutations
from koc.advisory.graphql import queries as advisory_queries
from koc.audit.graphql import queries as audit_queries
from koc.auth.graphql import mutations as auth_mutations
from koc.auth.graphql import queries as auth_queries
from koc.auth.graphql import staff as staff_mutations
from koc.badges.graphql import mutations as badge_mutations
from koc.badges.graphql import queries as badge_queries
from koc.creators.graphql import mutations as creator_mutations
from koc.creators.graphql import queries as creator_queries
from koc.dbfaults import FAULT_MESSAGES, RETRY_AFTER_SECONDS, database_fault
from koc.graphql.boundary import NODE_TYPES
from koc.graphql.fastexec import FastExecutionContext
from koc.graphql.lean import use_lean_resolvers
from koc.graphql.mutations import DomainErrorsAsBadInput
from koc.graphql.observe import RecordOperation, is_unexpected, log_errors
from koc.graphql.permissions import IsSignedIn
from koc.graphql.scalars import SCALAR_MAP
from koc.livecodes.graphql import mutations as live_code_mutations
from koc.livecodes.graphql import queries as live_code_queries
from koc.logs import request_id
from koc.members.graphql import mutations as member_mutations
from koc.members.graphql import queries as member_queries
from koc.notifications.graphql import mutations as notification_mutations
from koc.notifications.graphql import queries as notification_queries
from koc.orders.graphql import batch as order_batch
from koc.orders.graphql import mutations as order_mutations
from koc.privacy.graphql import mutations as privacy_mutations
from koc.privacy.graphql import queries as privacy_queries
from koc.privileges.graphql import mutations as privilege_mutations
from koc.privileges.graphql import queries as privilege_queries
from koc.referrals.graphql import mutations as referral_mutations
from koc.referrals.graphql import queries as referral_queries
from koc.security.graphql import mutations as security_mutations
from koc.security.graphql.extensions import SECURITY_EXTENSIONS
from koc.segments.graphql import mutations as segment_mutations
from koc.segments.graphql import queries as segment_queries
from koc.surveys.graphql import mutations as survey_mutations
from koc.surveys.graphql import queries as survey_queries
from koc.webhooks.graphql import mutations as webhook_mutations
from koc.webhooks.graphql import queries as webhook_queries
from koc.worker.graphql import queries as worker_queries

QUERIES = (
    badge_queries.Query,
    privilege_queries.Query,
    member_queries.Query,
    auth_queries.Query,
    audit_queries.Query,
    creator_queries.Query,
    referral_queries.Query,
    survey_queries.Query,
    privacy_queries.Query,
    live_code_queries.Query,
    advisory_queries.Query,
    notification_queries.Query,
    worker_queries.Query,
    webhook_queries.Query,
    segment_queries.Query,
)
MUTATIONS = (
    badge_mutations.Mutation,
    privilege_mutations.Mutation,
    auth_mutations.Mutation,
    staff_mutations.Mutation,
    member_mutations.Mutation,
    order_mutations.Mutation,
    order_batch.Mutation,
    creator_mutations.Mutation,
    security_mutations.Mutation,
    referral_mutations.Mutation,
    survey_mutations.Mutation,
    privacy_mutations.Mutation,
    webhook_mutations.Mutation,
    live_code_mutations.Mutation,
    advisory_mutations.Mutation,
    segment_mutations.Mutation,
    notification_mutations.Mutation,
)


@strawberry.type(description="Everything koc can answer.")
class Query(*QUERIES):  # type: ignore[misc]
    node: relay.Node | None = relay.node(
        description="Any object by its global ID; the caller must be allowed to read it.",
        permission_classes=[IsSignedIn],
    )


@strawberry.type(description="Everything koc can change.")
class Mutation(*MUTATIONS):  # type: ignore[misc]
    pass


# relay's node field is not written with @query: its ID passes the same boundary checks, after
# NodeExtension has given the field its resolver (and so its argument).
_node = next(f for f in Query.__strawberry_definition__.fields if f.python_name == "node")
_node.extensions.insert(
    next(i for i, e in enumerate(_node.extensions) if isinstance(e, NodeExtension)) + 1,
    DomainErrorsAsBadInput(wants_viewer=False),
)


class MaskUnexpectedErrors(MaskErrors):
    """Hide the message of unexpected errors, except when ``KOC_ENV=development``; the masked
    error keeps a code and the request id, which the log line of its traceback carries too."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id.get()}
        return masked

    def _process_result(self, result: object) -> None:
        # strawberry first tests the result against a runtime-checkable Protocol, a slow
        # isinstance (about 1 % of a home request); a result without errors has nothing to mask
        if getattr(result, "errors", None):
            super()._process_result(result)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = self.execution_context.context
        if getattr(getattr(context, "settings", None), "is_development", False):
            return errors
        return super()._process_errors(errors)


class KocSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry logs every error with a traceback; a refusal deserves one line.
        log_errors(errors)


class DatabaseFaults(SchemaExtension):
    """An operation that failed because the database cannot answer now (unreachable, or SQLite's
    write lock held too long by another process) gets HTTP 503 and a code saying so, with
    ``Retry-After``, rather than a masked bug."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        faults = [
            database_fault(e.original_error) if e.original_error else None for e in result.errors
        ]
        if not any(faults):
            return
        result.errors = [
            GraphQLError(FAULT_MESSAGES[fault], e.nodes, path=e.path, extensions={"code": fault})
            if fault
            else e
            for e, fault in zip(result.errors, faults, strict=True)
        ]
        response = self.execution_context.context.response
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


# One schema per process: its fields are bound once, and per-request behaviour comes from the
# context (settings, viewer).
schema = KocSchema(
    query=Query,
    mutation=Mutation,
    # DatabaseFaults after MaskUnexpectedErrors: extensions finish in reverse order, so it sees
    # the errors before they are masked.
    extensions=[
        MaskUnexpectedErrors,
        DatabaseFaults,
        RecordOperation,
        *SECURITY_EXTENSIONS,
        ParserCache,
        ValidationCache,
    ],
    config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    # plain attribute fields read without graphql-core's per-field path (koc.graphql.fastexec)
    execution_context_class=FastExecutionContext,
)
# Resolvers that need none of strawberry's per-call machinery are called directly.
use_lean_resolvers(schema._schema, schema.config)
NODE_TYPES.update(
    t.name
    for t in schema._schema.type_map.values()
    if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
)
