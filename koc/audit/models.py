from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class AuditEntry(Model):
    """Who changed what, when, with the state of the object before and after."""

    id = fields.BigIntField(primary_key=True)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    actor = fields.CharField(max_length=100)
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=64)
    object_id = fields.CharField(max_length=64, null=True)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_entry"
        indexes = [
            Index(fields=("created_at",), name="audit_entry_created_idx"),
            Index(fields=("action", "created_at"), name="audit_entry_action_idx"),
        ]
