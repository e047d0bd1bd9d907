"""Finding every table that holds a member's data, in every Tortoise app."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.models import Model

from koc.members.models import Member

MEMBER_COLUMNS = ("member_id", "referrer_id", "referee_id")


def links_member(model: type[Model]) -> bool:
    """A foreign key to Member, or a column that names a member without one."""
    meta = model._meta
    if any(meta.fields_map[f].related_model is Member for f in meta.fk_fields | meta.o2o_fields):
        return True
    return any(column.endswith(MEMBER_COLUMNS) for column in meta.fields_db_projection)


def member_tables() -> dict[str, type[Model]]:
    """Every member-linked model by table name (Member itself included)."""
    return {
        model._meta.db_table: model
        for app in Tortoise.apps.values()
        for model in app.values()
        if model is Member or links_member(model)
    }
