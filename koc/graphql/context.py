"""The typed per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from koc.auth.viewer import Viewer
from koc.settings import Settings

if TYPE_CHECKING:
    from koc.auth.wechat import WeChatClient
    from koc.security.ratelimit import RateLimiter


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    viewer: Viewer
    wechat: WeChatClient
    rate_limiter: RateLimiter
    # DataLoaders, created lazily and kept for this request only (so nothing leaks between
    # callers): see koc.graphql.loaders.loader().
    loaders: dict[Any, Any] = field(default_factory=dict)
    # What a field of the document selects, by its nodes' ids, for this request only (while it
    # runs its document, and so those ids, stay alive): see koc.graphql.relay.selected_names().
    selections: dict[Any, Any] = field(default_factory=dict)


Info = StrawberryInfo[Context, None]
