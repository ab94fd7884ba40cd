from __future__ import annotations

import http.client
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Optional

import pytest

from hookline_receiver import example_server
from _support import KEY, OTHER_SECRET, PURCHASE, SECRET, as_xml_reads_back, make_delivery, sign


class SlowOut(io.StringIO):
    """stdout as a pipe can be: each write may let another thread run."""

    def write(self, text: str) -> int:
        time.sleep(0.002)
        return super().write(text)


class Running:
    def __init__(self, encryption_key: Optional[str]) -> None:
        self.out = SlowOut()
        self.server = example_server.make_server(SECRET, encryption_key, "127.0.0.1", 0, out=self.out)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def post(self, body: object, headers: dict[str, str], **kwargs: object) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("POST", "/hooks", body=body, headers=headers, **kwargs)  # type: ignore[arg-type]
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[Running]:
    running = Running(KEY)
    yield running
    running.stop()


def test_prints_each_new_delivery_once_and_answers_204(server: Running) -> None:
    body, headers = make_delivery(PURCHASE, "xml", "aes-256-cbc", msg_id="dlv_1")
    assert server.post(body.encode(), headers) == (204, "")
    # the next attempt of the same delivery: acknowledged again, printed once
    body, headers = make_delivery(PURCHASE, "xml", "aes-256-gcm", msg_id="dlv_1", attempt=2)
    assert server.post(body.encode(), headers) == (204, "")
    body, headers = make_delivery(PURCHASE, "json", msg_id="dlv_2")
    assert server.post(body.encode(), headers) == (204, "")
    assert server.lines() == [
        {"delivery_id": "dlv_1", "attempt": 1, "event_type": "store.item.purchased", "event": as_xml_reads_back(PURCHASE)},
        {"delivery_id": "dlv_2", "attempt": 1, "event_type": "store.item.purchased", "event": PURCHASE},
    ]


def test_a_chunked_body(server: Running) -> None:
    body, headers = make_delivery(PURCHASE, "json", "aes-256-gcm", msg_id="dlv_chunked")
    data = body.encode()
    status, _ = server.post(iter([data[:10], data[10:]]), headers, encode_chunked=True)
    assert status == 204
    assert [line["delivery_id"] for line in server.lines()] == ["dlv_chunked"]


def test_401_for_a_bad_signature(server: Running) -> None:
    body, headers = make_delivery(PURCHASE, "json", secret=OTHER_SECRET)
    assert server.post(body.encode(), headers) == (401, "invalid signature")
    assert server.post(b"hello", {"webhook-id": "dlv_forged", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"})[0] == 401
    assert server.lines() == []


def test_400_for_a_signed_body_it_cannot_read(server: Running) -> None:
    status, text = server.post(b"not json", {"content-type": "application/json", **sign("not json")})
    assert status == 400 and text.startswith("cannot read the body: ")
    status, text = server.post(b"<event>", {"content-type": "application/xml", **sign("<event>")})
    assert status == 400
    assert server.lines() == []


def test_400_for_an_encrypted_delivery_without_a_key() -> None:
    running = Running(None)
    try:
        body, headers = make_delivery(PURCHASE, "json", "aes-256-gcm")
        status, text = running.post(body.encode(), headers)
        assert status == 400 and "encryption key" in text
    finally:
        running.stop()


def test_main_refuses_a_bad_configuration(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HOOKLINE_WEBHOOK_SECRET", raising=False)
    assert example_server.main() == 1
    assert "HOOKLINE_WEBHOOK_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("HOOKLINE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("HOOKLINE_ENCRYPTION_KEY", "too short")
    assert example_server.main() == 1
    assert "32 bytes" in capsys.readouterr().err


def test_concurrent_deliveries_print_whole_lines(server: Running) -> None:
    deliveries = [make_delivery(PURCHASE, "xml", "aes-256-gcm", msg_id=f"dlv_{i}") for i in range(24)]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda d=d: statuses.append(server.post(d[0].encode(), d[1])[0])) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [204] * len(deliveries)
    assert sorted(str(line["delivery_id"]) for line in server.lines()) == sorted(f"dlv_{i}" for i in range(24))
