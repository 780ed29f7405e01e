"""The physician's page shows what his patients are given now, as the pharmacy wrote it: each active order's
product, dose, rate, premedication, PRN orders, prescriber and last change. A walk's physician could read
summaries of past visits but not the orders in his name."""

from __future__ import annotations

import html

from server.db.models import AuditEntry, Order
from tests.server.test_pharmacy_pages import edit_order


async def test_the_physician_reads_his_patients_active_orders_and_no_one_elses(
        client_factory, physician_phil, pharmacist_pia, patient_pat, patient_sam):
    order = await Order.get(patient=patient_pat)
    await edit_order(await client_factory(pharmacist_pia), order, **{"premeds-0-dose": "50"})
    await Order.create(organization_id=patient_pat.organization_id, patient=patient_pat, product_id="privigen-10",
                       indication="CIDP", dose_g_per_kg=2.0, dose_g=140.0, dosing_weight_kg=70.0, premeds=[],
                       prn_orders=[], prescriber="Dr. Test", created_by=pharmacist_pia, active=False)

    page = html.unescape((await (await client_factory(physician_phil)).get("/physician")).text)

    assert f"Order {order.id}: Gammagard Liquid 10% · PI</strong>, 1 g/kg × 70 kg = <strong>70 g</strong>" in page
    assert ("Premedication: diphenhydramine 50 mg PO 30 min before; acetaminophen 650 mg PO 30 min before. "
            "PRN and reaction: acetaminophen 650 mg PO for fever.") in page
    assert "Prescriber Dr. Test · revision 2, last changed" in page
    assert "Privigen" not in page  # an inactive order is not given now
    assert str(patient_sam.mrn) not in page  # another physician's (here: no physician's) patient
    assert await AuditEntry.filter(action="order.list", user_id=physician_phil.id).exists()
