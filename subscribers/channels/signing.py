"""Standard Webhooks signatures (https://www.standardwebhooks.com/): each call carries
`webhook-id` (the same for every attempt of one event to one follower), `webhook-timestamp`
and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret
in force (the previous secret signs too while it overlaps)."""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets_in_force
    )


def headers(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> dict:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secrets_in_force, message_id, timestamp, body),
    }
