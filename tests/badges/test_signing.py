"""Signed QR tokens: genuine ones verify until they expire; anything else is INVALID."""

from datetime import UTC, datetime, timedelta

import pytest

from koc.badges import signing

SECRET = "s" * 40
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_a_token_round_trips_its_values_until_it_expires():
    token = signing.sign(SECRET, "badge", (42, 7), NOW + timedelta(minutes=5))
    values, expires_at = signing.verify(SECRET, "badge", token, 2, now=NOW)
    assert values == (42, 7)
    assert expires_at == NOW + timedelta(minutes=5)
    assert len(token) <= 40 and token == token.upper()


def test_an_expired_genuine_token_is_expired():
    token = signing.sign(SECRET, "badge", (42, 7), NOW)
    with pytest.raises(signing.TokenError) as exc:
        signing.verify(SECRET, "badge", token, 2, now=NOW)
    assert exc.value.problem is signing.TokenProblem.EXPIRED


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tampered signature
        lambda t: ("A" if t[0] != "A" else "B") + t[1:],  # tampered body
        lambda t: signing.sign("other" * 10, "badge", (42, 7), NOW + timedelta(hours=1)),
        lambda t: signing.sign(SECRET, "privilege-redemption", (42, 7), NOW + timedelta(hours=1)),
        lambda t: "not a token!",
        lambda t: "",
    ],
)
def test_forged_tokens_are_invalid(forge):
    token = signing.sign(SECRET, "badge", (42, 7), NOW + timedelta(hours=1))
    with pytest.raises(signing.TokenError) as exc:
        signing.verify(SECRET, "badge", forge(token), 2, now=NOW)
    assert exc.value.problem is signing.TokenProblem.INVALID


def test_an_expired_forgery_is_invalid_not_expired():
    token = signing.sign("other" * 10, "badge", (42, 7), NOW - timedelta(days=1))
    with pytest.raises(signing.TokenError) as exc:
        signing.verify(SECRET, "badge", token, 2, now=NOW)
    assert exc.value.problem is signing.TokenProblem.INVALID


def test_scanner_noise_does_not_matter():
    token = signing.sign(SECRET, "badge", (1, 2), NOW + timedelta(hours=1))
    noisy = " " + "-".join(token[i : i + 4] for i in range(0, len(token), 4)).lower() + " "
    assert signing.verify(SECRET, "badge", noisy, 2, now=NOW)[0] == (1, 2)
