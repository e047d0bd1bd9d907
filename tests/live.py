"""``koc serve`` as a real process on a free 127.0.0.1 port, for tests that need HTTP for real
(several workers, a browser, a third-party client)."""

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

KOC = [sys.executable, "-m", "koc.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def koc_env(**values: str) -> dict[str, str]:
    """This process's environment without koc's and its libraries' settings, plus ``values``
    (``KOC_ENV="production"`` and so on)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KOC_", "OTEL_", "PROMETHEUS_"))
    }
    return {**env, **values}


def koc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a ``koc`` command to completion; fails the test if it fails."""
    return subprocess.run(
        [*KOC, *args], env=env, capture_output=True, text=True, timeout=120, check=True
    )


@contextmanager
def serving(env: dict[str, str], log: Path, *args: str, ready: str = "/readyz") -> Iterator[str]:
    """``koc serve --no-migrate ARGS`` until ``ready`` answers; yields its base URL and stops
    it at the end. Its output goes to ``log``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*KOC, "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120  # a guard against a hang, not a timing
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}{ready}", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "koc serve did not become ready"
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


ADMIN_PASSWORD = "live-admin-password-2026"


@contextmanager
def live_koc(
    folder: Path,
    wechat_base: str,
    database_url: str | None = None,
    *,
    prepare: bool = True,
    **settings: str,
) -> Iterator[str]:
    """The base URL of a ready ``koc serve`` in production mode with the test WeChat server, on
    ``database_url`` (default: a SQLite file in ``folder``, also when the suite runs on
    PostgreSQL), migrated and with an ADMIN ``admin`` / ``ADMIN_PASSWORD`` unless ``prepare`` is
    false (a database that is not there: then the process only has to be up). ``settings`` are
    more environment variables (``KOC_WEBHOOK_ALLOW_HTTP="true"``)."""
    env = koc_env(
        KOC_ENV="production",
        KOC_JWT_SECRET=TEST_SECRET,
        KOC_DATABASE_URL=database_url or f"sqlite://{folder / 'live.sqlite3'}",
        KOC_WECHAT_APPID=APPID,
        KOC_WECHAT_SECRET=APPSECRET,
        KOC_WECHAT_API_BASE=wechat_base,
        **settings,
    )
    if prepare:
        koc(env, "migrate")
        koc(env, "create-staff", "admin", "--role", "ADMIN", "--password", ADMIN_PASSWORD)
    ready = "/readyz" if prepare else "/healthz"
    with serving(env, folder / "serve.log", ready=ready) as base:
        yield base
