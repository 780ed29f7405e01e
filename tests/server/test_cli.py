"""The command line as an operator uses it: real subprocesses, real database files."""

from __future__ import annotations

import contextlib
import time
from typing import Iterator

import httpx

from tests.databases import empty_database
from tests.processes import cli_env, free_port, run_cli, start_server, stop_server


def wait_until_serving(base: str, process, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


@contextlib.contextmanager
def served(env: dict[str, str]) -> Iterator[httpx.Client]:
    """`serve` on a free port, and a client that sends its Origin; the server stopped afterwards."""
    port = free_port()
    server = start_server(env=env, port=port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server)
        with httpx.Client(base_url=base, headers={"origin": base}) as client:
            yield client
    finally:
        stop_server(server)


async def test_make_run_steps_migrate_load_demo_and_serve_a_login(tmp_path):
    url, drop = await empty_database(tmp_path)
    env = cli_env(data_dir=tmp_path / "data", database_url=url, IVLOG_DEMO_PASSWORD="demo-password-xyz")
    try:
        assert run_cli("migrate", env=env).returncode == 0
        demo = run_cli("demo", "--if-empty", env=env)
        assert demo.returncode == 0 and "demo data loaded" in demo.stdout
        assert "already holds data" in run_cli("demo", "--if-empty", env=env).stdout
        with served(env) as client:
            for username in ("nurse", "nurse2", "pharmacist", "physician", "admin"):
                response = client.post("/api/session", json={"username": username, "password": "demo-password-xyz"})
                assert response.status_code == 200, (username, response.text)
            visits = client.get("/api/patients")
            assert visits.status_code == 200 and len(visits.json()["patients"]) == 6  # admin sees all
    finally:
        await drop()


def test_demo_without_a_password_prints_a_generated_one_once(tmp_path):
    env = cli_env(data_dir=tmp_path)
    run_cli("migrate", env=env)
    first = run_cli("demo", env=env)
    assert "demo password (shown once):" in first.stdout
    password = first.stdout.split("demo password (shown once):")[1].split()[0]
    assert len(password) >= 12
    assert password not in run_cli("demo", env=env).stdout


def test_demo_with_a_too_short_password_says_so_and_loads_nothing_so_a_longer_one_can_follow(tmp_path):
    """Found by a new user's walk: an 11-character IVLOG_DEMO_PASSWORD stopped the load after the organization
    was made and before its users, and every later run said the database already held data."""
    run_cli("migrate", env=cli_env(data_dir=tmp_path))
    short = run_cli("demo", env=cli_env(data_dir=tmp_path, IVLOG_DEMO_PASSWORD="walkpass123"))
    assert short.returncode == 2
    assert "IVLOG_DEMO_PASSWORD: Password must be at least 12 characters; nothing loaded" in short.stderr
    longer = run_cli("demo", env=cli_env(data_dir=tmp_path, IVLOG_DEMO_PASSWORD="walkpass1234"))
    assert longer.returncode == 0 and "demo data loaded" in longer.stdout


async def test_serve_refuses_an_unmigrated_database_with_a_clear_message(tmp_path):
    url, drop = await empty_database(tmp_path)
    try:
        result = run_cli("serve", "--port", str(free_port()), env=cli_env(data_dir=tmp_path, database_url=url))
        assert result.returncode == 2
        assert "The database needs" in result.stderr and "0001_initial" in result.stderr and "python -m server migrate" in result.stderr
    finally:
        await drop()


def test_user_add_and_disable(tmp_path):
    env = cli_env(data_dir=tmp_path)
    run_cli("migrate", env=env)
    run_cli("demo", env=env)
    added = run_cli("user", "add", "nurse3", "--role", "nurse", "--name", "Cam Lee, RN", env=env, stdin="a-long-password-1\n")
    assert added.returncode == 0, added.stderr
    short = run_cli("user", "add", "nurse4", "--role", "nurse", "--name", "X", env=env, stdin="short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    assert run_cli("user", "disable", "nurse3", env=env).returncode == 0
    assert run_cli("user", "disable", "nobody", env=env).returncode == 1


def test_help_lists_every_command(tmp_path):
    result = run_cli("--help", env=cli_env(data_dir=tmp_path))
    for command in ("serve", "migrate", "demo", "user", "verify-audit"):
        assert command in result.stdout


def test_production_refuses_a_weak_secret(tmp_path):
    result = run_cli("migrate", env={**cli_env(data_dir=tmp_path), "IVLOG_ENV": "production", "IVLOG_SECRET_KEY": "short"})
    assert result.returncode == 2 and "IVLOG_SECRET_KEY" in result.stderr


async def test_user_password_sets_a_new_password_that_logs_in_and_refuses_a_short_one(tmp_path):
    url, drop = await empty_database(tmp_path)
    env = cli_env(data_dir=tmp_path / "data", database_url=url, IVLOG_DEMO_PASSWORD="demo-password-xyz")
    try:
        run_cli("migrate", env=env)
        run_cli("demo", env=env)
        changed = run_cli("user", "password", "nurse2", env=env, stdin="a-brand-new-password\n")
        assert changed.returncode == 0 and "password of nurse2 set" in changed.stdout
        assert run_cli("user", "password", "nurse2", env=env, stdin="short\n").returncode == 1
        assert run_cli("user", "password", "nobody", env=env, stdin="a-brand-new-password\n").returncode == 1
        with served(env) as client:
            old = client.post("/api/session", json={"username": "nurse2", "password": "demo-password-xyz"})
            new = client.post("/api/session", json={"username": "nurse2", "password": "a-brand-new-password"})
        assert old.status_code == 401 and new.status_code == 200
    finally:
        await drop()


def test_visit_schedule_books_a_series_in_local_time_and_names_a_bad_field(tmp_path):
    env = {**cli_env(data_dir=tmp_path), "IVLOG_TIMEZONE": "Europe/Berlin"}
    run_cli("migrate", env=env)
    run_cli("demo", env=env)
    first = f"{time.gmtime().tm_year + 1}-03-01"
    args = ("visit", "schedule", "--by", "pharmacist", "--patient", "1", "--order", "1", "--nurse", "nurse",
            "--date", first, "--time", "10:00", "--every-weeks", "4")
    made = run_cli(*args, "--count", "3", env=env)
    assert made.returncode == 0, made.stderr
    assert [line.split(" at ")[1][10:] for line in made.stdout.splitlines()] == \
        ["T09:00:00+00:00", "T08:00:00+00:00", "T08:00:00+00:00"]  # 10:00 in Berlin, before and after DST
    refused = run_cli(*args, "--count", "60", env=env)
    assert refused.returncode == 1 and "count:" in refused.stderr
    not_pharmacist = run_cli(*args[:2], "--by", "nurse", *args[4:], env=env)
    assert not_pharmacist.returncode == 1 and "not an active pharmacist" in not_pharmacist.stderr


def test_account_changes_at_the_command_line_show_in_the_organizations_audit_log(tmp_path):
    """The operator's `user add`, `disable` and `password` act within the account's organization: its
    administrator sees each in the audit log (before, they were audited with no organization, so no one did)."""
    env = cli_env(data_dir=tmp_path, IVLOG_DEMO_PASSWORD="demo-password-xyz")
    run_cli("migrate", env=env)
    run_cli("demo", env=env)
    assert run_cli("user", "add", "nurse3", "--role", "nurse", "--name", "Cam Lee, RN", env=env,
                   stdin="a-long-password-1\n").returncode == 0
    assert run_cli("user", "disable", "nurse3", env=env).returncode == 0
    assert run_cli("user", "password", "nurse2", env=env, stdin="a-brand-new-password\n").returncode == 0
    with served(env) as client:
        assert client.post("/api/session", json={"username": "admin", "password": "demo-password-xyz"}).status_code == 200
        log = client.get("/admin/audit").text
    rows = [row for row in log.split("<tr")[1:] if "system" in row]
    for action in ("user.create", "user.disable", "user.password_set"):
        assert any(action in row for row in rows), f"{action} by the command line is not in the audit log"
