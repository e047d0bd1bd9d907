"""Who may call: staff accounts, refresh-token families, partner API tokens."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class StaffRole(StrEnum):
    ADMIN = "ADMIN"
    OPERATOR = "OPERATOR"
    ANALYST = "ANALYST"


class PartnerScope(StrEnum):
    """What a partner token may do. Stored as their string values."""

    ORDERS_WRITE = "orders:write"
    EVENTS_WRITE = "events:write"
    MEMBERS_READ = "members:read"
    PRIVILEGES_REDEEM = "privileges:redeem"
    REFERRALS_READ = "referrals:read"
    BADGES_VERIFY = "badges:verify"
    EVENTS_READ = "events:read"
    WEBHOOKS_MANAGE = "webhooks:manage"


class StaffUser(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(StaffRole, max_length=16)
    is_active = fields.BooleanField(default=True)
    failed_login_count = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_user"


class RefreshToken(Model):
    """One refresh token of a rotation family. Only its hash is stored.

    Rotating marks the old row ``rotated_at``. Presenting a rotated token again means it
    leaked, so the whole family is revoked.
    """

    id = fields.IntField(primary_key=True)
    family_id = fields.UUIDField()
    token_hash = fields.CharField(max_length=64, unique=True)
    member = fields.ForeignKeyField("core.Member", related_name=False, null=True)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refresh_token"
        indexes = [Index(fields=("family_id",), name="refresh_token_family_idx")]


class PartnerToken(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.JSONField(default=list)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    created_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partner_token"
