"""Error messages do not suggest field, argument or enum names outside development: that would
map the schema for callers who may not introspect it."""

from koc.auth.models import StaffRole

MISSPELLED_FIELD = "{ me { nicknam } }"
MISSPELLED_ARGUMENT = "{ members(frist: 2) { totalCount } }"
BAD_ENUM_VARIABLE = (
    """mutation($i: StaffCreateInput!) { staffCreate(input: $i) { errors { code } } }"""
)
BAD_ENUM = {"i": {"username": "someone", "password": "long-enough-pw", "role": "ADMINN"}}


async def _messages(client) -> list[str]:
    return [
        (await client.errors(MISSPELLED_FIELD))[0]["message"],
        (await client.errors(MISSPELLED_ARGUMENT))[0]["message"],
        (await client.errors(BAD_ENUM_VARIABLE, BAD_ENUM))[0]["message"],
    ]


async def test_no_suggestions_in_production(staff_client) -> None:
    # given production settings (the test default) and a staff caller
    admin = await staff_client(StaffRole.ADMIN)

    # when fields, arguments and enum values are misspelled
    messages = await _messages(admin)

    # then each is refused by name, without a hint of the right name
    assert messages[0] == "Cannot query field 'nicknam' on type 'Member'."
    assert messages[1].startswith("Unknown argument 'frist' on field 'Query.members'.")
    assert "ADMINN" in messages[2]
    assert not any("Did you mean" in m for m in messages), messages
    assert not any("nickname" in m or "'first'" in m or "'ADMIN'" in m for m in messages)


async def test_codes_of_refused_documents(staff_client) -> None:
    admin = await staff_client(StaffRole.ADMIN)
    unparsable = await admin.errors("{ me { ")
    invalid = await admin.errors(MISSPELLED_FIELD)
    bad_variable = await admin.errors(BAD_ENUM_VARIABLE, BAD_ENUM)
    assert unparsable[0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert invalid[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert bad_variable[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_suggestions_help_in_development(endpoint) -> None:
    api = endpoint(env="development")
    admin = await api.staff(StaffRole.ADMIN)
    messages = await _messages(admin)
    assert "Did you mean 'nickname'?" in messages[0]
    assert "Did you mean 'first'?" in messages[1]
    assert "Did you mean the enum value 'ADMIN'?" in messages[2]
