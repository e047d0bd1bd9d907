"""Mutations of the badges feature (staff: OPERATOR and up)."""

from __future__ import annotations

import strawberry

from koc.auth.models import StaffRole
from koc.badges import services
from koc.badges.graphql.inputs import BadgeAwardInput, BadgeCreateInput, BadgeUpdateInput
from koc.badges.graphql.types import Badge, BadgeAward, BadgeError
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.permissions import IsOperator, require_staff


@strawberry.type(description="Result of badgeCreate and badgeUpdate.")
class BadgePayload:
    badge: Badge | None = strawberry.field(default=None, description="The badge.")
    awarded_count: int = strawberry.field(
        default=0, description="Members who received it now because its rule admits them."
    )
    errors: list[BadgeError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of badgeAward and badgeRevoke.")
class BadgeAwardPayload:
    award: BadgeAward | None = strawberry.field(default=None, description="The holding.")
    errors: list[BadgeError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


def _ids(input: BadgeAwardInput) -> tuple[int, int]:
    return (
        decode_id(input.member_id, "Member", "memberId"),
        decode_id(input.badge_id, "Badge", "badgeId"),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Define a badge. An automatic one goes at once to every member it admits.",
        permission_classes=[IsOperator],
    )
    async def badge_create(self, info: Info, input: BadgeCreateInput) -> BadgePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            badge, awarded = await services.create_badge(input.to_data(), actor=actor)
        except DomainError as exc:
            return BadgePayload(errors=errors_of(exc, BadgeError))
        return BadgePayload(badge=Badge.from_model(badge), awarded_count=awarded)

    @strawberry.mutation(
        description="Change a badge. Holders keep it; members a new rule admits receive it.",
        permission_classes=[IsOperator],
    )
    async def badge_update(self, info: Info, input: BadgeUpdateInput) -> BadgePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            badge_id = decode_id(input.id, "Badge", "id")
            badge, awarded = await services.update_badge(badge_id, input.changes(), actor=actor)
        except DomainError as exc:
            return BadgePayload(errors=errors_of(exc, BadgeError))
        return BadgePayload(badge=Badge.from_model(badge), awarded_count=awarded)

    @strawberry.mutation(
        description="Award a badge to a member by hand (any rule); gives back a revoked one.",
        permission_classes=[IsOperator],
    )
    async def badge_award(self, info: Info, input: BadgeAwardInput) -> BadgeAwardPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id, badge_id = _ids(input)
            holding = await services.award_badge(member_id, badge_id, input.reason, actor=actor)
        except DomainError as exc:
            return BadgeAwardPayload(errors=errors_of(exc, BadgeError))
        return BadgeAwardPayload(award=BadgeAward.from_model(holding))

    @strawberry.mutation(
        description="Revoke a member's badge. The history stays; rules never give it back.",
        permission_classes=[IsOperator],
    )
    async def badge_revoke(self, info: Info, input: BadgeAwardInput) -> BadgeAwardPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id, badge_id = _ids(input)
            holding = await services.revoke_badge(member_id, badge_id, input.reason, actor=actor)
        except DomainError as exc:
            return BadgeAwardPayload(errors=errors_of(exc, BadgeError))
        return BadgeAwardPayload(award=BadgeAward.from_model(holding))
