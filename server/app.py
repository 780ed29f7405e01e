"""create_app(settings) -> the Starlette application: routes, middleware, lifespan.

Declarative: the route list and the middleware list below are the whole assembly.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import AsyncContextManager, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server import audit, logs, runtime
from server.audit_checkpoint import Checkpointer
from server.auth import passwords
from server.db import schema
from server.errors import AppError
from server.middleware.body_limit import BodyLimitMiddleware
from server.middleware.fold_scope import FoldScopeMiddleware
from server.middleware.in_flight import InFlight, InFlightMiddleware
from server.middleware.request_log import RequestLogMiddleware
from server.middleware.read_audit import ReadAuditMiddleware
from server.middleware.same_origin import SameOriginMiddleware, own_origins
from server.middleware.security_headers import SecurityHeadersMiddleware
from server.responses import AppErrorMiddleware, app_error_handler, http_error_handler, server_error_handler
from server.routes import (
    account, admin, api, catalogue, home, payer, pharmacy, pwa, quarantine, review, schedule, session, summaries,
    tablet, visits_api,
)
from server.services import clinical_definition, delivery
from server.services.projector import Projector
from server.settings import Settings
from server.sync_policy import ServerPolicy
from sync import protocol as sync_protocol
from sync.routes import routes as sync_routes

STATIC_DIR = Path(__file__).parent / "static"
# A push may be large; the sync route itself answers 413 with "split" above MAX_BYTES.
BODY_LIMITS = {"/api/sync/push": sync_protocol.MAX_BYTES + 64 * 1024}


def app_from_env() -> Starlette:
    """The factory for `serve --workers N`: every worker process reads the same environment."""
    app = create_app(Settings.from_env())
    runtime.tune_garbage_collector()
    return app


def create_app(settings: Settings) -> Starlette:
    logs.configure(settings.log_format)
    audit.configure_from(settings)
    passwords.configure_from(settings)
    in_flight = InFlight()
    # folds pushed visits into their rows, off the push path
    projector = Projector(quiet=settings.projector_quiet_ms / 1000, patience=settings.projector_patience_ms / 1000,
                          busy=in_flight.busy)
    routes = [
        # First: the router tries routes in order, and every tablet's sync asks for these.
        *sync_routes(ServerPolicy(projector, settings.held_quota, settings.push_rate)),
        *home.routes,
        *session.routes,
        *account.routes,
        *api.routes,
        *visits_api.routes,
        *pharmacy.routes,
        *catalogue.routes,
        *schedule.routes,
        *admin.routes,
        *review.routes,
        *payer.routes,
        *summaries.routes,
        *tablet.routes,
        *quarantine.routes,
        *pwa.routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        *_proxy_headers(settings),
        Middleware(RequestLogMiddleware),
        # Pages, styles and API answers compressed (the tablet's shell is gzipped once per file by its
        # own route and passes through); CSRF tokens are masked per render against BREACH.
        Middleware(GZipMiddleware, minimum_size=1024),
        Middleware(InFlightMiddleware, in_flight=in_flight),
        Middleware(FoldScopeMiddleware),  # each visit log folded once per request (services.folds)
        Middleware(SecurityHeadersMiddleware),
        Middleware(AppErrorMiddleware),
        Middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes, limits=BODY_LIMITS),
        Middleware(SameOriginMiddleware, origins=own_origins(settings)),
        Middleware(ReadAuditMiddleware),  # innermost: it sees the answer each handler (or refusal) gave
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            AppError: app_error_handler,
            HTTPException: http_error_handler,
            Exception: server_error_handler,
        },
        lifespan=_lifespan(settings, projector),
    )
    app.state.settings = settings
    app.state.projector = projector
    app.state.in_flight = in_flight
    return app


def _proxy_headers(settings: Settings) -> list[Middleware]:
    """Behind a trusted proxy the client's address (the login throttle's key) and scheme come from
    its X-Forwarded-For/-Proto; from anyone else those headers are ignored. Done here, not by
    uvicorn, so that every worker and every ASGI server applies the same IVLOG_FORWARDED_ALLOW_IPS."""
    if not settings.forwarded_allow_ips:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips))]


def _lifespan(settings: Settings, projector: Projector) -> Callable[[Starlette], AsyncContextManager[None]]:
    """Read the clinical definition, open the database, catch up stale projections, run the background workers; undo in reverse."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        clinical_definition.load()  # a file this code cannot read stops the start
        await schema.open_database(settings.database_url)
        try:
            await schema.check_ready(settings.database_url)
            await projector.start()  # folds the visits left due (by a crash, by another process), first
            worker = delivery.DeliveryWorker(settings)  # releases sign-offs, mails summaries
            worker.start()
            checkpointer = Checkpointer(interval_s=settings.audit_checkpoint_s)  # anchors the audit chain
            checkpointer.start()
            try:
                yield
            finally:
                await worker.stop()
                await projector.stop()
                await checkpointer.stop()
        finally:
            await schema.close_database()

    return lifespan
