"""The HTTP endpoint: authenticate the bearer, then hand the request to strawberry."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from koc.auth import services as auth_services
from koc.auth.services import PARTNER_TOKEN_PREFIX
from koc.auth.tokens import InvalidToken, decode_access_token
from koc.auth.viewer import Anonymous, StaffViewer, Viewer
from koc.auth.wechat import WeChatClient
from koc.graphql.context import Context
from koc.settings import Settings


class Unauthenticated(Exception):
    pass


async def authenticate(settings: Settings, authorization: str | None) -> Viewer:
    """The viewer named by an ``Authorization: Bearer`` header; no header means anonymous."""
    if not authorization:
        return Anonymous()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Use the header 'Authorization: Bearer <token>'.")
    if token.startswith(PARTNER_TOKEN_PREFIX):
        partner = await auth_services.authenticate_partner(token)
        if partner is None:
            raise Unauthenticated("The partner token is unknown, revoked or expired.")
        return partner
    try:
        viewer = decode_access_token(settings, token)
    except InvalidToken as exc:
        raise Unauthenticated("The access token is invalid or expired.") from exc
    if isinstance(viewer, StaffViewer):
        # A disabled staff account loses access at once, not when its token expires.
        staff = await auth_services.active_staff(viewer.staff_id)
        if staff is None:
            raise Unauthenticated("The staff account is disabled.")
        viewer = StaffViewer(staff_id=staff.id, username=staff.username, role=staff.role)
    return viewer


def unauthenticated_response(message: str) -> Response:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


class KocGraphQL(GraphQL):
    """strawberry's ASGI view with koc's authentication and typed context."""

    def __init__(
        self, schema: Any, settings: Settings, wechat: WeChatClient, **kwargs: Any
    ) -> None:
        super().__init__(schema, **kwargs)
        self.settings = settings
        self.wechat = wechat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                viewer = await authenticate(self.settings, request.headers.get("authorization"))
            except Unauthenticated as exc:
                await unauthenticated_response(str(exc))(scope, receive, send)
                return
            scope.setdefault("state", {})["viewer"] = viewer
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        return Context(
            request=request,
            response=response,
            settings=self.settings,
            viewer=request.state.viewer,
            wechat=self.wechat,
        )
