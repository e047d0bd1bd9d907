"""``koc seed-demo``: a realistic demo brand, created through the real services.

The brand is Zhiyu Auto (智御汽车), an electric-car maker selling through its own showrooms
in Chinese cities, in the manner of NIO. Staff, a dealer-system partner token, tag groups,
WeChat members, their lifecycle history, orders and events are made with the same services the
API uses, so every hook fires and later features react to the demo as to real traffic. Then
each feature's own ``demo.seed(rng)`` adds its part (``FEATURE_SEEDERS``).

The demo uses the lifecycle pipeline of ``KOC_LIFECYCLE_TEMPLATE``. ``koc migrate`` creates it on a
fresh database; if the database has no member yet but the stages of another template, they are
replaced. A database that already has members keeps its stages, and the journeys are spread over
whatever pre-purchase stages it has.

Everything is drawn from ``random.Random(seed)``: the same seed gives the same brand. The
brand's literal data (cities, models, names, tags, notes) is in ``koc.demo_brand``.

About 600 lines on purpose: one seeder that tells the brand's story in order (staff, partner,
tag groups, members and their journeys, tags, then each feature), read top to bottom.
"""

from __future__ import annotations

import logging
import random
import string
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from koc.auth.models import PartnerToken, StaffUser
from koc.auth.services import create_partner_token, create_staff
from koc.auth.viewer import StaffViewer
from koc.badges import demo as badges_demo
from koc.consent.tags import apply_automatic_tags
from koc.creators import demo as creators_demo
from koc.demo_brand import (
    ARTICLES,
    BRAND,
    CHANNELS,
    CITIES,
    CONTENT,
    CURRENCY,
    DEMO_PARTNER,
    DEMO_PARTNER_SCOPES,
    DEMO_STAFF,
    EVENTS,
    FEMALE_GIVEN,
    HANDLES,
    LATIN_NAMES,
    MALE_GIVEN,
    MANUAL_NOTES,
    MODELS,
    PLATFORMS,
    SURNAMES,
    TAG_GROUPS,
    demo_password,
)
from koc.events import MemberLoggedIn, publish
from koc.jobs import NO_PROGRESS, JobResult, Progress
from koc.members.models import (
    Gender,
    LifecycleStage,
    Member,
    MemberIdentity,
    StageAutoRule,
    StageTransition,
    Tag,
    TagGroup,
    TagSource,
)
from koc.members.services import (
    apply_tags,
    create_tag,
    create_tag_group,
    ensure_stages,
    first_stage_id,
    set_member_stage,
)
from koc.members.stages import TEMPLATES
from koc.orders.models import MemberEvent, MemberEventKind, Order, OrderStatus
from koc.orders.services import (
    MemberRef,
    OrderInput,
    record_member_event,
    record_order,
    refund_order,
)
from koc.privileges import demo as privileges_demo
from koc.referrals import demo as referrals_demo
from koc.settings import Settings
from koc.surveys import demo as surveys_demo

log = logging.getLogger(__name__)

# In this order: the badges demo rewards the KOCs the creators demo makes.
FEATURE_SEEDERS = [creators_demo, badges_demo, privileges_demo, referrals_demo, surveys_demo]


def _weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[int]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def _token(rng: random.Random, prefix: str, length: int = 28) -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length - len(prefix)))


def _nickname(rng: random.Random, gender: Gender) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(FEMALE_GIVEN if gender is Gender.FEMALE else MALE_GIVEN)
    style = rng.random()
    if style < 0.45:
        return surname + given
    if style < 0.6:
        return "小" + surname
    if style < 0.75:
        return f"{rng.choice(LATIN_NAMES)} {surname}"
    if style < 0.9:
        return rng.choice(HANDLES)
    return surname + ("女士" if gender is Gender.FEMALE else "先生")


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = (
            "+861" + rng.choice("3456789") + "".join(rng.choice(string.digits) for _ in range(9))
        )
        if phone not in used:
            used.add(phone)
            return phone


