"""A converting order reads each configuration row once, however many handlers use it; a
change staff make between two orders is seen by the next one."""

from __future__ import annotations

import pytest

from koc.auth.models import PartnerScope
from koc.creators.models import ScoringConfig
from koc.events.memo import batch_memo, once_per_batch
from tests.referrals.helpers import bind, code_of, record_order
from tests.sqlcount import count_statements

# Configuration several of an order's handlers read: the scoring weights (the buyer's and the
# referrer's signals), the automatic badges (both members' badge rules), the active privileges
# and the tag rules (the stage the first order reaches, then the order itself).
CONFIGURATION = ("koc_scoring_config", "badge", "privilege", "segment_tag_rule")


def _reads_of(statements: list[str], table: str) -> int:
    return sum(f'FROM "{table}"' in s or f"FROM {table} " in s for s in statements)


async def test_a_converting_order_reads_each_configuration_row_once(member_client, partner_client):
    # given a referee bound to a referrer, before their first order
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    referee = await member_client()
    await bind(referee, await code_of(referrer))

    # when the partner reports the referee's first order, which converts the referral
    with count_statements() as counter:
        await record_order(partner, referee.member_id)

    # then the order converted (both members' signals and badges were evaluated) ...
    assert any('INSERT INTO "referral_conversion"' in s for s in counter.statements)
    # ... and each configuration table was read once for the whole order
    reads = {table: _reads_of(counter.statements, table) for table in CONFIGURATION}
    assert reads == dict.fromkeys(CONFIGURATION, 1), reads


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
