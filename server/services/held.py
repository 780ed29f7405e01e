"""A pharmacist's decision on an entry kept aside (`sync.review`), with the server's own policy:
accepted as its original author would have pushed it (their assignment is what is checked), or
rejected with a reason. Both are audited; the visit is folded at once, so its page shows the result."""

from __future__ import annotations

from server.db.models import User
from server.errors import Conflict, FieldError, ValidationFailed
from server.sync_policy import ServerPolicy, UserPrincipal
from sync import review
from sync.errors import SyncError
from sync.models import Quarantine


def _principal(user: User) -> UserPrincipal:
    return UserPrincipal(user_id=user.id, organization_id=user.organization_id, user=user)


def _app_error(error: SyncError) -> Conflict | ValidationFailed:
    if error.status == 422:
        return ValidationFailed(error.message, errors=[FieldError("entry", error.message)])
    return Conflict(error.message)


async def accept(*, pharmacist: User, held: Quarantine) -> review.Accepted:
    author = await User.get(id=held.author_id, organization_id=held.organization_id)
    policy = ServerPolicy()
    try:
        accepted = await review.accept(held, author=_principal(author), reviewer=_principal(pharmacist), policy=policy)
    except SyncError as error:
        raise _app_error(error) from None
    await policy.project(_principal(author), {accepted.visit_id})
    return accepted


async def reject(*, pharmacist: User, held: Quarantine, reason: str) -> None:
    policy = ServerPolicy()
    try:
        await review.reject(held, reviewer=_principal(pharmacist), note=reason, policy=policy)
    except SyncError as error:
        raise _app_error(error) from None
    if held.visit_id is not None:  # the visit's flag of entries to resolve may clear
        await policy.project(_principal(pharmacist), {held.visit_id})
