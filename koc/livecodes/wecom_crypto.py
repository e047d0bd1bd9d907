"""WeCom's callback crypto, as its specification says: the signature is the SHA-1 of the sorted
token, timestamp, nonce and ciphertext; the message is AES-256-CBC with the key
``base64(EncodingAESKey + "=")``, IV its first 16 bytes, PKCS#7 padded to 32 bytes, and the
plaintext is ``random(16) + length(4, big-endian) + message + receiveid`` (the CorpID)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CallbackRefused(Exception):
    """The callback is not from WeCom (bad signature, key or receiver) or is malformed."""


def aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackRefused("bad EncodingAESKey") from exc
    if len(key) != 32:
        raise CallbackRefused("bad EncodingAESKey")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def verify(token: str, timestamp: str, nonce: str, encrypted: str, given: str) -> None:
    expected = signature(token, timestamp, nonce, encrypted)
    if not hmac.compare_digest(expected, given.lower()):
        raise CallbackRefused("bad signature")


def decrypt(encoding_aes_key: str, encrypted: str, receive_id: str) -> bytes:
    """The message inside ``encrypted``, which must be addressed to ``receive_id``."""
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackRefused("ciphertext is not base64") from exc
    if not data or len(data) % 16:
        raise CallbackRefused("ciphertext is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CallbackRefused("bad padding")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise CallbackRefused("message too short")
    (length,) = struct.unpack(">I", plain[16:20])
    message, receiver = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length or not hmac.compare_digest(receiver, receive_id.encode()):
        raise CallbackRefused("message not addressed to this corp")
    return message
