"""Webhook subscriptions, one delivery per event and subscription, and every attempt of it."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class WebhookSubscription(Model):
    """A URL that receives the public events of some types, signed with its own secret.

    Payloads follow the scopes of the partner token it belongs to (none: no personal field).
    """

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, default="")
    event_types = fields.JSONField(default=list)  # empty: every public type
    secret = fields.CharField(max_length=100)  # whsec_<base64>, kept to sign; shown once
    partner_token = fields.ForeignKeyField("core.PartnerToken", related_name=False, null=True)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    active = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, null=True)
    disabled_at = fields.DatetimeField(null=True)
    # The last position handed to deliveries: events after it are this subscription's to send.
    dispatched_position = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_subscription"


class WebhookDelivery(Model):
    """One event to one subscription: sent until the receiver says 2xx or retries run out.

    Every attempt carries the same webhook-id (the event's), so a receiver can deduplicate.
    """

    id = fields.BigIntField(primary_key=True)
    subscription = fields.ForeignKeyField(
        "webhooks.WebhookSubscription", related_name=False, on_delete=fields.CASCADE
    )
    event = fields.ForeignKeyField("events.OutboxEvent", related_name=False)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("subscription", "event"),)
        indexes = [Index(fields=("status", "next_attempt_at"), name="webhook_delivery_due_idx")]


class WebhookAttempt(Model):
    """One HTTP request of a delivery: what the receiver answered, and how fast."""

    id = fields.BigIntField(primary_key=True)
    delivery = fields.ForeignKeyField(
        "webhooks.WebhookDelivery", related_name=False, on_delete=fields.CASCADE
    )
    attempted_at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    latency_ms = fields.IntField()
    response_body = fields.TextField(default="")  # the first bytes only (a setting caps them)
    error = fields.CharField(max_length=500, null=True)
    manual = fields.BooleanField(default=False)

    class Meta:
        table = "webhook_attempt"
        indexes = [Index(fields=("delivery_id", "id"), name="webhook_attempt_delivery_idx")]
