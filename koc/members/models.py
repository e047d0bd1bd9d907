"""Members, their WeChat identities, tags and lifecycle stages."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Gender(StrEnum):
    UNKNOWN = "UNKNOWN"
    MALE = "MALE"
    FEMALE = "FEMALE"


class TagFamily(StrEnum):
    SOCIAL = "SOCIAL"
    CONSUMPTION = "CONSUMPTION"
    BEHAVIOR = "BEHAVIOR"
    TIER = "TIER"


class TagSource(StrEnum):
    MANUAL = "MANUAL"
    AUTO = "AUTO"
    EVENT = "EVENT"


class StageAutoRule(StrEnum):
    """Marks the stage an automatic transition lands on."""

    FIRST_ORDER = "FIRST_ORDER"
    REPEAT_ORDER = "REPEAT_ORDER"
    KOC = "KOC"


class LifecycleStage(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    position = fields.IntField()
    auto_rule = fields.CharEnumField(StageAutoRule, max_length=16, null=True, unique=True)
    description = fields.TextField(default="")

    class Meta:
        table = "lifecycle_stage"
        ordering = ["position"]


class Member(Model):
    id = fields.IntField(primary_key=True)
    unionid = fields.CharField(max_length=64, unique=True, null=True)
    phone = fields.CharField(max_length=20, unique=True, null=True)
    nickname = fields.CharField(max_length=64, default="")
    avatar_url = fields.CharField(max_length=500, default="")
    gender = fields.CharEnumField(Gender, max_length=8, default=Gender.UNKNOWN)
    birthday = fields.DateField(null=True)
    region = fields.CharField(max_length=64, default="")
    source_channel = fields.CharField(max_length=64, default="")
    stage = fields.ForeignKeyField("core.LifecycleStage", related_name=False, null=True)
    order_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_active_at = fields.DatetimeField(null=True)
    # The ADVISOR who serves the member one-to-one (koc.advisory); null: in the pool (公海).
    owner = fields.ForeignKeyField(
        "core.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    owned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member"
        indexes = [
            Index(fields=("owner_id", "id"), name="member_owner_idx"),
            Index(fields=("created_at",), name="member_created_idx"),
            Index(fields=("last_active_at",), name="member_active_idx"),
            Index(fields=("stage_id", "id"), name="member_stage_idx"),
            # segment rules on region and source channel
            Index(fields=("region",), name="member_region_idx"),
            Index(fields=("source_channel",), name="member_channel_idx"),
        ]


class MemberIdentity(Model):
    """The openid of a member in one WeChat app. The unionid ties the apps of one brand together."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name="identities")
    appid = fields.CharField(max_length=64)
    openid = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_identity"
        unique_together = (("appid", "openid"),)
        indexes = [Index(fields=("openid",), name="member_identity_openid_idx")]


class TagGroup(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    family = fields.CharEnumField(TagFamily, max_length=16)
    exclusive = fields.BooleanField(default=False)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tag_group"


class Tag(Model):
    id = fields.IntField(primary_key=True)
    group = fields.ForeignKeyField("core.TagGroup", related_name="tags")
    name = fields.CharField(max_length=64)
    member_visible = fields.BooleanField(default=False)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tag"
        unique_together = (("group_id", "name"),)


class MemberTag(Model):
    """One tag on one member, with where it came from."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    tag = fields.ForeignKeyField("core.Tag", related_name=False)
    source = fields.CharEnumField(TagSource, max_length=8)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    cause = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_tag"
        unique_together = (("member_id", "tag_id"),)
        indexes = [Index(fields=("tag_id", "member_id"), name="member_tag_tag_idx")]


class StageTransition(Model):
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    from_stage = fields.ForeignKeyField("core.LifecycleStage", related_name=False, null=True)
    to_stage = fields.ForeignKeyField("core.LifecycleStage", related_name=False)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reason = fields.CharField(max_length=500, default="")
    automatic = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stage_transition"
        indexes = [Index(fields=("member_id", "created_at"), name="stage_transition_member_idx")]


class MemberTagRemoval(Model):
    """A tag that was on a member and came off: when it was put on, by whom and why (the
    removed ``MemberTag`` row), and when, by whom and why it came off. ``member_tag`` holds the
    tags held now; with this table a member's story (``Member.timeline``) keeps the others."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    tag = fields.ForeignKeyField("core.Tag", related_name=False)
    source = fields.CharEnumField(TagSource, max_length=8)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    cause = fields.CharField(max_length=200, default="")
    added_at = fields.DatetimeField()
    removed_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    reason = fields.CharField(max_length=200, default="")
    removed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_tag_removal"
        indexes = [Index(fields=("member_id", "removed_at"), name="member_tag_removal_member_idx")]
