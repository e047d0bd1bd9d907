"""Subscribe messages go out through the worker: the job a notification enqueues in its
transaction, and the job that brings a held-back message back at its time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.auth.wechat import WeChatClient
from koc.notifications import jobs
from koc.notifications.inbox import Recipient, notify
from koc.notifications.models import MessageState, NotificationKind, SubscribeMessage
from koc.worker import run_pending_jobs
from tests.badges.factories import create_badge
from tests.conftest import APPID, APPSECRET
from tests.notifications.factories import BADGE_TEMPLATE, badge_mapping, reachable_member

AWARD = """mutation($input: BadgeAwardInput!) { badgeAward(input: $input) { errors { code } } }"""


@pytest.fixture
async def daytime_worker(settings, wechat_server) -> AsyncIterator[None]:
    """The worker's sender, with quiet hours off: these tests run at any time of day."""
    client = WeChatClient(wechat_server.base_url, APPID, APPSECRET)
    rules = settings.model_copy(update={"notify_quiet_start_hour": 0, "notify_quiet_end_hour": 0})
    with jobs.using(client, rules):
        yield
    await client.aclose()


async def test_a_badge_award_reaches_wechat_through_the_worker(
    app, daytime_worker, wechat_server, member_client, staff_client
) -> None:
    # given a mapped template and a member who accepted it, signed in to the app
    await badge_mapping()
    member = await reachable_member(grants=1)
    operator = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(operator, name="首批车主"))["badge"]
    # when staff award a badge, nothing is sent until the worker runs
    client = await member_client(member)
    award = {"memberId": client.member_gid, "badgeId": badge["id"], "reason": "Welcome"}
    assert (await operator.execute(AWARD, {"input": award}))["badgeAward"]["errors"] == []
    assert wechat_server.state.subscribe_messages == []
    await run_pending_jobs()
    # then the worker sent one message to the member
    [sent] = wechat_server.state.subscribe_messages
    assert sent["touser"] == f"openid-{member.id}"
    assert sent["template_id"] == BADGE_TEMPLATE
    assert (await SubscribeMessage.get(member_id=member.id)).state is MessageState.SENT
    # and running the worker again sends nothing more
    await run_pending_jobs()
    assert len(wechat_server.state.subscribe_messages) == 1


async def test_a_notification_that_rolls_back_sends_nothing(
    app, daytime_worker, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member(grants=1)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await notify(
                NotificationKind.BADGE_EARNED,
                [
                    Recipient(
                        member.id, "badge:1", {"badge_name": "B", "earned_at": datetime.now(UTC)}
                    )
                ],
            )
            raise RuntimeError("the change failed")
    await run_pending_jobs()
    assert wechat_server.state.subscribe_messages == []
    assert await SubscribeMessage.all().count() == 0


async def test_a_rate_limited_message_is_brought_back_by_a_later_job(
    app, daytime_worker, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member(grants=1)
    async with in_transaction():
        await notify(
            NotificationKind.BADGE_EARNED,
            [Recipient(member.id, "badge:1", {"badge_name": "B", "earned_at": datetime.now(UTC)})],
        )
    wechat_server.state.subscribe_answers.append(45009)
    await run_pending_jobs()
    message = await SubscribeMessage.get(member_id=member.id)
    assert (message.state, message.attempts) == (MessageState.QUEUED, 1)
    # the retry is a job of its own, due at the message's send_after (not yet)
    await run_pending_jobs()
    assert wechat_server.state.subscribe_messages == []
