"""Building, publishing and answering surveys. Plain arguments in, DomainError out.

Over 500 lines for now: it splits by reason to change (building and publishing, answering)
once the surveys mutations that call it use the mutation helper (issue 15); doing both at once
would rewrite every call of those mutations twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.consent.tags import apply_automatic_tags
from koc.errors import DomainError, DomainErrors
from koc.events import KocStatusChanged, MemberMerged, SurveyResponded, publish
from koc.members.audience import Audience, check
from koc.members.models import Member, Tag, TagSource
from koc.surveys import rules
from koc.surveys.audience import open_surveys_for
from koc.surveys.errors import SurveyErrorCode as Code
from koc.surveys.models import (
    AudienceMode,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyAnswerPick,
    SurveyAudienceMember,
    SurveyCategoryAnswer,
    SurveyCodebookRule,
    SurveyKocRole,
    SurveyOption,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    SurveyVersion,
)

ACTIVE_KOC_STATUS = "ACTIVE"
MAX_NOTES = 2000


def _now() -> datetime:
    return datetime.now(UTC)


def effective_status(survey: Survey, now: datetime) -> SurveyStatus:
    """An open survey past its closing time counts as closed."""
    if survey.status is SurveyStatus.OPEN and survey.closes_at and survey.closes_at <= now:
        return SurveyStatus.CLOSED
    return survey.status


# --- building ------------------------------------------------------------------------------


async def _check_references(spec: rules.SurveySpec) -> None:
    """Tags and members named by the definition exist, and its audience rule holds together
    and names what exists, or its saved segment exists (koc.members.audience.check): every
    problem at once, each at its field."""
    errors: list[DomainError] = []
    audience = spec.audience
    if audience.member_ids is None:
        try:
            await check(Audience(audience.rule, audience.segment_id), "audience")
        except DomainErrors as many:
            errors.extend(many.errors)
        except DomainError as one:
            errors.append(one)
    tag_ids: set[int] = set()
    for q in spec.questions:
        for o in q.options:
            tag_ids.update(o.tag_ids)
            for ids in o.interest_tags.values():
                tag_ids.update(ids)
    if tag_ids:
        known_tags = set(await Tag.filter(id__in=list(tag_ids)).values_list("id", flat=True))
        if tag_ids - known_tags:
            errors.append(
                DomainError(
                    Code.TAG_NOT_FOUND, f"No tag(s) {sorted(tag_ids - known_tags)}.", "tagIds"
                )
            )
    if audience.member_ids:
        wanted = set(audience.member_ids)
        known_members = set(await Member.filter(id__in=list(wanted)).values_list("id", flat=True))
        if wanted - known_members:
            errors.append(
                DomainError(
                    Code.MEMBER_NOT_FOUND,
                    f"No member(s) {sorted(wanted - known_members)[:20]}.",
                    "audience.memberIds",
                )
            )
    if errors:
        raise DomainErrors(errors)


def _survey_fields(spec: rules.SurveySpec) -> dict[str, Any]:
    audience = spec.audience
    return {
        "title": spec.title.strip(),
        "introduction": spec.introduction,
        "purpose": spec.purpose,
        "anonymous": spec.anonymous,
        "closes_at": rules.utc(spec.closes_at),
        "response_cap": spec.response_cap,
        "audience_mode": AudienceMode.RULES
        if audience.member_ids is None
        else AudienceMode.EXPLICIT,
        "audience_rule": audience.rule,
        "audience_segment_id": audience.segment_id,
    }


async def _write_audience(survey_id: int, audience: rules.AudienceSpec) -> None:
    await SurveyAudienceMember.filter(survey_id=survey_id).delete()
    if audience.member_ids:
        await SurveyAudienceMember.bulk_create(
            [
                SurveyAudienceMember(survey_id=survey_id, member_id=m)
                for m in dict.fromkeys(audience.member_ids)
            ],
            batch_size=1000,
        )


async def _write_questions(version_id: int, questions: Sequence[rules.QuestionSpec]) -> None:
    """Create the questions of a version, resolving each condition's keys to stored ids."""
    stored: dict[str, tuple[int, dict[str, int]]] = {}
    codebook: list[SurveyCodebookRule] = []
    for position, q in enumerate(questions):
        condition = q.show_if
        target = stored[condition.question_key] if condition else None
        question = await SurveyQuestion.create(
            version_id=version_id,
            key=q.key,
            position=position,
            kind=q.kind,
            prompt=q.prompt.strip(),
            required=q.required,
            min_picks=q.min_picks,
            max_picks=q.max_picks,
            rating_scale=q.rating_scale,
            max_length=q.max_length,
            price_bands=[b.strip() for b in q.price_bands],
            show_if_question_id=target[0] if target else None,
            show_if_option_ids=[target[1][k] for k in condition.option_keys]
            if condition and target
            else [],
            show_if_rating_min=condition.rating_min if condition else None,
            show_if_rating_max=condition.rating_max if condition else None,
        )
        option_ids: dict[str, int] = {}
        for i, o in enumerate(q.options):
            option = await SurveyOption.create(
                question_id=question.id, key=o.key, label=o.label.strip(), position=i
            )
            option_ids[o.key] = option.id
            codebook += [
                SurveyCodebookRule(option_id=option.id, interest=None, tag_id=t) for t in o.tag_ids
            ]
            codebook += [
                SurveyCodebookRule(option_id=option.id, interest=level, tag_id=t)
                for level, tags in o.interest_tags.items()
                for t in tags
            ]
        stored[q.key] = (question.id, option_ids)
    if codebook:
        await SurveyCodebookRule.bulk_create(codebook)


