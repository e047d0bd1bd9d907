"""GraphQL inputs of the badges feature."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from koc.badges.definitions import BadgeData
from koc.badges.graphql.types import BadgeRule


@strawberry.input(description="A new badge (one level of a family).")
class BadgeCreateInput:
    code: str = strawberry.field(description="Stable code: A-Z, 0-9, _; 2-64 characters.")
    name: str = strawberry.field(description="Display name, 1-64 characters.")
    family: str | None = strawberry.field(
        default=None, description="Family of levels (default: the code)."
    )
    level: int = strawberry.field(default=1, description="Level in the family, 1-100.")
    description: str = strawberry.field(default="", description="What it honours (max 2000).")
    image_url: str = strawberry.field(default="", description="http(s) image URL.")
    visible: bool = strawberry.field(
        default=True, description="Shown to members before earned, with their progress."
    )
    rule: BadgeRule = strawberry.field(  # type: ignore[valid-type]
        default=BadgeRule.MANUAL, description="How it is earned."
    )
    threshold: int = strawberry.field(
        default=0, description="Count (or years) the rule needs; 0 for MANUAL and KOC_ROLE."
    )
    koc_role: str = strawberry.field(
        default="", description="KOC_ROLE rule: the role needed, empty for any role."
    )

    def to_data(self) -> BadgeData:
        return BadgeData(
            code=self.code,
            name=self.name,
            family=self.family if self.family is not None else self.code,
            level=self.level,
            description=self.description,
            image_url=self.image_url,
            visible=self.visible,
            rule=self.rule,
            threshold=self.threshold,
            koc_role=self.koc_role,
        )


@strawberry.input(description="Changes to a badge; omitted fields stay as they are.")
class BadgeUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The Badge.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Display name.")
    family: str | None = strawberry.field(default=strawberry.UNSET, description="Family.")
    level: int | None = strawberry.field(default=strawberry.UNSET, description="Level.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="Text.")
    image_url: str | None = strawberry.field(default=strawberry.UNSET, description="Image URL.")
    visible: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Shown before earned."
    )
    rule: BadgeRule | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET,
        description="New rule; holders keep the badge, newly qualifying members receive it.",
    )
    threshold: int | None = strawberry.field(default=strawberry.UNSET, description="Threshold.")
    koc_role: str | None = strawberry.field(default=strawberry.UNSET, description="KOC role.")
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False retires the badge: no new awards."
    )

    def changes(self) -> dict[str, Any]:
        names = (
            "name",
            "family",
            "level",
            "description",
            "image_url",
            "visible",
            "rule",
            "threshold",
            "koc_role",
            "active",
        )
        # null means "leave as is": none of these fields can be cleared.
        return {
            n: getattr(self, n) for n in names if getattr(self, n) not in (None, strawberry.UNSET)
        }


@strawberry.input(description="Award a badge to a member, or revoke it.")
class BadgeAwardInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    badge_id: relay.GlobalID = strawberry.field(description="The Badge.")
    reason: str = strawberry.field(description="Why, 1-500 characters; kept in the history.")
