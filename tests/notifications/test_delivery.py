"""Sending subscribe messages through the real WeChat client against the local fake server:
each of WeChat's answers, quiet hours, the daily cap, grants, consent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from koc.auth.wechat import WeChatClient
from koc.consent.models import Purpose
from koc.notifications.delivery import deliver_due
from koc.notifications.inbox import Recipient, notify
from koc.notifications.models import (
    MessageState,
    NotificationKind,
    SubscribeGrant,
    SubscribeMessage,
    TemplateMapping,
)
from tests.conftest import APPID, APPSECRET
from tests.consent.factories import decide
from tests.notifications.factories import (
    BADGE_TEMPLATE,
    MORNING,
    badge_mapping,
    policy,
    reachable_member,
    survey_mapping,
)

LONG_NAME = "这是一枚名字超过二十个字符的非常非常非常长的勋章"


@pytest.fixture
async def wechat(wechat_server) -> AsyncIterator[WeChatClient]:
    client = WeChatClient(wechat_server.base_url, APPID, APPSECRET)
    yield client
    await client.aclose()


async def _badge(member_id: int, n: int = 1, name: str = "首批车主", now=MORNING) -> list[int]:
    return await notify(
        NotificationKind.BADGE_EARNED,
        [Recipient(member_id, f"badge:{n}", {"badge_id": n, "badge_name": name, "earned_at": now})],
        now=now,
    )


async def _message(member_id: int) -> SubscribeMessage:
    return await SubscribeMessage.get(member_id=member_id)


async def _available(member_id: int) -> int:
    return (await SubscribeGrant.get(member_id=member_id)).available


async def test_a_message_is_sent_with_its_page_and_spends_one_grant(
    app, settings, wechat, wechat_server
) -> None:
    # given a mapped kind and a member with two grants
    await badge_mapping()
    member = await reachable_member(grants=2)
    await _badge(member.id, 7, LONG_NAME)
    # when the due messages are sent
    states = await deliver_due(wechat, policy(settings), now=MORNING)
    # then WeChat got one message, its thing cut to 20 characters, the page filled
    assert states == {MessageState.SENT: 1}
    [sent] = wechat_server.state.subscribe_messages
    assert sent["touser"] == f"openid-{member.id}"
    assert sent["template_id"] == BADGE_TEMPLATE
    assert sent["page"] == "pages/badges/detail?id=7"
    assert sent["data"]["thing1"]["value"] == LONG_NAME[:19] + "…"
    assert sent["data"]["time2"]["value"] == "2026年12月07日 10:00"
    message = await _message(member.id)
    assert (message.state, message.attempts) == (MessageState.SENT, 1)
    assert await _available(member.id) == 1
    # and sending again sends nothing more
    assert await deliver_due(wechat, policy(settings), now=MORNING) == {}


async def test_a_replayed_event_gives_one_message(app, settings, wechat, wechat_server) -> None:
    await badge_mapping()
    member = await reachable_member(grants=3)
    assert len(await _badge(member.id, 7)) == 1
    assert await _badge(member.id, 7) == []  # the same happening again
    await deliver_due(wechat, policy(settings), now=MORNING)
    assert len(wechat_server.state.subscribe_messages) == 1
    assert await SubscribeMessage.all().count() == 1


async def test_without_a_grant_nothing_is_sent_and_the_reason_is_kept(
    app, settings, wechat, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member(grants=0)
    await _badge(member.id)
    await deliver_due(wechat, policy(settings), now=MORNING)
    message = await _message(member.id)
    assert (message.state, message.refusal) == (MessageState.REFUSED, "NO_GRANT")
    assert wechat_server.state.subscribe_messages == []


async def test_a_ban_is_respected(app, settings, wechat, member_client) -> None:
    await badge_mapping()
    member = await reachable_member(grants=2)
    await SubscribeGrant.filter(member_id=member.id).update(last_result="BAN")
    await _badge(member.id)
    await deliver_due(wechat, policy(settings), now=MORNING)
    assert (await _message(member.id)).refusal == "BANNED"


async def test_quiet_hours_hold_messages_until_the_morning(
    app, settings, wechat, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member()
    late = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    await _badge(member.id, now=late)
    await deliver_due(wechat, policy(settings), now=late)
    message = await _message(member.id)
    assert message.state is MessageState.WAITING
    assert message.send_after == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)  # 08:00 local
    # still night at 07:59 local: nothing is due
    assert (
        await deliver_due(wechat, policy(settings), now=message.send_after - timedelta(minutes=1))
        == {}
    )
    # in the morning it goes
    assert await deliver_due(wechat, policy(settings), now=message.send_after) == {
        MessageState.SENT: 1
    }
    assert len(wechat_server.state.subscribe_messages) == 1


async def test_the_daily_cap_stops_the_next_message(app, settings, wechat, wechat_server) -> None:
    await badge_mapping()
    member = await reachable_member(grants=5)
    for n in range(3):
        await _badge(member.id, n)
    states = await deliver_due(wechat, policy(settings, daily_cap=2), now=MORNING)
    assert states == {MessageState.SENT: 2, MessageState.REFUSED: 1}
    refused = await SubscribeMessage.get(state=MessageState.REFUSED)
    assert refused.refusal == "DAILY_CAP"
    assert await _available(member.id) == 3  # the refused one spent nothing
    # the next day the cap starts again
    await _badge(member.id, 9, now=MORNING + timedelta(days=1))
    later = await deliver_due(
        wechat, policy(settings, daily_cap=2), now=MORNING + timedelta(days=1)
    )
    assert later == {MessageState.SENT: 1}


async def test_marketing_needs_consent_in_the_inbox_and_at_wechat(
    app, settings, wechat, wechat_server
) -> None:
    await survey_mapping()
    consenting = await reachable_member(template_id="tpl-survey")
    silent = await reachable_member(template_id="tpl-survey")
    await decide(consenting.id, Purpose.MARKETING, True)
    made = await notify(
        NotificationKind.SURVEY_INVITATION,
        [
            Recipient(m.id, "survey:4", {"survey_id": 4, "survey_title": "充电桩需求调研"})
            for m in (consenting, silent)
        ],
        now=MORNING,
    )
    # only the member who granted MARKETING is invited at all
    assert len(made) == 1
    # and withdrawing consent before the send stops the message
    await decide(consenting.id, Purpose.MARKETING, False)
    await deliver_due(wechat, policy(settings), now=MORNING)
    message = await _message(consenting.id)
    assert (message.state, message.refusal) == (MessageState.REFUSED, "NO_CONSENT")
    assert wechat_server.state.subscribe_messages == []


async def test_43101_refuses_and_corrects_the_grant_count(
    app, settings, wechat, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member(grants=2)
    await _badge(member.id)
    wechat_server.state.subscribe_answers.append(43101)
    await deliver_due(wechat, policy(settings), now=MORNING)
    message = await _message(member.id)
    assert (message.state, message.refusal) == (MessageState.REFUSED, "WECHAT_NO_GRANT")
    assert message.detail.startswith("43101")
    # WeChat holds no grant: koc's count follows, and no message counted as sent today
    assert await _available(member.id) == 0
    assert message.sent_at is None


async def test_47003_marks_the_mapping_broken(app, settings, wechat, wechat_server) -> None:
    await badge_mapping()
    first, second = await reachable_member(), await reachable_member()
    await _badge(first.id)
    wechat_server.state.subscribe_answers.append(47003)
    await deliver_due(wechat, policy(settings), now=MORNING)
    assert (await _message(first.id)).refusal == "WECHAT_BAD_DATA"
    assert await _available(first.id) == 1  # not spent
    mapping = await TemplateMapping.get(kind=NotificationKind.BADGE_EARNED)
    assert mapping.broken_reason is not None and "47003" in mapping.broken_reason
    # the next message of the broken mapping is not sent
    await _badge(second.id, 2)
    await deliver_due(wechat, policy(settings), now=MORNING)
    assert (await _message(second.id)).refusal == "TEMPLATE_BROKEN"
    assert wechat_server.state.subscribe_messages == []


async def test_rate_limits_retry_with_backoff_until_attempts_run_out(
    app, settings, wechat, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member()
    await _badge(member.id)
    wechat_server.state.subscribe_answers.extend([45009, 45009])
    rules = policy(settings, max_attempts=3)
    await deliver_due(wechat, rules, now=MORNING)
    message = await _message(member.id)
    assert (message.state, message.attempts) == (MessageState.QUEUED, 1)
    assert message.send_after == MORNING + timedelta(seconds=30)
    assert await _available(member.id) == 1  # given back while waiting
    # not due before its time; then a second refusal doubles the wait
    assert await deliver_due(wechat, rules, now=MORNING + timedelta(seconds=29)) == {}
    await deliver_due(wechat, rules, now=MORNING + timedelta(seconds=30))
    message = await _message(member.id)
    assert message.send_after == MORNING + timedelta(seconds=90)
    # the third attempt goes through
    await deliver_due(wechat, rules, now=MORNING + timedelta(seconds=90))
    assert (await _message(member.id)).state is MessageState.SENT
    assert await _available(member.id) == 0


async def test_an_unreachable_wechat_fails_after_the_last_attempt(
    app, settings, wechat, wechat_server
) -> None:
    await badge_mapping()
    member = await reachable_member()
    await _badge(member.id)
    wechat_server.state.broken = True  # 502 to everything
    rules = policy(settings, max_attempts=2)
    await deliver_due(wechat, rules, now=MORNING)
    assert (await _message(member.id)).state is MessageState.QUEUED
    await deliver_due(wechat, rules, now=MORNING + timedelta(minutes=5))
    message = await _message(member.id)
    assert message.state is MessageState.FAILED
    assert "could not be reached" in message.detail
    assert await _available(member.id) == 1


async def test_a_stale_access_token_is_refreshed_once(app, settings, wechat, wechat_server) -> None:
    await badge_mapping()
    member = await reachable_member(grants=2)
    await _badge(member.id, 1)
    await deliver_due(wechat, policy(settings), now=MORNING)
    # WeChat forgets the token (expired early): the client fetches a new one and sends
    wechat_server.state.access_tokens.clear()
    await _badge(member.id, 2)
    states = await deliver_due(wechat, policy(settings), now=MORNING)
    assert states == {MessageState.SENT: 1}
    assert wechat_server.state.requests.count("/cgi-bin/token") == 2


@pytest.mark.parametrize(
    ("errcode", "refusal"), [(40003, "WECHAT_BAD_OPENID"), (43999, "WECHAT_ERROR")]
)
async def test_other_refusals_are_recorded(
    app, settings, wechat, wechat_server, errcode: int, refusal: str
) -> None:
    await badge_mapping()
    member = await reachable_member()
    await _badge(member.id)
    wechat_server.state.subscribe_answers.append(errcode)
    await deliver_due(wechat, policy(settings), now=MORNING)
    message = await _message(member.id)
    assert (message.state, message.refusal) == (MessageState.REFUSED, refusal)
    assert (await TemplateMapping.get(kind=NotificationKind.BADGE_EARNED)).broken_reason is None


async def test_an_unmapped_kind_lands_in_the_inbox_only(app, settings, wechat) -> None:
    member = await reachable_member()
    assert len(await _badge(member.id)) == 1
    assert await SubscribeMessage.all().count() == 0


async def test_a_member_without_an_openid_is_refused(app, settings, wechat) -> None:
    await badge_mapping()
    member = await reachable_member()
    await member.fetch_related("identities")
    for identity in member.identities:
        await identity.delete()
    await _badge(member.id)
    await deliver_due(wechat, policy(settings), now=MORNING)
    assert (await _message(member.id)).refusal == "NO_OPENID"
