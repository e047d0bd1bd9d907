"""What PIPL asks a brand to keep besides consent (``koc.consent``): erasure requests, and who
read which member's sensitive data."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ErasureStatus(StrEnum):
    PENDING = "PENDING"  # cooling off; the member may still cancel
    CANCELLED = "CANCELLED"
    DONE = "DONE"


class ErasureChannel(StrEnum):
    MEMBER = "MEMBER"  # the member asked in the mini-program
    STAFF = "STAFF"  # an admin erased on the member's request
    RETENTION = "RETENTION"  # a prospect kept past the retention period


class AccessField(StrEnum):
    PHONE = "PHONE"
    UNIONID = "UNIONID"
    DATA_EXPORT = "DATA_EXPORT"


class ErasureRequest(Model):
    """A request to erase a member, its cooling-off period and its outcome."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    status = fields.CharEnumField(ErasureStatus, max_length=16)
    channel = fields.CharEnumField(ErasureChannel, max_length=16)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reason = fields.CharField(max_length=500, default="")
    requested_at = fields.DatetimeField()
    due_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "privacy_erasure_request"
        indexes = [
            Index(fields=("status", "due_at"), name="privacy_erasure_due_idx"),
            Index(fields=("member_id", "requested_at"), name="privacy_erasure_member_idx"),
        ]


class AccessRecord(Model):
    """One read of the unmasked phone or unionid of a member, or an export of their data."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    field = fields.CharEnumField(AccessField, max_length=16)
    reason = fields.CharField(max_length=200)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    partner = fields.ForeignKeyField("core.PartnerToken", related_name=False, null=True)
    actor = fields.CharField(max_length=100, description="Staff username or partner name")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "privacy_access_record"
        indexes = [
            Index(fields=("created_at",), name="privacy_access_created_idx"),
            Index(fields=("member_id", "created_at"), name="privacy_access_member_idx"),
        ]
