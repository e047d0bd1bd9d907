"""GraphQL types of surveys, their questions, drafts, responses and results.

Over 500 lines on purpose: one small GraphQL type per concept of the feature (31 of them),
each beside the types it points at; split by concept, the feature's API would be read across
as many files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.viewer import MemberViewer, is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.relay import Connection, paginate_children
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql import types as member_types
from koc.segments.graphql import types as segment_types
from koc.surveys import models, rules
from koc.surveys.errors import SurveyErrorCode
from koc.surveys.graphql import dataloaders as dl
from koc.surveys.results import QuestionResult, Results, SegmentKind
from koc.surveys.services import effective_status

if TYPE_CHECKING:
    from koc.members.graphql.types import Tag
    from koc.segments.graphql.types import Segment

LazyTag = Annotated["Tag", strawberry.lazy("koc.members.graphql.types")]
LazySegment = Annotated["Segment", strawberry.lazy("koc.segments.graphql.types")]

SurveyPurpose = enum_type(
    models.SurveyPurpose,
    "Why the survey is asked.",
    name="SurveyPurpose",
    CATEGORY_EXPANSION="To learn what to sell next: demand per candidate category.",
    SATISFACTION="To measure satisfaction (ratings, NPS).",
    ONBOARDING="To get to know new members.",
    OTHER="Any other reason.",
)
SurveyStatus = enum_type(
    models.SurveyStatus,
    "Where a survey is in its life. An open survey past its closing time reads as CLOSED.",
    name="SurveyStatus",
    DRAFT="Being built; changes in place; nobody can answer.",
    OPEN="Answerable; its questions are frozen (a change makes a new version).",
    CLOSED="No longer takes answers; cannot change.",
)
SurveyAudienceMode = enum_type(
    models.AudienceMode,
    "How a survey's audience is given.",
    name="SurveyAudienceMode",
    RULES="Members matching every rule kind given (everyone when none is given).",
    EXPLICIT="A list of members.",
)
SurveyQuestionKind = enum_type(
    models.QuestionKind,
    "What a question asks for.",
    name="SurveyQuestionKind",
    SINGLE_CHOICE="One option.",
    MULTIPLE_CHOICE="Between minPicks and maxPicks options.",
    RATING="A rating on the question's scale (1-5 or 0-10).",
    TEXT="Free text up to the question's maximum length.",
    CATEGORY_INTEREST="Per candidate category: interest, and for an interest the timing and "
    "price band.",
)
SurveyRatingScale = enum_type(
    models.RatingScale,
    "The scale of a rating question.",
    name="SurveyRatingScale",
    FIVE="1 to 5.",
    NPS="0 to 10, with a Net Promoter Score in the results.",
)
SurveyInterest = enum_type(
    models.Interest,
    "Interest in a candidate category.",
    name="SurveyInterest",
    NONE="Not interested.",
    SOME="Somewhat interested.",
    STRONG="Strongly interested.",
)
SurveyTiming = enum_type(
    models.Timing,
    "When the member needs a category, relative to their purchase.",
    name="SurveyTiming",
    BEFORE_PURCHASE="Before their purchase (e.g. financing, a trade-in).",
    AFTER_PURCHASE="After their purchase (e.g. insurance, a charger, accessories).",
)
SurveyResponseChannel = enum_type(
    models.ResponseChannel,
    "How a response was given.",
    name="SurveyResponseChannel",
    MINI_PROGRAM="Answered by the member in the mini-program.",
    INTERVIEW="Recorded by staff during a 1-on-1 interview.",
)
SurveySegmentKind = enum_type(
    SegmentKind,
    "How to split the demand table.",
    name="SurveySegmentKind",
    STAGE="By the member's lifecycle stage.",
    KOC="KOCs against other members.",
    TAG="Members holding a tag against the others.",
    BOUGHT_CATEGORY="Members who bought a category against the others.",
)


class SurveyMemberStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    DRAFT = "DRAFT"
    RESPONDED = "RESPONDED"


enum_type(
    SurveyMemberStatus,
    "Where the signed-in member is with a survey.",
    NOT_STARTED="Not answered and no draft saved.",
    DRAFT="Answers saved as a draft, not submitted.",
    RESPONDED="Answered (in the mini-program or in an interview).",
)

SurveyError = error_type("SurveyError", SurveyErrorCode, "A problem with a survey or an answer.")


def _staff_only(info: Info) -> None:
    if not is_staff(info.context.viewer):
        raise forbidden()


def _member_id(info: Info) -> int | None:
    viewer = info.context.viewer
    return viewer.member_id if isinstance(viewer, MemberViewer) else None


@strawberry.type(description="Tags a respondent earns by an answer (the codebook).")
class SurveyCodebookEntry:
    interest: SurveyInterest | None = strawberry.field(  # type: ignore[valid-type]
        description="For a category: the interest level that earns the tag; null for a choice "
        "option (picking it earns the tag)."
    )
    tag_id: strawberry.Private[int]

    @strawberry.field(description="The tag applied to the respondent.")
    async def tag(self, info: Info) -> LazyTag:
        return member_types.Tag.from_model(
            await loader(info, member_dl.load_tags).load(self.tag_id)
        )


@strawberry.type(
    description="A choice of a choice question, or a candidate category of a "
    "CATEGORY_INTEREST question."
)
class SurveyOption(relay.Node):
    id: relay.NodeID[int]
    key: str = strawberry.field(
        description="Stable key within the question (kept across versions)."
    )
    label: str = strawberry.field(description="What the member reads.")

    @classmethod
    def from_rule(cls, o: rules.Option) -> SurveyOption:
        return cls(id=o.id, key=o.key, label=o.label)

    @strawberry.field(description="Tags this option earns the respondent (staff only).")
    async def codebook(self, info: Info) -> list[SurveyCodebookEntry]:
        _staff_only(info)
        rows = await loader(info, dl.load_codebook).load(self.id)
        return [SurveyCodebookEntry(interest=r.interest, tag_id=r.tag_id) for r in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SurveyOption | None]:
        _staff_only(info)
        rows = await models.SurveyOption.filter(id__in=[int(i) for i in node_ids])
        found = {r.id: cls(id=r.id, key=r.key, label=r.label) for r in rows}
        return [found.get(int(i)) for i in node_ids]


@strawberry.type(description="When a question is shown: an earlier answer must match.")
class SurveyCondition:
    question_id: relay.GlobalID = strawberry.field(description="The earlier SurveyQuestion.")
    option_ids: list[relay.GlobalID] = strawberry.field(
        description="Shown when any of these options of the earlier question was picked."
    )
    rating_min: int | None = strawberry.field(
        description="Shown when the earlier rating is at least this."
    )
    rating_max: int | None = strawberry.field(
        description="Shown when the earlier rating is at most this."
    )


@strawberry.type(description="One question of a survey version.")
class SurveyQuestion(relay.Node):
    id: relay.NodeID[int]
    key: str = strawberry.field(description="Stable key within the survey (kept across versions).")
    kind: SurveyQuestionKind = strawberry.field(description="What kind of answer it takes.")  # type: ignore[valid-type]
    prompt: str = strawberry.field(description="The question as the member reads it.")
    required: bool = strawberry.field(description="Must be answered when shown.")
    min_picks: int | None = strawberry.field(description="MULTIPLE_CHOICE: fewest picks.")
    max_picks: int | None = strawberry.field(description="MULTIPLE_CHOICE: most picks.")
    rating_scale: SurveyRatingScale | None = strawberry.field(  # type: ignore[valid-type]
        description="RATING: the scale."
    )
    rating_min: int | None = strawberry.field(description="RATING: lowest value allowed.")
    rating_max: int | None = strawberry.field(description="RATING: highest value allowed.")
    max_length: int | None = strawberry.field(description="TEXT: most characters.")
    price_bands: list[str] = strawberry.field(
        description="CATEGORY_INTEREST: the expected price bands a member may pick from."
    )
    options: list[SurveyOption] = strawberry.field(
        description="Choices, or for CATEGORY_INTEREST the candidate categories."
    )
    show_if: SurveyCondition | None = strawberry.field(
        description="Shown only when an earlier answer matches; null: always shown."
    )

    @classmethod
    def from_rule(cls, q: rules.Question) -> SurveyQuestion:
        low, high = q.rating_range if q.kind is models.QuestionKind.RATING else (None, None)
        condition = None
        if q.show_if_question_id is not None:
            condition = SurveyCondition(
                question_id=relay.GlobalID("SurveyQuestion", str(q.show_if_question_id)),
                option_ids=[relay.GlobalID("SurveyOption", str(o)) for o in q.show_if_option_ids],
                rating_min=q.show_if_rating_min,
                rating_max=q.show_if_rating_max,
            )
        return cls(
            id=q.id,
            key=q.key,
            kind=q.kind,
            prompt=q.prompt,
            required=q.required,
            min_picks=q.min_picks,
            max_picks=q.max_picks,
            rating_scale=q.rating_scale,
            rating_min=low,
            rating_max=high,
            max_length=q.max_length,
            price_bands=q.price_bands,
            options=[SurveyOption.from_rule(o) for o in q.options],
            show_if=condition,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SurveyQuestion | None]:
        _staff_only(info)
        ids = [int(i) for i in node_ids]
        versions = await models.SurveyQuestion.filter(id__in=ids).values_list(
            "version_id", flat=True
        )
        found = {
            q.id: cls.from_rule(q)
            for qs in await loader(info, dl.load_questions).load_many(list(set(versions)))
            for q in qs
        }
        return [found.get(i) for i in ids]


@strawberry.type(description="One version of a survey's questions.")
class SurveyVersion:
    number: int = strawberry.field(description="1 for the first; editing an open survey adds one.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    published_at: datetime | None = strawberry.field(
        description="When its questions were frozen (UTC); null while the survey is a draft."
    )


@strawberry.type(description="Who a survey is meant for.")
class SurveyAudience:
    mode: SurveyAudienceMode = strawberry.field(  # type: ignore[valid-type]
        description="RULES: the rule or the saved segment (neither: every member); EXPLICIT: a "
        "list of members."
    )
    rule: JSON | None = strawberry.field(
        description="The audience rule, in the shape of SegmentRuleInput; null when a saved "
        "segment (or nobody in particular) is the audience."
    )
    member_count: int = strawberry.field(description="EXPLICIT mode: how many members are listed.")
    segment_id: strawberry.Private[int | None]

    @strawberry.field(description="The saved segment that is the audience (its rule as it is now).")
    async def segment(self, info: Info) -> LazySegment | None:
        if self.segment_id is None:
            return None
        row = await loader(info, segment_types.load_segments).load(self.segment_id)
        return segment_types.Segment.from_model(row) if row else None


@strawberry.type(description="An answer as given (in a saved draft).")
class SurveyAnswer:
    question_id: relay.GlobalID = strawberry.field(description="The SurveyQuestion.")
    option_ids: list[relay.GlobalID] | None = strawberry.field(description="Picked options.")
    rating: int | None = strawberry.field(description="The rating.")
    text: str | None = strawberry.field(description="The text.")
    categories: list[SurveyCategoryAnswer] | None = strawberry.field(
        description="Interest per candidate category."
    )

    @classmethod
    def from_input(cls, a: rules.AnswerIn) -> SurveyAnswer:
        return cls(
            question_id=relay.GlobalID("SurveyQuestion", str(a.question_id)),
            option_ids=[relay.GlobalID("SurveyOption", str(o)) for o in a.option_ids]
            if a.option_ids is not None
            else None,
            rating=a.rating,
            text=a.text,
            categories=[
                SurveyCategoryAnswer(
                    category_id=relay.GlobalID("SurveyOption", str(c.option_id)),
                    interest=c.interest,
                    timing=c.timing,
                    price_band=c.price_band,
                )
                for c in a.categories
            ]
            if a.categories is not None
            else None,
        )


@strawberry.type(description="Interest in one candidate category.")
class SurveyCategoryAnswer:
    category_id: relay.GlobalID = strawberry.field(description="The category (a SurveyOption).")
    interest: SurveyInterest = strawberry.field(description="How interested.")  # type: ignore[valid-type]
    timing: SurveyTiming | None = strawberry.field(description="When it is needed.")  # type: ignore[valid-type]
    price_band: str | None = strawberry.field(description="Expected price band.")


@strawberry.type(description="Answers saved to finish later.")
class SurveyDraft:
    saved_at: datetime = strawberry.field(description="When last saved (UTC).")
    answers: list[SurveyAnswer] = strawberry.field(
        description="The saved answers that still fit the current questions."
    )


@strawberry.type(
    description="A questionnaire for members, answered in the mini-program or in "
    "a 1-on-1 interview."
)
class Survey(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    introduction: str = strawberry.field(description="What the member reads first.")
    purpose: SurveyPurpose = strawberry.field(description="Why it is asked.")  # type: ignore[valid-type]
    status: SurveyStatus = strawberry.field(description="Where it is in its life.")  # type: ignore[valid-type]
    anonymous: bool = strawberry.field(
        description="Answers are stored without the member (no tags, no segments, no member "
        "column in the export)."
    )
    closes_at: datetime | None = strawberry.field(description="Answers stop at this time (UTC).")
    response_cap: int | None = strawberry.field(description="Answers stop after this many.")
    response_count: int = strawberry.field(description="Responses so far, over all versions.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    published_at: datetime | None = strawberry.field(description="When it opened (UTC).")
    closed_at: datetime | None = strawberry.field(description="When staff closed it (UTC).")
    current_version_id: strawberry.Private[int]
    audience_mode: strawberry.Private[models.AudienceMode]
    audience_rule: strawberry.Private[dict[str, Any] | None]
    audience_segment_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, s: models.Survey | dl.SurveyRow) -> Survey:
        return cls(
            id=s.id,
            title=s.title,
            introduction=s.introduction,
            purpose=s.purpose,
            status=effective_status(s, datetime.now(UTC)),
            anonymous=s.anonymous,
            closes_at=s.closes_at,
            response_cap=s.response_cap,
            response_count=s.response_count,
            created_at=s.created_at,
            published_at=s.published_at,
            closed_at=s.closed_at,
            current_version_id=s.current_version_id or 0,
            audience_mode=s.audience_mode,
            audience_rule=s.audience_rule,
            audience_segment_id=s.audience_segment_id,
        )

    @strawberry.field(description="Number of the current version of the questions.")
    async def version(self, info: Info) -> int:
        row = await loader(info, dl.load_versions).load(self.current_version_id)
        return row.number if row else 1

    @strawberry.field(description="The questions of the current version, in order.")
    async def questions(self, info: Info) -> list[SurveyQuestion]:
        rows = await loader(info, dl.load_questions).load(self.current_version_id)
        return [SurveyQuestion.from_rule(q) for q in rows]

    @strawberry.field(description="Every version, oldest first (staff only).")
    async def versions(self, info: Info) -> list[SurveyVersion]:
        _staff_only(info)
        rows = await loader(info, dl.load_versions_of_surveys).load(self.id)
        return [
            SurveyVersion(number=v.number, created_at=v.created_at, published_at=v.published_at)
            for v in rows
        ]

    @strawberry.field(description="Who the survey is meant for (staff only).")
    async def audience(self, info: Info) -> SurveyAudience:
        _staff_only(info)
        count = await loader(info, dl.load_audience_member_counts).load(self.id)
        return SurveyAudience(
            mode=self.audience_mode,
            rule=segment_types.rule_json(self.audience_rule) if self.audience_rule else None,
            member_count=count,
            segment_id=self.audience_segment_id,
        )

    async def _participation(self, info: Info) -> models.SurveyParticipation | None:
        member_id = _member_id(info)
        if member_id is None:
            return None
        return await loader(info, dl.load_participations).load((member_id, self.id))

    @strawberry.field(description="The signed-in member's progress (null for staff and partners).")
    async def my_status(self, info: Info) -> SurveyMemberStatus | None:
        if _member_id(info) is None:
            return None
        p = await self._participation(info)
        if p is None:
            return SurveyMemberStatus.NOT_STARTED
        if p.responded_at is not None:
            return SurveyMemberStatus.RESPONDED
        return SurveyMemberStatus.DRAFT if p.draft is not None else SurveyMemberStatus.NOT_STARTED

    @strawberry.field(description="The signed-in member's saved draft, if any.")
    async def my_draft(self, info: Info) -> SurveyDraft | None:
        p = await self._participation(info)
        if p is None or p.draft is None or p.responded_at is not None:
            return None
        questions = await loader(info, dl.load_questions).load(self.current_version_id)
        return SurveyDraft(
            saved_at=p.draft_saved_at or p.created_at,
            answers=[SurveyAnswer.from_input(a) for a in rules.draft_answers(p.draft, questions)],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Survey | None]:
        ids = [int(i) for i in node_ids]
        await check_can_read_surveys(info, ids)
        rows = await loader(info, dl.load_surveys).load_many(ids)
        return [cls.from_model(r) if r else None for r in rows]


async def check_can_read_surveys(info: Info, survey_ids: Iterable[int]) -> None:
    """Staff read every survey; a member only the open surveys whose audience holds them."""
    viewer = info.context.viewer
    if is_staff(viewer):
        return
    if not isinstance(viewer, MemberViewer):
        raise forbidden()
    mine = await loader(info, dl.load_open_surveys_of_members).load(viewer.member_id)
    if any(i not in mine for i in survey_ids):
        raise forbidden()


@strawberry.type(description="A stored answer sheet.")
class SurveyResponse:
    id: relay.GlobalID = strawberry.field(description="ID of the response.")
    version: int = strawberry.field(description="The version of the questions it answered.")
    channel: SurveyResponseChannel = strawberry.field(description="How it was given.")  # type: ignore[valid-type]
    submitted_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_model(cls, r: models.SurveyResponse, version: int) -> SurveyResponse:
        return cls(
            id=relay.GlobalID("SurveyResponse", str(r.id)),
            version=version,
            channel=r.channel,
            submitted_at=r.submitted_at,
        )


# --- results -------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@strawberry.type(description="How often one option was picked.")
class SurveyOptionCount:
    option: SurveyOption = strawberry.field(description="The option.")
    count: int = strawberry.field(description="Respondents who picked it.")
    share: float = strawberry.field(
        description="count / respondents of the question (0-1; picks of a multiple choice "
        "question add up to more than 1)."
    )


@strawberry.type(description="How many gave one rating value.")
class SurveyRatingCount:
    value: int = strawberry.field(description="The rating value.")
    count: int = strawberry.field(description="How many gave it.")
    share: float = strawberry.field(description="count / ratings given (0-1).")


@strawberry.type(description="Summary of a RATING question.")
class SurveyRatingResult:
    count: int = strawberry.field(description="Ratings given.")
    average: float | None = strawberry.field(description="Mean rating; null without ratings.")
    nps: float | None = strawberry.field(
        description="NPS scale only: % promoters (9-10) minus % detractors (0-6), -100 to 100."
    )
    distribution: list[SurveyRatingCount] = strawberry.field(
        description="Every value of the scale with its count."
    )


@strawberry.type(description="How many interested respondents expect one price band.")
class SurveyPriceBandCount:
    band: str = strawberry.field(description="The price band.")
    count: int = strawberry.field(description="Interested respondents who named it.")
    share: float = strawberry.field(
        description="count / interested respondents who named a band (0-1)."
    )


@strawberry.type(
    description="One row of the demand table: interest in one candidate category among all "
    "respondents (segment null) or among one segment of them."
)
class SurveyDemandRow:
    question: SurveyQuestion = strawberry.field(description="The CATEGORY_INTEREST question.")
    category: SurveyOption = strawberry.field(description="The candidate category.")
    segment: str | None = strawberry.field(
        description="The segment value (a stage code or NO_STAGE, KOC / NOT_KOC, WITH_TAG / "
        "WITHOUT_TAG, BOUGHT / NOT_BOUGHT); null for all respondents."
    )
    respondent_count: int = strawberry.field(description="Respondents who rated the category.")
    none_count: int = strawberry.field(description="... with no interest.")
    some_count: int = strawberry.field(description="... with some interest.")
    strong_count: int = strawberry.field(description="... with strong interest.")
    some_share: float = strawberry.field(description="someCount / respondentCount.")
    strong_share: float = strawberry.field(description="strongCount / respondentCount.")
    interested_share: float = strawberry.field(
        description="(someCount + strongCount) / respondentCount."
    )
    before_purchase_count: int = strawberry.field(
        description="Interested respondents needing it before their purchase."
    )
    after_purchase_count: int = strawberry.field(
        description="Interested respondents needing it after their purchase."
    )
    timing_unknown_count: int = strawberry.field(
        description="Interested respondents who gave no timing."
    )
    before_purchase_share: float = strawberry.field(
        description="beforePurchaseCount / interested respondents."
    )
    after_purchase_share: float = strawberry.field(
        description="afterPurchaseCount / interested respondents."
    )
    price_bands: list[SurveyPriceBandCount] = strawberry.field(
        description="Every price band of the question with its count among the interested."
    )

    @classmethod
    def build(
        cls, q: rules.Question, o: rules.Option, segment: str | None, f: rules.DemandFigures
    ) -> SurveyDemandRow:
        bands = q.price_bands
        lv, T = models.Interest, models.Timing  # noqa: N806
        named = sum(f.bands.values())
        return cls(
            question=SurveyQuestion.from_rule(q),
            category=SurveyOption.from_rule(o),
            segment=segment,
            respondent_count=f.respondents,
            none_count=f.interest[lv.NONE],
            some_count=f.interest[lv.SOME],
            strong_count=f.interest[lv.STRONG],
            some_share=f.share(lv.SOME),
            strong_share=f.share(lv.STRONG),
            interested_share=f.share(lv.SOME, lv.STRONG),
            before_purchase_count=f.timing.get(T.BEFORE_PURCHASE, 0),
            after_purchase_count=f.timing.get(T.AFTER_PURCHASE, 0),
            timing_unknown_count=f.timing.get(None, 0),
            before_purchase_share=_share(f.timing.get(T.BEFORE_PURCHASE, 0), f.interested),
            after_purchase_share=_share(f.timing.get(T.AFTER_PURCHASE, 0), f.interested),
            price_bands=[
                SurveyPriceBandCount(
                    band=b, count=f.bands.get(i, 0), share=_share(f.bands.get(i, 0), named)
                )
                for i, b in enumerate(bands)
            ],
        )


@strawberry.type(description="A text answer.")
class SurveyTextAnswer(relay.Node):
    id: relay.NodeID[int]
    text: str = strawberry.field(description="What was written.")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SurveyTextAnswer | None]:
        _staff_only(info)
        rows = await models.SurveyAnswer.filter(id__in=[int(i) for i in node_ids])
        found = {r.id: cls(id=r.id, text=r.text or "") for r in rows}
        return [found.get(int(i)) for i in node_ids]


@strawberry.type(description="Results of one question.")
class SurveyQuestionResult:
    question: SurveyQuestion = strawberry.field(description="The question.")
    respondent_count: int = strawberry.field(description="Responses that answered it.")
    options: list[SurveyOptionCount] = strawberry.field(
        description="Choice questions: every option with its count."
    )
    rating: SurveyRatingResult | None = strawberry.field(description="RATING questions.")

    @classmethod
    def build(cls, r: QuestionResult) -> SurveyQuestionResult:
        q = r.question
        rating = None
        if r.rating is not None:
            rating = SurveyRatingResult(
                count=r.rating.count,
                average=r.rating.average,
                nps=r.rating.nps,
                distribution=[
                    SurveyRatingCount(value=v, count=n, share=_share(n, r.rating.count))
                    for v, n in r.rating.distribution
                ],
            )
        choice = q.kind in rules.CHOICE_KINDS
        return cls(
            question=SurveyQuestion.from_rule(q),
            respondent_count=r.respondents,
            options=[
                SurveyOptionCount(
                    option=SurveyOption.from_rule(o),
                    count=r.option_counts.get(o.id, 0),
                    share=_share(r.option_counts.get(o.id, 0), r.respondents),
                )
                for o in q.options
            ]
            if choice
            else [],
            rating=rating,
        )

    @strawberry.field(description="TEXT questions: the answers, newest first.")
    async def text_answers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Page size, max 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
    ) -> Connection[SurveyTextAnswer]:
        return await paginate_children(
            info,
            dl.TEXT_ANSWERS,
            parent_id=self.question.id,
            first=first,
            after=after,
            to_node=lambda a: SurveyTextAnswer(id=a.id, text=a.text or ""),
        )


@strawberry.type(description="Aggregated answers of one version of a survey.")
class SurveyResults:
    survey: Survey = strawberry.field(description="The survey.")
    version: int = strawberry.field(description="The version the figures are about.")
    response_count: int = strawberry.field(description="Responses to this version.")
    segment: SurveySegmentKind | None = strawberry.field(  # type: ignore[valid-type]
        description="The segment the demand tables are split by, if any."
    )
    questions: list[SurveyQuestionResult] = strawberry.field(
        description="Results per question, in order."
    )
    demand: list[SurveyDemandRow] = strawberry.field(
        description="The demand table of every CATEGORY_INTEREST question: per category, the "
        "row of all respondents, then (when a segment was asked for) one row per segment value."
    )

    @classmethod
    def build(cls, r: Results) -> SurveyResults:
        return cls(
            survey=Survey.from_model(r.survey),
            version=r.version.number,
            response_count=r.response_count,
            segment=r.segment.kind if r.segment else None,
            questions=[SurveyQuestionResult.build(q) for q in r.questions],
            demand=[
                row
                for q in r.questions
                if q.question.kind is models.QuestionKind.CATEGORY_INTEREST
                for o in q.question.options
                for row in [
                    SurveyDemandRow.build(
                        q.question, o, None, q.demand.get(o.id, rules.DemandFigures())
                    ),
                    *(
                        SurveyDemandRow.build(q.question, o, seg, f)
                        for seg, f in q.demand_by_segment.get(o.id, [])
                    ),
                ]
            ],
        )


@strawberry.type(description="Responses as a CSV document.")
class SurveyExport:
    filename: str = strawberry.field(description="A suggested file name.")
    content_type: str = strawberry.field(description="text/csv.")
    row_count: int = strawberry.field(description="Responses in the file.")
    csv: str = strawberry.field(
        description="The CSV text (UTF-8, header row first, one row per response)."
    )
