"""Login throttle kept in the database (so several server processes share it).

The rule (issue 16 item 4): an attacker can slow guessing but never lock a real user out.

- Each attempt is recorded BEFORE its password is checked, then judged against the other
  attempts under the same keys. Of simultaneous attempts the later-recorded one always sees
  the earlier one, so at most `IVLOG_LOGIN_MAX_FAILURES` of them reach the password check
  (issue 19 item c), on SQLite and PostgreSQL, in one process or many.
- Nothing is a lockout; every limit is a growing delay. Past its free allowance, an attempt
  under a key must come a delay after that key's latest attempt: 1 s, then 2, 4, ... at most
  `MAX_DELAY_S`. An attempt turned away ("429, try again in N s") is not counted: waiting
  is all it takes, so a nurse who mistyped five times waits a second, not fifteen minutes.
- `pair`, the account from this address (free: max_failures), answers 429 while its delay runs:
  it slows one address guessing one password.
- `account`, the account from anywhere (free: 10 × max_failures, and only once at least
  `ACCOUNT_SOURCES` addresses have failed on it), answers 429 too: it slows guessing spread over
  many addresses. One address, or a few, never engage it, so they cannot keep the owner out.
- `address`, one address over every username (free: 10 × max_failures), only SLOWS its answers
  (at most `MAX_SLOW_S`), never refuses: behind one NAT, or a proxy not declared trusted
  (IVLOG_FORWARDED_ALLOW_IPS), every user shares that address, and made-up usernames must never
  keep the real users out.
- The same rules apply whether or not the username exists (the answer and the timing tell
  nothing). A success forgets this account's failures from this address; every attempt
  expires with the window (IVLOG_LOGIN_WINDOW_MIN).

Keys are HMACs: a password typed into the username field is never stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from server.db.models import LoginAttempt
from server.errors import TooManyRequests
from server.settings import Settings

WIDE_FACTOR = 10  # the account from anywhere, and an address over all usernames, get this many times more
MAX_DELAY_S = 60  # the longest a refused key waits between two attempts
MAX_SLOW_S = 2.0  # the longest an address's answers are held back
ACCOUNT_SOURCES = 5  # addresses that must have failed on an account before it is slowed for everyone
SLOW_STEP_S = 0.1


@dataclass(frozen=True)
class Rule:
    kind: str
    wide: bool  # the allowance is WIDE_FACTOR × max_failures
    refuses: bool  # False: only slows the answer

    def free(self, settings: Settings) -> int:
        return settings.login_max_failures * (WIDE_FACTOR if self.wide else 1)


PAIR, ACCOUNT, ADDRESS = Rule("pair", False, True), Rule("account", True, True), Rule("address", True, False)
RULES = (PAIR, ACCOUNT, ADDRESS)


@dataclass(frozen=True)
class Attempt:
    """The rows recorded for one attempt, by rule kind."""

    ids: dict[str, int]
    keys: dict[str, str]
    at: datetime


def _key(settings: Settings, rule: Rule, username: str, address: str) -> str:
    values = {"pair": f"{username.strip().lower()}\n{address}", "account": username.strip().lower(),
              "address": address}
    message = f"{rule.kind}:{values[rule.kind]}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


async def begin(*, username: str, address: str, settings: Settings) -> Attempt:
    """Record the attempt, then let it through, hold it back, or raise TooManyRequests."""
    now = datetime.now(timezone.utc)
    keys = {rule.kind: _key(settings, rule, username, address) for rule in RULES}
    source = keys[PAIR.kind]
    ids = {rule.kind: (await LoginAttempt.create(key=keys[rule.kind], source=source, at=now)).id for rule in RULES}
    attempt = Attempt(ids=ids, keys=keys, at=now)
    slow = 0.0
    for rule in RULES:
        wait = await _wait(rule, attempt, settings)
        if rule.refuses and wait > 0:
            await LoginAttempt.filter(id__in=list(ids.values())).delete()  # turned away: not counted
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(f"Too many failed logins. Try again in {seconds} second{'s' if seconds > 1 else ''}.",
                                  retry_after_s=seconds)
        if not rule.refuses:
            slow = max(slow, wait)
    if slow:
        await asyncio.sleep(slow)
    return attempt


async def _wait(rule: Rule, attempt: Attempt, settings: Settings) -> float:
    """Refusing rules: seconds this attempt is early (0: it may go ahead). Slowing rules: how long
    to hold the answer back."""
    free = rule.free(settings)
    since = attempt.at - timedelta(minutes=settings.login_window_min)
    recent = LoginAttempt.filter(key=attempt.keys[rule.kind], at__gte=since)
    others = await (recent.exclude(id=attempt.ids[rule.kind]).order_by("-at").limit(free + 16)
                    .values_list("at", flat=True))
    if len(others) < free:
        return 0.0
    if rule is ACCOUNT and len(await recent.distinct().limit(ACCOUNT_SOURCES).values_list("source", flat=True)) \
            < ACCOUNT_SOURCES:
        return 0.0
    excess = len(others) - free + 1
    if not rule.refuses:
        return min(SLOW_STEP_S * 2.0 ** (excess - 1), MAX_SLOW_S)
    delay = min(2.0 ** (excess - 1), MAX_DELAY_S)
    return max(0.0, (others[0] + timedelta(seconds=delay) - attempt.at).total_seconds())


async def failed(attempt: Attempt, settings: Settings) -> None:
    """The attempt's rows stay as its failure, dated when it was answered (the next delay counts
    from there, not from before the password check); rows older than the window go."""
    now = datetime.now(timezone.utc)
    await LoginAttempt.filter(id__in=list(attempt.ids.values())).update(at=now)
    await LoginAttempt.filter(at__lt=now - timedelta(minutes=settings.login_window_min)).delete()


async def succeeded(attempt: Attempt) -> None:
    """A success is not a failure, and forgets this account's failures from this address."""
    await LoginAttempt.filter(id__in=list(attempt.ids.values())).delete()
    await LoginAttempt.filter(key=attempt.keys[PAIR.kind]).delete()
