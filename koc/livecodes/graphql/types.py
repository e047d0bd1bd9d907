"""GraphQL types of live codes (staff only: members never read a live code's configuration)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import strawberry
from strawberry import relay

from koc.auth.viewer import is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import by_key, group_by_key, loader
from koc.graphql.permissions import forbidden
from koc.livecodes import models, reports, rules
from koc.livecodes.errors import LiveCodeErrorCode

LiveCodeKind = enum_type(
    models.LiveCodeKind,
    "Where a live code sends the people who scan it.",
    GROUP="To the first of its group QR codes that is neither full nor expired.",
    ADVISOR="To a WeCom contact way over its advisors; who adds one becomes their member.",
    MINI_PROGRAM="Into a mini-program page, with the code as the scene of the first login.",
)
LiveCodeError = error_type("LiveCodeError", LiveCodeErrorCode, "A problem with a live code change.")


def _staff_only(info: Info) -> None:
    if not is_staff(info.context.viewer):
        raise forbidden()


def public_base(info: Info) -> str:
    base = info.context.settings.public_base_url or str(info.context.request.base_url)
    return base.rstrip("/")


async def load_codes(ids: Sequence[int]) -> list[models.LiveCode | None]:
    return by_key(await models.LiveCode.filter(id__in=list(ids)), ids, lambda c: c.id)


async def load_targets(code_ids: Sequence[int]) -> list[list[models.LiveCodeTarget]]:
    rows = await models.LiveCodeTarget.filter(live_code_id__in=list(code_ids)).order_by(
        "position", "id"
    )
    return group_by_key(rows, code_ids, lambda t: t.live_code_id)


async def load_target_rows(ids: Sequence[int]) -> list[models.LiveCodeTarget | None]:
    return by_key(await models.LiveCodeTarget.filter(id__in=list(ids)), ids, lambda t: t.id)


async def load_advisors(code_ids: Sequence[int]) -> list[list[models.LiveCodeAdvisor]]:
    rows = await models.LiveCodeAdvisor.filter(live_code_id__in=list(code_ids)).order_by("id")
    return group_by_key(rows, code_ids, lambda a: a.live_code_id)


@strawberry.type(description="A group QR code a GROUP live code serves until full or expired.")
class LiveCodeTarget(relay.Node):
    id: relay.NodeID[int]
    position: int = strawberry.field(description="Order of service: the lowest usable first.")
    label: str = strawberry.field(description="What staff call it, e.g. the group's name.")
    image_url: str = strawberry.field(
        description="The group QR image: the URL given, or koc's URL of the uploaded image."
    )
    capacity: int = strawberry.field(description="Scanners it takes before the next one serves.")
    expires_at: datetime = strawberry.field(description="When the group QR expires (UTC).")
    served: int = strawberry.field(description="Scanners sent to it so far (its arrivals).")
    active: bool = strawberry.field(description="False once staff switched it off.")

    @strawberry.field(description="Served now if it comes first: active, not full, not expired.")
    def usable(self) -> bool:
        return self.active and self.served < self.capacity and self.expires_at > datetime.now(UTC)

    @classmethod
    def from_model(cls, t: models.LiveCodeTarget, slug: str = "", base: str = "") -> LiveCodeTarget:
        image = f"{base}/c/{slug}/t/{t.id}" if t.image_data is not None else t.image_url
        return cls(
            id=t.id,
            position=t.position,
            label=t.label,
            image_url=image,
            capacity=t.capacity,
            expires_at=t.expires_at,
            served=t.served,
            active=t.active,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LiveCodeTarget | None]:
        _staff_only(info)
        rows = await loader(info, load_target_rows).load_many([int(i) for i in node_ids])
        codes = await loader(info, load_codes).load_many(
            [r.live_code_id for r in rows if r]  # type: ignore[attr-defined]
        )
        slug = {c.id: c.slug for c in codes if c}
        base = public_base(info)
        return [
            cls.from_model(r, slug[r.live_code_id], base) if r else None  # type: ignore[attr-defined]
            for r in rows
        ]


@strawberry.type(description="An advisor of an ADVISOR live code.")
class LiveCodeAdvisor:
    wecom_userid: str = strawberry.field(description="The advisor's WeCom userid.")
    staff_id: relay.GlobalID | None = strawberry.field(
        description="The advisor's koc StaffUser, when known."
    )


@strawberry.type(
    description="A live code (活码): one permanent URL and QR that routes each scanner to a "
    "current target and attributes who arrives to its channel."
)
class LiveCode(relay.Node):
    id: relay.NodeID[int]
    slug: str = strawberry.field(description="The permanent URL is /c/{slug}.")
    name: str = strawberry.field(description="What staff call it.")
    kind: LiveCodeKind = strawberry.field(description="Where it sends scanners.")  # type: ignore[valid-type]
    channel: str = strawberry.field(description="The channel it stands for: poster, store...")
    tag_ids: list[relay.GlobalID] = strawberry.field(
        description="Tags added to whoever arrives through it (members who allow profiling)."
    )
    owner_member_id: relay.GlobalID | None = strawberry.field(
        description="The KOC whose code it is: a new member's first login binds their referral."
    )
    low_targets: int = strawberry.field(
        description="GROUP: warn when fewer usable targets than this remain."
    )
    running_low: bool = strawberry.field(
        description="GROUP: fewer usable targets than lowTargets remained at the last check."
    )
    page: str = strawberry.field(description="MINI_PROGRAM: the page it opens.")
    url_link: str = strawberry.field(
        description="MINI_PROGRAM: the WeChat URL Link the page redirects to (made on first scan)."
    )
    url_scheme: str = strawberry.field(
        description="MINI_PROGRAM: the WeChat URL Scheme (weixin://) for SMS and other apps, "
        "made with the URL Link."
    )
    url_link_expires_at: datetime | None = strawberry.field(
        description="MINI_PROGRAM: when the URL Link and Scheme lapse (renewed a day before)."
    )
    wecom_config_id: str = strawberry.field(description="ADVISOR: WeCom's id of the contact way.")
    wecom_qr_code: str = strawberry.field(description="ADVISOR: the contact way's QR image URL.")
    active: bool = strawberry.field(description="False: its URL answers 404.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    base: strawberry.Private[str]

    @strawberry.field(description="The permanent URL to print (as a QR code).")
    def url(self) -> str:
        return f"{self.base}/c/{self.slug}"

    @strawberry.field(description="The QR image of url: PNG.")
    def qr_png_url(self) -> str:
        return f"{self.base}/c/{self.slug}/qr.png"

    @strawberry.field(description="The QR image of url: SVG (add ?logo=1 for the brand logo).")
    def qr_svg_url(self) -> str:
        return f"{self.base}/c/{self.slug}/qr.svg"

    @strawberry.field(description="The scene (and WeCom state) naming this code: lc-{slug}.")
    def scene(self) -> str:
        return rules.scene_of(self.slug)

    @strawberry.field(description="GROUP: its group QR codes, in order of service.")
    async def targets(self, info: Info) -> list[LiveCodeTarget]:
        rows = await loader(info, load_targets).load(self.id)
        return [LiveCodeTarget.from_model(t, self.slug, self.base) for t in rows]

    @strawberry.field(description="ADVISOR: its advisors.")
    async def advisors(self, info: Info) -> list[LiveCodeAdvisor]:
        rows = await loader(info, load_advisors).load(self.id)
        return [
            LiveCodeAdvisor(
                wecom_userid=a.wecom_userid,
                staff_id=relay.GlobalID("StaffUser", str(a.staff_id)) if a.staff_id else None,  # type: ignore[attr-defined]
            )
            for a in rows
        ]

    @classmethod
    def from_model(cls, c: models.LiveCode, base: str) -> LiveCode:
        owner = c.owner_member_id  # type: ignore[attr-defined]
        return cls(
            id=c.id,
            slug=c.slug,
            name=c.name,
            kind=c.kind,
            channel=c.channel,
            tag_ids=[relay.GlobalID("Tag", str(t)) for t in c.tag_ids],
            owner_member_id=relay.GlobalID("Member", str(owner)) if owner else None,
            low_targets=c.low_targets,
            running_low=c.warned_low,
            page=c.page,
            url_link=c.url_link,
            url_scheme=c.url_scheme,
            url_link_expires_at=c.url_link_expires_at,
            wecom_config_id=c.wecom_config_id,
            wecom_qr_code=c.wecom_qr_code,
            active=c.active,
            created_at=c.created_at,
            base=base,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LiveCode | None]:
        _staff_only(info)
        rows = await loader(info, load_codes).load_many([int(i) for i in node_ids])
        base = public_base(info)
        return [cls.from_model(r, base) if r else None for r in rows]


LiveCodeGroupBy = enum_type(
    reports.LiveCodeGroupBy,
    "How a live code report splits its rows.",
    CODE="One row per live code.",
    CHANNEL="One row per channel, summing its codes.",
)


@strawberry.type(description="What a live code, or a channel's codes, brought in the period.")
class LiveCodeReportRow:
    key: str = strawberry.field(description="The code's slug, or the channel; total for totals.")
    live_code_id: relay.GlobalID | None = strawberry.field(
        description="The LiveCode of a CODE row; null for channel rows and totals."
    )
    channel: str = strawberry.field(description="The channel; empty for totals.")
    scans: int = strawberry.field(description="Scans of its page counted (bots and floods not).")
    arrivals: int = strawberry.field(
        description="Members who arrived through it: by a login with its scene or by adding "
        "its advisor on WeCom."
    )
    members_created: int = strawberry.field(description="Arrivals who were new members.")
    referrals_bound: int = strawberry.field(description="Arrivals referred by the code's KOC.")
    members_ordered: int = strawberry.field(
        description="Arrivals with a standing order placed after they arrived (a member who "
        "arrived through two codes counts for each)."
    )
    revenue_cents: int = strawberry.field(
        description="Net revenue (paid minus refunded) of those orders, in cents."
    )

    @classmethod
    def from_row(cls, r: reports.LiveCodeReportRow) -> LiveCodeReportRow:
        return cls(
            key=r.key,
            live_code_id=relay.GlobalID("LiveCode", str(r.live_code_id))
            if r.live_code_id
            else None,
            channel=r.channel,
            scans=r.scans,
            arrivals=r.arrivals,
            members_created=r.members_created,
            referrals_bound=r.referrals_bound,
            members_ordered=r.members_ordered,
            revenue_cents=r.revenue_cents,
        )


@strawberry.type(description="Scans, arrivals and what they led to, per live code or channel.")
class LiveCodeReport:
    currency: str = strawberry.field(description="The currency of revenueCents.")
    totals: LiveCodeReportRow = strawberry.field(description="Every code together.")
    rows: list[LiveCodeReportRow] = strawberry.field(description="One row per code or channel.")

    @classmethod
    def from_report(cls, r: reports.LiveCodeReport) -> LiveCodeReport:
        return cls(
            currency=r.currency,
            totals=LiveCodeReportRow.from_row(r.totals),
            rows=[LiveCodeReportRow.from_row(row) for row in r.rows],
        )
