"""Queries of the surveys feature: staff list and read surveys, analysts read results."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.viewer import StaffViewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.loaders import loader
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst, IsAuthenticated
from koc.graphql.relay import After, Connection, First, SortKey, paginate
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
    return decode_id(gid, "Survey", field)


@strawberry.type
class Query:
    @query(
        allow=IsAnalyst,
        description="Surveys, newest first (staff). Members find theirs in me.surveys.",
    )
    async def surveys(
        self,
        status: Annotated[
            SurveyStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only surveys stored with this status."),
        ] = None,
        purpose: Annotated[
            SurveyPurpose | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only surveys with this purpose."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Survey]:
        qs = models.Survey.all()
        if status is not None:
            qs = qs.filter(status=status)
        if purpose is not None:
            qs = qs.filter(purpose=purpose)
        return await paginate(
            qs, first=first, after=after, to_node=Survey.from_model, order=[SortKey("created_at")]
        )

    @query(
        allow=IsAuthenticated,
        description="One survey: staff read any, a member only an open survey meant for them.",
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

    @query(
        allow=IsAnalyst,
        description="Aggregated answers of a survey version (ANALYST and up): counts and shares, "
        "rating averages and NPS, text answers, and per candidate category the demand table, "
        "optionally split by a member segment.",
        long_read=True,
    )
    async def survey_results(
        self,
        survey_id: Annotated[relay.GlobalID, strawberry.argument(description="The Survey.")],
        version: Annotated[
            int | None, strawberry.argument(description="Version number; default the current one.")
        ] = None,
        segment: Annotated[
            SurveySegmentInput | None,
            strawberry.argument(description="Split the demand tables by this segment."),
        ] = None,
    ) -> SurveyResults:
        found = await results.survey_results(
            _survey_id(survey_id, "surveyId"), version, segment.to_segment() if segment else None
        )
        return SurveyResults.build(found)

    @query(
        allow=IsAnalyst,
        description="Every response of a survey version as CSV (ANALYST and up). Anonymous "
        "surveys carry no member column. Each export is audited.",
    )
    async def survey_export(
        self,
        viewer: StaffViewer,
        survey_id: Annotated[relay.GlobalID, strawberry.argument(description="The Survey.")],
        version: Annotated[
            int | None, strawberry.argument(description="Version number; default the current one.")
        ] = None,
    ) -> SurveyExport:
        sid = _survey_id(survey_id, "surveyId")
        text, rows = await results.export_csv(sid, version, actor=viewer)
        return SurveyExport(
            filename=f"survey-{sid}-v{version or 'current'}.csv",
            content_type="text/csv",
            row_count=rows,
            csv=text,
        )
