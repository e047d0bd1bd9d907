"""Small helpers for the privileges tests: the operations as clients send them."""

from __future__ import annotations

from typing import Any

from strawberry.relay import from_base64

from koc.members.models import Member, MemberTag, Tag, TagGroup, TagSource
from koc.worker import run_pending_jobs
from tests.conftest import GraphQLClient, random_code

ERRORS = "errors { field code message }"

PRIVILEGE_CREATE = f"""
mutation($input: PrivilegeCreateInput!) {{
  privilegeCreate(input: $input) {{
    privilege {{ id code kind remainingStock totalStock audience {{ rule segment {{ id }} }} }}
    job {{ id status }} {ERRORS}
  }}
}}"""

PRIVILEGE_UPDATE = f"""
mutation($input: PrivilegeUpdateInput!) {{
  privilegeUpdate(input: $input) {{
    privilege {{ id code name remainingStock totalStock active }}
    job {{ id status }} {ERRORS}
  }}
}}"""

PRIVILEGE_GRANT = f"""
mutation($input: PrivilegeGrantInput!) {{
  privilegeGrant(input: $input) {{ grant {{ status source reason expiresAt }} {ERRORS} }}
}}"""

PRIVILEGE_REVOKE = f"""
mutation($input: PrivilegeRevokeInput!) {{
  privilegeRevoke(input: $input) {{ grant {{ status }} {ERRORS} }}
}}"""

PRIVILEGE_REDEEM = f"""
mutation($input: PrivilegeRedeemInput!) {{
  privilegeRedeem(input: $input) {{
    redemption {{ channel via at memberId privilege {{ code }} }} replayed {ERRORS}
  }}
}}"""

REDEMPTION_CODE = f"""
mutation($id: ID!) {{
  privilegeRedemptionCode(privilegeId: $id) {{ redemptionCode {{ code expiresAt }} {ERRORS} }}
}}"""

RSVP = f"""
mutation($input: PrivilegeRsvpInput!) {{
  privilegeRsvp(input: $input) {{ rsvp {{ status }} {ERRORS} }}
}}"""

RSVP_CANCEL = f"""
mutation($input: PrivilegeRsvpInput!) {{
  privilegeRsvpCancel(input: $input) {{ rsvp {{ status }} {ERRORS} }}
}}"""

MY_GRANTS = """
query($all: Boolean!) { me { privilegeGrants(includeInactive: $all) {
  status source usesLeft expiresAt privilege { code } rsvp { status }
} } }"""


async def create_privilege(staff: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"code": f"P_{random_code().upper()}", "name": "A privilege", "kind": "GIFT", **fields}
    payload = (await staff.execute(PRIVILEGE_CREATE, {"input": values}))["privilegeCreate"]
    assert payload["errors"] == [], payload["errors"]
    await run_pending_jobs()  # the grants to every eligible member
    return payload


async def update_privilege(staff: GraphQLClient, **input: Any) -> dict[str, Any]:
    """privilegeUpdate, then the job that re-evaluates the grants."""
    payload = (await staff.execute(PRIVILEGE_UPDATE, {"input": input}))["privilegeUpdate"]
    await run_pending_jobs()
    return payload


async def job_summary(staff: GraphQLClient, payload: dict[str, Any]) -> str:
    query = "query($id: ID!) { job(id: $id) { status summary } }"
    job = (await staff.execute(query, {"id": payload["job"]["id"]}))["job"]
    assert job["status"] == "DONE", job
    return job["summary"]


async def grant(staff: GraphQLClient, member: GraphQLClient, privilege_id: str) -> dict[str, Any]:
    input = {"memberId": member.member_gid, "privilegeId": privilege_id, "reason": "Thank you"}
    payload = (await staff.execute(PRIVILEGE_GRANT, {"input": input}))["privilegeGrant"]
    assert payload["errors"] == [], payload["errors"]
    return payload["grant"]


async def redeem(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    return (await client.execute(PRIVILEGE_REDEEM, {"input": input}))["privilegeRedeem"]


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def my_grants(member: GraphQLClient, include_inactive: bool = False) -> list[dict[str, Any]]:
    return (await member.execute(MY_GRANTS, {"all": include_inactive}))["me"]["privilegeGrants"]


async def my_codes(member: GraphQLClient) -> list[str]:
    return sorted(g["privilege"]["code"] for g in await my_grants(member))


def pk(global_id: str) -> int:
    return int(from_base64(global_id)[1])


async def a_tag(name: str = "VIP") -> Tag:
    group = await TagGroup.create(name=f"group-{random_code()}", family="TIER")
    return await Tag.create(group_id=group.id, name=name)


async def put_tag(member: Member, tag: Tag) -> None:
    await MemberTag.create(member_id=member.id, tag_id=tag.id, source=TagSource.MANUAL)
