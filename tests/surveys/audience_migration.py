"""The survey audiences of before migration surveys/0003, and who they held, against the rules
that replaced them: run as ``python -m tests.surveys.audience_migration DATABASE_URL`` on an
empty database, in a process of its own (the migration tool initialises its own ORM context).
Prints one JSON line: per survey, its members before and after, and the rules written.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from koc.db import APPS, tortoise_config
from koc.surveys.audience import open_surveys_of
from koc.wiring import connect_all

BEFORE = "surveys.0002_demand_index_member"

# The audience query of surveys before 0003, as it was (koc/surveys/audience.py then).
_RULE_KIND = (
    "(NOT EXISTS (SELECT 1 FROM survey_audience_rule r WHERE r.survey_id = s.id "
    "AND r.kind = '{kind}') OR EXISTS ({match}))"
)
_MATCHES = {
    "STAGE": (
        "SELECT 1 FROM survey_audience_rule r JOIN lifecycle_stage st ON st.code = r.value "
        "WHERE r.survey_id = s.id AND r.kind = 'STAGE' AND st.id = who.stage_id"
    ),
    "TAG": (
        "SELECT 1 FROM survey_audience_rule r JOIN member_tag mt ON mt.tag_id = r.tag_id "
        "WHERE r.survey_id = s.id AND r.kind = 'TAG' AND mt.member_id = who.id"
    ),
    "KOC_ROLE": (
        "SELECT 1 FROM survey_audience_rule r JOIN survey_koc_role k ON k.role = r.value "
        "WHERE r.survey_id = s.id AND r.kind = 'KOC_ROLE' AND k.member_id = who.id"
    ),
    "CATEGORY": (
        'SELECT 1 FROM survey_audience_rule r JOIN "order" o ON o.category = r.value '
        "WHERE r.survey_id = s.id AND r.kind = 'CATEGORY' AND o.member_id = who.id "
        "AND o.status <> 'REFUNDED' "
        "AND (s.bought_from IS NULL OR o.occurred_at >= s.bought_from) "
        "AND (s.bought_to IS NULL OR o.occurred_at < s.bought_to)"
    ),
}
OLD_AUDIENCES = (
    "SELECT s.id AS survey_id, who.id AS member_id FROM member who CROSS JOIN survey s WHERE "
    "(s.audience_mode = 'EXPLICIT' AND EXISTS (SELECT 1 FROM survey_audience_member am "
    "WHERE am.survey_id = s.id AND am.member_id = who.id)) "
    "OR (s.audience_mode = 'RULES' AND "
    + " AND ".join(_RULE_KIND.format(kind=k, match=m) for k, m in _MATCHES.items())
    + ")"
)

# Surveys of the old shape: (title, mode, bought_from, bought_to, [(kind, value or tag name)]).
SURVEYS: list[tuple[str, str, datetime | None, datetime | None, list[tuple[str, str]]]] = [
    ("stages", "RULES", None, None, [("STAGE", "CUSTOMER"), ("STAGE", "REPEAT")]),
    ("tag", "RULES", None, None, [("TAG", "family car")]),
    ("role", "RULES", None, None, [("KOC_ROLE", "CO_CREATION")]),
    (
        "bought in 2024",
        "RULES",
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 1, tzinfo=UTC),
        [("CATEGORY", "vehicle")],
    ),
    (
        "bought since 2024",
        "RULES",
        datetime(2024, 1, 1, tzinfo=UTC),
        None,
        [("CATEGORY", "vehicle"), ("CATEGORY", "accessory")],
    ),
    (
        "every kind",
        "RULES",
        None,
        None,
        [
            ("STAGE", "CUSTOMER"),
            ("TAG", "charger"),
            ("TAG", "family car"),
            ("KOC_ROLE", "CONTENT"),
            ("CATEGORY", "vehicle"),
        ],
    ),
    ("everyone", "RULES", None, None, []),
    ("explicit", "EXPLICIT", None, None, []),
]

# Members: (stage code, tag names, KOC roles, orders as (category, year, status)).
MEMBERS: list[tuple[str | None, list[str], list[str], list[tuple[str, int, str]]]] = [
    ("CUSTOMER", [], [], []),
    ("REPEAT", ["family car"], ["CO_CREATION"], [("vehicle", 2024, "PAID")]),
    ("INTENT", ["charger"], ["CONTENT"], [("vehicle", 2023, "PAID")]),
    (None, ["family car"], [], [("vehicle", 2024, "REFUNDED")]),
    ("CUSTOMER", ["charger"], ["CONTENT"], [("vehicle", 2022, "PARTIALLY_REFUNDED")]),
    ("CUSTOMER", ["family car"], ["CONTENT", "CO_CREATION"], [("accessory", 2024, "PAID")]),
    (None, [], ["CO_CREATION"], [("accessory", 2025, "PAID"), ("vehicle", 2025, "PAID")]),
    ("INTENT", [], [], []),
]


class Raw:
    """Plain SQL on either engine: ``?`` placeholders, times as each driver takes them."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.db = connections.get("default")

    def _params(self, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
        if self.postgres:
            parts = sql.split("?")
            sql = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))
        else:
            params = [p.isoformat(sep=" ") if isinstance(p, datetime) else p for p in params]
        return sql, params

    async def insert(self, sql: str, *params: Any) -> int:
        sql, values = self._params(sql + " RETURNING id", list(params))
        return (await self.db.execute_query_dict(sql, values))[0]["id"]

    async def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        sql, values = self._params(sql, list(params))
        return await self.db.execute_query_dict(sql, values)


