"""Webhooks reach a real local receiver, signed as Standard Webhooks says (checked with the
specification's reference library), at least once, with the same webhook-id on every retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks import Webhook
from strawberry.relay import from_base64

from koc.auth.models import StaffRole
from koc.consent.models import Purpose
from koc.members.models import Member
from koc.webhooks.delivery import RETRY_DELAYS
from koc.webhooks.dispatch import run_due
from koc.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.conftest import gid, make_member
from tests.consent.factories import decide
from tests.referrals.helpers import record_order
from tests.webhooks.helpers import (
    ATTEMPTS,
    REPLAY,
    RETRY,
    UPDATE,
    deliveries,
    feed,
    nodes,
    subscribe,
)


def _id(global_id: str) -> int:
    return int(from_base64(global_id)[1])


async def _make_due() -> None:
    """Time passes: every scheduled retry is due now."""
    await WebhookDelivery.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
    )


async def test_a_delivery_is_signed_and_verifies_with_the_reference_library(
    staff_client, partner_client, on_local, receiver, local_settings, app: Any
):
    # given an admin's subscription to orders, and a partner that records one
    admin = on_local(await staff_client(StaffRole.ADMIN))
    sub_id, secret = await subscribe(admin, receiver.url, ["ORDER_RECORDED"], description="CRM")
    assert secret.startswith("whsec_")
    pos = await partner_client(["orders:write"])
    member = await make_member()
    await record_order(pos, member.id, external_id="sig-1")
    # when the due deliveries run
    assert await run_due(local_settings) == 1
    # then the receiver got one request whose signature the reference library accepts
    [request] = receiver.received
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "order.recorded"
    assert payload["data"]["order"]["externalId"] == "sig-1"
    assert payload["data"]["member"] == {
        "id": gid("Member", member.id),
        "phone": None,
        "unionid": None,
    }
    assert request.headers["webhook-id"] == payload["id"]
    # and a tampered body or another secret does not verify
    other = Webhook("whsec_" + "A" * 43 + "=")
    for bad in (
        lambda: other.verify(request.body, request.headers),
        lambda: Webhook(secret).verify(request.body + b" ", request.headers),
    ):
        try:
            bad()
        except Exception as exc:  # the library's WebhookVerificationError
            assert "signature" in str(exc).lower()
        else:
            raise AssertionError("verified what it must not")
    # and the payload is the one the feed shows
    reader = await partner_client(["events:read"])
    [event] = nodes(await feed(reader, types=["ORDER_RECORDED"]))
    assert event["payload"] == payload
    # and the delivery log says it succeeded, with the status and latency
    [delivery] = await deliveries(admin, sub_id)
    assert (delivery["status"], delivery["attempts"], delivery["eventId"]) == (
        "SUCCEEDED",
        1,
        payload["id"],
    )
    log = await admin.execute(ATTEMPTS, {"d": delivery["id"]})
    [attempt] = [e["node"] for e in log["webhookAttempts"]["edges"]]
    assert attempt["statusCode"] == 200 and attempt["responseBody"] == "ok"
    assert attempt["latencyMs"] >= 0 and attempt["manual"] is False
    # and running again sends nothing more
    assert await run_due(local_settings) == 0


async def test_failures_are_retried_with_the_same_id_and_backoff(
    staff_client, partner_client, on_local, receiver, local_settings, app: Any
):
    # given a receiver that fails twice, then works
    admin = on_local(await staff_client(StaffRole.ADMIN))
    sub_id, secret = await subscribe(admin, receiver.url, ["ORDER_RECORDED"])
    receiver.behaviour.statuses.extend([500, 503])
    pos = await partner_client(["orders:write"])
    await record_order(pos, (await make_member()).id)
    # when the delivery is tried, then it is scheduled again after about 5 s (±20 %)
    before = datetime.now(UTC)
    await run_due(local_settings)
    took = datetime.now(UTC) - before  # the attempt happened somewhere in there
    [delivery] = await deliveries(admin, sub_id)
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == (
        "PENDING",
        1,
        500,
    )
    wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - before
    assert RETRY_DELAYS[0] * 0.8 - timedelta(seconds=1) <= wait <= RETRY_DELAYS[0] * 1.2 + took
    assert await run_due(local_settings) == 0  # not yet due
    # and the second failure waits about 5 minutes
    await _make_due()
    await run_due(local_settings)
    [delivery] = await deliveries(admin, sub_id)
    wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - datetime.now(UTC)
    assert timedelta(minutes=3) < wait <= RETRY_DELAYS[1] * 1.2
    # when it is due again, it is delivered
    await _make_due()
    await run_due(local_settings)
    [delivery] = await deliveries(admin, sub_id)
    assert (delivery["status"], delivery["attempts"]) == ("SUCCEEDED", 3)
    # then all three requests carried the same webhook-id, each signed for its own timestamp
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)


async def test_a_subscription_that_keeps_failing_is_disabled_with_the_reason(
    staff_client, partner_client, on_local, receiver, local_settings, app: Any
):
    # given a receiver that always fails, and a delivery on its last retry
    admin = on_local(await staff_client(StaffRole.ADMIN))
    sub_id, _ = await subscribe(admin, receiver.url, ["ORDER_RECORDED"])
    receiver.behaviour.status = 500
    pos = await partner_client(["orders:write"])
    await record_order(pos, (await make_member()).id)
    await run_due(local_settings)
    await WebhookDelivery.all().update(attempts=len(RETRY_DELAYS))
    await _make_due()
    # when the last attempt fails
    await run_due(local_settings)
    # then the delivery failed and the subscription is disabled, saying why
    [delivery] = await deliveries(admin, sub_id)
    assert delivery["status"] == "FAILED"
    sub = await WebhookSubscription.get(id=_id(sub_id))
    assert sub.active is False
    assert "failed attempts" in sub.disabled_reason and "HTTP 500" in sub.disabled_reason
    # and nothing more is sent to it, even for new events
    sent = len(receiver.received)
    await record_order(pos, (await make_member()).id)
    assert await run_due(local_settings) == 0 and len(receiver.received) == sent
    # and a manual redelivery is refused until it is enabled again
    refused = (await admin.execute(RETRY, {"id": delivery["id"]}))["webhookDeliveryRetry"]
    assert refused["errors"][0]["code"] == "INVALID"
    receiver.behaviour.status = 200
    enabled = await admin.execute(UPDATE, {"input": {"id": sub_id, "active": True}})
    assert enabled["webhookSubscriptionUpdate"]["subscription"] == {
        "id": sub_id,
        "active": True,
        "disabledReason": None,
    }
    retried = (await admin.execute(RETRY, {"id": delivery["id"]}))["webhookDeliveryRetry"]
    assert retried["errors"] == [] and retried["attempt"]["statusCode"] == 200
    assert retried["attempt"]["manual"] is True
    # and the event it missed while disabled is delivered once it is enabled
    await run_due(local_settings)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 2


async def test_replay_from_a_position_sends_the_same_events_again(
    staff_client, partner_client, on_local, receiver, local_settings, app: Any
):
    # given two delivered orders
    admin = on_local(await staff_client(StaffRole.ADMIN))
    sub_id, _ = await subscribe(admin, receiver.url, ["ORDER_RECORDED"])
    pos = await partner_client(["orders:write"])
    member = await make_member()
    for n in range(2):
        await record_order(pos, member.id, external_id=f"r-{n}")
    await run_due(local_settings)
    first = [r.headers["webhook-id"] for r in receiver.received]
    # (two deliveries run side by side, so they may arrive in either order)
    by_position = sorted((d["position"], d["eventId"]) for d in await deliveries(admin, sub_id))
    (_, first_id), (second_position, second_id) = by_position
    assert sorted(first) == sorted([first_id, second_id])
    # when the subscription is replayed from the second order's position
    replayed = await admin.execute(
        REPLAY, {"input": {"id": sub_id, "fromPosition": second_position}}
    )
    assert replayed["webhookSubscriptionReplay"] == {"replayedCount": 1, "errors": []}
    await run_due(local_settings)
    # then that event is sent again, with its webhook-id of the first time
    assert [r.headers["webhook-id"] for r in receiver.received] == [*first, second_id]


async def test_a_partner_manages_its_own_and_gets_personal_data_by_scope_and_consent(
    partner_client, on_local, receiver, local_settings, app: Any
):
    # given a CRM partner with webhooks:manage and members:read, and another partner
    crm = on_local(await partner_client(["webhooks:manage", "members:read"], name="CRM"))
    other = on_local(await partner_client(["webhooks:manage"]))
    sub_id, secret = await subscribe(crm, receiver.url, ["ORDER_RECORDED"])
    # then the other partner neither sees nor changes it
    assert (await other.execute("{ webhookSubscriptions { totalCount } }")) == {
        "webhookSubscriptions": {"totalCount": 0}
    }
    refused = await other.execute(UPDATE, {"input": {"id": sub_id, "active": False}})
    assert refused["webhookSubscriptionUpdate"]["errors"][0]["code"] == "NOT_FOUND"
    # when two members order, one sharing with partners
    pos = await partner_client(["orders:write"])
    sharing = await Member.create(nickname="S", phone="+8613700000001", unionid="u-share")
    private = await Member.create(nickname="P", phone="+8613700000002", unionid="u-private")
    await decide(sharing.id, Purpose.SHARING, granted=True)
    for m in (sharing, private):
        await record_order(pos, m.id)
    await run_due(local_settings)
    # then only the sharing member's phone and unionid are in the payloads
    people = {}
    for request in receiver.received:
        member = Webhook(secret).verify(request.body, request.headers)["data"]["member"]
        people[member["id"]] = (member["phone"], member["unionid"])
    assert people == {
        gid("Member", sharing.id): ("+8613700000001", "u-share"),
        gid("Member", private.id): (None, None),
    }


async def test_a_slow_or_chatty_receiver_cannot_hold_a_worker(
    staff_client, partner_client, on_local, receiver, local_settings, app: Any
):
    # given a receiver that answers with a megabyte
    admin = on_local(await staff_client(StaffRole.ADMIN))
    sub_id, _ = await subscribe(admin, receiver.url, ["ORDER_RECORDED"])
    receiver.behaviour.body = b"x" * 1_000_000
    pos = await partner_client(["orders:write"])
    await record_order(pos, (await make_member()).id)
    await run_due(local_settings)
    # then only the first bytes are read and kept
    [delivery] = await deliveries(admin, sub_id)
    log = await admin.execute(ATTEMPTS, {"d": delivery["id"]})
    [attempt] = [e["node"] for e in log["webhookAttempts"]["edges"]]
    assert attempt["statusCode"] == 200 and len(attempt["responseBody"]) == 256
    # when the receiver takes longer than the read timeout (1 s here)
    receiver.behaviour.delay_seconds = 3
    await record_order(pos, (await make_member()).id)
    started = datetime.now(UTC)
    await run_due(local_settings)
    # then the attempt gives up at the timeout and is retried later
    assert datetime.now(UTC) - started < timedelta(seconds=2.8)
    pending = [d for d in await deliveries(admin, sub_id) if d["status"] == "PENDING"]
    assert len(pending) == 1 and "Timed out" in pending[0]["lastError"]
