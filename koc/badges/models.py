"""Badge definitions, who holds them, and the per-member signals the award rules count."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class BadgeRule(StrEnum):
    """How a badge is earned. Every rule but MANUAL is checked when its signal changes."""

    MANUAL = "MANUAL"
    REFERRALS_CONVERTED = "REFERRALS_CONVERTED"
    SUBMISSIONS_APPROVED = "SUBMISSIONS_APPROVED"
    EVENTS_ATTENDED = "EVENTS_ATTENDED"
    YEARS_SINCE_FIRST_ORDER = "YEARS_SINCE_FIRST_ORDER"
    KOC_ROLE = "KOC_ROLE"


class SignalKind(StrEnum):
    """A counted fact about a member, recorded once per source (an order, a submission...)."""

    REFERRAL_CONVERTED = "REFERRAL_CONVERTED"
    SUBMISSION_APPROVED = "SUBMISSION_APPROVED"
    EVENT_ATTENDED = "EVENT_ATTENDED"


class AwardSource(StrEnum):
    RULE = "RULE"
    STAFF = "STAFF"


class AwardAction(StrEnum):
    AWARD = "AWARD"
    REVOKE = "REVOKE"


class Badge(Model):
    """One level of a badge family, e.g. the silver level of the Ambassador family."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    family = fields.CharField(max_length=64)
    level = fields.IntField(default=1)
    name = fields.CharField(max_length=64)
    description = fields.TextField(default="")
    image_url = fields.CharField(max_length=500, default="")
    visible = fields.BooleanField(default=True, description="Shown to members before earned")
    rule = fields.CharEnumField(BadgeRule, max_length=32, default=BadgeRule.MANUAL)
    threshold = fields.IntField(default=0)
    koc_role = fields.CharField(max_length=32, default="", description="KOC_ROLE rule role")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "badge"
        unique_together = (("family", "level"),)
        indexes = [Index(fields=("rule", "active"), name="badge_rule_idx")]


class BadgeHolding(Model):
    """A member holding a badge: one row per (member, badge), so an award happens once.

    Revoking sets ``revoked_at`` and keeps the row. The full story is in BadgeAwardEvent.
    """

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    badge = fields.ForeignKeyField("badges.Badge", related_name=False)
    source = fields.CharEnumField(AwardSource, max_length=8)
    reason = fields.CharField(max_length=500, default="")
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    awarded_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "badge_holding"
        unique_together = (("member_id", "badge_id"),)
        indexes = [Index(fields=("badge_id", "revoked_at"), name="badge_holding_badge_idx")]


class BadgeAwardEvent(Model):
    """Every award and revocation, with who or which rule and why."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    badge = fields.ForeignKeyField("badges.Badge", related_name=False)
    action = fields.CharEnumField(AwardAction, max_length=8)
    source = fields.CharEnumField(AwardSource, max_length=8)
    reason = fields.CharField(max_length=500, default="")
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "badge_award_event"
        indexes = [Index(fields=("member_id", "id"), name="badge_award_event_member_idx")]


class MemberSignal(Model):
    """One counted fact (a converted referral, an approved submission, an attended event).

    Unique per source, so a hook that fires twice for the same thing counts it once.
    """

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    kind = fields.CharEnumField(SignalKind, max_length=24)
    source_key = fields.CharField(max_length=64)
    subject_id = fields.BigIntField(description="What is counted distinctly, e.g. the referee")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "badge_member_signal"
        unique_together = (("member_id", "kind", "source_key"),)
        indexes = [Index(fields=("kind", "member_id"), name="badge_member_signal_kind_idx")]


class MemberKocRole(Model):
    """A KOC role the member holds now (kept from koc_status_changed, none unless ACTIVE)."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    role = fields.CharField(max_length=32)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "badge_member_koc_role"
        unique_together = (("member_id", "role"),)
        indexes = [Index(fields=("role", "member_id"), name="badge_member_koc_role_role_idx")]
