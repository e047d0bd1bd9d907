import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.referrals.models import (
    ConversionStatus,
    Milestone,
    PointsReason,
    QualifyingOrders,
    ReferralChannel,
    RefusalReason,
    ReviewStatus,
    RewardKind,
    RewardRole,
    RewardStatus,
    StepKind,
    TierPeriod,
)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="PointsEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("delta", fields.BigIntField()),
                ("balance_after", fields.BigIntField()),
                (
                    "reason",
                    fields.CharEnumField(
                        description="REFERRAL_REWARD: REFERRAL_REWARD\nCLAWBACK: CLAWBACK\nMERGE: MERGE",
                        enum_type=PointsReason,
                        max_length=16,
                    ),
                ),
                ("reference", fields.CharField(default="", max_length=64)),
                ("idempotency_key", fields.CharField(unique=True, max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "points_entry",
                "app": "referrals",
                "indexes": [Index(fields=["member_id", "id"], name="points_entry_member_idx")],
                "pk_attr": "id",
                "table_description": "One change of a member's points: delta, balance after it, why, and a unique key.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Referral",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "referrer",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="referrer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "referee",
                    fields.OneToOneField(
                        "core.Member",
                        source_field="referee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code", fields.CharField(max_length=20)),
                (
                    "channel",
                    fields.CharEnumField(
                        description="SHARE: SHARE\nPOSTER: POSTER\nWECOM: WECOM\nORDER: ORDER\nSTAFF: STAFF\nOTHER: OTHER",
                        enum_type=ReferralChannel,
                        max_length=8,
                    ),
                ),
                ("device_id", fields.CharField(null=True, max_length=64)),
                ("risk_rank", fields.IntField(null=True)),
                ("bound_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "milestone",
                    fields.CharEnumField(
                        default=Milestone.LEAD,
                        description="LEAD: LEAD\nTEST_DRIVE: TEST_DRIVE\nDEPOSIT: DEPOSIT\nCONVERTED: CONVERTED",
                        enum_type=Milestone,
                        max_length=16,
                    ),
                ),
                ("milestone_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "review_status",
                    fields.CharEnumField(
                        default=ReviewStatus.NONE,
                        description="NONE: NONE\nPENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED",
                        enum_type=ReviewStatus,
                        max_length=8,
                    ),
                ),
                (
                    "fraud_signals",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "reviewed_by",
                    fields.ForeignKeyField(
                        "core.StaffUser",
                        source_field="reviewed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("review_note", fields.CharField(default="", max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "referral",
                "app": "referrals",
                "indexes": [
                    Index(fields=["referrer_id", "bound_at"], name="referral_referrer_idx"),
                    Index(fields=["bound_at"], name="referral_bound_idx"),
                    Index(fields=["review_status", "bound_at"], name="referral_review_idx"),
                    Index(fields=["milestone", "bound_at"], name="referral_milestone_idx"),
                    Index(fields=["device_id"], name="referral_device_idx"),
                ],
                "pk_attr": "id",
                "table_description": "The binding of a referee to the referrer who brought them (first touch).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralAccount",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "member",
                    fields.OneToOneField(
                        "core.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("points_balance", fields.BigIntField(default=0)),
                (
                    "negative_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("koc_status", fields.CharField(default="", max_length=32)),
                ("banned", fields.BooleanField(default=False)),
                ("ban_reason", fields.CharField(default="", max_length=500)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "referral_account",
                "app": "referrals",
                "indexes": [Index(fields=["negative_since"], name="referral_account_negative_idx")],
                "pk_attr": "id",
                "table_description": "Per-member referral state: points balance and whether the member may refer.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralAttempt",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("code", fields.CharField(max_length=40)),
                (
                    "referrer",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="referrer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "referee",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="referee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="SHARE: SHARE\nPOSTER: POSTER\nWECOM: WECOM\nORDER: ORDER\nSTAFF: STAFF\nOTHER: OTHER",
                        enum_type=ReferralChannel,
                        max_length=8,
                    ),
                ),
                ("device_id", fields.CharField(null=True, max_length=64)),
                ("risk_rank", fields.IntField(null=True)),
                (
                    "refusal",
                    fields.CharEnumField(
                        null=True,
                        description="SELF_REFERRAL: SELF_REFERRAL\nSAME_IDENTITY: SAME_IDENTITY\nALREADY_CUSTOMER: ALREADY_CUSTOMER\nREFERRER_PAUSED: REFERRER_PAUSED\nREFERRER_BANNED: REFERRER_BANNED\nUNKNOWN_CODE: UNKNOWN_CODE\nCODE_DISABLED: CODE_DISABLED\nALREADY_BOUND: ALREADY_BOUND",
                        enum_type=RefusalReason,
                        max_length=20,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "referral_attempt",
                "app": "referrals",
                "indexes": [
                    Index(fields=["created_at"], name="referral_attempt_created_idx"),
                    Index(fields=["referee_id", "created_at"], name="referral_attempt_referee_idx"),
                    Index(fields=["refusal", "created_at"], name="referral_attempt_refusal_idx"),
                    Index(fields=["device_id"], name="referral_attempt_device_idx"),
                ],
                "pk_attr": "id",
                "table_description": "Every call to bind a referee, accepted (refusal null) or refused with its reason.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralCode",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=20)),
                (
                    "member",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("vanity", fields.BooleanField(default=False)),
                ("active", fields.BooleanField(default=True)),
                ("generated_for", fields.IntField(null=True, unique=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "referral_code",
                "app": "referrals",
                "indexes": [Index(fields=["member_id", "active"], name="referral_code_member_idx")],
                "pk_attr": "id",
                "table_description": "A code that names a referrer. generated_for holds the member id on the one generated",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralConversion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "referral",
                    fields.ForeignKeyField(
                        "referrals.Referral",
                        source_field="referral_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "referrer",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="referrer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "referee",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="referee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "order",
                    fields.OneToOneField(
                        "core.Order",
                        source_field="order_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("amount_cents", fields.BigIntField()),
                ("currency", fields.CharField(max_length=3)),
                ("category", fields.CharField(max_length=64)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ConversionStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nREVERSED: REVERSED\nREJECTED: REJECTED",
                        enum_type=ConversionStatus,
                        max_length=8,
                    ),
                ),
                ("ordinal", fields.IntField()),
                (
                    "reversed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "referral_conversion",
                "app": "referrals",
                "indexes": [
                    Index(fields=["referrer_id", "occurred_at"], name="referral_conv_referrer_idx"),
                    Index(fields=["occurred_at", "status"], name="referral_conv_occurred_idx"),
                    Index(fields=["referral_id"], name="referral_conv_referral_idx"),
                ],
                "pk_attr": "id",
                "table_description": "An order attributed to a referral. At most one per order.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralProgram",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "qualifying",
                    fields.CharEnumField(
                        default=QualifyingOrders.FIRST_ORDER,
                        description="FIRST_ORDER: FIRST_ORDER\nEVERY_ORDER: EVERY_ORDER",
                        enum_type=QualifyingOrders,
                        max_length=12,
                    ),
                ),
                ("min_amount_cents", fields.BigIntField(default=0)),
                (
                    "categories",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "tier_period",
                    fields.CharEnumField(
                        default=TierPeriod.YEAR,
                        description="MONTH: MONTH\nQUARTER: QUARTER\nYEAR: YEAR\nALL_TIME: ALL_TIME",
                        enum_type=TierPeriod,
                        max_length=8,
                    ),
                ),
                (
                    "tiers",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("updated_by", fields.CharField(default="", max_length=100)),
            ],
            options={
                "table": "referral_program",
                "app": "referrals",
                "pk_attr": "id",
                "table_description": "The referral program rules (one row, id 1), edited by staff.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralReward",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("key", fields.CharField(unique=True, max_length=64)),
                (
                    "conversion",
                    fields.ForeignKeyField(
                        "referrals.ReferralConversion",
                        source_field="conversion_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "referral",
                    fields.ForeignKeyField(
                        "referrals.Referral",
                        source_field="referral_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "core.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="REFERRER: REFERRER\nREFEREE: REFEREE",
                        enum_type=RewardRole,
                        max_length=8,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="POINTS: POINTS\nPRIVILEGE: PRIVILEGE",
                        enum_type=RewardKind,
                        max_length=10,
                    ),
                ),
                ("points", fields.BigIntField(default=0)),
                ("privilege", fields.CharField(default="", max_length=64)),
                ("tier", fields.IntField()),
                (
                    "status",
                    fields.CharEnumField(
                        description="PENDING: PENDING\nHELD: HELD\nISSUED: ISSUED\nREJECTED: REJECTED\nCLAWED_BACK: CLAWED_BACK\nFAILED: FAILED",
                        enum_type=RewardStatus,
                        max_length=12,
                    ),
                ),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("issued_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "decided_by",
                    fields.ForeignKeyField(
                        "core.StaffUser",
                        source_field="decided_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("note", fields.CharField(default="", max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "referral_reward",
                "app": "referrals",
                "indexes": [
                    Index(fields=["status", "due_at"], name="referral_reward_due_idx"),
                    Index(fields=["member_id", "status"], name="referral_reward_member_idx"),
                    Index(fields=["conversion_id"], name="referral_reward_conv_idx"),
                    Index(fields=["referral_id"], name="referral_reward_referral_idx"),
                ],
                "pk_attr": "id",
                "table_description": "A reward earned by a conversion, held until due_at, then issued by the job.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReferralStep",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "referral",
                    fields.ForeignKeyField(
                        "referrals.Referral",
                        source_field="referral_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="LEAD: LEAD\nTEST_DRIVE: TEST_DRIVE\nDEPOSIT: DEPOSIT\nCONVERTED: CONVERTED\nREVERSED: REVERSED\nREATTRIBUTED: REATTRIBUTED\nFLAGGED: FLAGGED\nAPPROVED: APPROVED\nREJECTED: REJECTED",
                        enum_type=StepKind,
                        max_length=16,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("order_id", fields.IntField(null=True)),
                ("event_id", fields.IntField(null=True)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "core.StaffUser",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("note", fields.CharField(default="", max_length=500)),
            ],
            options={
                "table": "referral_step",
                "app": "referrals",
                "indexes": [
                    Index(fields=["referral_id", "at"], name="referral_step_referral_idx"),
                    Index(fields=["kind", "referral_id"], name="referral_step_kind_idx"),
                ],
                "pk_attr": "id",
                "table_description": "One step in the life of a referral, oldest first.",
            },
            bases=["Model"],
        ),
    ]
