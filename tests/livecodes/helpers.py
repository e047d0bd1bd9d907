"""Small factories for live code tests, through the API as staff would do it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

CREATE = """mutation($input: LiveCodeCreateInput!) {
  liveCodeCreate(input: $input) {
    liveCode { id slug name kind channel url qrPngUrl qrSvgUrl scene tagIds ownerMemberId
      lowTargets runningLow page urlLink wecomConfigId wecomQrCode active
      advisors { wecomUserid staffId } }
    errors { field code message }
  }
}"""
ADD_TARGET = """mutation($input: LiveCodeTargetAddInput!) {
  liveCodeTargetAdd(input: $input) {
    target { id position label imageUrl capacity expiresAt served active usable }
    errors { field code message }
  }
}"""
UPDATE_TARGET = """mutation($input: LiveCodeTargetUpdateInput!) {
  liveCodeTargetUpdate(input: $input) {
    target { id position capacity expiresAt served active usable }
    errors { field code message }
  }
}"""


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def create_code(staff: Any, **fields: Any) -> dict[str, Any]:
    values = {
        "slug": "spring-poster",
        "name": "Spring poster",
        "kind": "GROUP",
        "channel": "poster",
    }
    data = await staff.execute(CREATE, {"input": {**values, **fields}})
    payload = data["liveCodeCreate"]
    assert payload["errors"] == [], payload["errors"]
    return payload["liveCode"]


async def add_target(staff: Any, code_id: str, **fields: Any) -> dict[str, Any]:
    values = {
        "liveCodeId": code_id,
        "expiresAt": in_days(7),
        "imageUrl": "https://img.example/group.png",
    }
    data = await staff.execute(ADD_TARGET, {"input": {**values, **fields}})
    payload = data["liveCodeTargetAdd"]
    assert payload["errors"] == [], payload["errors"]
    return payload["target"]
