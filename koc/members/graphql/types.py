"""GraphQL types of members, tags and lifecycle stages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope
from koc.auth.viewer import MemberViewer, Viewer, advisor_id, is_partner_with, is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import load_all, primed
from koc.members import models
from koc.members.errors import MemberErrorCode, TagErrorCode
from koc.members.graphql import dataloaders as dl
from koc.members.graphql.access import may_read_member, require_readable
from koc.members.graphql.extensions import MEMBER_EXTENSIONS
from koc.members.phones import mask_identifier, mask_phone
from koc.privacy.graphql.sharing import shared, shares_with_partners

Gender = enum_type(
    models.Gender,
    "A member's gender, as they gave it.",
    UNKNOWN="Not given.",
    MALE="Male.",
    FEMALE="Female.",
)
TagFamily = enum_type(
    models.TagFamily,
    "The four families of tags.",
    SOCIAL="Who they are: region, age band, occupation, birthday, married.",
    CONSUMPTION="What they need and prefer: budget, frequency, preferences, what they owned.",
    BEHAVIOR="What they did: source channel, activities joined, articles read, orders.",
    TIER="Which layer of the brand's members they are in.",
)
TagSource = enum_type(
    models.TagSource,
    "How a member came to hold a tag.",
    MANUAL="Recorded by staff (e.g. learnt in a 1-on-1 chat).",
    AUTO="Derived by koc from what the member did (e.g. becoming a KOC).",
    EVENT="From an answer or a result (a survey's codebook).",
)
StageAutoRule = enum_type(
    models.StageAutoRule,
    "The automatic transition that lands on a stage; automatic moves only go forward.",
    FIRST_ORDER="The member's first order.",
    REPEAT_ORDER="The member's second order or later.",
    KOC="The member becomes an active KOC.",
)

MemberError = error_type("MemberError", MemberErrorCode, "A problem with a member change.")
TagError = error_type("TagError", TagErrorCode, "A problem with a tag change.")


def _reads_tags(viewer: Viewer) -> bool:
    """Staff, and an ADVISOR (which reaches only its own members), read the brand's tags."""
    return is_staff(viewer) or advisor_id(viewer) is not None


def _is_staff_or_reader(info: Info) -> bool:
    viewer = info.context.viewer
    return is_staff(viewer) or is_partner_with(viewer, PartnerScope.MEMBERS_READ)


@strawberry.type(description="A step of the brand's lifecycle pipeline (用户分层).")
class LifecycleStage(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code, e.g. CUSTOMER.")
    name: str = strawberry.field(description="Display name.")
    position: int = strawberry.field(description="Order in the pipeline, 0 first.")
    auto_rule: StageAutoRule | None = strawberry.field(  # type: ignore[valid-type]
        description="Automatic transition landing here, if any."
    )
    description: str = strawberry.field(description="What this stage means for the brand.")

    @classmethod
    def from_model(cls, s: models.LifecycleStage | dl.StageRow) -> LifecycleStage:
        return cls(
            id=s.id,
            code=s.code,
            name=s.name,
            position=s.position,
            auto_rule=s.auto_rule,
            description=s.description,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LifecycleStage | None]:
        ids = [int(i) for i in node_ids]
        rows = await loader(info, dl.load_stages).load_many(ids)
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(
    description="A named set of tags of one family; exclusive groups allow one tag per member."
)
class TagGroup(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name, e.g. 'Budget'.")
    family: TagFamily = strawberry.field(description="Which of the four families.")  # type: ignore[valid-type]
    exclusive: bool = strawberry.field(description="A member holds at most one tag of this group.")
    description: str = strawberry.field(description="What the group describes.")

    @classmethod
    def from_model(cls, g: models.TagGroup) -> TagGroup:
        return cls(
            id=g.id, name=g.name, family=g.family, exclusive=g.exclusive, description=g.description
        )

    @strawberry.field(description="The tags of this group.")
    async def tags(self, info: Info) -> list[Tag]:
        rows = await loader(info, dl.load_tags_of_groups).load(self.id)
        return [Tag.from_model(t) for t in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TagGroup | None]:
        if not _reads_tags(info.context.viewer):
            raise forbidden()
        rows = await loader(info, dl.load_tag_groups).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A tag that describes members.")
class Tag(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Name, unique within its group.")
    member_visible: bool = strawberry.field(
        description="Members see this tag on their own profile."
    )
    description: str = strawberry.field(description="What the tag means.")
    group_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, t: models.Tag) -> Tag:
        return cls(
            id=t.id,
            name=t.name,
            member_visible=t.member_visible,
            description=t.description,
            group_id=t.group_id,
        )

    @strawberry.field(description="The group the tag belongs to.")
    async def group(self, info: Info) -> TagGroup:
        return TagGroup.from_model(await loader(info, dl.load_tag_groups).load(self.group_id))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Tag | None]:
        rows = await loader(info, dl.load_tags).load_many([int(i) for i in node_ids])
        if not _reads_tags(info.context.viewer) and any(r and not r.member_visible for r in rows):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="One tag held by a member, with where it came from.")
