"""koc's WeCom callback crypto against vectors of the independent sample implementation."""

from __future__ import annotations

import base64

import pytest

from koc.livecodes import wecom_crypto
from koc.livecodes.wecom_crypto import CallbackRefused
from tests.conftest import WECOM_AES_KEY, WECOM_CORP_ID, WECOM_TOKEN
from tests.livecodes.wecom_sample import encrypt, sign


def test_koc_decrypts_what_the_sample_encrypts():
    for message in (b"", b"<xml>x</xml>", "中文消息".encode() * 40):
        encrypted = encrypt(message)
        assert wecom_crypto.decrypt(WECOM_AES_KEY, encrypted, WECOM_CORP_ID) == message


def test_signatures_agree_and_a_wrong_one_is_refused():
    encrypted = encrypt(b"<xml/>")
    given = sign("1700000000", "n1", encrypted)
    assert wecom_crypto.signature(WECOM_TOKEN, "1700000000", "n1", encrypted) == given
    wecom_crypto.verify(WECOM_TOKEN, "1700000000", "n1", encrypted, given.upper())
    with pytest.raises(CallbackRefused):
        wecom_crypto.verify(WECOM_TOKEN, "1700000001", "n1", encrypted, given)
    with pytest.raises(CallbackRefused):
        wecom_crypto.verify("another-token", "1700000000", "n1", encrypted, given)


def test_a_message_for_another_corp_or_key_is_refused():
    with pytest.raises(CallbackRefused, match="corp"):
        wecom_crypto.decrypt(WECOM_AES_KEY, encrypt(b"hi", corp_id="ww-other"), WECOM_CORP_ID)
    other_key = "Z" * 43
    with pytest.raises(CallbackRefused):
        wecom_crypto.decrypt(WECOM_AES_KEY, encrypt(b"hi", key=other_key), WECOM_CORP_ID)


def test_malformed_ciphertexts_are_refused_not_crashed():
    good = base64.b64decode(encrypt(b"hello"))
    flipped = base64.b64encode(good[:-1] + bytes([good[-1] ^ 1])).decode()
    for bad in ("", "not base64!", base64.b64encode(b"short").decode(), flipped):
        with pytest.raises(CallbackRefused):
            wecom_crypto.decrypt(WECOM_AES_KEY, bad, WECOM_CORP_ID)
