"""Webhooks go over HTTPS in production and never to the network's own machines."""

from __future__ import annotations

from typing import Any

import pytest

from koc.auth.models import StaffRole
from koc.errors import DomainError
from koc.webhooks.targets import is_public, resolve_target
from tests.webhooks.helpers import CREATE


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::7",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_inside_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_outside_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://crm.example/hook", "HTTPS"),
        ("https://127.0.0.1/hook", "non-public"),
        ("https://localhost:8443/hook", "non-public"),  # resolved, then refused
        ("https://169.254.169.254/latest/meta-data", "non-public"),  # the cloud's metadata
        ("https://[::1]/hook", "non-public"),
    ],
)
async def test_production_refuses_plain_http_and_inside_targets(
    staff_client, url: str, why: str, app: Any
) -> None:
    # given an admin of a production server with the default settings
    admin = await staff_client(StaffRole.ADMIN)
    # when they subscribe such a URL, then it is refused, saying why, and nothing is stored
    data = await admin.execute(CREATE, {"input": {"url": url}})
    [error] = data["webhookSubscriptionCreate"]["errors"]
    assert (error["field"], error["code"]) == ("url", "UNSAFE_URL")
    assert why in error["message"]
    assert data["webhookSubscriptionCreate"]["subscription"] is None


async def test_the_same_targets_pass_when_the_settings_allow_them(local_settings) -> None:
    target = await resolve_target("http://localhost:9/hook", local_settings)
    assert target.address in ("127.0.0.1", "::1") and target.host == "localhost"
    with pytest.raises(DomainError) as refused:
        await resolve_target("ftp://crm.example/hook", local_settings)
    assert refused.value.code.value == "INVALID"
