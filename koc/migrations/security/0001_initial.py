from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="TrustedDocument",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "sha256",
                    fields.CharField(
                        unique=True, description="Hex SHA-256 of document", max_length=64
                    ),
                ),
                ("document", fields.TextField(unique=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "core.StaffUser",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "trusted_document",
                "app": "security",
                "pk_attr": "id",
                "table_description": "A registered GraphQL document, addressed by the SHA-256 of its exact text",
            },
            bases=["Model"],
        ),
    ]
