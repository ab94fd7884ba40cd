from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
from typing import Optional

import pytest

from hookline_receiver import DecryptionError, Delivery, ParseError, VerificationError, receive
from _support import KEY, OTHER_KEY, OTHER_SECRET, PURCHASE, SECRET, as_xml_reads_back, make_delivery


@pytest.mark.parametrize("algorithm", [None, "aes-256-gcm", "aes-256-cbc"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_format_and_encryption(fmt: str, algorithm: Optional[str]) -> None:
    body, headers = make_delivery(PURCHASE, fmt, algorithm, msg_id="dlv_abc", attempt=3)
    delivery = receive(body, headers, SECRET, KEY if algorithm else None)
    assert delivery == Delivery(
        delivery_id="dlv_abc",
        attempt=3,
        event_type="store.item.purchased",
        event=PURCHASE if fmt == "json" else as_xml_reads_back(PURCHASE),
    )
    # an encrypted body is not readable without the key, and an unencrypted one ignores it
    assert receive(body.encode("utf-8"), headers, SECRET, KEY) == delivery


def test_headers_as_http_server_gives_them() -> None:
    body, headers = make_delivery(PURCHASE, "xml", "aes-256-gcm")
    raw = "".join(f"{name.title()}: {value}\r\n" for name, value in headers.items())
    delivery = receive(body.encode(), email.message_from_string(raw, policy=email.policy.HTTP), SECRET, KEY)
    assert delivery.event["data"]["item"]["name"] == PURCHASE["data"]["item"]["name"]


def test_verification_comes_first() -> None:
    body, headers = make_delivery(PURCHASE, "json", "aes-256-gcm")
    raw = bytearray(base64.b64decode(body))
    raw[20] ^= 1
    altered = base64.b64encode(bytes(raw)).decode()
    # an altered ciphertext is refused as unsigned (401), before any decryption is tried
    with pytest.raises(VerificationError):
        receive(altered, headers, SECRET, KEY)
    with pytest.raises(VerificationError):
        receive(body, headers, OTHER_SECRET, KEY)


def test_unreadable_deliveries() -> None:
    body, headers = make_delivery(PURCHASE, "json", "aes-256-gcm")
    with pytest.raises(DecryptionError):
        receive(body, headers, SECRET, OTHER_KEY)
    with pytest.raises(DecryptionError, match="encryption key"):
        receive(body, headers, SECRET)
    body, headers = make_delivery(PURCHASE, "json")
    with pytest.raises(ParseError):
        receive(body, {**headers, "content-type": "text/plain"}, SECRET)


def test_attempt_and_event_type() -> None:
    body, headers = make_delivery(PURCHASE, "json")
    assert receive(body, {k: v for k, v in headers.items() if k != "x-hookline-attempt"}, SECRET).attempt is None
    assert receive(body, {**headers, "x-hookline-attempt": "²"}, SECRET).attempt is None
    # the type comes from the signed body, not the unsigned header
    assert receive(body, {**headers, "x-hookline-event-type": "user.joined"}, SECRET).event_type == "store.item.purchased"


def test_xml_arrays_pass_through() -> None:
    event = {**PURCHASE, "type": "custom", "data": {"tags": ["only"]}}
    body, headers = make_delivery(event, "xml")
    assert receive(body, headers, SECRET).event["data"] == {"tags": "only"}
    assert receive(body, headers, SECRET, xml_arrays=["data.tags"]).event["data"] == {"tags": ["only"]}


def test_delivery_is_a_frozen_dataclass() -> None:
    body, headers = make_delivery(PURCHASE, "json")
    delivery = receive(body, headers, SECRET)
    assert dataclasses.asdict(delivery)["delivery_id"] == "dlv_test"
    with pytest.raises(dataclasses.FrozenInstanceError):
        delivery.attempt = 2  # type: ignore[misc]