async def _drop_questions(version_id: int) -> None:
    question_ids = list(
        await SurveyQuestion.filter(version_id=version_id).values_list("id", flat=True)
    )
    option_ids = list(
        await SurveyOption.filter(question_id__in=question_ids).values_list("id", flat=True)
    )
    await SurveyCodebookRule.filter(option_id__in=option_ids).delete()
    await SurveyOption.filter(id__in=option_ids).delete()
    await SurveyQuestion.filter(id__in=question_ids).update(show_if_question_id=None)
    await SurveyQuestion.filter(id__in=question_ids).delete()


def _audit_view(spec: rules.SurveySpec) -> dict[str, Any]:
    return {
        "title": spec.title,
        "purpose": spec.purpose.value,
        "anonymous": spec.anonymous,
        "questions": [q.key for q in spec.questions],
    }


async def create_survey(spec: rules.SurveySpec, *, actor: StaffViewer) -> Survey:
    """A new DRAFT survey with its first (not yet frozen) version of questions."""
    rules.check_survey(spec, _now())
    async with in_transaction():
        await _check_references(spec)
        survey = await Survey.create(**_survey_fields(spec), created_by_id=actor.staff_id)
        await _write_audience(survey.id, spec.audience)
        version = await SurveyVersion.create(
            survey_id=survey.id, number=1, definition_hash=rules.definition_hash(spec.questions)
        )
        await _write_questions(version.id, spec.questions)
        survey.current_version_id = version.id
        await Survey.filter(id=survey.id).update(current_version_id=version.id)
        await audit.record(actor, "survey.create", "Survey", survey.id, after=_audit_view(spec))
    return survey


async def _locked_survey(survey_id: int) -> Survey:
    survey = await Survey.filter(id=survey_id).select_for_update().first()
    if survey is None:
        raise DomainError(Code.NOT_FOUND, "No such survey.", "id")
    return survey


async def update_survey(survey_id: int, spec: rules.SurveySpec, *, actor: StaffViewer) -> Survey:
    """Replace a survey's definition. A draft is edited in place; an open survey whose
    questions change gets a new version (answers keep the version they answered)."""
    now = _now()
    rules.check_survey(spec, now)
    async with in_transaction():
        survey = await _locked_survey(survey_id)
        if survey.status is SurveyStatus.CLOSED:
            raise DomainError(Code.NOT_EDITABLE, "A closed survey cannot be edited.", "id")
        if survey.status is SurveyStatus.OPEN and spec.anonymous != survey.anonymous:
            raise DomainError(
                Code.NOT_EDITABLE,
                "Whether answers are anonymous cannot change once the survey is published.",
                "anonymous",
            )
        await _check_references(spec)
        fields = _survey_fields(spec)
        version = await SurveyVersion.get(id=survey.current_version_id)
        new_hash = rules.definition_hash(spec.questions)
        if new_hash != version.definition_hash:
            if survey.status is SurveyStatus.DRAFT:
                await _drop_questions(version.id)
                await SurveyVersion.filter(id=version.id).update(definition_hash=new_hash)
            else:
                version = await SurveyVersion.create(
                    survey_id=survey.id,
                    number=version.number + 1,
                    definition_hash=new_hash,
                    published_at=now,
                )
                fields["current_version_id"] = version.id
            await _write_questions(version.id, spec.questions)
        await Survey.filter(id=survey.id).update(**fields)
        await _write_audience(survey.id, spec.audience)
        await audit.record(
            actor,
            "survey.update",
            "Survey",
            survey.id,
            after={**_audit_view(spec), "version": version.number},
        )
    return await Survey.get(id=survey.id)


