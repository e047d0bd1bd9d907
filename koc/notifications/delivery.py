"""Sending a queued subscribe message to WeChat, and what WeChat's answer makes of it.

A message is checked and a grant taken in one short transaction, sent outside any transaction
(no lock is held while WeChat answers), and its outcome recorded in a second one:

- held back: quiet hours in the brand's time zone (WAITING until the morning);
- refused before sending: no or broken template mapping, no MARKETING consent for a marketing
  kind, no openid, no unused grant (or the member rejected / banned the template), the
  member's daily cap reached;
- WeChat's answers: 0 SENT; 43101 (no grant at WeChat) REFUSED, the grant count corrected to 0
  and the message not counted against the cap; 47003 (bad data), 40037 (bad template id) or
  41030 (bad page) REFUSED and the mapping marked broken with WeChat's reason; 40003 (bad
  openid) REFUSED; rate limits (45009, 45011), system busy (-1) and no answer at all back to
  QUEUED with exponential backoff, FAILED after ``notify_max_attempts``. Only a message WeChat
  accepted spends its grant.

A process that dies while WeChat answers leaves the message SENDING with its grant spent: a
message is sent at most once, never twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from koc.auth.wechat import WeChatAnswer, WeChatUnreachable
from koc.consent.models import Purpose
from koc.consent.services import may_process
from koc.db import update_rows
from koc.members.models import MemberIdentity
from koc.notifications import grants, values
from koc.notifications.kinds import SPECS, render
from koc.notifications.models import (
    MessageState,
    Notification,
    NotificationKind,
    RefusalReason,
    SubscribeGrant,
    SubscribeMessage,
    SubscribeResult,
    TemplateMapping,
)
from koc.notifications.templates import mark_broken
from koc.settings import Settings

PENDING = (MessageState.QUEUED, MessageState.WAITING)
RETRY = {45009, 45011, -1}  # rate limited, or WeChat busy: try again later
BREAKS_MAPPING = {47003, 40037, 41030}  # the data, template id or page is wrong for every member
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


class Sender(Protocol):
    async def send_subscribe_message(
        self,
        openid: str,
        template_id: str,
        data: dict[str, str],
        *,
        page: str = "",
        miniprogram_state: str = "formal",
    ) -> WeChatAnswer: ...


@dataclass(frozen=True)
class DeliveryPolicy:
    time_zone: ZoneInfo
    quiet_start_hour: int
    quiet_end_hour: int
    daily_cap: int
    max_attempts: int
    appid: str
    miniprogram_state: str
    concurrency: int = 16

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            time_zone=ZoneInfo(settings.notify_time_zone),
            quiet_start_hour=settings.notify_quiet_start_hour,
            quiet_end_hour=settings.notify_quiet_end_hour,
            daily_cap=settings.notify_daily_cap,
            max_attempts=settings.notify_max_attempts,
            appid=settings.wechat_appid,
            miniprogram_state=settings.wechat_miniprogram_state,
            concurrency=settings.notify_send_concurrency,
        )

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the quiet hours ``now`` falls in end (UTC), or None outside them."""
        start, end = self.quiet_start_hour, self.quiet_end_hour
        local = now.astimezone(self.time_zone)
        hour = local.hour
        inside = start <= hour < end if start < end else (hour >= start or hour < end)
        if start == end or not inside:
            return None
        day = local.date() if hour < end else local.date() + timedelta(days=1)
        return datetime.combine(day, time(end), self.time_zone).astimezone(UTC)

    def day_start(self, now: datetime) -> datetime:
        """Midnight of ``now``'s day in the brand's time zone, in UTC: the cap counts from it."""
        local = now.astimezone(self.time_zone).date()
        return datetime.combine(local, time(0), self.time_zone).astimezone(UTC)


