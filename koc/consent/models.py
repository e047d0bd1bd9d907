"""What consent is made of: the brand's published policies and each member's decisions."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Purpose(StrEnum):
    """What a member's data may be used for beyond running their membership. Code obeys these,
    so they are fixed: a brand words them in its policy but cannot add one code would ignore."""

    MARKETING = "MARKETING"  # marketing messages (subscribe messages, inbox campaigns)
    PROFILING = "PROFILING"  # KOC discovery scores, automatic tags and segments
    SHARING = "SHARING"  # personal data to partner apps (reads, webhook payloads)


class ConsentChannel(StrEnum):
    MINI_PROGRAM = "MINI_PROGRAM"  # the member decided in the mini-program
    ERASURE = "ERASURE"  # the member's data was erased: every purpose withdrawn


class PrivacyPolicy(Model):
    """One published version of the privacy policy of the brand. The newest is the current one."""

    id = fields.IntField(primary_key=True)
    version = fields.CharField(max_length=32, unique=True)
    url = fields.CharField(max_length=500)
    summary = fields.TextField(default="")
    reconsent_required = fields.BooleanField(
        default=False, description="Grants under earlier versions lapse"
    )
    published_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    published_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "privacy_policy"


class ConsentDecision(Model):
    """Every decision a member made, with the policy version, time and channel: the evidence.
    The latest of a member on a purpose is where they stand."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    purpose = fields.CharEnumField(Purpose, max_length=16)
    granted = fields.BooleanField()
    policy = fields.ForeignKeyField("consent.PrivacyPolicy", related_name=False, null=True)
    channel = fields.CharEnumField(ConsentChannel, max_length=16)
    decided_at = fields.DatetimeField()

    class Meta:
        table = "privacy_consent_decision"
        indexes = [Index(fields=("member_id", "purpose", "id"), name="privacy_decision_member_idx")]
