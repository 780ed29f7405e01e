"""What a summary says of a visit in words: an early stop and why (bottom line, FHIR narrative, queue, the
physician's inbox), each vital sign's range, the nurse's notes wherever she wrote them, a step's minutes."""

from __future__ import annotations

from tests.review import scripts


async def test_an_infusion_stopped_early_says_why_in_the_bottom_line_of_the_page_and_the_fhir_narrative(
    push_visit, desk, post_form, nurse_ana, patient_pat, client_factory, physician_phil
):
    """A walk stopped a dose at 2% at the patient's request: the summary read only "(2% of the order)"."""
    script = scripts.tolerated()
    stop = next(e for e in script.events if e["kind"] == "infusion.stopped")
    stop["payload"].update(reason="patient_request", note="Asked to stop; tired after the reaction. Prescriber told.")
    line = next(e for e in script.events if e["kind"] == "line.placed")
    line["payload"].update(site="forearm", side="left")  # the side in its own field: a walk's summary dropped it
    visit = await push_visit(nurse_ana, patient_pat, script)
    await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Seen.", "alerts_reviewed": "on"})
    page = (await desk.get(f"/visits/{visit.id}/summary")).text
    bottom = page.split('aria-label="Bottom line"')[1].split("</section>")[0]
    assert "% of the order). Stopped early: patient request; Asked to stop; tired after the reaction. Prescriber told." in bottom
    assert "told.." not in bottom  # her full stop, not a second one (a walk)
    assert "new peripheral 22G, left forearm" in page
    assert "Stopped early: patient request" in (await desk.get(f"/visits/{visit.id}/fhir")).text
    inbox = (await (await client_factory(physician_phil)).get("/physician")).text  # a walk's inbox said only the grade
    assert inbox.count('data-testid="stopped-early">stopped early</span>') == 1
    completed = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    preview = (await desk.get(f"/visits/{completed.id}/summary")).text  # the pharmacist's preview before sign-off
    assert "% of the order)." in preview and "Stopped early" not in preview


async def test_the_vital_signs_table_gives_each_measures_range_so_a_rise_is_not_hidden_behind_its_lowest(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    """A walk's reaction raised the BP to 148/92; the table showed systolic "122 (lowest)" and never the 148."""
    script = scripts.tolerated()
    script.vitals(231, hr=96, sbp=148, dbp=92)
    visit = await push_visit(nurse_ana, patient_pat, script)
    page = (await desk.get(f"/visits/{visit.id}/summary")).text
    trend = page.split('class="summary-table trend"')[1].split("</table>")[0]
    systolic = trend.split("Systolic BP (mmHg)")[1].split("</tr>")[0]
    assert "<th>Range</th>" in trend and "–148</td>" in systolic
    assert "Worst" not in trend and "lowest" not in trend


async def test_a_visit_stopped_early_says_so_on_the_review_queue(push_visit, desk, nurse_ana, patient_pat):
    script = scripts.tolerated()
    next(e for e in script.events if e["kind"] == "infusion.stopped")["payload"]["reason"] = "line_issue"
    stopped = await push_visit(nurse_ana, patient_pat, script)
    completed = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    queue = (await desk.get("/review")).text
    rows = {visit.id: next(row for row in queue.split("<tr") if f"/review/visits/{visit.id}" in row)
            for visit in (stopped, completed)}
    assert "stopped early" in rows[stopped.id] and "stopped early" not in rows[completed.id]


async def test_a_note_written_on_a_rate_change_is_among_the_nurse_notes_of_the_summary(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    """A walk's notes on her rate change and on the reaction's end were in no document: only note entries were."""
    script = scripts.tolerated()
    change = next(e for e in script.events if e["kind"] == "infusion.rate_changed")
    change["payload"]["note"] = "Slower: she felt the cold of the line"
    visit = await push_visit(nurse_ana, patient_pat, script)
    await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Seen.", "alerts_reviewed": "on"})
    page = (await desk.get(f"/visits/{visit.id}/summary")).text
    notes = page.split("<h2>Nurse notes</h2>", 1)[1].split("</section>", 1)[0]
    assert "Rate change: Slower: she felt the cold of the line" in notes
    assert "Rate change: Slower: she felt the cold of the line" in (await desk.get(f"/visits/{visit.id}/fhir")).text


def test_a_step_under_half_a_minute_reads_less_than_one_minute_not_zero():
    """A walk's summary listed a step of 0 min that gave 1.2 mL."""
    from server.services.summary import minutes

    assert [minutes(v) for v in (None, 0, 0.3, 0.5, 180.9)] == ["", "0", "<1", "1", "181"]


async def test_a_sliver_of_the_order_given_reads_less_than_one_percent_not_zero(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    """A walk's summary read "0.2 of 500 mL given (0% of the order)"."""
    script = scripts.tolerated()
    stop = next(e for e in script.events if e["kind"] == "infusion.stopped")
    stop["payload"].update(reason="patient_request", pump_volume_ml=1, note=None)
    visit = await push_visit(nurse_ana, patient_pat, script)
    await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Seen.", "alerts_reviewed": "on"})
    page = (await desk.get(f"/visits/{visit.id}/summary")).text
    assert "given (&lt;1% of the order)" in page and "(0% of the order)" not in page
