"""Surveys, their versioned questions, audiences and normalized answers.

Answers are stored one row per fact so results are SQL aggregates: ``survey_answer`` holds one
row per (response, question) with the rating or text, ``survey_answer_pick`` one row per picked
option, ``survey_category_answer`` one row per (response, candidate category).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class SurveyPurpose(StrEnum):
    CATEGORY_EXPANSION = "CATEGORY_EXPANSION"
    SATISFACTION = "SATISFACTION"
    ONBOARDING = "ONBOARDING"
    OTHER = "OTHER"


class SurveyStatus(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class AudienceMode(StrEnum):
    """RULES: members matching the audience rule or saved segment (everyone when neither is
    given). EXPLICIT: a list."""

    RULES = "RULES"
    EXPLICIT = "EXPLICIT"


class AudienceRuleKind(StrEnum):
    """The kinds of the audience rows surveys had before segment rules replaced them; migrations
    0001 and 0003 (which converts them into rules) still name them."""

    STAGE = "STAGE"
    TAG = "TAG"
    KOC_ROLE = "KOC_ROLE"
    CATEGORY = "CATEGORY"


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "SINGLE_CHOICE"
    MULTIPLE_CHOICE = "MULTIPLE_CHOICE"
    RATING = "RATING"
    TEXT = "TEXT"
    CATEGORY_INTEREST = "CATEGORY_INTEREST"


class RatingScale(StrEnum):
    FIVE = "FIVE"
    NPS = "NPS"


class Interest(StrEnum):
    NONE = "NONE"
    SOME = "SOME"
    STRONG = "STRONG"


class Timing(StrEnum):
    BEFORE_PURCHASE = "BEFORE_PURCHASE"
    AFTER_PURCHASE = "AFTER_PURCHASE"


class ResponseChannel(StrEnum):
    MINI_PROGRAM = "MINI_PROGRAM"
    INTERVIEW = "INTERVIEW"


class Survey(Model):
    """A questionnaire. Its questions live in versions, the current one is current_version_id."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    introduction = fields.TextField(default="")
    purpose = fields.CharEnumField(SurveyPurpose, max_length=24)
    status = fields.CharEnumField(SurveyStatus, max_length=8, default=SurveyStatus.DRAFT)
    anonymous = fields.BooleanField(default=False)
    closes_at = fields.DatetimeField(null=True)
    response_cap = fields.IntField(null=True)
    response_count = fields.IntField(default=0)
    audience_mode = fields.CharEnumField(AudienceMode, max_length=8, default=AudienceMode.RULES)
    # RULES mode: a rule of koc.segments' language (its JSON form) or a saved segment, at most
    # one of them; neither is every member (koc.members.audience).
    audience_rule = fields.JSONField(null=True)
    audience_segment = fields.ForeignKeyField(
        "segments.Segment", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    # A plain id, not a foreign key: versions point at their survey, and a cycle of foreign
    # keys between two tables cannot be created in one migration.
    current_version_id = fields.IntField(null=True)
    created_by = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "survey"
        indexes = [
            Index(fields=("created_at", "id"), name="survey_created_idx"),
            Index(fields=("status", "created_at", "id"), name="survey_status_idx"),
            Index(fields=("purpose", "created_at", "id"), name="survey_purpose_idx"),
        ]


class SurveyVersion(Model):
    """A frozen set of questions once published. Editing an open survey makes a new one."""

    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField("surveys.Survey", related_name=False)
    number = fields.IntField()
    definition_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "survey_version"
        unique_together = (("survey_id", "number"),)


class SurveyQuestion(Model):
    id = fields.IntField(primary_key=True)
    version = fields.ForeignKeyField("surveys.SurveyVersion", related_name=False)
    key = fields.CharField(max_length=64)
    position = fields.IntField()
    kind = fields.CharEnumField(QuestionKind, max_length=20)
    prompt = fields.TextField()
    required = fields.BooleanField(default=False)
    min_picks = fields.IntField(null=True)
    max_picks = fields.IntField(null=True)
    rating_scale = fields.CharEnumField(RatingScale, max_length=8, null=True)
    max_length = fields.IntField(null=True)
    price_bands = fields.JSONField(default=list)
    show_if_question = fields.ForeignKeyField(
        "surveys.SurveyQuestion", related_name=False, null=True
    )
    show_if_option_ids = fields.JSONField(default=list)
    show_if_rating_min = fields.IntField(null=True)
    show_if_rating_max = fields.IntField(null=True)

    class Meta:
        table = "survey_question"
        unique_together = (("version_id", "key"),)
        indexes = [Index(fields=("version_id", "position"), name="survey_question_version_idx")]


class SurveyOption(Model):
    """A choice of a choice question, or a candidate category of a CATEGORY_INTEREST question."""

    id = fields.IntField(primary_key=True)
    question = fields.ForeignKeyField("surveys.SurveyQuestion", related_name=False)
    key = fields.CharField(max_length=64)
    label = fields.CharField(max_length=200)
    position = fields.IntField()

    class Meta:
        table = "survey_option"
        unique_together = (("question_id", "key"),)
        indexes = [Index(fields=("question_id", "position"), name="survey_option_question_idx")]


class SurveyCodebookRule(Model):
    """Picking an option (interest null) or giving an interest level to a category adds a tag."""

    id = fields.IntField(primary_key=True)
    option = fields.ForeignKeyField("surveys.SurveyOption", related_name=False)
    interest = fields.CharEnumField(Interest, max_length=8, null=True)
    tag = fields.ForeignKeyField("core.Tag", related_name=False)

    class Meta:
        table = "survey_codebook_rule"
        indexes = [Index(fields=("option_id",), name="survey_codebook_option_idx")]


class SurveyAudienceMember(Model):
    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField("surveys.Survey", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)

    class Meta:
        table = "survey_audience_member"
        unique_together = (("survey_id", "member_id"),)
        indexes = [Index(fields=("member_id",), name="survey_audience_member_idx")]


class SurveyParticipation(Model):
    """A member taking part in a survey: the saved draft, then the time they answered.

    Kept apart from the response so an anonymous response carries no member.
    """

    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField("surveys.Survey", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    draft = fields.JSONField(null=True)
    draft_saved_at = fields.DatetimeField(null=True)
    responded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "survey_participation"
        unique_together = (("survey_id", "member_id"),)
        indexes = [Index(fields=("member_id", "survey_id"), name="survey_participation_member_idx")]


class SurveyResponse(Model):
    """One submitted answer sheet. member is null for anonymous surveys."""

    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField("surveys.Survey", related_name=False)
    version = fields.ForeignKeyField("surveys.SurveyVersion", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False, null=True)
    channel = fields.CharEnumField(ResponseChannel, max_length=12)
    interviewer = fields.ForeignKeyField("core.StaffUser", related_name=False, null=True)
    interviewer_name = fields.CharField(max_length=64, default="")
    notes = fields.TextField(default="")
    submitted_at = fields.DatetimeField()

    class Meta:
        table = "survey_response"
        indexes = [
            Index(fields=("version_id", "id"), name="survey_response_version_idx"),
            Index(fields=("survey_id", "id"), name="survey_response_survey_idx"),
            Index(fields=("member_id",), name="survey_response_member_idx"),
        ]


class SurveyAnswer(Model):
    """One answered question of one response (rating or text here, picks and categories apart)."""

    id = fields.IntField(primary_key=True)
    response = fields.ForeignKeyField("surveys.SurveyResponse", related_name=False)
    question = fields.ForeignKeyField("surveys.SurveyQuestion", related_name=False)
    rating = fields.SmallIntField(null=True)
    text = fields.TextField(null=True)

    class Meta:
        table = "survey_answer"
        indexes = [
            Index(fields=("question_id", "rating"), name="survey_answer_rating_idx"),
            Index(fields=("question_id", "id"), name="survey_answer_question_idx"),
            Index(fields=("response_id",), name="survey_answer_response_idx"),
        ]


class SurveyAnswerPick(Model):
    id = fields.IntField(primary_key=True)
    response = fields.ForeignKeyField("surveys.SurveyResponse", related_name=False)
    question = fields.ForeignKeyField("surveys.SurveyQuestion", related_name=False)
    option = fields.ForeignKeyField("surveys.SurveyOption", related_name=False)

    class Meta:
        table = "survey_answer_pick"
        indexes = [
            Index(fields=("question_id", "option_id"), name="survey_pick_option_idx"),
            Index(fields=("response_id",), name="survey_pick_response_idx"),
        ]


class SurveyCategoryAnswer(Model):
    """Interest in one candidate category. member is copied from the response (null when
    anonymous) so the segment breakdown joins members without going through responses."""

    id = fields.IntField(primary_key=True)
    response = fields.ForeignKeyField("surveys.SurveyResponse", related_name=False)
    question = fields.ForeignKeyField("surveys.SurveyQuestion", related_name=False)
    option = fields.ForeignKeyField("surveys.SurveyOption", related_name=False)
    member = fields.ForeignKeyField("core.Member", related_name=False, null=True)
    interest = fields.CharEnumField(Interest, max_length=8)
    timing = fields.CharEnumField(Timing, max_length=16, null=True)
    price_band = fields.SmallIntField(null=True)

    class Meta:
        table = "survey_category_answer"
        indexes = [
            # member_id last: a segment breakdown streams out of this index too.
            Index(
                fields=(
                    "question_id",
                    "option_id",
                    "interest",
                    "timing",
                    "price_band",
                    "member_id",
                ),
                name="survey_category_demand_idx",
            ),
            Index(fields=("question_id", "member_id"), name="survey_category_member_idx"),
            Index(fields=("response_id",), name="survey_category_response_idx"),
        ]


class SurveyKocRole(Model):
    """A KOC role a member holds while their KOC profile is ACTIVE, kept from the
    koc_status_changed hook for audience targeting and the KOC segment."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("core.Member", related_name=False)
    role = fields.CharField(max_length=32)

    class Meta:
        table = "survey_koc_role"
        unique_together = (("member_id", "role"),)
