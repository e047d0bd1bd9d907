"""``koc serve`` in a subprocess on a free 127.0.0.1 port, with its own migrated SQLite file (also
when the rest of the suite runs on PostgreSQL), in production mode, an ADMIN named ``admin``, and
the fake WeChat server; for tests that need a real server and a real second process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import APPID, APPSECRET, TEST_SECRET

KOC = str(Path(sys.executable).parent / "koc")
ADMIN_PASSWORD = "live-admin-password-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_koc(
    folder: Path, wechat_base: str, database_url: str | None = None, *, prepare: bool = True
) -> Iterator[str]:
    """The base URL of a ready ``koc serve`` on ``database_url`` (default: a SQLite file in
    ``folder``), migrated and with its admin unless ``prepare`` is false (a database that is
    not there: then the process only has to be up); stopped at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOC_")}
    env.update(
        KOC_ENV="production",
        KOC_JWT_SECRET=TEST_SECRET,
        KOC_DATABASE_URL=database_url or f"sqlite://{folder / 'live.sqlite3'}",
        KOC_WECHAT_APPID=APPID,
        KOC_WECHAT_SECRET=APPSECRET,
        KOC_WECHAT_API_BASE=wechat_base,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    if prepare:
        subprocess.run([KOC, "migrate"], env=env, check=True, capture_output=True, timeout=60)
        subprocess.run(
            [KOC, "create-staff", "admin", "--role", "ADMIN", "--password", ADMIN_PASSWORD],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
    ready = f"{base}/readyz" if prepare else f"{base}/healthz"
    log = folder / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [KOC, "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    if httpx.get(ready, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "koc serve did not become ready"
                time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
