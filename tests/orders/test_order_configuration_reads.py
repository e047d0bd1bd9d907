"""A converting order reads each configuration row once, however many handlers use it, and the
rows kept between batches (stages, automatic badges, program, weights, active privileges, tag
rules and segments) not at all while their tables are unchanged; a change staff make between two
orders is seen by the next one."""

from __future__ import annotations

import pytest

from koc.auth.models import PartnerScope
from koc.creators.models import ScoringConfig
from koc.db import execute, fetch, on_postgres, table_of
from koc.events.memo import VERSIONED_TABLES, batch_memo, once_per_batch
from koc.members.models import LifecycleStage, StageAutoRule
from koc.privileges.models import Privilege, PrivilegeKind
from koc.referrals.program import get_program
from koc.segments.models import Segment, TagRule
from tests.referrals.helpers import bind, code_of, record_order
from tests.segments.factories import tag
from tests.sqlcount import count_statements

# Configuration several of an order's handlers read: the scoring weights (the buyer's and the
# referrer's signals), the automatic badges (both members' badge rules), the active privileges
# and the tag rules (the stage the first order reaches, then the order itself).
CONFIGURATION = ("koc_scoring_config", "badge", "privilege", "segment_tag_rule")
# Those kept by the process while config_version does not change (koc.events.memo).
KEPT = (
    "lifecycle_stage",
    "badge",
    "referral_program",
    "koc_scoring_config",
    "privilege",
    "segment_tag_rule",
    "segment",
)


def _reads_of(statements: list[str], table: str) -> int:
    return sum(f'FROM "{table}"' in s or f"FROM {table} " in s for s in statements)


def _active_privilege_reads(statements: list[str]) -> int:
    """Reads of the active privileges (not of one granted privilege, which its notification
    reads by id)."""
    return sum('FROM "privilege" WHERE "active"' in s for s in statements)


async def test_a_converting_order_reads_each_configuration_row_once(member_client, partner_client):
    # given a referee bound to a referrer, before their first order, and the weights just
    # changed (so nothing the process kept stands)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    referee = await member_client()
    await bind(referee, await code_of(referrer))
    await ScoringConfig.update_or_create(id=1, defaults={"weights": {}})

    # when the partner reports the referee's first order, which converts the referral
    with count_statements() as counter:
        await record_order(partner, referee.member_id)

    # then the order converted (both members' signals and badges were evaluated) ...
    assert any('INSERT INTO "referral_conversion"' in s for s in counter.statements)
    # ... and each configuration table was read once for the whole order
    reads = {table: _reads_of(counter.statements, table) for table in CONFIGURATION}
    assert reads == dict.fromkeys(CONFIGURATION, 1), reads


async def next_converting_order(member_client, partner_client):  # type: ignore[no-untyped-def]
    """Store the program, record one referee's converting order, then count the statements of
    a second referee's converting order (the configuration kept from the first)."""
    await get_program()
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    first, second = await member_client(), await member_client()
    await bind(first, await code_of(referrer))
    await bind(second, await code_of(referrer))
    await record_order(partner, first.member_id)
    with count_statements() as counter:
        await record_order(partner, second.member_id)
    return counter


async def test_the_next_order_reads_only_the_version_of_the_configuration_kept(
    member_client, partner_client
):
    # given the referral program stored (its first use creates the row, a change) and one
    # converting order recorded (its batch read the configuration)
    # when the next one converts, nothing in between having changed the configuration
    counter = await next_converting_order(member_client, partner_client)

    # then it converted, reading none of the rows kept, only their version, once
    assert any('INSERT INTO "referral_conversion"' in s for s in counter.statements)
    reads = {table: _reads_of(counter.statements, table) for table in KEPT}
    assert reads == dict.fromkeys(KEPT, 0), reads
    assert _reads_of(counter.statements, "config_version") == 1


async def test_a_stage_renamed_by_any_statement_is_seen_by_the_next_order(
    member_client, partner_client
):
    # given one order recorded (the stages are kept)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyer = await member_client()
    await record_order(partner, buyer.member_id)

    # when the first-order stage is renamed by a plain UPDATE that no koc service made (as
    # psql or a script would): the table's trigger moves config_version, whoever writes
    stage = await LifecycleStage.get(auto_rule=StageAutoRule.FIRST_ORDER)
    try:
        await LifecycleStage.filter(id=stage.id).update(name="Owner (renamed)")
        with count_statements() as counter:
            await record_order(partner, (await member_client()).member_id)
        # then the next order read the stages again
        assert _reads_of(counter.statements, "lifecycle_stage") == 1
    finally:
        await LifecycleStage.filter(id=stage.id).update(name=stage.name)


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("privilege", "UPDATE privilege SET name = name || ' (renamed)'"),
        ("segment", "UPDATE segment SET description = description || ' (edited)'"),
        ("segment_tag_rule", "UPDATE segment_tag_rule SET active = active"),
    ],
)
async def test_privileges_and_tag_rules_changed_by_any_statement_are_seen_by_the_next_order(
    member_client, partner_client, table, change
):
    # given a privilege granted by a segment, a tag rule over that segment, and one order
    # recorded (the privileges and tag rules are kept)
    segment = await Segment.create(name="buyers", rule={"orders": {"countAtLeast": 1}})
    await TagRule.create(segment=segment, tag=await tag("buyer (rule)"))
    await Privilege.create(
        code="buyers-lounge", name="Lounge", kind=PrivilegeKind.EVENT, audience_segment=segment
    )
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    await record_order(partner, (await member_client()).member_id)
    with count_statements() as counter:
        await record_order(partner, (await member_client()).member_id)
    assert _active_privilege_reads(counter.statements) == 0
    assert _reads_of(counter.statements, "segment_tag_rule") == 0

    # when one of their rows changes by a plain statement no koc service made
    await execute(change, [])
    with count_statements() as counter:
        await record_order(partner, (await member_client()).member_id)

    # then the next order read the privileges and the tag rules again
    assert _active_privilege_reads(counter.statements) == 1
    assert _reads_of(counter.statements, "segment_tag_rule") == 1


