"""Seed a benchmark database: N members with orders, events, tags, KOCs, badges, privileges,
referrals and survey responses, written in bulk straight into the tables (not through the API).

    python bench/seed.py --members 10000       # var/bench-10000.sqlite3, recreated
    python bench/seed.py --members 1000000 --database-url postgres://postgres@127.0.0.1:5432/bench

SQLite files are recreated; a PostgreSQL database must exist and hold no members (it is
migrated first). The data is deterministic for a given ``--seed``. Each feature is seeded only
when its app is in ``koc.db.APPS``, so the script measures whatever the tree holds.

Two phases. ``World`` decides every fact in plain Python first (who buys what and when, who is
a KOC, who referred whom, which order converted, who answered the survey), applying koc's own
rules, so the rows of each table agree with what koc's hooks would have written: order counts
and stages, discovery signals and their scores, referral milestones, conversions, rewards and
the points ledger, rule-based badges, eligibility-based privilege grants, survey participation.
``Seeder`` then writes the rows: one ``executemany`` per 50,000 rows in one transaction per table
on SQLite (journal off and no fsync on the seed connection only, WAL restored at the end),
``COPY`` on PostgreSQL (then ``ANALYZE``). Columns a row does not give take the model's default.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise  # noqa: E402
from tortoise import fields as tfields  # noqa: E402
from tortoise.connection import connections  # noqa: E402
from tortoise.models import Model  # noqa: E402

from koc.auth.models import PartnerToken, StaffRole, StaffUser  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import APPS, is_postgres, tortoise_config  # noqa: E402
from koc.members.models import (  # noqa: E402
    Gender,
    LifecycleStage,
    Member,
    MemberIdentity,
    MemberTag,
    StageAutoRule,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from koc.members.stages import auto_rule_for_order_count  # noqa: E402
from koc.orders.models import MemberEvent, MemberEventKind, Order  # noqa: E402
from koc.settings import Settings  # noqa: E402
from koc.wiring import connect_all

BATCH = 50_000
NOW = datetime(2026, 6, 1, tzinfo=UTC)  # fixed, so a seed gives the same rows every run
DAY = timedelta(days=1)
REGIONS = ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Nanjing", "Xi'an"]
CHANNELS = ["mini-program", "wecom", "store", "event", "partner", "referral"]
CATEGORIES = ["vehicle", "charger", "insurance", "accessory", "service"]
PRICES = {"vehicle": 30_000_000, "charger": 500_000, "insurance": 800_000}
TAG_GROUPS = {
    ("Region", TagFamily.SOCIAL, True): ["east", "north", "south", "west"],
    ("Age band", TagFamily.SOCIAL, True): ["18-25", "26-35", "36-45", "46+"],
    ("Budget", TagFamily.CONSUMPTION, True): ["<200k", "200-300k", "300-500k", ">500k"],
    ("Preference", TagFamily.CONSUMPTION, False): ["space", "driving feel", "tech", "price"],
    ("Activity", TagFamily.BEHAVIOR, False): ["salon", "test drive", "articles", "coupons"],
    ("Tier", TagFamily.TIER, True): ["bronze", "silver", "gold"],
}
DEFAULT_URL = "sqlite://./var/bench-{members}.sqlite3"
BENCH_PARTNER = "bench-partner"
BENCH_STAFF = "bench-admin"
BUYER_SHARE = 0.4  # members with at least one order
KOC_SHARE = 0.01  # active KOCs among members, and as many candidates; drawn among buyers
REFERRER_SHARE = 0.1  # members (buyers) with a referral code, besides the KOCs
REFEREE_SHARE = 0.125  # members bound to a referrer
REFEREE_BUYER_SHARE = 0.6  # of the referees, those who bought since
KOC_REFERRAL_WEIGHT = 10  # a KOC brings ten times the referees of another referrer
MANUAL_GRANT_SHARE = 0.02  # non-KOC members given a privilege by staff


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def chunks(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- writing rows -----------------------------------------------------------------------------


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The text Tortoise writes on SQLite, so koc reads seeded and live rows alike.
    return None if value is None else value.isoformat(" ")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


class Bulk:
    """Rows of a model straight into its table: ``executemany`` in one transaction on SQLite,
    ``COPY`` (asyncpg ``copy_records_to_table``) on PostgreSQL.

    A row is a tuple of the ``columns`` named by the caller, with Python values (datetimes,
    dates, dicts for JSON); every other column takes the model's default (``NOW`` for
    ``auto_now`` columns) or NULL. Values are converted to what the driver stores."""

    def __init__(self, pg: bool) -> None:
        self.pg = pg

    def _plan(
        self, model: type[Model], columns: Sequence[str]
    ) -> tuple[list[str], tuple[Any, ...], list[tuple[int, Callable[[Any], Any]]]]:
        meta = model._meta
        by_column = {
            column: meta.fields_map[name] for name, column in meta.fields_db_projection.items()
        }
        unknown = set(columns) - set(by_column)
        if unknown:
            raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
        names = list(columns)
        tail: list[Any] = []
        for column, f in by_column.items():
            if column in columns or f.pk:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: Any = NOW
            elif f.default is not None:
                value = f.default() if callable(f.default) else f.default
            elif f.null:
                continue
            else:
                raise ValueError(f"{model.__name__}.{column} needs a value")
            names.append(column)
            tail.append(value)
        converters: list[tuple[int, Callable[[Any], Any]]] = []
        for index, column in enumerate(names):
            f = by_column[column]
            if isinstance(f, tfields.JSONField):
                converters.append((index, _json))
            elif not self.pg and isinstance(f, tfields.DatetimeField):
                converters.append((index, _sqlite_datetime))
            elif not self.pg and isinstance(f, tfields.DateField):
                converters.append((index, _sqlite_date))
        head = len(columns)
        tail_converted = list(tail)
        for index, convert in converters:
            if index >= head:
                tail_converted[index - head] = convert(tail_converted[index - head])
        return names, tuple(tail_converted), [(i, c) for i, c in converters if i < head]

    async def write(self, model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert ``rows`` into ``model``'s table; returns how many."""
        names, tail, converters = self._plan(model, columns)

        def ready(batch: list[tuple]) -> list[tuple]:
            if not converters:
                return [row + tail for row in batch] if tail else batch
            out = []
            for row in batch:
                values = list(row)
                for index, convert in converters:
                    values[index] = convert(values[index])
                out.append((*values, *tail))
            return out

        table = model._meta.db_table
        client = connections.get("default")
        count = 0
        async with client.acquire_connection() as conn:
            if self.pg:

                async def send(records: list[tuple]) -> None:
                    await conn.copy_records_to_table(table, records=records, columns=names)

            else:
                marks = ", ".join("?" for _ in names)
                quoted = ", ".join(f'"{n}"' for n in names)
                sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'

                async def send(records: list[tuple]) -> None:
                    await conn.executemany(sql, records)

                await conn.execute("BEGIN")
            indexes = await self._drop_indexes(conn, table)
            # The next batch is made while the driver writes the previous one.
            pending: asyncio.Future[None] | None = None
            for batch in chunks(rows):
                records = ready(batch)
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(send(records))
                await asyncio.sleep(0)  # hand the batch to the driver before making the next
                count += len(batch)
            if pending is not None:
                await pending
            for statement in indexes:
                await conn.execute(statement)
            if not self.pg:
                await conn.execute("COMMIT")
        return count

    async def _drop_indexes(self, conn: Any, table: str) -> list[str]:
        """Drop the table's plain indexes (not those of keys and unique constraints) and return
        the statements that build them again: an index built once over the loaded rows costs
        far less than one kept up to date row by row."""
        if self.pg:
            rows = await conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint)",
                table,
            )
            found = [(r["indexname"], r["indexdef"]) for r in rows]
        else:
            async with conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            ) as cursor:
                found = [(r[0], r[1]) for r in await cursor.fetchall()]
        for name, _ in found:
            await conn.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in found]


