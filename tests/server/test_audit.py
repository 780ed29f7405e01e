"""The audit log is hash-chained; tampering with any row is found by `verify-audit`."""

from __future__ import annotations

import pytest
from tortoise.connection import get_connection

from server import audit
from server.db.models import AuditEntry
from tests.conftest import PASSWORD
from tests.processes import cli_env, run_cli


async def test_logins_logouts_and_failures_are_audited(anonymous, client_factory, nurse_ana):
    await anonymous.post("/api/session", json={"username": "nurse_ana", "password": "wrong"})
    client = await client_factory(nurse_ana)
    await client.delete("/api/session")
    rows = await AuditEntry.filter(action__in=["login", "logout"]).order_by("id").values_list("action", "outcome", "user_id")
    assert rows == [("login", "failed", nurse_ana.id), ("login", "ok", nurse_ana.id), ("logout", "ok", nurse_ana.id)]


async def test_audit_entries_hold_no_names_or_passwords(anonymous, client_factory, nurse_ana, patient_pat):
    await anonymous.post("/api/session", json={"username": "nurse_ana", "password": "my-secret-guess"})
    client = await client_factory(nurse_ana)
    await client.get(f"/api/patients/{patient_pat.id}")
    text = repr(await AuditEntry.all().values())
    for secret in ("my-secret-guess", PASSWORD, "Pat", "Testperson", "MRN-PAT", "nurse_ana"):
        assert secret not in text


async def test_intact_chain_verifies(client_factory, nurse_ana, patient_pat):
    await (await client_factory(nurse_ana)).get(f"/api/patients/{patient_pat.id}")
    result = await audit.verify()
    assert result.ok and result.checked == await AuditEntry.all().count() > 0


async def test_tampering_with_one_row_is_named_by_verify_audit(client_factory, nurse_ana, patient_pat, settings, tmp_path):
    client = await client_factory(nurse_ana)
    for _ in range(3):
        await client.get(f"/api/patients/{patient_pat.id}")
    target = (await AuditEntry.all().order_by("id").offset(2).first()).id
    await get_connection("default").execute_query(
        f"UPDATE audit_entry SET outcome = 'denied' WHERE id = {target}"
    )
    result = run_cli("verify-audit", env=cli_env(data_dir=tmp_path, database_url=settings.database_url))
    assert result.returncode == 1
    assert f"BROKEN at entry {target}" in result.stdout and "content does not match" in result.stdout


async def test_deleting_a_row_breaks_the_chain(client_factory, nurse_ana, patient_pat):
    client = await client_factory(nurse_ana)
    for _ in range(3):
        await client.get(f"/api/patients/{patient_pat.id}")
    victim = (await AuditEntry.all().order_by("id").offset(1).first()).id
    await AuditEntry.filter(id=victim).delete()
    result = await audit.verify()
    assert not result.ok and result.broken_at == victim + 1 and "missing" in result.reason


async def test_concurrent_appends_keep_one_unbroken_chain(app):
    import asyncio

    await asyncio.gather(*(audit.record("test.concurrent", actor=None, object_id=i) for i in range(40)))
    assert (await audit.verify()).ok
    assert await AuditEntry.filter(action="test.concurrent").count() == 40


async def test_an_append_rolled_back_with_its_transaction_leaves_no_gap_in_the_chain(app):
    from tortoise.transactions import in_transaction

    await audit.record("test.first", actor=None)
    with pytest.raises(RuntimeError):
        async with in_transaction("default"):
            await audit.record("test.rolled_back", actor=None)
            raise RuntimeError("the push failed after its audit entry")
    await audit.record("test.after", actor=None)

    assert (await audit.verify()).ok
    actions = await AuditEntry.filter(action__startswith="test.").order_by("id").values_list("action", flat=True)
    assert actions == ["test.first", "test.after"]


async def test_appending_many_at_once_keeps_their_order_in_one_unbroken_chain(app):
    import asyncio

    await audit.record("test.before", actor=None)
    many = [audit.Record(f"test.many.{i}", actor=audit.Actor(user_id=i, organization_id=1), object_id=i,
                         detail={"n": i}) for i in range(25)]
    await asyncio.gather(audit.record_many(many), *(audit.record("test.between", actor=None) for _ in range(5)))
    await audit.record("test.after", actor=None)

    assert (await audit.verify()).ok
    rows = await AuditEntry.filter(action__startswith="test.many.").order_by("id").values("id", "action", "user_id", "detail")
    assert [row["action"] for row in rows] == [f"test.many.{i}" for i in range(25)]
    assert [row["id"] for row in rows] == list(range(rows[0]["id"], rows[0]["id"] + 25))  # contiguous: one append
    assert [row["detail"] for row in rows] == [{"n": i} for i in range(25)]
