"""Each visit log folded once per request.

A page or an action may need a visit's state several times: the review page's summary, a sign-off's
status check, the push's judge of the same entry, the projection, the release of the signed summary.
The fold is the costliest step of such a request, and its result depends only on the log, the
context and `now`; so within one request the same log is folded once. `fold` keeps each state for the
request (a `FoldScope`, opened by server.middleware.fold_scope), keyed by the log's event ids, the
context and `now`. The context (the order, patient, series and catalogue rows a visit is folded with:
several queries) is kept the same way, until the request writes to the log (`forget_contexts`).

Outside a request (the projector, the workers, the CLI) nothing is kept. Each request's folds, the
states reused and the time spent go out in its Server-Timing header, which the tests read.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable
from uuid import UUID

from server.clinical.timeline import VisitState, fold_timeline
from server.clinical.visit_context import VisitContext
from server.services import orders_in_force

ContextKey = tuple[UUID, datetime | None, datetime | None]  # the visit, when it began and ended (None: not yet)


@dataclass
class FoldScope:
    """What one request folded: the states by log, the contexts by visit, and the counts."""

    states: dict[tuple[Any, ...], tuple[VisitContext, VisitState]] = field(default_factory=dict)
    contexts: dict[ContextKey, VisitContext] = field(default_factory=dict)
    folds: int = 0
    reused: int = 0
    seconds: float = 0.0
    open: bool = True  # a task the request started may outlive it: then it keeps nothing

    def server_timing(self) -> str | None:
        """The Server-Timing entry, or None when the request folded nothing."""
        if not self.folds and not self.reused:
            return None
        return f'fold;dur={self.seconds * 1000:.1f};desc="{self.folds} folded / {self.reused} reused"'


_scope: ContextVar[FoldScope | None] = ContextVar("ivlog_fold_scope", default=None)


def open_scope() -> tuple[FoldScope, Any]:
    """A new scope for the request being served, and the token that closes it."""
    scope = FoldScope()
    return scope, _scope.set(scope)


def close_scope(scope: FoldScope, token: Any) -> None:
    scope.open = False
    _scope.reset(token)


def _current() -> FoldScope | None:
    scope = _scope.get()
    return scope if scope is not None and scope.open else None


def fold(events: list[dict[str, Any]], *, context: VisitContext, now: datetime | None = None) -> VisitState:
    """`fold_timeline` of the log, computed once per request for the same events, context and now."""
    scope = _current()
    key = (tuple(event["id"] for event in events), id(context), now)
    kept = scope.states.get(key) if scope is not None else None
    if scope is not None and kept is not None and kept[0] is context:  # `is`: an id is only unique while alive
        scope.reused += 1
        return kept[1]
    started = time.perf_counter()
    state = fold_timeline(events, context=context, now=now)
    if context.earlier:  # orders edited while the visit ran: each entry judged by those in force then
        earlier = [fold_timeline(events, context=then, now=now) for _, then in context.earlier]
        state = orders_in_force.judged(state, earlier, [edit for edit, _ in context.earlier], events, context.rulebook)
    if scope is not None:
        scope.states[key] = (context, state)
        scope.folds += 1 + len(context.earlier)  # Server-Timing counts the folds of the earlier orders too
        scope.seconds += time.perf_counter() - started
    return state


async def context(key: ContextKey, build: Callable[[], Awaitable[VisitContext]]) -> VisitContext:
    """The visit's context, built once per request (until the request writes to the log)."""
    scope = _current()
    if scope is None:
        return await build()
    if key not in scope.contexts:
        scope.contexts[key] = await build()
    return scope.contexts[key]


def forget_contexts() -> None:
    """The log was written: a projection may change what the next context reads (a series' last
    tolerated rate), so contexts are built afresh; states stay, keyed by the log they folded."""
    scope = _current()
    if scope is not None:
        scope.contexts.clear()