# --- the facts -------------------------------------------------------------------------------


@dataclass
class Referral:
    id: int
    referrer: int
    referee: int
    bound_at: datetime
    expires_at: datetime
    channel: str
    steps: list[tuple[str, datetime, int | None, int | None]]  # kind, at, order id, event id
    milestone: str = "LEAD"
    milestone_at: datetime | None = None
    converted: tuple[int, int, str, datetime] | None = None  # the order that converted


@dataclass
class World:
    """Every fact of the seeded brand, decided before a row is written."""

    n: int
    rng: random.Random
    features: set[str]
    window: timedelta = timedelta(days=180)
    hold: timedelta = timedelta(days=14)
    created: list[datetime] = field(default_factory=list)
    last_active: list[datetime | None] = field(default_factory=list)
    orders: dict[int, list[tuple[int, int, str, datetime]]] = field(default_factory=dict)
    events: dict[int, list[tuple[int, str, datetime]]] = field(default_factory=dict)
    active_kocs: list[int] = field(default_factory=list)
    candidate_kocs: list[int] = field(default_factory=list)
    koc_since: dict[int, datetime] = field(default_factory=dict)
    koc_roles: dict[int, list[str]] = field(default_factory=dict)
    code_owners: list[int] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    responders: list[int] = field(default_factory=list)

    def plan(self, survey_responses: int) -> None:
        self._members_orders_events()
        if "creators" in self.features:
            self._kocs()
        if "referrals" in self.features:
            self._referrals()
        if "surveys" in self.features:
            self.responders = sorted(
                self.rng.sample(range(1, self.n + 1), min(survey_responses, self.n))
            )

    def _members_orders_events(self) -> None:
        rng, n = self.rng, self.n
        span = 3 * 365 * DAY
        kinds = [k.value for k in MemberEventKind]
        event_counts = (0, 0, 1, 1, 2, 3)
        order_counts = (1, 1, 2, 3, 4, 4)
        created = [NOW] * (n + 1)
        last_active: list[datetime | None] = [None] * (n + 1)
        order_id = event_id = 0
        for i in range(1, n + 1):
            joined = NOW - span * rng.random()
            created[i] = joined
            latest = joined
            if rng.random() < BUYER_SHARE:
                times = sorted(between(rng, joined, NOW) for _ in range(rng.choice(order_counts)))
                mine = []
                for at in times:
                    order_id += 1
                    category = rng.choice(CATEGORIES)
                    amount = PRICES.get(category, 100_000) + rng.randrange(100_000)
                    mine.append((order_id, amount, category, at))
                self.orders[i] = mine
                latest = times[-1]
            k = rng.choice(event_counts)
            if k:
                mine_events = []
                for _ in range(k):
                    event_id += 1
                    at = between(rng, joined, NOW)
                    mine_events.append((event_id, rng.choice(kinds), at))
                    latest = max(latest, at)
                self.events[i] = mine_events
            # The last login falls after the last recorded activity.
            last_active[i] = between(rng, latest, NOW)
        self.created, self.last_active = created, last_active

    def _kocs(self) -> None:
        rng = self.rng
        buyers = sorted(self.orders)
        picked = rng.sample(buyers, min(len(buyers), 2 * round(self.n * KOC_SHARE)))
        half = len(picked) // 2
        self.active_kocs = sorted(picked[:half])
        self.candidate_kocs = sorted(picked[half:])
        roles = ["CONTENT", "EXPERIENCE", "CO_CREATION"]
        for m in picked:
            self.koc_since[m] = between(rng, self.orders[m][0][3], NOW)
        for m in self.active_kocs:
            self.koc_roles[m] = sorted(rng.sample(roles, rng.randint(1, 2)))

    def _referrals(self) -> None:
        from koc.referrals.attribution import EVENT_MILESTONES
        from koc.referrals.models import Milestone, ReferralChannel
        from koc.referrals.rules import advance

        rng, n = self.rng, self.n
        milestone_of = {k.value: m.value for k, m in EVENT_MILESTONES.items()}
        buyers = sorted(self.orders)
        kocs = set(self.active_kocs)
        owners = kocs | set(rng.sample(buyers, min(len(buyers), int(n * REFERRER_SHARE))))
        self.code_owners = sorted(owners)
        weights = list(
            itertools.accumulate(KOC_REFERRAL_WEIGHT if m in kocs else 1 for m in self.code_owners)
        )
        # Referees are mostly prospects who went on to buy: referral is how they came.
        pool = [m for m in range(1, n + 1) if m not in owners]
        wanted = min(len(pool), int(n * REFEREE_SHARE))
        buying = [m for m in pool if m in self.orders]
        browsing = [m for m in pool if m not in self.orders]
        from_buyers = min(len(buying), int(wanted * REFEREE_BUYER_SHARE))
        referees = rng.sample(buying, from_buyers)
        referees += rng.sample(browsing, min(len(browsing), wanted - from_buyers))
        channels = [c.value for c in ReferralChannel if c is not ReferralChannel.ORDER]
        for referee in referees:
            orders = self.orders.get(referee)
            if orders:
                # Bound before the first order (a customer cannot be referred any more) by a
                # referrer who had joined by then; the referee joined no later than that.
                bound = orders[0][3] - 150 * DAY * rng.random()
                referrer = self._referrer_before(bound, weights)
                if referrer is None:
                    continue
                self.created[referee] = min(self.created[referee], bound)
            else:
                referrer = rng.choices(self.code_owners, cum_weights=weights)[0]
                earliest = max(self.created[referee], self.created[referrer])
                bound = min(NOW, earliest + 30 * DAY * rng.random())
            r = Referral(
                id=len(self.referrals) + 1,
                referrer=referrer,
                referee=referee,
                bound_at=bound,
                expires_at=bound + self.window,
                channel=rng.choice(channels),
                steps=[("LEAD", bound, None, None)],
                milestone_at=bound,
            )
            # Milestones from the referee's test drives and deposits, then the first order
            # (the program converts first orders only), each inside the window.
            facts = [
                (at, milestone_of[kind], None, event_id)
                for event_id, kind, at in self.events.get(referee, ())
                if kind in milestone_of and bound <= at <= r.expires_at
            ]
            if orders and orders[0][3] <= r.expires_at:
                facts.append((orders[0][3], Milestone.CONVERTED.value, orders[0][0], None))
                r.converted = orders[0]
            for at, reached, order_id, event_id in sorted(facts, key=lambda f: f[0]):
                r.steps.append((reached, at, order_id, event_id))
                if advance(Milestone(r.milestone), Milestone(reached)):
                    r.milestone, r.milestone_at = reached, at
            self.referrals.append(r)

    def _referrer_before(self, moment: datetime, cum_weights: list[int]) -> int | None:
        """A code owner (KOCs weighted) who had joined by ``moment``; None after a few draws."""
        for referrer in self.rng.choices(self.code_owners, cum_weights=cum_weights, k=8):
            if self.created[referrer] <= moment:
                return referrer
        return None

    def conversions_by_referrer(self) -> dict[int, list[Referral]]:
        out: dict[int, list[Referral]] = {}
        for r in self.referrals:
            if r.converted:
                out.setdefault(r.referrer, []).append(r)
        for rows in out.values():
            rows.sort(key=lambda r: (r.converted[3], r.id))  # type: ignore[index]
        return out


