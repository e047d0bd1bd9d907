"""Migration operations koc's migrations share."""

from __future__ import annotations

from tortoise.migrations import operations as ops


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
