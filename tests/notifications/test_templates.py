"""Staff map notification kinds to WeChat templates; mistakes are typed errors at once."""

from __future__ import annotations

from typing import Any

from koc.auth.models import StaffRole

SET = """mutation($input: NotificationTemplateSetInput!) { notificationTemplateSet(input: $input) {
  template { kind templateId page enabled brokenReason keyValues { key value } }
  errors { field code message } } }"""
TEMPLATES = """{ notificationTemplates { kind marketing templateId
  availableFields { name sample } } }"""


def _input(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "BADGE_EARNED",
        "templateId": "tpl-badge",
        "page": "pages/badges/detail?id={badge_id}",
        "keyValues": [
            {"key": "thing1", "value": "{badge_name}"},
            {"key": "time2", "value": "{earned_at}"},
        ],
        **changes,
    }


async def _set(staff, **changes: Any) -> dict[str, Any]:
    return (await staff.execute(SET, {"input": _input(**changes)}))["notificationTemplateSet"]


async def test_a_mapping_is_saved_and_listed_with_its_kind(app, staff_client) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    payload = await _set(operator)
    assert payload["errors"] == []
    assert payload["template"]["templateId"] == "tpl-badge"
    # saved again, it is replaced (one mapping per kind)
    payload = await _set(operator, templateId="tpl-badge-2")
    assert payload["template"]["templateId"] == "tpl-badge-2"
    analyst = await staff_client(StaffRole.ANALYST)
    listed = {t["kind"]: t for t in (await analyst.execute(TEMPLATES))["notificationTemplates"]}
    assert listed["BADGE_EARNED"]["templateId"] == "tpl-badge-2"
    assert listed["SURVEY_INVITATION"] == {
        "kind": "SURVEY_INVITATION",
        "marketing": True,
        "templateId": None,
        "availableFields": [
            {"name": "survey_id", "sample": "4"},
            {"name": "survey_title", "sample": "充电桩需求调研"},
            {"name": "closes_at", "sample": "2026年12月31日 23:59"},
        ],
    }
    assert len(listed) == 10


async def test_each_problem_is_named_at_its_field(app, staff_client) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    payload = await _set(
        operator,
        templateId="bad id!",
        page="https://evil.example/x",
        keyValues=[
            {"key": "title1", "value": "x"},  # not a WeChat key type
            {"key": "thing2", "value": "{nickname}"},  # not a field of the kind
            {"key": "number3", "value": "{badge_name}"},  # text in a number key
            {"key": "thing4", "value": "一个超过二十个字符的固定文字内容会被微信拒绝的啊"},
            {"key": "phrase5", "value": "已获得"},
        ],
    )
    assert payload["template"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("templateId", "INVALID"),
        ("page", "INVALID"),
        ("keyValues.0.key", "UNKNOWN_KEY"),
        ("keyValues.1.value", "UNKNOWN_FIELD"),
        ("keyValues.2.value", "VALUE_RULE"),
        ("keyValues.3.value", "VALUE_RULE"),
    ]
    # nothing was saved
    analyst = await staff_client(StaffRole.ANALYST)
    listed = {t["kind"]: t for t in (await analyst.execute(TEMPLATES))["notificationTemplates"]}
    assert listed["BADGE_EARNED"]["templateId"] is None


async def test_a_long_field_may_fill_a_thing_it_is_cut_at_send_time(app, staff_client) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    # a privilege name may be longer than 20 characters: accepted, cut when sent
    payload = await _set(
        operator,
        kind="PRIVILEGE_GRANTED",
        page="",
        keyValues=[{"key": "thing1", "value": "您获得了专属特权：{privilege_name}，有效期至"}],
    )
    assert payload["errors"] == []
    # a time key must be filled with a time
    payload = await _set(operator, keyValues=[{"key": "time2", "value": "{badge_name}"}])
    assert payload["errors"][0]["code"] == "VALUE_RULE"
    assert "time" in payload["errors"][0]["message"]
