"""Every connection in the schema takes `first`, so the page-size check and the cost estimate
(which read `first` before any resolver runs) cover all of them."""

from graphql import GraphQLObjectType, get_named_type

from koc.graphql.schema import schema


def connection_fields() -> list[tuple[str, str, dict]]:
    found = []
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            target = get_named_type(field.type)
            if (
                isinstance(target, GraphQLObjectType)
                and "edges" in target.fields
                and "pageInfo" in target.fields
            ):
                found.append((type_.name, name, field.args))
    return found


def test_every_connection_field_takes_first_as_an_int() -> None:
    fields = connection_fields()
    assert ("Query", "members") in {(t, f) for t, f, _ in fields}
    for type_name, field_name, args in fields:
        assert "first" in args, f"{type_name}.{field_name} has no `first`"
        assert str(args["first"].type) == "Int", f"{type_name}.{field_name}"


async def test_first_over_100_is_refused_on_connections_nested_anywhere(staff_client) -> None:
    # given a connection used as a nested field, not only at the root
    staff = await staff_client()
    errors = await staff.errors(
        "{ members(first: 1) { edges { node { id } } } auditLog(first: 500) { totalCount } }"
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "`first` must be between 0 and 100."