class MemberTag:
    source: TagSource = strawberry.field(description="How the tag was assigned.")  # type: ignore[valid-type]
    cause: str = strawberry.field(description="Staff note or what caused it (an event, an answer).")
    assigned_at: datetime = strawberry.field(description="When it was assigned (UTC).")
    tag_id: strawberry.Private[int]
    staff_id: strawberry.Private[int | None]

    @strawberry.field(description="The tag.")
    async def tag(self, info: Info) -> Tag:
        return Tag.from_model(await loader(info, dl.load_tags).load(self.tag_id))

    @strawberry.field(description="Username of the staff member who assigned it (staff only).")
    async def assigned_by(self, info: Info) -> str | None:
        if self.staff_id is None or not _reads_tags(info.context.viewer):
            return None
        return await loader(info, dl.load_staff_names).load(self.staff_id)


@strawberry.type(description="A member moving from one lifecycle stage to another.")
class StageTransition:
    reason: str = strawberry.field(description="Why (staff's words, or the automatic rule).")
    automatic: bool = strawberry.field(description="Made by a rule rather than by staff.")
    at: datetime = strawberry.field(description="When (UTC).")
    from_stage_id: strawberry.Private[int | None]
    to_stage_id: strawberry.Private[int]
    staff_id: strawberry.Private[int | None]

    @strawberry.field(description="The stage before, null for the first.")
    async def from_stage(self, info: Info) -> LifecycleStage | None:
        if self.from_stage_id is None:
            return None
        return LifecycleStage.from_model(
            await loader(info, dl.load_stages).load(self.from_stage_id)
        )

    @strawberry.field(description="The stage after.")
    async def to_stage(self, info: Info) -> LifecycleStage:
        return LifecycleStage.from_model(await loader(info, dl.load_stages).load(self.to_stage_id))

    @strawberry.field(description="Username of the staff member who moved the member.")
    async def by(self, info: Info) -> str | None:
        if self.staff_id is None:
            return None
        return await loader(info, dl.load_staff_names).load(self.staff_id)


