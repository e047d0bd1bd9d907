"""Who serves a member one-to-one, how that changed, and every contact (follow-up).

The current owner is ``Member.owner`` (members feature), so that an ADVISOR's scope is one
indexed condition on the member table; this feature keeps the history of owners, the routes
that assign new members, and the follow-ups.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class OwnerChangeReason(StrEnum):
    ASSIGN = "ASSIGN"
    ROUND_ROBIN = "ROUND_ROBIN"
    REFERRER = "REFERRER"
    CLAIM = "CLAIM"
    RELEASE = "RELEASE"
    POOL_TIMEOUT = "POOL_TIMEOUT"
    HANDOVER = "HANDOVER"


class FollowUpChannel(StrEnum):
    WECOM_CHAT = "WECOM_CHAT"
    PHONE = "PHONE"
    STORE_VISIT = "STORE_VISIT"
    TEST_DRIVE = "TEST_DRIVE"
    HOME_VISIT = "HOME_VISIT"
    OTHER = "OTHER"


class SalesStep(StrEnum):
    """The steps of consultative selling (1对1顾问式服务), in order."""

    VALUE_ICEBREAKING = "VALUE_ICEBREAKING"
    NEEDS_DISCOVERY = "NEEDS_DISCOVERY"
    NEEDS_REINFORCEMENT = "NEEDS_REINFORCEMENT"
    SOLUTION = "SOLUTION"
    OBJECTION_HANDLING = "OBJECTION_HANDLING"
    TIME_LIMITED_OFFER = "TIME_LIMITED_OFFER"
    VALUE_DELIVERY = "VALUE_DELIVERY"


class OwnerChange(Model):
    """One change of a member's owner advisor: from, to, who, why, when."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    from_staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    to_staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    by_staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reason = fields.CharEnumField(OwnerChangeReason, max_length=16)
    note = fields.CharField(max_length=200, default="")
    followups_moved = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "owner_change"
        indexes = [Index(fields=("member_id", "id"), name="owner_change_member_idx")]


class AdvisorRoute(Model):
    """New members from this channel and/or region go round-robin to the advisors routed
    there. An empty channel or region matches any."""

    id = fields.IntField(primary_key=True)
    advisor = fields.ForeignKeyField("core.StaffUser", related_name=False)
    channel = fields.CharField(max_length=64, default="")
    region = fields.CharField(max_length=64, default="")
    # Round-robin: the route whose advisor was served longest ago goes next.
    last_assigned_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "advisor_route"
        unique_together = (("advisor_id", "channel", "region"),)


class FollowUp(Model):
    """One contact of an advisor with a member, and optionally the next action it calls for."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    advisor = fields.ForeignKeyField("core.StaffUser", related_name=False)
    channel = fields.CharEnumField(FollowUpChannel, max_length=16)
    step = fields.CharEnumField(SalesStep, max_length=24)
    note = fields.TextField(default="")
    next_action = fields.CharField(max_length=200, default="")
    next_action_due_at = fields.DatetimeField(null=True)
    # When the next action was done or dropped; open while null and a due time is set.
    closed_at = fields.DatetimeField(null=True)
    # When the advisor was reminded that the next action came due (the followup.due event).
    reminded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follow_up"
        indexes = [
            Index(fields=("member_id", "id"), name="follow_up_member_idx"),
            Index(fields=("advisor_id", "next_action_due_at"), name="follow_up_due_idx"),
        ]