async def publish_survey(survey_id: int, *, actor: StaffViewer) -> Survey:
    """DRAFT -> OPEN: the questions are frozen from now on."""
    now = _now()
    async with in_transaction():
        survey = await _locked_survey(survey_id)
        if survey.status is not SurveyStatus.DRAFT:
            raise DomainError(Code.NOT_DRAFT, "Only a draft survey can be published.", "id")
        if not await SurveyQuestion.exists(version_id=survey.current_version_id):
            raise DomainError(Code.NO_QUESTIONS, "Add at least one question first.", "id")
        if survey.closes_at and survey.closes_at <= now:
            raise DomainError(Code.INVALID, "The closing time has passed.", "closesAt")
        await SurveyVersion.filter(id=survey.current_version_id).update(published_at=now)
        survey.status, survey.published_at = SurveyStatus.OPEN, now
        await Survey.filter(id=survey.id).update(status=SurveyStatus.OPEN, published_at=now)
        await audit.record(actor, "survey.publish", "Survey", survey.id)
    return survey


async def close_survey(survey_id: int, *, actor: StaffViewer) -> Survey:
    """OPEN -> CLOSED: no more answers."""
    now = _now()
    async with in_transaction():
        survey = await _locked_survey(survey_id)
        if survey.status is not SurveyStatus.OPEN:
            raise DomainError(Code.NOT_OPEN, "Only an open survey can be closed.", "id")
        survey.status, survey.closed_at = SurveyStatus.CLOSED, now
        await Survey.filter(id=survey.id).update(status=SurveyStatus.CLOSED, closed_at=now)
        await audit.record(actor, "survey.close", "Survey", survey.id)
    return survey


# --- answering -----------------------------------------------------------------------------


async def load_questions_of_versions(version_ids: Sequence[int]) -> list[list[rules.Question]]:
    """The questions of each version with their options, in order (two SQL statements)."""
    questions = await SurveyQuestion.filter(version_id__in=list(version_ids)).order_by(
        "version_id", "position"
    )
    options = await SurveyOption.filter(question_id__in=[q.id for q in questions]).order_by(
        "question_id", "position"
    )
    by_question: dict[int, list[rules.Option]] = {q.id: [] for q in questions}
    for o in options:
        by_question[o.question_id].append(rules.Option(o.id, o.key, o.label))
    by_version: dict[int, list[rules.Question]] = {v: [] for v in version_ids}
    for q in questions:
        by_version[q.version_id].append(
            rules.Question(
                id=q.id,
                key=q.key,
                kind=q.kind,
                prompt=q.prompt,
                required=q.required,
                options=by_question[q.id],
                min_picks=q.min_picks,
                max_picks=q.max_picks,
                rating_scale=q.rating_scale,
                max_length=q.max_length,
                price_bands=list(q.price_bands or []),
                show_if_question_id=q.show_if_question_id,
                show_if_option_ids=list(q.show_if_option_ids or []),
                show_if_rating_min=q.show_if_rating_min,
                show_if_rating_max=q.show_if_rating_max,
            )
        )
    return [by_version[v] for v in version_ids]


async def load_questions(version_id: int) -> list[rules.Question]:
    return (await load_questions_of_versions([version_id]))[0]