# --- the rows --------------------------------------------------------------------------------


class Seeder:
    """Writes the world's rows, table by table; ``counts`` says how many went where."""

    def __init__(self, world: World, bulk: Bulk, appid: str) -> None:
        self.w = world
        self.rng = world.rng
        self.bulk = bulk
        self.appid = appid
        self.counts: dict[str, int] = {}
        self.staff_id = 0
        self.partner_id = 0

    async def put(self, model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
        table = model._meta.db_table
        self.counts[table] = self.counts.get(table, 0) + await self.bulk.write(model, columns, rows)

    # --- foundation ------------------------------------------------------------------------

    async def foundation(self) -> None:
        w, rng = self.w, self.rng
        staff = await StaffUser.create(
            username=BENCH_STAFF, password_hash="!unusable", role=StaffRole.ADMIN
        )
        partner = await PartnerToken.create(
            name=BENCH_PARTNER, prefix="bench", token_hash="bench-seeded", scopes=[]
        )
        self.staff_id, self.partner_id = staff.id, partner.id
        groups: list[tuple[bool, list[int]]] = []
        for (name, family, exclusive), tags in TAG_GROUPS.items():
            group = await TagGroup.create(name=name, family=family, exclusive=exclusive)
            ids = []
            for tag in tags:
                t = await Tag.create(group=group, name=tag, member_visible=family is TagFamily.TIER)
                ids.append(t.id)
            groups.append((exclusive, ids))
        stages = await LifecycleStage.all().order_by("position")
        by_rule = {s.auto_rule: s.id for s in stages if s.auto_rule}
        # Members without an order stay before the first-order stage; most are early on.
        first_order_position = next(
            (s.position for s in stages if s.auto_rule is StageAutoRule.FIRST_ORDER), None
        )
        early = [
            s.id
            for s in stages
            if not s.auto_rule
            and (first_order_position is None or s.position < first_order_position)
        ] or [s.id for s in stages]
        early_weights = [max(1, 8 - 2 * k) for k in range(len(early))]
        koc_stage = by_rule.get(StageAutoRule.KOC) if "creators" in w.features else None
        active = set(w.active_kocs)
        genders = [g.value for g in Gender]

        def stage_of(i: int) -> int:
            if koc_stage and i in active:
                return koc_stage
            rule = auto_rule_for_order_count(len(w.orders.get(i, ())))
            if rule in by_rule:
                return by_rule[rule]
            return rng.choices(early, early_weights)[0]

        await self.put(
            Member,
            ("id", "unionid", "phone", "nickname", "avatar_url", "gender", "birthday", "region")
            + ("source_channel", "stage_id", "order_count", "created_at", "last_active_at"),
            (
                (
                    i,
                    f"bench-union-{i}",
                    f"+86138{i:08d}" if rng.random() < 0.6 else None,
                    f"member {i}",
                    f"https://img.example.com/a/{i}.png",
                    rng.choice(genders),
                    date(1960 + rng.randrange(45), rng.randint(1, 12), rng.randint(1, 28)),
                    rng.choice(REGIONS),
                    rng.choice(CHANNELS),
                    stage_of(i),
                    len(w.orders.get(i, ())),
                    w.created[i],
                    w.last_active[i],
                )
                for i in range(1, w.n + 1)
            ),
        )
        await self.put(
            MemberIdentity,
            ("member_id", "appid", "openid", "created_at"),
            ((i, self.appid, f"bench-open-{i}", w.created[i]) for i in range(1, w.n + 1)),
        )
        sources = [s.value for s in TagSource]
        staff_id = self.staff_id

        def member_tags() -> Iterator[tuple]:
            # About 2.5 tags a member: one per exclusive group at most, as koc enforces.
            for i in range(1, w.n + 1):
                for exclusive, ids in groups:
                    if rng.random() >= 0.4:
                        continue
                    picked = [rng.choice(ids)] if exclusive else rng.sample(ids, rng.randint(1, 2))
                    for tag_id in picked:
                        source = rng.choice(sources)
                        manual = source == TagSource.MANUAL
                        yield (
                            i,
                            tag_id,
                            source,
                            staff_id if manual else None,
                            "1-on-1 chat" if manual else "",
                            w.created[i],
                        )

        await self.put(
            MemberTag,
            ("member_id", "tag_id", "source", "staff_id", "cause", "created_at"),
            member_tags(),
        )
        partner_id = self.partner_id
        await self.put(
            Order,
            ("id", "partner_id", "external_id", "member_id", "amount_cents", "currency")
            + ("category", "occurred_at", "fingerprint", "created_at"),
            (
                (o[0], partner_id, f"bench-o-{o[0]}", m, o[1], "CNY", o[2], o[3], "seeded", o[3])
                for m, orders in w.orders.items()
                for o in orders
            ),
        )
        await self.put(
            MemberEvent,
            ("id", "partner_id", "external_id", "member_id", "kind", "occurred_at", "payload")
            + ("fingerprint", "created_at"),
            (
                (e[0], partner_id, f"bench-e-{e[0]}", m, e[1], e[2], {"store": f"S{e[0] % 50}"})
                + ("seeded", e[2])
                for m, events in w.events.items()
                for e in events
            ),
        )

    # --- features, each only when its app is installed ---------------------------------------

    async def creators(self) -> None:
        from koc.creators.models import KocProfile, KocRoleGrant, MemberSignals
        from koc.creators.scoring import Signals, score, weights_from_json
        from koc.creators.signals import SCORE_COLUMNS

        w = self.w
        sequence = 0
        profiles = []
        for m in sorted(w.active_kocs + w.candidate_kocs):
            since = w.koc_since[m]
            if m in w.koc_roles:
                sequence += 1
                profiles.append(
                    (m, "ACTIVE", since, since, f"KOC-{since.year}-{sequence:06d}", since, since)
                )
            else:
                profiles.append((m, "CANDIDATE", since, None, None, None, since))
        await self.put(
            KocProfile,
            ("member_id", "status", "status_changed_at", "activated_at", "certificate_number")
            + ("certificate_issued_at", "created_at"),
            profiles,
        )
        await self.put(
            KocRoleGrant,
            ("member_id", "role", "staff_id", "created_at"),
            ((m, r, self.staff_id, w.koc_since[m]) for m, rs in w.koc_roles.items() for r in rs),
        )
        converted: dict[int, int] = {}
        for r in w.referrals:
            if r.converted:
                converted[r.referrer] = converted.get(r.referrer, 0) + 1
        answered = set(w.responders)
        content_kinds = {
            MemberEventKind.CONTENT_POSTED.value: "content_posts",
            MemberEventKind.EVENT_ATTENDED.value: "events_attended",
            MemberEventKind.COMPLAINT.value: "complaints",
        }
        weights = weights_from_json(None)
        ranked_out = set(w.active_kocs)
        columns = list(SCORE_COLUMNS.items())

        def signals() -> Iterator[tuple]:
            # What the hooks of orders, events, conversions, survey answers and logins add up
            # to, scored by koc's scoring function as of NOW.
            for i in range(1, w.n + 1):
                orders = w.orders.get(i, ())
                counters = {"content_posts": 0, "events_attended": 0, "complaints": 0}
                for _, kind, _ in w.events.get(i, ()):
                    name = content_kinds.get(kind)
                    if name:
                        counters[name] += 1
                last = NOW if i in answered else w.last_active[i]
                s = Signals(
                    order_count=len(orders),
                    order_cents=sum(o[1] for o in orders),
                    first_order_at=orders[0][3] if orders else None,
                    converted_referrals=converted.get(i, 0),
                    survey_answers=1 if i in answered else 0,
                    last_active_at=last,
                    **counters,
                )
                scores = score(s, weights, NOW)
                yield (
                    i,
                    s.order_count,
                    s.order_cents,
                    s.first_order_at,
                    s.content_posts,
                    s.events_attended,
                    s.complaints,
                    s.converted_referrals,
                    s.survey_answers,
                    last,
                    i in ranked_out,
                    *(scores.of(role) for role, _ in columns),
                    NOW,
                )

        await self.put(
            MemberSignals,
            (
                "member_id",
                "order_count",
                "order_cents",
                "first_order_at",
                "content_posts",
                "events_attended",
                "complaints",
                "converted_referrals",
                "survey_answers",
                "last_active_at",
                "is_koc",
                *(column for _, column in columns),
                "scored_at",
            ),
            signals(),
        )

    async def badges(self) -> None:
        from koc.badges.models import Badge, BadgeHolding, BadgeRule, MemberKocRole, MemberSignal
        from koc.badges.rules import years_before

        w = self.w
        defs = (
            [("AMBASSADOR", level, BadgeRule.REFERRALS_CONVERTED, level * 3) for level in (1, 2, 3)]
            + [("CREATOR", level, BadgeRule.SUBMISSIONS_APPROVED, level * 5) for level in (1, 2)]
            + [
                ("VETERAN", 1, BadgeRule.YEARS_SINCE_FIRST_ORDER, 1),
                ("PIONEER", 1, BadgeRule.MANUAL, 0),
            ]
        )
        badge_ids: dict[str, int] = {}
        for family, level, rule, threshold in defs:
            badge = await Badge.create(
                code=f"{family}_{level}",
                family=family,
                level=level,
                name=f"{family.title()} {level}",
                rule=rule,
                threshold=threshold,
                image_url=f"https://img.example.com/badges/{family.lower()}-{level}.png",
            )
            badge_ids[badge.code] = badge.id
        by_referrer = w.conversions_by_referrer()
        await self.put(
            MemberSignal,
            ("member_id", "kind", "source_key", "subject_id", "created_at"),
            (
                (m, "REFERRAL_CONVERTED", f"order:{r.converted[0]}", r.referee, r.converted[3])
                for m, rows in by_referrer.items()
                for r in rows
                if r.converted
            ),
        )
        veteran_before = years_before(NOW, 1)
        pioneers = set(self.rng.sample(w.active_kocs, len(w.active_kocs) // 5))

        def holdings() -> Iterator[tuple]:
            # The rules as koc applies them: ambassador levels at the 3rd, 6th, 9th converted
            # referee, veteran a year after the first order; pioneer is a staff award to KOCs.
            for i in range(1, w.n + 1):
                rows = by_referrer.get(i, ())
                for level in (1, 2, 3):
                    if len(rows) >= 3 * level:
                        at = rows[3 * level - 1].converted[3]  # type: ignore[index]
                        yield (i, badge_ids[f"AMBASSADOR_{level}"], "RULE", "rule", None, at)
                orders = w.orders.get(i)
                if orders and orders[0][3] <= veteran_before:
                    # Awarded by the daily job on the first anniversary of the first order.
                    at = orders[0][3] + 366 * DAY
                    yield (i, badge_ids["VETERAN_1"], "RULE", "rule", None, min(at, NOW))
                if i in pioneers:
                    at = w.koc_since[i]
                    yield (i, badge_ids["PIONEER_1"], "MANUAL", "launch KOC", self.staff_id, at)

        await self.put(
            BadgeHolding,
            ("member_id", "badge_id", "source", "reason", "staff_id", "awarded_at"),
            holdings(),
        )
        await self.put(
            MemberKocRole,
            ("member_id", "role", "created_at"),
            ((m, r, w.koc_since[m]) for m, rs in w.koc_roles.items() for r in rs),
        )

    async def privileges(self) -> None:
        from koc.privileges.models import Privilege, PrivilegeGrant, PrivilegeKind

        w, rng = self.w, self.rng
        kinds = [PrivilegeKind.DISCOUNT, PrivilegeKind.AFTER_SALES, PrivilegeKind.GIFT]
        kinds += [PrivilegeKind.EVENT, PrivilegeKind.SERVICE, PrivilegeKind.OTHER]
        for_kocs, by_staff = [], []
        for n, kind in enumerate(kinds, start=1):
            p = await Privilege.create(
                code=f"BENCH_{kind.value}_{n}",
                name=f"{kind.value.title()} privilege",
                kind=kind,
                koc_roles=["*"] if n % 2 else [],
                grant_days=365,
            )
            (for_kocs if n % 2 else by_staff).append(p.id)
        kocs = set(w.active_kocs)

        def grants() -> Iterator[tuple]:
            # Every active KOC is eligible to the KOC privileges (granted on activation);
            # staff hand one of the others to a few members.
            for i in range(1, w.n + 1):
                if i in kocs:
                    at = w.koc_since[i]
                    for p in for_kocs:
                        yield (i, p, "AUTO", "", None, at, at + 365 * DAY)
                elif rng.random() < MANUAL_GRANT_SHARE:
                    at = between(rng, w.created[i], NOW)
                    p = rng.choice(by_staff)
                    yield (i, p, "MANUAL", "1-on-1 follow-up", self.staff_id, at, at + 365 * DAY)

        await self.put(
            PrivilegeGrant,
            ("member_id", "privilege_id", "source", "reason", "staff_id", "granted_at")
            + ("expires_at",),
            grants(),
        )

    async def referrals(self) -> None:
        from koc.referrals.models import (
            PointsEntry,
            ReferralAccount,
            ReferralAttempt,
            ReferralCode,
            ReferralConversion,
            ReferralReward,
            ReferralStep,
        )
        from koc.referrals.models import Referral as ReferralRow
        from koc.referrals.program import get_program, program_tiers
        from koc.referrals.rules import generate_code, period_start, tier_for

        w, rng = self.w, self.rng
        codes: dict[int, str] = {}
        seen: set[str] = set()
        for member_id in w.code_owners:
            code = generate_code(rng)
            while code in seen:
                code = generate_code(rng)
            seen.add(code)
            codes[member_id] = code
        await self.put(
            ReferralCode,
            ("code", "member_id", "generated_for", "created_at"),
            ((c, m, m, w.created[m]) for m, c in codes.items()),
        )
        await self.put(
            ReferralRow,
            ("id", "referrer_id", "referee_id", "code", "channel", "bound_at", "expires_at")
            + ("milestone", "milestone_at", "created_at"),
            (
                (r.id, r.referrer, r.referee, codes[r.referrer], r.channel, r.bound_at)
                + (r.expires_at, r.milestone, r.milestone_at, r.bound_at)
                for r in w.referrals
            ),
        )
        await self.put(
            ReferralAttempt,
            ("code", "referrer_id", "referee_id", "channel", "created_at"),
            (
                (codes[r.referrer], r.referrer, r.referee, r.channel, r.bound_at)
                for r in w.referrals
            ),
        )
        await self.put(
            ReferralStep,
            ("referral_id", "kind", "at", "order_id", "event_id"),
            ((r.id, *step) for r in w.referrals for step in r.steps),
        )
        # Conversions with their tier ordinal (the referrer's conversions in the program's
        # period up to this one), one points reward each, issued once the hold passed.
        program = await get_program()
        tiers = program_tiers(program)
        conversions, rewards = [], []
        points: dict[int, list[tuple[datetime, int, int]]] = {}  # member -> (at, reward, points)
        by_referrer = w.conversions_by_referrer()
        conversion_id = 0
        for referrer, rows in by_referrer.items():
            starts = [period_start(program.tier_period, r.converted[3]) for r in rows]  # type: ignore[index]
            for k, r in enumerate(rows):
                order_id, amount, category, at = r.converted  # type: ignore[misc]
                start = starts[k]
                ordinal = k + 1 - (bisect.bisect_left(starts, start) if start else 0)
                conversion_id += 1
                conversions.append(
                    (conversion_id, r.id, referrer, r.referee, order_id, amount, "CNY")
                    + (category, at, ordinal, at)
                )
                tier = tier_for(tiers, ordinal)
                due = at + w.hold
                issued = due if due <= NOW else None
                if tier.referrer_points:
                    rewards.append(
                        (conversion_id, r.id, referrer, "REFERRER", tier.referrer_points)
                        + (tier.from_conversion, due, issued, at)
                    )
        conversions.sort()
        await self.put(
            ReferralConversion,
            ("id", "referral_id", "referrer_id", "referee_id", "order_id", "amount_cents")
            + ("currency", "category", "occurred_at", "ordinal", "created_at"),
            conversions,
        )
        reward_rows = []
        for reward_id, (conv, referral, member, role, pts, tier, due, issued, at) in enumerate(
            rewards, start=1
        ):
            reward_rows.append(
                (reward_id, f"conversion:{conv}:{role}:POINTS", conv, referral, member, role)
                + ("POINTS", pts, tier, "ISSUED" if issued else "PENDING", due, issued, at)
            )
            if issued:
                points.setdefault(member, []).append((issued, reward_id, pts))
        await self.put(
            ReferralReward,
            ("id", "key", "conversion_id", "referral_id", "member_id", "role", "kind", "points")
            + ("tier", "status", "due_at", "issued_at", "created_at"),
            reward_rows,
        )
        entries, balances = [], {}
        for member, credits in points.items():
            balance = 0
            for at, reward_id, pts in sorted(credits):
                balance += pts
                entries.append((at, member, pts, balance, reward_id))
            balances[member] = balance
        entries.sort()
        await self.put(
            PointsEntry,
            ("member_id", "delta", "balance_after", "reason", "reference", "idempotency_key")
            + ("created_at",),
            (
                (m, pts, bal, "REFERRAL_REWARD", f"reward:{rid}", f"reward:{rid}", at)
                for at, m, pts, bal, rid in entries
            ),
        )
        # Accounts exist for the referrers (their conversions lock them) and for every member
        # whose KOC status changed (the creators hook copies the status).
        statuses = {m: "ACTIVE" for m in w.active_kocs} | {m: "CANDIDATE" for m in w.candidate_kocs}
        holders = sorted(set(by_referrer) | set(statuses))
        await self.put(
            ReferralAccount,
            ("member_id", "points_balance", "koc_status"),
            ((m, balances.get(m, 0), statuses.get(m, "")) for m in holders),
        )

    async def surveys(self) -> None:
        from bench.surveys_results import survey_spec
        from koc.auth.viewer import StaffViewer
        from koc.surveys import services
        from koc.surveys.models import SurveyKocRole

        await self.put(
            SurveyKocRole,
            ("member_id", "role"),
            ((m, r) for m, rs in self.w.koc_roles.items() for r in rs),
        )
        actor = StaffViewer(staff_id=self.staff_id, username=BENCH_STAFF, role=StaffRole.ADMIN)
        # The first survey gets the responses; the second is just out, so every member's home
        # screen lists an open survey even when they answered the first.
        published = []
        for title in (None, "How do owners charge at home?"):
            spec = survey_spec() if title is None else replace(survey_spec(), title=title)
            survey = await services.create_survey(spec, actor=actor)
            published.append(await services.publish_survey(survey.id, actor=actor))
        self.counts["survey"] = len(published)
        await self.survey_responses(published[0].id, published[0].current_version_id)

    async def survey_responses(self, survey_id: int, version_id: int) -> None:
        from koc.surveys import services
        from koc.surveys.models import (
            Interest,
            Survey,
            SurveyAnswer,
            SurveyAnswerPick,
            SurveyCategoryAnswer,
            SurveyParticipation,
            SurveyResponse,
            Timing,
        )

        rng = self.rng
        q = {question.key: question for question in await services.load_questions(version_id)}
        members = self.w.responders
        interests = list(Interest)
        timings = [t.value for t in Timing]
        await self.put(
            SurveyResponse,
            ("id", "survey_id", "version_id", "member_id", "channel", "submitted_at"),
            ((k, survey_id, version_id, m, "MINI_PROGRAM", NOW) for k, m in enumerate(members, 1)),
        )
        await self.put(
            SurveyParticipation,
            ("survey_id", "member_id", "responded_at", "created_at"),
            ((survey_id, m, NOW, NOW) for m in members),
        )
        recommend = (0, 3, 6, 7, 8, 9, 9, 10, 10)
        qids = [q[k].id for k in ("owned", "uses", "satisfaction", "recommend", "needs")]

        def answers() -> Iterator[tuple]:
            for k in range(1, len(members) + 1):
                yield (k, qids[0], None)
                yield (k, qids[1], None)
                yield (k, qids[2], rng.randint(1, 5))
                yield (k, qids[3], rng.choice(recommend))
                yield (k, qids[4], None)

        await self.put(SurveyAnswer, ("response_id", "question_id", "rating"), answers())
        owned, uses = q["owned"], q["uses"]

        def picks() -> Iterator[tuple]:
            for k in range(1, len(members) + 1):
                yield (k, owned.id, owned.options[0].id)
                for option in rng.sample(uses.options, rng.randint(1, 3)):
                    yield (k, uses.id, option.id)

        await self.put(SurveyAnswerPick, ("response_id", "question_id", "option_id"), picks())
        needs = q["needs"]

        def categories() -> Iterator[tuple]:
            for k, m in enumerate(members, 1):
                for option in needs.options:
                    interest = rng.choice(interests)
                    timing = rng.choice(timings) if interest is not Interest.NONE else None
                    yield (k, needs.id, option.id, m, interest.value, timing)

        await self.put(
            SurveyCategoryAnswer,
            ("response_id", "question_id", "option_id", "member_id", "interest", "timing"),
            categories(),
        )
        await Survey.filter(id=survey_id).update(response_count=len(members))


# --- the run ---------------------------------------------------------------------------------

FEATURES = ("creators", "badges", "privileges", "referrals", "surveys")


async def rebuild_referral_rollup() -> None:
    """The referral report's pre-aggregated rollup, when the tree has one: seeded rows bypass
    the hooks that keep it current."""
    try:
        from koc.referrals import rollup
    except ModuleNotFoundError as exc:
        if exc.name != "koc.referrals.rollup":
            raise
        return
    await rollup.rebuild()


# Steps that run once every table is written: state koc derives from the rows (rollups,
# caches). One place, so a feature that adds derived state adds its rebuild here.
POST_SEED: list[tuple[str, Callable[[], Awaitable[None]]]] = [
    ("referral rollup", rebuild_referral_rollup),
]


async def bulk_session(database_url: str) -> None:
    """Bulk-load settings on the seed connection only: the file is recreated on failure, so
    SQLite needs no journal and no fsync while it fills."""
    if is_postgres(database_url):
        return
    conn = connections.get("default")
    for pragma in (
        "journal_mode=OFF",
        "synchronous=OFF",
        "cache_size=-262144",
        "temp_store=MEMORY",
    ):
        await conn.execute_script(f"PRAGMA {pragma}")


async def restore_session(database_url: str) -> None:
    """What the bulk load left behind: serial sequences (PostgreSQL), the WAL journal (SQLite)."""
    if is_postgres(database_url):
        await fix_sequences()
    else:
        await connections.get("default").execute_script("PRAGMA journal_mode=WAL")


async def analyze(database_url: str) -> None:
    """PostgreSQL plans from statistics: gather them now rather than when autovacuum gets to
    it, so the first benchmark run plans like the later ones."""
    if is_postgres(database_url):
        await connections.get("default").execute_script("ANALYZE")


async def post_seed(database_url: str, lap: Callable[[str, float], None]) -> None:
    """The ``POST_SEED`` steps, then fresh statistics. Also run alone by ``--post-seed-only``
    on a database seeded before a step existed (or when one failed)."""
    for name, step in POST_SEED:
        start = time.perf_counter()
        await step()
        lap(name, start)
    start = time.perf_counter()
    await analyze(database_url)
    lap("analyze", start)


async def fix_sequences() -> None:
    """PostgreSQL: explicit ids leave serial sequences behind; move them past the seeded rows."""
    conn = connections.get("default")
    for app in Tortoise.apps.values():
        for model in app.values():
            table = model._meta.db_table
            pk = model._meta.pk.source_field or model._meta.pk_attr
            await conn.execute_script(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
                f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 0) + 1, false)'
            )


def stopwatch(timings: dict[str, float]) -> Callable[[str, float], None]:
    def lap(name: str, start: float) -> None:
        timings[name] = round(time.perf_counter() - start, 2)
        print(f"  {name:<16} {timings[name]:8.2f} s", flush=True)

    return lap


async def seed(
    database_url: str, members: int, seed_value: int, survey_responses: int
) -> dict[str, Any]:
    """Migrate and fill ``database_url``; returns what was written and how long it took."""
    settings = Settings(database_url=database_url)
    timings: dict[str, float] = {}
    lap = stopwatch(timings)
    start = time.perf_counter()
    await migrate_database(settings)
    lap("migrate", start)
    world = World(
        members,
        random.Random(seed_value),
        {app for app in FEATURES if app in APPS},
        window=timedelta(days=settings.referral_attribution_window_days),
        hold=timedelta(days=settings.referral_reward_hold_days),
    )
    start = time.perf_counter()
    world.plan(survey_responses)
    lap("plan", start)
    connect_all()  # the script changes data as the API does: every handler wired
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        if await Member.exists():
            raise SystemExit("The database already has members: seed an empty one.")
        await bulk_session(database_url)
        seeder = Seeder(world, Bulk(is_postgres(database_url)), settings.wechat_appid)
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [("foundation", seeder.foundation)]
        steps += [(app, getattr(seeder, app)) for app in FEATURES if app in world.features]
        for name, step in steps:
            start = time.perf_counter()
            await step()
            lap(name, start)
        # The rows are all in: make the database whole before steps that may fail.
        await restore_session(database_url)
        await post_seed(database_url, lap)
    finally:
        await Tortoise.close_connections()
    return {"members": members, "seed": seed_value, "rows": seeder.counts, "seconds": timings}


async def post_seed_only(database_url: str) -> dict[str, Any]:
    timings: dict[str, float] = {}
    connect_all()  # the script changes data as the API does: every handler wired
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await restore_session(database_url)
        await post_seed(database_url, stopwatch(timings))
    finally:
        await Tortoise.close_connections()
    return {"seconds": timings}


def fresh_sqlite(database_url: str) -> None:
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default=None, help="default sqlite://./var/bench-<members>.sqlite3"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--survey-responses", type=int, default=None, help="default: min(members, 100000)"
    )
    parser.add_argument(
        "--post-seed-only",
        action="store_true",
        help="on a seeded database, only run the post-seed steps (rollups) and ANALYZE",
    )
    args = parser.parse_args(argv)
    url = args.database_url or DEFAULT_URL.format(members=args.members)
    if args.post_seed_only:
        print(json.dumps(asyncio.run(post_seed_only(url)), indent=2))
        return 0
    if url.startswith("sqlite://"):
        fresh_sqlite(url)
    responses = (
        args.survey_responses if args.survey_responses is not None else min(args.members, 100_000)
    )
    start = time.perf_counter()
    summary = asyncio.run(seed(url, args.members, args.seed, responses))
    summary["total_seconds"] = round(time.perf_counter() - start, 1)
    summary["database_url"] = url.split("@")[-1]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
