"""Receive Hookline webhooks: verify the signature, decrypt, parse JSON or XML.

    from hookline_receiver import receive, VerificationError, ReceiverError

    delivery = receive(raw_body, request_headers, secret="whsec_...", encryption_key=None)
    delivery.delivery_id, delivery.attempt, delivery.event_type, delivery.event

Or one step at a time: `verify`, then `decrypt`, then `parse`.
"""

from ._core import (
    ALGORITHMS,
    DecryptionError,
    Delivery,
    Headers,
    ParseError,
    ReceiverError,
    VerificationError,
    decrypt,
    parse,
    receive,
    verify,
)

__version__ = "0.1.0"

__all__ = [
    "ALGORITHMS",
    "DecryptionError",
    "Delivery",
    "Headers",
    "ParseError",
    "ReceiverError",
    "VerificationError",
    "__version__",
    "decrypt",
    "parse",
    "receive",
    "verify",
]
