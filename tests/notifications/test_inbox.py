"""Every notification lands in the member's inbox: read it, mark it read, count the unread."""

from __future__ import annotations

from datetime import timedelta

from koc.auth.models import StaffRole
from koc.notifications.inbox import Recipient, notify
from koc.notifications.models import NotificationKind
from tests.conftest import gid, make_member
from tests.notifications.factories import MORNING
from tests.sqlcount import count_statements

INBOX = """query($first: Int, $unreadOnly: Boolean) { me { unreadNotificationCount
  notifications(first: $first, unreadOnly: $unreadOnly) { totalCount
    edges { node { id kind title body link read createdAt } } } } }"""
MARK = """mutation($input: NotificationsMarkReadInput!) { notificationsMarkRead(input: $input) {
  marked unreadCount errors { field code } } }"""


async def _badges(member_id: int, count: int) -> list[int]:
    made = []
    for n in range(count):
        made += await notify(
            NotificationKind.BADGE_EARNED,
            [
                Recipient(
                    member_id,
                    f"badge:{n}",
                    {"badge_id": n, "badge_name": f"Badge {n}", "earned_at": MORNING},
                )
            ],
            now=MORNING + timedelta(minutes=n),
        )
    return made


async def test_the_inbox_lists_newest_first_and_counts_unread(app, member_client) -> None:
    # given a member who earned three badges (no template mapped: no grant ever needed)
    member = await member_client()
    await _badges(member.member_id, 3)
    me = (await member.execute(INBOX, {"first": 2}))["me"]
    # then the inbox shows them, newest first, with the page to open
    assert me["unreadNotificationCount"] == 3
    assert me["notifications"]["totalCount"] == 3
    first = me["notifications"]["edges"][0]["node"]
    assert first["kind"] == "BADGE_EARNED"
    assert first["title"] == "Badge earned"
    assert first["body"] == "You earned the badge Badge 2."
    assert first["link"] == "pages/badges/detail?id=2"
    assert first["read"] is False
    # when one is marked read, the count drops and the unread filter leaves it out
    payload = (await member.execute(MARK, {"input": {"ids": [first["id"]]}}))[
        "notificationsMarkRead"
    ]
    assert payload == {"marked": 1, "unreadCount": 2, "errors": []}
    me = (await member.execute(INBOX, {"unreadOnly": True}))["me"]
    assert me["notifications"]["totalCount"] == 2
    assert first["id"] not in {e["node"]["id"] for e in me["notifications"]["edges"]}
    # marking all read clears the count; marking again marks nothing
    payload = (await member.execute(MARK, {"input": {}}))["notificationsMarkRead"]
    assert payload == {"marked": 2, "unreadCount": 0, "errors": []}
    payload = (await member.execute(MARK, {"input": {}}))["notificationsMarkRead"]
    assert payload["marked"] == 0


async def test_a_member_cannot_touch_another_members_inbox(app, member_client) -> None:
    alice, bob = await member_client(), await member_client()
    [mine] = await _badges(alice.member_id, 1)
    payload = (await bob.execute(MARK, {"input": {"ids": [gid("Notification", mine)]}}))[
        "notificationsMarkRead"
    ]
    assert payload["errors"] == [{"field": "ids", "code": "NOT_FOUND"}]
    assert (await alice.execute(INBOX))["me"]["unreadNotificationCount"] == 1
    # nor read it by its ID
    errors = await bob.errors(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid("Notification", mine)}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_read_a_members_inbox(app, member_client, staff_client) -> None:
    member = await member_client()
    await _badges(member.member_id, 2)
    analyst = await staff_client(StaffRole.ANALYST)
    data = await analyst.execute(
        "query($id: ID!) { member(id: $id) { unreadNotificationCount"
        " notifications { totalCount } } }",
        {"id": member.member_gid},
    )
    assert data["member"] == {"unreadNotificationCount": 2, "notifications": {"totalCount": 2}}


async def test_the_unread_count_costs_the_same_for_any_number_of_members(app, staff_client) -> None:
    analyst = await staff_client(StaffRole.ANALYST)
    query = "query($first: Int) { members(first: $first) { edges { node { unreadNotificationCount } } } }"

    async def cost(first: int) -> int:
        with count_statements() as counter:
            await analyst.execute(query, {"first": first})
        return counter.count

    members = [await make_member() for _ in range(12)]
    for m in members:
        await _badges(m.id, 2)
    assert await cost(2) == await cost(12)
