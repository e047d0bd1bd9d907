"""Hooks: a batch reaches a batch handler in one call and a plain handler once per item."""

from koc.hooks import Hook


async def test_send_many_calls_batch_handlers_once_and_plain_ones_per_item():
    hook = Hook("test")
    seen: list[tuple[str, object]] = []

    async def plain(n: int) -> None:
        seen.append(("plain", n))

    async def batch(calls) -> None:
        seen.append(("batch", [c["n"] for c in calls]))

    hook.connect(plain)
    hook.connect_batch(batch)
    await hook.send_many([{"n": 1}, {"n": 2}])
    await hook.send(n=3)
    await hook.send_many([])
    assert seen == [
        ("plain", 1),
        ("plain", 2),
        ("batch", [1, 2]),
        ("plain", 3),
        ("batch", [3]),
    ]
