"""Lists cost the same number of SQL statements whatever their page size."""

from koc.auth.models import PartnerScope, StaffRole
from tests.referrals.helpers import bind, code_of, make_due, record_event, record_order
from tests.sqlcount import count_statements

STAFF_LIST = """
query($first: Int) { referrals(first: $first) { totalCount edges { node {
  id refereeName referrer { id nickname referralCode { code } pointsBalance }
  referee { id } steps { kind } conversions { order { externalId } } rewards { status }
} } } }"""

MEMBER_VIEW = """
query($first: Int) { me { referralCode { code } pointsBalance
  referrals(first: $first) { edges { node { refereeName milestone steps { kind } rewards { points } } } }
  pointsLedger(first: $first) { edges { node { delta } } }
  referralRewards(first: $first) { edges { node { status referral { milestone } } } } } }"""


async def test_list_statement_counts_do_not_depend_on_page_size(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    operator = await staff_client(StaffRole.OPERATOR)
    referrer = await member_client()
    code = await code_of(referrer)
    for _ in range(6):
        referee = await member_client()
        await bind(referee, code)
        await record_event(partner, referee.member_id, "TEST_DRIVE")
        await record_order(partner, referee.member_id)
    await make_due()
    await operator.execute("mutation { rewardsIssueDue { issuedCount } }")

    async def statements(client, query, first):
        await client.execute(query, {"first": first})  # codes made on first use are not counted
        with count_statements() as counter:
            await client.execute(query, {"first": first})
        return counter.count

    assert await statements(operator, STAFF_LIST, 2) == await statements(operator, STAFF_LIST, 6)
    assert await statements(referrer, MEMBER_VIEW, 2) == await statements(referrer, MEMBER_VIEW, 6)
