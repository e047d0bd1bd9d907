"""GraphQL inputs of the surveys feature, and their translation to plain service arguments."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from koc.graphql.boundary import MaxLength
from koc.graphql.ids import decode_id, decode_ids
from koc.segments.graphql.inputs import SegmentRuleInput
from koc.surveys import rules
from koc.surveys.graphql.types import (
    SurveyInterest,
    SurveyPurpose,
    SurveyQuestionKind,
    SurveyRatingScale,
    SurveySegmentKind,
    SurveyTiming,
)
from koc.surveys.results import Segment


@strawberry.input(
    description="Who a survey is for: a segment rule or a saved segment (its members when the "
    "survey is answered), or an explicit memberIds list; one of them. None at all: every member."
)
class SurveyAudienceInput:
    rule: SegmentRuleInput | None = strawberry.field(
        default=None, description="Members matching this rule (the segment rule language)."
    )
    segment_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Members of this saved Segment, its rule as it is then."
    )
    member_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="An explicit list of members instead of a rule."
    )

    def to_spec(self) -> rules.AudienceSpec:
        """The audience with its global IDs decoded (the service checks it against the data)."""
        return rules.AudienceSpec(
            rule=self.rule.to_json("audience.rule") if self.rule is not None else None,
            segment_id=decode_id(self.segment_id, "Segment", "audience.segmentId")
            if self.segment_id is not None
            else None,
            member_ids=decode_ids(self.member_ids, "Member", "audience.memberIds")
            if self.member_ids is not None
            else None,
        )


@strawberry.input(description="Show a question only when an earlier answer matches.")
class SurveyConditionInput:
    question_key: str = strawberry.field(description="Key of an earlier choice or rating question.")
    option_keys: list[str] = strawberry.field(
        default_factory=list, description="Choice question: any of these options was picked."
    )
    rating_min: int | None = strawberry.field(
        default=None, description="Rating question: the rating is at least this."
    )
    rating_max: int | None = strawberry.field(
        default=None, description="Rating question: the rating is at most this."
    )


@strawberry.input(description="Codebook: the tags a given interest level in a category earns.")
class SurveyInterestTagsInput:
    interest: SurveyInterest = strawberry.field(description="The interest level.")  # type: ignore[valid-type]
    tag_ids: list[relay.GlobalID] = strawberry.field(description="Tags applied to the respondent.")


@strawberry.input(description="A choice, or a candidate category of a CATEGORY_INTEREST question.")
class SurveyOptionInput:
    key: str = strawberry.field(description="Key, unique in the question: a-z 0-9 _ - (1-64).")
    label: str = strawberry.field(description="What the member reads (1-200 characters).")
    tag_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Codebook of a choice: tags earned by picking it."
    )
    interest_tags: list[SurveyInterestTagsInput] = strawberry.field(
        default_factory=list, description="Codebook of a category: tags per interest level."
    )

    def to_spec(self, path: str) -> rules.OptionSpec:
        interest_tags: dict[rules.Interest, list[int]] = {}
        for i, entry in enumerate(self.interest_tags):
            interest_tags.setdefault(entry.interest, []).extend(
                decode_ids(entry.tag_ids, "Tag", f"{path}.interestTags[{i}].tagIds")
            )
        return rules.OptionSpec(
            key=self.key,
            label=self.label,
            tag_ids=decode_ids(self.tag_ids, "Tag", f"{path}.tagIds"),
            interest_tags=interest_tags,
        )


@strawberry.input(description="One question.")
class SurveyQuestionInput:
    key: str = strawberry.field(description="Key, unique in the survey: a-z 0-9 _ - (1-64).")
    kind: SurveyQuestionKind = strawberry.field(description="What kind of answer it takes.")  # type: ignore[valid-type]
    prompt: str = strawberry.field(description="The question (1-1000 characters).")
    required: bool = strawberry.field(default=False, description="Must be answered when shown.")
    options: list[SurveyOptionInput] = strawberry.field(
        default_factory=list, description="Choices, or candidate categories (1-50)."
    )
    min_picks: int | None = strawberry.field(default=None, description="MULTIPLE_CHOICE: fewest.")
    max_picks: int | None = strawberry.field(default=None, description="MULTIPLE_CHOICE: most.")
    rating_scale: SurveyRatingScale | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="RATING: FIVE (1-5) or NPS (0-10)."
    )
    max_length: int | None = strawberry.field(
        default=None, description="TEXT: most characters (1-5000)."
    )
    price_bands: list[str] = strawberry.field(
        default_factory=list, description="CATEGORY_INTEREST: expected price bands to pick from."
    )
    show_if: SurveyConditionInput | None = strawberry.field(
        default=None, description="Show only when an earlier answer matches."
    )

    def to_spec(self, path: str) -> rules.QuestionSpec:
        c = self.show_if
        return rules.QuestionSpec(
            key=self.key,
            kind=self.kind,
            prompt=self.prompt,
            required=self.required,
            options=[o.to_spec(f"{path}.options[{i}]") for i, o in enumerate(self.options)],
            min_picks=self.min_picks,
            max_picks=self.max_picks,
            rating_scale=self.rating_scale,
            max_length=self.max_length,
            price_bands=self.price_bands,
            show_if=rules.ConditionSpec(c.question_key, c.option_keys, c.rating_min, c.rating_max)
            if c
            else None,
        )


@strawberry.input(description="A survey definition.")
class SurveyCreateInput:
    title: str = strawberry.field(description="Title (1-200 characters).")
    purpose: SurveyPurpose = strawberry.field(description="Why it is asked.")  # type: ignore[valid-type]
    questions: list[SurveyQuestionInput] = strawberry.field(description="The questions, in order.")
    introduction: str = strawberry.field(
        default="", description="Shown first.", directives=[MaxLength(chars=5000)]
    )
    anonymous: bool = strawberry.field(
        default=False,
        description="Store answers without the member: no codebook tags, no segments.",
    )
    closes_at: datetime | None = strawberry.field(
        default=None, description="Stop answers at this (future) time."
    )
    response_cap: int | None = strawberry.field(
        default=None, description="Stop answers after this many responses."
    )
    audience: SurveyAudienceInput | None = strawberry.field(
        default=None, description="Who it is for; null: every member."
    )

    async def to_spec(self) -> rules.SurveySpec:
        return rules.SurveySpec(
            title=self.title,
            purpose=self.purpose,
            questions=[q.to_spec(f"questions[{i}]") for i, q in enumerate(self.questions)],
            introduction=self.introduction,
            anonymous=self.anonymous,
            closes_at=self.closes_at,
            response_cap=self.response_cap,
            audience=self.audience.to_spec() if self.audience else rules.AudienceSpec(),
        )


@strawberry.input(
    description="A survey's full new definition. On an open survey, changed questions make a "
    "new version; unchanged questions keep the current one."
)
class SurveyUpdateInput(SurveyCreateInput):
    id: relay.GlobalID = strawberry.field(description="The Survey.")


@strawberry.input(description="Which survey.")
class SurveyIdInput:
    id: relay.GlobalID = strawberry.field(description="The Survey.")


@strawberry.input(description="Interest in one candidate category.")
class SurveyCategoryAnswerInput:
    category_id: relay.GlobalID = strawberry.field(description="The category (a SurveyOption).")
    interest: SurveyInterest = strawberry.field(description="How interested.")  # type: ignore[valid-type]
    timing: SurveyTiming | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="When it is needed (not with NONE)."
    )
    price_band: str | None = strawberry.field(
        default=None, description="One of the question's price bands (not with NONE)."
    )


@strawberry.input(
    description="The answer to one question: optionIds (choice), rating, text or categories, "
    "whichever its kind takes."
)
class SurveyAnswerInput:
    question_id: relay.GlobalID = strawberry.field(description="The SurveyQuestion.")
    option_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Picked options (SurveyOption IDs)."
    )
    rating: int | None = strawberry.field(default=None, description="The rating.")
    text: str | None = strawberry.field(
        default=None,
        description="The text, within the question's maxLength.",
        directives=[MaxLength(chars=rules.MAX_TEXT_LENGTH)],
    )
    categories: list[SurveyCategoryAnswerInput] | None = strawberry.field(
        default=None, description="Interest per candidate category."
    )


def answers_in(answers: list[SurveyAnswerInput]) -> list[rules.AnswerIn]:
    return [
        rules.AnswerIn(
            question_id=decode_id(a.question_id, "SurveyQuestion", f"answers[{i}].questionId"),
            option_ids=decode_ids(a.option_ids, "SurveyOption", f"answers[{i}].optionIds")
            if a.option_ids is not None
            else None,
            rating=a.rating,
            text=a.text,
            categories=[
                rules.CategoryIn(
                    option_id=decode_id(
                        c.category_id,
                        "SurveyOption",
                        f"answers[{i}].categories[{j}].categoryId",
                    ),
                    interest=c.interest,
                    timing=c.timing,
                    price_band=c.price_band,
                )
                for j, c in enumerate(a.categories)
            ]
            if a.categories is not None
            else None,
        )
        for i, a in enumerate(answers)
    ]


@strawberry.input(description="A member's answers to a survey.")
class SurveyRespondInput:
    survey_id: relay.GlobalID = strawberry.field(description="The Survey.")
    answers: list[SurveyAnswerInput] = strawberry.field(description="One entry per question.")


@strawberry.input(description="Unfinished answers to keep for later (replaces the last draft).")
class SurveyDraftSaveInput:
    survey_id: relay.GlobalID = strawberry.field(description="The Survey.")
    answers: list[SurveyAnswerInput] = strawberry.field(description="Answers so far.")


@strawberry.input(description="Answers a member gave in a 1-on-1 interview.")
class SurveyInterviewRecordInput:
    survey_id: relay.GlobalID = strawberry.field(description="The Survey.")
    member_id: relay.GlobalID = strawberry.field(description="The Member interviewed.")
    answers: list[SurveyAnswerInput] = strawberry.field(description="One entry per question.")
    interviewer: str | None = strawberry.field(
        default=None, description="Who interviewed (1-64 characters); default: the caller."
    )
    notes: str = strawberry.field(default="", description="What else was learned (max 2000).")


@strawberry.input(description="Split the demand tables by a member segment.")
class SurveySegmentInput:
    kind: SurveySegmentKind = strawberry.field(description="The segment kind.")  # type: ignore[valid-type]
    tag_id: relay.GlobalID | None = strawberry.field(
        default=None, description="TAG: the tag (members with it vs without)."
    )
    category: str | None = strawberry.field(
        default=None, description="BOUGHT_CATEGORY: the order category (bought vs not)."
    )

    def to_segment(self) -> Segment:
        return Segment(
            kind=self.kind,
            tag_id=decode_id(self.tag_id, "Tag", "segment.tagId") if self.tag_id else None,
            category=self.category,
        )
