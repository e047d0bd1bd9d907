"""Registering trusted documents (ADMIN)."""

from __future__ import annotations

import strawberry

from koc.auth.viewer import StaffViewer
from koc.graphql.boundary import MaxLength
from koc.graphql.context import Info
from koc.graphql.errors import error_type
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsAdmin
from koc.security import services
from koc.security.errors import TrustedDocumentErrorCode

# A document is at most MAX_TOKENS (2,000) tokens; long names and string literals make that up
# to tens of thousands of characters.
MAX_DOCUMENT_LENGTH = 100_000

TrustedDocumentError = error_type(
    "TrustedDocumentError", TrustedDocumentErrorCode, "Why documents could not be registered."
)


@strawberry.input(description="One GraphQL document and its id.")
class TrustedDocumentInput:
    sha256: str = strawberry.field(
        description="The hex SHA-256 of the document's exact UTF-8 text (64 lowercase digits)."
    )
    document: str = strawberry.field(
        description="The GraphQL document, as the app sends it.",
        directives=[MaxLength(chars=MAX_DOCUMENT_LENGTH)],
    )


@strawberry.input(description="Documents to register, as built by the app (e.g. graphql-codegen).")
class TrustedDocumentsAddInput:
    documents: list[TrustedDocumentInput] = strawberry.field(
        description="At most 1,000 documents; each must be valid against the current schema."
    )


@strawberry.type(description="Result of trustedDocumentsAdd.")
class TrustedDocumentsAddPayload(Payload[TrustedDocumentError]):
    added_count: int = strawberry.field(default=0, description="Documents newly registered.")
    known_count: int = strawberry.field(default=0, description="Documents already registered.")


@strawberry.type
class Mutation:
    @mutation(
        allow=IsAdmin,
        description="Register the documents the mini-program and partner apps may run when "
        "KOC_TRUSTED_DOCUMENTS=required; they send `extensions.persistedQuery.sha256Hash` "
        "instead of the document (ADMIN).",
    )
    async def trusted_documents_add(
        self, info: Info, viewer: StaffViewer, input: TrustedDocumentsAddInput
    ) -> TrustedDocumentsAddPayload:
        documents = [(d.sha256, d.document) for d in input.documents]
        added, known = await services.add_trusted_documents(
            documents, info.schema._schema, actor=viewer
        )
        return TrustedDocumentsAddPayload(added_count=added, known_count=known)
