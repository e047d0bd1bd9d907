"""Referral codes, bindings (referrer to referee), milestones, conversions, rewards and points.

A ``Referral`` is the binding of one referee to one referrer (first touch). Orders of the
referee inside the attribution window become ``ReferralConversion`` rows, which earn
``ReferralReward`` rows; points rewards land in the ``PointsEntry`` ledger when issued.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ReferralChannel(StrEnum):
    SHARE = "SHARE"
    POSTER = "POSTER"
    WECOM = "WECOM"
    ORDER = "ORDER"
    STAFF = "STAFF"
    OTHER = "OTHER"


class Milestone(StrEnum):
    LEAD = "LEAD"
    TEST_DRIVE = "TEST_DRIVE"
    DEPOSIT = "DEPOSIT"
    CONVERTED = "CONVERTED"


class StepKind(StrEnum):
    """What happened to a referral. The first four are milestones the referrer sees."""

    LEAD = "LEAD"
    TEST_DRIVE = "TEST_DRIVE"
    DEPOSIT = "DEPOSIT"
    CONVERTED = "CONVERTED"
    REVERSED = "REVERSED"
    REATTRIBUTED = "REATTRIBUTED"
    FLAGGED = "FLAGGED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class RefusalReason(StrEnum):
    SELF_REFERRAL = "SELF_REFERRAL"
    SAME_IDENTITY = "SAME_IDENTITY"
    ALREADY_CUSTOMER = "ALREADY_CUSTOMER"
    REFERRER_PAUSED = "REFERRER_PAUSED"
    REFERRER_BANNED = "REFERRER_BANNED"
    UNKNOWN_CODE = "UNKNOWN_CODE"
    CODE_DISABLED = "CODE_DISABLED"
    ALREADY_BOUND = "ALREADY_BOUND"


class ReviewStatus(StrEnum):
    NONE = "NONE"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class FraudSignal(StrEnum):
    SHARED_UNIONID = "SHARED_UNIONID"
    SHARED_PHONE = "SHARED_PHONE"
    SHARED_DEVICE = "SHARED_DEVICE"
    BURST_HOUR = "BURST_HOUR"
    BURST_DAY = "BURST_DAY"
    LOOP = "LOOP"
    IDLE_REFEREES = "IDLE_REFEREES"
    RISK_RANK = "RISK_RANK"


class ConversionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVERSED = "REVERSED"
    REJECTED = "REJECTED"


class RewardKind(StrEnum):
    POINTS = "POINTS"
    PRIVILEGE = "PRIVILEGE"


class RewardRole(StrEnum):
    REFERRER = "REFERRER"
    REFEREE = "REFEREE"


class RewardStatus(StrEnum):
    PENDING = "PENDING"
    HELD = "HELD"
    ISSUED = "ISSUED"
    REJECTED = "REJECTED"
    CLAWED_BACK = "CLAWED_BACK"
    FAILED = "FAILED"


class PointsReason(StrEnum):
    REFERRAL_REWARD = "REFERRAL_REWARD"
    CLAWBACK = "CLAWBACK"
    MERGE = "MERGE"


class QualifyingOrders(StrEnum):
    FIRST_ORDER = "FIRST_ORDER"
    EVERY_ORDER = "EVERY_ORDER"


class TierPeriod(StrEnum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    ALL_TIME = "ALL_TIME"


class ReferralCode(Model):
    """A code that names a referrer. generated_for holds the member id on the one generated
    code of a member (unique), and is null on vanity codes and on disabled generated codes."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=20, unique=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    vanity = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    generated_for = fields.IntField(null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral_code"
        indexes = [Index(fields=("member_id", "active"), name="referral_code_member_idx")]


