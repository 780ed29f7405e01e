"""Creating, disabling and re-enabling accounts. Disabling revokes every session at once."""

from __future__ import annotations

from server import audit
from server.auth import passwords, sessions
from server.db.models import Organization, Role, User
from server.errors import Conflict, FieldError, ValidationFailed


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
    await audit.record("user.create", actor=by, object_type="user", object_id=user.id, detail={"role": role.value})
    return user


async def set_active(*, user: User, active: bool, by: audit.Actor | None) -> User:
    user.active = active
    await user.save(update_fields=["active"])
    revoked = 0 if active else await sessions.revoke_for_user(user.id)
    action = "user.enable" if active else "user.disable"
    await audit.record(action, actor=by, object_type="user", object_id=user.id, detail={"sessions_revoked": revoked})
    return user
