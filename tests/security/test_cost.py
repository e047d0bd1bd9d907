"""The cost estimate: every field 1, lists and connections multiply what they contain."""

import pytest
from graphql import GraphQLError, build_schema, parse

from koc.security.graphql.cost import CostCache, estimate_cost

SCHEMA = build_schema(
    """
    type Query {
      me: Member
      members(first: Int, after: String): MemberConnection!
      stages: [Stage!]!
      labels: [String!]!
    }
    type Mutation { stageCreate(name: String!): Stage }
    type Member { id: ID! nickname: String! stage: Stage tags: [Tag!]! friends(first: Int, last: Int): MemberConnection! }
    type Tag { name: String! }
    type Stage { code: String! }
    type MemberConnection { edges: [MemberEdge!]! pageInfo: PageInfo! totalCount: Int! }
    type MemberEdge { cursor: String! node: Member! }
    type PageInfo { hasNextPage: Boolean! }
    """
)


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:
    return estimate_cost(SCHEMA, parse(query), operation, variables)


def test_every_field_costs_one() -> None:
    assert cost("{ me { id nickname stage { code } } }") == 5


def test_a_connection_multiplies_its_selection_by_its_page_size() -> None:
    # members(1) + 10 x (edges(1) + node(1) + id(1))  [edges is the page the connection counted]
    assert cost("{ members(first: 10) { edges { node { id } } } }") == 1 + 10 * 3


def test_a_connection_without_first_counts_the_default_page_of_20() -> None:
    assert cost("{ members { totalCount } }") == 1 + 20 * 1


def test_page_sizes_given_as_variables_are_used() -> None:
    query = "query($n: Int) { members(first: $n) { totalCount } }"
    assert cost(query, {"n": 50}) == 1 + 50
    assert cost(query, {}) == 1 + 20


def test_nested_connections_multiply() -> None:
    query = "{ members(first: 10) { edges { node { friends(first: 5) { totalCount } } } } }"
    # friends: 1 + 5 x 1 = 6; per edge: edges 1 + node 1 + 6 = 8
    assert cost(query) == 1 + 10 * 8


def test_the_larger_of_first_and_last_counts() -> None:
    assert cost("{ me { friends(first: 2, last: 7) { totalCount } } }") == 1 + (1 + 7 * 1)


def test_plain_lists_of_objects_count_20_and_lists_of_scalars_count_once() -> None:
    assert cost("{ stages { code } }") == 1 + 20 * 1
    assert cost("{ labels }") == 1
    assert cost("{ me { tags { name } } }") == 1 + (1 + 20 * 1)


def test_fragments_and_inline_fragments_are_counted_where_they_are_spread() -> None:
    query = """
      query { members(first: 3) { edges { node { ...M ... on Member { id } } } } }
      fragment M on Member { nickname stage { code } }
    """
    # per edge: edges 1 + node 1 + nickname 1 + stage 2 + id 1 = 6
    assert cost(query) == 1 + 3 * 6


def test_introspection_costs_one_per_field() -> None:
    assert cost("{ __schema { types { name fields { name } } } __typename }") == 2


def test_only_the_named_operation_is_counted() -> None:
    document = 'query A { me { id } } query B { stages { code } } mutation C { stageCreate(name: "x") { code } }'
    assert cost(document, operation="A") == 2
    assert cost(document, operation="B") == 21
    assert cost(document, operation="C") == 2


@pytest.mark.parametrize("size", [101, -1, 10_000])
def test_a_page_size_out_of_range_is_refused_on_any_field(size: int) -> None:
    with pytest.raises(GraphQLError) as refused:
        cost("query($n: Int) { me { friends(last: $n) { totalCount } } }", {"n": size})
    assert refused.value.extensions == {"code": "BAD_USER_INPUT"}
    assert "between 0 and 100" in refused.value.message


def test_the_cost_cache_answers_per_page_size_and_operation() -> None:
    # Given one parsed document sent again and again (strawberry's parser cache does that)
    cache = CostCache()
    document = parse(
        "query A($n: Int) { members(first: $n) { edges { node { id } } } } query B { me { id } }"
    )

    # Then each page size and each operation gets its own cost, as without the cache
    for n in (10, 50, 10, None, 50):
        assert cache.estimate(SCHEMA, document, "A", {"n": n}) == cost(
            "query($n: Int) { members(first: $n) { edges { node { id } } } }", {"n": n}
        )
    assert cache.estimate(SCHEMA, document, "B", {}) == cost("{ me { id } }") == 2
    # and a page size out of range is still refused after the same document was cached
    with pytest.raises(GraphQLError):
        cache.estimate(SCHEMA, document, "A", {"n": 101})
