"""RowsByKey: the loaders' cached statements find the same rows the ORM finds."""

from datetime import UTC, datetime, timedelta

from koc.members.models import Member
from koc.referrals.models import ReferralCode
from koc.rows import RowsByKey
from tests.conftest import make_member
from tests.sqlcount import count_statements


async def test_rows_by_key_returns_each_matching_row_once_as_models(app) -> None:
    # Given five members
    members = [await make_member(region=f"r{i}") for i in range(5)]
    ids = [m.id for m in members]
    rows = RowsByKey(Member, "id")

    # When asked for three of them, one twice, and for one that does not exist
    found = await rows.fetch([ids[3], ids[0], ids[3], ids[1], 10**9])

    # Then each existing one comes once, converted as the ORM converts it
    assert sorted(m.id for m in found) == sorted([ids[0], ids[1], ids[3]])
    by_id = {m.id: m for m in found}
    fresh = await Member.get(id=ids[3])
    assert by_id[ids[3]].region == "r3"
    assert by_id[ids[3]].created_at == fresh.created_at
    assert by_id[ids[3]].created_at.tzinfo is not None
    assert await rows.fetch([]) == []


async def test_constant_filters_and_ordering_apply_and_statements_are_reused(app) -> None:
    # Given a member with an active and an inactive code, made a minute apart
    member = await make_member()
    now = datetime.now(UTC)
    old = await ReferralCode.create(code="OLDCODE1", member_id=member.id, active=False)
    new = await ReferralCode.create(code="NEWCODE1", member_id=member.id, active=True)
    await ReferralCode.filter(id=old.id).update(created_at=now - timedelta(minutes=1))
    active = RowsByKey(ReferralCode, "member_id", active=True)
    newest_first = RowsByKey(ReferralCode, "member_id", order_by=("-created_at", "id"))

    # Then the constant filter keeps only the active one and the ordering is the ORM's
    assert [c.code for c in await active.fetch([member.id])] == [new.code]
    assert [c.code for c in await newest_first.fetch([member.id])] == ["NEWCODE1", "OLDCODE1"]

    # and batches of 3 and 4 keys share one statement (padded to 4), each one SQL statement
    others = [(await make_member()).id for _ in range(3)]
    with count_statements() as counter:
        three = await active.fetch([member.id, *others[:2]])
        four = await active.fetch([member.id, *others])
    assert counter.count == 2
    assert counter.statements[0].split(":")[0] == counter.statements[1].split(":")[0]
    assert [c.code for c in three] == [c.code for c in four] == [new.code]


async def test_inside_a_transaction_rows_by_key_sees_its_uncommitted_rows(app) -> None:
    # Given a member created inside a transaction that has not committed yet
    from tortoise.transactions import in_transaction

    async with in_transaction():
        member = await make_member(region="inside")
        # Then the cached statement runs on the transaction's connection and finds it
        found = await RowsByKey(Member, "id").fetch([member.id])
        assert [m.region for m in found] == ["inside"]