class ReferralAccount(Model):
    """Per-member referral state: points balance and whether the member may refer.

    The row is locked (SELECT FOR UPDATE) to serialize the member's ledger writes."""

    id = fields.IntField(primary_key=True)
    member = fields.OneToOneField("core.Member", related_name=False)
    points_balance = fields.BigIntField(default=0)
    negative_since = fields.DatetimeField(null=True)
    koc_status = fields.CharField(max_length=32, default="")
    banned = fields.BooleanField(default=False)
    ban_reason = fields.CharField(max_length=500, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "referral_account"
        indexes = [Index(fields=("negative_since",), name="referral_account_negative_idx")]


class Referral(Model):
    """The binding of a referee to the referrer who brought them (first touch)."""

    id = fields.IntField(primary_key=True)
    referrer = fields.ForeignKeyField("core.Member", related_name=False)
    referee = fields.OneToOneField("core.Member", related_name=False)
    code = fields.CharField(max_length=20)
    channel = fields.CharEnumField(ReferralChannel, max_length=8)
    device_id = fields.CharField(max_length=64, null=True)
    risk_rank = fields.IntField(null=True)
    bound_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    milestone = fields.CharEnumField(Milestone, max_length=16, default=Milestone.LEAD)
    milestone_at = fields.DatetimeField()
    review_status = fields.CharEnumField(ReviewStatus, max_length=8, default=ReviewStatus.NONE)
    fraud_signals = fields.JSONField(default=list)
    reviewed_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    review_note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral"
        indexes = [
            Index(fields=("referrer_id", "bound_at"), name="referral_referrer_idx"),
            Index(fields=("bound_at",), name="referral_bound_idx"),
            Index(fields=("review_status", "bound_at"), name="referral_review_idx"),
            Index(fields=("milestone", "bound_at"), name="referral_milestone_idx"),
            Index(fields=("device_id",), name="referral_device_idx"),
        ]


class ReferralStep(Model):
    """One step in the life of a referral, oldest first."""

    id = fields.IntField(primary_key=True)
    referral = fields.ForeignKeyField("referrals.Referral", related_name=False)
    kind = fields.CharEnumField(StepKind, max_length=16)
    at = fields.DatetimeField()
    order_id = fields.IntField(null=True)
    event_id = fields.IntField(null=True)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    note = fields.CharField(max_length=500, default="")

    class Meta:
        table = "referral_step"
        indexes = [
            Index(fields=("referral_id", "at"), name="referral_step_referral_idx"),
            Index(fields=("kind", "referral_id"), name="referral_step_kind_idx"),
        ]


class ReferralAttempt(Model):
    """Every call to bind a referee, accepted (refusal null) or refused with its reason."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=40)
    referrer = fields.ForeignKeyField("core.Member", related_name=False, null=True)
    referee = fields.ForeignKeyField("core.Member", related_name=False)
    channel = fields.CharEnumField(ReferralChannel, max_length=8)
    device_id = fields.CharField(max_length=64, null=True)
    risk_rank = fields.IntField(null=True)
    refusal = fields.CharEnumField(RefusalReason, max_length=20, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral_attempt"
        indexes = [
            Index(fields=("created_at",), name="referral_attempt_created_idx"),
            Index(fields=("referee_id", "created_at"), name="referral_attempt_referee_idx"),
            Index(fields=("refusal", "created_at"), name="referral_attempt_refusal_idx"),
            Index(fields=("device_id",), name="referral_attempt_device_idx"),
        ]


class ReferralConversion(Model):
    """An order attributed to a referral. At most one per order."""

    id = fields.IntField(primary_key=True)
    referral = fields.ForeignKeyField("referrals.Referral", related_name=False)
    referrer = fields.ForeignKeyField("core.Member", related_name=False)
    referee = fields.ForeignKeyField("core.Member", related_name=False)
    order = fields.OneToOneField("core.Order", related_name=False)
    amount_cents = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    category = fields.CharField(max_length=64)
    occurred_at = fields.DatetimeField()
    status = fields.CharEnumField(ConversionStatus, max_length=8, default=ConversionStatus.ACTIVE)
    ordinal = fields.IntField()
    reversed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral_conversion"
        indexes = [
            Index(fields=("referrer_id", "occurred_at"), name="referral_conv_referrer_idx"),
            Index(fields=("occurred_at", "status"), name="referral_conv_occurred_idx"),
            Index(fields=("referral_id", "status"), name="referral_conv_referral_idx"),
        ]


class ReferralReward(Model):
    """A reward earned by a conversion, held until due_at, then issued by the job."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    conversion = fields.ForeignKeyField("referrals.ReferralConversion", related_name=False)
    referral = fields.ForeignKeyField("referrals.Referral", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    role = fields.CharEnumField(RewardRole, max_length=8)
    kind = fields.CharEnumField(RewardKind, max_length=10)
    points = fields.BigIntField(default=0)
    privilege = fields.CharField(max_length=64, default="")
    tier = fields.IntField()
    status = fields.CharEnumField(RewardStatus, max_length=12)
    due_at = fields.DatetimeField()
    issued_at = fields.DatetimeField(null=True)
    decided_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "referral_reward"
        indexes = [
            Index(fields=("status", "due_at"), name="referral_reward_due_idx"),
            Index(fields=("member_id", "status"), name="referral_reward_member_idx"),
            Index(fields=("conversion_id",), name="referral_reward_conv_idx"),
            Index(fields=("referral_id",), name="referral_reward_referral_idx"),
        ]


class PointsEntry(Model):
    """One change of a member's points: delta, balance after it, why, and a unique key."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    delta = fields.BigIntField()
    balance_after = fields.BigIntField()
    reason = fields.CharEnumField(PointsReason, max_length=16)
    reference = fields.CharField(max_length=64, default="")
    idempotency_key = fields.CharField(max_length=100, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "points_entry"
        indexes = [Index(fields=("member_id", "id"), name="points_entry_member_idx")]


class ReferralProgram(Model):
    """The referral program rules (one row, id 1), edited by staff."""

    id = fields.IntField(primary_key=True)
    qualifying = fields.CharEnumField(
        QualifyingOrders, max_length=12, default=QualifyingOrders.FIRST_ORDER
    )
    min_amount_cents = fields.BigIntField(default=0)
    categories = fields.JSONField(default=list)
    tier_period = fields.CharEnumField(TierPeriod, max_length=8, default=TierPeriod.YEAR)
    tiers = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)
    updated_by = fields.CharField(max_length=100, default="")

    class Meta:
        table = "referral_program"


# referrer_id of the rollup rows that count every order, referred or not.
EVERY_ORDER = 0


class ReferralReportDay(Model):
    """The referral report rollup: orders still standing and their net revenue per day.

    One row per UTC day, currency and category with every order (referrer_id 0) and the part
    of them that referrals brought, and one per referrer with the orders that referrer brought.
    koc.referrals.rollup keeps it in the transaction of every change, so the report reads days
    instead of orders, and rebuilds it from the orders (koc referrals rollup-rebuild)."""

    id = fields.BigIntField(primary_key=True)
    currency = fields.CharField(max_length=3)
    referrer_id = fields.IntField(description="The referrer, or 0 for every order")
    day = fields.DateField()
    category = fields.CharField(max_length=64)
    orders = fields.BigIntField(default=0)
    revenue_cents = fields.BigIntField(default=0)
    referred_orders = fields.BigIntField(default=0)
    referred_revenue_cents = fields.BigIntField(default=0)

    class Meta:
        table = "referral_report_day"
        # currency and referrer first: the report reads the every-order rows of a range, or
        # the referrer rows grouped by referrer, straight from this index.
        unique_together = (("currency", "referrer_id", "day", "category"),)
        indexes = [Index(fields=("referrer_id",), name="referral_report_day_referrer_idx")]
