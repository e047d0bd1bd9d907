"""Benchmark: segment count and preview page over many members on SQLite.

    python bench/segments.py --members 10000,100000,1000000

Seeds a fresh SQLite database per size (members with regions, channels, stages and activity;
30 % tagged; test drives, orders), then times, for a few rules from a one-fact rule to a nested
rule of every common fact, the two statements behind ``segment.memberCount`` /
``segmentMembers(first: 20)``: the live count and the first page, newest first. The goal is under
500 ms for each at a million members. Before timing, it refreshes SQLite's planner statistics
as the nightly ``segments.recompute`` does (koc.segments.compile.refresh_statistics). Each
figure is the median of ``--repeat`` runs of its statement (3). Rerunnable: ``--reuse`` times
the databases a previous run left (``var/bench-segments-<members>.sqlite3``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise  # noqa: E402

from bench.sqlite_rows import insert, ts  # noqa: E402
from koc.auth.models import PartnerToken  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import tortoise_config  # noqa: E402
from koc.members.models import LifecycleStage, Member, Tag, TagFamily, TagGroup  # noqa: E402
from koc.segments.compile import members_matching, refresh_statistics  # noqa: E402
from koc.segments.models import Segment  # noqa: E402
from koc.segments.rules import parse_rule  # noqa: E402
from koc.segments.services import member_counts  # noqa: E402
from koc.settings import Settings  # noqa: E402

REGIONS = ["Shanghai", "Beijing", "Hangzhou", "Shenzhen", "Chengdu", "Wuhan", "Xi'an", "Nanjing"]
CHANNELS = ["wecom", "mini_program", "store", "event", "referral"]
GOAL = 0.5


async def seed(n: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    stages = list(await LifecycleStage.all().order_by("position").values_list("id", flat=True))
    group = await TagGroup.create(name="Interest", family=TagFamily.CONSUMPTION)
    await Tag.create(group=group, name="family car")
    partner = await PartnerToken.create(name="bench", prefix="bench", token_hash="bench")
    members = [
        (
            f"m{i}",
            "",
            "UNKNOWN",
            rng.choice(REGIONS),
            rng.choice(CHANNELS),
            rng.choice(stages),
            0,
            ts(now - timedelta(days=rng.randint(0, 1000))),
            ts(now - timedelta(days=rng.randint(0, 120))),
        )
        for i in range(n)
    ]
    await insert(
        "member",
        (
            "nickname",
            "avatar_url",
            "gender",
            "region",
            "source_channel",
            "stage_id",
            "order_count",
            "created_at",
            "last_active_at",
        ),
        members,
    )
    ids = range(1, n + 1)
    await insert(
        "member_tag",
        ("member_id", "tag_id", "source", "cause", "created_at"),
        [(m, 1, "MANUAL", "", ts(now)) for m in ids if rng.random() < 0.3],
    )
    events = [
        (partner.id, f"e{m}-{k}", m, "TEST_DRIVE", ts(now - timedelta(days=rng.randint(0, 90))))
        for m in ids
        if rng.random() < 0.2
        for k in range(rng.randint(1, 3))
    ]
    await insert(
        "member_event",
        (
            "partner_id",
            "external_id",
            "member_id",
            "kind",
            "occurred_at",
            "payload",
            "fingerprint",
            "created_at",
        ),
        [(*e, "{}", "bench", e[4]) for e in events],
    )
    orders = [
        (
            partner.id,
            f"o{m}",
            m,
            rng.choice([300_000_00, 25_000_00, 800_00]),
            0,
            "CNY",
            rng.choice(["vehicle", "charger", "accessory"]),
            "PAID",
            ts(now - timedelta(days=rng.randint(0, 700))),
            "bench",
            ts(now),
        )
        for m in ids
        if rng.random() < 0.25
    ]
    await insert(
        "order",
        (
            "partner_id",
            "external_id",
            "member_id",
            "amount_cents",
            "refunded_cents",
            "currency",
            "category",
            "status",
            "occurred_at",
            "fingerprint",
            "created_at",
        ),
        orders,
    )


RULES: dict[str, dict[str, Any]] = {
    "one fact (region)": {"region": {"in": ["Shanghai"]}},
    "tag and stage": {"all": [{"tags": {"any": [1]}}, {"stage": {"atLeast": "INTENT"}}]},
    "2 test drives in 30 days": {
        "events": {"kind": "TEST_DRIVE", "countAtLeast": 2, "withinDays": 30}
    },
    "nested, every common fact": {
        "all": [
            {"events": {"kind": "TEST_DRIVE", "countAtLeast": 2, "withinDays": 30}},
            {"not": {"orders": {"categories": ["vehicle"]}}},
            {
                "any": [
                    {"region": {"in": ["Shanghai", "Hangzhou"]}},
                    {"sourceChannel": {"in": ["wecom"]}},
                ]
            },
            {"not": {"tags": {"any": [1]}}},
            {"lastActive": {"withinDays": 60}},
        ]
    },
}


async def timed(rule: dict[str, Any], repeat: int) -> tuple[float, float, int]:
    """(count seconds, page seconds, count) of the rule, evaluated now: the median of ``repeat``
    runs of each statement, so that what an earlier rule left in SQLite's page cache does not
    decide a figure. The count is ``segment.memberCount``'s own statement (member_counts)."""
    now = datetime.now(UTC)
    members = members_matching(parse_rule(rule), now)
    counts, pages = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        (count,) = await member_counts([Segment(rule=rule)], now)
        counts.append(time.perf_counter() - start)
        start = time.perf_counter()
        page = await members.order_by("-created_at", "-id").limit(20)
        pages.append(time.perf_counter() - start)
        assert len(page) == min(20, count)
    return statistics.median(counts), statistics.median(pages), count


