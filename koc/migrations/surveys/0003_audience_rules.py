"""Survey audiences become rules of koc.segments' language (or saved segments).

Each survey's audience rows (any of the stages, any of the tags, any of the KOC roles, a
purchase in any of the categories within the bought period; every kind given must hold) become
the one rule that says the same, before the rows and the period columns go. The conversion is
written out here, not imported, so this migration keeps its meaning when the code moves on.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from koc.migrations.operations import DropColumn, add_audience, write_rules


def _iso(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.isoformat()


def audience_rule(rows: list[tuple[str, Any, Any]], bought_from: Any, bought_to: Any) -> Any:
    """The rule of one survey's audience rows (kind, value, tag id); None: every member."""
    values: dict[str, list[Any]] = defaultdict(list)
    for kind, value, tag_id in rows:
        given = tag_id if kind == "TAG" else value
        if given not in values[kind]:
            values[kind].append(given)
    parts: list[dict[str, Any]] = []
    if values["STAGE"]:
        parts.append({"stage": {"in": values["STAGE"]}})
    if values["TAG"]:
        parts.append({"tags": {"any": values["TAG"]}})
    if values["KOC_ROLE"]:
        parts.append({"koc": {"roles": values["KOC_ROLE"]}})
    if values["CATEGORY"]:
        orders: dict[str, Any] = {"categories": values["CATEGORY"]}
        if bought_from is not None:
            orders["from"] = _iso(bought_from)
        if bought_to is not None:
            orders["to"] = _iso(bought_to)
        parts.append({"orders": orders})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": parts}


async def rows_to_rules(apps, schema_editor) -> None:
    client = schema_editor.client
    surveys = await client.execute_query_dict(
        "SELECT id, bought_from, bought_to FROM survey WHERE audience_mode = 'RULES'"
    )
    rows: dict[int, list[tuple[str, Any, Any]]] = defaultdict(list)
    for row in await client.execute_query_dict(
        "SELECT survey_id, kind, value, tag_id FROM survey_audience_rule ORDER BY id"
    ):
        rows[row["survey_id"]].append((row["kind"], row["value"], row["tag_id"]))
    await write_rules(
        client,
        "survey",
        {s["id"]: audience_rule(rows[s["id"]], s["bought_from"], s["bought_to"]) for s in surveys},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_segment_indexes"),
        ("segments", "0001_initial"),
        ("surveys", "0002_demand_index_member"),
    ]

    initial = False

    operations = [
        *add_audience("Survey"),
        ops.RunPython(rows_to_rules),
        DropColumn(model_name="Survey", name="bought_from", table="survey"),
        DropColumn(model_name="Survey", name="bought_to", table="survey"),
        ops.DeleteModel(name="SurveyAudienceRule"),
    ]
