"""How many mL each rate step of the FHIR document gives, and from which vial: the steps add up to the volume
the summary states as given, and no vial gives more than it held (a walk summed 907.2 mL of a 900 mL lot)."""

from __future__ import annotations

from typing import Any


def fitted_tenths(timeline_ml: list[float], given_ml: float) -> list[int]:
    """Each rate step's share of `given_ml`, the volume the summary states as given, in tenths of a mL (the
    record's precision, so the shares add up exactly): the steps keep their rate × time in order from the start
    and only the end is fitted. Less given (all the product opened, when the rates timed to the minute run past
    it; a pump that read less): the last steps are cut, down to 0 mL for a step that ran on an empty bag, since
    a bag gives what it holds and runs dry at the end. More given (a pump that read more than the rates): the
    last step, the one the reading was taken at, gives the rest. So the document never claims more than the
    summary, earlier steps still read as rate × time, and the lot each step drew from is unchanged."""
    given, ends, total = round(given_ml * 10), [], 0
    for volume_ml in timeline_ml:
        total += round(volume_ml * 10)
        ends.append(min(total, given))
    if ends:
        ends[-1] = given
    return [end - start for start, end in zip([0, *ends], ends)]


def hung(lots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The vials or bags a pump ran from, in the order opened (a vial that failed inspection is never hung)."""
    return [lot for lot in lots if lot.get("inspected_ok", True)] or lots


def lot_shares(lots: list[dict[str, Any]], start_tenths: int,
               volume_tenths: int) -> list[tuple[dict[str, Any] | None, int]]:
    """The vials a rate step drew from and how much from each, in tenths of a mL: vials run in the order they
    were opened, so the step's slice of the cumulative volume falls in one vial or spans two. The last vial
    takes any volume beyond the vials' total (only a pump reading gets there: a bag's overfill, measured)."""
    vials = hung(lots)
    if not vials:
        return [(None, volume_tenths)]
    shares, begin, end = [], 0, start_tenths + volume_tenths
    for index, lot in enumerate(vials):
        lot_end = float("inf") if index == len(vials) - 1 else begin + round((lot.get("volume_ml") or 0) * 10)
        overlap = min(end, lot_end) - max(start_tenths, begin)
        if overlap > 0 or (volume_tenths == 0 and begin <= start_tenths < lot_end):
            shares.append((lot, int(max(overlap, 0))))
        begin = lot_end
    return shares
