"""Walk the audit chain and compare its head with the anchor kept outside the database.

What is reported, naming the first entry concerned:
- a changed row (its keyed hash no longer matches), a missing row (a gap in the ids), a broken
  link, a row recomputed without the key (wrong HMAC, or an unkeyed entry where only keyed
  ones may be), a key this process does not hold;
- a chain rewritten up to the newest checkpoint (the entry the checkpoint names has another
  hash) or cut short (the newest entry is older than the checkpoint's).
Unkeyed entries (written before the chain was keyed) are accepted only as the chain's
beginning: before the first keyed entry and within the newest checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from server import audit
from server.audit_anchor import AnchorInvalid, Checkpoint, load
from server.audit_keys import AuditKeys, UnknownAuditKey
from server.db.models import AuditEntry

VERIFY_PAGE = 1000


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    head_id: int = 0
    head_hash: str = audit.GENESIS_HASH
    saw_keyed: bool = False
    anchor: Checkpoint | None = None
    warning: str = ""  # the chain is whole, but something limits what that proves

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify(*, anchored: bool = True) -> VerifyResult:
    """The whole chain from its first entry, then its head against the anchor. `anchored=False`:
    the chain alone, for a backup copy, which may rightly end before the newest checkpoint."""
    config = audit.config()
    path = config.anchor_path if anchored else None
    try:
        anchor = load(path, config.keys) if path else None
    except AnchorInvalid as exc:
        return VerifyResult(checked=0, broken_at=0, reason=str(exc))
    result = await walk(config.keys, anchor=anchor)
    if not result.ok or path is None:
        return result
    if anchor is None:
        if result.checked == 0:
            return result
        return _with(result, warning=f"no checkpoint at {path} yet: entries cut off the end of the "
                                     "chain could not be noticed until one is written")
    if result.head_id < anchor.last_id:
        missing = anchor.last_id - result.head_id
        return _with(result, broken_at=result.head_id + 1,
                     reason=f"the chain was cut short: its newest entry is {result.head_id}, but the checkpoint "
                            f"of {anchor.at} names entry {anchor.last_id} ({missing} entries missing at the end)")
    return result


def _with(result: VerifyResult, **changes: object) -> VerifyResult:
    return VerifyResult(**{**result.__dict__, **changes})


async def walk(keys: AuditKeys, *, anchor: Checkpoint | None, after_id: int = 0,
               after_hash: str = audit.GENESIS_HASH) -> VerifyResult:
    """Check entries after `after_id` (whose hash is trusted to be `after_hash`) in id order."""
    prev_hash, expected_id, checked, saw_keyed = after_hash, after_id + 1, 0, after_id > 0
    while True:
        page = await AuditEntry.filter(id__gte=expected_id).order_by("id").limit(VERIFY_PAGE)
        for entry in page:
            problem = _check(entry, expected_id=expected_id, prev_hash=prev_hash, keys=keys,
                             saw_keyed=saw_keyed, anchor=anchor)
            if problem:
                return VerifyResult(checked=checked, broken_at=entry.id, reason=problem,
                                    head_id=expected_id - 1, head_hash=prev_hash, anchor=anchor)
            prev_hash, expected_id, checked = entry.hash, entry.id + 1, checked + 1
            saw_keyed = saw_keyed or bool(entry.key_id)
        if len(page) < VERIFY_PAGE:
            return VerifyResult(checked=checked, head_id=expected_id - 1, head_hash=prev_hash,
                                saw_keyed=saw_keyed, anchor=anchor)


def _check(entry: AuditEntry, *, expected_id: int, prev_hash: str, keys: AuditKeys, saw_keyed: bool,
           anchor: Checkpoint | None) -> str:
    if entry.id != expected_id:
        return f"entries {expected_id}..{entry.id - 1} are missing"
    if entry.prev_hash != prev_hash:
        return "its link to the previous entry is wrong"
    if entry.key_id:
        try:
            key = keys.by_id(entry.key_id)
        except UnknownAuditKey:
            return (f"it was signed with key {entry.key_id}, which this server does not hold (a retired key missing "
                    "from IVLOG_AUDIT_PREVIOUS_KEYS, or a forged row)")
    elif saw_keyed or (anchor is not None and entry.id > anchor.last_id):
        return "it carries no key where only keyed entries may be (the chain was recomputed without the key)"
    else:
        key = None
    actual = audit.entry_hash(entry_id=entry.id, at=entry.at, fields=audit.entry_fields(entry),
                              prev_hash=entry.prev_hash, key=key)
    if actual != entry.hash:
        return "its content does not match its hash (the row was changed, or recomputed without the key)"
    if anchor is not None and entry.id == anchor.last_id and entry.hash != anchor.last_hash:
        return f"it is not the entry the checkpoint of {anchor.at} names (the chain was rewritten up to here)"
    return ""
