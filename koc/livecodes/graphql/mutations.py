"""Mutations of live codes (staff: OPERATOR and up)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsOperator
from koc.livecodes import models, services
from koc.livecodes.contactways import create_advisor_code, set_advisors
from koc.livecodes.errors import LiveCodeErrorCode
from koc.livecodes.graphql.inputs import (
    LiveCodeAdvisorsSetInput,
    LiveCodeCreateInput,
    LiveCodeTargetAddInput,
    LiveCodeTargetUpdateInput,
    LiveCodeUpdateInput,
)
from koc.livecodes.graphql.types import LiveCode, LiveCodeError, LiveCodeTarget, public_base
from koc.livecodes.links import refresh_links
from koc.livecodes.models import LiveCodeKind


@strawberry.type(description="Result of liveCodeCreate and liveCodeUpdate.")
class LiveCodePayload(Payload[LiveCodeError]):
    live_code: LiveCode | None = strawberry.field(default=None, description="The live code.")


@strawberry.type(description="Result of liveCodeTargetAdd and liveCodeTargetUpdate.")
class LiveCodeTargetPayload(Payload[LiveCodeError]):
    target: LiveCodeTarget | None = strawberry.field(default=None, description="The target.")


def _code_payload(info: Info, code: models.LiveCode) -> LiveCodePayload:
    return LiveCodePayload(live_code=LiveCode.from_model(code, public_base(info)))


async def _target_payload(info: Info, target: models.LiveCodeTarget) -> LiveCodeTargetPayload:
    """The target as staff see it: an uploaded image is served under its code's slug."""
    code = await services.get_code(target.live_code_id)  # type: ignore[attr-defined]
    return LiveCodeTargetPayload(
        target=LiveCodeTarget.from_model(target, code.slug, public_base(info))
    )


@strawberry.type
class Mutation:
    @mutation(
        allow=IsOperator,
        description="Create a live code. An ADVISOR code creates its WeCom contact way; a "
        "MINI_PROGRAM code gets its URL Link on the first scan.",
    )
    async def live_code_create(
        self, info: Info, viewer: StaffViewer, input: LiveCodeCreateInput
    ) -> LiveCodePayload:
        data = input.to_data()
        if data.kind is LiveCodeKind.ADVISOR:
            code = await create_advisor_code(
                data, input.advisor_list(), info.context.request.app.state.wecom, actor=viewer
            )
        elif input.advisors:
            raise DomainError(
                LiveCodeErrorCode.WRONG_KIND, "Only ADVISOR codes have advisors.", "advisors"
            )
        else:
            code = await services.create_live_code(data, actor=viewer)
        return _code_payload(info, code)

    @mutation(
        allow=IsOperator,
        description="Replace an ADVISOR live code's advisors, in its WeCom contact way first.",
    )
    async def live_code_advisors_set(
        self, info: Info, viewer: StaffViewer, input: LiveCodeAdvisorsSetInput
    ) -> LiveCodePayload:
        code_id = decode_id(input.id, "LiveCode", "id")
        code = await set_advisors(
            code_id, input.advisor_list(), info.context.request.app.state.wecom, actor=viewer
        )
        return _code_payload(info, code)

    @mutation(
        allow=IsOperator,
        description="Change a live code. Its slug and kind stay, so printed codes keep working.",
    )
    async def live_code_update(
        self, info: Info, viewer: StaffViewer, input: LiveCodeUpdateInput
    ) -> LiveCodePayload:
        code_id = decode_id(input.id, "LiveCode", "id")
        code = await services.update_live_code(code_id, input.changes(), actor=viewer)
        return _code_payload(info, code)

    @mutation(
        allow=IsOperator,
        description="Make a MINI_PROGRAM live code's URL Link and URL Scheme anew now (they are "
        "otherwise made on the first scan and renewed before they lapse).",
    )
    async def live_code_links_refresh(
        self,
        info: Info,
        id: Annotated[
            relay.GlobalID, strawberry.argument(description="The MINI_PROGRAM LiveCode.")
        ],
    ) -> LiveCodePayload:
        code = await services.get_code(decode_id(id, "LiveCode", "id"))
        settings = info.context.settings
        await refresh_links(code, info.context.wechat, settings.livecode_url_link_days)
        return _code_payload(info, code)

    @mutation(
        allow=IsOperator,
        description="Add a group QR code to a GROUP live code; it serves after the others.",
    )
    async def live_code_target_add(
        self, info: Info, viewer: StaffViewer, input: LiveCodeTargetAddInput
    ) -> LiveCodeTargetPayload:
        code_id = decode_id(input.live_code_id, "LiveCode", "liveCodeId")
        target = await services.add_target(code_id, input.to_data(), actor=viewer)
        return await _target_payload(info, target)

    @mutation(
        allow=IsOperator,
        description="Change a group QR target: renew its expiry, change its capacity or place, "
        "switch it off or on.",
    )
    async def live_code_target_update(
        self, info: Info, viewer: StaffViewer, input: LiveCodeTargetUpdateInput
    ) -> LiveCodeTargetPayload:
        target_id = decode_id(input.id, "LiveCodeTarget", "id")
        target = await services.update_target(target_id, input.changes(), actor=viewer)
        return await _target_payload(info, target)
