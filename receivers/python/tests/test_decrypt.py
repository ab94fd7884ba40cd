from __future__ import annotations

import base64

import pytest

from hookline_receiver import ALGORITHMS, DecryptionError, decrypt
from _support import FIXTURE, KEY, OTHER_KEY, PURCHASE, encrypt, render_json, render_xml

PLAIN = render_json(PURCHASE)


def encrypted_headers(algorithm: str, content_type: str = "application/json") -> dict[str, str]:
    return {
        "content-type": "text/plain",
        "x-encrypted": "true",
        "x-encryption-algorithm": algorithm,
        "x-content-type": content_type,
    }


def test_an_unencrypted_delivery_comes_back_unchanged() -> None:
    assert decrypt(PLAIN, {"content-type": "application/json"}) == (PLAIN, "application/json")
    assert decrypt(PLAIN.encode("utf-8"), {"Content-Type": "application/xml"}, KEY) == (PLAIN, "application/xml")
    assert decrypt("x", {}) == ("x", "")
    assert decrypt("x", {"x-encrypted": "false", "content-type": "application/json"}) == ("x", "application/json")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_both_algorithms_round_trip(algorithm: str, fmt: str) -> None:
    plaintext = render_json(PURCHASE) if fmt == "json" else render_xml(PURCHASE)
    content_type = f"application/{fmt}"
    body = encrypt(plaintext, algorithm)
    assert decrypt(body, encrypted_headers(algorithm, content_type), KEY) == (plaintext, content_type)
    assert decrypt(body.encode("ascii"), encrypted_headers(algorithm, content_type), KEY.encode()) == (plaintext, content_type)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 31, 32, 33])
def test_cbc_padding_at_block_boundaries(size: int) -> None:
    plaintext = "x" * size
    assert decrypt(encrypt(plaintext, "aes-256-cbc"), encrypted_headers("aes-256-cbc"), KEY)[0] == plaintext


def test_bodies_encrypted_by_hookline_decrypt() -> None:
    assert decrypt(FIXTURE["gcmXml"], encrypted_headers("aes-256-gcm", "application/xml"), FIXTURE["key"]) == (
        FIXTURE["xml"],
        "application/xml",
    )
    assert decrypt(FIXTURE["cbcJson"], encrypted_headers("aes-256-cbc"), FIXTURE["key"]) == (FIXTURE["json"], "application/json")


def test_header_values_are_read_loosely() -> None:
    body = encrypt(PLAIN, "aes-256-gcm")
    headers = {"X-Encrypted": " True ", "X-Encryption-Algorithm": "AES-256-GCM", "X-Content-Type": " application/json "}
    assert decrypt(body, headers, KEY) == (PLAIN, "application/json")


def test_wrong_key_gcm() -> None:
    with pytest.raises(DecryptionError, match="authentication failed"):
        decrypt(encrypt(PLAIN, "aes-256-gcm"), encrypted_headers("aes-256-gcm"), OTHER_KEY)


def test_wrong_key_cbc() -> None:
    # fixed IV so the outcome is fixed: with a wrong key the padding check fails (a random IV
    # would pass it by chance about once in 256 tries, and then the plaintext would be garbage)
    body = encrypt(PLAIN, "aes-256-cbc", iv=bytes(16))
    with pytest.raises(DecryptionError, match="padding"):
        decrypt(body, encrypted_headers("aes-256-cbc"), OTHER_KEY)


def flip(body: str, index: int) -> str:
    raw = bytearray(base64.b64decode(body))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("where", [0, 12, -17, -1])  # IV, ciphertext, last ciphertext byte, tag
def test_gcm_detects_any_altered_byte(where: int) -> None:
    body = encrypt(PLAIN, "aes-256-gcm")
    with pytest.raises(DecryptionError, match="authentication failed"):
        decrypt(flip(body, where), encrypted_headers("aes-256-gcm"), KEY)


def test_missing_or_bad_key() -> None:
    body = encrypt(PLAIN, "aes-256-gcm")
    for key in (None, ""):
        with pytest.raises(DecryptionError, match="pass the webhook's encryption key"):
            decrypt(body, encrypted_headers("aes-256-gcm"), key)
    with pytest.raises(DecryptionError, match="exactly 32 bytes") as raised:
        decrypt(body, encrypted_headers("aes-256-gcm"), KEY[:31])
    assert KEY[:31] not in str(raised.value)  # the key is never echoed
    with pytest.raises(DecryptionError, match="exactly 32 bytes"):
        decrypt(body, encrypted_headers("aes-256-gcm"), KEY[:31] + "é")  # 32 characters, 33 bytes


def test_bad_headers() -> None:
    body = encrypt(PLAIN, "aes-256-gcm")
    with pytest.raises(DecryptionError, match="unsupported x-encryption-algorithm: aes-128-gcm"):
        decrypt(body, encrypted_headers("aes-128-gcm"), KEY)
    with pytest.raises(DecryptionError, match=r"unsupported x-encryption-algorithm: \(absent\)"):
        decrypt(body, {"x-encrypted": "true", "x-content-type": "application/json"}, KEY)
    with pytest.raises(DecryptionError, match="missing x-content-type"):
        decrypt(body, {"x-encrypted": "true", "x-encryption-algorithm": "aes-256-gcm"}, KEY)


def test_damaged_bodies() -> None:
    with pytest.raises(DecryptionError, match="not base64"):
        decrypt("not base64!", encrypted_headers("aes-256-gcm"), KEY)
    with pytest.raises(DecryptionError, match="too short"):
        decrypt(base64.b64encode(bytes(27)).decode(), encrypted_headers("aes-256-gcm"), KEY)
    for size in (16, 17, 31, 40):
        with pytest.raises(DecryptionError, match="whole cipher blocks"):
            decrypt(base64.b64encode(bytes(size)).decode(), encrypted_headers("aes-256-cbc"), KEY)


def test_a_plaintext_that_is_not_utf8() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = bytes(12)
    body = base64.b64encode(iv + AESGCM(KEY.encode()).encrypt(iv, b"\xff\xfe", None)).decode()
    with pytest.raises(DecryptionError, match="not UTF-8"):
        decrypt(body, encrypted_headers("aes-256-gcm"), KEY)