async def test_a_redemption_taking_stock_keeps_the_privileges(member_client, partner_client):
    # given a privilege with stock and one order recorded (the privileges are kept)
    await Privilege.create(
        code="gift",
        name="Gift",
        kind=PrivilegeKind.GIFT,
        audience_rule={"orders": {"countAtLeast": 1}},
        total_stock=10,
        remaining_stock=10,
    )
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    await record_order(partner, (await member_client()).member_id)

    # when a unit of its stock is taken, as a redemption does
    await execute("UPDATE privilege SET remaining_stock = remaining_stock - 1", [])
    with count_statements() as counter:
        await record_order(partner, (await member_client()).member_id)

    # then the next order read none of the configuration kept (it granted the privilege)
    assert _active_privilege_reads(counter.statements) == 0
    assert any('INSERT INTO "privilege_grant"' in s for s in counter.statements)
    kept = [table for table in KEPT if table != "privilege"]
    assert {t: _reads_of(counter.statements, t) for t in kept} == dict.fromkeys(kept, 0)


async def test_the_privilege_trigger_names_every_column_but_the_stock():
    # A column added to privilege by a later migration must be added to its trigger: a change
    # to it would otherwise leave the kept privileges stale.
    columns = {c["db_column"] for c in table_of(Privilege)[1]}
    if on_postgres():
        sql = "SELECT event_object_column FROM information_schema.triggered_update_columns"
        sql += " WHERE trigger_name = 'koc_config_changed' AND event_object_table = 'privilege'"
        named = {column for (column,) in await fetch(sql)}
    else:
        sql = "SELECT sql FROM sqlite_master WHERE name = 'koc_config_privilege_update'"
        ((text,),) = await fetch(sql)
        named = {c for c in columns if f'"{c}"' in text}
    assert named == columns - {"remaining_stock"}


async def test_every_table_kept_between_batches_has_its_trigger_in_the_migrated_database():
    # A later migration that rebuilds one of these tables (SQLite does, for some changes)
    # drops its triggers: the rows kept would then go stale unseen.
    if on_postgres():
        sql = "SELECT DISTINCT event_object_table FROM information_schema.triggers"
        sql += " WHERE trigger_name = 'koc_config_changed'"
    else:
        sql = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'"
        sql += " AND name LIKE 'koc_config_%'"
    assert {table for (table,) in await fetch(sql)} >= set(VERSIONED_TABLES)
    assert set(KEPT) == set(VERSIONED_TABLES)


async def test_weights_changed_between_two_orders_are_read_again(member_client, partner_client):
    # given one order recorded (its batch read the weights)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyer = await member_client()
    await record_order(partner, buyer.member_id)

    # when staff change the weights and the next order arrives
    await ScoringConfig.update_or_create(id=1, defaults={"weights": {}})
    with count_statements() as counter:
        await record_order(partner, buyer.member_id)

    # then that order reads them again (nothing is kept between batches)
    assert _reads_of(counter.statements, "koc_scoring_config") == 1


async def test_once_per_batch_loads_once_inside_a_batch_and_every_time_outside():
    loads = []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    # outside a batch: every call loads
    assert [await once_per_batch("k", load), await once_per_batch("k", load)] == [1, 2]
    # inside a batch (nested blocks share it): the first load stands
    with batch_memo():
        assert await once_per_batch("k", load) == 3
        with batch_memo():
            assert await once_per_batch("k", load) == 3
        assert await once_per_batch("other", load) == 4
    # a later batch loads again
    with batch_memo():
        assert await once_per_batch("k", load) == 5


async def test_the_memo_ends_with_its_block_even_when_it_raises():
    async def load() -> object:
        return object()

    first = None
    with pytest.raises(ValueError), batch_memo():
        first = await once_per_batch("k", load)
        raise ValueError
    assert await once_per_batch("k", load) is not first


# What a single converting orderRecord costs once the configuration is kept (here no automatic
# badge exists, so badge rules read nothing): the token, the externalId, the buyer, the order,
# the configuration's version, the stage transition and the buyer's count, 3 outbox rows (the
# privileges and tag rules the stage change reads are kept), the attribution (referral,
# active conversions, account, ordinals, conversion, milestone, step, reward), the referrer's
# badge signal, one rollup statement and one signals update for both members (consent, rows,
# ranking, first signals, update); on PostgreSQL the buyer and the referrer's account are also
# locked (SQLite's one writer needs no row lock). 27 / 29 when written, 25 / 27 once the
# privileges and tag rules were kept too; a change that adds a statement to every order fails
# here.
CONVERTING_ORDER_STATEMENTS = {"sqlite": 25, "postgres": 27}


async def test_a_single_converting_order_costs_a_fixed_number_of_statements(
    member_client, partner_client
):
    # given the program stored and one order already recorded (the configuration is kept)
    # when the next referee's first order arrives alone
    counter = await next_converting_order(member_client, partner_client)

    # then it converted, within the statements it is known to need
    assert any('INSERT INTO "referral_conversion"' in s for s in counter.statements)
    ceiling = CONVERTING_ORDER_STATEMENTS["postgres" if on_postgres() else "sqlite"]
    assert counter.count <= ceiling, "\n".join(counter.statements)
