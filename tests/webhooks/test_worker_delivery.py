"""Through the worker: a committed order is dispatched and delivered by jobs, on both engines
(the embedded worker on SQLite runs the same jobs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook

from koc.auth.models import StaffRole
from koc.settings import get_settings
from koc.webhooks.models import WebhookDelivery
from koc.worker import run_pending_jobs
from tests.conftest import make_member
from tests.referrals.helpers import record_order
from tests.webhooks.helpers import deliveries, subscribe


@pytest.fixture
def worker_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A worker reads its settings from the environment (once: get_settings is cached): let it
    # reach the local receiver.
    monkeypatch.setenv("KOC_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    monkeypatch.setenv("KOC_WEBHOOK_ALLOW_HTTP", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_jobs_dispatch_and_deliver_what_committed(
    staff_client, partner_client, on_local, receiver, worker_settings, app: Any
):
    # given a subscription and an order recorded
    admin = on_local(await staff_client(StaffRole.ADMIN))
    sub_id, secret = await subscribe(admin, receiver.url, ["ORDER_RECORDED"])
    pos = await partner_client(["orders:write"])
    await record_order(pos, (await make_member()).id, external_id="job-1")
    assert receiver.received == []  # nothing is sent inside the request
    # when the pending jobs run (dispatch, then the delivery it enqueued)
    await run_pending_jobs()
    # then the receiver got the order, signed
    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["data"]["order"]["externalId"] == (
        "job-1"
    )
    [delivery] = await deliveries(admin, sub_id)
    assert delivery["status"] == "SUCCEEDED"


async def test_a_failed_attempt_leaves_its_retry_as_a_job_for_later(
    staff_client, partner_client, on_local, receiver, worker_settings, app: Any
):
    # given a receiver that fails
    admin = on_local(await staff_client(StaffRole.ADMIN))
    await subscribe(admin, receiver.url, ["ORDER_RECORDED"])
    receiver.behaviour.status = 503
    pos = await partner_client(["orders:write"])
    await record_order(pos, (await make_member()).id)
    # when the jobs run
    await run_pending_jobs()
    # then one attempt was made, and the retry waits for its time (not run now)
    assert len(receiver.received) == 1
    delivery = await WebhookDelivery.get()
    assert (delivery.attempts, delivery.status, delivery.last_status_code) == (1, "PENDING", 503)
    await run_pending_jobs()
    assert len(receiver.received) == 1
