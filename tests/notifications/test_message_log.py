"""Staff read the subscribe message log per member and template, with counts per day."""

from __future__ import annotations

from datetime import timedelta

from koc.auth.models import StaffRole
from koc.auth.wechat import WeChatClient
from koc.notifications.delivery import deliver_due
from koc.notifications.inbox import Recipient, notify
from koc.notifications.models import NotificationKind
from tests.conftest import APPID, APPSECRET, gid
from tests.notifications.factories import (
    BADGE_TEMPLATE,
    MORNING,
    badge_mapping,
    policy,
    reachable_member,
)

LOG = """query($member: ID, $template: String, $state: MessageState) {
  subscribeMessages(memberId: $member, templateId: $template, state: $state) {
    totalCount edges { node { kind templateId state refusal memberId attempts sentAt } } } }"""
COUNTS = """query($since: Date!, $until: Date!) { subscribeMessageCounts(since: $since, until: $until)
  { day templateId state count } }"""


async def test_the_log_by_member_template_and_state_with_daily_counts(
    app, settings, wechat_server, staff_client
) -> None:
    # given two members, one with a grant and one without, a badge each on two days
    await badge_mapping()
    granted, ungranted = await reachable_member(grants=5), await reachable_member(grants=0)
    wechat = WeChatClient(wechat_server.base_url, APPID, APPSECRET)
    try:
        for day in range(2):
            now = MORNING + timedelta(days=day)
            await notify(
                NotificationKind.BADGE_EARNED,
                [
                    Recipient(m.id, f"badge:{day}", {"badge_name": "B", "earned_at": now})
                    for m in (granted, ungranted)
                ],
                now=now,
            )
            await deliver_due(wechat, policy(settings), now=now)
    finally:
        await wechat.aclose()
    analyst = await staff_client(StaffRole.ANALYST)
    # when staff read one member's log
    mine = (await analyst.execute(LOG, {"member": gid("Member", granted.id)}))["subscribeMessages"]
    assert mine["totalCount"] == 2
    assert {e["node"]["state"] for e in mine["edges"]} == {"SENT"}
    assert all(e["node"]["memberId"] == gid("Member", granted.id) for e in mine["edges"])
    # the refused ones, by state
    refused = (await analyst.execute(LOG, {"template": BADGE_TEMPLATE, "state": "REFUSED"}))[
        "subscribeMessages"
    ]
    assert [e["node"]["refusal"] for e in refused["edges"]] == ["NO_GRANT", "NO_GRANT"]
    # and the counts per day in the brand's time zone
    counts = (await analyst.execute(COUNTS, {"since": "2026-12-07", "until": "2026-12-08"}))[
        "subscribeMessageCounts"
    ]
    assert counts == [
        {"day": day, "templateId": BADGE_TEMPLATE, "state": state, "count": 1}
        for day in ("2026-12-07", "2026-12-08")
        for state in ("REFUSED", "SENT")
    ]


async def test_a_range_too_long_is_refused(app, staff_client) -> None:
    analyst = await staff_client(StaffRole.ANALYST)
    errors = await analyst.errors(COUNTS, {"since": "2026-01-01", "until": "2026-12-31"})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
