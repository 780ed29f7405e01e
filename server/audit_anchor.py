"""The audit chain's head, kept outside the database: a signed checkpoint file.

A chain verifies only up to its last row, so deleting the newest rows leaves a shorter chain
that still verifies. The checkpoint (last id, last hash, count, time; HMAC-signed with the
audit key) records how far the chain reached; `verify-audit` reports a chain whose head is
behind it or whose entry at that id has another hash. The checkpoint only moves forward, and
only over entries that verify: tampering is never anchored. Several processes may write it:
each verifies on its own, then replaces the file under an exclusive lock with an atomic
rename, keeping whichever checkpoint reaches further. Each new checkpoint also goes to the
log (`audit checkpoint id=... hash=...`), a second copy outside the database.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from server.audit_keys import AuditKeys, UnknownAuditKey

FORMAT = 1
logger = logging.getLogger("ivlog.audit")


class AnchorInvalid(ValueError):
    """The checkpoint file is unreadable or not signed by a key this process holds."""


@dataclass(frozen=True)
class Checkpoint:
    last_id: int
    last_hash: str
    count: int
    at: str
    key_id: str
    mac: str = ""

    def signed_body(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "mac"}
        return json.dumps({"format": FORMAT, **body}, sort_keys=True, separators=(",", ":")).encode()


def sign(*, last_id: int, last_hash: str, keys: AuditKeys) -> Checkpoint:
    unsigned = Checkpoint(last_id=last_id, last_hash=last_hash, count=last_id, key_id=keys.current.key_id,
                          at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return Checkpoint(**{**asdict(unsigned), "mac": keys.current.mac(unsigned.signed_body())})


def load(path: Path, keys: AuditKeys) -> Checkpoint | None:
    """The checkpoint in `path` (None when there is none yet), its signature checked."""
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AnchorInvalid(f"the checkpoint {path} cannot be read ({type(exc).__name__})") from None
    try:
        checkpoint = Checkpoint(**{k: raw[k] for k in ("last_id", "last_hash", "count", "at", "key_id", "mac")})
        key = keys.by_id(checkpoint.key_id)
    except (KeyError, TypeError):
        raise AnchorInvalid(f"the checkpoint {path} is malformed") from None
    except UnknownAuditKey:
        raise AnchorInvalid(f"the checkpoint {path} is signed with key {raw['key_id']}, which this server does "
                            "not hold (a retired key missing from IVLOG_AUDIT_PREVIOUS_KEYS, or a forged file)") from None
    if raw.get("format") != FORMAT or key.mac(checkpoint.signed_body()) != checkpoint.mac:
        raise AnchorInvalid(f"the checkpoint {path} does not match its signature (it was changed or forged)")
    return checkpoint


def store(path: Path, checkpoint: Checkpoint, keys: AuditKeys) -> Checkpoint:
    """Replace the file with `checkpoint` unless another process got further; the one kept."""
    with _locked(path):
        current = load(path, keys)
        if current is not None and current.last_id >= checkpoint.last_id:
            return current
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temporary, "w") as handle:
            handle.write(json.dumps({"format": FORMAT, **asdict(checkpoint)}, sort_keys=True))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    logger.info("audit checkpoint id=%s hash=%s count=%s", checkpoint.last_id, checkpoint.last_hash, checkpoint.count)
    return checkpoint


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held only around reading and replacing the file (no awaits inside), so it is brief."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
