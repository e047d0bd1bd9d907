"""The floor: the mini-program home screen as a hand-written Starlette endpoint.

Same JSON as koc's ``HOME_QUERY`` (bench/queries.py), same JWT check, the same database driver
(sqlite3 on the event loop's thread as koc runs it, or asyncpg) and the minimal SQL a REST service would run: one statement per part of
the screen, no ORM, no GraphQL. ``bench/run.py`` serves it with uvicorn next to koc:

    KOC_DATABASE_URL=sqlite://./var/bench-10000.sqlite3 \
        uvicorn --factory bench.handwritten:create_app --port 8101
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from koc.auth.tokens import ALGORITHM, MEMBER_AUDIENCE
from koc.creators.models import KocRole
from koc.db import is_postgres
from koc.settings import Settings, get_settings

MEMBER = (
    "SELECT m.id, m.nickname, m.avatar_url, m.region, m.order_count, s.code, s.name "
    "FROM member m LEFT JOIN lifecycle_stage s ON s.id = m.stage_id WHERE m.id = ?"
)
# Each ORDER BY is the one of koc's DataLoader, ties included: the JSON must match exactly.
KOC = "SELECT status, certificate_number FROM koc_profile WHERE member_id = ?"
KOC_ROLES = "SELECT role FROM koc_role_grant WHERE member_id = ?"
BADGES = (
    "SELECT h.awarded_at, b.code, b.name FROM badge_holding h JOIN badge b ON b.id = h.badge_id "
    "WHERE h.member_id = ? AND h.revoked_at IS NULL ORDER BY h.awarded_at, h.id"
)
# Active and unexpired grants are picked in Python, as koc does: with a status filter in SQL,
# SQLite (no statistics) walks the status-and-expiry index of every grant instead of the
# member's own few rows, 50 ms at a million members.
GRANTS = (
    "SELECT g.expires_at, p.code, p.name, g.status FROM privilege_grant g "
    "JOIN privilege p ON p.id = g.privilege_id WHERE g.member_id = ? "
    "ORDER BY g.granted_at DESC, g.id"
)
CODE = "SELECT code FROM referral_code WHERE generated_for = ?"
REFERRALS = "SELECT COUNT(*) FROM referral WHERE referrer_id = ?"
POINTS = "SELECT points_balance FROM referral_account WHERE member_id = ?"
# The audiences the bench's surveys have: everyone (no rule, no segment) or a list of members. A
# rule's audience is compiled by koc.segments; the floor refuses such a survey (see home) rather
# than compare koc's rule work with none.
OPEN_SURVEYS = (
    "SELECT s.id, s.audience_mode, s.audience_rule IS NULL AND s.audience_segment_id IS NULL, "
    "EXISTS (SELECT 1 FROM survey_audience_member am WHERE am.survey_id = s.id "
    "AND am.member_id = ?) FROM survey s "
    "WHERE s.status = 'OPEN' AND (s.closes_at IS NULL OR s.closes_at > ?)"
)
SURVEYS = "SELECT id, title FROM survey WHERE id IN ({ids}) ORDER BY published_at DESC, id DESC"


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def as_datetime(value: datetime | str) -> datetime:
    """A timestamp from either driver: asyncpg gives datetimes, sqlite3 the stored text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def iso(value: Any) -> str | None:
    """Datetimes as strawberry writes them (ISO 8601, ``T``), from either driver."""
    if value is None:
        return None
    return as_datetime(value).astimezone(UTC).isoformat()


class Database:
    """One connection (SQLite) or a small pool (PostgreSQL), ``?`` placeholders for both."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = is_postgres(url)
        self.conn: Any = None

    async def open(self) -> None:
        if self.pg:
            import asyncpg

            dsn = self.url.replace("asyncpg://", "postgres://", 1)
            self.conn = await asyncpg.create_pool(dsn, min_size=1, max_size=5)
        else:
            # As koc does (koc/sqlite.py): sqlite3 on the event loop's thread, no worker thread.
            path = self.url.removeprefix("sqlite://").split("?", 1)[0]
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")

    async def close(self) -> None:
        if self.pg:
            await self.conn.close()
        else:
            self.conn.close()

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        if self.pg:
            parts = sql.split("?")
            sql = "".join(
                p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts)
            )
            return await self.conn.fetch(sql, *params)
        return self.conn.execute(sql, params).fetchall()


async def home(db: Database, member_id: int) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    stamp = now if db.pg else now.isoformat(" ")
    rows = await db.fetch(MEMBER, (member_id,))
    if not rows:
        return None
    m = rows[0]
    koc = await db.fetch(KOC, (member_id,))
    held = {r[0] for r in await db.fetch(KOC_ROLES, (member_id,))} if koc else set()
    roles = [role.value for role in KocRole if role.value in held]  # koc lists them in enum order
    badges = await db.fetch(BADGES, (member_id,))
    grants = [
        g
        for g in await db.fetch(GRANTS, (member_id,))
        if g[3] == "ACTIVE" and (g[0] is None or as_datetime(g[0]) > now)
    ]
    code = await db.fetch(CODE, (member_id,))
    referrals = await db.fetch(REFERRALS, (member_id,))
    points = await db.fetch(POINTS, (member_id,))
    survey_ids = []
    for survey_id, mode, everyone, listed in await db.fetch(OPEN_SURVEYS, (member_id, stamp)):
        if mode == "RULES" and not everyone:
            raise NotImplementedError("the floor has no rule compiler: seed surveys without rules")
        if (mode == "RULES" and everyone) or (mode == "EXPLICIT" and listed):
            survey_ids.append(survey_id)
    surveys = (
        await db.fetch(SURVEYS.format(ids=",".join(str(int(i)) for i in survey_ids)), ())
        if survey_ids
        else []
    )
    return {
        "id": global_id("Member", m[0]),
        "nickname": m[1],
        "avatarUrl": m[2],
        "region": m[3],
        "orderCount": m[4],
        "stage": {"code": m[5], "name": m[6]} if m[5] is not None else None,
        "koc": {
            "status": koc[0][0],
            "roles": roles,
            "certificate": {"number": koc[0][1]} if koc[0][1] else None,
        }
        if koc
        else None,
        "badges": [{"awardedAt": iso(b[0]), "badge": {"code": b[1], "name": b[2]}} for b in badges],
        "privilegeGrants": [
            {"expiresAt": iso(g[0]), "privilege": {"code": g[1], "name": g[2]}} for g in grants
        ],
        "referralCode": {"code": code[0][0]} if code else None,
        "referrals": {"totalCount": referrals[0][0]},
        "pointsBalance": points[0][0] if points else 0,
        "surveys": {
            "totalCount": len(survey_ids),
            "edges": [
                {"node": {"id": global_id("Survey", s[0]), "title": s[1]}} for s in surveys[:10]
            ],
        },
    }


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    db = Database(settings.database_url)

    async def endpoint(request: Request) -> Response:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        try:
            claims = jwt.decode(
                token,
                settings.jwt_secret,
                algorithms=[ALGORITHM],
                audience=MEMBER_AUDIENCE,
                issuer=settings.jwt_issuer,
                leeway=settings.jwt_leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
            member_id = int(claims["sub"])
        except (jwt.PyJWTError, ValueError) as exc:
            return JSONResponse({"error": type(exc).__name__}, status_code=401)
        return JSONResponse({"data": {"me": await home(db, member_id)}})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.open()
        try:
            yield
        finally:
            await db.close()

    return Starlette(routes=[Route("/home", endpoint, methods=["GET", "POST"])], lifespan=lifespan)
