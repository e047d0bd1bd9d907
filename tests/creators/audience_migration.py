"""Campaign audiences of before migration creators/0003 (any of the listed stages, and any of
the listed tags; neither: every member), and who they held, against the rules that replaced
them: a scenario of tests/audience_migration.py. Prints one JSON line: per campaign, its members
before and after, the rules written, and the participants (which the migration must not touch).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from koc.creators.campaigns import open_ids
from tests.audience_migration import NOW, Raw, insert_facts, scenario_main

BEFORE = "creators.0002_unique_member"

# Members: (stage code, tag names).
MEMBERS: list[tuple[str | None, list[str]]] = [
    ("CUSTOMER", ["vip"]),
    ("KOC", []),
    (None, ["vip", "owner"]),
    ("INTENT", ["owner"]),
    ("CUSTOMER", []),
    ("KOC", ["vip"]),
]

# Campaigns: (title, listed stages or None, listed tags or None); a list given empty is a flag
# set whose rows are gone.
CAMPAIGNS: list[tuple[str, list[str] | None, list[str] | None]] = [
    ("everyone", None, None),
    ("stages", ["CUSTOMER", "KOC"], None),
    ("tags", None, ["vip", "owner"]),
    ("stages and tags", ["CUSTOMER"], ["vip"]),
    ("stages gone", [], None),
]


def old_audience(campaign: tuple[str, list[str] | None, list[str] | None], member) -> bool:
    """The audience as koc/creators/campaigns.py decided it before: the member's stage is one
    of the listed stages when stages are listed, and they hold one of the listed tags when tags
    are listed."""
    _, stages, tags = campaign
    stage, held = member
    return (stages is None or stage in stages) and (tags is None or bool(set(tags) & set(held)))


async def _fill(raw: Raw) -> dict[str, Any]:
    facts = await insert_facts(
        raw, ("INTENT", "CUSTOMER", "KOC"), ("vip", "owner"), [(s, t, []) for s, t in MEMBERS]
    )
    now = datetime.now(UTC)
    ids = {}
    for title, stages, tags in CAMPAIGNS:
        campaign = await raw.insert(
            "INSERT INTO koc_campaign (title, brief, role, starts_at, ends_at, has_stage_audience, "
            "has_tag_audience, participant_count, created_at) VALUES (?, 'b', 'CONTENT', ?, ?, ?, ?, "
            "0, ?)",
            title,
            now - timedelta(days=1),
            now + timedelta(days=30),
            stages is not None,
            tags is not None,
            NOW,
        )
        ids[title] = campaign
        for code in stages or []:
            await raw.insert(
                "INSERT INTO koc_campaign_audience_stage (campaign_id, stage_id) VALUES (?, ?)",
                campaign,
                facts.stages[code],
            )
        for name in tags or []:
            await raw.insert(
                "INSERT INTO koc_campaign_audience_tag (campaign_id, tag_id) VALUES (?, ?)",
                campaign,
                facts.tags[name],
            )
    await raw.insert(
        "INSERT INTO koc_campaign_participant (campaign_id, member_id, created_at) VALUES (?, ?, ?)",
        ids["everyone"],
        facts.members[0],
        NOW,
    )
    before = {
        c[0]: sorted(m for m, f in zip(facts.members, MEMBERS, strict=True) if old_audience(c, f))
        for c in CAMPAIGNS
    }
    return {"before": before, "ids": ids, "members": facts.members, "tags": facts.tags}


async def _read(raw: Raw, filled: dict[str, Any]) -> dict[str, Any]:
    titles = {campaign: title for title, campaign in filled["ids"].items()}
    after: dict[str, list[int]] = {title: [] for title in filled["ids"]}
    for member in filled["members"]:
        for campaign in await open_ids(member):
            after[titles[campaign]].append(member)
    participants = (await raw.rows("SELECT COUNT(*) AS n FROM koc_campaign_participant"))[0]["n"]
    return {
        "held": {t: {"before": filled["before"][t], "after": sorted(after[t])} for t in after},
        "rules": await raw.json_column(
            "SELECT title AS key, audience_rule AS value FROM koc_campaign"
        ),
        "tags": filled["tags"],
        "participants": participants,
    }


if __name__ == "__main__":
    scenario_main(BEFORE, _fill, _read)
