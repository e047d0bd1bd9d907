"""GraphQL inputs of the creators feature."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry
from strawberry import relay

from koc.creators import campaigns, scoring
from koc.creators.graphql.types import KocRole, KocScoringSignal, KocStatus
from koc.creators.models import KocRole as Role
from koc.graphql.boundary import MaxLength
from koc.graphql.enums import enum_type
from koc.segments.graphql.inputs import AudienceInput


@strawberry.input(description="A member applies to become a KOC.")
class KocApplyInput:
    roles: list[KocRole] = strawberry.field(description="Roles wanted, at least one.")  # type: ignore[valid-type]
    statement: str = strawberry.field(description="Why you, 1-2000 characters.")
    links: list[str] = strawberry.field(
        default_factory=list, description="Up to 10 http(s) links to your content."
    )


@strawberry.input(description="Staff nominate a member for the review queue.")
class KocNominateInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    roles: list[KocRole] = strawberry.field(description="Roles proposed, at least one.")  # type: ignore[valid-type]
    note: str = strawberry.field(default="", description="Why (staff only), up to 2000 characters.")


class KocReviewDecision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


enum_type(
    KocReviewDecision,
    "What a review decides.",
    APPROVE="The member becomes an active KOC with the roles granted, and a certificate.",
    REJECT="The application is closed with a reason the member sees.",
)


@strawberry.input(description="Approve or reject an application or nomination.")
class KocApplicationReviewInput:
    application_id: relay.GlobalID = strawberry.field(description="The KocApplication.")
    decision: KocReviewDecision = strawberry.field(description="APPROVE or REJECT.")
    roles: list[KocRole] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Roles granted on approval (default: the roles wanted)."
    )
    reason: str = strawberry.field(
        default="",
        description="Required to reject (1-500 characters, the member sees it); optional note "
        "on approval.",
    )


@strawberry.input(description="Move a KOC to another status.")
class KocStatusSetInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    status: KocStatus = strawberry.field(description="The new status.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why, 1-500 characters; kept in the history.")
    roles: list[KocRole] | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Only when activating: the roles (default: those already held).",
    )


@strawberry.input(description="Replace the roles of an active or paused KOC.")
class KocRolesSetInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    roles: list[KocRole] = strawberry.field(description="The roles to hold, at least one.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why, 1-500 characters; kept in the history.")


@strawberry.input(
    description="Who a campaign is open to: members a rule or a saved segment holds (neither: "
    "every member), who also reach minScore for the campaign's role when given."
)
class KocCampaignAudienceInput(AudienceInput):
    min_score: float | None = strawberry.field(
        default=None, description="Minimum candidate score for the campaign's role."
    )


@strawberry.input(description="A new recruitment campaign.")
class KocCampaignCreateInput:
    title: str = strawberry.field(description="Title, 1-120 characters.")
    brief: str = strawberry.field(
        description="What participants do, at least 1 character.",
        directives=[MaxLength(chars=campaigns.MAX_TEXT)],
    )
    role: KocRole = strawberry.field(description="The role the campaign recruits for.")  # type: ignore[valid-type]
    starts_at: datetime = strawberry.field(description="Opening time, with a time zone.")
    ends_at: datetime = strawberry.field(
        description="Closing time, with a time zone, in the future."
    )
    audience: KocCampaignAudienceInput | None = strawberry.field(
        default=None, description="Who may join (default: every member)."
    )
    capacity: int | None = strawberry.field(
        default=None, description="Most participants (default: unlimited)."
    )

    def to_input(self) -> campaigns.CampaignInput:
        given = self.audience or KocCampaignAudienceInput()
        return campaigns.CampaignInput(
            title=self.title,
            brief=self.brief,
            role=Role(self.role),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            audience=given.to_audience("audience", required=False),
            min_score=given.min_score,
            capacity=self.capacity,
        )


@strawberry.input(description="Sign up for a campaign.")
class KocCampaignJoinInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The KocCampaign.")


@strawberry.input(description="Submit work to a campaign you joined.")
class KocSubmissionCreateInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The KocCampaign.")
    text: str = strawberry.field(
        default="", description="Text.", directives=[MaxLength(chars=campaigns.MAX_TEXT)]
    )
    links: list[str] = strawberry.field(default_factory=list, description="Up to 10 http(s) links.")
    media_urls: list[str] = strawberry.field(
        default_factory=list, description="Up to 20 http(s) media URLs."
    )

    def to_input(self) -> campaigns.SubmissionInput:
        return campaigns.SubmissionInput(
            text=self.text, links=list(self.links), media_urls=list(self.media_urls)
        )


@strawberry.input(description="Rate a submission, and optionally promote its author.")
class KocSubmissionReviewInput:
    submission_id: relay.GlobalID = strawberry.field(description="The KocSubmission.")
    rating: int = strawberry.field(description="1 (weak) to 5 (excellent).")
    comment: str = strawberry.field(default="", description="Up to 1000 characters.")
    promote: bool = strawberry.field(
        default=False,
        description="Also make the author an ACTIVE KOC of the campaign's role (added to the "
        "roles of an active KOC).",
    )


@strawberry.input(description="New weight of one signal.")
class KocSignalWeightInput:
    signal: KocScoringSignal = strawberry.field(description="The signal.")  # type: ignore[valid-type]
    weight: float = strawberry.field(description="Points at saturation, within ±1000.")
    saturation: float = strawberry.field(description="Raw value at which it saturates, > 0.")
    content: float = strawberry.field(default=1.0, description="Affinity for CONTENT, 0-10.")
    experience: float = strawberry.field(default=1.0, description="Affinity for EXPERIENCE, 0-10.")
    co_creation: float = strawberry.field(
        default=1.0, description="Affinity for CO_CREATION, 0-10."
    )

    def to_weight(self) -> tuple[scoring.Signal, scoring.SignalWeight]:
        return scoring.Signal(self.signal), scoring.SignalWeight(
            self.weight,
            self.saturation,
            {
                Role.CONTENT: self.content,
                Role.EXPERIENCE: self.experience,
                Role.CO_CREATION: self.co_creation,
            },
        )


@strawberry.input(description="Change some signals' weights; the others keep theirs.")
class KocScoringWeightsSetInput:
    signals: list[KocSignalWeightInput] = strawberry.field(description="The changed signals.")
