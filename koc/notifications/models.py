"""What notifications are made of: grants, template mappings, the inbox and the message log."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class NotificationKind(StrEnum):
    """What happened that a member hears about. Code produces these, so they are fixed."""

    KOC_APPLICATION_APPROVED = "KOC_APPLICATION_APPROVED"
    KOC_APPLICATION_DECLINED = "KOC_APPLICATION_DECLINED"
    KOC_ACTIVATED = "KOC_ACTIVATED"
    BADGE_EARNED = "BADGE_EARNED"
    PRIVILEGE_GRANTED = "PRIVILEGE_GRANTED"
    PRIVILEGE_EXPIRING = "PRIVILEGE_EXPIRING"
    SEAT_REMINDER = "SEAT_REMINDER"
    REFERRAL_REWARD_ISSUED = "REFERRAL_REWARD_ISSUED"
    REFERRAL_REWARD_CLAWED_BACK = "REFERRAL_REWARD_CLAWED_BACK"
    SURVEY_INVITATION = "SURVEY_INVITATION"


class SubscribeResult(StrEnum):
    """What ``wx.requestSubscribeMessage`` answered for one template."""

    ACCEPT = "ACCEPT"  # one more message may be sent
    REJECT = "REJECT"  # declined this time; a later accept counts again
    BAN = "BAN"  # the member turned the template off in WeChat's settings
    FILTER = "FILTER"  # WeChat filtered the template out (same title as another)


class MessageState(StrEnum):
    QUEUED = "QUEUED"  # waiting for the sender (or for its retry time)
    WAITING = "WAITING"  # held back by quiet hours until the morning
    SENDING = "SENDING"  # handed to WeChat; its answer is not recorded yet
    SENT = "SENT"  # WeChat accepted it
    REFUSED = "REFUSED"  # not sent, for the reason recorded
    FAILED = "FAILED"  # WeChat could not be reached or kept refusing; retries ran out


class RefusalReason(StrEnum):
    NO_TEMPLATE = "NO_TEMPLATE"
    TEMPLATE_BROKEN = "TEMPLATE_BROKEN"
    NO_CONSENT = "NO_CONSENT"
    NO_OPENID = "NO_OPENID"
    NO_GRANT = "NO_GRANT"
    REJECTED = "REJECTED"
    BANNED = "BANNED"
    DAILY_CAP = "DAILY_CAP"
    WECHAT_NO_GRANT = "WECHAT_NO_GRANT"
    WECHAT_BAD_DATA = "WECHAT_BAD_DATA"
    WECHAT_BAD_OPENID = "WECHAT_BAD_OPENID"
    WECHAT_ERROR = "WECHAT_ERROR"


class SubscribeGrant(Model):
    """A member's one-time grants for one template: how many are unused, and the last answer."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    template_id = fields.CharField(max_length=64)
    available = fields.IntField(default=0)
    accepted_total = fields.IntField(default=0)
    last_result = fields.CharEnumField(SubscribeResult, max_length=8)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "notify_grant"
        unique_together = (("member_id", "template_id"),)


class TemplateMapping(Model):
    """How one kind of notification becomes a WeChat subscribe message."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(NotificationKind, max_length=32, unique=True)
    template_id = fields.CharField(max_length=64)
    page = fields.CharField(max_length=500, default="")
    # [{"key": "thing1", "value": "{badge_name}"}, ...]
    key_values = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    broken_reason = fields.CharField(max_length=500, null=True)
    broken_at = fields.DatetimeField(null=True)
    updated_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "notify_template"


class Notification(Model):
    """One entry of a member's inbox. ``key`` names the happening (``badge:12``): with the
    member and kind it is unique, so a replayed event adds nothing."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    key = fields.CharField(max_length=128)
    title = fields.CharField(max_length=100)
    body = fields.CharField(max_length=500)
    link = fields.CharField(max_length=500, default="")
    # the notification's fields as displayed (strings), which fill the template's keys
    data = fields.JSONField(default=dict)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "notify_notification"
        unique_together = (("member_id", "kind", "key"),)
        indexes = [
            Index(fields=("member_id", "id"), name="notify_inbox_idx"),
            Index(fields=("member_id", "read_at"), name="notify_unread_idx"),
        ]


class SubscribeMessage(Model):
    """One subscribe message of a notification, with its state: the delivery log."""

    id = fields.BigIntField(primary_key=True)
    notification = fields.ForeignKeyField("notifications.Notification", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    template_id = fields.CharField(max_length=64)
    state = fields.CharEnumField(MessageState, max_length=8, default=MessageState.QUEUED)
    refusal = fields.CharEnumField(RefusalReason, max_length=24, null=True)
    detail = fields.CharField(max_length=500, default="")
    attempts = fields.IntField(default=0)
    send_after = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "notify_message"
        unique_together = (("notification_id", "template_id"),)
        indexes = [
            Index(fields=("state", "send_after"), name="notify_message_due_idx"),
            Index(fields=("member_id", "sent_at"), name="notify_message_member_idx"),
            Index(fields=("template_id", "created_at"), name="notify_message_template_idx"),
        ]
