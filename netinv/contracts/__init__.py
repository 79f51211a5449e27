"""Supply contracts between a supplier and a newsvendor retailer (Cachon 2003).

A script comparing designs reads like the question it asks::

    from netinv.contracts import Buyback, Demand, Market, WholesalePrice, evaluate

    market = Market(price=10, supplier_cost=3, salvage=1, demand=Demand.normal(100, 30))
    for contract in (WholesalePrice(6), Buyback(6, 4)):
        print(evaluate(contract, market).efficiency)
"""

from netinv.contracts.demand import Demand
from netinv.contracts.evaluate import (
    ContractOutcome,
    Estimate,
    IntegratedOutcome,
    coordinates,
    coordinating,
    evaluate,
    integrated,
)
from netinv.contracts.market import Market
from netinv.contracts.terms import (
    CONTRACTS,
    Buyback,
    Contract,
    CoordinatingDiscount,
    Options,
    QuantityDiscount,
    QuantityFlexibility,
    RevenueSharing,
    SalesRebate,
    WholesalePrice,
)

__all__ = [
    "CONTRACTS", "Buyback", "Contract", "ContractOutcome", "CoordinatingDiscount", "Demand", "Estimate",
    "IntegratedOutcome", "Market", "Options", "QuantityDiscount", "QuantityFlexibility",
    "RevenueSharing", "SalesRebate", "WholesalePrice", "coordinates", "coordinating", "evaluate", "integrated",
]
