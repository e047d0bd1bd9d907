"""Privilege eligibility becomes an audience: a rule of koc.segments' language (or a saved
segment).

Each privilege's conditions (KOC roles, ``*`` for any role, stages, badges held, tags), combined
by ANY or ALL, become the one rule that says the same, before the condition columns go; a
privilege with no condition keeps no audience (granted by staff only). The conversion is written
out here, not imported, so this migration keeps its meaning when the code moves on.
"""

from typing import Any

from orjson import loads
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from koc.migrations.operations import DropColumn, add_audience, write_rules

# The KOC roles when this was written (koc.creators.models.KocRole). ``*`` admitted a member
# holding any role: these, and any other role found held (the migration adds those).
KOC_ROLES = ("CONTENT", "EXPERIENCE", "CO_CREATION")


def _list(value: Any) -> list[Any]:
    """A JSON column as the driver returns it (text on SQLite and asyncpg, or decoded)."""
    found = loads(value) if isinstance(value, str | bytes) else value
    return list(dict.fromkeys(found or []))


def eligibility_rule(
    match: str,
    roles: list[str],
    stages: list[str],
    badges: list[str],
    tag_ids: list[int],
    any_role: list[str],
) -> Any:
    """The rule of one privilege's conditions; None when it has none. Each listed role, stage,
    badge and tag was one condition, and ANY or ALL of them had to hold."""
    parts: list[dict[str, Any]] = []
    if match == "ALL":
        parts += [{"koc": {"roles": any_role if r == "*" else [r]}} for r in roles]
        parts += [{"stage": {"in": [code]}} for code in stages]
        if badges:
            parts.append({"badges": {"all": badges}})
        if tag_ids:
            parts.append({"tags": {"all": tag_ids}})
    else:
        if roles:
            parts.append({"koc": {"roles": any_role if "*" in roles else roles}})
        if stages:
            parts.append({"stage": {"in": stages}})
        if badges:
            parts.append({"badges": {"any": badges}})
        if tag_ids:
            parts.append({"tags": {"any": tag_ids}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all" if match == "ALL" else "any": parts}


async def conditions_to_rules(apps, schema_editor) -> None:
    client = schema_editor.client
    held = await client.execute_query_dict("SELECT DISTINCT role FROM badge_member_koc_role")
    any_role = sorted(set(KOC_ROLES) | {row["role"] for row in held})
    privileges = await client.execute_query_dict(
        'SELECT id, "match", koc_roles, stages, badges, tag_ids FROM privilege'
    )
    rules = {
        p["id"]: eligibility_rule(
            p["match"],
            _list(p["koc_roles"]),
            _list(p["stages"]),
            _list(p["badges"]),
            _list(p["tag_ids"]),
            any_role,
        )
        for p in privileges
    }
    await write_rules(client, "privilege", rules)


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0001_initial"),
        ("segments", "0001_initial"),
        ("privileges", "0002_unique_rsvp_grant"),
    ]

    initial = False

    operations = [
        *add_audience("Privilege"),
        ops.RunPython(conditions_to_rules),
        *(
            DropColumn(model_name="Privilege", name=name, table="privilege")
            for name in ("match", "koc_roles", "stages", "badges", "tag_ids")
        ),
        ops.AlterModelOptions(
            name="Privilege",
            options={
                "table": "privilege",
                "app": "privileges",
                "indexes": [
                    Index(fields=["kind", "id"], name="privilege_kind_idx"),
                    Index(fields=["active", "id"], name="privilege_active_idx"),
                ],
                "pk_attr": "id",
                "table_description": "An exclusive right. Who receives it automatically is its "
                "audience, a rule of the segment",
            },
        ),
    ]