def _budget_band(price_cny: int) -> str:
    if price_cny < 300_000:
        return "Under 300k CNY"
    return "300k-400k CNY" if price_cny <= 400_000 else "Over 400k CNY"


def _yuan(cents: int) -> str:
    return f"{cents / 100:,.2f} {CURRENCY}"


@dataclass
class Journey:
    """One demo member's story: how far down the funnel they got, and when."""

    member: Member
    city: str
    showroom: str
    channel_tag: str
    model: tuple[str, int, str]
    depth: int  # pre-purchase stages reached (1 = first stage only)
    buys: bool
    times: list[datetime] = field(default_factory=list)

    @property
    def ref(self) -> MemberRef:
        if self.member.unionid:
            return MemberRef(unionid=self.member.unionid)
        return MemberRef(phone=self.member.phone)


class Seeder:
    """The foundation part of the demo; each step is one real service call."""

    def __init__(self, settings: Settings, rng: random.Random) -> None:
        self.settings = settings
        self.rng = rng
        self.started = datetime.now(UTC)
        self.now = self.started - timedelta(hours=1)
        self.counters: Counter[str] = Counter()
        self.external_ids: Counter[str] = Counter()
        self.partner_id = 0  # set by partner()

    def _external_id(self, kind: str) -> str:
        self.external_ids[kind] += 1
        return f"DMS-{kind}-{self.external_ids[kind]:06d}"

    async def _backdate_transitions(self, member_id: int, at: datetime) -> None:
        # The services stamp transitions with the real time; the demo's history is in the past.
        # Only rows made in this run (created after ``started``) are touched.
        await StageTransition.filter(member_id=member_id, created_at__gte=self.started).update(
            created_at=at
        )

    # staff, partner --------------------------------------------------------------------

    async def staff(self) -> dict[str, StaffViewer]:
        viewers = {}
        for username, role in DEMO_STAFF:
            staff = await StaffUser.get_or_none(username=username)
            if staff is None:
                staff = await create_staff(username, demo_password(username), role)
                self.counters["staff"] += 1
            viewers[username] = StaffViewer(staff.id, staff.username, staff.role)
        return viewers

    async def partner(self, admin: StaffViewer) -> tuple[PartnerToken, str]:
        """The dealer system's token: it reports the demo's orders and events."""
        token, secret = await create_partner_token(
            DEMO_PARTNER, DEMO_PARTNER_SCOPES, None, actor=admin
        )
        self.partner_id = token.id
        return token, secret

    # tags ------------------------------------------------------------------------------

    async def tag_groups(self, admin: StaffViewer) -> dict[tuple[str, str], Tag]:
        """Create the demo's tag groups and tags (keeping any that exist by name)."""
        for name, family, exclusive, description, tags in TAG_GROUPS:
            group = await TagGroup.get_or_none(name=name)
            if group is None:
                group = await create_tag_group(name, family, exclusive, description, actor=admin)
            held = set(await Tag.filter(group_id=group.id).values_list("name", flat=True))
            for tag_name, visible, tag_description in tags:
                if tag_name not in held:
                    await create_tag(group.id, tag_name, visible, tag_description, actor=admin)
        tags = await Tag.filter(group__name__in=[g[0] for g in TAG_GROUPS]).prefetch_related(
            "group"
        )
        return {(t.group.name, t.name): t for t in tags}

    # members ---------------------------------------------------------------------------

    async def members(self, count: int, pre_stages: list[LifecycleStage]) -> list[Journey]:
        """WeChat members as a login creates them, plus a few prospects dealers reported."""
        rng = self.rng
        phones = set(await Member.filter(phone__isnull=False).values_list("phone", flat=True))
        journeys = []
        for _ in range(count):
            city, _, showroom = _weighted(rng, CITIES, [c[1] for c in CITIES])
            channel, channel_tag, _ = _weighted(rng, CHANNELS, [c[2] for c in CHANNELS])
            model = _weighted(rng, MODELS, [3, 4, 2, 2])
            gender = _weighted(rng, [Gender.MALE, Gender.FEMALE, Gender.UNKNOWN], [60, 37, 3])
            joined = self.now - timedelta(days=rng.uniform(14, 540))
            # How far down the funnel: most stop at the first stages, about 40% buy.
            buys = rng.random() < 0.4
            depth = (
                len(pre_stages)
                if buys
                else _weighted(
                    rng,
                    list(range(1, len(pre_stages) + 1)),
                    [50, 32, 18][: len(pre_stages)] + [10] * max(0, len(pre_stages) - 3),
                )
            )
            span = (self.now - joined).total_seconds()
            # Enough moments for every step a journey can take (articles, stages, orders, events).
            steps = len(pre_stages) + 12
            times = sorted(joined + timedelta(seconds=rng.uniform(0, span)) for _ in range(steps))
            prospect = rng.random() < 0.05
            if prospect:
                # A person who booked a test drive by phone before ever opening the mini-program:
                # the dealer's report creates the member (orders.services.resolve_member).
                phone = _phone(rng, phones)
                await record_member_event(
                    self.partner_id,
                    self._external_id("EVT"),
                    MemberRef(phone=phone),
                    MemberEventKind.STORE_VISIT,
                    joined,
                    {"store": showroom, "note": "Walk-in, left a phone number"},
                    self.settings.wechat_appid,
                )
                member = await Member.get(phone=phone)
                self.counters["prospects"] += 1
            else:
                member = await self._wechat_member(
                    gender=gender,
                    nickname=_nickname(rng, gender),
                    city=city,
                    channel=channel,
                    phone=_phone(rng, phones) if rng.random() < 0.8 else None,
                )
            await Member.filter(id=member.id).update(created_at=joined, last_active_at=times[-1])
            journeys.append(
                Journey(member, city, showroom, channel_tag, model, depth, buys, [joined, *times])
            )
        return journeys

    async def _wechat_member(
        self, *, gender: Gender, nickname: str, city: str, channel: str, phone: str | None
    ) -> Member:
        # What member_login does after code2Session answers (the demo has no WeChat server):
        # the member, this app's openid, then the login hook.
        async with in_transaction():
            member = await Member.create(
                unionid=_token(self.rng, "oU"),
                source_channel=channel,
                nickname=nickname,
                gender=gender,
                region=city,
                phone=phone,
                stage_id=await first_stage_id(),
            )
            await MemberIdentity.create(
                member_id=member.id,
                appid=self.settings.wechat_appid,
                openid=_token(self.rng, "oW"),
            )
            await publish(MemberLoggedIn(member=member, created=True, channel=channel))
        self.counters["wechat members"] += 1
        return member

    # journeys --------------------------------------------------------------------------

    async def journey(
        self, j: Journey, pre_stages: list[LifecycleStage], operator: StaffViewer
    ) -> None:
        """Walk one member down the funnel: staff move the stages, the dealer system reports
        what happened, and orders make owners through the automatic stage rules."""
        rng = self.rng
        model, price, _ = j.model
        clock = iter(j.times[1:])
        for article in rng.sample(ARTICLES, rng.randint(0, 3)):
            await self._event(j, MemberEventKind.ARTICLE_READ, next(clock), {"article": article})
        for index, stage in enumerate(pre_stages[: j.depth]):
            at = next(clock)
            if stage.id == j.member.stage_id:
                continue  # signed up on it
            if index == 1:
                await self._event(
                    j, MemberEventKind.TEST_DRIVE, at, {"model": model, "store": j.showroom}
                )
                reason = f"Test drive of the {model} at {j.showroom}"
            elif index == 2:
                deposit = 500_000
                await self._event(
                    j,
                    MemberEventKind.DEPOSIT_PAID,
                    at,
                    {"model": model, "amountCents": deposit, "currency": CURRENCY},
                )
                reason = f"Paid a {_yuan(deposit)} deposit for the {model}"
            else:
                reason = f"Moved on by the sales team at {j.showroom}"
            await set_member_stage(j.member.id, stage.code, reason, actor=operator)
            await self._backdate_transitions(j.member.id, at)
            self.counters["stage moves"] += 1
        if not j.buys:
            return
        # Delivery: the car price is the list price plus options, in cents.
        options = rng.choice([0, 8_000, 15_000, 30_000])
        await self._order(j, "vehicle", (price + options) * 100, next(clock))
        extras = [
            ("charger", 0.6, (3_000, 8_000)),
            ("insurance", 0.55, (6_000, 12_000)),
            ("accessories", 0.45, (200, 5_000)),
            ("service", 0.25, (500, 3_000)),
        ]
        for category, chance, (low, high) in extras:
            if rng.random() < chance:
                await self._order(j, category, rng.randint(low, high) * 100, next(clock))
        if rng.random() < 0.35:
            event = rng.choice(EVENTS)
            await self._event(
                j, MemberEventKind.EVENT_ATTENDED, next(clock), {"event": event, "city": j.city}
            )
        if rng.random() < 0.2:
            await self._event(
                j,
                MemberEventKind.CONTENT_POSTED,
                next(clock),
                {
                    "platform": rng.choice(PLATFORMS),
                    "title": rng.choice(CONTENT),
                    "likes": rng.randint(20, 5_000),
                },
            )

    async def _event(
        self, j: Journey, kind: MemberEventKind, at: datetime, payload: dict[str, Any]
    ) -> None:
        await record_member_event(
            self.partner_id,
            self._external_id("EVT"),
            j.ref,
            kind,
            at,
            payload,
            self.settings.wechat_appid,
        )
        self.counters[f"event {kind.value}"] += 1

    async def _order(self, j: Journey, category: str, amount_cents: int, at: datetime) -> None:
        recorded = await record_order(
            self.partner_id,
            OrderInput(
                external_id=self._external_id("ORD"),
                member=j.ref,
                amount_cents=amount_cents,
                currency=CURRENCY,
                category=category,
                occurred_at=at,
            ),
            self.settings.wechat_appid,
        )
        await self._backdate_transitions(j.member.id, at)
        self.counters["orders"] += 1
        self.counters[f"orders {category}"] += 1
        # A few accessories go back within the week (the return window other features respect).
        if category == "accessories" and self.rng.random() < 0.1:
            await refund_order(
                self.partner_id,
                self._external_id("REF"),
                recorded.obj.external_id,
                None,
                min(at + timedelta(days=self.rng.randint(1, 6)), self.now),
            )
            self.counters["refunds"] += 1

    # tags on members ---------------------------------------------------------------------

    async def member_tags(
        self, journeys: list[Journey], tags: dict[tuple[str, str], Tag], operator: StaffViewer
    ) -> None:
        """Automatic and event tags in batches, then staff notes from 1-on-1 chats."""
        rng = self.rng
        batches: dict[tuple[tuple[str, str], TagSource, str], list[int]] = defaultdict(list)
        bands = ["18-24", "25-34", "35-44", "45-54", "55+"]
        for j in journeys:
            mid = j.member.id
            if j.member.unionid:  # prospects have no WeChat profile
                batches[("Region", j.city), TagSource.AUTO, "WeChat profile"].append(mid)
                batches[("Source channel", j.channel_tag), TagSource.AUTO, "First login"].append(
                    mid
                )
                band = _weighted(rng, bands, [8, 38, 32, 16, 6])
                batches[("Age band", band), TagSource.EVENT, "Registration form"].append(mid)
            if j.depth >= 2:
                batches[("Activities", "Test drive"), TagSource.EVENT, "TEST_DRIVE event"].append(
                    mid
                )
            tier = "Explorer"
            if j.buys:
                orders = await Order.filter(member_id=mid).exclude(status=OrderStatus.REFUNDED)
                tier = "Gold" if len(orders) >= 3 else "Silver"
            batches[("Tier", tier), TagSource.AUTO, "Tier rule"].append(mid)
        for kind, tag_name in [
            (MemberEventKind.EVENT_ATTENDED, "Brand event"),
            (MemberEventKind.CONTENT_POSTED, "Content creator"),
            (MemberEventKind.ARTICLE_READ, "Reader"),
        ]:
            ids = await self._members_with_event(journeys, kind)
            batches[("Activities", tag_name), TagSource.EVENT, f"{kind.value} event"].extend(ids)
        async with in_transaction():
            for (key, source, cause), member_ids in batches.items():
                if member_ids:
                    self.counters["member tags"] += await apply_automatic_tags(
                        member_ids, [tags[key]], source=source, cause=cause
                    )
            # Sales staff write down what they learn in 1-on-1 chats with serious prospects.
            for j in journeys:
                if j.depth < 2 or rng.random() < 0.4:
                    continue
                for group in ["Budget", "Preference", "Previous car"]:
                    if rng.random() < 0.3:
                        continue
                    choices = [k for k in MANUAL_NOTES if k[0] == group]
                    if group == "Budget":
                        choices = [("Budget", _budget_band(j.model[1]))]
                    elif group == "Preference" and j.model[2] == "seven":
                        choices = [("Preference", "Space first")]
                    key = rng.choice(choices)
                    added = await apply_tags(
                        [j.member.id],
                        [tags[key]],
                        source=TagSource.MANUAL,
                        staff_id=operator.staff_id,
                        cause=rng.choice(MANUAL_NOTES[key]),
                    )
                    self.counters["member tags"] += added
                    self.counters["manual notes"] += added

    async def _members_with_event(
        self, journeys: list[Journey], kind: MemberEventKind
    ) -> list[int]:
        ids = [j.member.id for j in journeys]
        return list(
            await MemberEvent.filter(member_id__in=ids, kind=kind)
            .distinct()
            .values_list("member_id", flat=True)
        )


