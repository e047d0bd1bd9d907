"""A fact under ``not`` compiles to a correlated NOT EXISTS (a positive fact to an IN list): for
every kind of fact, ``not`` admits exactly the members the fact leaves out, ``not not`` the
fact's own members, ``not`` over ``any`` the members outside every branch, and a fact nobody has
leaves everyone to its negation."""

from __future__ import annotations

from koc.auth.models import PartnerScope, StaffRole
from koc.members.models import MemberTag, TagSource
from tests.conftest import gid, make_member
from tests.creators.factories import event, order, refund
from tests.segments.factories import badge, converted_referral, create_segment, koc, preview, tag
from tests.surveys.helpers import full_answers, open_survey, respond


async def test_not_admits_exactly_the_members_a_fact_leaves_out(
    staff_client, partner_client, member_client
):
    # given members that differ in one fact each, and one with none
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    names = ("vip", "both", "koc", "gold", "buyer", "refunded", "drove", "referrer", "answered")
    m = {name: await make_member() for name in (*names, "nobody")}
    vip, local = await tag("vip"), await tag("local")
    for who, tags in (("vip", [vip]), ("both", [vip, local])):
        for t in tags:
            await MemberTag.create(member_id=m[who].id, tag_id=t.id, source=TagSource.MANUAL)
    await koc(m["koc"].id)
    await badge("GOLD", m["gold"].id)
    await order(partner, m["buyer"].id, 300_00, days_ago=3)
    await order(partner, m["buyer"].id, 200_00, days_ago=5)
    await refund(partner, await order(partner, m["refunded"].id, 100_00))
    await event(partner, m["drove"].id, "TEST_DRIVE", days_ago=2)
    friend = gid("Member", await converted_referral(m["referrer"].id))  # who bought
    survey = await open_survey(staff)
    answering = await member_client(m["answered"])
    answered = await respond(answering, survey["id"], full_answers(survey, owned="no"))
    assert answered["errors"] == []
    owned = {
        o["key"]: o["id"] for q in survey["questions"] for o in q["options"] if q["key"] == "owned"
    }
    everyone = await preview(staff, {"rule": {"created": {"withinDays": 1}}})
    assert len(everyone) == 11  # the ten, and the referrer's friend

    def ids(*who):
        return {gid("Member", m[w].id) for w in who}

    vip_id, local_id = gid("Tag", vip.id), gid("Tag", local.id)
    facts = [
        ({"tags": {"any": [vip_id]}}, ids("vip", "both")),
        ({"tags": {"all": [vip_id, local_id]}}, ids("both")),
        ({"tags": {"none": [local_id]}}, everyone - ids("both")),
        ({"koc": {"statuses": ["ACTIVE"]}}, ids("koc")),
        ({"badges": {"any": ["GOLD"]}}, ids("gold")),
        ({"orders": {}}, ids("buyer") | {friend}),  # a refunded order does not count
        ({"orders": {"countAtLeast": 2, "amountAtLeastCents": 500_00}}, ids("buyer")),
        ({"events": {"kind": "TEST_DRIVE"}}, ids("drove")),
        ({"events": {"kind": "TEST_DRIVE", "countAtLeast": 2}}, set()),
        ({"referrals": {"convertedAtLeast": 1}}, ids("referrer")),
        ({"survey": {"optionIds": [owned["no"]]}}, ids("answered")),
        ({"events": {"kind": "COMPLAINT"}}, set()),  # nobody has one
    ]
    for rule, members in facts:
        # when the fact, its negation and its double negation are asked for
        found = await preview(staff, {"rule": rule})
        negated = await preview(staff, {"rule": {"not": rule}})
        doubled = await preview(staff, {"rule": {"not": {"not": rule}}})
        # then the negation is the fact's complement, and two negations the fact itself
        assert found == members, rule
        assert negated == everyone - members, rule
        assert doubled == members, rule

    # not over any: outside every branch (De Morgan), in the page and in a saved count
    either = {"any": [{"tags": {"any": [vip_id]}}, {"orders": {}}, {"region": {"in": ["x"]}}]}
    outside = everyone - ids("vip", "both", "buyer") - {friend}
    assert await preview(staff, {"rule": {"not": either}}) == outside
    segment = await create_segment(staff, {"not": either})
    assert segment["memberCount"] == len(outside)
    # and a negation inside a negation, beside a positive fact
    rule = {"not": {"all": [{"tags": {"any": [vip_id]}}, {"not": {"tags": {"any": [local_id]}}}]}}
    assert await preview(staff, {"rule": rule}) == everyone - ids("vip")
