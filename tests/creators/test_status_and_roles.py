"""Staff pause, resume, retire and reinstate KOCs and change their roles; history keeps all."""

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.events import KocStatusChanged
from tests.creators.factories import make_koc
from tests.events_spy import published

STATUS = """
mutation($input: KocStatusSetInput!) {
  kocStatusSet(input: $input) {
    koc { status roles certificate { number } }
    errors { field code message }
  }
}
"""
ROLES = """
mutation($input: KocRolesSetInput!) {
  kocRolesSet(input: $input) { koc { status roles } errors { field code message } }
}
"""
KOCS = """
query($status: KocStatus, $role: KocRole, $first: Int) {
  kocs(status: $status, role: $role, first: $first) {
    totalCount
    edges { node {
      status roles member { nickname }
      history { fromStatus toStatus roles reason by }
    } }
  }
}
"""


async def test_status_changes_keep_who_why_and_when(member_client, staff_client):
    # given an active content KOC
    member = await member_client(nickname="Hao")
    operator = await staff_client(StaffRole.OPERATOR, username="olivia")
    activated = await make_koc(member, operator, ["CONTENT"])
    number = activated["koc"]["certificate"]["number"]
    with published(KocStatusChanged) as events:
        # when the operator adds a role, pauses, resumes and retires the KOC
        added = await operator.execute(
            ROLES,
            {
                "input": {
                    "memberId": member.member_gid,
                    "roles": ["CONTENT", "EXPERIENCE"],
                    "reason": "Started hosting test drives.",
                }
            },
        )
        assert added["kocRolesSet"]["koc"]["roles"] == ["CONTENT", "EXPERIENCE"]
        for status, reason in [
            ("PAUSED", "Travelling abroad for three months."),
            ("ACTIVE", "Back home."),
            ("RETIRED", "Asked to step down."),
        ]:
            result = await operator.execute(
                STATUS,
                {"input": {"memberId": member.member_gid, "status": status, "reason": reason}},
            )
            assert result["kocStatusSet"]["errors"] == []
            assert result["kocStatusSet"]["koc"]["status"] == status

    # then every change published the status with the roles held
    assert [(e.status, e.roles) for e in events] == [
        ("ACTIVE", ["CONTENT", "EXPERIENCE"]),
        ("PAUSED", ["CONTENT", "EXPERIENCE"]),
        ("ACTIVE", ["CONTENT", "EXPERIENCE"]),
        ("RETIRED", ["CONTENT", "EXPERIENCE"]),
    ]

    # and the history keeps who, why and when
    listed = await operator.execute(KOCS, {"status": "RETIRED"})
    node = listed["kocs"]["edges"][0]["node"]
    history = [(h["fromStatus"], h["toStatus"], h["reason"], h["by"]) for h in node["history"]]
    assert history[0][:2] == (None, "CANDIDATE")
    assert history[-4:] == [
        ("ACTIVE", "ACTIVE", "Started hosting test drives.", "olivia"),
        ("ACTIVE", "PAUSED", "Travelling abroad for three months.", "olivia"),
        ("PAUSED", "ACTIVE", "Back home.", "olivia"),
        ("ACTIVE", "RETIRED", "Asked to step down.", "olivia"),
    ]
    assert await AuditEntry.filter(action="koc.status_set").count() == 3

    # and the retired KOC lost the tier tag but keeps the certificate
    me = await member.execute("{ me { koc { certificate { number } } tags { tag { name } } } }")
    assert me["me"]["koc"]["certificate"]["number"] == number
    assert "KOC" not in [t["tag"]["name"] for t in me["me"]["tags"]]


async def test_invalid_changes_are_refused(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    member = await member_client()

    # a member never considered has no profile
    none = await operator.execute(
        STATUS, {"input": {"memberId": member.member_gid, "status": "PAUSED", "reason": "x"}}
    )
    assert none["kocStatusSet"]["errors"][0]["code"] == "KOC_NOT_FOUND"

    await make_koc(member, operator, ["CO_CREATION"])
    back = await operator.execute(
        STATUS, {"input": {"memberId": member.member_gid, "status": "CANDIDATE", "reason": "x"}}
    )
    assert back["kocStatusSet"]["errors"][0]["code"] == "INVALID_TRANSITION"
    no_roles = await operator.execute(
        ROLES, {"input": {"memberId": member.member_gid, "roles": [], "reason": "x"}}
    )
    assert no_roles["kocRolesSet"]["errors"][0]["code"] == "ROLES_REQUIRED"
    wrong_id = await operator.execute(
        ROLES,
        {"input": {"memberId": "VGFnOjE=", "roles": ["CONTENT"], "reason": "x"}},
    )
    assert wrong_id["kocRolesSet"]["errors"][0] == {
        "field": "memberId",
        "code": "INVALID",
        "message": "Expected the ID of a Member.",
    }
    me = await member.execute("{ me { koc { status roles } } }")
    assert me["me"]["koc"] == {"status": "ACTIVE", "roles": ["CO_CREATION"]}


async def test_kocs_filter_by_role_and_cost_constant_statements(member_client, staff_client):
    from tests.sqlcount import count_statements

    operator = await staff_client(StaffRole.OPERATOR)
    for roles in (["CONTENT"], ["EXPERIENCE"], ["CONTENT", "CO_CREATION"], ["CONTENT"]):
        await make_koc(await member_client(), operator, roles)

    content = await operator.execute(KOCS, {"role": "CONTENT"})
    assert content["kocs"]["totalCount"] == 3
    assert all("CONTENT" in e["node"]["roles"] for e in content["kocs"]["edges"])

    counts = []
    for first in (1, 4):
        with count_statements() as counter:
            data = await operator.execute(KOCS, {"first": first})
        assert len(data["kocs"]["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1]
