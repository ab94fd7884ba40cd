"""A complete receiver for Hookline webhooks, on nothing but the standard library's http.server:

    HOOKLINE_WEBHOOK_SECRET=whsec_... HOOKLINE_ENCRYPTION_KEY=<32 characters, if encryption is on> \\
    PORT=4000 python -m hookline_receiver.example_server

It verifies every POST, decrypts it when it is encrypted, parses JSON or XML, prints one line of
JSON per new delivery on stdout (the `Delivery`'s fields) and answers 204, or 401 for a bad
signature and 400 for a body it cannot read, so a bad request shows in the delivery's attempts.
Hookline's integration tests run this very module against a real Hookline. `HOST` defaults to
127.0.0.1; `PORT=0` picks a free port (the address is printed on stderr).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, TextIO

from . import ReceiverError, VerificationError, receive
from ._core import _key_bytes, _webhook

#: Bigger bodies are refused with 413; Hookline's own limit on an event is far below this.
MAX_BODY_BYTES = 10 * 1024 * 1024


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def make_server(
    secret: str,
    encryption_key: Optional[str] = None,
    host: str = "127.0.0.1",
    port: int = 4000,
    out: Optional[TextIO] = None,
) -> ThreadingHTTPServer:
    """The receiver as an unstarted server (call `serve_forever()`); `out` defaults to stdout."""
    _webhook(secret)  # a bad secret fails here, at start, not on every request
    if encryption_key:
        _key_bytes(encryption_key)
    # webhook-id is the delivery id: the same on every retry and replay, so it is the dedupe key.
    # A real receiver keeps it in its database; a set is enough to show the idea.
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        server_version = "HooklineExampleReceiver/1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            try:
                raw = self._read_body()
            except _BodyError as error:
                self._answer(error.status, str(error))
                return
            try:
                # the signature covers the exact bytes sent, so the raw body goes in as is
                delivery = receive(raw, self.headers, secret, encryption_key)
            except VerificationError:
                self._answer(401, "invalid signature")
                return
            except ReceiverError as error:
                self._answer(400, f"cannot read the body: {error}")
                return
            with lock:  # requests are handled on threads: one whole line at a time
                if delivery.delivery_id not in seen:
                    seen.add(delivery.delivery_id)
                    stream = out or sys.stdout
                    stream.write(json.dumps(dataclasses.asdict(delivery)) + "\n")
                    stream.flush()
            self._answer(204)

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                return self._read_chunked()
            try:
                length = int(self.headers.get("content-length") or "0")
            except ValueError:
                raise _BodyError(400, "bad content-length") from None
            if length < 0:
                raise _BodyError(400, "bad content-length")
            if length > MAX_BODY_BYTES:
                raise _BodyError(413, "body too large")
            return self.rfile.read(length)

        def _read_chunked(self) -> bytes:
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    raise _BodyError(400, "bad chunked encoding") from None
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers, up to the blank line
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise _BodyError(413, "body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)  # the CRLF after each chunk

        def _answer(self, status: int, text: str = "") -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            if status != 204:
                self.send_header("content-type", "text/plain; charset=utf-8")
                self.send_header("content-length", str(len(body)))
            self.end_headers()
            if status != 204:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # stdout carries the deliveries; keep stderr for the server's own messages

    return ThreadingHTTPServer((host, port), Handler)


def main() -> int:
    secret = os.environ.get("HOOKLINE_WEBHOOK_SECRET", "")
    if not secret.startswith("whsec_"):
        print("set HOOKLINE_WEBHOOK_SECRET to the webhook's signing secret (whsec_...)", file=sys.stderr)
        return 1
    encryption_key = os.environ.get("HOOKLINE_ENCRYPTION_KEY") or None
    host = os.environ.get("HOST", "127.0.0.1")
    try:
        server = make_server(secret, encryption_key, host=host, port=int(os.environ.get("PORT", "4000")))
    except (ValueError, ReceiverError) as error:  # a bad PORT, secret or key
        print(f"cannot start: {error}", file=sys.stderr)
        return 1
    port = server.server_address[1]  # the one picked, for PORT=0
    print(f"receiving Hookline webhooks on http://{host}:{port}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
