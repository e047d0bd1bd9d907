"""schema.graphql is what the code serves; regenerate with `koc export-schema`."""

from pathlib import Path

from koc.cli import export_schema_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_is_current():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_schema_sdl(), "schema.graphql is stale: run `koc export-schema`"


def test_every_type_and_field_is_described():
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
    )

    from koc.graphql.schema import schema

    missing = []
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gql_type.fields.items():
                if not field.description and not (name in {"PageInfo"} or name.endswith("Edge")):
                    missing.append(f"{name}.{field_name}")
        if isinstance(gql_type, GraphQLEnumType):
            continue
    assert missing == [], f"undescribed: {missing}"
