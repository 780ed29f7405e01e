"""One Settings object, read once from IVLOG_* environment variables.

Everything configurable lives here so that an operator can read one file to know
every knob. Production refuses to start with a weak or missing secret.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from sync.protocol import MAX_BYTES
from sync.quota import HeldQuota
from sync.rate import PushRateLimit

MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting is missing or unusable; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    secret_key: str = ""
    demo_password: str | None = None
    public_origin: str | None = None
    forwarded_allow_ips: tuple[str, ...] = ()  # proxies whose X-Forwarded-For/-Proto are believed; none by default
    session_idle_min: int = 15
    session_absolute_h: int = 12
    max_body_bytes: int = 1_048_576
    log_format: str = "console"
    login_max_failures: int = 5
    login_window_min: int = 15
    tablet_lock_min: int = 5
    held_max_rows: int = 2_000  # entries kept aside per user and per tablet in 24 h (sync.quota)
    held_max_mb: int = 8  # and their size; above a push's 5 MB, so one large entry can always be kept
    push_burst: int = 120  # pushes one user may send at once (sync.rate) ...
    push_per_min: int = 120  # ... and then per minute
    projector_quiet_ms: int = 50  # a pushed visit is folded once pushes pause this long (server.services.projector) ...
    projector_patience_ms: int = 1_000  # ... or this long after the push at the latest
    timezone: str = "UTC"  # how desk pages and summaries show times (stored times are always UTC)
    audit_key: str = ""  # signs the audit chain; "" = secret_key (README, Security: keep it outside the database)
    audit_previous_keys: tuple[str, ...] = ()  # retired audit keys: they verify old entries, never sign
    audit_anchor: Path | None = None  # the audit checkpoint file; None = data_dir/audit-anchor.json
    audit_checkpoint_s: int = 60
    audit_checkpoint_every: int = 500
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def held_quota(self) -> HeldQuota:
        return HeldQuota(rows=self.held_max_rows, chars=self.held_max_mb * 1024 * 1024)

    @property
    def push_rate(self) -> PushRateLimit:
        return PushRateLimit(burst=self.push_burst, per_minute=self.push_per_min)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def audit_anchor_path(self) -> Path:
        return self.audit_anchor or self.data_dir / "audit-anchor.json"

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere except plain-HTTP local development."""
        return self.is_production

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        mode = env.get("IVLOG_ENV", "development")
        if mode not in ("development", "production", "test"):
            raise SettingsError(f"IVLOG_ENV must be development, production or test, not {mode!r}")
        data_dir = Path(env.get("IVLOG_DATA_DIR", "data")).resolve()
        database_url = env.get("IVLOG_DATABASE_URL") or f"sqlite://{data_dir / 'ivlog.sqlite3'}"
        return cls(
            env=mode,
            data_dir=data_dir,
            database_url=database_url,
            host=env.get("IVLOG_HOST", "127.0.0.1"),
            port=_int(env, "IVLOG_PORT", 8000),
            workers=_int(env, "IVLOG_WORKERS", 1),
            secret_key=_secret(env, mode, data_dir),
            demo_password=env.get("IVLOG_DEMO_PASSWORD") or None,
            public_origin=env.get("IVLOG_PUBLIC_ORIGIN") or None,
            forwarded_allow_ips=_addresses(env, "IVLOG_FORWARDED_ALLOW_IPS"),
            session_idle_min=_int(env, "IVLOG_SESSION_IDLE_MIN", 15),
            session_absolute_h=_int(env, "IVLOG_SESSION_ABSOLUTE_H", 12),
            max_body_bytes=_int(env, "IVLOG_MAX_BODY_BYTES", 1_048_576),
            log_format=env.get("IVLOG_LOG_FORMAT", "json" if mode == "production" else "console"),
            login_max_failures=_int(env, "IVLOG_LOGIN_MAX_FAILURES", 5),
            login_window_min=_int(env, "IVLOG_LOGIN_WINDOW_MIN", 15),
            tablet_lock_min=_int(env, "IVLOG_TABLET_LOCK_MIN", 5),
            held_max_rows=_int(env, "IVLOG_HELD_MAX_ROWS", 2_000),
            held_max_mb=_held_mb(env),
            push_burst=_int(env, "IVLOG_PUSH_BURST", 120),
            push_per_min=_int(env, "IVLOG_PUSH_PER_MIN", 120),
            projector_quiet_ms=_int(env, "IVLOG_PROJECTOR_QUIET_MS", 50),
            projector_patience_ms=_int(env, "IVLOG_PROJECTOR_PATIENCE_MS", 1_000),
            timezone=_timezone(env.get("IVLOG_TIMEZONE", "UTC")),
            audit_key=_strong(env, "IVLOG_AUDIT_KEY"),
            audit_previous_keys=tuple(k.strip() for k in env.get("IVLOG_AUDIT_PREVIOUS_KEYS", "").split(",") if k.strip()),
            audit_anchor=Path(env["IVLOG_AUDIT_ANCHOR"]).resolve() if env.get("IVLOG_AUDIT_ANCHOR") else None,
            audit_checkpoint_s=_int(env, "IVLOG_AUDIT_CHECKPOINT_S", 60),
            audit_checkpoint_every=_int(env, "IVLOG_AUDIT_CHECKPOINT_EVERY", 500),
            extra={k: v for k, v in env.items() if k.startswith("IVLOG_SMTP_")},
        )


def _held_mb(env: Mapping[str, str]) -> int:
    """Above a push's size: a quota smaller than one push could refuse a single entry forever."""
    value = _int(env, "IVLOG_HELD_MAX_MB", 8)
    if value * 1024 * 1024 <= MAX_BYTES:
        raise SettingsError(f"IVLOG_HELD_MAX_MB must be more than a push's {MAX_BYTES // (1024 * 1024)} MB, not {value}")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, not {value}")
    return value


def _strong(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if value and len(value) < MIN_SECRET_LENGTH:
        raise SettingsError(f"{name} must be at least {MIN_SECRET_LENGTH} characters")
    return value


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks (CIDR), or `*` for any (not advised)."""
    import ipaddress

    items = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(f"{name} must list IP addresses or networks such as 127.0.0.1 or 10.0.0.0/8, "
                                f"not {item!r}") from None
    return items


def _timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"IVLOG_TIMEZONE must be an IANA time zone such as America/Chicago, not {name!r}") from None
    return name


def _secret(env: Mapping[str, str], mode: str, data_dir: Path) -> str:
    """The signing secret: required and strong in production; kept in the data dir otherwise.

    A development secret is persisted so that a restart does not invalidate open forms.
    """
    secret = env.get("IVLOG_SECRET_KEY", "")
    if secret:
        if len(secret) < MIN_SECRET_LENGTH:
            raise SettingsError(f"IVLOG_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        return secret
    if mode == "production":
        raise SettingsError("IVLOG_SECRET_KEY is required in production (at least 32 characters)")
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
