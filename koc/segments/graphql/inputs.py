"""The rule tree as a GraphQL input, and the inputs of segments and layering rules.

``SegmentRuleInput`` has one optional field per connective and fact; exactly one is set per
node. That is checked with the rule's other checks (``koc.segments.rules``), not by GraphQL's
``@oneOf``, so a caller gets every problem at once as typed errors naming the path inside the
tree (``rule.any[2].events.withinDays``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from koc.creators.graphql.types import KocStatus
from koc.errors import DomainError
from koc.graphql.boundary import MaxLength
from koc.graphql.ids import decode_id, decode_ids
from koc.members.audience import Audience
from koc.orders.graphql.types import MemberEventKind
from koc.segments.errors import SegmentErrorCode

CODE = [MaxLength(chars=64)]
SHORT_CODE = [MaxLength(chars=32)]  # stage codes, KOC roles


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@strawberry.input(description="A time range: the last withinDays days, and/or from-to.")
class TimeWindowInput:
    within_days: int | None = strawberry.field(
        default=None, description="The last N days before the rule is evaluated (1-3650)."
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="At or after this time."
    )
    to: datetime | None = strawberry.field(default=None, description="Before this time.")

    def to_json(self) -> dict[str, Any]:
        return {"withinDays": self.within_days, "from": _iso(self.from_), "to": _iso(self.to)}


@strawberry.input(description="Tags the member holds: every one of all, one of any, none of none.")
class TagsFactInput:
    all: list[relay.GlobalID] | None = strawberry.field(default=None, description="Every one.")
    any: list[relay.GlobalID] | None = strawberry.field(default=None, description="At least one.")
    none: list[relay.GlobalID] | None = strawberry.field(default=None, description="None of them.")

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            name: decode_ids(ids, "Tag", f"{path}.{name}") if ids is not None else None
            for name, ids in (("all", self.all), ("any", self.any), ("none", self.none))
        }


@strawberry.input(description="The member's lifecycle stage.")
class StageFactInput:
    in_: list[str] | None = strawberry.field(
        default=None, name="in", description="One of these stage codes.", directives=SHORT_CODE
    )
    at_least: str | None = strawberry.field(
        default=None,
        description="This stage or a later one of the pipeline (e.g. TEST_DRIVE and after).",
        directives=SHORT_CODE,
    )

    def to_json(self, path: str) -> dict[str, Any]:
        return {"in": self.in_, "atLeast": self.at_least}


@strawberry.input(description="The member's KOC profile: both conditions hold when both given.")
class KocFactInput:
    statuses: list[KocStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The KOC profile is in one of these statuses."
    )
    roles: list[str] | None = strawberry.field(
        default=None,
        description="Holds one of these KOC roles (active KOCs).",
        directives=SHORT_CODE,
    )

    def to_json(self, path: str) -> dict[str, Any]:
        statuses = [s.value for s in self.statuses] if self.statuses is not None else None
        return {"statuses": statuses, "roles": self.roles}


@strawberry.input(description="Badges the member holds (not revoked), by badge code.")
class BadgesFactInput:
    all: list[str] | None = strawberry.field(
        default=None, description="Every one of these.", directives=CODE
    )
    any: list[str] | None = strawberry.field(
        default=None, description="At least one of these.", directives=CODE
    )

    def to_json(self, path: str) -> dict[str, Any]:
        return {"all": self.all, "any": self.any}


@strawberry.input(
    description="Orders the member placed (refunded orders do not count), in the time range."
)
class OrdersFactInput(TimeWindowInput):
    count_at_least: int | None = strawberry.field(
        default=None, description="At least this many orders (default 1)."
    )
    amount_at_least_cents: int | None = strawberry.field(
        default=None, description="Together worth at least this much, net of refunds (cents)."
    )
    categories: list[str] | None = strawberry.field(
        default=None, description="Only orders of these product categories.", directives=CODE
    )

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            "countAtLeast": self.count_at_least,
            "amountAtLeastCents": self.amount_at_least_cents,
            "categories": self.categories,
            **TimeWindowInput.to_json(self),
        }


@strawberry.input(
    description="Member events partners reported (test drives, visits, ...), in the time range."
)
class EventsFactInput(TimeWindowInput):
    kind: MemberEventKind = strawberry.field(description="The kind of event.")  # type: ignore[valid-type]
    count_at_least: int | None = strawberry.field(
        default=None, description="At least this many such events (default 1)."
    )
    payload_key: str | None = strawberry.field(
        default=None,
        description="Only events whose payload has this key (letters, digits, _) ...",
        directives=CODE,
    )
    payload_value: str | None = strawberry.field(
        default=None, description="... equal to this text.", directives=CODE
    )

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "countAtLeast": self.count_at_least,
            "payloadKey": self.payload_key,
            "payloadValue": self.payload_value,
            **TimeWindowInput.to_json(self),
        }


@strawberry.input(
    description="Friends the member referred whose orders stand (not refunded), in the time range."
)
class ReferralsFactInput(TimeWindowInput):
    converted_at_least: int | None = strawberry.field(
        default=None, description="At least this many different friends converted (default 1)."
    )

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            "convertedAtLeast": self.converted_at_least,
            **TimeWindowInput.to_json(self),
        }


@strawberry.input(description="Survey answers: the member picked one of these options.")
class SurveyFactInput:
    option_ids: list[relay.GlobalID] = strawberry.field(
        description="SurveyOptions (of a choice or a category-interest question)."
    )

    def to_json(self, path: str) -> dict[str, Any]:
        return {"optionIds": decode_ids(self.option_ids, "SurveyOption", f"{path}.optionIds")}


@strawberry.input(
    description="The member's owner advisor: one of ids (StaffUsers with the ADVISOR role), or "
    "unassigned: true for members no advisor serves (in the pool). One of them."
)
class AdvisorFactInput:
    ids: list[relay.GlobalID] | None = strawberry.field(default=None, description="Advisors.")
    unassigned: bool | None = strawberry.field(default=None, description="No owner advisor.")

    def to_json(self, path: str) -> dict[str, Any]:
        ids = decode_ids(self.ids, "StaffUser", f"{path}.ids") if self.ids is not None else None
        return {"ids": ids, "unassigned": self.unassigned}


@strawberry.input(description="A profile text equal to one of the values.")
class TextFactInput:
    in_: list[str] = strawberry.field(name="in", description="The values.", directives=CODE)

    def to_json(self, path: str) -> dict[str, Any]:
        return {"in": self.in_}


@strawberry.input(
    description="A rule over member facts. Set exactly one field: a connective (all, any, not) "
    "or a fact. Facts with time ranges are evaluated when the rule is used."
)
class SegmentRuleInput:
    all: list[SegmentRuleInput] | None = strawberry.field(
        default=None, description="Every one of these rules holds."
    )
    any: list[SegmentRuleInput] | None = strawberry.field(
        default=None, description="At least one of these rules holds."
    )
    not_: SegmentRuleInput | None = strawberry.field(
        default=None, name="not", description="This rule does not hold."
    )
    tags: TagsFactInput | None = strawberry.field(default=None, description="Tags held.")
    stage: StageFactInput | None = strawberry.field(default=None, description="Lifecycle stage.")
    koc: KocFactInput | None = strawberry.field(default=None, description="KOC status and roles.")
    badges: BadgesFactInput | None = strawberry.field(default=None, description="Badges held.")
    orders: OrdersFactInput | None = strawberry.field(default=None, description="Orders placed.")
    events: EventsFactInput | None = strawberry.field(default=None, description="Member events.")
    referrals: ReferralsFactInput | None = strawberry.field(
        default=None, description="Referrals converted."
    )
    survey: SurveyFactInput | None = strawberry.field(default=None, description="Survey answers.")
    advisor: AdvisorFactInput | None = strawberry.field(
        default=None, description="The owner advisor (1-on-1 service)."
    )
    region: TextFactInput | None = strawberry.field(default=None, description="Region.")
    source_channel: TextFactInput | None = strawberry.field(
        default=None, description="Source channel the member came through."
    )
    created: TimeWindowInput | None = strawberry.field(
        default=None, description="When the member was created."
    )
    last_active: TimeWindowInput | None = strawberry.field(
        default=None, description="When the member was last active."
    )

    def to_json(self, path: str = "rule") -> dict[str, Any]:
        """The rule's JSON form (koc.segments.rules), global IDs decoded; an ID of the wrong
        kind is an error naming its path."""
        data: dict[str, Any] = {}
        for name, key in _FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            at = f"{path}.{key}"
            if key in ("all", "any"):
                data[key] = [child.to_json(f"{at}[{i}]") for i, child in enumerate(value)]
            elif key == "not":
                data[key] = value.to_json(at)
            elif key in ("created", "lastActive"):
                data[key] = value.to_json()
            else:
                data[key] = value.to_json(at)
        return data


_FIELDS = [
    ("all", "all"),
    ("any", "any"),
    ("not_", "not"),
    ("tags", "tags"),
    ("stage", "stage"),
    ("koc", "koc"),
    ("badges", "badges"),
    ("orders", "orders"),
    ("events", "events"),
    ("referrals", "referrals"),
    ("survey", "survey"),
    ("advisor", "advisor"),
    ("region", "region"),
    ("source_channel", "sourceChannel"),
    ("created", "created"),
    ("last_active", "lastActive"),
]


@strawberry.input(description="A new segment: a named rule.")
class SegmentCreateInput:
    name: str = strawberry.field(description="Unique name, 1-64 characters.")
    description: str = strawberry.field(default="", description="What the segment is for.")
    rule: SegmentRuleInput = strawberry.field(description="Who belongs to it.")


@strawberry.input(description="Changes to a segment; omitted fields stay as they are.")
class SegmentUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The Segment.")
    name: str | None = strawberry.field(default=None, description="New name, 1-64 characters.")
    description: str | None = strawberry.field(default=None, description="New description.")
    rule: SegmentRuleInput | None = strawberry.field(
        default=None, description="New rule; tag rules using the segment re-layer at once."
    )


@strawberry.input(
    description="Who something is for: a rule, or a saved segment (its rule as it is when used); "
    "one of them, not both."
)
class AudienceInput:
    rule: SegmentRuleInput | None = strawberry.field(default=None, description="A rule.")
    segment_id: relay.GlobalID | None = strawberry.field(default=None, description="A Segment.")

    def to_audience(self, path: str = "audience", required: bool = True) -> Audience:
        """The audience with its global IDs decoded, errors naming the field inside ``path``
        (``audience.rule.any[0].tags.any``); neither rule nor segment is refused unless not
        ``required`` (every member). Whether the rule holds together and what it names exists
        is the service's check (koc.members.audience.check)."""
        at = f"{path}." if path else ""
        if (
            self.rule is not None
            and self.segment_id is not None
            or (required and self.rule is None and self.segment_id is None)
        ):
            raise DomainError(
                SegmentErrorCode.INVALID, "Give a rule or a segmentId, not both.", path or None
            )
        segment = (
            decode_id(self.segment_id, "Segment", f"{at}segmentId") if self.segment_id else None
        )
        return Audience(self.rule.to_json(f"{at}rule") if self.rule else None, segment)


@strawberry.input(description="A tag rule: members of the segment carry the tag, automatically.")
class TagRuleCreateInput:
    segment_id: relay.GlobalID = strawberry.field(description="The Segment members must match.")
    tag_id: relay.GlobalID = strawberry.field(description="The Tag they carry while they match.")


@strawberry.input(description="A stage rule: an event of a kind moves the member to a stage.")
class StageRuleCreateInput:
    event_kind: MemberEventKind = strawberry.field(description="The event that moves.")  # type: ignore[valid-type]
    stage: str = strawberry.field(description="Code of the target stage.", directives=SHORT_CODE)
    segment_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only members of this Segment move (default: every member)."
    )
    allow_backward: bool = strawberry.field(
        default=False, description="Also move members who are on a later stage (default: never)."
    )
