"""The audit chain's keys and signed checkpoints.

Each entry's hash is an HMAC-SHA-256 keyed with ``EMERALD_AUDIT_KEY``, a secret the database never
holds: someone who can rewrite the table (a DBA, an attacker with the owner's password) cannot
recompute a hash that ``emerald audit verify`` accepts. Each entry names the key it was signed with
by a short fingerprint (``key_id``), so the key can be rotated: new entries take the new key and
older ones are checked with the old key from ``EMERALD_AUDIT_KEY_FALLBACKS``.

A checkpoint is the chain head (its ``seq`` and ``hash``) signed with the same key. Kept off the
machine, it proves later that nothing up to that entry changed, even against someone who holds the
key: a rewritten past cannot end in the hash the checkpoint names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

CHECKPOINT_KIND = "emerald-audit-checkpoint"


def key_id(key: str) -> str:
    """A fingerprint that names a key without revealing it."""
    return hashlib.sha256(b"emerald-audit-key-id:" + key.encode("utf-8")).hexdigest()[:16]


def current_key() -> tuple[str, bytes]:
    """The key new entries and checkpoints are signed with, and its fingerprint."""
    key = settings.EMERALD_AUDIT_KEY
    return key_id(key), key.encode("utf-8")


def known_keys() -> dict[str, bytes]:
    """Every configured key by fingerprint: the current one and the fallbacks kept from rotations."""
    keys = [settings.EMERALD_AUDIT_KEY, *getattr(settings, "EMERALD_AUDIT_KEY_FALLBACKS", [])]
    return {key_id(k): k.encode("utf-8") for k in keys if k}


def sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _checkpoint_payload(seq: int, digest: str, at: str, kid: str) -> str:
    return json.dumps([CHECKPOINT_KIND, seq, digest, at, kid], separators=(",", ":"))


def checkpoint_sign(*, seq: int, digest: str, at: str) -> dict[str, Any]:
    """A signed checkpoint of the chain at entry ``seq`` (0 for an empty chain)."""
    kid, key = current_key()
    return {
        "kind": CHECKPOINT_KIND, "seq": seq, "hash": digest, "at": at, "key_id": kid,
        # A checkpoint key derived from the audit key: a checkpoint is never a valid entry hash.
        "signature": sign(_checkpoint_key(key), _checkpoint_payload(seq, digest, at, kid)),
    }


def _checkpoint_key(key: bytes) -> bytes:
    return hmac.new(key, b"emerald-audit-checkpoint", hashlib.sha256).digest()


def checkpoint_problem(checkpoint: Any) -> str:
    """Why a checkpoint cannot be trusted, or "" when its signature holds."""
    if not isinstance(checkpoint, dict) or checkpoint.get("kind") != CHECKPOINT_KIND:
        return "not an Emerald audit checkpoint"
    try:
        seq, digest, at, kid = (int(checkpoint["seq"]), str(checkpoint["hash"]), str(checkpoint["at"]),
                                str(checkpoint["key_id"]))
        signature = str(checkpoint["signature"])
    except (KeyError, TypeError, ValueError):
        return "the checkpoint lacks seq, hash, at, key_id or signature"
    key = known_keys().get(kid)
    if key is None:
        return (f"the checkpoint was signed with audit key {kid}, which is not configured "
                "(EMERALD_AUDIT_KEY or EMERALD_AUDIT_KEY_FALLBACKS)")
    if not hmac.compare_digest(sign(_checkpoint_key(key), _checkpoint_payload(seq, digest, at, kid)), signature):
        return "the checkpoint's signature does not match: the checkpoint itself was altered"
    return ""
