"""Saved segments, the snapshots of who a segment held when it was used, and the rules that
layer members automatically (tag rules, stage rules)."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Segment(Model):
    """A named rule over member facts (koc.segments.rules, stored in its JSON form)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.TextField(default="")
    rule = fields.JSONField()
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "segment"
        indexes = [Index(fields=("created_at", "id"), name="segment_created_idx")]


class SegmentSnapshot(Model):
    """Who a segment held at the moment something used it (a survey invitation, a
    notification), so later reports agree with what happened."""

    id = fields.IntField(primary_key=True)
    segment = fields.ForeignKeyField("segments.Segment", related_name=False)
    used_for = fields.CharField(max_length=64, description="What used it, e.g. survey:12")
    member_count = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "segment_snapshot"
        indexes = [
            Index(fields=("segment_id", "id"), name="segment_snapshot_segment_idx"),
            Index(fields=("used_for",), name="segment_snapshot_used_idx"),
        ]


class SegmentSnapshotMember(Model):
    id = fields.BigIntField(primary_key=True)
    snapshot = fields.ForeignKeyField("segments.SegmentSnapshot", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)

    class Meta:
        table = "segment_snapshot_member"
        unique_together = (("snapshot_id", "member_id"),)
        indexes = [Index(fields=("member_id",), name="segment_snapshot_member_idx")]


class TagRule(Model):
    """Members matching the segment carry the tag (source AUTO, cause ``tagRule:<id>``), and it
    comes off when they stop matching."""

    id = fields.IntField(primary_key=True)
    segment = fields.ForeignKeyField("segments.Segment", related_name=False)
    tag = fields.ForeignKeyField("core.Tag", related_name=False)
    active = fields.BooleanField(default=True)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "segment_tag_rule"
        unique_together = (("segment_id", "tag_id"),)
        indexes = [Index(fields=("tag_id",), name="segment_tag_rule_tag_idx")]


class StageRule(Model):
    """A member event of ``event_kind`` moves the member to ``stage`` (forward only unless
    ``allow_backward``), when the member matches ``segment`` (if any)."""

    id = fields.IntField(primary_key=True)
    event_kind = fields.CharField(max_length=20)
    stage = fields.ForeignKeyField("core.LifecycleStage", related_name=False)
    segment = fields.ForeignKeyField("segments.Segment", related_name=False, null=True)
    allow_backward = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "segment_stage_rule"
        unique_together = (("event_kind", "stage_id"),)
        indexes = [Index(fields=("event_kind", "active"), name="segment_stage_rule_kind_idx")]
