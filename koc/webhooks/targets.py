"""Where a webhook may be sent: HTTPS in production, and never to this network's own machines.

A URL's host is resolved and every address it resolves to is checked: a private, loopback,
link-local, multicast, reserved or unspecified address is refused unless
``KOC_WEBHOOK_ALLOW_PRIVATE_TARGETS`` allows it (a receiver on the brand's own network, or the
tests' local receiver). The request then goes to the address that was checked (the URL's host
kept for the Host header and TLS's server name), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot redirect it inside.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from koc.errors import DomainError
from koc.settings import Environment, Settings
from koc.webhooks.errors import WebhookErrorCode as Code

MAX_URL = 2000


@dataclass(frozen=True)
class Target:
    """A checked URL: send to ``address``, naming ``host``."""

    url: str
    host: str
    port: int
    address: str


def _refuse(message: str) -> DomainError:
    return DomainError(Code.UNSAFE_URL, message, "url")


def check_url(url: str, settings: Settings) -> tuple[str, str, int]:
    """The scheme, host and port of a URL a subscription may use (no DNS)."""
    if len(url) > MAX_URL:
        raise DomainError(Code.INVALID, f"The URL is at most {MAX_URL} characters.", "url")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DomainError(Code.INVALID, "Give an absolute http(s) URL.", "url")
    if parts.username or parts.password:
        raise DomainError(Code.INVALID, "Put no credentials in the URL.", "url")
    https_only = settings.env is Environment.PRODUCTION and not settings.webhook_allow_http
    if parts.scheme == "http" and https_only:
        raise _refuse("Webhook URLs must use HTTPS.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise DomainError(Code.INVALID, "The URL's port is not valid.", "url") from exc
    return parts.scheme, parts.hostname, port


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def resolve_target(url: str, settings: Settings) -> Target:
    """Check ``url`` and every address its host resolves to; the first one to send to."""
    _, host, port = check_url(url, settings)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except OSError as exc:
        raise _refuse(f"The host {host} does not resolve.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise _refuse(f"The host {host} does not resolve.")
    if not settings.webhook_allow_private_targets:
        inside = [a for a in addresses if not is_public(a)]
        if inside:
            raise _refuse(f"The host {host} resolves to a non-public address ({inside[0]}).")
    return Target(url=url, host=host, port=port, address=addresses[0])