def fresh_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def database_for(n: int, reuse: bool) -> Path:
    path = Path(f"var/bench-segments-{n}.sqlite3").resolve()
    if not (reuse and path.exists()):
        fresh_database(path)
    return path


async def run_size(
    n: int, seed_value: int, reuse: bool, repeat: int
) -> list[tuple[str, float, float, int]]:
    path = database_for(n, reuse)
    url = f"sqlite://{path}"
    await migrate_database(Settings(database_url=url))
    await Tortoise.init(config=tortoise_config(url))
    rows = []
    try:
        if not await Member.exists():
            start = time.perf_counter()
            await seed(n, random.Random(seed_value))
            print(f"seeded {n:,} members in {time.perf_counter() - start:.1f} s ({path})")
        start = time.perf_counter()
        await refresh_statistics()  # what the nightly segments.recompute leaves for the planner
        print(f"planner statistics refreshed in {time.perf_counter() - start:.1f} s")
        await Member.all().count()  # untimed: pull the file into the OS cache, as a server's is
        for label, rule in RULES.items():
            counted, paged, count = await timed(rule, repeat)
            rows.append((label, counted, paged, count))
            print(
                f"  {n:>9,}  {label:<28} count {counted * 1000:7.1f} ms  page {paged * 1000:7.1f} ms  ({count:,} members)"
            )
    finally:
        await Tortoise.close_connections()
    return rows


async def main(sizes: list[int], seed_value: int, reuse: bool, repeat: int) -> int:
    table = ["| members | rule | count ms | page ms | matched |", "|---:|---|---:|---:|---:|"]
    slowest = 0.0
    for n in sizes:
        for label, counted, paged, count in await run_size(n, seed_value, reuse, repeat):
            table.append(
                f"| {n:,} | {label} | {counted * 1000:.0f} | {paged * 1000:.0f} | {count:,} |"
            )
            slowest = max(slowest, counted, paged)
    print("\n".join(table))
    verdict = "OK" if slowest < GOAL else "TOO SLOW"
    print(f"slowest statement {slowest * 1000:.0f} ms (goal < {GOAL * 1000:.0f} ms): {verdict}")
    return 0 if slowest < GOAL else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", default="10000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="time existing databases")
    parser.add_argument("--repeat", type=int, default=3, help="runs per statement (median)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.members.split(",")]
    sys.exit(asyncio.run(main(sizes, args.seed, args.reuse, args.repeat)))
