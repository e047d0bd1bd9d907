"""Mutations of the badges feature (staff: OPERATOR and up)."""

from __future__ import annotations

import strawberry

from koc.auth.viewer import StaffViewer
from koc.badges.awards import award_badge, revoke_badge
from koc.badges.definitions import AWARD_QUALIFYING, create_badge, update_badge
from koc.badges.graphql.inputs import BadgeAwardInput, BadgeCreateInput, BadgeUpdateInput
from koc.badges.graphql.types import Badge, BadgeAward, BadgeError
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsOperator
from koc.worker.graphql.types import Job, job_access


@strawberry.type(description="Result of badgeCreate and badgeUpdate.")
class BadgePayload(Payload[BadgeError]):
    badge: Badge | None = strawberry.field(default=None, description="The badge.")
    job: Job | None = strawberry.field(
        default=None,
        description="An automatic badge's award to every member its rule admits, as a job "
        "(status, progress; its summary says how many received it). Null for a MANUAL or "
        "retired badge.",
    )


job_access(AWARD_QUALIFYING, IsOperator)


@strawberry.type(description="Result of badgeAward and badgeRevoke.")
class BadgeAwardPayload(Payload[BadgeError]):
    award: BadgeAward | None = strawberry.field(default=None, description="The holding.")


def _ids(input: BadgeAwardInput) -> tuple[int, int]:
    return (
        decode_id(input.member_id, "Member", "memberId"),
        decode_id(input.badge_id, "Badge", "badgeId"),
    )


@strawberry.type
class Mutation:
    @mutation(
        allow=IsOperator,
        description="Define a badge. An automatic one then goes to every member it admits, by "
        "the payload's job.",
    )
    async def badge_create(self, viewer: StaffViewer, input: BadgeCreateInput) -> BadgePayload:
        badge, job = await create_badge(input.to_data(), actor=viewer)
        return BadgePayload(badge=Badge.from_model(badge), job=Job.from_model(job) if job else None)

    @mutation(
        allow=IsOperator,
        description="Change a badge. Holders keep it; members a new rule admits receive it, by "
        "the payload's job.",
    )
    async def badge_update(self, viewer: StaffViewer, input: BadgeUpdateInput) -> BadgePayload:
        badge_id = decode_id(input.id, "Badge", "id")
        badge, job = await update_badge(badge_id, input.changes(), actor=viewer)
        return BadgePayload(badge=Badge.from_model(badge), job=Job.from_model(job) if job else None)

    @mutation(
        allow=IsOperator,
        description="Award a badge to a member by hand (any rule); gives back a revoked one.",
    )
    async def badge_award(self, viewer: StaffViewer, input: BadgeAwardInput) -> BadgeAwardPayload:
        member_id, badge_id = _ids(input)
        holding = await award_badge(member_id, badge_id, input.reason, actor=viewer)
        return BadgeAwardPayload(award=BadgeAward.from_model(holding))

    @mutation(
        allow=IsOperator,
        description="Revoke a member's badge. The history stays; rules never give it back.",
    )
    async def badge_revoke(self, viewer: StaffViewer, input: BadgeAwardInput) -> BadgeAwardPayload:
        member_id, badge_id = _ids(input)
        holding = await revoke_badge(member_id, badge_id, input.reason, actor=viewer)
        return BadgeAwardPayload(award=BadgeAward.from_model(holding))
