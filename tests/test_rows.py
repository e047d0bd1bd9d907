"""koc.rows: the loaders' plain SQL finds the rows the ORM finds, with the ORM's Python values,
by integer or text keys, on either engine."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import pytest
from tortoise.transactions import in_transaction

import koc
from koc.graphql.relay import Children
from koc.members.graphql.dataloaders import MemberRow
from koc.members.models import Gender, Member
from koc.privileges.graphql.dataloaders import PRIVILEGES
from koc.privileges.models import Privilege, PrivilegeKind
from koc.referrals.codes import CodeRow
from koc.referrals.models import ReferralCode
from koc.rows import RowsByKey, table_and_columns
from tests.conftest import make_member
from tests.sqlcount import count_statements


def _same_as_model(row: NamedTuple, model: object) -> None:
    for name, value in row._asdict().items():
        assert (name, value) == (name, getattr(model, name))
        assert type(value) is type(getattr(model, name)), name


async def test_rows_by_key_returns_each_matching_row_once_as_the_orm_reads_it(app) -> None:
    # Given five members, one with a birthday, a gender and a last activity
    members = [await make_member(region=f"r{i}") for i in range(5)]
    await Member.filter(id=members[3].id).update(
        birthday=date(1990, 5, 17), gender=Gender.FEMALE, last_active_at=datetime.now(UTC)
    )
    ids = [m.id for m in members]
    rows = RowsByKey(Member, MemberRow, "id")

    # When asked for three of them, one twice, and for one that does not exist
    found = await rows.fetch([ids[3], ids[0], ids[3], ids[1], 10**9])

    # Then each existing one comes once, every column of the Python type the ORM gives
    assert sorted(m.id for m in found) == sorted([ids[0], ids[1], ids[3]])
    for row in found:
        _same_as_model(row, await Member.get(id=row.id))
    third = next(m for m in found if m.id == ids[3])
    assert third.gender is Gender.FEMALE
    assert third.created_at.tzinfo is not None
    assert await rows.fetch([]) == []


async def test_json_booleans_and_enums_convert_as_the_orm_converts_them(app) -> None:
    # Given a privilege with a rule audience, inactive
    privilege = await Privilege.create(
        code="LOUNGE",
        name="Lounge",
        kind=PrivilegeKind.SERVICE,
        audience_rule={"any": [{"koc": {"roles": ["CONTENT"]}}, {"tags": {"any": [3, 5]}}]},
        active=False,
        ends_at=datetime.now(UTC) + timedelta(days=3),
    )

    # When the privileges loader reads it
    [row] = await PRIVILEGES.fetch([privilege.id])

    # Then its lists, flags, enums and times are the ORM's
    _same_as_model(row, await Privilege.get(id=privilege.id))
    assert row.audience_rule["any"][1] == {"tags": {"any": [3, 5]}} and row.active is False


@pytest.mark.parametrize("key", ["member_id", "code"])
async def test_keys_of_integer_and_text_columns_both_work(app, key: str) -> None:
    # Given two members with a code each
    first, second = await make_member(), await make_member()
    codes = [
        await ReferralCode.create(code="ABCD2345", member_id=first.id),
        await ReferralCode.create(code="EFGH6789", member_id=second.id),
    ]
    rows = RowsByKey(ReferralCode, CodeRow, key)

    # When looked up by that column, a key that matches nothing among them
    missing = 10**9 if key == "member_id" else "NOSUCHCODE"
    found = await rows.fetch([getattr(c, key) for c in codes] + [missing])

    # Then both codes come back, and nothing for the missing key
    assert sorted(r.code for r in found) == ["ABCD2345", "EFGH6789"]
    assert await rows.fetch([missing]) == []


async def test_constant_filters_and_ordering_apply_and_statements_are_reused(app) -> None:
    # Given a member with an active and an inactive code, made a minute apart
    member = await make_member()
    now = datetime.now(UTC)
    old = await ReferralCode.create(code="OLDCODE1", member_id=member.id, active=False)
    new = await ReferralCode.create(code="NEWCODE1", member_id=member.id, active=True)
    await ReferralCode.filter(id=old.id).update(created_at=now - timedelta(minutes=1))
    active = RowsByKey(ReferralCode, CodeRow, "member_id", active=True)
    newest_first = RowsByKey(ReferralCode, CodeRow, "member_id", order_by=("-created_at", "id"))

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
    async with in_transaction():
        member = await make_member(region="inside")
        # Then the statement runs on the transaction's connection and finds it
        found = await RowsByKey(Member, MemberRow, "id").fetch([member.id])
        assert [m.region for m in found] == ["inside"]


class _WrongType(NamedTuple):
    id: int
    created_at: str  # a datetime column


class _NotNullable(NamedTuple):
    id: int
    birthday: date  # nullable


class _NoSuchColumn(NamedTuple):
    id: int
    nick: str


@pytest.mark.parametrize("row", [_WrongType, _NotNullable, _NoSuchColumn])
async def test_a_row_type_that_disagrees_with_its_model_fails_at_its_first_statement(
    app, row: type[NamedTuple]
) -> None:
    # Given a row type whose field is not a column of the model as declared
    rows = RowsByKey(Member, row, "id")

    # Then its first lookup fails, naming the field
    with pytest.raises(TypeError, match=f"{row.__name__}"):
        await rows.fetch([1])


def _declared_loaders() -> list[RowsByKey | Children]:
    found = []
    for module in pkgutil.walk_packages(koc.__path__, "koc."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, RowsByKey | Children):
                found.append(value)
    return found


async def test_every_declared_loader_row_type_matches_its_model(app) -> None:
    # Given every RowsByKey and Children that koc declares
    loaders = _declared_loaders()
    assert len(loaders) >= 15

    # Then each row type's fields are columns of its model, of their types
    for rows in loaders:
        table_and_columns(rows.model, rows.row)
