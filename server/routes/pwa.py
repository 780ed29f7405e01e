"""Serving the nurse's installable app (pwa/): the shell under /app/ and the service worker.

DESIGN section 8: the service worker lives at /sw.js (scope /) with `Cache-Control: no-cache`
so a new version is picked up at once; module scripts and the manifest need exact MIME types.
The service worker itself decides what to cache offline; the server never lets `/api/` be cached.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

PWA_DIR = Path(__file__).resolve().parent.parent.parent / "pwa"

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("image/svg+xml", ".svg")

NO_CACHE = {"Cache-Control": "no-cache"}


class ShellFiles(StaticFiles):
    """Static files that the browser revalidates every time (the service worker caches them)."""

    async def get_response(self, path: str, scope) -> Response:  # type: ignore[override]
        response = await super().get_response(path, scope)
        response.headers.update(NO_CACHE)
        return response


async def service_worker(request: Request) -> Response:
    return FileResponse(PWA_DIR / "sw.js", media_type="text/javascript",
                        headers={**NO_CACHE, "Service-Worker-Allowed": "/"})


async def app_root(request: Request) -> Response:
    return RedirectResponse("/app/", status_code=308)


routes = [
    Route("/sw.js", service_worker, methods=["GET"]),
    Route("/app", app_root, methods=["GET"]),
    Mount("/app", ShellFiles(directory=PWA_DIR, html=True, check_dir=False), name="pwa"),
]