async def use_stage_template(template: str) -> bool:
    """Replace the lifecycle stages with ``template``'s when no member exists yet (the stages
    would otherwise be in use). True when the stages were replaced or created."""
    codes = [s.code for s in TEMPLATES[template]]
    current = list(await LifecycleStage.all().order_by("position").values_list("code", flat=True))
    if current == codes:
        return False
    if current and await Member.exists():
        return False
    async with in_transaction():
        await LifecycleStage.all().delete()
        await ensure_stages(template)
    return True


async def _pre_purchase_stages() -> list[LifecycleStage]:
    """The manual stages before the first purchase, in pipeline order."""
    stages = await LifecycleStage.all().order_by("position")
    first_order = next((s for s in stages if s.auto_rule is StageAutoRule.FIRST_ORDER), None)
    limit = first_order.position if first_order else len(stages)
    return [s for s in stages if s.auto_rule is None and s.position < limit]


async def _run_feature_seeders(seed: int, progress: Progress) -> tuple[list[str], int]:
    """Each feature's demo, in its own transaction: (summary lines, how many failed)."""
    lines = []
    failed = 0
    for module in FEATURE_SEEDERS:
        progress.advance()
        name = module.__name__
        # Each feature draws from its own generator, so adding a feature leaves the others'
        # data unchanged for a given seed.
        rng = random.Random(f"{seed}:{name}")
        try:
            async with in_transaction():
                summary = await module.seed(rng)
        except Exception as exc:  # noqa: BLE001 - one broken seeder must not hide the rest
            log.exception("demo seeder %s failed", name)
            lines.append(f"{name}: FAILED and rolled back ({type(exc).__name__}: {exc})")
            failed += 1
        else:
            lines.append(f"{name}: {summary}")
    return lines, failed


