"""Privilege eligibility of before migration privileges/0003 (conditions combined by ANY or
ALL), and who it admitted, against the rules that replaced it: a scenario of
tests/audience_migration.py. Prints one JSON line: per privilege, its eligible members before
and after, the rules written, and the grants (which the migration must not touch).
"""

from __future__ import annotations

import json
from typing import Any

from koc.privileges.eligibility import eligible_members
from koc.privileges.models import Privilege
from tests.audience_migration import NOW, Raw, insert_facts, scenario_main

BEFORE = "privileges.0002_unique_rsvp_grant"

# Members: (stage code, tag names, KOC roles, badges held as (code, revoked)).
MEMBERS: list[tuple[str | None, list[str], list[str], list[tuple[str, bool]]]] = [
    ("CUSTOMER", ["vip"], [], []),
    ("KOC", [], ["CONTENT"], [("GOLD", False)]),
    (None, ["vip", "owner"], ["EXPERIENCE"], []),
    ("INTENT", ["owner"], [], [("GOLD", True)]),
    (
        "CUSTOMER",
        ["vip", "owner"],
        ["CONTENT", "CO_CREATION"],
        [("GOLD", False), ("SILVER", False)],
    ),
    (None, [], [], [("SILVER", False)]),
    ("KOC", ["vip"], [], []),
    ("INTENT", [], [], []),
]

# Privileges: (code, match, KOC roles, stages, badges, tag names).
PRIVILEGES: list[tuple[str, str, list[str], list[str], list[str], list[str]]] = [
    ("ANY_ROLE", "ANY", ["*"], [], [], []),
    ("CONTENT_OR_CUSTOMER", "ANY", ["CONTENT"], ["CUSTOMER"], [], []),
    ("EVERY_KIND_ANY", "ANY", ["CO_CREATION"], ["KOC"], ["SILVER"], ["owner"]),
    ("ALL_TAGS", "ALL", [], [], [], ["vip", "owner"]),
    ("ALL_MIXED", "ALL", ["*", "CONTENT"], [], ["GOLD"], ["vip"]),
    ("ALL_STAGE_BADGES", "ALL", [], ["CUSTOMER"], ["GOLD", "SILVER"], []),
    ("ANY_TWO_STAGES", "ANY", [], ["KOC", "INTENT"], [], []),
    ("STAFF_ONLY", "ANY", [], [], [], []),
]


def old_eligible(
    privilege: tuple[str, str, list[str], list[str], list[str], list[str]], member
) -> bool:
    """Eligibility as koc/privileges/eligibility.py decided it before: each listed role (``*``:
    any role held), stage, badge (held, not revoked) and tag is one condition; ANY or ALL of
    them; no condition at all: staff grants only (nobody automatically)."""
    _, match, roles, stages, badges, tags = privilege
    stage, tags_held, roles_held, badges_held = member
    held = {code for code, revoked in badges_held if not revoked}
    conditions = [bool(roles_held) if r == "*" else r in roles_held for r in roles]
    conditions += [stage == code for code in stages]
    conditions += [code in held for code in badges]
    conditions += [name in tags_held for name in tags]
    if not conditions:
        return False
    return any(conditions) if match == "ANY" else all(conditions)


async def _fill(raw: Raw) -> dict[str, Any]:
    facts = await insert_facts(
        raw,
        ("INTENT", "CUSTOMER", "KOC"),
        ("vip", "owner"),
        [(stage, tags, roles) for stage, tags, roles, _ in MEMBERS],
    )
    badges = {}
    for level, code in enumerate(("GOLD", "SILVER", "NOT_HELD"), 1):
        badges[code] = await raw.insert(
            "INSERT INTO badge (code, family, level, name, description, image_url, visible, rule, "
            "threshold, koc_role, active, created_at, updated_at) "
            "VALUES (?, 'ambassador', ?, ?, '', '', TRUE, 'MANUAL', 0, '', TRUE, ?, ?)",
            code,
            level,
            code.title(),
            NOW,
            NOW,
        )
    for member, (_, _, _, held) in zip(facts.members, MEMBERS, strict=True):
        for code, revoked in held:
            await raw.insert(
                "INSERT INTO badge_holding (member_id, badge_id, source, reason, awarded_at, "
                "revoked_at) VALUES (?, ?, 'STAFF', '', ?, ?)",
                member,
                badges[code],
                NOW,
                NOW if revoked else None,
            )
    ids = {}
    for code, match, roles, stages, badge_codes, tags in PRIVILEGES:
        ids[code] = await raw.insert(
            "INSERT INTO privilege (code, name, description, kind, match, koc_roles, stages, "
            "badges, tag_ids, quota, quota_period, channel, active, created_at, updated_at) "
            "VALUES (?, ?, '', 'GIFT', ?, ?, ?, ?, ?, 1, 'LIFETIME', 'BOTH', TRUE, ?, ?)",
            code,
            code.title(),
            match,
            json.dumps(roles),
            json.dumps(stages),
            json.dumps(badge_codes),
            json.dumps([facts.tags[t] for t in tags]),
            NOW,
            NOW,
        )
    await raw.insert(
        "INSERT INTO privilege_grant (member_id, privilege_id, status, source, reason, "
        "granted_at, withdrawn) VALUES (?, ?, 'ACTIVE', 'MANUAL', 'thanks', ?, FALSE)",
        facts.members[0],
        ids["STAFF_ONLY"],
        NOW,
    )
    before = {
        p[0]: sorted(
            m
            for m, facts_of in zip(facts.members, MEMBERS, strict=True)
            if old_eligible(p, facts_of)
        )
        for p in PRIVILEGES
    }
    return {"before": before, "tags": facts.tags}


async def _read(raw: Raw, filled: dict[str, Any]) -> dict[str, Any]:
    after = {}
    for p in await Privilege.all().order_by("id"):
        eligible = await eligible_members(p)
        after[p.code] = (
            [] if eligible is None else sorted(await eligible.values_list("id", flat=True))
        )
    grants = (await raw.rows("SELECT COUNT(*) AS n FROM privilege_grant"))[0]["n"]
    return {
        "held": {code: {"before": filled["before"][code], "after": after[code]} for code in after},
        "rules": await raw.json_column("SELECT code AS key, audience_rule AS value FROM privilege"),
        "tags": filled["tags"],
        "grants": grants,
    }


if __name__ == "__main__":
    scenario_main(BEFORE, _fill, _read)