async def _open_survey(survey_id: int, member_id: int | None, now: datetime) -> Survey:
    """The survey, open for answers and (for a member answering) with the member in its audience."""
    survey = await Survey.get_or_none(id=survey_id)
    if survey is None:
        raise DomainError(Code.NOT_FOUND, "No such survey.", "surveyId")
    if effective_status(survey, now) is not SurveyStatus.OPEN:
        raise DomainError(Code.NOT_OPEN, "The survey is not open for answers.", "surveyId")
    if member_id is not None and not await open_surveys_for(member_id, now, survey.id):
        raise DomainError(Code.NOT_IN_AUDIENCE, "This survey is not meant for you.", "surveyId")
    return survey


async def save_draft(
    survey_id: int, member_id: int, given: Sequence[rules.AnswerIn]
) -> SurveyParticipation:
    """Keep unfinished answers to finish later; only the shape of each answer is checked."""
    now = _now()
    async with in_transaction():
        survey = await _open_survey(survey_id, member_id, now)
        questions = await load_questions(survey.current_version_id or 0)
        answers = rules.check_answers(questions, given, complete=False)
        participation, _ = await SurveyParticipation.get_or_create(
            survey_id=survey.id, member_id=member_id
        )
        saved = await SurveyParticipation.filter(id=participation.id, responded_at=None).update(
            draft=rules.draft_document(answers), draft_saved_at=now
        )
        if not saved:
            raise DomainError(
                Code.ALREADY_RESPONDED, "You have already answered this survey.", "surveyId"
            )
        return await SurveyParticipation.get(id=participation.id)


async def _claim(survey_id: int, member_id: int, now: datetime) -> None:
    """Mark the member as having answered; a second answer (even a concurrent one) fails."""
    already = DomainError(
        Code.ALREADY_RESPONDED, "This member has already answered this survey.", "surveyId"
    )
    try:
        participation, created = await SurveyParticipation.get_or_create(
            survey_id=survey_id, member_id=member_id, defaults={"responded_at": now}
        )
    except IntegrityError as exc:
        raise already from exc
    if created:
        return
    claimed = await SurveyParticipation.filter(id=participation.id, responded_at=None).update(
        responded_at=now, draft=None, draft_saved_at=None
    )
    if not claimed:
        raise already


async def _store_answers(
    response: SurveyResponse, answers: Sequence[rules.Answer], member_id: int | None
) -> None:
    await SurveyAnswer.bulk_create(
        [
            SurveyAnswer(
                response_id=response.id, question_id=a.question.id, rating=a.rating, text=a.text
            )
            for a in answers
        ]
    )
    picks = [
        SurveyAnswerPick(response_id=response.id, question_id=a.question.id, option_id=o)
        for a in answers
        for o in a.option_ids
    ]
    if picks:
        await SurveyAnswerPick.bulk_create(picks)
    categories = [
        SurveyCategoryAnswer(
            response_id=response.id,
            question_id=a.question.id,
            option_id=c.option_id,
            member_id=member_id,
            interest=c.interest,
            timing=c.timing,
            price_band=c.band,
        )
        for a in answers
        for c in a.categories
    ]
    if categories:
        await SurveyCategoryAnswer.bulk_create(categories)


async def _apply_codebook(survey: Survey, member_id: int, answers: Sequence[rules.Answer]) -> None:
    option_ids = [o.id for a in answers for o in a.question.options]
    stored = await SurveyCodebookRule.filter(option_id__in=option_ids).order_by("id")
    tag_ids = rules.codebook_tags(
        answers, [rules.CodebookRule(r.option_id, r.interest, r.tag_id) for r in stored]
    )
    if not tag_ids:
        return
    tags = await Tag.filter(id__in=tag_ids).prefetch_related("group")
    # Of two earned tags of an exclusive group, the later rule wins rather than failing the
    # member's submission.
    chosen: dict[object, Tag] = {}
    for tag in sorted(tags, key=lambda t: tag_ids.index(t.id)):
        chosen[("group", tag.group_id) if tag.group.exclusive else ("tag", tag.id)] = tag
    await apply_automatic_tags(
        [member_id],
        list(chosen.values()),
        source=TagSource.EVENT,
        cause=f"survey:{survey.id} {survey.title}",
    )


