"""Penetration test 16.7: the audit chain could be truncated, or recomputed after a deletion, unseen.

The rule: the chain is keyed (HMAC with a key kept outside the database) and its head is anchored
outside the database (a signed checkpoint), so `python -m server verify-audit` reports rows cut off
the end, a row deleted in the middle and the chain recomputed without the key, naming what is wrong.
"""

from __future__ import annotations

import json
from datetime import datetime

from server import audit
from server.audit_anchor import load, sign, store
from server.audit_checkpoint import advance
from server.audit_keys import AuditKey, AuditKeys
from server.db.models import AuditEntry
from tests.processes import cli_env, run_cli


def verify_cli(settings, tmp_path, **extra: str):
    return run_cli("verify-audit", env=cli_env(data_dir=tmp_path, database_url=settings.database_url, **extra))


def verify_cli_args(settings, tmp_path, *args: str):
    return run_cli("verify-audit", *args, env=cli_env(data_dir=tmp_path, database_url=settings.database_url))


async def chain_of(count: int) -> None:
    for number in range(count):
        await audit.record("test.entry", actor=audit.Actor(user_id=number, organization_id=1), object_id=number)


async def recompute_from(first_id: int, key: AuditKey | None, *, key_id: str | None = None,
                         renumber_from: int | None = None) -> None:
    """What someone with database access does: rewrite every row from `first_id` on (numbered
    from `renumber_from`, closing a gap) with the project's own hash function, linking each to
    the row before it, so that ids and links look whole."""
    start = first_id if renumber_from is None else renumber_from
    rows = await AuditEntry.filter(id__gte=first_id).order_by("id")
    before = await AuditEntry.get_or_none(id=start - 1)
    prev_hash = before.hash if before else audit.GENESIS_HASH
    await AuditEntry.filter(id__gte=start).delete()
    for new_id, old in enumerate(rows, start=start):
        row = AuditEntry(id=new_id, prev_hash=prev_hash, at=old.at, **audit.entry_fields(old),
                         key_id=key.key_id if key is not None and key_id is None else (key_id or ""))
        signer = None if key is None else AuditKey(key_id=row.key_id, key=key.key)
        row.hash = prev_hash = audit.entry_hash(entry_id=new_id, at=row.at, fields=audit.entry_fields(row),
                                                prev_hash=prev_hash, key=signer)
        await row.save(force_create=True)


async def delete_and_recompute(victim: int, key: AuditKey | None, *, key_id: str | None = None) -> None:
    await recompute_from(victim + 1, key, key_id=key_id, renumber_from=victim)


async def delete_ids(*ids: int) -> None:
    await AuditEntry.filter(id__in=list(ids)).delete()


async def newest_id() -> int:
    return (await AuditEntry.all().order_by("-id").first()).id


