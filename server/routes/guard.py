"""Who is asking: resolve the session cookie once per request and check the role."""

from __future__ import annotations

from starlette.requests import Request

from server.auth import sessions
from server.db.models import Role, User
from server.errors import Forbidden, NotAuthenticated
from server.services.local_time import LocalTime
from server.settings import Settings
from sync import review
from sync.rate import PushRateLimit

HOME_BY_ROLE = {
    Role.NURSE: "/nurse",
    Role.PHARMACIST: "/pharmacy",
    Role.PHYSICIAN: "/physician",
    Role.ADMIN: "/admin",
    Role.BILLER: "/pharmacy/payer-proof",
}


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def clock_of(request: Request) -> LocalTime:
    """The organization's clock (IVLOG_TIMEZONE): how pages show times and where their days begin."""
    return LocalTime(settings_of(request).timezone)


async def current(request: Request, *, push_rate: PushRateLimit | None = None) -> sessions.Authenticated | None:
    """The request's session, resolved once. `push_rate`: a push, whose token is taken with it."""
    if not hasattr(request.state, "auth"):
        token = request.cookies.get(sessions.COOKIE_NAME)
        request.state.auth = await sessions.resolve(token, settings=settings_of(request), push_rate=push_rate)
        request.state.user = request.state.auth.user if request.state.auth else None
    return request.state.auth


async def require(request: Request, *roles: Role, push_rate: PushRateLimit | None = None) -> User:
    """The logged-in user, who must hold one of `roles` (any role when none are given)."""
    auth = await current(request, push_rate=push_rate)
    if auth is None:
        raise NotAuthenticated("Your session has ended. Please log in again.")
    if roles and auth.user.role not in roles:
        raise Forbidden("This page is not part of your role.")
    if auth.user.role == Role.PHARMACIST and not request.url.path.startswith("/api/"):
        request.state.held_count = await review.open_count(auth.user.organization_id)  # the nav's "Kept aside (n)"
    return auth.user


def home_of(user: User) -> str:
    return HOME_BY_ROLE[Role(user.role)]
