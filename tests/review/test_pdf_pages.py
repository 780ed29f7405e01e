"""Every page of a summary PDF names its patient and visit and says which page of how many it is: a walk's
long intervention ran the summary onto a second page that named no one (summary.css, summary/pdf.html)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.review import scripts
from tests.review.test_summaries import save_first_page_picture

LONG = " ".join(["Slowed to 100 mL/h after chills; premedicate with cetirizine and acetaminophen next time."] * 21)


async def test_each_page_after_the_first_names_the_patient_the_visit_and_its_page_number(
        push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, physician_phil):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{visit.id}"
    for _ in range(3):
        await post_form(desk, f"{url}/interventions", {"kind": "other", "text": LONG[:2000]})
    assert (await post_form(desk, f"{url}/sign-off", {"note": LONG[:2000], "alerts_reviewed": "on"})).status_code == 303
    document = (await (await client_factory(physician_phil)).get(f"/visits/{visit.id}/summary.pdf")).content
    save_first_page_picture(document, "summary-long-page1")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Testperson, Pat · MRN-PAT · born 1960-01-01 · visit " in text
