from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest
import standardwebhooks
import standardwebhooks.webhooks

from hookline_receiver import ReceiverError, VerificationError, verify
from _support import FIXTURE, OTHER_SECRET, SECRET, encrypt, render_xml, sign, PURCHASE, render_json

BODY = render_json(PURCHASE)


def test_a_signed_body_verifies_as_str_and_as_bytes() -> None:
    headers = sign(BODY)
    verify(BODY, headers, SECRET)
    verify(BODY.encode("utf-8"), headers, SECRET)


def test_non_json_bodies_verify() -> None:
    for body in (render_xml(PURCHASE), encrypt(BODY, "aes-256-gcm"), encrypt(BODY, "aes-256-cbc"), "", "plain text"):
        verify(body, sign(body), SECRET)


def test_header_names_are_case_insensitive() -> None:
    headers = {name.upper() if i % 2 else name.title(): value for i, (name, value) in enumerate(sign(BODY).items())}
    verify(BODY, headers, SECRET)


def test_headers_from_http_server_and_as_lists() -> None:
    raw = "".join(f"{name.title()}: {value}\r\n" for name, value in sign(BODY).items())
    message = email.message_from_string(raw, policy=email.policy.HTTP)  # what http.server's self.headers is
    verify(BODY, message, SECRET)
    verify(BODY, {name: [value] for name, value in sign(BODY).items()}, SECRET)


def test_tampered_body_fails() -> None:
    headers = sign(BODY)
    with pytest.raises(VerificationError, match="No matching signature"):
        verify(BODY.replace('"quantity":2', '"quantity":20'), headers, SECRET)
    with pytest.raises(VerificationError):
        verify(BODY + " ", headers, SECRET)


def test_tampered_id_or_timestamp_fails() -> None:
    headers = sign(BODY)
    with pytest.raises(VerificationError):
        verify(BODY, {**headers, "webhook-id": "dlv_other"}, SECRET)
    with pytest.raises(VerificationError):
        verify(BODY, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 1)}, SECRET)


def test_wrong_secret_fails() -> None:
    with pytest.raises(VerificationError, match="No matching signature"):
        verify(BODY, sign(BODY), OTHER_SECRET)


def test_stale_and_future_timestamps_fail_even_when_signed() -> None:
    now = datetime.now(tz=timezone.utc)
    with pytest.raises(VerificationError, match="too old"):
        verify(BODY, sign(BODY, timestamp=now - timedelta(minutes=10)), SECRET)
    with pytest.raises(VerificationError, match="too new"):
        verify(BODY, sign(BODY, timestamp=now + timedelta(minutes=10)), SECRET)
    verify(BODY, sign(BODY, timestamp=now - timedelta(minutes=4)), SECRET)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_fail(missing: str) -> None:
    headers = {k: v for k, v in sign(BODY).items() if k != missing}
    with pytest.raises(VerificationError, match="Missing required headers"):
        verify(BODY, headers, SECRET)


def test_rotation_either_secret_verifies_a_two_signature_header() -> None:
    at = datetime.now(tz=timezone.utc)
    new, old = sign(BODY, secret=OTHER_SECRET, timestamp=at), sign(BODY, secret=SECRET, timestamp=at)
    # newest first, as Hookline sends them
    both = {**new, "webhook-signature": f"{new['webhook-signature']} {old['webhook-signature']}"}
    verify(BODY, both, SECRET)
    verify(BODY, both, OTHER_SECRET)
    with pytest.raises(VerificationError):
        verify(BODY, both, "whsec_" + "A" * 32)


def test_malformed_entries_do_not_hide_a_valid_signature() -> None:
    headers = sign(BODY)
    good = headers["webhook-signature"]
    for junk in ("v1", "v1,a,b", "v2,AAAA", "v1,!!!", ","):
        verify(BODY, {**headers, "webhook-signature": f"{junk}  {good}"}, SECRET)
        with pytest.raises(VerificationError):
            verify(BODY, {**headers, "webhook-signature": junk}, SECRET)
    with pytest.raises(VerificationError):
        verify(BODY, {**headers, "webhook-signature": "   "}, SECRET)
    with pytest.raises(VerificationError):
        verify(BODY, {**headers, "webhook-timestamp": "soon"}, SECRET)


def test_errors_are_standardwebhooks_errors_too() -> None:
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        verify(BODY, {}, SECRET)
    assert issubclass(VerificationError, ReceiverError)


def test_a_bad_secret_is_a_configuration_error() -> None:
    for secret in ("", "   ", "whsec_!!!!"):
        with pytest.raises(ValueError, match="signing secret"):
            verify(BODY, sign(BODY), secret)


def test_a_body_that_is_not_utf8_fails() -> None:
    with pytest.raises(VerificationError, match="UTF-8"):
        verify(b"\xff\xfe", sign("x"), SECRET)


class _FrozenDatetime(datetime):
    """standardwebhooks checks the timestamp against datetime.now(); pin it to the fixture's time."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def]
        return datetime.fromtimestamp(FIXTURE["timestamp"], tz=tz)


def test_signatures_made_by_hookline_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standardwebhooks.webhooks, "datetime", _FrozenDatetime)
    headers = {
        "webhook-id": FIXTURE["deliveryId"],
        "webhook-timestamp": str(FIXTURE["timestamp"]),
        "webhook-signature": FIXTURE["signatureOfJson"],
    }
    assert len(FIXTURE["signatureOfJson"].split(" ")) == 2  # a rotation: one per live secret
    for secret in FIXTURE["secrets"]:
        verify(FIXTURE["json"], headers, secret)
        verify(FIXTURE["json"].encode("utf-8"), headers, secret)
    with pytest.raises(VerificationError):
        verify(FIXTURE["json"], headers, SECRET)
    encrypted = {**headers, "webhook-signature": FIXTURE["signatureOfGcmXml"]}
    verify(FIXTURE["gcmXml"], encrypted, FIXTURE["secrets"][0])
    with pytest.raises(VerificationError):
        verify(FIXTURE["xml"], encrypted, FIXTURE["secrets"][0])  # the signature covers the ciphertext
