"""Verify, decrypt and parse one Hookline delivery.

Order matters: the signature covers the body exactly as sent (for an encrypted webhook, the
base64 ciphertext), so verify first, then decrypt, then parse. `receive` does all three.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Mapping, Optional, Protocol, Sequence, Tuple, Union
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as _XmlSyntaxError

import defusedxml
import defusedxml.ElementTree
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks import Webhook, WebhookVerificationError

__all__ = [
    "ALGORITHMS",
    "DecryptionError",
    "Delivery",
    "Headers",
    "ParseError",
    "ReceiverError",
    "VerificationError",
    "decrypt",
    "parse",
    "receive",
    "verify",
]

#: The encryption algorithms a Hookline webhook can use (`x-encryption-algorithm`).
ALGORITHMS = ("aes-256-gcm", "aes-256-cbc")

_GCM_IV_BYTES = 12
_GCM_TAG_BYTES = 16
_CBC_IV_BYTES = 16
_AES_BLOCK_BYTES = 16
_KEY_BYTES = 32


class ReceiverError(Exception):
    """Base class of every error this package raises for a delivery it cannot accept."""


class VerificationError(ReceiverError, WebhookVerificationError):
    """The signature or timestamp headers do not check out: answer 401 and do not trust the body.

    Also a `standardwebhooks.WebhookVerificationError`, so code that catches that keeps working.
    """


class DecryptionError(ReceiverError):
    """An encrypted delivery could not be decrypted (wrong key, bad headers or a damaged body)."""


class ParseError(ReceiverError):
    """The plaintext is not a JSON object or a Hookline XML event, or its type is unsupported."""


class _SupportsItems(Protocol):
    def items(self) -> Iterable[Tuple[str, Any]]: ...


#: Headers as any framework hands them over: a dict, http.server's `self.headers`
#: (an `email.message.Message`), Flask/Werkzeug, Django or Starlette headers. Names are matched
#: case-insensitively; a value may be a string or a list of strings (joined with a space, which is
#: how Standard Webhooks separates several signatures).
Headers = Union[Mapping[str, str], Mapping[str, Sequence[str]], _SupportsItems]


@dataclass(frozen=True)
class Delivery:
    """One verified, decrypted and parsed delivery."""

    #: `webhook-id`: the same on every attempt and replay of a delivery, so dedupe on it.
    delivery_id: str
    #: `x-hookline-attempt` (1, 2, ...), or None when the header is absent. Not covered by the signature.
    attempt: Optional[int]
    #: The event's type (from the signed body; the same as `x-hookline-event-type`).
    event_type: str
    #: The event envelope: id, type, timestamp, communityId and data (see `parse` for XML).
    event: dict[str, Any]


def header(headers: Headers, name: str) -> Optional[str]:
    """The value of header `name` (case-insensitive), repeated lines joined with a space; None if absent."""
    wanted = name.lower()
    found: list[str] = []
    for key, value in headers.items():
        if not isinstance(key, str) or key.lower() != wanted or value is None:
            continue
        if isinstance(value, bytes):
            found.append(value.decode("latin-1"))
        elif isinstance(value, (list, tuple)):
            found.extend(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in value)
        else:
            found.append(str(value))
    return " ".join(found) if found else None


def _text(body: Union[bytes, str], error: type[ReceiverError]) -> str:
    if isinstance(body, str):
        return body
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise error("the body is not UTF-8 text") from None


def _webhook(secret: str) -> Webhook:
    # Hookline's secrets are 'whsec_' + base64; a bad one is the receiver's configuration error,
    # not the sender's, so it is a ValueError rather than a VerificationError.
    if not isinstance(secret, str) or not secret.strip():
        raise ValueError("secret must be the webhook's signing secret ('whsec_...')")
    try:
        return Webhook(secret.strip())
    except Exception:
        raise ValueError("secret must be the webhook's signing secret ('whsec_' followed by base64)") from None


def verify(body: Union[bytes, str], headers: Headers, secret: str) -> None:
    """Raise `VerificationError` unless the delivery is signed by `secret` and recent.

    `body` is the raw request body exactly as received (never a re-serialisation of the parsed
    one), `headers` the request's headers and `secret` the webhook's signing secret (`whsec_...`).
    The check is the `standardwebhooks` package's: one of the space-separated `v1,<base64>`
    entries of `webhook-signature` must be the HMAC of `<webhook-id>.<webhook-timestamp>.<body>`,
    and `webhook-timestamp` must be within 5 minutes of this machine's clock. During a secret
    rotation Hookline signs with every live secret, so either the new or the old secret verifies.
    Works for any body (JSON, XML or encrypted base64): nothing is parsed here.
    """
    webhook = _webhook(secret)
    text = _text(body, VerificationError)
    signed: dict[str, str] = {}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        value = header(headers, name)
        if value is not None:
            signed[name] = value.strip()
    if "webhook-signature" in signed:
        # standardwebhooks splits on single spaces and gives up on an entry without exactly one
        # comma; keep only well-formed entries so one odd entry cannot hide a valid signature.
        entries = [e for e in signed["webhook-signature"].split() if e.count(",") == 1]
        if not entries:
            raise VerificationError("webhook verification failed: webhook-signature has no 'v1,<base64>' entry")
        signed["webhook-signature"] = " ".join(entries)
    try:
        webhook.verify(text, signed, json_parse=False)
    except WebhookVerificationError as error:
        raise VerificationError(f"webhook verification failed: {error}") from None
    except (ValueError, TypeError):  # binascii.Error (bad base64 in a signature) is a ValueError
        raise VerificationError("webhook verification failed: malformed signature headers") from None


def _key_bytes(key: Union[str, bytes]) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    # Never echo the key itself: this message can end up in logs.
    if len(raw) != _KEY_BYTES:
        raise DecryptionError(
            f"the encryption key must be exactly 32 bytes as UTF-8 (the webhook's 32-character key), got {len(raw)}"
        )
    return raw


def decrypt(
    body: Union[bytes, str], headers: Headers, key: Union[str, bytes, None] = None
) -> tuple[str, str]:
    """Return `(plaintext, content_type)` of a delivery.

    For an encrypted delivery (`x-encrypted: true`) the body is base64 of IV ‖ ciphertext
    (‖ 16-byte tag for aes-256-gcm), decrypted with `key` (the webhook's 32-character key, used
    as its UTF-8 bytes) per `x-encryption-algorithm`; the type is `x-content-type`. Any other
    delivery comes back unchanged with its `content-type`. Raises `DecryptionError`.
    Call `verify` first: the signature is what makes the ciphertext trustworthy (aes-256-cbc
    itself does not authenticate).
    """
    text = _text(body, DecryptionError)
    if (header(headers, "x-encrypted") or "").strip().lower() != "true":
        return text, (header(headers, "content-type") or "").strip()

    algorithm = (header(headers, "x-encryption-algorithm") or "").strip().lower()
    if algorithm not in ALGORITHMS:
        raise DecryptionError(f"unsupported x-encryption-algorithm: {algorithm or '(absent)'}")
    content_type = header(headers, "x-content-type")
    if content_type is None:
        raise DecryptionError("encrypted delivery is missing x-content-type")
    if key is None or key == "" or key == b"":
        raise DecryptionError("the delivery is encrypted: pass the webhook's encryption key")
    key_bytes = _key_bytes(key)
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("the encrypted body is not base64") from None

    if algorithm == "aes-256-gcm":
        if len(raw) < _GCM_IV_BYTES + _GCM_TAG_BYTES:
            raise DecryptionError("aes-256-gcm body is too short")
        try:
            plain = AESGCM(key_bytes).decrypt(raw[:_GCM_IV_BYTES], raw[_GCM_IV_BYTES:], None)
        except InvalidTag:
            raise DecryptionError("aes-256-gcm authentication failed: wrong key, or the body was altered") from None
    else:
        iv, ciphertext = raw[:_CBC_IV_BYTES], raw[_CBC_IV_BYTES:]
        if len(iv) < _CBC_IV_BYTES or not ciphertext or len(ciphertext) % _AES_BLOCK_BYTES:
            raise DecryptionError("aes-256-cbc body is not an IV followed by whole cipher blocks")
        decryptor = Cipher(algorithms.AES(key_bytes), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(_AES_BLOCK_BYTES * 8).unpadder()
        try:
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise DecryptionError("aes-256-cbc padding is invalid: wrong key, or the body was altered") from None
    try:
        return plain.decode("utf-8"), content_type.strip()
    except UnicodeDecodeError:
        raise DecryptionError("the decrypted body is not UTF-8: wrong key?") from None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def parse(
    plaintext: Union[str, bytes], content_type: str, *, xml_arrays: Collection[str] = ()
) -> dict[str, Any]:
    """Parse a plaintext body into the event envelope, a dict: id, type, timestamp, communityId, data.

    JSON (`application/json`) is parsed with `json`, so it is exactly what Hookline sent.
    XML (`application/xml`) is read into the same shape, following Hookline's XML rules:
    nested elements become dicts and a repeated element a list; every leaf comes back as a
    string (numbers and booleans as their JSON text: `"quantity": "2"`); `null`, `""` and `{}`
    all come back as `""` (an empty element). An array cannot be told from a single value in XML:
    a one-element array reads back as its one item and an empty array as an absent field, unless
    its dotted path from the event (e.g. `"data.tags"`) is in `xml_arrays`, which makes it a list
    whenever it is present. DTDs and entity declarations are refused (defusedxml).
    Raises `ParseError`.
    """
    if isinstance(plaintext, bytes):
        plaintext = _text(plaintext, ParseError)
    media = _media_type(content_type)
    if media == "application/json" or media.endswith("+json"):
        try:
            event = json.loads(plaintext)
        except ValueError as error:
            raise ParseError(f"the body is not valid JSON: {error}") from None
        if not isinstance(event, dict):
            raise ParseError("the JSON body is not an object")
        return event
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return _parse_xml(plaintext, frozenset(xml_arrays))
    raise ParseError(f"unsupported content type {content_type!r}: expected application/json or application/xml")


def _parse_xml(plaintext: str, arrays: frozenset[str]) -> dict[str, Any]:
    try:
        root = defusedxml.ElementTree.fromstring(plaintext.encode("utf-8"), forbid_dtd=True)
    except _XmlSyntaxError as error:
        raise ParseError(f"the body is not well-formed XML: {error}") from None
    except defusedxml.DefusedXmlException as error:
        raise ParseError(f"the XML body uses a forbidden construct: {error!r}") from None
    if root.tag != "event":
        raise ParseError(f"the XML body's root element is <{root.tag}>, expected <event>")
    event = _xml_value(root, "", arrays)
    return event if isinstance(event, dict) else {}


def _xml_value(element: Element, path: str, arrays: frozenset[str]) -> Union[str, dict[str, Any]]:
    children = list(element)
    if not children:
        return element.text or ""
    # Hookline never mixes text and elements; whitespace between elements (pretty-printed XML) is fine.
    if (element.text or "").strip() or any((child.tail or "").strip() for child in children):
        raise ParseError(f"<{path or element.tag}> mixes text and elements")
    out: dict[str, Any] = {}
    for child in children:
        name = child.tag
        child_path = f"{path}.{name}" if path else name
        value = _xml_value(child, child_path, arrays)
        if name not in out:
            out[name] = [value] if child_path in arrays else value
        elif isinstance(out[name], list):  # values are never lists themselves, so this is a repeat
            out[name].append(value)
        else:
            out[name] = [out[name], value]
    return out


def receive(
    body: Union[bytes, str],
    headers: Headers,
    secret: str,
    encryption_key: Union[str, bytes, None] = None,
    *,
    xml_arrays: Collection[str] = (),
) -> Delivery:
    """Verify, decrypt and parse one delivery: the one call a receiver needs.

    Raises `VerificationError` (answer 401) or `DecryptionError` / `ParseError` (answer 400),
    all of them `ReceiverError`s. `encryption_key` is needed only if the webhook encrypts.
    """
    verify(body, headers, secret)
    plaintext, content_type = decrypt(body, headers, encryption_key)
    event = parse(plaintext, content_type, xml_arrays=xml_arrays)
    event_type = event.get("type")
    if not isinstance(event_type, str):
        event_type = (header(headers, "x-hookline-event-type") or "").strip()
    attempt_header = (header(headers, "x-hookline-attempt") or "").strip()
    attempt = int(attempt_header) if attempt_header.isascii() and attempt_header.isdigit() else None
    return Delivery(
        delivery_id=(header(headers, "webhook-id") or "").strip(),
        attempt=attempt,
        event_type=event_type,
        event=event,
    )
