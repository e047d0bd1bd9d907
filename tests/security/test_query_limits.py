"""Depth, token, alias, page-size and cost limits refuse an operation before it runs, each with
a code in ``extensions``."""

from koc.auth.models import StaffRole
from koc.security.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS


def nested_tag_groups(depth: int) -> str:
    """A valid query whose deepest field is ``depth`` levels below its root field."""
    # tagGroups(0) > tags(1) > group(2) > tags(3) > ... ; the leaf `name` closes it.
    levels = ["tags", "group"] * depth
    inner = "name"
    for field in reversed(levels[: depth - 1]):
        inner = f"{field} {{ {inner} }}"
    return f"{{ tagGroups {{ {inner} }} }}"


async def test_depth_of_10_runs_and_11_is_refused(endpoint) -> None:
    # (nested lists of lists cost 20^5 points: lift the cost limit to see the depth limit alone)
    api = endpoint(max_query_cost=10**9, rate_limit_capacity=10**9)
    staff = await api.staff(StaffRole.ANALYST)

    # given queries exactly at the limit and one level past it
    at_limit = await staff.post(nested_tag_groups(MAX_DEPTH))
    past = await staff.errors(nested_tag_groups(MAX_DEPTH + 1))

    # then the first runs and the second is refused as too deep
    assert at_limit.status_code == 200
    assert "errors" not in at_limit.json(), at_limit.json()
    assert past[0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert "maximum operation depth of 10" in past[0]["message"]


async def test_introspection_does_not_count_toward_depth(staff_client) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    query = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }"
    data = await staff.execute(query)
    assert data["__schema"]["types"]


async def test_more_than_2000_tokens_are_refused_while_parsing(anon_client) -> None:
    # given a document of 2,001+ tokens (each `__typename` is one)
    query = "{ " + " ".join(["__typename"] * MAX_TOKENS) + " }"
    errors = await anon_client.errors(query)
    assert errors[0]["extensions"]["code"] == "TOO_MANY_TOKENS"
    assert "2000 tokens" in errors[0]["message"]


async def test_fifteen_aliases_run_and_sixteen_are_refused(anon_client) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"

    data = await anon_client.execute(aliased(MAX_ALIASES))
    assert len(data) == MAX_ALIASES
    errors = await anon_client.errors(aliased(MAX_ALIASES + 1))
    assert errors[0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert errors[0]["message"] == "16 aliases found. Allowed: 15"


async def test_page_size_over_100_is_refused_before_any_resolver(staff_client) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    for first in (101, -1):
        errors = await staff.errors(
            "query($n: Int) { members(first: $n) { totalCount } }", {"n": first}
        )
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "between 0 and 100" in errors[0]["message"]
    data = await staff.execute("{ members(first: 100) { totalCount } }")
    assert data["members"]["totalCount"] == 0


async def test_an_operation_over_the_cost_limit_is_refused_with_its_cost(endpoint) -> None:
    # given a limit of 100 points
    api = endpoint(max_query_cost=100)
    staff = await api.staff(StaffRole.ANALYST)

    # when staff ask for 5 pages of members (1 + 5 x 3 = 16) and then 100 (1 + 100 x 3 = 301)
    small = await staff.execute("{ members(first: 5) { edges { node { id } } } }")
    errors = await staff.errors("{ members(first: 100) { edges { node { id } } } }")

    # then the small one runs and the large one is refused before execution, saying why
    assert small["members"]["edges"] == []
    assert errors[0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 301, "maxCost": 100}
    assert "smaller pages" in errors[0]["message"]


async def test_batches_are_refused(http) -> None:
    response = await http.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "Batching is not enabled" in response.json()["errors"][0]["message"]