async def seed_demo(
    settings: Settings, members: int, seed: int, progress: Progress = NO_PROGRESS
) -> JobResult:
    """Fill the database with the demo brand; returns a summary for the terminal and how many
    feature seeders failed (each rolled back alone).

    Run on a database that already holds the demo, it changes nothing and says so.
    """
    if members < 1:
        raise ValueError("members must be at least 1")
    existing = await PartnerToken.get_or_none(name=DEMO_PARTNER)
    if existing is not None:
        return JobResult(
            f"The demo is already in this database (partner token '{DEMO_PARTNER}' "
            f"created {existing.created_at:%Y-%m-%d %H:%M} UTC, "
            f"{await Member.all().count()} members); nothing was added.\n"
            "Start from an empty database to seed it again."
        )
    rng = random.Random(seed)
    seeder = Seeder(settings, rng)
    replaced = await use_stage_template(settings.lifecycle_template)
    pre_stages = await _pre_purchase_stages()
    if not pre_stages:
        raise RuntimeError("The lifecycle pipeline has no stage before the first purchase.")

    progress.expect(members + len(FEATURE_SEEDERS))
    async with in_transaction():
        staff = await seeder.staff()
        token, secret = await seeder.partner(staff["admin"])
        tags = await seeder.tag_groups(staff["admin"])
        journeys = await seeder.members(members, pre_stages)
        for journey in journeys:
            await seeder.journey(journey, pre_stages, staff["operator"])
            progress.advance()
        await seeder.member_tags(journeys, tags, staff["operator"])

    feature_lines, failed = await _run_feature_seeders(seed, progress)
    summary = await _summary(seeder, token, secret, replaced, settings, seed, feature_lines)
    return JobResult(summary, {"members": members}, failed=failed)


