"""Migration operations koc's migrations share.

Applied migrations (surveys/0003, privileges/0003, creators/0003) run these on every fresh
database, so what a function here does is frozen once a migration uses it: a change of meaning
is a new function beside the old one, never an edit of it."""

from __future__ import annotations

from typing import Any

from orjson import dumps, loads
from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


def add_audience(model_name: str) -> list[ops.AddField]:
    """The two columns of an audience (koc.members.audience): a rule's JSON form, or a saved
    segment, which cannot be deleted while it is used."""
    return [
        ops.AddField(
            model_name=model_name,
            name="audience_rule",
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name=model_name,
            name="audience_segment",
            field=fields.ForeignKeyField(
                "segments.Segment",
                source_field="audience_segment_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
    ]


async def write_rules(client: Any, table: str, rules: dict[int, Any]) -> None:
    """Set ``audience_rule`` of the rows of ``table`` by id (None: leave it null)."""
    update = (
        f"UPDATE {table} SET audience_rule = $1::text::jsonb WHERE id = $2"
        if client.capabilities.dialect == "postgres"
        else f"UPDATE {table} SET audience_rule = ? WHERE id = ?"
    )
    for row_id, rule in rules.items():
        if rule is not None:
            await client.execute_query(update, [dumps(rule).decode(), row_id])


class DropColumn(ops.RemoveField):
    """RemoveField, but on SQLite with ``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35+) instead of
    Tortoise's rebuild of the table: the rebuild drops the old table, and with foreign keys on,
    dropping it cascades to every row that points at it (a survey's versions, questions and
    responses; a privilege's grants and redemptions; a campaign's participants).
    tests/surveys/test_audience_migration.py caught it. ``table`` is the model's table, named
    here rather than read from Tortoise's private model metadata."""

    def __init__(self, model_name: str, name: str, table: str) -> None:
        super().__init__(model_name=model_name, name=name)
        self.table = table

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None or state_editor.client.capabilities.dialect != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        await state_editor.client.execute_script(
            f'ALTER TABLE "{self.table}" DROP COLUMN "{self.name}"'
        )