@strawberry.type(
    description="A person known to the brand by a WeChat identity and/or a phone number. "
    "Partner apps see the personal fields (nickname to tags) only when the member shares their "
    "data with partners (SHARING consent); otherwise they are empty."
)
class Member(*MEMBER_EXTENSIONS, relay.Node):  # type: ignore[misc]
    id: relay.NodeID[int]
    source_channel: str = strawberry.field(description="Where the member first came from.")
    order_count: int = strawberry.field(description="Orders paid and not fully refunded.")
    created_at: datetime = strawberry.field(description="When the member became known (UTC).")
    last_active_at: datetime | None = strawberry.field(description="Last login or activity (UTC).")
    stage_id: strawberry.Private[int | None]
    profile: strawberry.Private[models.Member]

    @classmethod
    def from_model(cls, m: models.Member | dl.MemberRow) -> Member:
        return cls(
            id=m.id,
            source_channel=m.source_channel,
            order_count=m.order_count,
            created_at=m.created_at,
            last_active_at=m.last_active_at,
            stage_id=m.stage_id,
            profile=m,
        )

    @strawberry.field(description="WeChat nickname or what the member set.")
    def nickname(self, info: Info) -> str:
        return shared(info, self.id, self.profile.nickname, "")  # type: ignore[return-value]

    @strawberry.field(description="Avatar image URL.")
    def avatar_url(self, info: Info) -> str:
        return shared(info, self.id, self.profile.avatar_url, "")  # type: ignore[return-value]

    @strawberry.field(description="Gender.")
    def gender(self, info: Info) -> Gender:  # type: ignore[valid-type]
        return shared(info, self.id, self.profile.gender, models.Gender.UNKNOWN)

    @strawberry.field(description="Birthday.")
    def birthday(self, info: Info) -> date | None:
        return shared(info, self.id, self.profile.birthday, None)  # type: ignore[return-value]

    @strawberry.field(description="Region, e.g. 'Shanghai'.")
    def region(self, info: Info) -> str:
        return shared(info, self.id, self.profile.region, "")  # type: ignore[return-value]

    @strawberry.field(
        description="Phone in E.164 for the member themselves; masked (+86138****5678) for "
        "everyone else. Staff who may read it whole use `phoneUnmasked(reason:)`, which is "
        "recorded."
    )
    def phone(self, info: Info) -> str | None:
        phone = self.profile.phone
        viewer = info.context.viewer
        if phone is None or (isinstance(viewer, MemberViewer) and viewer.member_id == self.id):
            return phone
        return shared(info, self.id, mask_phone(phone), None)  # type: ignore[return-value]

    @strawberry.field(
        description="WeChat unionid, masked (oAbc****wxyz), for staff and partners with "
        "members:read; whole through `unionidUnmasked(reason:)`, which is recorded."
    )
    def unionid(self, info: Info) -> str | None:
        unionid = self.profile.unionid
        if unionid is None or not _is_staff_or_reader(info):
            return None
        return shared(info, self.id, mask_identifier(unionid), None)  # type: ignore[return-value]

    @strawberry.field(
        description="The member's lifecycle stage.",
        metadata=primed(load_all(dl.load_stages, "stage_id")),
    )
    async def stage(self, info: Info) -> LifecycleStage | None:
        if self.stage_id is None:
            return None
        return LifecycleStage.from_model(await loader(info, dl.load_stages).load(self.stage_id))

    @strawberry.field(
        description="Tags held. Members see only tags marked member-visible.",
        metadata=primed(load_all(dl.load_member_tags)),
    )
    async def tags(self, info: Info) -> list[MemberTag]:
        if not await shares_with_partners(info, self.id):
            return []
        staff_view = _reads_tags(info.context.viewer) and await may_read_member(info, self.id)
        rows = await loader(info, dl.load_member_tags).load(self.id)
        if not staff_view and not is_partner_with(info.context.viewer, PartnerScope.MEMBERS_READ):
            tags = await loader(info, dl.load_tags).load_many([r.tag_id for r in rows])
            visible = {t.id for t in tags if t and t.member_visible}
            rows = [r for r in rows if r.tag_id in visible]
        return [
            MemberTag(
                source=r.source,
                cause=r.cause if staff_view else "",
                assigned_at=r.created_at,
                tag_id=r.tag_id,
                staff_id=r.staff_id,
            )
            for r in rows
        ]

    @strawberry.field(
        description="Every stage transition, oldest first (staff; an ADVISOR for its members)."
    )
    async def stage_history(self, info: Info) -> list[StageTransition]:
        viewer = info.context.viewer
        if not (is_staff(viewer) or (advisor_id(viewer) and await may_read_member(info, self.id))):
            raise forbidden()
        rows = await loader(info, dl.load_transitions).load(self.id)
        return [
            StageTransition(
                reason=t.reason,
                automatic=t.automatic,
                at=t.created_at,
                from_stage_id=t.from_stage_id,
                to_stage_id=t.to_stage_id,
                staff_id=t.staff_id,
            )
            for t in rows
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Member | None]:
        ids = [int(i) for i in node_ids]
        await require_readable(info, ids)
        rows = await loader(info, dl.load_members).load_many(ids)
        return [cls.from_model(r) if r else None for r in rows]