async def _old_shape(raw: Raw) -> tuple[list[int], dict[str, int]]:
    """Stages, tags, members with their facts, and the surveys above; their ids."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stages = {}
    for position, code in enumerate(("INTENT", "CUSTOMER", "REPEAT"), 1):
        stages[code] = await raw.insert(
            "INSERT INTO lifecycle_stage (code, name, position, description) VALUES (?, ?, ?, '')",
            code,
            code.title(),
            position,
        )
    group = await raw.insert(
        "INSERT INTO tag_group (name, family, exclusive, description, created_at) "
        "VALUES ('Needs', 'CONSUMPTION', FALSE, '', ?)",
        now,
    )
    tags = {}
    for name in ("family car", "charger"):
        tags[name] = await raw.insert(
            "INSERT INTO tag (name, member_visible, description, created_at, group_id) "
            "VALUES (?, FALSE, '', ?, ?)",
            name,
            now,
            group,
        )
    partner = await raw.insert(
        "INSERT INTO partner_token (name, prefix, token_hash, scopes, created_at) "
        "VALUES ('dealer', 'p', 'h', '[]', ?)",
        now,
    )
    members = []
    for i, (stage, tag_names, roles, orders) in enumerate(MEMBERS):
        member = await raw.insert(
            "INSERT INTO member (nickname, avatar_url, gender, region, source_channel, "
            "order_count, created_at, stage_id) VALUES (?, '', 'UNKNOWN', '', '', 0, ?, ?)",
            f"m{i}",
            now,
            stages.get(stage or ""),
        )
        members.append(member)
        for name in tag_names:
            await raw.insert(
                "INSERT INTO member_tag (source, cause, created_at, member_id, tag_id) "
                "VALUES ('MANUAL', '', ?, ?, ?)",
                now,
                member,
                tags[name],
            )
        for role in roles:  # the KOC status hook keeps both tables
            await raw.insert(
                "INSERT INTO survey_koc_role (role, member_id) VALUES (?, ?)", role, member
            )
            await raw.insert(
                "INSERT INTO badge_member_koc_role (role, member_id, created_at) VALUES (?, ?, ?)",
                role,
                member,
                now,
            )
        for j, (category, year, status) in enumerate(orders):
            refunded = {"PAID": 0, "PARTIALLY_REFUNDED": 1000, "REFUNDED": 5000}[status]
            await raw.insert(
                'INSERT INTO "order" (external_id, amount_cents, refunded_cents, currency, '
                "category, status, occurred_at, fingerprint, created_at, member_id, partner_id) "
                "VALUES (?, 5000, ?, 'CNY', ?, ?, ?, '', ?, ?, ?)",
                f"o{i}-{j}",
                refunded,
                category,
                status,
                datetime(year, 6, 1, tzinfo=UTC),
                now,
                member,
                partner,
            )
    surveys = {}
    for title, mode, start, end, rules in SURVEYS:
        survey = await raw.insert(
            "INSERT INTO survey (title, introduction, purpose, status, anonymous, response_count, "
            "audience_mode, bought_from, bought_to, created_at) "
            "VALUES (?, '', 'OTHER', 'OPEN', FALSE, 0, ?, ?, ?, ?)",
            title,
            mode,
            start,
            end,
            now,
        )
        surveys[title] = survey
        for kind, value in rules:
            tag = tags[value] if kind == "TAG" else None
            await raw.insert(
                "INSERT INTO survey_audience_rule (kind, value, survey_id, tag_id) "
                "VALUES (?, ?, ?, ?)",
                kind,
                "" if tag else value,
                survey,
                tag,
            )
        await raw.insert(
            "INSERT INTO survey_version (survey_id, number, definition_hash, created_at) "
            "VALUES (?, 1, '', ?)",
            survey,
            now,
        )
    for member in members[:2]:
        await raw.insert(
            "INSERT INTO survey_audience_member (survey_id, member_id) VALUES (?, ?)",
            surveys["explicit"],
            member,
        )
    return members, surveys


async def main(url: str) -> dict[str, Any]:
    config = tortoise_config(url)
    postgres = not url.startswith("sqlite")
    # given every app migrated, surveys only to the migration before audience rules
    await migrate(config=config, target=BEFORE)
    await Tortoise.close_connections()
    for app in APPS:
        if app != "surveys":
            await migrate(config=config, target=f"{app}.__latest__")
            await Tortoise.close_connections()
    # and rows of the old shape, and who each old audience held
    await Tortoise.init(config=config)
    raw = Raw(postgres)
    members, surveys = await _old_shape(raw)
    before: dict[int, set[int]] = {s: set() for s in surveys.values()}
    for row in await raw.rows(OLD_AUDIENCES):
        before[row["survey_id"]].add(row["member_id"])
    await Tortoise.close_connections()
    # when every migration runs
    await migrate(config=config)
    await Tortoise.close_connections()
    # then the same members are in each survey's audience
    await Tortoise.init(config=config)
    connect_all()
    after: dict[int, set[int]] = {s: set() for s in surveys.values()}
    held = await open_surveys_of(members, datetime.now(UTC))
    for member, in_surveys in held.items():
        for survey in in_surveys:
            after[survey].add(member)
    versions = (await Raw(postgres).rows("SELECT COUNT(*) AS n FROM survey_version"))[0]["n"]
    rules = {
        row["title"]: row["audience_rule"]
        for row in await Raw(postgres).rows("SELECT title, audience_rule FROM survey")
    }
    await Tortoise.close_connections()
    return {
        "surveys": {
            title: {"before": sorted(before[s]), "after": sorted(after[s])}
            for title, s in surveys.items()
        },
        "versions": {"before": len(SURVEYS), "after": versions},
        "rules": {k: json.loads(v) if isinstance(v, str) else v for k, v in rules.items()},
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
