"""WeCom's published callback algorithm (its WXBizMsgCrypt sample), re-implemented here from
the specification, independently of koc's code: it produces the callbacks the tests send.

    msg_encrypt = Base64(AES-256-CBC(random(16B) + msg_len(4B, network order) + msg + CorpID))
    key = Base64_Decode(EncodingAESKey + "="), IV = key[0:16], PKCS#7 padding to 32 bytes
    msg_signature = SHA1(sort(token, timestamp, nonce, msg_encrypt))
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.conftest import WECOM_AES_KEY, WECOM_CORP_ID, WECOM_TOKEN


def encrypt(message: bytes, *, key: str = WECOM_AES_KEY, corp_id: str = WECOM_CORP_ID) -> str:
    aes_key = base64.b64decode(key + "=")
    text = os.urandom(16) + len(message).to_bytes(4, "big") + message + corp_id.encode()
    amount = 32 - len(text) % 32
    text += bytes([amount]) * amount
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(text) + encryptor.finalize()).decode()


def sign(timestamp: str, nonce: str, encrypted: str, token: str = WECOM_TOKEN) -> str:
    parts = sorted([token, timestamp, nonce, encrypted])
    return hashlib.sha1("".join(parts).encode()).hexdigest()


def add_contact_event(external_userid: str, userid: str, state: str) -> bytes:
    return f"""<xml><ToUserName><![CDATA[{WECOM_CORP_ID}]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>
<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[{userid}]]></UserID>
<ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID><State><![CDATA[{state}]]></State>
<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>""".encode()


def callback_request(
    message: bytes, *, timestamp: int | None = None, **keys: str
) -> tuple[str, bytes]:
    """The URL and body WeCom posts for ``message``."""
    encrypted = encrypt(message, **keys)
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = "nonce123"
    query = urlencode(
        {"msg_signature": sign(ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}
    )
    body = (
        f"<xml><ToUserName><![CDATA[{WECOM_CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    return f"/wecom/callback?{query}", body.encode()
