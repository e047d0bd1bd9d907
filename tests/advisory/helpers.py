"""Operations and small factories of the advisory tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient, gid

OWNER_SET = """mutation($input: MemberOwnerSetInput!) { memberOwnerSet(input: $input) {
  matchedCount changedCount errors { field code } } }"""
CLAIM = """mutation($id: ID!) { memberClaim(memberId: $id) {
  member { id owner { username } } errors { field code } } }"""
HANDOVER = """mutation($input: AdvisorHandoverInput!) { advisorHandover(input: $input) {
  movedCount errors { field code } } }"""
ROUTES = """mutation($input: AdvisorRoutesSetInput!) { advisorRoutesSet(input: $input) {
  routes { channel region advisor } errors { field code } } }"""
RECORD = """mutation($input: FollowUpRecordInput!) { followUpRecord(input: $input) {
  followUp { id channel step nextAction nextActionDueAt closedAt overdue advisor }
  errors { field code message } } }"""
HISTORY = """query($id: ID!) { member(id: $id) { owner { id username } ownedSince
  ownerHistory(first: 20) { totalCount edges { node {
    reason fromAdvisor toAdvisor by note followUpsMoved } } } } }"""
QUEUE = """query($advisor: ID, $hours: Int) { advisorQueue(advisorId: $advisor, withinHours: $hours) {
  due(first: 50) { totalCount edges { node { id nextAction overdue member { id } } } }
  newLeads(first: 50) { totalCount edges { node { id } } } } }"""


def staff_gid(client: GraphQLClient) -> str:
    assert client.staff_id is not None
    return gid("StaffUser", client.staff_id)


async def record(client: GraphQLClient, member_id: int, **fields: Any) -> dict[str, Any]:
    values = {"memberId": gid("Member", member_id), "channel": "PHONE", "step": "NEEDS_DISCOVERY"}
    data = await client.execute(RECORD, {"input": {**values, **fields}})
    return data["followUpRecord"]


async def history(client: GraphQLClient, member_id: int) -> dict[str, Any]:
    return (await client.execute(HISTORY, {"id": gid("Member", member_id)}))["member"]
