"""netinv's one timing convention: when an order can meet demand, written once for every module.

Periods are whole review periods (a day, a week: the scenario says which). In period t, in this order
(the events of :mod:`netinv.sim.simulator`):

1. every node orders on its supply edges, seeing the state at the start of the period;
2. every source ships from its on-hand stock **at the start of the period**;
3. what was shipped ``delay`` periods ago arrives, before demand (``delay`` 0: this period);
4. external demand is met from on-hand stock.

An edge's ``lead_time`` L is the periods between shipment and arrival; a node's ``processing_time`` P
is the periods between arrival and the moment the units can be used (production, inspection): the
**arrival delay** of an edge into a node is L + P (plus the processing time of an external supply
that ships on the edge) (:func:`arrival_delay`, what the simulator, the
planning LP and every policy read as ``NetworkArrays.lead_time``). Since shipping precedes arrivals,
a unit received in period t ships on in period t + 1 at the earliest, and an order placed in period t
meets demand in periods t + delay and later: it **covers delay + 1 periods** of demand
(:func:`cover_periods`). That one period is the review period of a periodic-review stage.

The same network in the guaranteed-service model (Graves & Willems 2000): every stage that holds
stock has stage time T_j = P_j + 1 (:func:`gsm_stage_time`) and each supply edge keeps its lead time
L_ij, so a stage's net replenishment time SI_j + T_j - S_j is exactly the periods of demand its stock
covers in the simulator; a textbook serial line with stage lead times L_i (Clark & Scarf 1960) is the
netinv line with ``lead_time`` L_i - 1 (:func:`textbook_lead_time` maps back).

Published guaranteed-service data (Willems 2008, the textbook examples in ``scenarios/``) give stage
times in the continuous-flow sense of the literature, where a stage time may be 0. Such a scenario says
``time_convention: textbook``: the guaranteed-service model reads its ``processing_time`` as T_j
unchanged (the published optima hold), and the periodic models read an edge into a node as the arrival
delay max(L + P - 1, 0), exact whenever L + P >= 1 (a stage time of 0 behind a lead time of 0 cannot
happen in periodic review; it is read as one period).
"""

from __future__ import annotations

from netinv import attrs

NETINV = "netinv"
"""The default convention: ``processing_time`` is the periods after arrival, on top of the review period."""
TEXTBOOK = "textbook"
"""Published guaranteed-service data: ``processing_time`` is the literature's stage time T_j."""
TIME_CONVENTIONS = (NETINV, TEXTBOOK)

REVIEW_PERIOD = 1
"""Periods between two orders of a stage: the period a received unit waits before it ships on."""


def arrival_delay(lead_time: int, processing_time: int = 0, convention: str = NETINV, *,
                  source_processing_time: int = 0) -> int:
    """Periods between an order on an edge and the period in which the target can use the units:
    ``lead_time`` + the target's ``processing_time``, + the source's when the source is an external
    supply (it ships at once, after its own processing time; netinv convention only)."""
    if convention == TEXTBOOK:
        return max(int(lead_time) + int(processing_time) - REVIEW_PERIOD, 0)
    return int(lead_time) + int(processing_time) + int(source_processing_time)


def cover_periods(delay: int) -> int:
    """Periods of demand an order covers when it arrives ``delay`` periods later (supplier ships at once)."""
    return int(delay) + REVIEW_PERIOD


def gsm_stage_time(processing_time: int, convention: str = NETINV) -> int:
    """The guaranteed-service stage time T_j of a node that holds stock."""
    if convention == TEXTBOOK:
        return int(processing_time)
    return int(processing_time) + REVIEW_PERIOD


def textbook_lead_time(delay: int) -> int:
    """The textbook stage lead time (Clark–Scarf, a serial line) of an edge with arrival delay ``delay``."""
    return cover_periods(delay)


def convention_of(graph) -> str:
    """The time convention a network's scenario states (``netinv`` unless it says ``textbook``)."""
    return str(graph.graph.get(attrs.TIME_CONVENTION) or NETINV)
