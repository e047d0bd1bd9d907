"""Orders, refunds and member events reported by partner apps.

Each row is idempotent per (partner, external_id); ``fingerprint`` is a hash of the reported
content so a replay with different content is recognised as a conflict.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class OrderStatus(StrEnum):
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


class MemberEventKind(StrEnum):
    TEST_DRIVE = "TEST_DRIVE"
    EVENT_ATTENDED = "EVENT_ATTENDED"
    CONTENT_POSTED = "CONTENT_POSTED"
    ARTICLE_READ = "ARTICLE_READ"
    DEPOSIT_PAID = "DEPOSIT_PAID"
    STORE_VISIT = "STORE_VISIT"
    COMPLAINT = "COMPLAINT"


class Order(Model):
    id = fields.IntField(primary_key=True)
    partner = fields.ForeignKeyField("core.PartnerToken", related_name=False)
    external_id = fields.CharField(max_length=64)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    amount_cents = fields.BigIntField()
    refunded_cents = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3)
    category = fields.CharField(max_length=64)
    status = fields.CharEnumField(OrderStatus, max_length=20, default=OrderStatus.PAID)
    occurred_at = fields.DatetimeField()
    fingerprint = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order"
        unique_together = (("partner_id", "external_id"),)
        indexes = [
            Index(fields=("member_id", "occurred_at"), name="order_member_idx"),
            Index(fields=("occurred_at",), name="order_occurred_idx"),
            # segment rules on orders of a category
            Index(fields=("category", "occurred_at"), name="order_category_idx"),
        ]


class Refund(Model):
    id = fields.IntField(primary_key=True)
    partner = fields.ForeignKeyField("core.PartnerToken", related_name=False)
    external_id = fields.CharField(max_length=64)
    order = fields.ForeignKeyField("core.Order", related_name=False)
    amount_cents = fields.BigIntField()
    occurred_at = fields.DatetimeField()
    fingerprint = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refund"
        unique_together = (("partner_id", "external_id"),)
        indexes = [Index(fields=("order_id",), name="refund_order_idx")]


class MemberEvent(Model):
    id = fields.IntField(primary_key=True)
    partner = fields.ForeignKeyField("core.PartnerToken", related_name=False)
    external_id = fields.CharField(max_length=64)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    kind = fields.CharEnumField(MemberEventKind, max_length=20)
    occurred_at = fields.DatetimeField()
    payload = fields.JSONField(default=dict)
    fingerprint = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_event"
        unique_together = (("partner_id", "external_id"),)
        indexes = [
            # a member's events of a kind in time: the timeline, and segment rules on events
            # (covering: a rule counts them per member, or probes one member, from the index)
            Index(fields=("member_id", "kind", "occurred_at"), name="member_event_member_kind_idx"),
            # segment rules: events of a kind within a time window, grouped by member
            Index(fields=("kind", "occurred_at", "member_id"), name="member_event_kind_idx"),
        ]
