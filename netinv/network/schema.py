"""The scenario document: the file boundary, as pydantic v2 models.

A scenario (YAML or JSON) is a mapping::

    name: retail_network            # required
    description: ...                # optional text
    source: ...                     # optional citation of the data
    known: {...}                    # optional published answers (free-form), used by tests
    time_convention: netinv         # netinv | textbook (published GSM stage times): netinv.timing
    state: {...}                    # optional current state, or a CSV beside the file: netinv.network.state
    excess: {...}                   # optional disposal channels of slow stock (checked by netinv.excess.channels)
    nodes:                          # required, at least one
      - id: store_1                 # required, unique (integers are read as their decimal string)
        holding_cost: 1.0           # [h] per unit per period                      default 0
        processing_time: 0          # [T] integer periods (guaranteed-service)     default 0
        initial_inventory: 20       # units on hand at the start                   default 0
        capacity: 100               # units released per period                    default unlimited
        operating_cost: 0           # per unit shipped out                         default 0
        yield: 1.0                  # usable fraction of what arrives, in (0, 1]   default 1
        demand: {distribution: normal, mean: 5, std: 1}    # external demand (see netinv.demand.distributions)
        shortage_cost: 9.0          # [p] required on demand nodes
        backlog: true               # true: backorders; false: lost sales          default true
        price: 0                    # revenue per unit sold                        default 0
        service_level: 0.95         # in (0, 1)                                    optional
        service_factor: 1.645       # [z] overrides service_level (GSM)            optional
        risk_pool: 2                # [r] pooling exponent, internal demand (GSM)  default 2
        added_cost: 12.0            # cost added at the stage (informative)        optional
        max_service_time: 0         # periods                                      optional
        external_supply: true       # source nodes only: unlimited supply          default true
        assembly: false             # inbound edges are components (BOM)           default false
        position: [0.0, 1.0]        # for drawings                                 optional
    edges:                          # goods flow source -> target; the target orders from the source
      - source: dc
        target: store_1
        lead_time: 2                # [L] integer periods                          default 0
        unit_cost: 1.0              # paid by target per unit (a network cost only   default 0
                                    #   from an external supply; else a transfer price)
        pipeline_holding_cost: 0.1  # per unit per period in transit               default 0
        capacity: 50                # units per period                             default unlimited
        quantity: 1                 # units of source per unit of target           default 1
        kind: supply                # supply | transshipment                        default supply
        fixed_order_cost: 0         # [K] per order placed                         default 0
        lot_size: 10                # orders are whole multiples (planning MILP)   optional
        backlog: true               # unfilled orders stay owed (false: lost)      default true

Keys are checked strictly: an unknown key is an error (with the closest valid key suggested), numbers
must be numbers (a quoted "5" is rejected) and integers must be integers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from netinv import attrs
from netinv.demand.distributions import DemandSpec


def _id_to_str(value: Any) -> Any:
    # Integer ids (as in the published 9-node network) are read as their decimal string.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


NodeId = Annotated[str, BeforeValidator(_id_to_str), Field(min_length=1, max_length=200)]
Cost = Annotated[float, Field(ge=0, le=attrs.MAX_MAGNITUDE, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=0, le=attrs.MAX_MAGNITUDE, allow_inf_nan=False)]
Probability = Annotated[float, Field(gt=0, lt=1)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class NodeDoc(_Doc):
    id: NodeId
    holding_cost: Cost = 0.0
    processing_time: Annotated[int, Field(ge=0, le=attrs.MAX_PROCESSING_TIME)] = 0
    initial_inventory: Amount = 0.0
    capacity: Amount | None = None
    operating_cost: Cost = 0.0
    yield_: Annotated[float, Field(gt=0, le=1, alias="yield")] = 1.0
    demand: DemandSpec | None = None
    shortage_cost: Cost | None = None
    backlog: bool = True
    price: Cost = 0.0
    service_level: Probability | None = None
    service_factor: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    risk_pool: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] | None = None
    added_cost: Cost | None = None
    max_service_time: Annotated[int, Field(ge=0, le=attrs.MAX_PROCESSING_TIME)] | None = None
    external_supply: bool | None = None
    assembly: bool = False
    position: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None


class EdgeDoc(_Doc):
    source: NodeId
    target: NodeId
    lead_time: Annotated[int, Field(ge=0, le=attrs.MAX_LEAD_TIME)] = 0
    unit_cost: Cost = 0.0
    pipeline_holding_cost: Cost = 0.0
    capacity: Amount | None = None
    quantity: Annotated[float, Field(gt=0, le=attrs.MAX_MAGNITUDE, allow_inf_nan=False)] = 1.0
    kind: Literal["supply", "transshipment"] = "supply"
    fixed_order_cost: Cost = 0.0
    lot_size: Annotated[float, Field(gt=0, le=attrs.MAX_MAGNITUDE, allow_inf_nan=False)] | None = None
    backlog: bool = True


class InTransitDoc(_Doc):
    source: NodeId
    target: NodeId
    quantity: Amount
    arrives: Annotated[int, Field(ge=0, le=attrs.MAX_LEAD_TIME)]


class OwedDoc(_Doc):
    source: NodeId
    target: NodeId
    quantity: Amount


class StateDoc(_Doc):
    on_hand: dict[NodeId, Amount] = {}
    backorders: dict[NodeId, Amount] = {}
    in_transit: list[InTransitDoc] = []
    owed: list[OwedDoc] = []


class ScenarioDoc(_Doc):
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    source: str | None = None
    known: dict[str, Any] | None = None
    time_convention: Literal["netinv", "textbook"] = "netinv"
    state: StateDoc | None = None
    excess: dict[str, Any] | None = None
    nodes: Annotated[list[NodeDoc], Field(min_length=1)]
    edges: list[EdgeDoc] = []


NODE_FIELDS = tuple(f.alias or name for name, f in NodeDoc.model_fields.items())
EDGE_FIELDS = tuple(EdgeDoc.model_fields)
TOP_FIELDS = tuple(ScenarioDoc.model_fields)