def backoff(attempts: int) -> timedelta:
    """30 s after the first attempt, doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


@dataclass(frozen=True)
class _Outgoing:
    message: SubscribeMessage
    openid: str
    page: str
    data: dict[str, str]
    mapping_id: int


@dataclass
class _Batch:
    """What claiming a batch of messages reads once for all of them."""

    mappings: dict[NotificationKind, TemplateMapping]
    consenting: set[int]
    openids: dict[int, str]
    sent_today: Counter[int]
    data: dict[int, dict[str, str]]


SAVED = ["state", "refusal", "detail", "attempts", "send_after", "sent_at", "updated_at"]


async def deliver(
    message_id: int, sender: Sender, policy: DeliveryPolicy, *, now: datetime | None = None
) -> MessageState | None:
    """Send one queued message if it is due; returns its state after (None if it is gone)."""
    states = await deliver_many([message_id], sender, policy, now=now)
    return states.get(message_id)


async def deliver_many(
    message_ids: Sequence[int],
    sender: Sender,
    policy: DeliveryPolicy,
    *,
    now: datetime | None = None,
) -> dict[int, MessageState]:
    """Send the due messages among ``message_ids``: claimed in one transaction, sent to WeChat
    ``policy.concurrency`` at a time with no transaction open, answers recorded in a second
    transaction. Returns each message's state after (messages not found are left out)."""
    now = now or datetime.now(UTC)
    async with in_transaction():
        messages = (
            await SubscribeMessage.filter(id__in=list(message_ids))
            .order_by("send_after", "id")
            .select_for_update()
        )
        pending = [m for m in messages if m.state in PENDING and m.send_after <= now]
        outgoing = await _claim(pending, policy, now)
        await update_rows(pending, SAVED)
    limit = asyncio.Semaphore(policy.concurrency)

    async def send(out: _Outgoing) -> WeChatAnswer:
        async with limit:
            try:
                return await sender.send_subscribe_message(
                    out.openid,
                    out.message.template_id,
                    out.data,
                    page=out.page,
                    miniprogram_state=policy.miniprogram_state,
                )
            except WeChatUnreachable as exc:
                return WeChatAnswer(-2, f"WeChat could not be reached: {exc}")

    answers = await asyncio.gather(*(send(out) for out in outgoing))
    if outgoing:
        async with in_transaction():
            for out, answer in zip(outgoing, answers, strict=True):
                await _record(out, answer, policy, now)
            await update_rows([out.message for out in outgoing], SAVED)
    return {m.id: m.state for m in messages}


def _refuse(message: SubscribeMessage, reason: RefusalReason, detail: str, now: datetime) -> None:
    message.state, message.refusal, message.detail = MessageState.REFUSED, reason, detail[:500]
    message.updated_at = now


async def _read_batch(
    messages: Sequence[SubscribeMessage], policy: DeliveryPolicy, now: datetime
) -> _Batch:
    """Mappings, consent, openids, today's sends and the notifications' fields of a batch, a
    statement each."""
    members = list({m.member_id for m in messages})
    marketing = [m.member_id for m in messages if SPECS[m.kind].marketing]
    sent_today: Counter[int] = Counter()
    if members:
        sent_today.update(
            await SubscribeMessage.filter(
                member_id__in=members,
                state__in=(MessageState.SENT, MessageState.SENDING),
                sent_at__gte=policy.day_start(now),
            ).values_list("member_id", flat=True)
        )
    identities = await MemberIdentity.filter(member_id__in=members, appid=policy.appid).values_list(
        "member_id", "openid"
    )
    notifications = await Notification.filter(
        id__in=[m.notification_id for m in messages]
    ).values_list("id", "data")
    return _Batch(
        mappings={m.kind: m for m in await TemplateMapping.all()},
        consenting=await may_process(marketing, Purpose.MARKETING) if marketing else set(),
        openids=dict(identities),
        sent_today=sent_today,
        data=dict(notifications),
    )


async def _claim(
    messages: Sequence[SubscribeMessage], policy: DeliveryPolicy, now: datetime
) -> list[_Outgoing]:
    """Check each due message and take its grant: what to send. The others get their new state
    (refused, or held back by quiet hours) on the message."""
    if not messages:
        return []
    wait = policy.quiet_until(now)
    if wait is not None:
        for message in messages:
            message.state, message.send_after, message.updated_at = MessageState.WAITING, wait, now
        return []
    batch = await _read_batch(messages, policy, now)
    outgoing = []
    for message in messages:
        out = await _claim_one(message, batch, policy, now)
        if out is not None:
            batch.sent_today[message.member_id] += 1
            outgoing.append(out)
    return outgoing


