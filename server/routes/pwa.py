"""Serving the nurse's installable app (pwa/): the shell under /app/ and the service worker.

DESIGN section 8: the service worker lives at /sw.js (scope /) with `Cache-Control: no-cache`
so a new version is picked up at once; module scripts and the manifest need exact MIME types.
The service worker itself decides what to cache offline; the server never lets `/api/` be cached.

DESIGN section 7 (shell <= 150 KB): the files of pwa/ stay readable and are served minified, each
ES module on its own (minification, not bundling) by tdewolff's minify (minify-go): comments and
spaces go and local names are shortened; exported and top-level names are kept, so modules still
import each other by name; a data file (JSON) goes without spaces and without its `doc` texts.
tests/js/pwa_served.test.mjs runs the JS suite against the served bytes. Each file is minified once per
version on disk (its path, mtime and size) and carries a strong ETag of the bytes served, so the browser
revalidates with an empty 304.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

import minify as web_minify
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PWA_DIR = Path(__file__).resolve().parent.parent.parent / "pwa"

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("image/svg+xml", ".svg")

NO_CACHE = {"Cache-Control": "no-cache"}


def _minify_json(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))


def _without_docs(value: object) -> object:
    """A data file's `doc` texts are words for its readers (data/payloads.json: the API description's),
    never read by the tablet's code: like comments in code, they are not sent."""
    if isinstance(value, dict):
        return {key: _without_docs(item) for key, item in value.items() if key != "doc"}
    return [_without_docs(item) for item in value] if isinstance(value, list) else value


def _minify_data(text: str) -> str:
    return json.dumps(_without_docs(json.loads(text)), ensure_ascii=False, separators=(",", ":"))


def _minifier(media_type: str):
    return lambda text: web_minify.string(media_type, text)


MINIFIERS = {".js": _minifier("text/javascript"), ".mjs": _minifier("text/javascript"),
             ".css": _minifier("text/css"), ".svg": _minifier("image/svg+xml"), ".html": _minifier("text/html"),
             ".webmanifest": _minify_json, ".json": _minify_data}


def minify(path: Path, raw: bytes) -> bytes:
    """The bytes served for a file of pwa/: minified when it is code, style, page or manifest."""
    minifier = MINIFIERS.get(path.suffix)
    return raw if minifier is None else minifier(raw.decode("utf-8")).encode("utf-8")


@dataclass(frozen=True)
class Served:
    body: bytes
    etag: str
    media_type: str
    gzipped: bytes  # the same bytes compressed once: a tablet on a weak signal downloads about a third

    def representation(self, headers: Headers) -> tuple[bytes, str, dict[str, str]]:
        """(body, strong ETag, headers) for this request: gzip when the client accepts it."""
        if "gzip" in headers.get("accept-encoding", "") and len(self.gzipped) < len(self.body):
            return self.gzipped, self.etag[:-1] + '-gz"', {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return self.body, self.etag, {"Vary": "Accept-Encoding"}


_served: dict[str, tuple[tuple[int, int], Served]] = {}


def served(path: Path, stat_result: os.stat_result | None = None) -> Served:
    """The file as served, computed once per (path, mtime, size)."""
    stat_result = stat_result or path.stat()
    version = (stat_result.st_mtime_ns, stat_result.st_size)
    cached = _served.get(str(path))
    if cached is not None and cached[0] == version:
        return cached[1]
    body = minify(path, path.read_bytes())
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    result = Served(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', media_type,
                    gzip.compress(body, compresslevel=9, mtime=0))
    _served[str(path)] = (version, result)
    return result


def _not_modified(etag: str, headers: Headers) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in headers.get("if-none-match", "").split(",")]
    return etag in tags or "*" in tags


def served_response(path: Path, scope: Scope, stat_result: os.stat_result | None = None,
                    extra_headers: dict[str, str] | None = None) -> Response:
    file, request_headers = served(path, stat_result), Headers(scope=scope)
    body, etag, encoding = file.representation(request_headers)
    headers = {**NO_CACHE, **(extra_headers or {}), **encoding, "ETag": etag}
    if _not_modified(etag, request_headers):
        return Response(status_code=304, headers=headers)
    if scope["method"] == "HEAD":
        return Response(media_type=file.media_type, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, media_type=file.media_type, headers=headers)


class ShellFiles(StaticFiles):
    """The files of pwa/, minified, revalidated every time (the service worker caches them)."""

    def file_response(self, full_path, stat_result, scope, status_code: int = 200) -> Response:  # type: ignore[override]
        return served_response(Path(full_path), scope, stat_result)

    async def get_response(self, path: str, scope) -> Response:  # type: ignore[override]
        response = await super().get_response(path, scope)
        response.headers.update(NO_CACHE)
        return response


async def service_worker(request: Request) -> Response:
    return served_response(PWA_DIR / "sw.js", request.scope, extra_headers={"Service-Worker-Allowed": "/"})


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico on every desk page whatever the page links: answer with the app's
    icon (PNG bytes are accepted under that name) instead of a 404 in every log."""
    return served_response(PWA_DIR / "icons" / "icon-192.png", request.scope)


async def app_root(request: Request) -> Response:
    return RedirectResponse("/app/", status_code=308)


routes = [
    Route("/sw.js", service_worker, methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
    Route("/app", app_root, methods=["GET"]),
    # follow_symlink: lazy/facts.json and rules/payloads.json are files of server/clinical/data/ (read by both sides)
    Mount("/app", ShellFiles(directory=PWA_DIR, html=True, check_dir=False, follow_symlink=True), name="pwa"),
]
