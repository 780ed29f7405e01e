"""The patient's earlier infusions as the clinical domain reads them (`server/clinical/series.py`).

A prior infusion is an earlier visit of the same patient that is done (completed, signed, reviewed or
reopened) and ran some volume, dated by its time out (else its scheduled time); a done visit since then that
ran none (a reaction to the premedication, before the start) travels as the series' `last_visit`. Its product is its
order's; its last tolerated rate is the one its fold found (the highest rate run without a reaction and
below every rate that caused one), kept on the Visit row by the projection, as is its handover
(server.services.handover). Only the infusions that decide the visit's place travel to the tablet: the run of
the series and the one before it that broke it; only the most recent with its handover.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from server.clinical.rulebook import RuleBook
from server.clinical.series import PriorInfusion, SeriesFacts, place_in_series
from server.db.models import Order, Visit, VisitStatus
from server.services import order_as_run
from server.services.handover import as_of, merged

DONE = (VisitStatus.COMPLETED, VisitStatus.SIGNED, VisitStatus.REVIEWED, VisitStatus.REOPENED)
# The therapies whose infusions run in a series (CLINICAL.md s.1: first infusion, product switch and a gap
# over 8 weeks raise an IVIG's reaction risk); another therapy's visits neither count in it nor break it.
SERIES_THERAPIES = frozenset({"ivig"})
NO_INFUSION_READ = 20  # the latest done visits that gave none, read for `last_visit` (its handover is bounded)


def _ms(value: datetime) -> datetime:
    """Whole milliseconds, as the tablet reads the same instants (server/clinical/clock.py)."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def visit_time(visit: Visit) -> datetime:
    """When the visit counts as taking place, for its place in the series: its scheduled time."""
    return _ms(visit.scheduled_at or visit.created_at or datetime.now(timezone.utc))


async def _done_visits(visit: Visit, therapy: str, *, infused: bool,
                       after: datetime | None = None) -> list[tuple[dict[str, Any], datetime, str]]:
    """The patient's done visits of `therapy` before this one (after `after`), that gave an infusion or none
    (`infused`), each as (row, when it ended, the product its order held then): a hydration visit between two
    IVIG infusions is no product switch of the IVIG series."""
    on = visit_time(visit)
    done = Visit.filter(patient_id=visit.patient_id, status__in=DONE, order_id__isnull=False).exclude(id=visit.id)
    done = done.filter(volume_infused_ml__gt=0) if infused else done.filter(
        volume_infused_ml__lte=0, handover__isnull=False).order_by("-scheduled_at").limit(NO_INFUSION_READ)
    fields = ("id", "time_out", "scheduled_at", "order_id", "last_tolerated_rate_ml_h" if infused else "handover")
    rows = [(row, _ms(row["time_out"] or row["scheduled_at"])) for row in await done.values(*fields)
            if row["time_out"] or row["scheduled_at"]]
    rows = [(row, ended) for row, ended in rows if ended < on and (after is None or ended > after)]
    ran = await order_as_run.products_at([(row["order_id"], ended) for row, ended in rows])
    return [(row, ended, product) for (row, ended), (product, of_therapy) in zip(rows, ran) if of_therapy == therapy]


async def prior_infusions(visit: Visit, therapy: str) -> list[PriorInfusion]:
    """The patient's done infusions of `therapy` before this one, most recent first (without handovers)."""
    prior = [PriorInfusion(str(row["id"]), product, ended, row["last_tolerated_rate_ml_h"])
             for row, ended, product in await _done_visits(visit, therapy, infused=True)]
    return sorted(prior, key=lambda p: p.ended_at, reverse=True)


async def last_visit(visit: Visit, therapy: str, after: datetime | None,
                     started: datetime | None) -> PriorInfusion | None:
    """The patient's done visits since the last infusion (`after`) that gave none and hand something over (a
    reaction to the premedication before the start, a pump stopped before any volume, the pharmacist's word on
    it), as of `started`, as one: the latest, with every such visit's of the same product (handover.merged)."""
    rows = sorted(((row, ended, product, as_of(row["handover"], started))
                   for row, ended, product in await _done_visits(visit, therapy, infused=False, after=after)),
                  key=lambda found: found[1])
    rows = [found for found in rows if found[3] is not None]
    if not rows:
        return None
    row, ended, product, _ = rows[-1]
    handover = merged([found[3] for found in rows if found[2] == product])
    return PriorInfusion(str(row["id"]), product, ended, None, handover)


async def series_facts(visit: Visit, order: Order, rulebook: RuleBook,
                       started: datetime | None = None) -> SeriesFacts | None:
    """The facts that decide this visit's place in its series (and no older ones); None for a therapy
    without one (a saline bag is no first infusion). Only the most recent infusion carries its handover
    (both engines read no other's), and a later visit that gave none its own, each as it stood when this
    visit began (`started`, handover.as_of)."""
    if order.therapy not in SERIES_THERAPIES:
        return None
    prior = await prior_infusions(visit, order.therapy)
    facts = SeriesFacts(visit_time(visit), tuple(prior))
    place = place_in_series(facts, order.product_id, long_gap_days=rulebook.infusion_series.long_gap_days)
    kept = prior[:place.number]
    since = await last_visit(visit, order.therapy, kept[0].ended_at if kept else None, started)
    if not kept:
        return SeriesFacts(facts.on, (), since)
    handover = await Visit.filter(id=kept[0].visit_id).first().values_list("handover", flat=True)
    return SeriesFacts(facts.on, (replace(kept[0], handover=as_of(handover, started)), *kept[1:]), since)
