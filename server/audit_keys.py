"""The audit chain's keys: HMAC-SHA256 with a secret kept outside the database.

Someone who can write to the database but does not hold the key cannot recompute the chain
after deleting or changing a row. Each keyed entry names its key by `key_id` (a fingerprint
that reveals nothing of the key), so a new key can be introduced while entries written under
the old one still verify: the current key signs, retired keys only verify (README, Security).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

PURPOSE = b"ivlog audit chain v1"  # the same operator secret signs sessions too: one purpose, one key


class UnknownAuditKey(LookupError):
    """An entry or checkpoint names a key this process does not hold."""


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> "AuditKey":
        """The operator's secret (IVLOG_AUDIT_KEY, else IVLOG_SECRET_KEY) -> this purpose's key."""
        key = hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()
        key_id = hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:12]
        return cls(key_id=key_id, key=key)

    def mac(self, message: bytes) -> str:
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditKeys:
    current: AuditKey
    retired: tuple[AuditKey, ...] = ()

    @classmethod
    def from_secrets(cls, current: str, retired: tuple[str, ...] = ()) -> "AuditKeys":
        return cls(AuditKey.from_secret(current), tuple(AuditKey.from_secret(s) for s in retired))

    def by_id(self, key_id: str) -> AuditKey:
        for key in (self.current, *self.retired):
            if key.key_id == key_id:
                return key
        raise UnknownAuditKey(key_id)
