"""Trusted documents: register the documents a brand's apps send, and resolve a request's
document id (Apollo's ``extensions.persistedQuery.sha256Hash``) to its text.

A document is addressed by the SHA-256 of its exact UTF-8 text, so a registered hash can only
ever mean one document: lookups are cached in memory for good.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError, GraphQLSchema, parse, validate
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import MemberViewer, PartnerViewer, StaffViewer, Viewer
from koc.errors import DomainError, DomainErrors
from koc.security.errors import DocumentRefused, TrustedDocumentErrorCode
from koc.security.limits import MAX_TOKENS
from koc.security.models import TrustedDocument
from koc.settings import TrustedDocumentsMode

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_DOCUMENTS_PER_CALL = 1_000
CACHE_SIZE = 10_000

_cache: dict[str, str] = {}


def document_hash(document: str) -> str:
    """The id of a document: the hex SHA-256 of its exact UTF-8 text."""
    return hashlib.sha256(document.encode()).hexdigest()


def parse_manifest(text: str, filename: str) -> list[tuple[str, str]]:
    """The (hash, document) pairs of a manifest file.

    ``*.graphql`` / ``*.gql``: the file is one document. Anything else: a JSON object
    ``{"<sha256>": "<document>", ...}`` (graphql-codegen's ``persisted-documents.json``).
    """
    if filename.endswith((".graphql", ".gql")):
        return [(document_hash(text), text)]
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DomainError(
            TrustedDocumentErrorCode.INVALID, f"The manifest is not JSON: {exc}", "documents"
        ) from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise DomainError(
            TrustedDocumentErrorCode.INVALID,
            'The manifest must be a JSON object {"<sha256>": "<document>"}.',
            "documents",
        )
    return list(data.items())


def document_problems(schema: GraphQLSchema, document: str) -> list[str]:
    """Why ``document`` cannot run against ``schema`` (empty when it can)."""
    try:
        ast = parse(document, max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        return [exc.message]
    return [error.message for error in validate(schema, ast)]


async def add_trusted_documents(
    documents: Sequence[tuple[str, str]], schema: GraphQLSchema, *, actor: StaffViewer | None
) -> tuple[int, int]:
    """Register ``documents`` ((hash, text) pairs), all or none; returns (added, already known).

    Each hash must be the SHA-256 of its document and each document must be valid against
    ``schema``.
    """
    if not documents:
        raise DomainError(
            TrustedDocumentErrorCode.INVALID, "Give at least one document.", "documents"
        )
    if len(documents) > MAX_DOCUMENTS_PER_CALL:
        raise DomainError(
            TrustedDocumentErrorCode.TOO_MANY,
            f"Register at most {MAX_DOCUMENTS_PER_CALL} documents at a time.",
            "documents",
        )
    errors: list[DomainError] = []
    for index, (sha256, document) in enumerate(documents):
        field = f"documents.{index}"
        if not SHA256_RE.match(sha256):
            errors.append(
                DomainError(
                    TrustedDocumentErrorCode.INVALID,
                    "sha256 must be 64 lowercase hexadecimal digits.",
                    f"{field}.sha256",
                )
            )
        elif document_hash(document) != sha256:
            errors.append(
                DomainError(
                    TrustedDocumentErrorCode.HASH_MISMATCH,
                    f"{sha256} is not the SHA-256 of its document.",
                    f"{field}.sha256",
                )
            )
        elif problems := document_problems(schema, document):
            errors.append(
                DomainError(
                    TrustedDocumentErrorCode.INVALID_DOCUMENT,
                    " ".join(problems),
                    f"{field}.document",
                )
            )
    if errors:
        raise DomainErrors(errors)
    by_hash = dict(documents)
    async with in_transaction():
        known = set(
            await TrustedDocument.filter(sha256__in=list(by_hash)).values_list("sha256", flat=True)
        )
        new = [sha256 for sha256 in by_hash if sha256 not in known]
        await TrustedDocument.bulk_create(
            [
                TrustedDocument(
                    sha256=sha256,
                    document=by_hash[sha256],
                    created_by_id=actor.staff_id if actor else None,
                )
                for sha256 in new
            ],
            ignore_conflicts=True,
        )
        await audit.record(
            actor,
            "trusted_documents.add",
            "TrustedDocument",
            after={"added": new},
            actor_label="cli",
        )
    return len(new), len(known)


async def trusted_document(sha256: str) -> str | None:
    """The registered document with this hash, or None."""
    if (document := _cache.get(sha256)) is not None:
        return document
    row = await TrustedDocument.get_or_none(sha256=sha256)
    if row is None:
        return None
    if len(_cache) >= CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    _cache[sha256] = row.document
    return row.document


def may_send_free_form(mode: TrustedDocumentsMode, viewer: Viewer) -> bool:
    """Whether ``viewer`` may send a document that is not registered.

    Only members and partners are held to registered documents: staff work in GraphiQL, and
    anonymous callers can reach nothing but the sign-in mutations (staff sign in before they
    have a token).
    """
    return mode is not TrustedDocumentsMode.REQUIRED or not isinstance(
        viewer, MemberViewer | PartnerViewer
    )


def _requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        raise DocumentRefused(
            "BAD_REQUEST",
            "extensions.persistedQuery.sha256Hash must be 64 lowercase hexadecimal digits.",
        )
    return sha256


async def resolve_document(
    mode: TrustedDocumentsMode,
    viewer: Viewer,
    query: str | None,
    extensions: Mapping[str, Any] | None,
) -> str | None:
    """The document a request runs: its registered document when it names one by hash,
    else its own ``query``. Raises ``DocumentRefused`` when the request may not run."""
    sha256 = _requested_hash(extensions)
    if sha256 is not None:
        if mode is TrustedDocumentsMode.OFF:
            raise DocumentRefused(
                "PERSISTED_QUERY_NOT_SUPPORTED", "Trusted documents are switched off; send query."
            )
        if query is not None and document_hash(query) != sha256:
            raise DocumentRefused("BAD_REQUEST", "The sha256Hash is not the SHA-256 of query.")
        if (document := await trusted_document(sha256)) is not None:
            return document
        if query is None:
            raise DocumentRefused("PERSISTED_QUERY_NOT_FOUND", "No document has this hash.")
    if query is not None and not may_send_free_form(mode, viewer):
        raise DocumentRefused(
            "TRUSTED_DOCUMENT_REQUIRED",
            "Send the hash of a registered document in extensions.persistedQuery.sha256Hash.",
        )
    return query