async def test_an_untouched_anchored_chain_verifies_with_exit_code_0(app, settings, tmp_path):
    await chain_of(30)
    await advance()
    await chain_of(3)  # appended after the checkpoint: still fine
    result = verify_cli(settings, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit chain ok" in result.stdout and "matches" in result.stdout and "WARNING" not in result.stdout


async def test_deleting_the_newest_25_entries_is_reported_as_the_chain_cut_short(app, settings, tmp_path):
    await chain_of(40)
    await advance()
    head = await newest_id()
    await AuditEntry.filter(id__gt=head - 25).delete()

    result = verify_cli(settings, tmp_path)
    assert result.returncode == 1
    assert f"BROKEN at entry {head - 24}" in result.stdout
    assert "cut short" in result.stdout and f"names entry {head}" in result.stdout and "25 entries missing" in result.stdout


async def test_a_backup_ending_before_the_checkpoint_verifies_as_a_chain_without_the_anchor(app, settings, tmp_path):
    await chain_of(20)
    await advance()
    await AuditEntry.filter(id__gt=15).delete()  # what a copy taken at entry 15 holds
    assert verify_cli(settings, tmp_path).returncode == 1
    copy = verify_cli_args(settings, tmp_path, "--without-anchor")
    assert copy.returncode == 0 and "audit chain ok: 15 entries verified" in copy.stdout


async def test_deleting_one_in_the_middle_and_recomputing_with_a_wrong_key_is_reported(app, settings, tmp_path):
    await chain_of(30)
    await advance()
    await chain_of(5)  # the rewrite ends at the same head as before: only the key can give it away
    victim = (await newest_id()) - 20
    stolen_id = (await AuditEntry.get(id=victim + 1)).key_id
    await delete_and_recompute(victim, AuditKey.from_secret("w" * 48), key_id=stolen_id)  # the right key id, a wrong key
    await audit.record("test.after", actor=None)

    result = verify_cli(settings, tmp_path)
    assert result.returncode == 1
    assert f"BROKEN at entry {victim}" in result.stdout and "does not match its hash" in result.stdout


async def test_recomputing_with_a_wrong_key_under_its_own_key_id_is_reported_as_an_unknown_key(app, settings, tmp_path):
    await chain_of(20)
    await advance()
    await delete_and_recompute(10, AuditKey.from_secret("w" * 48))

    result = verify_cli(settings, tmp_path)
    assert result.returncode == 1
    assert "BROKEN at entry 10" in result.stdout and "does not hold" in result.stdout


async def test_deleting_one_in_the_middle_and_recomputing_with_plain_sha256_is_reported(app, settings, tmp_path):
    await chain_of(30)
    await advance()
    await delete_and_recompute(12, None)

    result = verify_cli(settings, tmp_path)
    assert result.returncode == 1
    assert "BROKEN at entry 12" in result.stdout and "recomputed without the key" in result.stdout


async def test_a_chain_rewritten_from_its_first_entry_with_plain_sha256_does_not_match_its_checkpoint(app, settings, tmp_path):
    """Unkeyed entries are allowed only as the chain's beginning (written before it was keyed):
    rewriting the whole chain as such entries is caught by the checkpoint."""
    await chain_of(30)
    await advance()
    await delete_and_recompute(5, None)
    await recompute_from(1, None)
    await chain_of(2)

    result = (await audit.verify())
    assert not result.ok and "checkpoint" in result.reason


async def test_a_checkpoint_edited_to_an_older_head_is_reported(app, settings, tmp_path):
    await chain_of(10)
    await advance()
    path = settings.audit_anchor_path
    edited = json.loads(path.read_text())
    edited["last_id"] -= 5
    path.write_text(json.dumps(edited))
    result = verify_cli(settings, tmp_path)
    assert result.returncode == 1 and "does not match its signature" in result.stdout


async def test_entries_written_before_the_chain_was_keyed_still_verify(app, settings):
    await chain_of(6)
    await recompute_from(1, None)  # as the chain was before this change: plain SHA-256, no key id
    await chain_of(4)
    await advance()
    result = await audit.verify()
    assert result.ok and result.checked == 10, result.reason
    assert await AuditEntry.filter(key_id="").count() == 6


async def test_an_unkeyed_entry_after_keyed_ones_is_reported(app):
    await chain_of(6)
    await recompute_from(4, None)
    result = await audit.verify()
    assert result.broken_at == 4 and "recomputed without the key" in result.reason


async def test_a_new_key_signs_while_the_retired_one_still_verifies_the_entries_it_signed(
        app, settings, tmp_path, nurse_ana):
    await chain_of(5)
    await advance()
    rotated = {"IVLOG_AUDIT_KEY": "n" * 40, "IVLOG_AUDIT_PREVIOUS_KEYS": "s" * 48}
    disabled = run_cli("user", "disable", "nurse_ana", env=cli_env(data_dir=tmp_path, database_url=settings.database_url,
                                                                     **rotated))
    assert disabled.returncode == 0, disabled.stderr
    new_key = AuditKey.from_secret("n" * 40)
    assert (await AuditEntry.all().order_by("-id").first()).key_id == new_key.key_id
    assert load(settings.audit_anchor_path, AuditKeys(new_key)).key_id == new_key.key_id  # the anchor moved on

    assert verify_cli(settings, tmp_path, **rotated).returncode == 0
    forgotten = verify_cli(settings, tmp_path, IVLOG_AUDIT_KEY="n" * 40)
    assert forgotten.returncode == 1 and "IVLOG_AUDIT_PREVIOUS_KEYS" in forgotten.stdout


async def test_a_checkpoint_never_moves_back_when_processes_race_to_write_it(app, settings):
    await chain_of(8)
    keys = audit.config().keys
    path = settings.audit_anchor_path
    first = await AuditEntry.get(id=3)
    store(path, sign(last_id=8, last_hash=(await AuditEntry.get(id=8)).hash, keys=keys), keys)
    kept = store(path, sign(last_id=3, last_hash=first.hash, keys=keys), keys)  # a slower process, behind
    assert kept.last_id == 8 and load(path, keys).last_id == 8


async def test_the_server_anchors_the_chain_when_it_shuts_down(settings, database_url):
    from server.app import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await chain_of(7)
        head = await newest_id()
    checkpoint = load(settings.audit_anchor_path, audit.config().keys)
    assert checkpoint.last_id == head and checkpoint.count == head
    assert datetime.fromisoformat(checkpoint.at)


def test_a_short_audit_key_is_a_configuration_error_with_exit_code_2(tmp_path):
    result = run_cli("verify-audit", env=cli_env(data_dir=tmp_path, IVLOG_AUDIT_KEY="short"))
    assert result.returncode == 2 and "IVLOG_AUDIT_KEY" in result.stderr
