"""Mutations of the surveys feature: staff build and run surveys, members answer them."""

from __future__ import annotations

import strawberry

from koc.auth.viewer import MemberViewer, StaffViewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.loaders import loader
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsMember, IsOperator
from koc.surveys import models, rules, services
from koc.surveys.graphql import dataloaders as dl
from koc.surveys.graphql.inputs import (
    SurveyCreateInput,
    SurveyDraftSaveInput,
    SurveyIdInput,
    SurveyInterviewRecordInput,
    SurveyRespondInput,
    SurveyUpdateInput,
    answers_in,
)
from koc.surveys.graphql.types import (
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyError,
    SurveyResponse,
)


@strawberry.type(description="Result of surveyCreate, surveyUpdate, surveyPublish, surveyClose.")
class SurveyPayload(Payload[SurveyError]):
    survey: Survey | None = strawberry.field(default=None, description="The survey.")


@strawberry.type(description="Result of surveyRespond and surveyInterviewRecord.")
class SurveyRespondPayload(Payload[SurveyError]):
    response: SurveyResponse | None = strawberry.field(
        default=None, description="The stored response."
    )


@strawberry.type(description="Result of surveyDraftSave.")
class SurveyDraftSavePayload(Payload[SurveyError]):
    draft: SurveyDraft | None = strawberry.field(default=None, description="The saved draft.")


def _survey_id(gid: strawberry.relay.GlobalID, field: str) -> int:
    return decode_id(gid, "Survey", field)


async def _response(info: Info, response: models.SurveyResponse) -> SurveyResponse:
    version = await loader(info, dl.load_versions).load(response.version_id)
    return SurveyResponse.from_model(response, version.number if version else 1)


@strawberry.type
class Mutation:
    @mutation(
        allow=IsOperator, description="Build a survey (OPERATOR and up); it starts as a DRAFT."
    )
    async def survey_create(self, viewer: StaffViewer, input: SurveyCreateInput) -> SurveyPayload:
        survey = await services.create_survey(await input.to_spec(), actor=viewer)
        return SurveyPayload(survey=Survey.from_model(survey))

    @mutation(
        allow=IsOperator,
        description="Replace a survey's definition (OPERATOR and up). A draft changes in place; "
        "an open survey whose questions change gets a new version; a closed one cannot change.",
    )
    async def survey_update(self, viewer: StaffViewer, input: SurveyUpdateInput) -> SurveyPayload:
        survey = await services.update_survey(
            _survey_id(input.id, "id"), await input.to_spec(), actor=viewer
        )
        return SurveyPayload(survey=Survey.from_model(survey))

    @mutation(
        allow=IsOperator,
        description="Open a draft survey for answers, freezing its questions (OPERATOR and up).",
    )
    async def survey_publish(self, viewer: StaffViewer, input: SurveyIdInput) -> SurveyPayload:
        survey = await services.publish_survey(_survey_id(input.id, "id"), actor=viewer)
        return SurveyPayload(survey=Survey.from_model(survey))

    @mutation(allow=IsOperator, description="Stop taking answers (OPERATOR and up).")
    async def survey_close(self, viewer: StaffViewer, input: SurveyIdInput) -> SurveyPayload:
        survey = await services.close_survey(_survey_id(input.id, "id"), actor=viewer)
        return SurveyPayload(survey=Survey.from_model(survey))

    @mutation(
        allow=IsMember,
        description="Answer a survey meant for you, once. Every answer is checked against its "
        "question; on any error nothing is stored.",
    )
    async def survey_respond(
        self, info: Info, viewer: MemberViewer, input: SurveyRespondInput
    ) -> SurveyRespondPayload:
        response = await services.respond(
            _survey_id(input.survey_id, "surveyId"), viewer.member_id, answers_in(input.answers)
        )
        return SurveyRespondPayload(response=await _response(info, response))

    @mutation(
        allow=IsMember,
        description="Save unfinished answers to finish later (replaces your last draft).",
    )
    async def survey_draft_save(
        self, viewer: MemberViewer, input: SurveyDraftSaveInput
    ) -> SurveyDraftSavePayload:
        survey_id = _survey_id(input.survey_id, "surveyId")
        participation = await services.save_draft(
            survey_id, viewer.member_id, answers_in(input.answers)
        )
        survey = await models.Survey.get(id=survey_id)
        questions = await services.load_questions(survey.current_version_id or 0)
        return SurveyDraftSavePayload(
            draft=SurveyDraft(
                saved_at=participation.draft_saved_at or participation.created_at,
                answers=[
                    SurveyAnswer.from_input(a)
                    for a in rules.draft_answers(participation.draft or {}, questions)
                ],
            )
        )

    @mutation(
        allow=IsOperator,
        description="Record the answers a member gave in a 1-on-1 interview (OPERATOR and up). "
        "The member answers once, whichever way.",
    )
    async def survey_interview_record(
        self, info: Info, viewer: StaffViewer, input: SurveyInterviewRecordInput
    ) -> SurveyRespondPayload:
        response = await services.record_interview(
            _survey_id(input.survey_id, "surveyId"),
            decode_id(input.member_id, "Member", "memberId"),
            answers_in(input.answers),
            interviewer=input.interviewer,
            notes=input.notes,
            actor=viewer,
        )
        return SurveyRespondPayload(response=await _response(info, response))
