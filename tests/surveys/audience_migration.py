"""The survey audiences of before migration surveys/0003, and who they held, against the rules
that replaced them: a scenario of tests/audience_migration.py. Prints one JSON line: per survey,
its members before and after, and the rules written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from koc.surveys.audience import open_surveys_of
from tests.audience_migration import NOW, Raw, insert_facts, scenario_main

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


async def _old_shape(raw: Raw) -> tuple[list[int], dict[str, int]]:
    """Stages, tags, members with their facts, and the surveys above; their ids."""
    facts = await insert_facts(
        raw,
        ("INTENT", "CUSTOMER", "REPEAT"),
        ("family car", "charger"),
        [(stage, tag_names, roles) for stage, tag_names, roles, _ in MEMBERS],
    )
    tags, members = facts.tags, facts.members
    partner = await raw.insert(
        "INSERT INTO partner_token (name, prefix, token_hash, scopes, created_at) "
        "VALUES ('dealer', 'p', 'h', '[]', ?)",
        NOW,
    )
    for i, (member, (_, _, _, orders)) in enumerate(zip(members, MEMBERS, strict=True)):
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
                NOW,
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
            NOW,
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
            NOW,
        )
    for member in members[:2]:
        await raw.insert(
            "INSERT INTO survey_audience_member (survey_id, member_id) VALUES (?, ?)",
            surveys["explicit"],
            member,
        )
    return members, surveys


async def _fill(raw: Raw) -> tuple[list[int], dict[str, int], dict[int, set[int]]]:
    """The old shape, and who each old audience held."""
    members, surveys = await _old_shape(raw)
    before: dict[int, set[int]] = {s: set() for s in surveys.values()}
    for row in await raw.rows(OLD_AUDIENCES):
        before[row["survey_id"]].add(row["member_id"])
    return members, surveys, before


async def _read(raw: Raw, filled: tuple[list[int], dict[str, int], dict[int, set[int]]]) -> dict:
    members, surveys, before = filled
    after: dict[int, set[int]] = {s: set() for s in surveys.values()}
    held = await open_surveys_of(members, datetime.now(UTC))
    for member, in_surveys in held.items():
        for survey in in_surveys:
            after[survey].add(member)
    versions = (await raw.rows("SELECT COUNT(*) AS n FROM survey_version"))[0]["n"]
    return {
        "held": {
            title: {"before": sorted(before[s]), "after": sorted(after[s])}
            for title, s in surveys.items()
        },
        "versions": {"before": len(SURVEYS), "after": versions},
        "rules": await raw.json_column("SELECT title AS key, audience_rule AS value FROM survey"),
    }


if __name__ == "__main__":
    scenario_main(BEFORE, _fill, _read)
