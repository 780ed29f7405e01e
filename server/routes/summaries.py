"""Physician summaries of a visit: the print-ready page, the PDF and the FHIR document Bundle.

Pharmacists may open any visit's summary (a preview until they sign off); physicians only their
own patients' reviewed visits (`access.read_visit`: the physician's scope is the released visits,
so a visit awaiting review, or reopened, answers 404 like an absent one); billers every signed-off
visit's, the medical record a claim rests on (the same scope). Nurses and admins have no summaries. Every view, download and export is a disclosure, recorded with the audit log.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User
from server.db.review_models import DisclosureChannel
from server.errors import Conflict
from server.routes import guard
from server.services import disclosures, fhir, inbox, pdf
from server.services.summary import VisitSummary, build_summary, file_name, template_context
from server.templating import render

FHIR_JSON = "application/fhir+json"


async def _summary(request: Request, channel: DisclosureChannel) -> tuple[User, VisitSummary]:
    """The caller's summary of the visit in the path, recorded as a disclosure through `channel`."""
    user = await guard.require(request, Role.PHARMACIST, Role.PHYSICIAN, Role.BILLER)
    visit = await access.read_visit(user, request.path_params["visit_id"])
    clock = guard.clock_of(request)
    summary = await build_summary(visit, clock=clock)
    if not summary.events:  # not begun, or begun offline and not synced: an empty document would read as a visit with nothing done
        raise Conflict("Nothing has been recorded for this visit on the server yet: the summary exists once the "
                       "nurse's first entries arrive.")
    await disclosures.record(visit=visit, channel=channel, by=user, recipient_user=user,
                             review_event_id=summary.review_event_id)
    if user.role == Role.PHYSICIAN:
        await inbox.mark_read(physician=user, visit=visit)
    return user, summary


async def summary_page(request: Request) -> Response:
    _, summary = await _summary(request, DisclosureChannel.SCREEN)
    return render(request, "summary/page.html", template_context(summary))


async def summary_pdf(request: Request) -> Response:
    _, summary = await _summary(request, DisclosureChannel.PDF)
    document = await pdf.summary_pdf(summary)
    disposition = f'attachment; filename="{file_name(summary, "pdf")}"'
    return Response(document, media_type="application/pdf", headers={"Content-Disposition": disposition})


async def summary_fhir(request: Request) -> Response:
    _, summary = await _summary(request, DisclosureChannel.FHIR)
    bundle = fhir.document_bundle(summary)
    disposition = f'inline; filename="{file_name(summary, "fhir.json")}"'
    return JSONResponse(bundle, media_type=FHIR_JSON, headers={"Content-Disposition": disposition})


routes = [
    Route("/visits/{visit_id:uuid}/summary", summary_page, methods=["GET"]),
    Route("/visits/{visit_id:uuid}/summary.pdf", summary_pdf, methods=["GET"]),
    Route("/visits/{visit_id:uuid}/fhir", summary_fhir, methods=["GET"]),
]
