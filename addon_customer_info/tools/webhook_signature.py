"""Signatures of web-form submissions: Standard Webhooks and Typeform's, checked in constant time.

Pure functions over bytes and header values, so that they are tested without a server.

- Standard Webhooks (https://www.standardwebhooks.com/): headers ``webhook-id``,
  ``webhook-timestamp`` (seconds since the epoch) and ``webhook-signature``, a space-separated
  list of ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``. A secret is written
  ``whsec_<base64 key>``; the key is the decoded bytes.
- Typeform (https://www.typeform.com/developers/webhooks/secure-your-webhooks/): header
  ``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body>``, keyed with the secret as
  written.
"""

import base64
import binascii
import hashlib
import hmac

STANDARD = "standard_webhooks"
TYPEFORM = "typeform"
TOLERANCE = 5 * 60
"""Seconds a Standard Webhooks timestamp may be away from now (either way)."""


class SignatureError(Exception):
    """The submission is not signed by a secret of the source (answered 401)."""


class StaleTimestamp(Exception):
    """A correctly signed submission whose timestamp is outside the tolerance (answered 400)."""


def split_secrets(text):
    """The secrets of a source: one per line, blank lines and surrounding spaces ignored.

    Several are accepted at once while a sender rotates from one to the next."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _standard_key(secret):
    raw = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        # not base64: the secret's own bytes, as some senders configure a plain shared secret
        return raw.encode()


def _digest(key, message):
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def sign_standard(secret, message_id, timestamp, body):
    """The ``webhook-signature`` value a sender computes (used by the tests and the test button)."""
    return "v1," + _digest(_standard_key(secret), f"{message_id}.{timestamp}.".encode() + body)


def sign_typeform(secret, body):
    """The ``Typeform-Signature`` value a sender computes."""
    return "sha256=" + _digest(secret.encode(), body)


def _any_match(expected_values, given_values):
    # every comparison is made, so the time taken does not tell which secret or signature matched
    matched = False
    for expected in expected_values:
        for given in given_values:
            matched |= hmac.compare_digest(expected.encode(), given.encode())
    return matched


def verify_standard(secrets, headers, body, now):
    """Check a Standard Webhooks submission; returns its message id.

    :param headers: a case-insensitive mapping (werkzeug's ``EnvironHeaders``) or a dict with
        lower-case keys
    :raises SignatureError: a header is missing or no signature matches a secret
    :raises StaleTimestamp: signed, but the timestamp is more than :data:`TOLERANCE` away
    """
    message_id = (headers.get("webhook-id") or "").strip()
    timestamp = (headers.get("webhook-timestamp") or "").strip()
    signatures = (headers.get("webhook-signature") or "").split()
    if not message_id or not timestamp or not signatures:
        raise SignatureError("webhook-id, webhook-timestamp and webhook-signature are required")
    given = [value.split(",", 1)[1] for value in signatures if value.startswith("v1,")]
    expected = [sign_standard(secret, message_id, timestamp, body)[3:] for secret in secrets]
    if not given or not _any_match(expected, given):
        raise SignatureError("no signature matches a secret of the source")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise StaleTimestamp("webhook-timestamp is not a number of seconds") from None
    if abs(now - sent_at) > TOLERANCE:
        raise StaleTimestamp(f"webhook-timestamp is {int(now - sent_at)} s away from now")
    return message_id


def verify_typeform(secrets, headers, body):
    """Check a Typeform submission's signature (the message id is the body's ``event_id``).

    :raises SignatureError: the header is missing or matches no secret
    """
    header = (headers.get("typeform-signature") or "").strip()
    if not header.startswith("sha256="):
        raise SignatureError("Typeform-Signature is required")
    expected = [sign_typeform(secret, body) for secret in secrets]
    if not _any_match(expected, [header]):
        raise SignatureError("the signature matches no secret of the source")
