"""Mutations of the surveys feature: staff build and run surveys, members answer them."""

from __future__ import annotations

import strawberry

from koc.auth.models import StaffRole
from koc.errors import DomainError, DomainErrors
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.loaders import loader
from koc.graphql.permissions import IsMember, IsOperator, require_member, require_staff
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
class SurveyPayload:
    survey: Survey | None = strawberry.field(default=None, description="The survey.")
    errors: list[SurveyError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong."
    )


@strawberry.type(description="Result of surveyRespond and surveyInterviewRecord.")
class SurveyRespondPayload:
    response: SurveyResponse | None = strawberry.field(
        default=None, description="The stored response."
    )
    errors: list[SurveyError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong; nothing is stored then."
    )


@strawberry.type(description="Result of surveyDraftSave.")
class SurveyDraftSavePayload:
    draft: SurveyDraft | None = strawberry.field(default=None, description="The saved draft.")
    errors: list[SurveyError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong; nothing is saved then."
    )


def _survey_id(gid: strawberry.relay.GlobalID, field: str) -> int:
    return decode_id(gid, "Survey", field)


async def _response(info: Info, response: models.SurveyResponse) -> SurveyResponse:
    version = await loader(info, dl.load_versions).load(response.version_id)
    return SurveyResponse.from_model(response, version.number if version else 1)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Build a survey (OPERATOR and up); it starts as a DRAFT.",
        permission_classes=[IsOperator],
    )
    async def survey_create(self, info: Info, input: SurveyCreateInput) -> SurveyPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            survey = await services.create_survey(input.to_spec(), actor=actor)
        except (DomainError, DomainErrors) as exc:
            return SurveyPayload(errors=errors_of(exc, SurveyError))
        return SurveyPayload(survey=Survey.from_model(survey))

    @strawberry.mutation(
        description="Replace a survey's definition (OPERATOR and up). A draft changes in place; "
        "an open survey whose questions change gets a new version; a closed one cannot change.",
        permission_classes=[IsOperator],
    )
    async def survey_update(self, info: Info, input: SurveyUpdateInput) -> SurveyPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            survey = await services.update_survey(
                _survey_id(input.id, "id"), input.to_spec(), actor=actor
            )
        except (DomainError, DomainErrors) as exc:
            return SurveyPayload(errors=errors_of(exc, SurveyError))
        return SurveyPayload(survey=Survey.from_model(survey))

    @strawberry.mutation(
        description="Open a draft survey for answers, freezing its questions (OPERATOR and up).",
        permission_classes=[IsOperator],
    )
    async def survey_publish(self, info: Info, input: SurveyIdInput) -> SurveyPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            survey = await services.publish_survey(_survey_id(input.id, "id"), actor=actor)
        except DomainError as exc:
            return SurveyPayload(errors=errors_of(exc, SurveyError))
        return SurveyPayload(survey=Survey.from_model(survey))

    @strawberry.mutation(
        description="Stop taking answers (OPERATOR and up).", permission_classes=[IsOperator]
    )
    async def survey_close(self, info: Info, input: SurveyIdInput) -> SurveyPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            survey = await services.close_survey(_survey_id(input.id, "id"), actor=actor)
        except DomainError as exc:
            return SurveyPayload(errors=errors_of(exc, SurveyError))
        return SurveyPayload(survey=Survey.from_model(survey))

    @strawberry.mutation(
        description="Answer a survey meant for you, once. Every answer is checked against its "
        "question; on any error nothing is stored.",
        permission_classes=[IsMember],
    )
    async def survey_respond(self, info: Info, input: SurveyRespondInput) -> SurveyRespondPayload:
        viewer = require_member(info)
        try:
            response = await services.respond(
                _survey_id(input.survey_id, "surveyId"), viewer.member_id, answers_in(input.answers)
            )
        except (DomainError, DomainErrors) as exc:
            return SurveyRespondPayload(errors=errors_of(exc, SurveyError))
        return SurveyRespondPayload(response=await _response(info, response))

    @strawberry.mutation(
        description="Save unfinished answers to finish later (replaces your last draft).",
        permission_classes=[IsMember],
    )
    async def survey_draft_save(
        self, info: Info, input: SurveyDraftSaveInput
    ) -> SurveyDraftSavePayload:
        viewer = require_member(info)
        try:
            survey_id = _survey_id(input.survey_id, "surveyId")
            participation = await services.save_draft(
                survey_id, viewer.member_id, answers_in(input.answers)
            )
            survey = await models.Survey.get(id=survey_id)
        except (DomainError, DomainErrors) as exc:
            return SurveyDraftSavePayload(errors=errors_of(exc, SurveyError))
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

    @strawberry.mutation(
        description="Record the answers a member gave in a 1-on-1 interview (OPERATOR and up). "
        "The member answers once, whichever way.",
        permission_classes=[IsOperator],
    )
    async def survey_interview_record(
        self, info: Info, input: SurveyInterviewRecordInput
    ) -> SurveyRespondPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            response = await services.record_interview(
                _survey_id(input.survey_id, "surveyId"),
                decode_id(input.member_id, "Member", "memberId"),
                answers_in(input.answers),
                interviewer=input.interviewer,
                notes=input.notes,
                actor=actor,
            )
        except (DomainError, DomainErrors) as exc:
            return SurveyRespondPayload(errors=errors_of(exc, SurveyError))
        return SurveyRespondPayload(response=await _response(info, response))