async def _summary(
    seeder: Seeder,
    token: PartnerToken,
    secret: str,
    replaced: bool,
    settings: Settings,
    seed: int,
    feature_lines: list[str],
) -> str:
    c = seeder.counters
    stages = await LifecycleStage.all().order_by("position")
    per_stage = Counter(await Member.all().values_list("stage_id", flat=True))
    revenue = sum(
        await Order.filter(partner_id=token.id).values_list("amount_cents", flat=True)
    ) - sum(await Order.filter(partner_id=token.id).values_list("refunded_cents", flat=True))
    events = ", ".join(
        f"{k.removeprefix('event ')} {v}" for k, v in sorted(c.items()) if k.startswith("event ")
    )
    categories = ", ".join(
        f"{k.removeprefix('orders ')} {v}" for k, v in sorted(c.items()) if k.startswith("orders ")
    )
    staff_line = ", ".join(
        f"{name} / {demo_password(name)} ({role.value})" for name, role in DEMO_STAFF
    )
    pipeline = " -> ".join(f"{s.name} {per_stage.get(s.id, 0)}" for s in stages)
    lines = [
        f"Demo brand {BRAND}, seed {seed}:",
        f"  staff: {staff_line}"
        + ("" if c["staff"] == len(DEMO_STAFF) else f" ({c['staff']} new, others existed)"),
        f"  partner token '{token.name}' ({', '.join(token.scopes)}), shown once:",
        f"    {secret}",
        f"  pipeline ({settings.lifecycle_template}"
        + (", stages replaced" if replaced else "")
        + f"): {pipeline}",
        f"  members: {c['wechat members']} from WeChat, {c['prospects']} prospects reported by "
        f"dealers; {c['stage moves']} stage moves by staff",
        f"  orders: {c['orders']} ({categories}), {c['refunds']} refunds, "
        f"net revenue {_yuan(revenue)}",
        f"  events: {events}",
        f"  tags: {len(TAG_GROUPS)} groups, {c['member tags']} tags on members "
        f"({c['manual notes']} staff notes from 1-on-1 chats)",
        *(f"  {line}" for line in feature_lines),
        'Open /graphql and run staffLogin(username: "admin", password: "koc-demo-admin").',
    ]
    return "\n".join(lines)
