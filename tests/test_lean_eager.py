"""Eager resolvers (koc/graphql/lean.py): a coroutine whose data is ready gives its value at
once; one that must wait carries on when awaited, as a task would have run it."""

from __future__ import annotations

import asyncio

import pytest

from koc.graphql.lean import Resumed, eager


async def _read(future: asyncio.Future[int]) -> int:
    return await future + 1


async def test_a_coroutine_whose_future_is_done_gives_its_value_without_waiting():
    future = asyncio.get_running_loop().create_future()
    future.set_result(41)
    assert eager(_read(future)) == 42


async def test_a_coroutine_that_fails_at_once_raises_at_once():
    async def refuse() -> int:
        raise PermissionError("no")

    with pytest.raises(PermissionError):
        eager(refuse())


async def test_coroutines_waiting_on_one_pending_future_all_carry_on_when_awaited():
    # Given two fields waiting on the same DataLoader future (two members of one stage)
    future = asyncio.get_running_loop().create_future()
    first, second = eager(_read(future)), eager(_read(future))
    assert isinstance(first, Resumed) and isinstance(second, Resumed)
    # When the rows arrive, Then both awaitables give the value
    asyncio.get_running_loop().call_soon(future.set_result, 1)
    assert await asyncio.gather(first, second) == [2, 2]


async def test_a_waiting_coroutine_is_cancelled_with_the_task_awaiting_it():
    future = asyncio.get_running_loop().create_future()
    cleaned = []

    async def wait() -> None:
        try:
            await future
        finally:
            cleaned.append(True)

    task = asyncio.ensure_future(eager(wait()))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True]
