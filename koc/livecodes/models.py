"""Live codes (活码): one permanent code on koc that routes each scanner to a current target and
says which channel brought them.

A ``LiveCode`` has a kind: GROUP (an ordered list of ``LiveCodeTarget`` group QR images, each
with a capacity and an expiry), ADVISOR (a WeCom contact way over ``LiveCodeAdvisor`` rows) or
MINI_PROGRAM (a mini-program page opened through a WeChat URL Link). Scans are counted per hour
in ``LiveCodeScanCount`` (no personal data); the members who came through a code are
``LiveCodeArrival`` rows, one per member and code, so a replayed callback or a second login adds
nothing.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class LiveCodeKind(StrEnum):
    GROUP = "GROUP"
    ADVISOR = "ADVISOR"
    MINI_PROGRAM = "MINI_PROGRAM"


class ArrivalSource(StrEnum):
    """How koc learned that a member came through a code."""

    LOGIN = "LOGIN"  # the mini-program's first login carried the code as its scene
    WECOM = "WECOM"  # WeCom's add-contact callback carried the code as its state


class LiveCode(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=32, unique=True, description="The /c/{slug} URL part")
    name = fields.CharField(max_length=64)
    kind = fields.CharEnumField(LiveCodeKind, max_length=16)
    channel = fields.CharField(max_length=32, description="poster, store, event, koc_share...")
    tag_ids = fields.JSONField(default=list, description="Tags added to whoever arrives")
    owner_member = fields.ForeignKeyField(
        "core.Member", related_name=False, null=True, description="The KOC whose code it is"
    )
    low_targets = fields.IntField(default=1, description="Warn when fewer usable targets remain")
    warned_low = fields.BooleanField(default=False, description="Running low was announced")
    # MINI_PROGRAM: the page opened, and the URL Link and URL Scheme WeChat made for it
    page = fields.CharField(max_length=200, default="")
    url_link = fields.CharField(max_length=200, default="")
    url_scheme = fields.CharField(max_length=200, default="")
    url_link_expires_at = fields.DatetimeField(null=True)
    # ADVISOR: the WeCom contact way koc created
    wecom_config_id = fields.CharField(max_length=64, default="")
    wecom_qr_code = fields.CharField(max_length=500, default="")
    active = fields.BooleanField(default=True)
    created_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "live_code"
        indexes = [Index(fields=("kind", "id"), name="live_code_kind_idx")]


class LiveCodeTarget(Model):
    """A group QR image a GROUP code serves until it is full or expires."""

    id = fields.IntField(primary_key=True)
    live_code = fields.ForeignKeyField("livecodes.LiveCode", related_name=False)
    position = fields.IntField()
    label = fields.CharField(max_length=64, default="")
    image_url = fields.CharField(max_length=500, default="")
    image_type = fields.CharField(max_length=32, default="", description="of an uploaded image")
    image_data = fields.BinaryField(null=True, description="An uploaded image")
    capacity = fields.IntField(default=200)
    expires_at = fields.DatetimeField()
    served = fields.IntField(default=0, description="Scanners sent to it")
    warned_expiring = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "live_code_target"
        indexes = [Index(fields=("live_code_id", "position"), name="live_code_target_code_idx")]


class LiveCodeAdvisor(Model):
    """An advisor of an ADVISOR code: their WeCom userid, and their koc staff account."""

    id = fields.IntField(primary_key=True)
    live_code = fields.ForeignKeyField("livecodes.LiveCode", related_name=False)
    wecom_userid = fields.CharField(max_length=64)
    staff = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)

    class Meta:
        table = "live_code_advisor"
        unique_together = (("live_code_id", "wecom_userid"),)


class LiveCodeScanCount(Model):
    """Scans of a code's page in one UTC hour, per target served (0 when none)."""

    id = fields.BigIntField(primary_key=True)
    live_code = fields.ForeignKeyField("livecodes.LiveCode", related_name=False)
    target_id = fields.IntField(default=0)
    hour = fields.DatetimeField()
    scans = fields.IntField(default=0)

    class Meta:
        table = "live_code_scan_count"
        unique_together = (("live_code_id", "hour", "target_id"),)


class LiveCodeArrival(Model):
    """A member who came through a code (once per member and code)."""

    id = fields.BigIntField(primary_key=True)
    live_code = fields.ForeignKeyField("livecodes.LiveCode", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    source = fields.CharEnumField(ArrivalSource, max_length=8)
    member_created = fields.BooleanField(default=False)
    referral_bound = fields.BooleanField(default=False)
    advisor_userid = fields.CharField(max_length=64, default="")
    arrived_at = fields.DatetimeField()

    class Meta:
        table = "live_code_arrival"
        unique_together = (("live_code_id", "member_id"),)
        indexes = [Index(fields=("live_code_id", "arrived_at"), name="live_code_arrival_idx")]


class WeComContact(Model):
    """The WeCom external contact of a member, learned from an add-contact callback."""

    id = fields.IntField(primary_key=True)
    external_userid = fields.CharField(max_length=64, unique=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "live_code_wecom_contact"
