"""``config_version`` follows the privileges and the tag rules with their segments too, so
koc.events.memo.once_per_version can keep the active privileges and the tag rules that every
stage change and order re-evaluates (migration events 0002 says why a trigger and a random value).

A redemption takes a unit of a privilege's ``remaining_stock`` (a plain ``UPDATE ... SET
remaining_stock = remaining_stock - 1``, at every store counter) and must not make every worker
read all the configuration again: the ``privilege`` trigger fires on an UPDATE of any other
column. What is kept of a privilege is therefore read without its stock (koc.privileges.
eligibility). An UPDATE that sets every column (the ORM's ``save``) names the others, so it fires.
The tables and columns are listed here, not imported, so this migration keeps its meaning when
the code moves on. It belongs to privileges, not events: the audience migrations' tests hold
privileges back at 0002 while every other app goes to its latest migration, and an events
migration depending on privileges 0003 would take it along.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# privilege: every column but remaining_stock, as 0003_audience_rules left the table.
PRIVILEGE_COLUMNS = (
    "id",
    "code",
    "name",
    "description",
    "kind",
    "audience_rule",
    "audience_segment_id",
    "starts_at",
    "ends_at",
    "total_stock",
    "quota",
    "quota_period",
    "channel",
    "grant_days",
    "active",
    "created_at",
    "updated_at",
)
TABLES = ("privilege", "segment_tag_rule", "segment")

NEW_VALUE = {
    "sqlite": "random()",
    "postgres": "(random() * 9007199254740991)::bigint",
}


def _update_of(table: str) -> str:
    if table != "privilege":
        return "UPDATE"
    return "UPDATE OF " + ", ".join(f'"{c}"' for c in PRIVILEGE_COLUMNS)


def _statements(dialect: str) -> list[str]:
    if dialect == "postgres":
        # koc_config_changed() is migration 0002's.
        return [
            f'CREATE TRIGGER koc_config_changed AFTER INSERT OR {_update_of(t)} OR DELETE OR TRUNCATE ON "{t}"'
            " FOR EACH STATEMENT EXECUTE FUNCTION koc_config_changed()"
            for t in TABLES
        ]
    new = NEW_VALUE[dialect]
    return [
        f'CREATE TRIGGER koc_config_{t}_{op.split()[0].lower()} AFTER {op} ON "{t}"'
        f" BEGIN UPDATE config_version SET version = {new} WHERE id = 1; END"
        for t in TABLES
        for op in ("INSERT", _update_of(t), "DELETE")
    ]


async def create(apps, schema_editor) -> None:
    client = schema_editor.client
    for statement in _statements(client.capabilities.dialect):
        await client.execute_script(statement)


async def drop(apps, schema_editor) -> None:
    client = schema_editor.client
    for t in TABLES:
        if client.capabilities.dialect == "postgres":
            await client.execute_script(f'DROP TRIGGER koc_config_changed ON "{t}"')
        else:
            for op in ("insert", "update", "delete"):
                await client.execute_script(f"DROP TRIGGER koc_config_{t}_{op}")


class Migration(migrations.Migration):
    dependencies = [
        ("privileges", "0003_audience_rules"),
        ("events", "0002_config_version"),
        ("segments", "0001_initial"),
    ]

    initial = False

    operations = [ops.RunPython(create, drop)]
