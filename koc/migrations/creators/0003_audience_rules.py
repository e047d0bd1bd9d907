"""Campaign audiences become rules of koc.segments' language (or saved segments).

A campaign was open to members in any of its stages (when it listed stages) who held any of
its tags (when it listed tags); neither: every member. Each campaign's rows become the one rule
that says the same, before the flags and the audience tables go; the minimum score stays a
column of its own. The conversion is written out here, not imported, so this migration keeps
its meaning when the code moves on.
"""

from collections import defaultdict
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from koc.migrations.operations import DropColumn, add_audience, write_rules

# A campaign flagged as listing stages (or tags) whose rows are all gone admitted nobody; the
# language has no literal "nobody", so: not created since the epoch (no member).
NOBODY = {"not": {"created": {"from": "1970-01-01T00:00:00+00:00"}}}


def audience_rule(
    has_stages: bool, stage_codes: list[str], has_tags: bool, tag_ids: list[int]
) -> Any:
    """The rule of one campaign's audience rows; None: every member."""
    parts: list[dict[str, Any]] = []
    if has_stages:
        parts.append({"stage": {"in": stage_codes}} if stage_codes else NOBODY)
    if has_tags:
        # The language takes at most 100 values a list; campaigns had no such cap.
        chunks = [{"tags": {"any": tag_ids[i : i + 100]}} for i in range(0, len(tag_ids), 100)]
        parts.append(NOBODY if not chunks else chunks[0] if len(chunks) == 1 else {"any": chunks})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": parts}


async def rows_to_rules(apps, schema_editor) -> None:
    client = schema_editor.client
    stages: dict[int, list[str]] = defaultdict(list)
    for row in await client.execute_query_dict(
        "SELECT a.campaign_id, s.code FROM koc_campaign_audience_stage a "
        "JOIN lifecycle_stage s ON s.id = a.stage_id ORDER BY a.id"
    ):
        stages[row["campaign_id"]].append(row["code"])
    tags: dict[int, list[int]] = defaultdict(list)
    for row in await client.execute_query_dict(
        "SELECT campaign_id, tag_id FROM koc_campaign_audience_tag ORDER BY id"
    ):
        tags[row["campaign_id"]].append(row["tag_id"])
    campaigns = await client.execute_query_dict(
        "SELECT id, has_stage_audience, has_tag_audience FROM koc_campaign"
    )
    rules = {
        c["id"]: audience_rule(
            bool(c["has_stage_audience"]), stages[c["id"]], bool(c["has_tag_audience"]), tags[c["id"]]
        )
        for c in campaigns
    }
    await write_rules(client, "koc_campaign", rules)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_member_tag_removal"),
        ("segments", "0001_initial"),
        ("creators", "0002_unique_member"),
    ]

    initial = False

    operations = [
        *add_audience("KocCampaign"),
        ops.RunPython(rows_to_rules),
        DropColumn(model_name="KocCampaign", name="has_stage_audience", table="koc_campaign"),
        DropColumn(model_name="KocCampaign", name="has_tag_audience", table="koc_campaign"),
        ops.DeleteModel(name="CampaignAudienceStage"),
        ops.DeleteModel(name="CampaignAudienceTag"),
    ]
