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
def serving(env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    """``koc serve --no-migrate ARGS`` until ``/readyz`` answers; yields its base URL and stops
    it at the end. Its output goes to ``log``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*KOC, "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
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
