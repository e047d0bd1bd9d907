"""Privileges, who was granted them, how they were used, and seats at events."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class PrivilegeKind(StrEnum):
    DISCOUNT = "DISCOUNT"
    AFTER_SALES = "AFTER_SALES"
    GIFT = "GIFT"
    EVENT = "EVENT"
    TICKET = "TICKET"
    SERVICE = "SERVICE"
    OTHER = "OTHER"


# Kinds whose stock is seats: taken by an RSVP, given back by a cancellation, used by check-in.
SEATED = frozenset({PrivilegeKind.EVENT, PrivilegeKind.TICKET})


class EligibilityMatch(StrEnum):
    """How a privilege's eligibility conditions combined before audience rules replaced them;
    migrations 0001 and 0003 (which converts them into rules) still name it."""

    ANY = "ANY"
    ALL = "ALL"


class Channel(StrEnum):
    ONLINE = "ONLINE"
    STORE = "STORE"
    BOTH = "BOTH"


class QuotaPeriod(StrEnum):
    MONTH = "MONTH"
    YEAR = "YEAR"
    LIFETIME = "LIFETIME"


class GrantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class GrantSource(StrEnum):
    AUTO = "AUTO"
    MANUAL = "MANUAL"


class RedeemedVia(StrEnum):
    MEMBER = "MEMBER"
    STAFF = "STAFF"
    PARTNER = "PARTNER"


class RsvpStatus(StrEnum):
    RESERVED = "RESERVED"
    CANCELLED = "CANCELLED"
    CHECKED_IN = "CHECKED_IN"


class Privilege(Model):
    """An exclusive right. Who receives it automatically is its audience, a rule of the segment
    language or a saved segment (koc.members.audience); with neither it is granted by staff
    only."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=64)
    description = fields.TextField(default="")
    kind = fields.CharEnumField(PrivilegeKind, max_length=16)
    audience_rule = fields.JSONField(null=True)
    audience_segment = fields.ForeignKeyField(
        "segments.Segment", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    total_stock = fields.IntField(null=True)
    remaining_stock = fields.IntField(null=True)
    quota = fields.IntField(default=1)
    quota_period = fields.CharEnumField(QuotaPeriod, max_length=8, default=QuotaPeriod.LIFETIME)
    channel = fields.CharEnumField(Channel, max_length=8, default=Channel.BOTH)
    grant_days = fields.IntField(null=True, description="Days a grant lasts, null for the window")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "privilege"
        indexes = [
            Index(fields=("kind", "id"), name="privilege_kind_idx"),
            Index(fields=("active", "id"), name="privilege_active_idx"),
        ]


class PrivilegeGrant(Model):
    """The right of a member to a privilege: one row per (member, privilege).

    ``withdrawn`` marks a grant revoked by the eligibility rules (not by staff), which the
    rules give back when the member qualifies again.
    """

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    privilege = fields.ForeignKeyField("privileges.Privilege", related_name=False)
    status = fields.CharEnumField(GrantStatus, max_length=8, default=GrantStatus.ACTIVE)
    source = fields.CharEnumField(GrantSource, max_length=8)
    reason = fields.CharField(max_length=500, default="")
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    granted_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    redeemed_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    withdrawn = fields.BooleanField(default=False)

    class Meta:
        table = "privilege_grant"
        unique_together = (("member_id", "privilege_id"),)
        indexes = [
            Index(
                fields=("privilege_id", "status", "member_id"), name="privilege_grant_status_idx"
            ),
            Index(fields=("privilege_id", "granted_at"), name="privilege_grant_granted_idx"),
            Index(fields=("status", "expires_at"), name="privilege_grant_expiry_idx"),
        ]


class PrivilegeUsage(Model):
    """Uses of a privilege by a member in one quota period. The quota check is a conditional
    increment of ``used`` on this row."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    privilege = fields.ForeignKeyField("privileges.Privilege", related_name=False)
    period_key = fields.CharField(max_length=8)
    used = fields.IntField(default=0)

    class Meta:
        table = "privilege_usage"
        unique_together = (("member_id", "privilege_id", "period_key"),)


class PrivilegeRedemption(Model):
    """One use of a privilege. ``idempotency_key`` is unique per member: a retried or
    re-scanned redemption finds this row instead of using the privilege again."""

    id = fields.IntField(primary_key=True)
    grant = fields.ForeignKeyField("privileges.PrivilegeGrant", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    privilege = fields.ForeignKeyField("privileges.Privilege", related_name=False)
    idempotency_key = fields.CharField(max_length=100)
    channel = fields.CharEnumField(Channel, max_length=8)
    via = fields.CharEnumField(RedeemedVia, max_length=8)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    partner = fields.ForeignKeyField("core.PartnerToken", related_name=False, null=True)
    period_key = fields.CharField(max_length=8)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "privilege_redemption"
        unique_together = (("member_id", "idempotency_key"),)
        indexes = [
            Index(fields=("privilege_id", "created_at"), name="privilege_redemption_priv_idx"),
            Index(fields=("grant_id",), name="privilege_redemption_grant_idx"),
        ]


class PrivilegeRsvp(Model):
    """A seat at an EVENT or TICKET privilege, one per grant."""

    id = fields.IntField(primary_key=True)
    grant = fields.ForeignKeyField("privileges.PrivilegeGrant", related_name=False, unique=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    privilege = fields.ForeignKeyField("privileges.Privilege", related_name=False)
    status = fields.CharEnumField(RsvpStatus, max_length=12)
    reserved_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "privilege_rsvp"
        constraints = [UniqueConstraint(fields=("grant_id",), name="privilege_rsvp_grant_uniq")]
        indexes = [Index(fields=("privilege_id", "status"), name="privilege_rsvp_status_idx")]
