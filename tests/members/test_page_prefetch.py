"""A members page and the home document prefetch their fields' rows (koc/graphql/prefetch.py)
so the fields resolve at once. Prefetching may only make them faster: given the same seeded
data, every answer and every statement count is what the resolvers give without it, and a
staff page leaves no field waiting."""

from __future__ import annotations

from typing import Any

import pytest

from bench.queries import HOME_QUERY
from koc.auth.models import PartnerScope, StaffRole
from koc.creators.models import KocProfile
from koc.graphql import lean
from koc.graphql.schema import schema
from koc.members.graphql import queries
from koc.members.models import Member
from tests.sqlcount import count_statements, list_queries
from tests.test_list_statement_counts import seeded  # noqa: F401  (the fixture)


async def _without_prefetch(*args: Any) -> None:
    return None


class _CountingResumed(lean.Resumed):
    """Counts the fields that had to wait for their rows."""

    made = 0

    def __init__(self, *args: Any) -> None:
        type(self).made += 1
        super().__init__(*args)


async def _answer(client: Any, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
    with count_statements() as counter:
        response = await client.post(query, variables)
    assert response.status_code == 200
    return counter.count, response.json()


async def _both_ways(monkeypatch, client, query, variables) -> tuple[Any, Any]:
    """(count, body) with prefetching and without, and how many fields waited with it."""
    await client.post(query, variables)  # rows made on first read (referral codes)
    monkeypatch.setattr(lean, "Resumed", _CountingResumed)
    _CountingResumed.made = 0
    with_prefetch = await _answer(client, query, variables)
    waited = _CountingResumed.made
    monkeypatch.setattr(queries, "prefetch", _without_prefetch)
    without = await _answer(client, query, variables)
    monkeypatch.undo()
    return (with_prefetch, waited), without


@pytest.mark.parametrize("role", [StaffRole.ADMIN, StaffRole.ANALYST, StaffRole.ADVISOR])
async def test_a_members_page_answers_the_same_with_and_without_prefetching(
    monkeypatch,
    staff_client,
    seeded,  # noqa: F811
    role,
):
    # Given every list and nested list seeded, and a staff caller
    parts = list_queries(schema._schema, seeded)["members"]
    caller = await staff_client(role)
    for part, query in parts.items():
        # When the page of 100 is asked with and without prefetching
        ((count, body), waited), (count_without, body_without) = await _both_ways(
            monkeypatch, caller, query, {"first": 100}
        )
        # Then the answers are the same, byte for byte, and so are the statements
        assert body == body_without, part
        assert count == count_without, part
        if role is StaffRole.ADMIN and part == "scalars":
            # and with every scalar and one level of objects no field of the page waited
            assert len(body["data"]["members"]["edges"]) > 10
            assert waited == 0


async def test_a_partner_page_answers_the_same_with_and_without_prefetching(
    monkeypatch,
    partner_client,
    seeded,  # noqa: F811
):
    # Given a partner reading members (prefetching is not for partners)
    parts = list_queries(schema._schema, seeded)["members"]
    partner = await partner_client([PartnerScope.MEMBERS_READ])
    # When it asks for every scalar, Then nothing differs
    (with_prefetch, _), without = await _both_ways(
        monkeypatch, partner, parts["scalars"], {"first": 100}
    )
    assert with_prefetch == without


async def test_the_home_document_answers_the_same_with_and_without_prefetching(
    monkeypatch,
    member_client,
    seeded,  # noqa: F811
):
    # Given a seeded member with badges, grants, a KOC profile and referrals
    profile = await KocProfile.all().order_by("id").first()
    assert profile is not None
    member = await Member.get(id=profile.member_id)
    client = await member_client(member)
    # When the mini-program asks for its home screen with and without prefetching
    ((count, body), waited), (count_without, body_without) = await _both_ways(
        monkeypatch, client, HOME_QUERY, {}
    )
    # Then the same answer and statements, and no field waited
    assert body == body_without
    assert body["data"]["me"]["badges"] and body["data"]["me"]["koc"]
    assert count == count_without
    assert waited == 0
