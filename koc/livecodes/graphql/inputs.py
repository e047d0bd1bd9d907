"""GraphQL inputs of live codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from koc.graphql.boundary import MaxLength
from koc.graphql.ids import decode_id, decode_ids
from koc.livecodes.contactways import Advisor
from koc.livecodes.graphql.types import LiveCodeKind
from koc.livecodes.services import LiveCodeData, TargetData

# base64 of an image of at most 512 KiB
IMAGE_BASE64_CHARS = 700_000


@strawberry.input(description="An advisor of an ADVISOR live code.")
class LiveCodeAdvisorInput:
    wecom_userid: str = strawberry.field(description="The advisor's WeCom userid (1-64).")
    staff_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The advisor's koc StaffUser: arrivals become their members."
    )


def _advisors(advisors: list[LiveCodeAdvisorInput]) -> list[Advisor]:
    return [
        Advisor(
            wecom_userid=a.wecom_userid,
            staff_id=decode_id(a.staff_id, "StaffUser", f"advisors.{n}.staffId")
            if a.staff_id
            else None,
        )
        for n, a in enumerate(advisors)
    ]


@strawberry.input(description="The advisors of an ADVISOR live code, replacing the previous ones.")
class LiveCodeAdvisorsSetInput:
    id: relay.GlobalID = strawberry.field(description="The ADVISOR LiveCode.")
    advisors: list[LiveCodeAdvisorInput] = strawberry.field(description="1-100 advisors.")

    def advisor_list(self) -> list[Advisor]:
        return _advisors(self.advisors)


@strawberry.input(description="A new live code.")
class LiveCodeCreateInput:
    slug: str = strawberry.field(
        description="The permanent URL part, /c/{slug}: 3-27 lower-case letters, digits or '-'."
    )
    name: str = strawberry.field(description="What staff call it, 1-64 characters.")
    kind: LiveCodeKind = strawberry.field(description="Where it sends scanners.")  # type: ignore[valid-type]
    channel: str = strawberry.field(
        description="The channel it stands for (poster, store, event, koc_share...): 1-32 "
        "lower-case letters, digits or '_'."
    )
    tag_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Tags added to whoever arrives (at most 20)."
    )
    owner_member_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The KOC whose code it is: a new member arriving through it is referred by "
        "them.",
    )
    low_targets: int = strawberry.field(
        default=1, description="GROUP: warn when fewer usable targets than this remain."
    )
    page: str = strawberry.field(
        default="", description="MINI_PROGRAM: the page to open, e.g. pages/index/index."
    )
    advisors: list[LiveCodeAdvisorInput] = strawberry.field(
        default_factory=list, description="ADVISOR: 1-100 advisors of the WeCom contact way."
    )

    def advisor_list(self) -> list[Advisor]:
        return _advisors(self.advisors)

    def to_data(self) -> LiveCodeData:
        owner = self.owner_member_id
        return LiveCodeData(
            slug=self.slug,
            name=self.name,
            kind=self.kind,
            channel=self.channel,
            tag_ids=decode_ids(self.tag_ids, "Tag", "tagIds"),
            owner_member_id=decode_id(owner, "Member", "ownerMemberId") if owner else None,
            low_targets=self.low_targets,
            page=self.page,
        )


@strawberry.input(description="Changes to a live code; omitted fields stay. Slug and kind stay.")
class LiveCodeUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The LiveCode.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    channel: str | None = strawberry.field(default=strawberry.UNSET, description="New channel.")
    tag_ids: list[relay.GlobalID] | None = strawberry.field(
        default=strawberry.UNSET, description="The tags, replacing the previous ones."
    )
    owner_member_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="The owning KOC; null removes them."
    )
    low_targets: int | None = strawberry.field(
        default=strawberry.UNSET, description="New warning threshold."
    )
    page: str | None = strawberry.field(default=strawberry.UNSET, description="New page.")
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False retires the code: its URL answers 404."
    )

    def changes(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in ("name", "channel", "low_targets", "page", "active"):
            value = getattr(self, name)
            if value not in (None, strawberry.UNSET):
                found[name] = value
        if self.tag_ids not in (None, strawberry.UNSET):
            found["tag_ids"] = decode_ids(self.tag_ids, "Tag", "tagIds")  # type: ignore[arg-type]
        if self.owner_member_id is not strawberry.UNSET:
            owner = self.owner_member_id
            found["owner_member_id"] = (
                decode_id(owner, "Member", "ownerMemberId") if owner else None
            )
        return found


@strawberry.input(description="A group QR code for a GROUP live code, served after the others.")
class LiveCodeTargetAddInput:
    live_code_id: relay.GlobalID = strawberry.field(description="The GROUP LiveCode.")
    expires_at: datetime = strawberry.field(
        description="When the group QR expires (WeChat: 7 days after it was made)."
    )
    capacity: int = strawberry.field(
        default=200, description="Scanners it takes before the next one serves (1-100,000)."
    )
    label: str = strawberry.field(default="", description="What staff call it (at most 64).")
    image_url: str = strawberry.field(
        default="", description="The group QR image's http(s) URL; or give imageBase64."
    )
    image_base64: str | None = strawberry.field(
        default=None,
        description="The group QR image itself (PNG, JPEG or GIF, at most 512 KiB), base64.",
        directives=[MaxLength(chars=IMAGE_BASE64_CHARS)],
    )

    def to_data(self) -> TargetData:
        return TargetData(
            expires_at=self.expires_at,
            capacity=self.capacity,
            label=self.label,
            image_url=self.image_url,
            image_base64=self.image_base64,
        )


@strawberry.input(description="Changes to a group QR target; omitted fields stay.")
class LiveCodeTargetUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The LiveCodeTarget.")
    capacity: int | None = strawberry.field(default=strawberry.UNSET, description="New capacity.")
    expires_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="New expiry (a renewed group QR)."
    )
    label: str | None = strawberry.field(default=strawberry.UNSET, description="New label.")
    position: int | None = strawberry.field(
        default=strawberry.UNSET, description="New place in the order of service (1-50)."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False switches it off; true back on."
    )

    def changes(self) -> dict[str, Any]:
        names = ("capacity", "expires_at", "label", "position", "active")
        return {
            n: getattr(self, n) for n in names if getattr(self, n) not in (None, strawberry.UNSET)
        }
