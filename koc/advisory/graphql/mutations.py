"""Mutations of advisory: owners (assign, claim, hand over), routes, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from koc.advisory import followups, ownership, routing
from koc.advisory.graphql.types import (
    AdvisorRoute,
    AdvisoryError,
    FollowUp,
    FollowUpChannel,
    SalesStep,
)
from koc.auth.viewer import StaffViewer
from koc.graphql.boundary import MaxLength
from koc.graphql.ids import decode_id, decode_ids
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsOperator, IsOperatorOrAdvisor, allow
from koc.members.graphql.access import require_owned
from koc.members.graphql.inputs import MemberFilterInput
from koc.members.graphql.targets import member_target
from koc.members.graphql.types import Member

IsAdvisor = allow(advisor=True, name="IsAdvisor")


@strawberry.input(
    description="Give members to an advisor, or back to the pool: memberIds or filter, not both."
)
class MemberOwnerSetInput:
    advisor_id: relay.GlobalID | None = strawberry.field(
        description="The advisor (a StaffUser with the ADVISOR role); null: the pool."
    )
    member_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="These members."
    )
    filter: MemberFilterInput | None = strawberry.field(
        default=None, description="Every member matching this filter (bulk)."
    )
    note: str = strawberry.field(
        default="", description="Why, at most 200 characters; kept in each member's history."
    )


@strawberry.type(description="Result of memberOwnerSet.")
class MemberOwnerSetPayload(Payload[AdvisoryError]):
    matched_count: int = strawberry.field(default=0, description="Members the change covered.")
    changed_count: int = strawberry.field(
        default=0, description="Members whose owner changed (others had it already)."
    )


@strawberry.type(description="Result of memberClaim.")
class MemberClaimPayload(Payload[AdvisoryError]):
    member: Member | None = strawberry.field(default=None, description="The member, now yours.")


@strawberry.input(description="Hand an advisor's members over to another advisor.")
class AdvisorHandoverInput:
    from_advisor_id: relay.GlobalID = strawberry.field(description="The StaffUser handing over.")
    to_advisor_id: relay.GlobalID = strawberry.field(
        description="The StaffUser taking over (an active ADVISOR)."
    )
    member_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Only these members (each owned by fromAdvisorId); omit: all."
    )
    note: str = strawberry.field(default="", description="Why, at most 200 characters.")


@strawberry.type(description="Result of advisorHandover.")
class AdvisorHandoverPayload(Payload[AdvisoryError]):
    moved_count: int = strawberry.field(
        default=0, description="Members moved, each with its open next actions."
    )


@strawberry.input(description="Which new members an advisor takes by round-robin.")
class AdvisorRoutesSetInput:
    advisor_id: relay.GlobalID = strawberry.field(description="The StaffUser (an active ADVISOR).")
    channels: list[str] = strawberry.field(
        default_factory=list,
        description="Source channels (at most 50, 64 characters each); empty: any channel.",
    )
    regions: list[str] = strawberry.field(
        default_factory=list, description="Regions (at most 50); empty: any region."
    )


@strawberry.type(description="Result of advisorRoutesSet.")
class AdvisorRoutesSetPayload(Payload[AdvisoryError]):
    routes: list[AdvisorRoute] = strawberry.field(
        default_factory=list, description="The advisor's routes now."
    )


@strawberry.input(description="A contact with a member, and what comes next.")
class FollowUpRecordInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    channel: FollowUpChannel = strawberry.field(description="How you were in touch.")  # type: ignore[valid-type]
    step: SalesStep = strawberry.field(description="The sales step the contact served.")  # type: ignore[valid-type]
    note: str = strawberry.field(default="", description="What was said, at most 2000 characters.")
    next_action: str = strawberry.field(
        default="", description="What to do next, at most 200 characters; with nextActionDueAt."
    )
    next_action_due_at: datetime | None = strawberry.field(
        default=None, description="When the next action is due (within a year)."
    )
    stage: str | None = strawberry.field(
        default=None,
        description="Move the member to this lifecycle stage (a code, e.g. TEST_DRIVE).",
        directives=[MaxLength(chars=32)],
    )
    close_open: bool = strawberry.field(
        default=True, description="This contact closes the member's open next actions."
    )


@strawberry.type(description="Result of followUpRecord and followUpClose.")
class FollowUpPayload(Payload[AdvisoryError]):
    follow_up: FollowUp | None = strawberry.field(default=None, description="The follow-up.")


@strawberry.type
class Mutation:
    @mutation(
        allow=IsOperator,
        description="Give members (by ID, or every member matching a filter) to an advisor, or "
        "back to the pool. Each change is kept in the member's owner history; open next "
        "actions move to the new owner.",
    )
    async def member_owner_set(
        self, viewer: StaffViewer, input: MemberOwnerSetInput
    ) -> MemberOwnerSetPayload:
        advisor = (
            decode_id(input.advisor_id, "StaffUser", "advisorId") if input.advisor_id else None
        )
        matched, changed = await ownership.assign(
            await member_target(input.member_ids, input.filter), advisor, input.note, actor=viewer
        )
        return MemberOwnerSetPayload(matched_count=matched, changed_count=changed)

    @mutation(
        allow=IsAdvisor,
        description="Claim a member from the pool (公海) as its owner (ADVISOR).",
    )
    async def member_claim(
        self,
        viewer: StaffViewer,
        member_id: Annotated[relay.GlobalID, strawberry.argument(description="The Member.")],
    ) -> MemberClaimPayload:
        member = await ownership.claim(decode_id(member_id, "Member", "memberId"), actor=viewer)
        return MemberClaimPayload(member=Member.from_model(member))

    @mutation(
        allow=IsOperator,
        description="Hand an advisor's members (all, or those named) over to another advisor, "
        "e.g. when one leaves; each keeps the change in its history, open next actions move.",
    )
    async def advisor_handover(
        self, viewer: StaffViewer, input: AdvisorHandoverInput
    ) -> AdvisorHandoverPayload:
        moved = await ownership.handover(
            decode_id(input.from_advisor_id, "StaffUser", "fromAdvisorId"),
            decode_id(input.to_advisor_id, "StaffUser", "toAdvisorId"),
            decode_ids(input.member_ids, "Member", "memberIds")
            if input.member_ids is not None
            else None,
            input.note,
            actor=viewer,
        )
        return AdvisorHandoverPayload(moved_count=moved)

    @mutation(
        allow=IsOperator,
        description="Set which new members an advisor takes by round-robin: members whose "
        "source channel and region match one of its routes (replaces its routes).",
    )
    async def advisor_routes_set(
        self, viewer: StaffViewer, input: AdvisorRoutesSetInput
    ) -> AdvisorRoutesSetPayload:
        routes = await routing.set_routes(
            decode_id(input.advisor_id, "StaffUser", "advisorId"),
            input.channels,
            input.regions,
            actor=viewer,
        )
        return AdvisorRoutesSetPayload(routes=[AdvisorRoute.from_model(r) for r in routes])

    @mutation(
        allow=IsOperatorOrAdvisor,
        description="Record a contact with a member (an ADVISOR: a member it owns), optionally "
        "with the next action and its due time, and a stage to move the member to.",
    )
    async def follow_up_record(
        self, viewer: StaffViewer, input: FollowUpRecordInput
    ) -> FollowUpPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        await require_owned(viewer, [member_id])
        row = await followups.record(
            followups.FollowUpData(
                member_id=member_id,
                channel=input.channel,
                step=input.step,
                note=input.note,
                next_action=input.next_action,
                next_action_due_at=input.next_action_due_at,
                stage=input.stage,
                close_open=input.close_open,
            ),
            actor=viewer,
        )
        return FollowUpPayload(follow_up=FollowUp.from_model(row))

    @mutation(
        allow=IsOperatorOrAdvisor,
        description="Mark the next action of a follow-up done (an ADVISOR: its own).",
    )
    async def follow_up_close(
        self,
        viewer: StaffViewer,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The FollowUp.")],
    ) -> FollowUpPayload:
        row = await followups.close(decode_id(id, "FollowUp", "id"), actor=viewer)
        return FollowUpPayload(follow_up=FollowUp.from_model(row))
