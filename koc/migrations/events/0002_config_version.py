"""``config_version``: one row whose value changes with every write to the configuration tables
that koc.events.memo.once_per_version keeps between batches.

A trigger on each table sets a new random value in the statement that writes it: inside the
writing transaction (so it commits or rolls back with the change), on every engine and for
every writer (koc, a migration, a script, psql). A random value rather than a counter: a change
that rolled back may have been read, with its value, by its own transaction, and a later change
must not give that value again. The tables are listed here, not imported, so this migration
keeps its meaning when the code moves on; tests/test_config_version.py checks that each table of
``VERSIONED_TABLES`` has its trigger in the migrated database (a later migration that rebuilds
one of these tables on SQLite drops its triggers, and must create them again).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

TABLES = ("lifecycle_stage", "badge", "referral_program", "koc_scoring_config")

# SQLite's random() is a signed 64-bit integer; PostgreSQL's a float in [0, 1).
NEW_VALUE = {
    "sqlite": "random()",
    "postgres": "(random() * 9007199254740991)::bigint",
}


def _statements(dialect: str) -> list[str]:
    new = NEW_VALUE[dialect]
    statements = [
        "CREATE TABLE config_version (id INT NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
        f"INSERT INTO config_version (id, version) VALUES (1, {new})",
    ]
    if dialect == "postgres":
        statements.append(
            "CREATE FUNCTION koc_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN UPDATE config_version SET version = {new} WHERE id = 1; RETURN NULL; END $$"
        )
        statements += [
            f'CREATE TRIGGER koc_config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{t}"'
            " FOR EACH STATEMENT EXECUTE FUNCTION koc_config_changed()"
            for t in TABLES
        ]
    else:
        statements += [
            f'CREATE TRIGGER koc_config_{t}_{op.lower()} AFTER {op} ON "{t}"'
            f" BEGIN UPDATE config_version SET version = {new} WHERE id = 1; END"
            for t in TABLES
            for op in ("INSERT", "UPDATE", "DELETE")
        ]
    return statements


async def create(apps, schema_editor) -> None:
    client = schema_editor.client
    for statement in _statements(client.capabilities.dialect):
        await client.execute_script(statement)


async def drop(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        for t in TABLES:
            await client.execute_script(f'DROP TRIGGER koc_config_changed ON "{t}"')
        await client.execute_script("DROP FUNCTION koc_config_changed()")
    else:
        for t in TABLES:
            for op in ("insert", "update", "delete"):
                await client.execute_script(f"DROP TRIGGER koc_config_{t}_{op}")
    await client.execute_script("DROP TABLE config_version")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("core", "0001_initial"),
        ("badges", "0001_initial"),
        ("referrals", "0001_initial"),
        ("creators", "0001_initial"),
    ]

    initial = False

    operations = [ops.RunPython(create, drop)]
