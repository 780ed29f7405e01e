"""Creating, disabling and re-enabling accounts, and setting passwords.

Disabling an account or setting its password ends every session at once: a password reset is
often the answer to a shared or stolen password, so the old sessions must not outlive it.
"""

from __future__ import annotations

import secrets

from server import audit
from server.auth import passwords, sessions
from server.db.models import Organization, Role, User
from server.errors import Conflict, FieldError, ValidationFailed
from server.services import booked_visits
from server.services.local_time import LocalTime


def acting(by: audit.Actor | None, user: User) -> audit.Actor:
    """Who the audit names: the administrator, or (None) the operator at the server's command line, who acts
    within the account's organization, so its administrators see the change in their audit log."""
    return by if by is not None else audit.Actor(user_id=None, organization_id=user.organization_id)


async def add_user(
    *, organization: Organization, username: str, display_name: str, role: Role, password: str,
    email: str | None = None, by: audit.Actor | None,
) -> User:
    username = username.strip().lower()
    problem = passwords.password_problem(password)
    if problem:
        raise ValidationFailed(problem, errors=[FieldError("password", problem)])
    if not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        message = "Username may use letters, digits, '.', '-' and '_' only"
        raise ValidationFailed(message, errors=[FieldError("username", message)])
    if await User.exists(username=username):
        raise Conflict(f"The username {username!r} is taken.")
    user = await User.create(
        organization=organization, username=username, display_name=display_name.strip(),
        role=role, password_hash=await passwords.hash_password(password), email=email or None,
    )
    await audit.record("user.create", actor=acting(by, user), object_type="user", object_id=user.id,
                       detail={"role": role.value})
    return user


async def set_active(*, user: User, active: bool, by: audit.Actor | None, clock: LocalTime) -> User:
    """Enable or disable an account; a nurse with visits booked is not disabled until they are given to another
    nurse or cancelled (server/services/booked_visits.py)."""
    if not active and user.role == Role.NURSE:
        await booked_visits.check_none_left(nurse_id=user.id, clock=clock)
    user.active = active
    await user.save(update_fields=["active"])
    revoked = 0 if active else await sessions.revoke_for_user(user.id)
    action = "user.enable" if active else "user.disable"
    await audit.record(action, actor=acting(by, user), object_type="user", object_id=user.id,
                       detail={"sessions_revoked": revoked})
    return user


async def set_password(*, user: User, password: str, by: audit.Actor | None, action: str = "user.password_set") -> int:
    """Replace the user's password and end their sessions; the number of sessions ended."""
    problem = passwords.password_problem(password)
    if problem:
        raise ValidationFailed(problem, errors=[FieldError("password", problem)])
    user.password_hash = await passwords.hash_password(password)
    await user.save(update_fields=["password_hash"])
    revoked = await sessions.revoke_for_user(user.id)
    await audit.record(action, actor=acting(by, user), object_type="user", object_id=user.id,
                       detail={"sessions_revoked": revoked})
    return revoked


async def reset_password(*, user: User, by: audit.Actor) -> str:
    """An administrator's reset: a random temporary password, shown once to the administrator."""
    temporary = secrets.token_urlsafe(12)  # 16 characters, about 96 bits
    await set_password(user=user, password=temporary, by=by, action="user.password_reset")
    return temporary


async def change_own_password(*, user: User, current: str, new: str) -> None:
    """A signed-in user's own change: the current password is checked first (a walk-up attacker at an
    unlocked desk cannot lock the owner out)."""
    if not await passwords.verify_password(user.password_hash, current):
        message = "The current password is not correct"
        raise ValidationFailed(message, errors=[FieldError("current_password", message)])
    await set_password(user=user, password=new, by=audit.Actor(user_id=user.id, organization_id=user.organization_id),
                       action="user.password_change")
