"""Request ids and log lines: one access line per request, one line per refusal, one traceback
per crash, each with the request id the response carries."""

from __future__ import annotations

import re

import pytest

from koc.members.graphql.types import LifecycleStage
from koc.settings import LogFormat
from tests.conftest import gid, make_settings

ACCESS = "koc.access"


def lines_of(lines: list[dict], logger: str) -> list[dict]:
    return [line for line in lines if line["logger"] == logger]


async def test_a_request_id_sent_comes_back_and_marks_the_access_line(
    member_client, http, log_lines
):
    # given a member
    member = await member_client()
    # when the mini-program sends a named query with its own request id
    response = await http.post(
        "/graphql",
        json={"query": "query Home { me { id } }"},
        headers={"Authorization": f"Bearer {member.token}", "X-Request-ID": "mp-7f3a-0001"},
    )
    # then the response carries that id ...
    assert response.status_code == 200 and response.json()["data"]["me"]["id"]
    assert response.headers["X-Request-ID"] == "mp-7f3a-0001"
    # ... and one access line says what ran, for whom, how it ended and how long it took
    (access,) = lines_of(log_lines(), ACCESS)
    assert access["request_id"] == "mp-7f3a-0001"
    assert access["level"] == "INFO"
    assert {k: access[k] for k in ("method", "path", "status", "caller", "result")} == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "caller": "member",
        "result": "OK",
    }
    assert (access["operation_type"], access["operation"], access["fields"]) == (
        "query",
        "Home",
        "me",
    )
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0


@pytest.mark.parametrize(
    "given", [None, "", "x" * 129, "has space", 'a"quote', "bad\u00e9".encode("latin-1")]
)
async def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(http, given, log_lines):
    # given a request without a usable X-Request-ID / when it is served
    headers = {"X-Request-ID": given} if given is not None else {}
    response = await http.get("/healthz", headers=headers)
    # then koc makes one (32 hex digits), returns it and logs it
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert [line["request_id"] for line in lines_of(log_lines(), ACCESS)] == [made]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ members(first: 1) { totalCount } }", "FORBIDDEN"),
        (f'{{ member(id: "{gid("Tag", 1)}") {{ id }} }}', "BAD_USER_INPUT"),
        ("{ __schema { types { name } } }", "INTROSPECTION_DISABLED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_an_expected_refusal_is_one_line_without_a_traceback(
    member_client, query, code, log_lines
):
    # given a member (in production mode) / when they send what koc refuses
    member = await member_client()
    errors = await member.errors(query)
    # then the answer has the code, and the log one line naming it, with no traceback
    assert errors[0]["extensions"]["code"] == code
    lines = log_lines()
    (refusal,) = lines_of(lines, "koc.graphql")
    assert refusal["level"] == "INFO" and refusal["code"] == code
    assert not any("exception" in line for line in lines)
    (access,) = lines_of(lines, ACCESS)
    assert access["result"] == code and access["request_id"] == refusal["request_id"]


async def test_an_unexpected_error_is_one_traceback_with_the_request_id_of_the_response(
    staff_client, monkeypatch, log_lines
):
    # given a resolver that fails with a bug
    def broken(row):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(LifecycleStage, "from_model", staticmethod(broken))
    staff = await staff_client()
    # when staff run a query that reaches it
    response = await staff.post("{ lifecycleStages { code } }")
    # then the caller sees a masked error with a code and the request id, nothing internal
    body = response.json()
    rid = response.headers["X-Request-ID"]
    (error,) = body["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": rid}
    assert "secret" not in response.text
    # and the log has the traceback once, under the same request id
    lines = log_lines()
    (failure,) = [line for line in lines if "exception" in line]
    assert failure["level"] == "ERROR" and failure["request_id"] == rid
    assert "RuntimeError: secret internals" in failure["exception"]
    assert lines_of(lines, ACCESS)[0]["result"] == "INTERNAL_SERVER_ERROR"


async def test_a_crash_outside_graphql_answers_json_with_the_request_id(
    http, monkeypatch, log_lines
):
    # given the step before GraphQL fails with a bug
    async def broken(*args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("koc.graphql.view.authenticate", broken)
    # when a request comes in
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "crash-1"}
    )
    # then it gets a JSON 500 carrying its request id, not a plain-text page
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "crash-1"
    assert response.json() == {
        "errors": [
            {
                "message": "Internal server error.",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "crash-1"},
            }
        ]
    }
    # and the log holds one traceback and one access line, both under that id
    lines = log_lines()
    (failure,) = [line for line in lines if "exception" in line]
    assert failure["request_id"] == "crash-1" and "secret internals" in failure["exception"]
    (access,) = lines_of(lines, ACCESS)
    assert (access["status"], access["request_id"]) == (500, "crash-1")


@pytest.mark.parametrize(
    ("env", "chosen", "formatter"),
    [
        ("production", LogFormat.AUTO, "JsonFormatter"),
        ("development", LogFormat.AUTO, "TextFormatter"),
        ("development", LogFormat.JSON, "JsonFormatter"),
        ("production", LogFormat.TEXT, "TextFormatter"),
    ],
)
def test_logs_are_json_in_production_and_text_in_development(env, chosen, formatter):
    from koc.logs import logging_config

    settings = make_settings("sqlite://:memory:", "http://127.0.0.1:9", env=env, log_format=chosen)
    config = logging_config(settings)
    assert config["formatters"]["koc"]["()"].__name__ == formatter
    assert config["handlers"]["stderr"]["filters"] == ["request_id"]
