"""A local webhook receiver: records every request and answers as a test tells it to (a status,
a slow answer, a huge body)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the sender's address and port: one per connection


@dataclass
class Behaviour:
    """What the next answers are: one status per request from ``statuses`` (then ``status``)."""

    status: int = 200
    statuses: deque[int] = field(default_factory=deque)
    delay_seconds: float = 0.0
    body: bytes = b"ok"


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.behaviour = Behaviour()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1, as receivers speak it: a connection may carry several deliveries.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                receiver.received.append(
                    Received(
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        tuple(self.client_address[:2]),
                    )
                )
                b = receiver.behaviour
                status = b.statuses.popleft() if b.statuses else b.status
                if b.delay_seconds:
                    time.sleep(b.delay_seconds)
                try:
                    self.send_response(status)
                    self.send_header("content-length", str(len(b.body)))
                    self.end_headers()
                    self.wfile.write(b.body)
                except OSError:
                    pass  # the client gave up first

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/koc"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
