"""What the fake WeChat and WeCom servers share: JSON over real HTTP on a thread of its own, each
path asked recorded, access tokens handed out and checked, and a switch that breaks it.

Each fake keeps what it knows in a ``FakeApiState`` of its own and answers in a ``JsonHandler``
of its own (``answer_get``, ``answer_post``: called once the request is read and recorded).
``FakeApiServer`` serves one with the other; a test reads and sets what the server knows
through ``server.state``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar
from urllib.parse import parse_qs, urlparse


@dataclass(kw_only=True)
class FakeApiState:
    access_tokens: set[str] = field(default_factory=set)
    token_counter: int = 0
    # the paths asked, in order
    requests: list[str] = field(default_factory=list)
    broken: bool = False  # answer 502 to everything

    def issue_token(self, prefix: str) -> str:
        """A new access token the server accepts from now on (until ``reset``)."""
        self.token_counter += 1
        token = f"{prefix}_{self.token_counter}"
        self.access_tokens.add(token)
        return token

    def reset(self) -> None:
        """Forget the tokens handed out and the requests seen, and work again. The counter
        goes on, so a token from before the reset is never handed out again."""
        self.access_tokens.clear()
        self.requests.clear()
        self.broken = False


class JsonHandler(BaseHTTPRequestHandler):
    state: FakeApiState  # the server's, set by FakeApiServer

    def log_message(self, *args: Any) -> None:  # koc logs what it asked
        pass

    def _send(self, payload: dict[str, Any], status: int = 200) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, errcode: int, errmsg: str) -> None:
        self._send({"errcode": errcode, "errmsg": errmsg})

    def _request(self) -> tuple[str, dict[str, str], dict[str, Any]] | None:
        """The path, query and JSON body asked for, recorded; None once a broken server has
        answered 502. The body is read first so a kept-alive connection stays in step."""
        url = urlparse(self.path)
        self.state.requests.append(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.state.broken:
            self._send({"error": "bad gateway"}, 502)
            return None
        return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}, body

    def do_GET(self) -> None:  # noqa: N802
        if (asked := self._request()) is not None:
            self.answer_get(*asked)

    def do_POST(self) -> None:  # noqa: N802
        if (asked := self._request()) is not None:
            self.answer_post(*asked)

    def answer_get(self, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
        self._not_found()

    def answer_post(self, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
        self._not_found()

    def _not_found(self) -> None:
        self._send({"errcode": 404, "errmsg": "not found"}, 404)

    def _token_refused(self, query: dict[str, str], errcode: int, errmsg: str) -> bool:
        """Answer ``errcode`` (and say so) when the query's access token is not one handed out."""
        if query.get("access_token") in self.state.access_tokens:
            return False
        self._error(errcode, errmsg)
        return True


S = TypeVar("S", bound=FakeApiState)


class FakeApiServer(Generic[S]):
    """Serves ``handler`` with ``state`` on ``host:port`` (port 0: any free one) once started."""

    def __init__(self, state: S, handler: type[JsonHandler], host: str, port: int) -> None:
        self.state = state
        serving = type(handler.__name__, (handler,), {"state": state})
        self._server = ThreadingHTTPServer((host, port), serving)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
