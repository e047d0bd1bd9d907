"""Trusted documents: the GraphQL documents a brand's own apps may run, by SHA-256."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class TrustedDocument(Model):
    """A registered GraphQL document, addressed by the SHA-256 of its exact text"""

    id = fields.IntField(primary_key=True)
    sha256 = fields.CharField(max_length=64, unique=True, description="Hex SHA-256 of document")
    document = fields.TextField()
    created_by = fields.ForeignKeyField(
        "core.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "trusted_document"
