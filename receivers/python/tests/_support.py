"""Deliveries made the way Hookline makes them, built here from the wire rules with
standardwebhooks' own signing and the cryptography package, independently of the code under test."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(bytes(range(24))).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 124))).decode()
KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"

FIXTURE: dict[str, Any] = json.loads((Path(__file__).parent / "fixtures" / "hookline-wire.json").read_text("utf-8"))

# Text an XML writer or reader could get wrong: markup characters, quotes, an entity-looking
# string, and non-ASCII of 2, 3 and 4 UTF-8 bytes.
TRICKY = "Golden <badge> & \"friends\" 'quoted' &amp; ünïcødé 日本語 🎉"

PURCHASE: dict[str, Any] = {
    "id": "evt_AZrTq1MwZ1yT5oQ0xJb9Rg",
    "type": "store.item.purchased",
    "timestamp": "2026-11-29T12:00:00.000Z",
    "communityId": "cmty_AZrTpz8cR4KfWn2vYt6eLA",
    "data": {
        "item": {"id": "itm_3", "name": TRICKY, "category": "badges"},
        "user": {"id": "usr_42", "username": "ada"},
        "purchase": {"id": "pur_9", "price": 4.5, "currency": "USD", "quantity": 2},
        "purchasedAt": "2026-11-29T12:00:00.000Z",
    },
}


def sign(body: str, *, secret: str = SECRET, msg_id: str = "dlv_test", timestamp: Optional[datetime] = None) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, signed by standardwebhooks itself."""
    at = timestamp or datetime.now(tz=timezone.utc)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def encrypt(plaintext: str, algorithm: str, key: str = KEY, iv: Optional[bytes] = None) -> str:
    """base64(IV ‖ ciphertext ‖ tag) for aes-256-gcm, base64(IV ‖ ciphertext) with PKCS#7 for aes-256-cbc."""
    key_bytes = key.encode("utf-8")
    data = plaintext.encode("utf-8")
    if algorithm == "aes-256-gcm":
        iv = iv or os.urandom(12)
        return base64.b64encode(iv + AESGCM(key_bytes).encrypt(iv, data, None)).decode()
    assert algorithm == "aes-256-cbc"
    iv = iv or os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key_bytes), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


def render_json(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def _xml_text(value: Any) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


def _xml(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_xml(name, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(_xml(k, v) for k, v in value.items())
    elif value is None:
        inner = ""
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    elif isinstance(value, (int, float)):
        inner = json.dumps(value)
    else:
        inner = _xml_text(value)
    return f"<{name}>{inner}</{name}>"


def render_xml(envelope: dict[str, Any]) -> str:
    """The wire's XML rules: the JSON tree under <event>, arrays as repeated elements, leaves as text."""
    return '<?xml version="1.0" encoding="UTF-8"?>' + _xml("event", envelope)


def as_xml_reads_back(value: Any) -> Any:
    """What the documented XML rules give back for a JSON value (arrays of two or more items only)."""
    if isinstance(value, dict):
        return {k: as_xml_reads_back(v) for k, v in value.items()} if value else ""
    if isinstance(value, list):
        return [as_xml_reads_back(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return value


def make_delivery(
    envelope: dict[str, Any],
    fmt: str = "json",
    algorithm: Optional[str] = None,
    *,
    key: str = KEY,
    secret: str = SECRET,
    msg_id: str = "dlv_test",
    attempt: int = 1,
    timestamp: Optional[datetime] = None,
) -> tuple[str, dict[str, str]]:
    """A delivery as Hookline sends it: (body, headers)."""
    plaintext = render_json(envelope) if fmt == "json" else render_xml(envelope)
    plain_type = "application/json" if fmt == "json" else "application/xml"
    headers = {"content-type": plain_type, "user-agent": "Hookline/0.1.0"}
    body = plaintext
    if algorithm:
        body = encrypt(plaintext, algorithm, key)
        headers.update({
            "content-type": "text/plain",
            "x-encrypted": "true",
            "x-encryption-algorithm": algorithm,
            "x-content-type": plain_type,
        })
    headers.update({"x-hookline-event-type": envelope["type"], "x-hookline-attempt": str(attempt)})
    headers.update(sign(body, secret=secret, msg_id=msg_id, timestamp=timestamp))
    return body, headers
