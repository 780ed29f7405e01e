"""A tablet's `/api/reference` as another server release would send it: the real answer, changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error, Route

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet


def rewritten_reference(change: Callable[[dict[str, Any]], None]) -> Callable[[Route], None]:
    """A route handler (`context.route("**/api/reference", ...)`) that passes the server's reference through
    `change` (in place); other answers pass as they are, and with the server gone the request fails as the
    network would make it fail."""

    def handle(route: Route) -> None:
        try:
            response = route.fetch()
        except Error:
            route.abort("connectionrefused")
            return
        if response.status != 200:
            route.fulfill(response=response)
            return
        reference = response.json()
        change(reference)
        route.fulfill(response=response, json=reference)

    return handle


def nurse_tablet_given(server: Any, launch: Callable[..., Any], change: Callable[[dict[str, Any]], None],
                       **place: Any) -> Tablet:
    """The demo nurse's tablet, logged in, whose every `/api/reference` is the server's passed through
    `change`: a tablet of this release meeting a reference of another."""
    context = launch(**place)
    context.route("**/api/reference", rewritten_reference(change))
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    return tablet
