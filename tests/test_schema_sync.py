"""schema.graphql is what the code serves; regenerate with `koc export-schema`."""

from collections.abc import Iterator
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from koc.cli import export_schema_sdl
from koc.graphql.schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_is_current():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_schema_sdl(), "schema.graphql is stale: run `koc export-schema`"


def _undescribed() -> Iterator[str]:
    """Every type, field, argument, input field and enum value of the served schema that has
    no description."""
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not gql_type.description:
            yield name
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gql_type.fields.items():
                if not field.description:
                    yield f"{name}.{field_name}"
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        yield f"{name}.{field_name}({arg_name})"
        if isinstance(gql_type, GraphQLEnumType):
            for value_name, value in gql_type.values.items():
                if not value.description:
                    yield f"{name}.{value_name}"


def test_everything_in_the_schema_is_described():
    assert sorted(_undescribed()) == [], "undescribed"
