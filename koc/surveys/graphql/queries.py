"""Queries of the surveys feature: staff list and read surveys, analysts read results."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.models import StaffRole
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import bad_input
from koc.graphql.ids import decode_id
from koc.graphql.loaders import loader
from koc.graphql.permissions import IsAnalyst, IsAuthenticated, require_staff
from koc.graphql.relay import Connection, SortKey, paginate
from koc.surveys import models, results
from koc.surveys.graphql import dataloaders as dl
from koc.surveys.graphql.inputs import SurveySegmentInput
from koc.surveys.graphql.types import (
    Survey,
    SurveyExport,
    SurveyPurpose,
    SurveyResults,
    SurveyStatus,
    check_can_read_surveys,
)


def _survey_id(gid: relay.GlobalID, field: str) -> int:
    try:
        return decode_id(gid, "Survey", field)
    except DomainError as exc:
        raise bad_input(exc) from exc


@strawberry.type
class Query:
    @strawberry.field(
        description="Surveys, newest first (staff). Members find theirs in me.surveys.",
        permission_classes=[IsAnalyst],
    )
    async def surveys(
        self,
        info: Info,
        status: Annotated[
            SurveyStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only surveys stored with this status."),
        ] = None,
        purpose: Annotated[
            SurveyPurpose | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only surveys with this purpose."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size, max 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
    ) -> Connection[Survey]:
        qs = models.Survey.all()
        if status is not None:
            qs = qs.filter(status=status)
        if purpose is not None:
            qs = qs.filter(purpose=purpose)
        return await paginate(
            qs, first=first, after=after, to_node=Survey.from_model, order=[SortKey("created_at")]
        )

    @strawberry.field(
        description="One survey: staff read any, a member only an open survey meant for them.",
        permission_classes=[IsAuthenticated],
    )
    async def survey(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The Survey.")],
    ) -> Survey | None:
        survey_id = _survey_id(id, "id")
        await check_can_read_surveys(info, [survey_id])
        row = await loader(info, dl.load_surveys).load(survey_id)
        return Survey.from_model(row) if row else None

    @strawberry.field(
        description="Aggregated answers of a survey version (ANALYST and up): counts and shares, "
        "rating averages and NPS, text answers, and per candidate category the demand table, "
        "optionally split by a member segment.",
        permission_classes=[IsAnalyst],
    )
    async def survey_results(
        self,
        info: Info,
        survey_id: Annotated[relay.GlobalID, strawberry.argument(description="The Survey.")],
        version: Annotated[
            int | None, strawberry.argument(description="Version number; default the current one.")
        ] = None,
        segment: Annotated[
            SurveySegmentInput | None,
            strawberry.argument(description="Split the demand tables by this segment."),
        ] = None,
    ) -> SurveyResults:
        try:
            found = await results.survey_results(
                _survey_id(survey_id, "surveyId"),
                version,
                segment.to_segment() if segment else None,
            )
        except DomainError as exc:
            raise bad_input(exc) from exc
        return SurveyResults.build(found)

    @strawberry.field(
        description="Every response of a survey version as CSV (ANALYST and up). Anonymous "
        "surveys carry no member column. Each export is audited.",
        permission_classes=[IsAnalyst],
    )
    async def survey_export(
        self,
        info: Info,
        survey_id: Annotated[relay.GlobalID, strawberry.argument(description="The Survey.")],
        version: Annotated[
            int | None, strawberry.argument(description="Version number; default the current one.")
        ] = None,
    ) -> SurveyExport:
        actor = require_staff(info, StaffRole.ANALYST)
        sid = _survey_id(survey_id, "surveyId")
        try:
            text, rows = await results.export_csv(sid, version, actor=actor)
        except DomainError as exc:
            raise bad_input(exc) from exc
        return SurveyExport(
            filename=f"survey-{sid}-v{version or 'current'}.csv",
            content_type="text/csv",
            row_count=rows,
            csv=text,
        )
