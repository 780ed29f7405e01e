"""`python -m server backup PATH` on a live, busy server: consistent, verified, atomic."""

from __future__ import annotations

import sqlite3

from stress import backup_run
from tests.processes import cli_env, run_cli


async def test_a_backup_taken_under_load_restores_to_a_consistent_verified_snapshot():
    verdict = await backup_run.run(backup_run.BackupPlan(db="sqlite", writers=4, warm_up_s=2.0, history=2_000, seed=7))
    figures = verdict.figures
    assert verdict.problems == [], (verdict.problems, figures)
    assert figures["http_errors"] == {} and figures["transport_errors"] == {} and figures["database_locked"] == 0
    # the copy is a snapshot taken mid-stream: it holds history, and the source kept growing after it
    assert 2_000 <= figures["backup_events"] < figures["source_events_at_end"]
    assert figures["integrity_check"] == "ok" and figures["verify_audit"].startswith("audit chain ok")


def test_backup_writes_a_self_contained_copy_and_replaces_the_target_atomically(tmp_path):
    env = cli_env(data_dir=tmp_path / "data")
    assert run_cli("migrate", env=env).returncode == 0
    target = tmp_path / "backups" / "ivlog.sqlite3"
    target.parent.mkdir()
    target.write_bytes(b"yesterday's backup")
    done = run_cli("backup", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert "integrity_check ok" in done.stdout
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # no -wal file needed beside it
        assert copy.execute("SELECT COUNT(*) FROM tortoise_migrations").fetchone()[0] > 0
    finally:
        copy.close()
    assert [p.name for p in target.parent.iterdir()] == ["ivlog.sqlite3"]  # no temporary file left


def test_a_failed_backup_leaves_the_previous_one_untouched(tmp_path):
    env = cli_env(data_dir=tmp_path / "data", database_url=f"sqlite://{tmp_path / 'missing' / 'ivlog.sqlite3'}")
    target = tmp_path / "ivlog-backup.sqlite3"
    target.write_bytes(b"yesterday's backup")
    done = run_cli("backup", str(target), env=env)
    assert done.returncode == 1 and "left untouched" in done.stderr
    assert target.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "ivlog-backup.sqlite3"]
