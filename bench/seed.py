"""Seed a benchmark database: N members with orders, events, tags, KOCs, badges, privileges,
referrals and survey responses, written in bulk straight into the tables (not through the API).

    python bench/seed.py --members 10000 --database-url sqlite://./var/bench-10k.sqlite3

SQLite files are recreated; a PostgreSQL database must be empty (create it first). The data is
deterministic for a given ``--seed``. Each feature is seeded only when its app is in
``koc.db.APPS``, so the script measures whatever the tree holds. Rows go through Tortoise's
``bulk_create`` (one multi-row INSERT per batch, every column default applied by the models), in
one transaction per table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise  # noqa: E402
from tortoise.connection import connections  # noqa: E402
from tortoise.models import Model  # noqa: E402
from tortoise.transactions import in_transaction  # noqa: E402

from koc.auth.models import PartnerToken, StaffRole, StaffUser  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import APPS, is_postgres, tortoise_config  # noqa: E402
from koc.members.models import (  # noqa: E402
    Gender,
    LifecycleStage,
    Member,
    MemberIdentity,
    MemberTag,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from koc.orders.models import MemberEvent, MemberEventKind, Order  # noqa: E402
from koc.settings import Settings  # noqa: E402

BATCH = 5_000
NOW = datetime(2026, 6, 1, tzinfo=UTC)  # fixed, so a seed gives the same rows every run
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
BENCH_PARTNER = "bench-partner"
BENCH_STAFF = "bench-admin"


def days_ago(rng: random.Random, most: int) -> datetime:
    return NOW - timedelta(days=rng.random() * most)


def chunks(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def insert(model: type[Model], rows: Iterable[Model]) -> int:
    """Bulk-insert model instances in batches inside one transaction; returns the row count."""
    count = 0
    async with in_transaction():
        for batch in chunks(rows):
            await model.bulk_create(batch)
            count += len(batch)
    return count


class Seeder:
    """Shared state of one seeding run: what later features need from earlier ones."""

    def __init__(self, members: int, rng: random.Random, appid: str) -> None:
        self.n = members
        self.rng = rng
        self.appid = appid
        self.counts: dict[str, int] = {}
        self.stage_ids: dict[str, int] = {}
        self.tag_ids: list[int] = []
        self.koc_members: list[int] = []  # ACTIVE KOCs
        self.koc_roles: dict[int, list[str]] = {}
        self.buyers: dict[int, list[tuple[int, int, str, datetime]]] = {}  # member -> orders
        self.staff_id = 0
        self.partner_id = 0

    def note(self, table: str, count: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + count

    # --- foundation ------------------------------------------------------------------------

    async def foundation(self) -> None:
        rng = self.rng
        staff = await StaffUser.create(
            username=BENCH_STAFF, password_hash="!unusable", role=StaffRole.ADMIN
        )
        partner = await PartnerToken.create(
            name=BENCH_PARTNER, prefix="bench", token_hash="bench-seeded", scopes=[]
        )
        self.staff_id, self.partner_id = staff.id, partner.id
        self.stage_ids = {s.code: s.id for s in await LifecycleStage.all()}
        for (name, family, exclusive), tags in TAG_GROUPS.items():
            group = await TagGroup.create(name=name, family=family, exclusive=exclusive)
            for tag in tags:
                t = await Tag.create(group=group, name=tag, member_visible=family is TagFamily.TIER)
                self.tag_ids.append(t.id)
        stage_codes = list(self.stage_ids)
        # Most members are early in the pipeline: weights fall along the stages.
        stage_weights = [max(1, 8 - 2 * i) for i in range(len(stage_codes))]
        stage_of = [
            self.stage_ids[c] for c in rng.choices(stage_codes, weights=stage_weights, k=self.n)
        ]

        def members() -> Iterator[Member]:
            for i in range(1, self.n + 1):
                created = days_ago(rng, 3 * 365)
                yield Member(
                    id=i,
                    unionid=f"bench-union-{i}",
                    phone=f"+86138{i:08d}" if rng.random() < 0.6 else None,
                    nickname=f"member {i}",
                    avatar_url=f"https://img.example.com/a/{i}.png",
                    gender=rng.choice(list(Gender)),
                    birthday=date(1960 + rng.randrange(45), rng.randint(1, 12), rng.randint(1, 28)),
                    region=rng.choice(REGIONS),
                    source_channel=rng.choice(CHANNELS),
                    stage_id=stage_of[i - 1],
                    created_at=created,
                    last_active_at=created + (NOW - created) * rng.random(),
                )

        self.note("member", await insert(Member, members()))
        self.note(
            "member_identity",
            await insert(
                MemberIdentity,
                (
                    MemberIdentity(member_id=i, appid=self.appid, openid=f"bench-open-{i}")
                    for i in range(1, self.n + 1)
                ),
            ),
        )

        def member_tags() -> Iterator[MemberTag]:
            for i in range(1, self.n + 1):
                for tag_id in rng.sample(self.tag_ids, rng.randint(0, 5)):
                    source = rng.choice(list(TagSource))
                    yield MemberTag(
                        member_id=i,
                        tag_id=tag_id,
                        source=source,
                        staff_id=self.staff_id if source is TagSource.MANUAL else None,
                        cause="1-on-1 chat" if source is TagSource.MANUAL else "",
                    )

        self.note("member_tag", await insert(MemberTag, member_tags()))

        order_counts: dict[int, int] = {}

        def orders() -> Iterator[Order]:
            external = 0
            for i in range(1, self.n + 1):
                if rng.random() >= 0.4:
                    continue
                for _ in range(rng.choice((1, 1, 2, 3, 4, 4))):
                    external += 1
                    category = rng.choice(CATEGORIES)
                    amount = PRICES.get(category, 100_000) + rng.randrange(100_000)
                    at = days_ago(rng, 2 * 365)
                    order_counts[i] = order_counts.get(i, 0) + 1
                    self.buyers.setdefault(i, []).append((external, amount, category, at))
                    yield Order(
                        id=external,
                        partner_id=self.partner_id,
                        external_id=f"bench-o-{external}",
                        member_id=i,
                        amount_cents=amount,
                        currency="CNY",
                        category=category,
                        occurred_at=at,
                        fingerprint="seeded",
                    )

        self.note("order", await insert(Order, orders()))
        # Denormalised order_count, as ingestion keeps it.
        by_count: dict[int, list[int]] = {}
        for member_id, count in order_counts.items():
            by_count.setdefault(count, []).append(member_id)
        async with in_transaction():
            for count, ids in by_count.items():
                for batch in chunks(ids, 900):
                    await Member.filter(id__in=batch).update(order_count=count)

        def events() -> Iterator[MemberEvent]:
            external = 0
            kinds = list(MemberEventKind)
            for i in range(1, self.n + 1):
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                    external += 1
                    yield MemberEvent(
                        partner_id=self.partner_id,
                        external_id=f"bench-e-{external}",
                        member_id=i,
                        kind=rng.choice(kinds),
                        occurred_at=days_ago(rng, 2 * 365),
                        payload={"store": f"S{rng.randrange(50)}"},
                        fingerprint="seeded",
                    )

        self.note("member_event", await insert(MemberEvent, events()))

    # --- features, each only when its app is installed ---------------------------------------

    async def creators(self) -> None:
        from koc.creators.models import KocProfile, KocRole, KocRoleGrant, KocStatus, MemberSignals

        rng = self.rng
        roles = list(KocRole)
        profiles: list[KocProfile] = []
        grants: list[KocRoleGrant] = []
        sequence = 0
        for i in range(1, self.n + 1):
            draw = rng.random()
            if draw >= 0.02:
                continue
            status = KocStatus.ACTIVE if draw < 0.01 else KocStatus.CANDIDATE
            changed = days_ago(rng, 365)
            profile = KocProfile(member_id=i, status=status, status_changed_at=changed)
            if status is KocStatus.ACTIVE:
                sequence += 1
                profile.activated_at = changed
                profile.certificate_number = f"KOC-2026-{sequence:06d}"
                profile.certificate_issued_at = changed
                held = sorted(rng.sample([r.value for r in roles], rng.randint(1, 2)))
                self.koc_members.append(i)
                self.koc_roles[i] = held
                grants += [
                    KocRoleGrant(member_id=i, role=KocRole(r), staff_id=self.staff_id) for r in held
                ]
            profiles.append(profile)
        self.note("koc_profile", await insert(KocProfile, profiles))
        self.note("koc_role_grant", await insert(KocRoleGrant, grants))
        kocs = set(self.koc_members)

        def signals() -> Iterator[MemberSignals]:
            for i in range(1, self.n + 1):
                orders = self.buyers.get(i, [])
                posts = rng.choice((0, 0, 0, 1, 2, 5))
                events = rng.choice((0, 0, 1, 2))
                overall = min(100.0, 12 * len(orders) + 8 * posts + 6 * events + rng.random() * 10)
                yield MemberSignals(
                    member_id=i,
                    order_count=len(orders),
                    order_cents=sum(o[1] for o in orders),
                    first_order_at=min((o[3] for o in orders), default=None),
                    content_posts=posts,
                    events_attended=events,
                    last_active_at=days_ago(rng, 365),
                    is_koc=i in kocs,
                    score_overall=round(overall, 2),
                    score_content=round(overall * rng.uniform(0.5, 1.2), 2),
                    score_experience=round(overall * rng.uniform(0.5, 1.2), 2),
                    score_co_creation=round(overall * rng.uniform(0.5, 1.2), 2),
                    scored_at=NOW,
                )

        self.note("koc_member_signals", await insert(MemberSignals, signals()))

    async def badges(self) -> None:
        from koc.badges.models import AwardSource, Badge, BadgeHolding, BadgeRule, MemberKocRole

        rng = self.rng
        defs = (
            [("AMBASSADOR", level, BadgeRule.REFERRALS_CONVERTED, level * 3) for level in (1, 2, 3)]
            + [("CREATOR", level, BadgeRule.SUBMISSIONS_APPROVED, level * 5) for level in (1, 2)]
            + [
                ("VETERAN", 1, BadgeRule.YEARS_SINCE_FIRST_ORDER, 1),
                ("PIONEER", 1, BadgeRule.MANUAL, 0),
            ]
        )
        badge_ids = []
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
            badge_ids.append(badge.id)
        kocs = set(self.koc_members)

        def holdings() -> Iterator[BadgeHolding]:
            for i in range(1, self.n + 1):
                k = (
                    rng.randint(2, 4)
                    if i in kocs
                    else (rng.randint(1, 2) if rng.random() < 0.05 else 0)
                )
                for badge_id in rng.sample(badge_ids, k):
                    yield BadgeHolding(
                        member_id=i,
                        badge_id=badge_id,
                        source=AwardSource.RULE,
                        reason="rule",
                        awarded_at=days_ago(rng, 365),
                    )

        self.note("badge_holding", await insert(BadgeHolding, holdings()))
        self.note(
            "badge_member_koc_role",
            await insert(
                MemberKocRole,
                (
                    MemberKocRole(member_id=m, role=r)
                    for m, rs in self.koc_roles.items()
                    for r in rs
                ),
            ),
        )

    async def privileges(self) -> None:
        from koc.privileges.models import GrantSource, Privilege, PrivilegeGrant, PrivilegeKind

        rng = self.rng
        kinds = [PrivilegeKind.DISCOUNT, PrivilegeKind.AFTER_SALES, PrivilegeKind.GIFT]
        kinds += [PrivilegeKind.EVENT, PrivilegeKind.SERVICE, PrivilegeKind.OTHER]
        privilege_ids = []
        for n, kind in enumerate(kinds, start=1):
            p = await Privilege.create(
                code=f"BENCH_{kind.value}_{n}",
                name=f"{kind.value.title()} privilege",
                kind=kind,
                koc_roles=["*"] if n % 2 else [],
                grant_days=365,
            )
            privilege_ids.append(p.id)
        kocs = set(self.koc_members)

        def grants() -> Iterator[PrivilegeGrant]:
            for i in range(1, self.n + 1):
                k = rng.randint(2, 4) if i in kocs else (1 if rng.random() < 0.02 else 0)
                for privilege_id in rng.sample(privilege_ids, k):
                    granted = days_ago(rng, 200)
                    yield PrivilegeGrant(
                        member_id=i,
                        privilege_id=privilege_id,
                        source=GrantSource.AUTO,
                        granted_at=granted,
                        expires_at=granted + timedelta(days=365),
                    )

        self.note("privilege_grant", await insert(PrivilegeGrant, grants()))

    async def referrals(self) -> None:
        from koc.referrals.models import (
            ConversionStatus,
            Milestone,
            Referral,
            ReferralAccount,
            ReferralChannel,
            ReferralCode,
            ReferralConversion,
        )
        from koc.referrals.rules import generate_code

        rng = self.rng
        referrers = sorted(
            set(self.koc_members) | set(rng.sample(range(1, self.n + 1), self.n // 10))
        )
        codes: dict[int, str] = {}
        seen: set[str] = set()
        for member_id in referrers:
            code = generate_code(rng)
            while code in seen:
                code = generate_code(rng)
            seen.add(code)
            codes[member_id] = code
        self.note(
            "referral_code",
            await insert(
                ReferralCode,
                (
                    ReferralCode(
                        code=c, member_id=m, generated_for=m, created_at=days_ago(rng, 700)
                    )
                    for m, c in codes.items()
                ),
            ),
        )
        # KOCs bring most referees: weight them ten to one.
        kocs = set(self.koc_members)
        weights = [10 if m in kocs else 1 for m in referrers]
        referee_pool = [m for m in range(1, self.n + 1) if m not in codes]
        referees = rng.sample(referee_pool, min(len(referee_pool), self.n // 8))
        chosen = rng.choices(referrers, weights=weights, k=len(referees))
        referral_rows: list[Referral] = []
        for referee, referrer in zip(referees, chosen, strict=True):
            bound = days_ago(rng, 700)
            converted = referee in self.buyers
            referral_rows.append(
                Referral(
                    id=len(referral_rows) + 1,
                    referrer_id=referrer,
                    referee_id=referee,
                    code=codes[referrer],
                    channel=rng.choice(list(ReferralChannel)),
                    bound_at=bound,
                    expires_at=bound + timedelta(days=180),
                    milestone=Milestone.CONVERTED if converted else Milestone.LEAD,
                    milestone_at=bound,
                )
            )
        self.note("referral", await insert(Referral, referral_rows))

        def conversions() -> Iterator[ReferralConversion]:
            for r in referral_rows:
                for ordinal, (order_id, amount, category, at) in enumerate(
                    sorted(self.buyers.get(r.referee_id, []), key=lambda o: o[3]), start=1
                ):
                    yield ReferralConversion(
                        referral_id=r.id,
                        referrer_id=r.referrer_id,
                        referee_id=r.referee_id,
                        order_id=order_id,
                        amount_cents=amount,
                        currency="CNY",
                        category=category,
                        occurred_at=at,
                        status=ConversionStatus.ACTIVE,
                        ordinal=ordinal,
                    )

        self.note("referral_conversion", await insert(ReferralConversion, conversions()))
        self.note(
            "referral_account",
            await insert(
                ReferralAccount,
                (
                    ReferralAccount(
                        member_id=m,
                        points_balance=rng.randrange(0, 5000),
                        koc_status="ACTIVE" if m in kocs else "",
                    )
                    for m in referrers
                ),
            ),
        )

    async def surveys(self) -> None:
        from bench.surveys_results import survey_spec
        from koc.auth.viewer import StaffViewer
        from koc.surveys import services
        from koc.surveys.models import SurveyKocRole

        self.note(
            "survey_koc_role",
            await insert(
                SurveyKocRole,
                (
                    SurveyKocRole(member_id=m, role=r)
                    for m, rs in self.koc_roles.items()
                    for r in rs
                ),
            ),
        )
        actor = StaffViewer(staff_id=self.staff_id, username=BENCH_STAFF, role=StaffRole.ADMIN)
        survey = await services.create_survey(survey_spec(), actor=actor)
        await services.publish_survey(survey.id, actor=actor)
        self.note("survey", 1)

    async def survey_responses(self, survey_id: int, version_id: int, count: int) -> None:
        from koc.surveys import services
        from koc.surveys.models import Interest, Timing

        rng = self.rng
        questions = {q.key: q for q in await services.load_questions(version_id)}
        members = rng.sample(range(1, self.n + 1), min(count, self.n))
        responses, answers, picks, categories = [], [], [], []
        answer_id = 0
        for response_id, member_id in enumerate(members, start=1):
            responses.append((response_id, survey_id, version_id, member_id, NOW))
            facts = [
                (questions["owned"].id, None, None),
                (questions["uses"].id, None, None),
                (questions["satisfaction"].id, rng.randint(1, 5), None),
                (questions["recommend"].id, rng.choice([0, 3, 6, 7, 8, 9, 9, 10, 10]), None),
                (questions["needs"].id, None, None),
            ]
            for question_id, rating, text in facts:
                answer_id += 1
                answers.append((answer_id, response_id, question_id, rating, text))
            picks.append((response_id, questions["owned"].id, questions["owned"].options[0].id))
            uses = rng.sample(questions["uses"].options, rng.randint(1, 3))
            picks += [(response_id, questions["uses"].id, o.id) for o in uses]
            for option in questions["needs"].options:
                interest = rng.choice(list(Interest))
                timing = rng.choice(list(Timing)).value if interest is not Interest.NONE else None
                categories.append(
                    (
                        response_id,
                        questions["needs"].id,
                        option.id,
                        member_id,
                        interest.value,
                        timing,
                        None,
                    )
                )
        await raw_insert(
            "survey_response",
            (
                "id",
                "survey_id",
                "version_id",
                "member_id",
                "channel",
                "interviewer_name",
                "notes",
                "submitted_at",
            ),
            [(r[0], r[1], r[2], r[3], "MINI_PROGRAM", "", "", r[4]) for r in responses],
        )
        await raw_insert(
            "survey_answer", ("id", "response_id", "question_id", "rating", "text"), answers
        )
        await raw_insert("survey_answer_pick", ("response_id", "question_id", "option_id"), picks)
        await raw_insert(
            "survey_category_answer",
            (
                "response_id",
                "question_id",
                "option_id",
                "member_id",
                "interest",
                "timing",
                "price_band",
            ),
            categories,
        )
        from koc.surveys.models import Survey

        await Survey.filter(id=survey_id).update(response_count=len(responses))
        self.note("survey_response", len(responses))


async def raw_insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Tables without a model-level convenience (the survey answer facts): plain executemany."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    marks = ", ".join(f"${i + 1}" if pg else "?" for i in range(len(columns)))
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
    async with in_transaction() as tx:
        for batch in chunks(rows, 50_000):
            if not pg:
                batch = [
                    tuple(v.isoformat(" ") if isinstance(v, datetime) else v for v in r)
                    for r in batch
                ]
            await tx.execute_many(sql, batch)


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


FEATURES: dict[str, str] = {
    "creators": "creators",
    "badges": "badges",
    "privileges": "privileges",
    "referrals": "referrals",
    "surveys": "surveys",
}


async def seed(
    database_url: str, members: int, seed_value: int, survey_responses: int
) -> dict[str, Any]:
    """Migrate and fill ``database_url``; returns what was written and how long it took."""
    settings = Settings(database_url=database_url)
    await migrate_database(settings)
    await Tortoise.init(config=tortoise_config(database_url))
    timings: dict[str, float] = {}
    try:
        if await Member.exists():
            raise SystemExit("The database already has members: seed an empty one.")
        seeder = Seeder(members, random.Random(seed_value), settings.wechat_appid)
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [("foundation", seeder.foundation)]
        steps += [(app, getattr(seeder, method)) for app, method in FEATURES.items() if app in APPS]
        for name, step in steps:
            start = time.perf_counter()
            await step()
            timings[name] = round(time.perf_counter() - start, 2)
            print(f"  {name:<12} {timings[name]:8.2f} s", flush=True)
        if "surveys" in APPS:
            from koc.surveys.models import Survey

            survey = await Survey.get(title__not="").order_by("id").first()
            start = time.perf_counter()
            await seeder.survey_responses(survey.id, survey.current_version_id, survey_responses)
            timings["survey_responses"] = round(time.perf_counter() - start, 2)
            print(f"  {'responses':<12} {timings['survey_responses']:8.2f} s", flush=True)
        if is_postgres(database_url):
            await fix_sequences()
    finally:
        await Tortoise.close_connections()
    return {"members": members, "seed": seed_value, "rows": seeder.counts, "seconds": timings}


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
        "--database-url", default=None, help="default sqlite://./var/bench-<N>.sqlite3"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--survey-responses", type=int, default=None, help="default: min(members, 100000)"
    )
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite://./var/bench-{args.members}.sqlite3"
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
