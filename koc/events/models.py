"""The transactional outbox: every public event, written in the transaction of its change."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class OutboxEvent(Model):
    """A public event, written in the transaction of the change that caused it.

    The position orders the events as their transactions committed and is given after the
    commit (koc.events.outbox.assign_positions). The data holds no personal field, only ids and
    facts, so it needs no erasure.
    """

    id = fields.BigIntField(primary_key=True)
    position = fields.BigIntField(null=True, unique=True)
    type = fields.CharField(max_length=64)
    data = fields.JSONField()
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "event_outbox"
        indexes = [Index(fields=("type", "position"), name="event_outbox_type_position_idx")]
