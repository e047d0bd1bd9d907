"""WeChat's value rules per key type, and cutting text to fit (pure functions)."""

from __future__ import annotations

import pytest

from koc.notifications.values import fit, key_type, problem


@pytest.mark.parametrize(
    ("key", "kind"),
    [("thing1", "thing"), ("character_string12", "character_string"), ("time2", "time")],
)
def test_a_key_is_a_type_and_a_number(key: str, kind: str) -> None:
    assert key_type(key) == kind


@pytest.mark.parametrize("key", ["thing", "title1", "thing1a", "enum3"])
def test_other_keys_are_unknown(key: str) -> None:
    assert key_type(key) is None


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("thing", "首批车主勋章"),
        ("number", "339208499"),
        ("number", "12.5"),
        ("letter", "abc"),
        ("symbol", "%"),
        ("character_string", "KOC-2026-000012"),
        ("time", "15:01"),
        ("time", "2019年10月1日 15:01"),
        ("time", "2026年12月07日 15:01 ~ 2026年12月07日 17:00"),
        ("date", "2019年10月1日"),
        ("amount", "¥100.50"),
        ("amount", "100元"),
        ("phone_number", "+86-0766-66888866"),
        ("car_number", "粤A8Z888挂"),
        ("name", "张三"),
        ("phrase", "配送中"),
    ],
)
def test_values_wechat_takes(kind: str, value: str) -> None:
    assert problem(kind, value) is None


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("thing", "这是一个超过二十个字符的很长很长很长的勋章名称啊"),
        ("thing", "   "),
        ("number", "12 points"),
        ("letter", "abc1"),
        ("character_string", "KOC 12"),
        ("time", "tomorrow"),
        ("amount", "100 dollars"),
        ("phrase", "正常结束了吗啊"),
        ("phrase", "abc"),
        ("name", "张三李四王五赵六孙七周"),
    ],
)
def test_values_wechat_refuses(kind: str, value: str) -> None:
    assert problem(kind, value)


def test_text_is_cut_to_fit_and_other_values_are_left_alone() -> None:
    long = "这是一个超过二十个字符的很长很长很长的勋章名称啊"
    assert fit("thing", long) == long[:19] + "…"
    assert problem("thing", fit("thing", long)) is None
    assert fit("character_string", "x" * 40) == "x" * 32
    assert fit("phrase", "正常结束了吗") == "正常结束了"
    assert fit("thing", "short") == "short"
    # a number cut would change its meaning: it is sent as it is
    assert fit("number", "1" * 40) == "1" * 40
