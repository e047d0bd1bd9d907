"""Schema fuzzing with schemathesis (GraphQL mode) against the ASGI app.

schemathesis generates operations from the exported schema (every query and mutation field, with
arbitrary arguments and selections). Three passes: as an ADMIN (most fields reachable), as a
member, and invalid documents (missing or mistyped arguments). ID arguments are either the global
IDs of a little seeded data or arbitrary text. hypothesis runs derandomized, so every run sends
the same operations. They go through the session app on the test's event loop (so the fuzz works
on SQLite and PostgreSQL alike): hypothesis runs in a worker thread and hands each request to the
loop. A response fails when it is a 5xx, or carries a masked error ("Internal server error.", the
production mask of an unexpected exception) or a Python traceback; every failure is listed with
its document.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS

from koc.auth.models import PartnerScope, StaffRole
from koc.cli import export_schema_sdl
from tests.badges.factories import create_badge
from tests.conftest import GraphQLClient, gid
from tests.creators.factories import apply, create_campaign
from tests.privileges.factories import create_privilege
from tests.referrals.helpers import bind, code_of, record_order
from tests.surveys.helpers import open_survey

EXAMPLES_PER_OPERATION = 15
MEMBER_EXAMPLES_PER_OPERATION = 4
INVALID_EXAMPLES_PER_OPERATION = 3
MIN_OPERATIONS = 1000
MASKED = "Internal server error."


@dataclass
class FuzzRun:
    client: GraphQLClient
    loop: asyncio.AbstractEventLoop
    examples: int
    mode: GenerationMode = GenerationMode.POSITIVE
    sent: int = 0
    failures: list[str] = field(default_factory=list)

    def send(self, label: str, document: str) -> None:
        future = asyncio.run_coroutine_threadsafe(self.client.post(document), self.loop)
        response = future.result(timeout=60)
        self.sent += 1
        text = response.text
        if response.status_code >= 500 or MASKED in text or "Traceback" in text:
            self.failures.append(f"{label} -> {response.status_code} {text[:300]}\n{document}")

    def fuzz(self, operation: Any) -> None:
        @settings(
            max_examples=self.examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(self.mode))
        def run(case: Any) -> None:
            self.send(operation.label, case.body)

        run()


def global_ids(value: Any) -> set[str]:
    """Every ``id`` in a GraphQL answer."""
    if isinstance(value, dict):
        found = {value["id"]} if isinstance(value.get("id"), str) else set()
        return found.union(*(global_ids(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(global_ids(v) for v in value))
    return set()


async def seed(
    admin: GraphQLClient,
    referrer: GraphQLClient,
    referee: GraphQLClient,
    partner: GraphQLClient,
) -> list[str]:
    """A little of everything, so generated IDs can name real objects; returns their IDs."""
    assert (await bind(referee, await code_of(referrer)))["errors"] == []
    answers = [
        await record_order(partner, referee.member_id),
        await apply(referrer, ["CONTENT"]),
        await create_privilege(admin, audience={"rule": {"koc": {"statuses": ["ACTIVE"]}}}),
        await create_badge(admin),
        await create_campaign(admin),
        await open_survey(admin),
        await admin.execute("{ referrals(first: 5) { edges { node { id } } } }"),
    ]
    people = [gid("Member", referrer.member_id), gid("Member", referee.member_id)]
    return sorted(global_ids(answers)) + people + [gid("StaffUser", admin.staff_id)]


def real_or_random_ids(known: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(known), st.text(max_size=12)).map(nodes.String)


async def test_fuzzed_operations_never_fail_unexpectedly(
    staff_client: Callable[..., Awaitable[GraphQLClient]],
    member_client: Callable[..., Awaitable[GraphQLClient]],
    partner_client: Callable[..., Awaitable[GraphQLClient]],
) -> None:
    admin = await staff_client(StaffRole.ADMIN)
    member = await member_client()
    known = await seed(
        admin, member, await member_client(), await partner_client([PartnerScope.ORDERS_WRITE])
    )
    schema = schemathesis.graphql.from_file(export_schema_sdl())
    operations = [result.ok() for result in schema.get_all_operations()]
    loop = asyncio.get_running_loop()
    runs = [
        FuzzRun(admin, loop, EXAMPLES_PER_OPERATION),
        FuzzRun(member, loop, MEMBER_EXAMPLES_PER_OPERATION),
        FuzzRun(admin, loop, INVALID_EXAMPLES_PER_OPERATION, GenerationMode.NEGATIVE),
    ]

    started = time.monotonic()
    schemathesis.graphql.scalar("ID", real_or_random_ids(known))
    try:
        for run in runs:
            for operation in operations:
                await asyncio.to_thread(run.fuzz, operation)
    finally:
        CUSTOM_SCALARS.pop("ID")
    elapsed = time.monotonic() - started

    admin_run, member_run, invalid_run = runs
    print(
        f"fuzz: {admin_run.sent} operations as ADMIN, {member_run.sent} as a member and "
        f"{invalid_run.sent} invalid ones over {len(operations)} fields in {elapsed:.1f} s"
    )
    assert admin_run.sent >= MIN_OPERATIONS, admin_run.sent
    failures = [failure for run in runs for failure in run.failures]
    assert failures == [], "\n\n".join(failures)


# Regression tests for what the fuzz found.

TAG_GROUP_CREATE = """
mutation($input: TagGroupCreateInput!) {
  tagGroupCreate(input: $input) { tagGroup { name } errors { code } }
}"""


async def test_a_nul_character_in_text_is_bad_input_and_writes_nothing(
    staff_client: Callable[..., Awaitable[GraphQLClient]],
) -> None:
    # Found on PostgreSQL: tagGroupCreate(input: {description: "...\u0000..."}) answered
    # "Internal server error." (asyncpg: invalid byte sequence for encoding "UTF8": 0x00).
    admin = await staff_client(StaffRole.ADMIN)
    as_variable = {"input": {"name": "Budget", "family": "CONSUMPTION", "description": "a\x00b"}}
    as_literal = """mutation { tagGroupCreate(input: {name: "Bud\\u0000get", family: SOCIAL}) {
      tagGroup { name } } }"""

    for errors in (
        await admin.errors(TAG_GROUP_CREATE, as_variable),
        await admin.errors(as_literal),
    ):
        assert [(e["message"], e["extensions"]["code"]) for e in errors] == [
            ("Text must not contain NUL characters.", "BAD_USER_INPUT")
        ]
    assert (await admin.execute("{ tagGroups { name } }"))["tagGroups"] == []
