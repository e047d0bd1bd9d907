"""The worker's side of notifications: the ``notifications.deliver`` task that sends the
messages a notification queued, and brings back later those quiet hours or a retry held.

``notify`` enqueues the task in the transaction that queued the messages, so a change that
rolls back sends nothing. The task sends through the process's WeChat client: the one the app's
lifespan hands over with ``use`` (``koc serve``'s embedded worker, the tests), else one made
from the settings (``koc worker``), so the access token is fetched once per process, not per
job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from tortoise.transactions import in_transaction

from koc.auth.wechat import WeChatClient
from koc.notifications.delivery import PENDING, DeliveryPolicy, Sender, deliver_many
from koc.notifications.models import SubscribeMessage
from koc.settings import Settings, get_settings
from koc.worker import enqueue

DELIVER = "notifications.deliver"
BATCH = 200  # messages per job: one claim, one round of concurrent sends, one record

_used: tuple[Sender, DeliveryPolicy] | None = None
_own: dict[asyncio.AbstractEventLoop, tuple[WeChatClient, DeliveryPolicy]] = {}


def use(sender: Sender | None, settings: Settings | None = None) -> None:
    """Send this process's messages through ``sender`` under ``settings``' rules (the app's
    lifespan calls it; None hands back to a client made from the settings)."""
    global _used
    _used = (sender, DeliveryPolicy.from_settings(settings or get_settings())) if sender else None


@contextmanager
def using(sender: Sender, settings: Settings) -> Iterator[None]:
    """``use`` for a while, then the sender before again."""
    global _used
    before = _used
    use(sender, settings)
    try:
        yield
    finally:
        _used = before


def sender() -> tuple[Sender, DeliveryPolicy]:
    """The WeChat client and rules this process sends with."""
    if _used is not None:
        return _used
    loop = asyncio.get_running_loop()
    if loop not in _own:
        s = get_settings()
        client = WeChatClient(
            s.wechat_api_base, s.wechat_appid, s.wechat_secret, s.wechat_timeout_seconds
        )
        _own[loop] = (client, DeliveryPolicy.from_settings(s))
    return _own[loop]


async def enqueue_delivery(message_ids: Sequence[int], run_after: datetime | None = None) -> None:
    """Add jobs sending ``message_ids``, in batches, inside the current transaction."""
    ids = list(message_ids)
    for start in range(0, len(ids), BATCH):
        await enqueue(DELIVER, run_after=run_after, message_ids=ids[start : start + BATCH])


async def deliver_messages(message_ids: list[int]) -> None:
    client, policy = sender()
    await deliver_many(message_ids, client, policy)
    # held back by quiet hours, or waiting for a retry: a job at the time they are due
    later: dict[datetime, list[int]] = {}
    for message_id, send_after in await SubscribeMessage.filter(
        id__in=message_ids, state__in=PENDING
    ).values_list("id", "send_after"):
        later.setdefault(send_after, []).append(message_id)
    if later:
        async with in_transaction():
            for send_after, ids in later.items():
                await enqueue_delivery(ids, run_after=send_after)
