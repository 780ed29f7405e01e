"""The physician summary as a PDF (fax is still the common channel): WeasyPrint over the same
escaped HTML the print page shows, with the print stylesheet, fetching nothing from anywhere.

Rendering is CPU work (a few hundred ms), so it runs in a worker thread, off the event loop.
WeasyPrint is imported at the first render, not with the app: its import (Pango, fontconfig) is a third
of every server process's and command's start, and most never render a PDF.
"""

from __future__ import annotations

import asyncio
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from server.services.summary import VisitSummary, template_context
from server.templating import templates

if TYPE_CHECKING:
    from weasyprint import CSS, URLFetcher
    from weasyprint.text.fonts import FontConfiguration

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "summary.css"
TEMPLATE = "summary/pdf.html"
# One render at a time: the shared font configuration (Pango) is not safe across threads, and the
# work is CPU-bound under the GIL anyway.
_RENDER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _fonts() -> FontConfiguration:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _stylesheet() -> CSS:
    from weasyprint import CSS

    return CSS(filename=str(STYLESHEET), font_config=_fonts(), url_fetcher=_no_fetching())


def _no_fetching() -> URLFetcher:
    """The document holds everything it shows (the charts are inline SVG): no URL is ever opened."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=frozenset())


def summary_html(summary: VisitSummary) -> str:
    return templates.env.get_template(TEMPLATE).render(template_context(summary))


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _RENDER_LOCK:
        document = HTML(string=html, url_fetcher=_no_fetching())
        # PDF/UA-1: tagged structure, the title shown as the document's name, for screen readers.
        return document.write_pdf(stylesheets=[_stylesheet()], font_config=_fonts(), pdf_variant="pdf/ua-1")


async def summary_pdf(summary: VisitSummary) -> bytes:
    return await asyncio.to_thread(render_pdf, summary_html(summary))


def timed_render(html: str) -> tuple[bytes, float]:
    """The PDF and how long it took (seconds): for the tests and `make bench`."""
    started = time.perf_counter()
    pdf = render_pdf(html)
    return pdf, time.perf_counter() - started