async def _claim_one(
    message: SubscribeMessage, batch: _Batch, policy: DeliveryPolicy, now: datetime
) -> _Outgoing | None:
    mapping = batch.mappings.get(message.kind)
    member_id = message.member_id
    if mapping is None or not mapping.enabled or mapping.template_id != message.template_id:
        _refuse(message, RefusalReason.NO_TEMPLATE, "The kind is no longer mapped here.", now)
        return None
    if mapping.broken_reason:
        _refuse(message, RefusalReason.TEMPLATE_BROKEN, mapping.broken_reason, now)
        return None
    if SPECS[message.kind].marketing and member_id not in batch.consenting:
        _refuse(message, RefusalReason.NO_CONSENT, "No MARKETING consent.", now)
        return None
    if batch.sent_today[member_id] >= policy.daily_cap:
        _refuse(
            message,
            RefusalReason.DAILY_CAP,
            f"{batch.sent_today[member_id]} sent today already.",
            now,
        )
        return None
    openid = batch.openids.get(member_id)
    if openid is None:
        _refuse(message, RefusalReason.NO_OPENID, "The member never signed in to the app.", now)
        return None
    if not await grants.spend(member_id, message.template_id):
        last = await grants.refusal_of(member_id, message.template_id)
        reason = {
            SubscribeResult.BAN: RefusalReason.BANNED,
            SubscribeResult.REJECT: RefusalReason.REJECTED,
        }.get(last, RefusalReason.NO_GRANT)  # type: ignore[arg-type]
        _refuse(message, reason, "No unused grant for this template.", now)
        return None
    fields = batch.data.get(message.notification_id) or {}
    data = {}
    for item in mapping.key_values:
        key_type = values.key_type(item["key"]) or "thing"
        data[item["key"]] = values.fit(key_type, render(item["value"], fields))
    message.state, message.sent_at, message.updated_at = MessageState.SENDING, now, now
    message.attempts += 1
    return _Outgoing(
        message=message,
        openid=openid,
        page=render(mapping.page, fields) if mapping.page else "",
        data=data,
        mapping_id=mapping.id,
    )


async def _record(
    out: _Outgoing, answer: WeChatAnswer, policy: DeliveryPolicy, now: datetime
) -> None:
    """Turn WeChat's answer into the message's state; a grant not used goes back."""
    message = out.message
    code, detail = answer.errcode, f"{answer.errcode} {answer.errmsg}".strip()
    message.updated_at = now
    if code == 0:
        message.state, message.refusal, message.detail = MessageState.SENT, None, ""
        return
    member_id, template_id = message.member_id, message.template_id
    message.sent_at = None
    if code == 43101:
        # WeChat holds no grant for the member: its word is the count.
        await SubscribeGrant.filter(member_id=member_id, template_id=template_id).update(
            available=0
        )
        _refuse(message, RefusalReason.WECHAT_NO_GRANT, detail, now)
        return
    await grants.give_back(member_id, template_id)
    if code in BREAKS_MAPPING:
        await mark_broken(out.mapping_id, detail)
        reason = RefusalReason.WECHAT_BAD_DATA if code == 47003 else RefusalReason.WECHAT_ERROR
        _refuse(message, reason, detail, now)
    elif code == 40003:
        _refuse(message, RefusalReason.WECHAT_BAD_OPENID, detail, now)
    elif code in RETRY or code == -2:
        if message.attempts >= policy.max_attempts:
            message.state, message.detail = MessageState.FAILED, detail[:500]
        else:
            message.state, message.detail = MessageState.QUEUED, detail[:500]
            message.send_after = now + backoff(message.attempts)
    else:
        _refuse(message, RefusalReason.WECHAT_ERROR, detail, now)


async def deliver_due(
    sender: Sender,
    policy: DeliveryPolicy,
    *,
    now: datetime | None = None,
    limit: int = 1000,
    batch: int = 200,
) -> Counter[MessageState]:
    """Send the messages due at ``now`` (oldest first, at most ``limit``) in batches; returns
    how many ended in each state."""
    now = now or datetime.now(UTC)
    due = (
        await SubscribeMessage.filter(state__in=PENDING, send_after__lte=now)
        .order_by("send_after", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    states: Counter[MessageState] = Counter()
    for start in range(0, len(due), batch):
        found = await deliver_many(due[start : start + batch], sender, policy, now=now)
        states.update(found.values())
    return states
