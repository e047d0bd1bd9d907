"""Staff password hashing with Argon2id (memory-hard), via argon2-cffi.

A hash takes tens of milliseconds of CPU and 64 MiB of memory by design: it runs on threads of
its own (argon2's C code releases the GIL), never on the event loop, at most
``MAX_CONCURRENT_HASHES`` at a time, so a flood of logins queues here instead of stalling every
other request or eating the machine's memory. The threads run at a lower CPU priority (nice
``HASH_NICENESS``): with every core busy hashing, the event loop still gets the CPU first.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")

_hasher = PasswordHasher()

MAX_CONCURRENT_HASHES = 2
HASH_NICENESS = 10


def _lower_priority() -> None:
    # Linux sets a nice value per thread (and argon2's own lane threads inherit it).
    if hasattr(os, "setpriority"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


_threads = ThreadPoolExecutor(
    max_workers=MAX_CONCURRENT_HASHES, thread_name_prefix="argon2", initializer=_lower_priority
)

# Verifying against this keeps the time of a login for an unknown username the same as for a
# known one, so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("koc-dummy-password-for-timing")

MIN_PASSWORD_LENGTH = 10


async def _off_loop(work: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_threads, work, *args)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await _off_loop(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always does the same amount of work."""
    return await _off_loop(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