async def _submit(
    survey_id: int,
    member_id: int,
    given: Sequence[rules.AnswerIn],
    *,
    channel: ResponseChannel,
    audience_checked: bool,
    interviewer: StaffViewer | None = None,
    interviewer_name: str = "",
    notes: str = "",
) -> SurveyResponse:
    now = _now()
    async with in_transaction():
        survey = await _open_survey(survey_id, member_id if audience_checked else None, now)
        questions = await load_questions(survey.current_version_id or 0)
        answers = rules.check_answers(questions, given, complete=True)
        await _claim(survey.id, member_id, now)
        counted = (
            await Survey.filter(id=survey.id)
            .filter(Q(response_cap=None) | Q(response_count__lt=F("response_cap")))
            .update(response_count=F("response_count") + 1)
        )
        if not counted:
            raise DomainError(
                Code.RESPONSE_CAP_REACHED, "The survey has all the answers it wanted.", "surveyId"
            )
        linked_member = None if survey.anonymous else member_id
        response = await SurveyResponse.create(
            survey_id=survey.id,
            version_id=survey.current_version_id,
            member_id=linked_member,
            channel=channel,
            interviewer_id=interviewer.staff_id if interviewer else None,
            interviewer_name=interviewer_name,
            notes=notes,
            submitted_at=now,
        )
        await _store_answers(response, answers, linked_member)
        if linked_member is not None:
            await _apply_codebook(survey, linked_member, answers)
        if interviewer is not None:
            after: dict[str, Any] = {"memberId": member_id}
            if not survey.anonymous:
                after["responseId"] = response.id
            await audit.record(
                interviewer, "survey.interview_record", "Survey", survey.id, after=after
            )
        await publish(
            SurveyResponded(
                member_id=member_id,
                survey_id=survey.id,
                response_id=response.id,
                anonymous=survey.anonymous,
            )
        )
    return response


async def respond(
    survey_id: int, member_id: int, given: Sequence[rules.AnswerIn]
) -> SurveyResponse:
    """A member answers a survey of their audience, once; the draft, if any, is consumed."""
    return await _submit(
        survey_id, member_id, given, channel=ResponseChannel.MINI_PROGRAM, audience_checked=True
    )


async def record_interview(
    survey_id: int,
    member_id: int,
    given: Sequence[rules.AnswerIn],
    *,
    interviewer: str | None,
    notes: str,
    actor: StaffViewer,
) -> SurveyResponse:
    """Staff record a member's answers from a 1-on-1 interview. Staff choose whom to
    interview, so the audience is not checked; the member still answers once."""
    name = (interviewer if interviewer is not None else actor.username).strip()
    if not 1 <= len(name) <= 64:
        raise DomainError(Code.INVALID, "The interviewer is 1-64 characters.", "interviewer")
    if len(notes) > MAX_NOTES:
        raise DomainError(Code.INVALID, f"Notes are at most {MAX_NOTES} characters.", "notes")
    if not await Member.exists(id=member_id):
        raise DomainError(Code.MEMBER_NOT_FOUND, "No such member.", "memberId")
    return await _submit(
        survey_id,
        member_id,
        given,
        channel=ResponseChannel.INTERVIEW,
        audience_checked=False,
        interviewer=actor,
        interviewer_name=name,
        notes=notes,
    )


# --- reacting to other features ------------------------------------------------------------


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    """Roles count for targeting and the KOC segment only while the profile is ACTIVE."""
    member = e.member
    await SurveyKocRole.filter(member_id=member.id).delete()
    names = list(dict.fromkeys(str(r) for r in e.roles))
    if str(e.status) == ACTIVE_KOC_STATUS and names:
        await SurveyKocRole.bulk_create([SurveyKocRole(member_id=member.id, role=r) for r in names])


async def _move_rows(model: type[Model], key: str, prospect_id: int, member_id: int) -> None:
    """Move a prospect's rows to the member, dropping those the member already has."""
    held = await model.filter(member_id=member_id).values_list(key, flat=True)
    await model.filter(member_id=prospect_id, **{f"{key}__in": list(held)}).delete()
    await model.filter(member_id=prospect_id).update(member_id=member_id)


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    await _move_rows(SurveyKocRole, "role", prospect.id, member.id)
    await _move_rows(SurveyParticipation, "survey_id", prospect.id, member.id)
    await _move_rows(SurveyAudienceMember, "survey_id", prospect.id, member.id)
    await SurveyResponse.filter(member_id=prospect.id).update(member_id=member.id)
    await SurveyCategoryAnswer.filter(member_id=prospect.id).update(member_id=member.id)
