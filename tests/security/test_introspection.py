"""Outside development only staff may introspect the schema."""

from koc.auth.models import PartnerScope, StaffRole

INTROSPECTION = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Member") { fields { name } } }'


async def test_anonymous_members_and_partners_cannot_introspect_in_production(
    anon_client, member_client, partner_client
) -> None:
    member = await member_client()
    partner = await partner_client([PartnerScope.MEMBERS_READ])
    for client in (anon_client, member, partner):
        for query in (INTROSPECTION, TYPE):
            errors = await client.errors(query)
            assert errors[0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
            assert "introspection has been disabled" in errors[0]["message"]


async def test_staff_introspect_in_production(staff_client) -> None:
    analyst = await staff_client(StaffRole.ANALYST)
    data = await analyst.execute(INTROSPECTION)
    assert data == {"__schema": {"queryType": {"name": "Query"}}}
    fields = (await analyst.execute(TYPE))["__type"]["fields"]
    assert "nickname" in {f["name"] for f in fields}


async def test_typename_is_not_introspection(anon_client) -> None:
    assert await anon_client.execute("{ __typename }") == {"__typename": "Query"}


async def test_in_development_anyone_may_introspect(endpoint) -> None:
    api = endpoint(env="development")
    response = await api.anonymous().post(INTROSPECTION)
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_a_cached_staff_validation_does_not_open_introspection_to_others(
    anon_client, staff_client
) -> None:
    # given staff ran this exact document (parsed and validated documents are cached)
    staff = await staff_client(StaffRole.ANALYST)
    query = "{ __schema { mutationType { name } } }"
    assert await staff.execute(query) == {"__schema": {"mutationType": {"name": "Mutation"}}}

    # then an anonymous caller sending the same text is still refused, and staff still served
    errors = await anon_client.errors(query)
    assert errors[0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert await staff.execute(query) == {"__schema": {"mutationType": {"name": "Mutation"}}}
